#ifndef CROSSMODAL_CKERNELS_H
#define CROSSMODAL_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The instruction sets the kernels below can run with, best first.
enum { CM_KERNELS_PORTABLE = 0, CM_KERNELS_AVX2 = 1, CM_KERNELS_AVX512 = 2 };

/// The best instruction set this CPU supports (what the entry points without `_isa` use).
int cm_kernels_best_isa(void);

/// Columns per packed panel of B (the same for every instruction set).
enum { CM_PACK_COLUMNS = 32 };

/// Floats needed to pack a k × n matrix (n rounded up to whole panels).
size_t cm_packed_count(size_t k, size_t n);

/// Packs B (k × n) for cm_gemm_packed: panels of CM_PACK_COLUMNS columns, each k rows of
/// CM_PACK_COLUMNS floats, zero-padded on the right. With `transposed == 0`, B[i][j] = source[i·ld + j];
/// otherwise B is the transpose of the n × k row-major source: B[i][j] = source[j·ld + i].
void cm_pack(const float *source, size_t ld, int transposed, size_t k, size_t n, float *packed);

/// C ← A · B + beta · C, with A m × k row-major (leading dimension lda), B packed by cm_pack from a
/// k × n matrix, and C m × n row-major (ldc). beta must be 0 or 1. Each element of C is accumulated in
/// k order, so a row's result does not depend on the other rows of A.
void cm_gemm_packed(size_t m, size_t n, size_t k, const float *a, size_t lda, const float *packed, float beta, float *c,
                    size_t ldc);

/// cm_gemm_packed with the given instruction set (which the caller has checked the CPU supports).
void cm_gemm_packed_isa(int isa, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *packed,
                        float beta, float *c, size_t ldc);

/// One Adam step on `count` parameters with L2 weight decay added to the gradient:
///
///     g = gradient + decay · value
///     m = beta1 · m + (1 − beta1) · g          v = beta2 · v + (1 − beta2) · g · g
///     value −= step_size · m / (sqrt(v · inverse_correction2) + epsilon)
///
/// in single precision, without fused multiply-adds, so every instruction set gives the same bits. With
/// `clear_gradient`, the gradient is set to zero once read.
void cm_adam(float *value, float *gradient, float *m, float *v, size_t count, float beta1, float beta2, float decay,
             float step_size, float inverse_correction2, float epsilon, int clear_gradient);

/// cm_adam with the given instruction set.
void cm_adam_isa(int isa, float *value, float *gradient, float *m, float *v, size_t count, float beta1, float beta2,
                 float decay, float step_size, float inverse_correction2, float epsilon, int clear_gradient);

/// One row of a GRU step forward (gates r, z, n; h the state width): gi and gh are the row's input and
/// recurrent projections (3h wide), bi and bh the biases; `state` (h) holds the state entering the step
/// and receives the new one; r, z, n and rn (= gh_n + bh_n) are kept for the backward pass.
void cm_gru_forward_row(size_t h, const float *gi, const float *bi, const float *gh, const float *bh, float *state,
                        float *r, float *z, float *n, float *rn);

/// One row of a GRU step backward: from what the forward pass kept and g = ∂L/∂h' (h wide), writes
/// carried = g · z (the part of ∂L/∂h that bypasses U) and the gate gradients d(gi) and d(gh) (3h wide).
void cm_gru_backward_row(size_t h, const float *r, const float *z, const float *n, const float *old, const float *rn,
                         const float *g, float *carried, float *dgi, float *dgh);

/// GELU in place, x/2 · (1 + erf(x/√2)), with FastMath.erf's approximation (absolute error below 5e-7).
void cm_gelu(float *values, size_t count);

/// The indices j (increasing) of the scores row[j] > cut; writes at most `capacity` of them and returns
/// how many there are (call again with more room when that is more than `capacity`).
size_t cm_indices_above(const float *row, size_t count, float cut, int32_t *out, size_t capacity);

/// A score and the index it belongs to.
typedef struct {
    float score;
    int32_t index;
} cm_scored;

/// Moves the k best items (higher score first, then lower index) to the front of `items`, in that order;
/// `scratch` holds at least k items. Expected O(count + k log k).
void cm_best_first(cm_scored *items, size_t count, size_t k, cm_scored *scratch);

#ifdef __cplusplus
}
#endif

#endif
