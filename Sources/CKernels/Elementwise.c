// Elementwise kernels over generic vectors, written once and compiled for AVX-512, AVX2 and the baseline:
// the gates of one GRU step for one row, forward and backward (PyTorch's equations, gates r, z, n):
//
//     r = σ(gi_r + bi_r + gh_r + bh_r)      z = σ(gi_z + bi_z + gh_z + bh_z)
//     rn = gh_n + bh_n      n = tanh(gi_n + bi_n + r · rn)      h' = (1 − z) · n + z · h
//
// with σ(x) = 1 / (1 + eˣ⁻) and tanh(x) = 1 − 2 / (e²ˣ + 1); and GELU, x/2 · (1 + erf(x/√2)). eˣ and erf are
// FastMath's: the same operations in the same order, without fused multiply-adds.

#include "CKernels.h"

#include <string.h>

#pragma STDC FP_CONTRACT OFF

#define DEFINE_GATES(NAME, TARGET, LANES)                                                                             \
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
    TARGET static inline NAME##_f NAME##_load(const float *p) {                                                       \
        NAME##_f v;                                                                                                   \
        memcpy(&v, p, sizeof v);                                                                                      \
        return v;                                                                                                     \
    }                                                                                                                 \
                                                                                                                      \
    TARGET static inline void NAME##_store(NAME##_f v, float *p) { memcpy(p, &v, sizeof v); }                         \
                                                                                                                      \
    TARGET static void NAME##_forward(size_t h, const float *gi, const float *bi, const float *gh, const float *bh,  \
                                      float *state, float *r_out, float *z_out, float *n_out, float *rn_out) {        \
        for (size_t c = 0; c + LANES <= h; c += LANES) {                                                              \
            NAME##_f r = 1 / (1 + NAME##_exp(-(NAME##_load(gi + c) + NAME##_load(bi + c) + NAME##_load(gh + c) +     \
                                              NAME##_load(bh + c))));                                                 \
            NAME##_f z = 1 / (1 + NAME##_exp(-(NAME##_load(gi + h + c) + NAME##_load(bi + h + c) +                    \
                                              NAME##_load(gh + h + c) + NAME##_load(bh + h + c))));                   \
            NAME##_f rn = NAME##_load(gh + 2 * h + c) + NAME##_load(bh + 2 * h + c);                                  \
            NAME##_f x = NAME##_load(gi + 2 * h + c) + NAME##_load(bi + 2 * h + c) + r * rn;                          \
            NAME##_f n = 1 - 2 / (NAME##_exp(x + x) + 1);                                                             \
            NAME##_f old = NAME##_load(state + c);                                                                    \
            NAME##_store(r, r_out + c);                                                                               \
            NAME##_store(z, z_out + c);                                                                               \
            NAME##_store(n, n_out + c);                                                                               \
            NAME##_store(rn, rn_out + c);                                                                             \
            NAME##_store((1 - z) * n + z * old, state + c);                                                           \
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
        size_t i = 0;                                                                                                 \
        for (; i + LANES <= count; i += LANES) {                                                                      \
            NAME##_f x = NAME##_load(values + i);                                                                     \
            NAME##_store(0.5f * x * (1 + NAME##_erf(x * 0.70710678f)), values + i);                                   \
        }                                                                                                             \
        if (i < count) {                                                                                              \
            float tail[LANES] = {0};                                                                                  \
            memcpy(tail, values + i, (count - i) * sizeof(float));                                                    \
            NAME##_f x = NAME##_load(tail);                                                                           \
            NAME##_store(0.5f * x * (1 + NAME##_erf(x * 0.70710678f)), tail);                                         \
            memcpy(values + i, tail, (count - i) * sizeof(float));                                                    \
        }                                                                                                             \
    }                                                                                                                 \
                                                                                                                      \
    TARGET static void NAME##_backward(size_t h, const float *r_in, const float *z_in, const float *n_in,             \
                                       const float *old_in, const float *rn_in, const float *g_in, float *carried,    \
                                       float *dgi, float *dgh) {                                                      \
        for (size_t c = 0; c + LANES <= h; c += LANES) {                                                              \
            NAME##_f r = NAME##_load(r_in + c), z = NAME##_load(z_in + c), n = NAME##_load(n_in + c);                 \
            NAME##_f old = NAME##_load(old_in + c), rn = NAME##_load(rn_in + c), g = NAME##_load(g_in + c);           \
            NAME##_store(g * z, carried + c);                                                                         \
            NAME##_f dn = g * (1 - z) * (1 - n * n);                                                                  \
            NAME##_f dr = dn * rn * r * (1 - r);                                                                      \
            NAME##_f dz = g * (old - n) * z * (1 - z);                                                                \
            NAME##_store(dr, dgi + c);                                                                                \
            NAME##_store(dz, dgi + h + c);                                                                            \
            NAME##_store(dn, dgi + 2 * h + c);                                                                        \
            NAME##_store(dr, dgh + c);                                                                                \
            NAME##_store(dz, dgh + h + c);                                                                            \
            NAME##_store(dn * r, dgh + 2 * h + c);                                                                    \
        }                                                                                                             \
    }

DEFINE_GATES(v16, __attribute__((target("avx512f"))), 16)
DEFINE_GATES(v8, __attribute__((target("avx2"))), 8)
DEFINE_GATES(v4, , 4)

// Widths that are not a multiple of the lanes: the whole row goes through 4-lane vectors, with the last
// partial vector computed on zero-padded copies.
static void forward_tail(size_t h, size_t from, const float *gi, const float *bi, const float *gh, const float *bh,
                         float *state, float *r, float *z, float *n, float *rn) {
    for (size_t c = from; c < h; c += 4) {
        size_t k = h - c < 4 ? h - c : 4;
        float pgi[12] = {0}, pbi[12] = {0}, pgh[12] = {0}, pbh[12] = {0}, ps[4] = {0}, pr[4], pz[4], pn[4], prn[4];
        for (size_t j = 0; j < k; j++) {
            for (int gate = 0; gate < 3; gate++) {
                pgi[gate * 4 + j] = gi[gate * h + c + j];
                pbi[gate * 4 + j] = bi[gate * h + c + j];
                pgh[gate * 4 + j] = gh[gate * h + c + j];
                pbh[gate * 4 + j] = bh[gate * h + c + j];
            }
            ps[j] = state[c + j];
        }
        v4_forward(4, pgi, pbi, pgh, pbh, ps, pr, pz, pn, prn);
        for (size_t j = 0; j < k; j++) {
            state[c + j] = ps[j];
            r[c + j] = pr[j];
            z[c + j] = pz[j];
            n[c + j] = pn[j];
            rn[c + j] = prn[j];
        }
    }
}

static void backward_tail(size_t h, size_t from, const float *r, const float *z, const float *n, const float *old,
                          const float *rn, const float *g, float *carried, float *dgi, float *dgh) {
    for (size_t c = from; c < h; c += 4) {
        size_t k = h - c < 4 ? h - c : 4;
        float pr[4] = {0}, pz[4] = {0}, pn[4] = {0}, po[4] = {0}, prn[4] = {0}, pg[4] = {0}, pc[4], pi[12], ph[12];
        for (size_t j = 0; j < k; j++) {
            pr[j] = r[c + j], pz[j] = z[c + j], pn[j] = n[c + j], po[j] = old[c + j], prn[j] = rn[c + j], pg[j] = g[c + j];
        }
        v4_backward(4, pr, pz, pn, po, prn, pg, pc, pi, ph);
        for (size_t j = 0; j < k; j++) {
            carried[c + j] = pc[j];
            for (int gate = 0; gate < 3; gate++) {
                dgi[gate * h + c + j] = pi[gate * 4 + j];
                dgh[gate * h + c + j] = ph[gate * 4 + j];
            }
        }
    }
}

void cm_gru_forward_row(size_t h, const float *gi, const float *bi, const float *gh, const float *bh, float *state,
                        float *r, float *z, float *n, float *rn) {
    int isa = cm_kernels_best_isa();
    size_t done = 0;
    if (isa == CM_KERNELS_AVX512 && h % 16 == 0) {
        v16_forward(h, gi, bi, gh, bh, state, r, z, n, rn);
        done = h;
    } else if (isa >= CM_KERNELS_AVX2 && h % 8 == 0) {
        v8_forward(h, gi, bi, gh, bh, state, r, z, n, rn);
        done = h;
    } else if (h % 4 == 0) {
        v4_forward(h, gi, bi, gh, bh, state, r, z, n, rn);
        done = h;
    }
    if (done < h) forward_tail(h, done, gi, bi, gh, bh, state, r, z, n, rn);
}

void cm_gru_backward_row(size_t h, const float *r, const float *z, const float *n, const float *old, const float *rn,
                         const float *g, float *carried, float *dgi, float *dgh) {
    int isa = cm_kernels_best_isa();
    size_t done = 0;
    if (isa == CM_KERNELS_AVX512 && h % 16 == 0) {
        v16_backward(h, r, z, n, old, rn, g, carried, dgi, dgh);
        done = h;
    } else if (isa >= CM_KERNELS_AVX2 && h % 8 == 0) {
        v8_backward(h, r, z, n, old, rn, g, carried, dgi, dgh);
        done = h;
    } else if (h % 4 == 0) {
        v4_backward(h, r, z, n, old, rn, g, carried, dgi, dgh);
        done = h;
    }
    if (done < h) backward_tail(h, done, r, z, n, old, rn, g, carried, dgi, dgh);
}

void cm_gelu(float *values, size_t count) {
    switch (cm_kernels_best_isa()) {
    case CM_KERNELS_AVX512: v16_gelu(values, count); break;
    case CM_KERNELS_AVX2: v8_gelu(values, count); break;
    default: v4_gelu(values, count); break;
    }
}
