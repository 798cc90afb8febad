#ifndef CROSSMODAL_CIMAGECODECS_H
#define CROSSMODAL_CIMAGECODECS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Decodes a JPEG (TurboJPEG) or PNG (libpng) held in memory to 8-bit interleaved RGB.
/// On success returns 0, sets *width, *height and *pixels (free with cm_image_free).
/// On failure returns non-zero and writes a message into error.
int cm_image_decode_rgb(const unsigned char *data, size_t size, int *width, int *height,
                        unsigned char **pixels, char *error, size_t error_size);

/// Encodes 8-bit interleaved RGB as a baseline JPEG (TurboJPEG, 4:2:0) of the given quality (1-100).
/// On success returns 0 and sets *jpeg and *jpeg_size (free with cm_image_free).
/// On failure returns non-zero and writes a message into error.
int cm_image_encode_jpeg(const unsigned char *pixels, int width, int height, int quality,
                         unsigned char **jpeg, size_t *jpeg_size, char *error, size_t error_size);

/// Frees pixels returned by cm_image_decode_rgb or bytes returned by cm_image_encode_jpeg.
void cm_image_free(unsigned char *pixels);

#ifdef __cplusplus
}
#endif

#endif
