#ifndef CROSSMODAL_CIMAGECODECS_H
#define CROSSMODAL_CIMAGECODECS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What a decode may cost, checked before any pixel buffer is allocated.
typedef struct {
    /// Refuse images whose stored width × height exceeds this (0: no limit).
    size_t max_pixels;
    /// Refuse JPEGs with more scans than this (a progressive JPEG has about 10; 0: no limit).
    int max_scans;
    /// JPEG only: decode at the smallest DCT scale (1/8 … 1) whose output is still at least this wide and
    /// high (0: full size). Smaller images are decoded at full size.
    int min_width;
    int min_height;
} cm_decode_limits;

/// Decodes a JPEG (TurboJPEG), PNG (libpng), still WebP (libwebp), GIF (giflib; the first frame on its
/// logical screen) or HEIC/HEIF/AVIF (libheif; the primary image, turned as its container says) held in memory to 8-bit interleaved RGB, within limits. Warnings (a truncated file,
/// corrupt data) are errors. Transparency is composited onto white.
/// On success returns 0, sets *width, *height and *pixels (free with cm_image_free).
/// On failure returns non-zero and writes a message into error.
int cm_image_decode_rgb(const unsigned char *data, size_t size, const cm_decode_limits *limits, int *width,
                        int *height, unsigned char **pixels, char *error, size_t error_size);

/// Encodes 8-bit interleaved RGB as a baseline JPEG (TurboJPEG, 4:2:0) of the given quality (1-100).
/// On success returns 0 and sets *jpeg and *jpeg_size (free with cm_image_free).
/// On failure returns non-zero and writes a message into error.
int cm_image_encode_jpeg(const unsigned char *pixels, int width, int height, int quality,
                         unsigned char **jpeg, size_t *jpeg_size, char *error, size_t error_size);

/// The EXIF block of a HEIC/HEIF/AVIF file's primary image (libheif), from its TIFF header on, when it has one
/// of at most 1 MiB. Files listing too many items are not parsed. Returns 0 and sets *exif and *exif_size (free
/// with cm_image_free) when found; non-zero otherwise (no EXIF, not a HEIF file, or a damaged one).
int cm_heif_exif(const unsigned char *data, size_t size, unsigned char **exif, size_t *exif_size);

/// Frees pixels returned by cm_image_decode_rgb or bytes returned by cm_image_encode_jpeg.
void cm_image_free(unsigned char *pixels);

#ifdef __cplusplus
}
#endif

#endif
