#ifndef CROSSMODAL_COPENBLAS_H
#define CROSSMODAL_COPENBLAS_H

// Our own prototypes for the CBLAS routines we call. Debian's cblas.h is an
// alternatives symlink that may point at reference BLAS headers; declaring the
// handful we need keeps the build independent of that choice.

#ifdef __cplusplus
extern "C" {
#endif

enum CMBlasOrder { CMBlasRowMajor = 101, CMBlasColMajor = 102 };
enum CMBlasTranspose { CMBlasNoTrans = 111, CMBlasTrans = 112 };

void cblas_sgemm(const enum CMBlasOrder order, const enum CMBlasTranspose transA,
                 const enum CMBlasTranspose transB, const int m, const int n, const int k,
                 const float alpha, const float *a, const int lda, const float *b, const int ldb,
                 const float beta, float *c, const int ldc);
void cblas_sgemv(const enum CMBlasOrder order, const enum CMBlasTranspose trans, const int m,
                 const int n, const float alpha, const float *a, const int lda, const float *x,
                 const int incx, const float beta, float *y, const int incy);
float cblas_sdot(const int n, const float *x, const int incx, const float *y, const int incy);
void cblas_saxpy(const int n, const float alpha, const float *x, const int incx, float *y,
                 const int incy);
void cblas_sscal(const int n, const float alpha, float *x, const int incx);

void openblas_set_num_threads(int threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);

/// The OpenBLAS core type to force with OPENBLAS_CORETYPE when this OpenBLAS fell back to its generic
/// SSE3 kernels on a CPU with AVX2 or AVX-512 (a model newer than the library), else NULL.
const char *cm_blas_faster_coretype(void);

#ifdef __cplusplus
}
#endif

#endif
