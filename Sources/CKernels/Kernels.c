// Small dense kernels the training loop calls thousands of times per epoch, where a general BLAS call
// costs more in packing than in arithmetic: a GEMM against a matrix packed once and used many times (a
// GRU's recurrent weights, read at every time step), and the Adam update. Each has an AVX-512 and an
// AVX2 version chosen at run time, and a portable version.

#include "CKernels.h"

#include <immintrin.h>
#include <string.h>

#pragma STDC FP_CONTRACT OFF

enum { NR = CM_PACK_COLUMNS };

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
        size_t first = p * NR, width = n - first < NR ? n - first : NR;
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

static void gemm_portable(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *b, size_t panel_stride,
                          size_t row_stride, float beta, float *c, size_t ldc) {
    for (size_t p = 0; p * NR < n; p++) {
        const float *panel = b + p * panel_stride;
        size_t first = p * NR, width = n - first < NR ? n - first : NR;
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
// Rows past the end of A repeat its last row and are not stored.
#define ROW512(j) const float *r##j = a + (i + ((j) < mr ? (j) : mr - 1)) * lda
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

// Panel p of B starts at b + p · panel_stride and its row q at that + q · row_stride: packed panels, or
// the rows of a plain row-major matrix (panel_stride NR, row_stride its leading dimension).
__attribute__((target("avx512f"))) static void gemm_avx512(size_t m, size_t n, size_t k, const float *a, size_t lda,
                                                           const float *b, size_t panel_stride, size_t row_stride,
                                                           float beta, float *c, size_t ldc) {
    for (size_t p = 0; p * NR < n; p++) {
        const float *panel = b + p * panel_stride;
        size_t first = p * NR, width = n - first < NR ? n - first : NR;
        __mmask16 low = width >= 16 ? 0xFFFF : (__mmask16)((1u << width) - 1);
        __mmask16 high = width >= 32 ? 0xFFFF : width <= 16 ? 0 : (__mmask16)((1u << (width - 16)) - 1);
        for (size_t i = 0; i < m; i += 8) {
            size_t mr = m - i < 8 ? m - i : 8;
            ROW512(0); ROW512(1); ROW512(2); ROW512(3); ROW512(4); ROW512(5); ROW512(6); ROW512(7);
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
#define ROW256(j) const float *r##j = a + (i + ((j) < mr ? (j) : mr - 1)) * lda
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
    for (size_t p = 0; p * NR < n; p++) {
        const float *panel = b_start + p * panel_stride;
        size_t first = p * NR, width = n - first < NR ? n - first : NR;
        for (size_t half = 0; half < 2 && half * 16 < width; half++) {
            size_t left = width - half * 16;
            int lanes[16];
            for (int j = 0; j < 16; j++) lanes[j] = (size_t)j < left ? -1 : 0;
            __m256i mask0 = _mm256_loadu_si256((const __m256i *)lanes), mask1 = _mm256_loadu_si256((const __m256i *)(lanes + 8));
            const float *b = panel + half * 16;
            for (size_t i = 0; i < m; i += 6) {
                size_t mr = m - i < 6 ? m - i : 6;
                ROW256(0); ROW256(1); ROW256(2); ROW256(3); ROW256(4); ROW256(5);
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

// MARK: - Adam

// One element, in the order of operations every version keeps (no fused multiply-adds: see the pragma).
static inline void adam_one(float *value, const float *gradient, float *m, float *v, size_t i, float b1, float b2,
                            float decay, float step, float inverse2, float eps) {
    float g = gradient[i] + decay * value[i];
    m[i] = b1 * m[i] + (1 - b1) * g;
    v[i] = b2 * v[i] + (1 - b2) * g * g;
    value[i] = value[i] - step * m[i] / (__builtin_sqrtf(v[i] * inverse2) + eps);
}

static void adam_portable(float *value, const float *gradient, float *m, float *v, size_t count, float b1, float b2,
                          float decay, float step, float inverse2, float eps) {
    for (size_t i = 0; i < count; i++) adam_one(value, gradient, m, v, i, b1, b2, decay, step, inverse2, eps);
}

// Adam over blocks of 4,096 parameters, each block's gradient cleared right after it is read (while it is
// still in the cache), when `clear` is set.
static void adam_blocks(void (*kernel)(float *, const float *, float *, float *, size_t, float, float, float, float,
                                       float, float),
                        float *value, float *gradient, float *m, float *v, size_t count, float b1, float b2,
                        float decay, float step, float inverse2, float eps, int clear) {
    for (size_t start = 0; start < count; start += 4096) {
        size_t n = count - start < 4096 ? count - start : 4096;
        kernel(value + start, gradient + start, m + start, v + start, n, b1, b2, decay, step, inverse2, eps);
        if (clear) memset(gradient + start, 0, n * sizeof(float));
    }
}

__attribute__((target("avx512f"))) static void adam_avx512(float *value, const float *gradient, float *m, float *v,
                                                           size_t count, float b1, float b2, float decay, float step,
                                                           float inverse2, float eps) {
    __m512 vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2), one1 = _mm512_set1_ps(1 - b1),
           one2 = _mm512_set1_ps(1 - b2), vdecay = _mm512_set1_ps(decay), vstep = _mm512_set1_ps(step),
           vinv = _mm512_set1_ps(inverse2), veps = _mm512_set1_ps(eps);
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 p = _mm512_loadu_ps(value + i);
        __m512 g = _mm512_add_ps(_mm512_loadu_ps(gradient + i), _mm512_mul_ps(vdecay, p));
        __m512 mm = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_loadu_ps(m + i)), _mm512_mul_ps(one1, g));
        __m512 vv = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_loadu_ps(v + i)), _mm512_mul_ps(_mm512_mul_ps(one2, g), g));
        __m512 d = _mm512_add_ps(_mm512_sqrt_ps(_mm512_mul_ps(vv, vinv)), veps);
        _mm512_storeu_ps(m + i, mm);
        _mm512_storeu_ps(v + i, vv);
        _mm512_storeu_ps(value + i, _mm512_sub_ps(p, _mm512_div_ps(_mm512_mul_ps(vstep, mm), d)));
    }
    for (; i < count; i++) adam_one(value, gradient, m, v, i, b1, b2, decay, step, inverse2, eps);
}

__attribute__((target("avx2"))) static void adam_avx2(float *value, const float *gradient, float *m, float *v,
                                                      size_t count, float b1, float b2, float decay, float step,
                                                      float inverse2, float eps) {
    __m256 vb1 = _mm256_set1_ps(b1), vb2 = _mm256_set1_ps(b2), one1 = _mm256_set1_ps(1 - b1),
           one2 = _mm256_set1_ps(1 - b2), vdecay = _mm256_set1_ps(decay), vstep = _mm256_set1_ps(step),
           vinv = _mm256_set1_ps(inverse2), veps = _mm256_set1_ps(eps);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 p = _mm256_loadu_ps(value + i);
        __m256 g = _mm256_add_ps(_mm256_loadu_ps(gradient + i), _mm256_mul_ps(vdecay, p));
        __m256 mm = _mm256_add_ps(_mm256_mul_ps(vb1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(one1, g));
        __m256 vv = _mm256_add_ps(_mm256_mul_ps(vb2, _mm256_loadu_ps(v + i)), _mm256_mul_ps(_mm256_mul_ps(one2, g), g));
        __m256 d = _mm256_add_ps(_mm256_sqrt_ps(_mm256_mul_ps(vv, vinv)), veps);
        _mm256_storeu_ps(m + i, mm);
        _mm256_storeu_ps(v + i, vv);
        _mm256_storeu_ps(value + i, _mm256_sub_ps(p, _mm256_div_ps(_mm256_mul_ps(vstep, mm), d)));
    }
    for (; i < count; i++) adam_one(value, gradient, m, v, i, b1, b2, decay, step, inverse2, eps);
}

void cm_adam_isa(int isa, float *value, float *gradient, float *m, float *v, size_t count, float beta1, float beta2,
                 float decay, float step_size, float inverse_correction2, float epsilon, int clear_gradient) {
    switch (isa) {
    case CM_KERNELS_AVX512:
        adam_blocks(adam_avx512, value, gradient, m, v, count, beta1, beta2, decay, step_size, inverse_correction2,
                    epsilon, clear_gradient);
        break;
    case CM_KERNELS_AVX2:
        adam_blocks(adam_avx2, value, gradient, m, v, count, beta1, beta2, decay, step_size, inverse_correction2,
                    epsilon, clear_gradient);
        break;
    default:
        adam_blocks(adam_portable, value, gradient, m, v, count, beta1, beta2, decay, step_size, inverse_correction2,
                    epsilon, clear_gradient);
        break;
    }
}

void cm_adam(float *value, float *gradient, float *m, float *v, size_t count, float beta1, float beta2, float decay,
             float step_size, float inverse_correction2, float epsilon, int clear_gradient) {
    cm_adam_isa(cm_kernels_best_isa(), value, gradient, m, v, count, beta1, beta2, decay, step_size,
                inverse_correction2, epsilon, clear_gradient);
}
