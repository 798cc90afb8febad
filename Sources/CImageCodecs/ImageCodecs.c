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

static int decode_jpeg(const unsigned char *data, size_t size, int *width, int *height,
                       unsigned char **pixels, char *error, size_t error_size) {
    tjhandle handle = tjInitDecompress();
    if (!handle) return fail(error, error_size, "cannot initialise the JPEG decoder");
    int subsampling = 0, colorspace = 0;
    if (tjDecompressHeader3(handle, data, (unsigned long)size, width, height, &subsampling, &colorspace) != 0) {
        fail(error, error_size, tjGetErrorStr2(handle));
        tjDestroy(handle);
        return 1;
    }
    if (*width <= 0 || *height <= 0 || (size_t)*width * (size_t)*height > (size_t)100000000) {
        tjDestroy(handle);
        return fail(error, error_size, "implausible JPEG dimensions");
    }
    unsigned char *buffer = malloc((size_t)*width * (size_t)*height * 3);
    if (!buffer) {
        tjDestroy(handle);
        return fail(error, error_size, "out of memory");
    }
    // Default flags: accurate integer DCT and fancy upsampling, as PIL and the reference use.
    if (tjDecompress2(handle, data, (unsigned long)size, buffer, *width, 0, *height, TJPF_RGB, 0) != 0) {
        // A warning (for example extraneous bytes) still yields an image; an error does not.
        if (tjGetErrorCode(handle) == TJERR_FATAL) {
            fail(error, error_size, tjGetErrorStr2(handle));
            free(buffer);
            tjDestroy(handle);
            return 1;
        }
    }
    tjDestroy(handle);
    *pixels = buffer;
    return 0;
}

static int decode_png(const unsigned char *data, size_t size, int *width, int *height,
                      unsigned char **pixels, char *error, size_t error_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&image, data, size)) {
        return fail(error, error_size, image.message);
    }
    if (image.width == 0 || image.height == 0 || (size_t)image.width * (size_t)image.height > (size_t)100000000) {
        png_image_free(&image);
        return fail(error, error_size, "implausible PNG dimensions");
    }
    image.format = PNG_FORMAT_RGB;
    size_t bytes = PNG_IMAGE_SIZE(image);
    unsigned char *buffer = malloc(bytes);
    if (!buffer) {
        png_image_free(&image);
        return fail(error, error_size, "out of memory");
    }
    if (!png_image_finish_read(&image, NULL, buffer, 0, NULL)) {
        fail(error, error_size, image.message);
        free(buffer);
        return 1;
    }
    *width = (int)image.width;
    *height = (int)image.height;
    *pixels = buffer;
    return 0;
}

int cm_image_decode_rgb(const unsigned char *data, size_t size, int *width, int *height,
                        unsigned char **pixels, char *error, size_t error_size) {
    *pixels = NULL;
    if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        return decode_jpeg(data, size, width, height, pixels, error, error_size);
    if (size >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0)
        return decode_png(data, size, width, height, pixels, error, error_size);
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
