// The only C++ in crossmodal: a C interface over hnswlib, so Swift never needs C++ interop.
#include "CHNSW.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/mman.h>
#include <sys/stat.h>

struct cm_hnsw {
    std::unique_ptr<hnswlib::SpaceInterface<float>> space;
    std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph;
    /// The mapped graph file while level 0 is read in place (cm_hnsw_map), else null.
    void *mapping = nullptr;
    size_t mapping_size = 0;

    ~cm_hnsw() {
        if (!mapping) return;
        // Level 0 lives in the mapping, not in memory hnswlib allocated: it must not free it.
        if (graph) graph->data_level0_memory_ = nullptr;
        graph.reset();
        munmap(mapping, mapping_size);
    }
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

// A mapped graph becomes an ordinary hnswlib index before anything writes to it: level 0 copied into
// memory of its own, and the per-element locks and the label table that only additions use.
static void materialise(cm_hnsw *index) {
    if (!index->mapping) return;
    auto &g = *index->graph;
    char *copy = static_cast<char *>(malloc(std::max<size_t>(g.max_elements_, 1) * g.size_data_per_element_));
    if (!copy) throw std::runtime_error("not enough memory to copy the graph's level 0");
    std::memcpy(copy, g.data_level0_memory_, g.cur_element_count * g.size_data_per_element_);
    g.data_level0_memory_ = copy;
    munmap(index->mapping, index->mapping_size);
    index->mapping = nullptr;
    std::vector<std::mutex>(g.max_elements_).swap(g.link_list_locks_);
    std::vector<std::mutex>(g.max_update_element_locks).swap(g.link_list_update_locks_);
    g.label_lookup_.reserve(g.cur_element_count);
    for (size_t i = 0; i < g.cur_element_count; i++) g.label_lookup_[g.getExternalLabel(i)] = i;
}

extern "C" int cm_hnsw_add(cm_hnsw *index, const float *vector, size_t label, char *error, size_t error_size) {
    try {
        materialise(index);
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

template <typename T> static T field(const char *bytes, size_t offset) {
    T value;
    std::memcpy(&value, bytes + offset, sizeof(T));
    return value;
}

extern "C" cm_hnsw *cm_hnsw_map(int descriptor, size_t file_size, int dimension, int inner_product, char *error,
                                size_t error_size) {
    try {
        auto index = std::make_unique<cm_hnsw>();
        index->space = make_space(dimension, inner_product);
        // A file changed since the caller checked it would be read out of bounds: at least its size must agree.
        struct stat status;
        if (fstat(descriptor, &status) != 0 || static_cast<size_t>(status.st_size) != file_size || file_size < 96)
            throw std::runtime_error("the file changed while it was being opened");
        void *mapping = mmap(nullptr, file_size, PROT_READ, MAP_PRIVATE, descriptor, 0);
        if (mapping == MAP_FAILED) throw std::runtime_error(std::string("cannot map the file: ") + std::strerror(errno));
        index->mapping = mapping;
        index->mapping_size = file_size;
        const char *bytes = static_cast<const char *>(mapping);

        // hnswlib's constructor for an empty shell leaves every field unset: first what its destructor reads.
        index->graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(index->space.get());
        auto &g = *index->graph;
        g.data_level0_memory_ = nullptr;
        g.linkLists_ = nullptr;
        g.visited_list_pool_ = nullptr;
        g.cur_element_count = 0;

        // The header, as saveIndex writes it (checked by the caller; re-read here from the mapping itself).
        size_t count = field<size_t>(bytes, 16);
        g.offsetLevel0_ = field<size_t>(bytes, 0);
        g.max_elements_ = field<size_t>(bytes, 8);
        g.size_data_per_element_ = field<size_t>(bytes, 24);
        g.label_offset_ = field<size_t>(bytes, 32);
        g.offsetData_ = field<size_t>(bytes, 40);
        g.maxlevel_ = field<int>(bytes, 48);
        g.enterpoint_node_ = field<hnswlib::tableint>(bytes, 52);
        g.maxM_ = field<size_t>(bytes, 56);
        g.maxM0_ = field<size_t>(bytes, 64);
        g.M_ = field<size_t>(bytes, 72);
        g.mult_ = field<double>(bytes, 80);
        g.ef_construction_ = field<size_t>(bytes, 88);
        g.data_size_ = index->space->get_data_size();
        g.fstdistfunc_ = index->space->get_dist_func();
        g.dist_func_param_ = index->space->get_dist_func_param();
        g.size_links_per_element_ = g.maxM_ * sizeof(hnswlib::tableint) + sizeof(hnswlib::linklistsizeint);
        g.size_links_level0_ = g.maxM0_ * sizeof(hnswlib::tableint) + sizeof(hnswlib::linklistsizeint);
        g.revSize_ = 1.0 / g.mult_;
        g.ef_ = 10;
        g.num_deleted_ = 0;  // the caller's check refuses elements marked deleted
        if (g.size_data_per_element_ != g.size_links_level0_ + g.data_size_ + sizeof(hnswlib::labeltype) ||
            g.max_elements_ < count || count > (file_size - 96) / g.size_data_per_element_)
            throw std::runtime_error("the header does not match the checked layout");

        // Level 0 (links, vectors, labels) is read in place: the kernel pages it in as searches touch it.
        g.data_level0_memory_ = const_cast<char *>(bytes) + 96;
        g.visited_list_pool_ = new hnswlib::VisitedListPool(1, g.max_elements_);
        g.linkLists_ = static_cast<char **>(calloc(std::max<size_t>(g.max_elements_, 1), sizeof(void *)));
        if (!g.linkLists_) throw std::runtime_error("not enough memory for the upper levels");
        g.element_levels_ = std::vector<int>(g.max_elements_, 0);
        g.cur_element_count = count;  // the destructor frees upper levels of elements whose level is above 0

        // Upper levels: each element's byte count, then its blocks, copied (a few percent of the file).
        size_t position = 96 + count * g.size_data_per_element_;
        for (size_t i = 0; i < count; i++) {
            if (file_size - position < 4) throw std::runtime_error("the file ends inside the upper levels");
            uint32_t length = field<uint32_t>(bytes, position);
            position += 4;
            if (length > file_size - position || length % g.size_links_per_element_ != 0)
                throw std::runtime_error("an element's upper levels do not match the checked layout");
            if (length == 0) continue;
            g.linkLists_[i] = static_cast<char *>(malloc(length));
            if (!g.linkLists_[i]) throw std::runtime_error("not enough memory for the upper levels");
            std::memcpy(g.linkLists_[i], bytes + position, length);
            g.element_levels_[i] = static_cast<int>(length / g.size_links_per_element_);
            position += length;
        }
        if (position != file_size) throw std::runtime_error("bytes follow the last element");
        return index.release();
    } catch (const std::exception &e) {
        report(error, error_size, e.what());
        return nullptr;
    }
}

extern "C" int cm_hnsw_resize(cm_hnsw *index, size_t capacity, char *error, size_t error_size) {
    try {
        materialise(index);
        index->graph->resizeIndex(capacity);
        return 0;
    } catch (const std::exception &e) {
        report(error, error_size, e.what());
        return 1;
    }
}

extern "C" size_t cm_hnsw_capacity(const cm_hnsw *index) { return index->graph->max_elements_; }

extern "C" void cm_hnsw_free(cm_hnsw *index) { delete index; }
