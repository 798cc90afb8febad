// A GEMM against a matrix packed once and used many times (a GRU's recurrent weights, read at every time
// step), where a general BLAS call costs more in packing than in arithmetic. It has an AVX-512 and an AVX2
// version chosen at run time, and a portable version.

#include "CKernels.h"

#include <immintrin.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

enum { NR = CM_PACK_COLUMNS };

// B is packed in panels: panel p holds columns first = p · NR up to NR wide (fewer in the last). The kernels
// find panel p at b + p · panel_stride and its row q at that + q · row_stride — packed panels, or the rows of
// a plain row-major matrix (panel_stride NR, row_stride its leading dimension).
static inline size_t panel_width(size_t n, size_t first) { return n - first < NR ? n - first : NR; }

int cm_kernels_best_isa(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return CM_KERNELS_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CM_KERNELS_AVX2;
    return CM_KERNELS_PORTABLE;
}

size_t cm_packed_count(size_t k, size_t n) { return ((n + NR - 1) / NR) * k * NR; }

void cm_pack(const float *source, size_t ld, int transposed, size_t k, size_t n, float *packed) {
    size_t panels = (n + NR - 1) / NR;
    for (size_t p = 0; p < panels; p++) {
        float *panel = packed + p * k * NR;
        size_t first = p * NR, width = panel_width(n, first);
        if (!transposed) {
            for (size_t q = 0; q < k; q++) {
                memcpy(panel + q * NR, source + q * ld + first, width * sizeof(float));
                memset(panel + q * NR + width, 0, (NR - width) * sizeof(float));
            }
        } else {
            if (width < NR) memset(panel, 0, k * NR * sizeof(float));
            // Column j of the panel is row first + j of the source, copied in tiles of 16 of its values so
            // that the tile being written (16 × NR floats) stays in the first-level cache.
            for (size_t q0 = 0; q0 < k; q0 += 16) {
                size_t q1 = q0 + 16 < k ? q0 + 16 : k;
                for (size_t j = 0; j < width; j++) {
                    const float *row = source + (first + j) * ld;
                    for (size_t q = q0; q < q1; q++) panel[q * NR + j] = row[q];
                }
            }
        }
    }
}

// MARK: - GEMM against a packed B

// Row j of a register tile starting at row i of A; rows past the end of A (j ≥ mr) repeat its last row and
// are not stored.
#define TILE_ROW(j) const float *r##j = a + (i + ((j) < mr ? (j) : mr - 1)) * lda

static void gemm_portable(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t panel_stride,
                          size_t row_stride, float beta, float *c, size_t ldc) {
    for (size_t first = 0; first < n; first += NR) {
        const float *panel = b + first / NR * panel_stride;
        size_t width = panel_width(n, first);
        for (size_t i = 0; i < m; i++) {
            float sums[NR] = {0};
            const float *row = a + i * lda;
            for (size_t q = 0; q < k; q++) {
                float x = row[q];
                for (size_t j = 0; j < width; j++) sums[j] += x * panel[q * row_stride + j];
            }
            float *out = c + i * ldc + first;
            for (size_t j = 0; j < width; j++) out[j] = beta != 0 ? sums[j] + out[j] : sums[j];
        }
    }
}

// AVX-512: a tile of 8 rows × 32 columns in 16 registers; one row of A is broadcast into both halves.
#define STEP512(j)                                                                                                    \
    do {                                                                                                              \
        __m512 x = _mm512_set1_ps(r##j[q]);                                                                           \
        c##j##0 = _mm512_fmadd_ps(x, b0, c##j##0);                                                                    \
        c##j##1 = _mm512_fmadd_ps(x, b1, c##j##1);                                                                    \
    } while (0)
#define STORE512(j)                                                                                                   \
    if ((j) < mr) {                                                                                                   \
        float *out = c + (i + (j)) * ldc + first;                                                                     \
        if (beta != 0) {                                                                                              \
            c##j##0 = _mm512_add_ps(c##j##0, _mm512_maskz_loadu_ps(low, out));                                       \
            c##j##1 = _mm512_add_ps(c##j##1, _mm512_maskz_loadu_ps(high, out + 16));                                 \
        }                                                                                                             \
        _mm512_mask_storeu_ps(out, low, c##j##0);                                                                     \
        _mm512_mask_storeu_ps(out + 16, high, c##j##1);                                                               \
    }

__attribute__((target("avx512f"))) static void gemm_avx512(size_t m, size_t n, size_t k, const float *a, size_t lda,
                                                           const float *b, size_t panel_stride, size_t row_stride,
                                                           float beta, float *c, size_t ldc) {
    for (size_t first = 0; first < n; first += NR) {
        const float *panel = b + first / NR * panel_stride;
        size_t width = panel_width(n, first);
        __mmask16 low = width >= 16 ? 0xFFFF : (__mmask16)((1u << width) - 1);
        __mmask16 high = width >= 32 ? 0xFFFF : width <= 16 ? 0 : (__mmask16)((1u << (width - 16)) - 1);
        for (size_t i = 0; i < m; i += 8) {
            size_t mr = m - i < 8 ? m - i : 8;
            TILE_ROW(0); TILE_ROW(1); TILE_ROW(2); TILE_ROW(3); TILE_ROW(4); TILE_ROW(5); TILE_ROW(6); TILE_ROW(7);
            __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00,
                   c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
            if (mr > 4) {
                for (size_t q = 0; q < k; q++) {
                    __m512 b0 = _mm512_maskz_loadu_ps(low, panel + q * row_stride);
                    __m512 b1 = _mm512_maskz_loadu_ps(high, panel + q * row_stride + 16);
                    STEP512(0); STEP512(1); STEP512(2); STEP512(3); STEP512(4); STEP512(5); STEP512(6); STEP512(7);
                }
            } else {
                for (size_t q = 0; q < k; q++) {
                    __m512 b0 = _mm512_maskz_loadu_ps(low, panel + q * row_stride);
                    __m512 b1 = _mm512_maskz_loadu_ps(high, panel + q * row_stride + 16);
                    STEP512(0); STEP512(1); STEP512(2); STEP512(3);
                }
            }
            STORE512(0) STORE512(1) STORE512(2) STORE512(3) STORE512(4) STORE512(5) STORE512(6) STORE512(7)
        }
    }
}

// AVX2 (16 registers): a tile of 6 rows × 16 columns, each panel in two halves.
#define STEP256(j)                                                                                                    \
    do {                                                                                                              \
        __m256 x = _mm256_broadcast_ss(r##j + q);                                                                     \
        c##j##0 = _mm256_fmadd_ps(x, b0, c##j##0);                                                                    \
        c##j##1 = _mm256_fmadd_ps(x, b1, c##j##1);                                                                    \
    } while (0)
#define STORE256(j)                                                                                                   \
    if ((j) < mr) {                                                                                                   \
        float *out = c + (i + (j)) * ldc + first + half * 16;                                                         \
        if (beta != 0) {                                                                                              \
            c##j##0 = _mm256_add_ps(c##j##0, _mm256_maskload_ps(out, mask0));                                         \
            c##j##1 = _mm256_add_ps(c##j##1, _mm256_maskload_ps(out + 8, mask1));                                     \
        }                                                                                                             \
        _mm256_maskstore_ps(out, mask0, c##j##0);                                                                     \
        _mm256_maskstore_ps(out + 8, mask1, c##j##1);                                                                 \
    }

__attribute__((target("avx2,fma"))) static void gemm_avx2(size_t m, size_t n, size_t k, const float *a, size_t lda,
                                                          const float *b_start, size_t panel_stride, size_t row_stride,
                                                          float beta, float *c, size_t ldc) {
    for (size_t first = 0; first < n; first += NR) {
        const float *panel = b_start + first / NR * panel_stride;
        size_t width = panel_width(n, first);
        for (size_t half = 0; half < 2 && half * 16 < width; half++) {
            size_t left = width - half * 16;
            int lanes[16];
            for (int j = 0; j < 16; j++) lanes[j] = (size_t)j < left ? -1 : 0;
            __m256i mask0 = _mm256_loadu_si256((const __m256i *)lanes), mask1 = _mm256_loadu_si256((const __m256i *)(lanes + 8));
            const float *b = panel + half * 16;
            for (size_t i = 0; i < m; i += 6) {
                size_t mr = m - i < 6 ? m - i : 6;
                TILE_ROW(0); TILE_ROW(1); TILE_ROW(2); TILE_ROW(3); TILE_ROW(4); TILE_ROW(5);
                __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00,
                       c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
                for (size_t q = 0; q < k; q++) {
                    __m256 b0 = _mm256_maskload_ps(b + q * row_stride, mask0);
                    __m256 b1 = _mm256_maskload_ps(b + q * row_stride + 8, mask1);
                    STEP256(0); STEP256(1); STEP256(2); STEP256(3); STEP256(4); STEP256(5);
                }
                STORE256(0) STORE256(1) STORE256(2) STORE256(3) STORE256(4) STORE256(5)
            }
        }
    }
}

static void gemm_dispatch(int isa, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b,
                          size_t panel_stride, size_t row_stride, float beta, float *c, size_t ldc) {
    if (m == 0 || n == 0) return;
    switch (isa) {
    case CM_KERNELS_AVX512: gemm_avx512(m, n, k, a, lda, b, panel_stride, row_stride, beta, c, ldc); break;
    case CM_KERNELS_AVX2: gemm_avx2(m, n, k, a, lda, b, panel_stride, row_stride, beta, c, ldc); break;
    default: gemm_portable(m, n, k, a, lda, b, panel_stride, row_stride, beta, c, ldc); break;
    }
}

void cm_gemm_packed_isa(int isa, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *packed,
                        float beta, float *c, size_t ldc) {
    gemm_dispatch(isa, m, n, k, a, lda, packed, k * NR, NR, beta, c, ldc);
}

void cm_gemm_packed(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *packed, float beta, float *c,
                    size_t ldc) {
    gemm_dispatch(cm_kernels_best_isa(), m, n, k, a, lda, packed, k * NR, NR, beta, c, ldc);
}
