// The per-row selection of exact k-nearest-neighbour search: a scan for the scores above a cut, and the
// k best of a short candidate list in order.

#include "CKernels.h"

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

__attribute__((target("avx512f"))) static size_t above_avx512(const float *row, size_t count, float cut, int32_t *out,
                                                              size_t capacity) {
    size_t found = 0, j = 0;
    __m512 cuts = _mm512_set1_ps(cut);
    __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (; j + 16 <= count; j += 16) {
        __mmask16 above = _mm512_cmp_ps_mask(_mm512_loadu_ps(row + j), cuts, _CMP_GT_OQ);
        if (above == 0) continue;
        int n = __builtin_popcount(above);
        if (found + 16 <= capacity) {
            __m512i indices = _mm512_add_epi32(lanes, _mm512_set1_epi32((int32_t)j));
            _mm512_storeu_si512((void *)(out + found), _mm512_maskz_compress_epi32(above, indices));
        } else {
            size_t written = found;
            for (int lane = 0; lane < 16; lane++) {
                if (((above >> lane) & 1) && written < capacity) out[written++] = (int32_t)(j + lane);
            }
        }
        found += (size_t)n;
    }
    for (; j < count; j++) {
        if (row[j] > cut) {
            if (found < capacity) out[found] = (int32_t)j;
            found++;
        }
    }
    return found;
}

static size_t above_portable(const float *row, size_t count, float cut, int32_t *out, size_t capacity) {
    size_t found = 0;
    for (size_t j = 0; j < count; j++) {
        if (row[j] > cut) {
            if (found < capacity) out[found] = (int32_t)j;
            found++;
        }
    }
    return found;
}

size_t cm_indices_above(const float *row, size_t count, float cut, int32_t *out, size_t capacity) {
    if (cm_kernels_best_isa() == CM_KERNELS_AVX512) return above_avx512(row, count, cut, out, capacity);
    return above_portable(row, count, cut, out, capacity);
}

// Whether a ranks before b: higher score, or equal score and lower index.
static inline int before(cm_scored a, cm_scored b) { return a.score > b.score || (a.score == b.score && a.index < b.index); }

static void swap_scored(cm_scored *a, cm_scored *b) {
    cm_scored t = *a;
    *a = *b;
    *b = t;
}

void cm_best_first(cm_scored *items, size_t count, size_t k, cm_scored *scratch) {
    if (k > count) k = count;
    if (k == 0) return;
    // Quickselect: the k best to the front (in some order).
    size_t low = 0, high = count - 1;
    while (low < high && k < count) {
        size_t mid = low + (high - low) / 2;
        if (before(items[mid], items[low])) swap_scored(&items[mid], &items[low]);
        if (before(items[high], items[low])) swap_scored(&items[high], &items[low]);
        if (before(items[mid], items[high])) swap_scored(&items[mid], &items[high]);
        cm_scored pivot = items[high];
        size_t store = low;
        for (size_t i = low; i < high; i++) {
            if (before(items[i], pivot)) swap_scored(&items[i], &items[store++]);
        }
        swap_scored(&items[store], &items[high]);
        if (store == k - 1 || store == k) break;
        if (store < k - 1) low = store + 1;
        else high = store - 1;
    }
    // Then those k in order: a bottom-up merge sort through `scratch` (k entries).
    cm_scored *from = items, *to = scratch;
    for (size_t width = 1; width < k; width *= 2) {
        for (size_t start = 0; start < k; start += 2 * width) {
            size_t middle = start + width < k ? start + width : k, end = start + 2 * width < k ? start + 2 * width : k;
            size_t i = start, j = middle, o = start;
            while (i < middle && j < end) to[o++] = before(from[j], from[i]) ? from[j++] : from[i++];
            while (i < middle) to[o++] = from[i++];
            while (j < end) to[o++] = from[j++];
        }
        cm_scored *swap = from;
        from = to;
        to = swap;
    }
    if (from != items) memcpy(items, from, k * sizeof(cm_scored));
}
