// Elementwise kernels over generic vectors, written once and compiled for AVX-512, AVX2 and the baseline:
// the gates of one GRU step for one row, forward and backward (PyTorch's equations, gates r, z, n):
//
//     r = σ(gi_r + bi_r + gh_r + bh_r)      z = σ(gi_z + bi_z + gh_z + bh_z)
//     rn = gh_n + bh_n      n = tanh(gi_n + bi_n + r · rn)      h' = (1 − z) · n + z · h
//
// with σ(x) = 1 / (1 + eˣ⁻) and tanh(x) = 1 − 2 / (e²ˣ + 1); GELU, x/2 · (1 + erf(x/√2)); and Adam. eˣ and erf
// are FastMath's: the same operations in the same order, without fused multiply-adds (so every width gives
// the same bits). A row's last, partial vector is computed on zero-padded lanes.

#include "CKernels.h"

#include <string.h>

#pragma STDC FP_CONTRACT OFF

#define DEFINE_KERNELS(NAME, TARGET, LANES)                                                                             \
    typedef float NAME##_f __attribute__((vector_size(4 * LANES)));                                                  \
    typedef int NAME##_i __attribute__((vector_size(4 * LANES)));                                                    \
                                                                                                                      \
    TARGET static inline NAME##_f NAME##_select(NAME##_i mask, NAME##_f yes, NAME##_f no) {                          \
        return (NAME##_f)((mask & (NAME##_i)yes) | (~mask & (NAME##_i)no));                                          \
    }                                                                                                                 \
                                                                                                                      \
    TARGET static inline NAME##_f NAME##_exp(NAME##_f x) {                                                            \
        const float lowest = -87.3f, highest = 88.7f;                                                                 \
        NAME##_f c = NAME##_select(x < lowest, (NAME##_f){0} + lowest, x);                                            \
        c = NAME##_select(c > highest, (NAME##_f){0} + highest, c);                                                   \
        NAME##_f magic = (NAME##_f){0} + 12582912.0f;                                                                 \
        NAME##_f shifted = c * 1.44269504f + magic;                                                                   \
        NAME##_f n = shifted - magic;                                                                                 \
        NAME##_f r = c - n * 0.69314575f - n * 1.4286068e-6f;                                                         \
        NAME##_f p = (NAME##_f){0} + 1.0f / 720;                                                                      \
        p = p * r + 1.0f / 120;                                                                                       \
        p = p * r + 1.0f / 24;                                                                                        \
        p = p * r + 1.0f / 6;                                                                                         \
        p = p * r + 0.5f;                                                                                             \
        p = p * r + 1;                                                                                                \
        p = p * r + 1;                                                                                                \
        NAME##_i exponent = (NAME##_i)shifted - 0x4B400000;                                                           \
        NAME##_i half = exponent >> 1;                                                                                \
        NAME##_f low = (NAME##_f)((half + 127) << 23);                                                                \
        NAME##_f high = (NAME##_f)((exponent - half + 127) << 23);                                                    \
        NAME##_f result = p * low * high;                                                                             \
        result = NAME##_select(x < lowest, (NAME##_f){0}, result);                                                    \
        return NAME##_select(x > highest, (NAME##_f){0} + __builtin_inff(), result);                                  \
    }                                                                                                                 \
                                                                                                                      \
    /* The first k lanes (k ≤ LANES) from memory, zero above: a row's last, partial vector. */                      \
    TARGET static inline NAME##_f NAME##_load(const float *p, size_t k) {                                             \
        NAME##_f v = {0};                                                                                             \
        if (k >= LANES) memcpy(&v, p, sizeof v); /* one vector load */                                                \
        else memcpy(&v, p, k * sizeof(float));                                                                        \
        return v;                                                                                                     \
    }                                                                                                                 \
                                                                                                                      \
    TARGET static inline void NAME##_store(NAME##_f v, float *p, size_t k) {                                          \
        if (k >= LANES) memcpy(p, &v, sizeof v);                                                                      \
        else memcpy(p, &v, k * sizeof(float));                                                                        \
    }                                                                                                                 \
                                                                                                                      \
    TARGET static void NAME##_forward(size_t h, const float *gi, const float *bi, const float *gh, const float *bh,  \
                                      float *state, float *r_out, float *z_out, float *n_out, float *rn_out) {        \
        for (size_t c = 0; c < h; c += LANES) {                                                                       \
            size_t k = h - c;                                                                                         \
            NAME##_f r = 1 / (1 + NAME##_exp(-(NAME##_load(gi + c, k) + NAME##_load(bi + c, k) +                      \
                                              NAME##_load(gh + c, k) + NAME##_load(bh + c, k))));                     \
            NAME##_f z = 1 / (1 + NAME##_exp(-(NAME##_load(gi + h + c, k) + NAME##_load(bi + h + c, k) +              \
                                              NAME##_load(gh + h + c, k) + NAME##_load(bh + h + c, k))));             \
            NAME##_f rn = NAME##_load(gh + 2 * h + c, k) + NAME##_load(bh + 2 * h + c, k);                            \
            NAME##_f x = NAME##_load(gi + 2 * h + c, k) + NAME##_load(bi + 2 * h + c, k) + r * rn;                    \
            NAME##_f n = 1 - 2 / (NAME##_exp(x + x) + 1);                                                             \
            NAME##_f old = NAME##_load(state + c, k);                                                                 \
            NAME##_store(r, r_out + c, k);                                                                            \
            NAME##_store(z, z_out + c, k);                                                                            \
            NAME##_store(n, n_out + c, k);                                                                            \
            NAME##_store(rn, rn_out + c, k);                                                                          \
            NAME##_store((1 - z) * n + z * old, state + c, k);                                                        \
        }                                                                                                             \
    }                                                                                                                 \
                                                                                                                      \
    TARGET static void NAME##_backward(size_t h, const float *r_in, const float *z_in, const float *n_in,             \
                                       const float *old_in, const float *rn_in, const float *g_in, float *carried,    \
                                       float *dgi, float *dgh) {                                                      \
        for (size_t c = 0; c < h; c += LANES) {                                                                       \
            size_t k = h - c;                                                                                         \
            NAME##_f r = NAME##_load(r_in + c, k), z = NAME##_load(z_in + c, k), n = NAME##_load(n_in + c, k);        \
            NAME##_f old = NAME##_load(old_in + c, k), rn = NAME##_load(rn_in + c, k), g = NAME##_load(g_in + c, k);  \
            NAME##_store(g * z, carried + c, k);                                                                      \
            NAME##_f dn = g * (1 - z) * (1 - n * n);                                                                  \
            NAME##_f dr = dn * rn * r * (1 - r);                                                                      \
            NAME##_f dz = g * (old - n) * z * (1 - z);                                                                \
            NAME##_store(dr, dgi + c, k);                                                                             \
            NAME##_store(dz, dgi + h + c, k);                                                                         \
            NAME##_store(dn, dgi + 2 * h + c, k);                                                                     \
            NAME##_store(dr, dgh + c, k);                                                                             \
            NAME##_store(dz, dgh + h + c, k);                                                                         \
            NAME##_store(dn * r, dgh + 2 * h + c, k);                                                                 \
        }                                                                                                             \
    }                                                                                                                 \
                                                                                                                      \
    /* erf by Abramowitz & Stegun 7.1.26 with the sign restored, as FastMath.erf. */                                  \
    TARGET static inline NAME##_f NAME##_erf(NAME##_f x) {                                                            \
        NAME##_i negative = x < 0;                                                                                    \
        NAME##_f a = NAME##_select(negative, -x, x);                                                                  \
        NAME##_f t = 1 / (1 + 0.3275911f * a);                                                                        \
        NAME##_f poly = (NAME##_f){0} + 1.061405429f;                                                                 \
        poly = poly * t - 1.453152027f;                                                                               \
        poly = poly * t + 1.421413741f;                                                                               \
        poly = poly * t - 0.284496736f;                                                                               \
        poly = poly * t + 0.254829592f;                                                                               \
        poly = poly * t;                                                                                              \
        NAME##_f y = 1 - poly * NAME##_exp(-a * a);                                                                   \
        return NAME##_select(negative, -y, y);                                                                        \
    }                                                                                                                 \
                                                                                                                      \
    TARGET static void NAME##_gelu(float *values, size_t count) {                                                     \
        for (size_t i = 0; i < count; i += LANES) {                                                                   \
            NAME##_f x = NAME##_load(values + i, count - i);                                                          \
            NAME##_store(0.5f * x * (1 + NAME##_erf(x * 0.70710678f)), values + i, count - i);                        \
        }                                                                                                             \
    }                                                                                                                 \
                                                                                                                      \
    /* Adam, in blocks of 4,096 values whose gradient is cleared (when asked) right after it is read. */             \
    TARGET static void NAME##_adam(float *value, float *gradient, float *m, float *v, size_t count, float b1,         \
                                   float b2, float decay, float step, float inverse2, float eps, int clear) {         \
        for (size_t start = 0; start < count; start += 4096) {                                                        \
            size_t end = count - start < 4096 ? count : start + 4096;                                                 \
            for (size_t i = start; i < end; i += LANES) {                                                             \
                size_t k = end - i;                                                                                   \
                NAME##_f p = NAME##_load(value + i, k);                                                               \
                NAME##_f g = NAME##_load(gradient + i, k) + decay * p;                                                \
                NAME##_f mm = b1 * NAME##_load(m + i, k) + (1 - b1) * g;                                              \
                NAME##_f vv = b2 * NAME##_load(v + i, k) + (1 - b2) * g * g;                                          \
                NAME##_store(mm, m + i, k);                                                                           \
                NAME##_store(vv, v + i, k);                                                                           \
                NAME##_store(p - step * mm / (__builtin_elementwise_sqrt(vv * inverse2) + eps), value + i, k);        \
            }                                                                                                         \
            if (clear) memset(gradient + start, 0, (end - start) * sizeof(float));                                    \
        }                                                                                                             \
    }

DEFINE_KERNELS(v16, __attribute__((target("avx512f"))), 16)
DEFINE_KERNELS(v8, __attribute__((target("avx2"))), 8)
DEFINE_KERNELS(v4, , 4)

// Each entry point takes the widest vectors this CPU has (the baseline's 4 lanes are SSE2, always present).
#define DISPATCH(FUNCTION, ...)                                                                                       \
    switch (isa) {                                                                                                    \
    case CM_KERNELS_AVX512: v16_##FUNCTION(__VA_ARGS__); break;                                                       \
    case CM_KERNELS_AVX2: v8_##FUNCTION(__VA_ARGS__); break;                                                          \
    default: v4_##FUNCTION(__VA_ARGS__); break;                                                                       \
    }

void cm_gru_forward_row(size_t h, const float *gi, const float *bi, const float *gh, const float *bh, float *state,
                        float *r, float *z, float *n, float *rn) {
    int isa = cm_kernels_best_isa();
    DISPATCH(forward, h, gi, bi, gh, bh, state, r, z, n, rn)
}

void cm_gru_backward_row(size_t h, const float *r, const float *z, const float *n, const float *old, const float *rn,
                         const float *g, float *carried, float *dgi, float *dgh) {
    int isa = cm_kernels_best_isa();
    DISPATCH(backward, h, r, z, n, old, rn, g, carried, dgi, dgh)
}

void cm_gelu(float *values, size_t count) {
    int isa = cm_kernels_best_isa();
    DISPATCH(gelu, values, count)
}

void cm_adam_isa(int isa, float *value, float *gradient, float *m, float *v, size_t count, float beta1, float beta2,
                 float decay, float step_size, float inverse_correction2, float epsilon, int clear_gradient) {
    DISPATCH(adam, value, gradient, m, v, count, beta1, beta2, decay, step_size, inverse_correction2, epsilon,
             clear_gradient)
}

void cm_adam(float *value, float *gradient, float *m, float *v, size_t count, float beta1, float beta2, float decay,
             float step_size, float inverse_correction2, float epsilon, int clear_gradient) {
    cm_adam_isa(cm_kernels_best_isa(), value, gradient, m, v, count, beta1, beta2, decay, step_size,
                inverse_correction2, epsilon, clear_gradient);
}
