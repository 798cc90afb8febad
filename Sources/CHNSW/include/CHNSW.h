#ifndef CROSSMODAL_CHNSW_H
#define CROSSMODAL_CHNSW_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An hnswlib HierarchicalNSW<float> index behind a C interface of our own; every call catches
/// C++ exceptions and reports them through `error`.
typedef struct cm_hnsw cm_hnsw;

/// Creates an empty index. `inner_product` non-zero uses distance 1 − ⟨x, y⟩ (for unit vectors,
/// cosine distance); zero uses squared Euclidean distance. Returns NULL on failure.
cm_hnsw *cm_hnsw_create(int dimension, size_t capacity, size_t m, size_t ef_construction, size_t seed,
                        int inner_product, char *error, size_t error_size);

/// Adds one vector under `label`. Safe to call from several threads at once. Returns 0 on success.
int cm_hnsw_add(cm_hnsw *index, const float *vector, size_t label, char *error, size_t error_size);

/// Sets the search breadth (at least k for useful results).
void cm_hnsw_set_ef(cm_hnsw *index, size_t ef);

/// Finds up to k nearest labels, nearest first. Returns how many were found, or -1 on error.
long cm_hnsw_search(const cm_hnsw *index, const float *query, size_t k, size_t *labels, float *distances,
                    char *error, size_t error_size);

/// The number of vectors added.
size_t cm_hnsw_count(const cm_hnsw *index);

/// Writes the graph to a file (hnswlib's own format). Returns 0 on success.
int cm_hnsw_save(const cm_hnsw *index, const char *path, char *error, size_t error_size);

/// Opens a graph file written by cm_hnsw_save that the caller has already checked completely, from its open
/// descriptor: the file is mapped read-only and its level 0 (links, vectors, labels; nearly all of it) is searched
/// in place, so opening costs no copy and memory holds only the pages searches touch (the kernel may drop them
/// again). Upper levels are copied. The first addition or resize copies level 0 into memory of its own.
/// The file must not be changed in place while the index is open (it is replaced by renaming, never rewritten).
/// Returns NULL on failure (a size that no longer matches `file_size` among them).
cm_hnsw *cm_hnsw_map(int descriptor, size_t file_size, int dimension, int inner_product, char *error, size_t error_size);

/// Grows (or shrinks, never below the count) the number of vectors the index can hold. Returns 0 on success.
int cm_hnsw_resize(cm_hnsw *index, size_t capacity, char *error, size_t error_size);

/// The number of vectors the index can hold before it must be resized.
size_t cm_hnsw_capacity(const cm_hnsw *index);

/// Frees the index.
void cm_hnsw_free(cm_hnsw *index);

#ifdef __cplusplus
}
#endif

#endif
