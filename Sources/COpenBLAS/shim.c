#include "COpenBLAS.h"

#include <stddef.h>
#include <strings.h>

const char *cm_blas_faster_coretype(void) {
    // OpenBLAS releases that do not know a newer CPU model fall back to the SSE3 "Prescott"
    // kernels, about a third of the speed of the AVX-512 ones on the same core.
    const char *current = openblas_get_corename();
    if (current == NULL || strcasecmp(current, "prescott") != 0) return NULL;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
        return "SkylakeX";
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
    return NULL;
}
