// Thin C layer over TurboJPEG and libpng's simplified API, so Swift sees one call that either
// returns RGB pixels or a message saying why the file could not be decoded.
#include "CImageCodecs.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

static int fail(char *error, size_t error_size, const char *message) {
    if (error && error_size) snprintf(error, error_size, "%s", message);
    return 1;
}

/// Counts the scans (SOS markers) of a JPEG by walking its marker segments, without decoding.
/// Returns -1 when the marker structure is broken before the first scan.
static int count_jpeg_scans(const unsigned char *data, size_t size, int stop_after) {
    size_t i = 2;  // after SOI
    int scans = 0;
    while (i + 4 <= size) {
        if (data[i] != 0xFF) return scans > 0 ? scans : -1;
        unsigned char marker = data[i + 1];
        if (marker == 0xFF) { i += 1; continue; }  // fill byte
        if (marker == 0xD9) break;                 // EOI
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { i += 2; continue; }  // no length
        size_t length = ((size_t)data[i + 2] << 8) | data[i + 3];
        if (length < 2) return -1;
        i += 2 + length;
        if (marker == 0xDA) {
            if (++scans > stop_after) return scans;
            // Entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte) or a restart marker.
            while (i + 1 < size && !(data[i] == 0xFF && data[i + 1] != 0x00 && !(data[i + 1] >= 0xD0 && data[i + 1] <= 0xD7))) i++;
        }
    }
    return scans;
}

static int decode_jpeg(const unsigned char *data, size_t size, const cm_decode_limits *limits, int *width, int *height,
                       unsigned char **pixels, char *error, size_t error_size) {
    if (limits->max_scans > 0 && count_jpeg_scans(data, size, limits->max_scans) > limits->max_scans) {
        char message[128];
        snprintf(message, sizeof message, "the JPEG has more than %d scans (a decompression-time bomb)", limits->max_scans);
        return fail(error, error_size, message);
    }
    tjhandle handle = tjInitDecompress();
    if (!handle) return fail(error, error_size, "cannot initialise the JPEG decoder");
    int subsampling = 0, colorspace = 0, full_width = 0, full_height = 0;
    if (tjDecompressHeader3(handle, data, (unsigned long)size, &full_width, &full_height, &subsampling, &colorspace) != 0) {
        fail(error, error_size, tjGetErrorStr2(handle));
        tjDestroy(handle);
        return 1;
    }
    if (full_width <= 0 || full_height <= 0) {
        tjDestroy(handle);
        return fail(error, error_size, "the JPEG has no pixels");
    }
    if (limits->max_pixels > 0 && (size_t)full_width * (size_t)full_height > limits->max_pixels) {
        char message[160];
        snprintf(message, sizeof message, "the JPEG is %d x %d pixels, more than the limit of %zu (--max-pixels)", full_width,
                 full_height, limits->max_pixels);
        tjDestroy(handle);
        return fail(error, error_size, message);
    }
    // The smallest scale not below the wanted size: the factors come largest first, so keep the last that fits.
    int factors = 0;
    tjscalingfactor *scales = tjGetScalingFactors(&factors);
    int out_width = full_width, out_height = full_height;
    if (scales && (limits->min_width > 0 || limits->min_height > 0)) {
        for (int f = 0; f < factors; f++) {
            if (scales[f].num > scales[f].denom) continue;
            int w = TJSCALED(full_width, scales[f]), h = TJSCALED(full_height, scales[f]);
            if (w >= limits->min_width && h >= limits->min_height && (size_t)w * h < (size_t)out_width * out_height) {
                out_width = w;
                out_height = h;
            }
        }
    }
    unsigned char *buffer = calloc((size_t)out_width * (size_t)out_height, 3);
    if (!buffer) {
        tjDestroy(handle);
        return fail(error, error_size, "out of memory");
    }
    // Accurate integer DCT and fancy upsampling (the defaults), as PIL and the reference use; a warning
    // (a truncated file, corrupt data) stops the decode instead of yielding grey pixels; at most 500 scans.
    int flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS;
    if (tjDecompress2(handle, data, (unsigned long)size, buffer, out_width, 0, out_height, TJPF_RGB, flags) != 0) {
        fail(error, error_size, tjGetErrorStr2(handle));
        free(buffer);
        tjDestroy(handle);
        return 1;
    }
    tjDestroy(handle);
    *width = out_width;
    *height = out_height;
    *pixels = buffer;
    return 0;
}

static int decode_png(const unsigned char *data, size_t size, const cm_decode_limits *limits, int *width, int *height,
                      unsigned char **pixels, char *error, size_t error_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        return fail(error, error_size, image.message);
    }
    if (image.width == 0 || image.height == 0) {
        png_image_free(&image);
        return fail(error, error_size, "the PNG has no pixels");
    }
    if (limits->max_pixels > 0 && (size_t)image.width * (size_t)image.height > limits->max_pixels) {
        char message[160];
        snprintf(message, sizeof message, "the PNG is %u x %u pixels, more than the limit of %zu (--max-pixels)", image.width,
                 image.height, limits->max_pixels);
        png_image_free(&image);
        return fail(error, error_size, message);
    }
    image.format = PNG_FORMAT_RGB;
    size_t bytes = PNG_IMAGE_SIZE(image);
    unsigned char *buffer = calloc(bytes, 1);
    if (!buffer) {
        png_image_free(&image);
        return fail(error, error_size, "out of memory");
    }
    // Transparent pixels are composited onto white: never onto whatever the buffer held.
    png_color white = {255, 255, 255};
    if (!png_image_finish_read(&image, &white, buffer, 0, NULL)) {
        fail(error, error_size, image.message);
        free(buffer);
        return 1;
    }
    *width = (int)image.width;
    *height = (int)image.height;
    *pixels = buffer;
    return 0;
}

int cm_image_decode_rgb(const unsigned char *data, size_t size, const cm_decode_limits *limits, int *width,
                        int *height, unsigned char **pixels, char *error, size_t error_size) {
    *pixels = NULL;
    cm_decode_limits none = {0, 0, 0, 0};
    if (!limits) limits = &none;
    if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        return decode_jpeg(data, size, limits, width, height, pixels, error, error_size);
    if (size >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0)
        return decode_png(data, size, limits, width, height, pixels, error, error_size);
    return fail(error, error_size, "not a JPEG or PNG file");
}

int cm_image_encode_jpeg(const unsigned char *pixels, int width, int height, int quality,
                         unsigned char **jpeg, size_t *jpeg_size, char *error, size_t error_size) {
    *jpeg = NULL;
    *jpeg_size = 0;
    if (width <= 0 || height <= 0 || quality < 1 || quality > 100) {
        fail(error, error_size, "bad image size or JPEG quality");
        return 1;
    }
    tjhandle handle = tjInitCompress();
    if (handle == NULL) {
        fail(error, error_size, "cannot start the JPEG encoder");
        return 1;
    }
    // TurboJPEG allocates the output with tjAlloc (malloc); copy into plain malloc memory for cm_image_free.
    unsigned char *buffer = NULL;
    unsigned long size = 0;
    if (tjCompress2(handle, pixels, width, 0, height, TJPF_RGB, &buffer, &size, TJSAMP_420, quality, TJFLAG_ACCURATEDCT) != 0) {
        fail(error, error_size, tjGetErrorStr2(handle));
        tjFree(buffer);
        tjDestroy(handle);
        return 1;
    }
    tjDestroy(handle);
    *jpeg = malloc(size);
    if (*jpeg == NULL) {
        tjFree(buffer);
        fail(error, error_size, "out of memory");
        return 1;
    }
    memcpy(*jpeg, buffer, size);
    *jpeg_size = size;
    tjFree(buffer);
    return 0;
}

void cm_image_free(unsigned char *pixels) { free(pixels); }
