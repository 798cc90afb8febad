// The only C++ in crossmodal: a C interface over hnswlib, so Swift never needs C++ interop.
#include "CHNSW.h"

#include <hnswlib/hnswlib.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

struct cm_hnsw {
    std::unique_ptr<hnswlib::SpaceInterface<float>> space;
    std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph;
};

static void report(char *error, size_t size, const char *message) {
    if (error && size) std::snprintf(error, size, "%s", message);
}

static std::unique_ptr<hnswlib::SpaceInterface<float>> make_space(int dimension, int inner_product) {
    if (inner_product) return std::make_unique<hnswlib::InnerProductSpace>(dimension);
    return std::make_unique<hnswlib::L2Space>(dimension);
}

extern "C" cm_hnsw *cm_hnsw_create(int dimension, size_t capacity, size_t m, size_t ef_construction, size_t seed,
                                   int inner_product, char *error, size_t error_size) {
    try {
        auto index = std::make_unique<cm_hnsw>();
        index->space = make_space(dimension, inner_product);
        index->graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(index->space.get(), capacity, m,
                                                                          ef_construction, seed);
        return index.release();
    } catch (const std::exception &e) {
        report(error, error_size, e.what());
        return nullptr;
    }
}

extern "C" int cm_hnsw_add(cm_hnsw *index, const float *vector, size_t label, char *error, size_t error_size) {
    try {
        index->graph->addPoint(vector, label);
        return 0;
    } catch (const std::exception &e) {
        report(error, error_size, e.what());
        return 1;
    }
}

extern "C" void cm_hnsw_set_ef(cm_hnsw *index, size_t ef) { index->graph->setEf(ef); }

extern "C" long cm_hnsw_search(const cm_hnsw *index, const float *query, size_t k, size_t *labels, float *distances,
                               char *error, size_t error_size) {
    try {
        auto found = index->graph->searchKnn(query, k);
        long count = static_cast<long>(found.size());
        // The queue yields the farthest first; write nearest first.
        for (long i = count - 1; i >= 0; --i) {
            labels[i] = found.top().second;
            distances[i] = found.top().first;
            found.pop();
        }
        return count;
    } catch (const std::exception &e) {
        report(error, error_size, e.what());
        return -1;
    }
}

extern "C" size_t cm_hnsw_count(const cm_hnsw *index) { return index->graph->cur_element_count; }

extern "C" int cm_hnsw_save(const cm_hnsw *index, const char *path, char *error, size_t error_size) {
    try {
        index->graph->saveIndex(path);
        return 0;
    } catch (const std::exception &e) {
        report(error, error_size, e.what());
        return 1;
    }
}

extern "C" cm_hnsw *cm_hnsw_load(const char *path, int dimension, int inner_product, char *error, size_t error_size) {
    try {
        auto index = std::make_unique<cm_hnsw>();
        index->space = make_space(dimension, inner_product);
        index->graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(index->space.get(), std::string(path));
        return index.release();
    } catch (const std::exception &e) {
        report(error, error_size, e.what());
        return nullptr;
    }
}

extern "C" int cm_hnsw_resize(cm_hnsw *index, size_t capacity, char *error, size_t error_size) {
    try {
        index->graph->resizeIndex(capacity);
        return 0;
    } catch (const std::exception &e) {
        report(error, error_size, e.what());
        return 1;
    }
}

extern "C" size_t cm_hnsw_capacity(const cm_hnsw *index) { return index->graph->max_elements_; }

extern "C" void cm_hnsw_free(cm_hnsw *index) { delete index; }
