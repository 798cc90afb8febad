// Thin C layer over TurboJPEG, libpng's simplified API, libwebp, giflib and libheif, so Swift sees one call that
// either returns RGB pixels or a message saying why the file could not be decoded.
#include "CImageCodecs.h"

#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>
#include <gif_lib.h>
#include <libheif/heif.h>
#include <webp/decode.h>

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

/// Writes "the <kind> is W x H pixels, more than the limit" when over max_pixels; returns non-zero then.
static int over_limit(const char *kind, size_t w, size_t h, const cm_decode_limits *limits, char *error, size_t error_size) {
    if (limits->max_pixels == 0 || w * h <= limits->max_pixels) return 0;
    char message[192];
    snprintf(message, sizeof message, "the %s is %zu x %zu pixels, more than the limit of %zu (--max-pixels)", kind, w, h,
             limits->max_pixels);
    return fail(error, error_size, message);
}

/// WebP (libwebp): the size from the header first; RGBA decoded into our own buffer and composited onto
/// white, as PNG transparency is. Animated WebP is refused by name (its first frame needs the demuxer).
static int decode_webp(const unsigned char *data, size_t size, const cm_decode_limits *limits, int *width, int *height,
                       unsigned char **pixels, char *error, size_t error_size) {
    WebPBitstreamFeatures features;
    if (WebPGetFeatures(data, size, &features) != VP8_STATUS_OK) return fail(error, error_size, "not a readable WebP file");
    if (features.width <= 0 || features.height <= 0) return fail(error, error_size, "the WebP has no pixels");
    if (features.has_animation) return fail(error, error_size, "an animated WebP (only still WebP images are read)");
    if (over_limit("WebP", (size_t)features.width, (size_t)features.height, limits, error, error_size)) return 1;
    size_t count = (size_t)features.width * (size_t)features.height;
    unsigned char *rgba = malloc(count * 4);
    if (!rgba) return fail(error, error_size, "out of memory");
    if (!WebPDecodeRGBAInto(data, size, rgba, count * 4, features.width * 4)) {
        free(rgba);
        return fail(error, error_size, "the WebP data is damaged or truncated");
    }
    unsigned char *rgb = malloc(count * 3);
    if (!rgb) {
        free(rgba);
        return fail(error, error_size, "out of memory");
    }
    for (size_t i = 0; i < count; i++) {
        unsigned alpha = rgba[i * 4 + 3];
        for (int c = 0; c < 3; c++) rgb[i * 3 + c] = (unsigned char)((rgba[i * 4 + c] * alpha + 255 * (255 - alpha) + 127) / 255);
    }
    free(rgba);
    *width = features.width;
    *height = features.height;
    *pixels = rgb;
    return 0;
}

/// Bytes in memory as giflib's input.
typedef struct {
    const unsigned char *data;
    size_t size, position;
} gif_source;

static int read_gif_bytes(GifFileType *gif, GifByteType *buffer, int wanted) {
    gif_source *source = gif->UserData;
    size_t left = source->size - source->position;
    size_t count = wanted < 0 ? 0 : (size_t)wanted < left ? (size_t)wanted : left;
    memcpy(buffer, source->data + source->position, count);
    source->position += count;
    return (int)count;
}

static int gif_failed(GifFileType *gif, int code, char *error, size_t error_size) {
    const char *reason = GifErrorString(code);
    char message[160];
    snprintf(message, sizeof message, "the GIF cannot be read (%s)", reason ? reason : "damaged");
    if (gif) {
        int ignored = 0;
        DGifCloseFile(gif, &ignored);
    }
    return fail(error, error_size, message);
}

/// GIF (giflib): the first frame, drawn on a white canvas of the logical screen's size. Records are
/// read one at a time (never DGifSlurp, which would hold every frame); the screen and the frame are
/// checked against the pixel limit before any buffer exists, and a frame is clipped to the screen.
static int decode_gif(const unsigned char *data, size_t size, const cm_decode_limits *limits, int *width, int *height,
                      unsigned char **pixels, char *error, size_t error_size) {
    gif_source source = {data, size, 0};
    int code = 0;
    GifFileType *gif = DGifOpen(&source, read_gif_bytes, &code);
    if (!gif) return gif_failed(NULL, code, error, error_size);
    int transparent = -1;
    for (;;) {
        GifRecordType record;
        if (DGifGetRecordType(gif, &record) == GIF_ERROR) return gif_failed(gif, gif->Error, error, error_size);
        if (record == TERMINATE_RECORD_TYPE) {
            DGifCloseFile(gif, &code);
            return fail(error, error_size, "the GIF has no image");
        }
        if (record == EXTENSION_RECORD_TYPE) {
            int kind = 0;
            GifByteType *block = NULL;
            if (DGifGetExtension(gif, &kind, &block) == GIF_ERROR) return gif_failed(gif, gif->Error, error, error_size);
            if (kind == GRAPHICS_EXT_FUNC_CODE && block && block[0] >= 4) {
                GraphicsControlBlock control;
                if (DGifExtensionToGCB(block[0], block + 1, &control) == GIF_OK) transparent = control.TransparentColor;
            }
            while (block) {
                if (DGifGetExtensionNext(gif, &block) == GIF_ERROR) return gif_failed(gif, gif->Error, error, error_size);
            }
            continue;
        }
        if (record != IMAGE_DESC_RECORD_TYPE) continue;
        if (DGifGetImageDesc(gif) == GIF_ERROR) return gif_failed(gif, gif->Error, error, error_size);
        GifImageDesc frame = gif->Image;
        if (frame.Width <= 0 || frame.Height <= 0) {
            DGifCloseFile(gif, &code);
            return fail(error, error_size, "the GIF's first frame has no pixels");
        }
        // A screen of 0 x 0 (some encoders write it) takes the frame's own size.
        size_t screen_w = gif->SWidth > 0 ? (size_t)gif->SWidth : (size_t)frame.Width;
        size_t screen_h = gif->SHeight > 0 ? (size_t)gif->SHeight : (size_t)frame.Height;
        if (over_limit("GIF", screen_w, screen_h, limits, error, error_size) ||
            over_limit("GIF's first frame", (size_t)frame.Width, (size_t)frame.Height, limits, error, error_size)) {
            DGifCloseFile(gif, &code);
            return 1;
        }
        ColorMapObject *colors = frame.ColorMap ? frame.ColorMap : gif->SColorMap;
        if (!colors || colors->ColorCount <= 0) {
            DGifCloseFile(gif, &code);
            return fail(error, error_size, "the GIF has no colour table");
        }
        unsigned char *canvas = malloc(screen_w * screen_h * 3);
        GifPixelType *line = malloc((size_t)frame.Width);
        if (!canvas || !line) {
            free(canvas);
            free(line);
            DGifCloseFile(gif, &code);
            return fail(error, error_size, "out of memory");
        }
        memset(canvas, 255, screen_w * screen_h * 3);
        // Interlaced frames come in four passes: every 8th row from 0, every 8th from 4, every 4th from 2, every 2nd from 1.
        static const int starts[4] = {0, 4, 2, 1}, steps[4] = {8, 8, 4, 2};
        int passes = frame.Interlace ? 4 : 1;
        for (int pass = 0; pass < passes; pass++) {
            int start = frame.Interlace ? starts[pass] : 0, step = frame.Interlace ? steps[pass] : 1;
            for (int row = start; row < frame.Height; row += step) {
                if (DGifGetLine(gif, line, frame.Width) == GIF_ERROR) {
                    free(canvas);
                    free(line);
                    return gif_failed(gif, gif->Error, error, error_size);
                }
                size_t y = (size_t)frame.Top + (size_t)row;
                if (frame.Top < 0 || y >= screen_h) continue;
                for (int column = 0; column < frame.Width; column++) {
                    size_t x = (size_t)frame.Left + (size_t)column;
                    if (frame.Left < 0 || x >= screen_w) continue;
                    int index = line[column];
                    if (index == transparent || index >= colors->ColorCount) continue;
                    GifColorType color = colors->Colors[index];
                    unsigned char *out = canvas + (y * screen_w + x) * 3;
                    out[0] = color.Red;
                    out[1] = color.Green;
                    out[2] = color.Blue;
                }
            }
        }
        free(line);
        DGifCloseFile(gif, &code);
        *width = (int)screen_w;
        *height = (int)screen_h;
        *pixels = canvas;
        return 0;
    }
}

/// The most items (tiles, thumbnails, metadata) a HEIF file may list. A phone's 12-megapixel photo is a grid
/// of 48 tiles plus a handful of others; a grid within the pixel cap of 512 × 512 tiles has at most 153. A
/// file listing thousands is built to make the decoder decode thousands of pictures.
#define CM_HEIF_MAX_ITEMS 512

/// Reads an ISOBMFF box header at `offset` within `[0, end)`: its type, and where its payload starts and
/// the box ends. Returns 0 when the header is cut short or the box overruns `end`.
static int heif_box(const unsigned char *data, size_t offset, size_t end, const unsigned char **type, size_t *payload,
                    size_t *box_end) {
    if (offset > end || end - offset < 8) return 0;
    const unsigned char *p = data + offset;
    uint64_t box_size = ((uint64_t)p[0] << 24) | ((uint64_t)p[1] << 16) | ((uint64_t)p[2] << 8) | p[3];
    size_t header = 8;
    if (box_size == 1) {
        if (end - offset < 16) return 0;
        box_size = 0;
        for (int i = 8; i < 16; i++) box_size = (box_size << 8) | p[i];
        header = 16;
    } else if (box_size == 0) {
        box_size = end - offset;
    }
    if (box_size < header || box_size > end - offset) return 0;
    *type = p + 4;
    *payload = offset + header;
    *box_end = offset + (size_t)box_size;
    return 1;
}

/// The entry count of the `iinf` box in the file's top-level `meta` box (how many items the file lists), or
/// -1 when there is none to read; read before libheif parses anything.
static long heif_item_count(const unsigned char *data, size_t size) {
    const unsigned char *type;
    size_t payload, box_end;
    for (size_t offset = 0; heif_box(data, offset, size, &type, &payload, &box_end); offset = box_end) {
        if (memcmp(type, "meta", 4) != 0) continue;
        size_t meta_end = box_end;
        // meta is a full box: 4 bytes of version and flags before its children.
        for (size_t child = payload + 4; heif_box(data, child, meta_end, &type, &payload, &box_end); child = box_end) {
            if (memcmp(type, "iinf", 4) != 0) continue;
            if (box_end - payload < 6) return -1;
            const unsigned char *p = data + payload;
            if (p[0] == 0) return ((long)p[4] << 8) | p[5];
            if (box_end - payload < 8) return -1;
            return (long)(((unsigned long)p[4] << 24) | ((unsigned long)p[5] << 16) | ((unsigned long)p[6] << 8) | p[7]);
        }
        return -1;
    }
    return -1;
}

int cm_heif_exif(const unsigned char *data, size_t size, unsigned char **exif, size_t *exif_size) {
    *exif = NULL;
    *exif_size = 0;
    if (size < 12 || memcmp(data + 4, "ftyp", 4) != 0) return 1;
    if (heif_item_count(data, size) > CM_HEIF_MAX_ITEMS) return 1;
    struct heif_context *context = heif_context_alloc();
    if (!context) return 1;
    struct heif_image_handle *handle = NULL;
    int result = 1;
    struct heif_error status = heif_context_read_from_memory_without_copy(context, data, size, NULL);
    if (status.code == heif_error_Ok) status = heif_context_get_primary_image_handle(context, &handle);
    if (status.code == heif_error_Ok) {
        heif_item_id id;
        if (heif_image_handle_get_list_of_metadata_block_IDs(handle, "Exif", &id, 1) == 1) {
            size_t block = heif_image_handle_get_metadata_size(handle, id);
            // The block starts with a 4-byte big-endian offset from its end to the TIFF header.
            if (block > 4 && block <= ((size_t)1 << 20)) {
                unsigned char *buffer = malloc(block);
                if (buffer && heif_image_handle_get_metadata(handle, id, buffer).code == heif_error_Ok) {
                    size_t skip = ((size_t)buffer[0] << 24) | ((size_t)buffer[1] << 16) | ((size_t)buffer[2] << 8) | buffer[3];
                    if (skip <= block - 4 && block - 4 - skip >= 8) {
                        memmove(buffer, buffer + 4 + skip, block - 4 - skip);
                        *exif = buffer;
                        *exif_size = block - 4 - skip;
                        buffer = NULL;
                        result = 0;
                    }
                }
                free(buffer);
            }
        }
        heif_image_handle_release(handle);
    }
    heif_context_free(context);
    return result;
}

/// HEIC/HEIF and AVIF (libheif): the primary image, with its rotation and mirroring (the `irot`/`imir`
/// boxes, which the format makes authoritative over any EXIF tag) applied, RGBA composited onto white. The
/// number of items the file lists is checked first (at most ``CM_HEIF_MAX_ITEMS``), the size from the
/// container (`ispe`) before anything is decoded, and libheif is told the largest side it may accept.
static int decode_heif(const unsigned char *data, size_t size, const cm_decode_limits *limits, int *width, int *height,
                       unsigned char **pixels, char *error, size_t error_size) {
    long items = heif_item_count(data, size);
    if (items > CM_HEIF_MAX_ITEMS) {
        char refusal[224];
        snprintf(refusal, sizeof refusal, "the HEIF file lists %ld images (tiles, thumbnails); at most %d are read",
                 items, CM_HEIF_MAX_ITEMS);
        return fail(error, error_size, refusal);
    }
    struct heif_context *context = heif_context_alloc();
    if (!context) return fail(error, error_size, "cannot initialise the HEIF decoder");
    heif_context_set_maximum_image_size_limit(context, 65535);
    char message[224];
    struct heif_image_handle *handle = NULL;
    struct heif_image *image = NULL;
    struct heif_error status = heif_context_read_from_memory_without_copy(context, data, size, NULL);
    if (status.code == heif_error_Ok) status = heif_context_get_primary_image_handle(context, &handle);
    if (status.code != heif_error_Ok) {
        snprintf(message, sizeof message, "the HEIF file cannot be read (%s)", status.message ? status.message : "damaged");
        heif_context_free(context);
        return fail(error, error_size, message);
    }
    int w = heif_image_handle_get_width(handle), h = heif_image_handle_get_height(handle);
    if (w <= 0 || h <= 0) {
        heif_image_handle_release(handle);
        heif_context_free(context);
        return fail(error, error_size, "the HEIF image has no pixels");
    }
    if (over_limit("HEIF image", (size_t)w, (size_t)h, limits, error, error_size)) {
        heif_image_handle_release(handle);
        heif_context_free(context);
        return 1;
    }
    status = heif_decode_image(handle, &image, heif_colorspace_RGB, heif_chroma_interleaved_RGBA, NULL);
    if (status.code != heif_error_Ok) {
        snprintf(message, sizeof message, "the HEIF image cannot be decoded (%s)", status.message ? status.message : "damaged");
        heif_image_handle_release(handle);
        heif_context_free(context);
        return fail(error, error_size, message);
    }
    int stride = 0;
    const uint8_t *plane = heif_image_get_plane_readonly(image, heif_channel_interleaved, &stride);
    int out_w = heif_image_get_width(image, heif_channel_interleaved), out_h = heif_image_get_height(image, heif_channel_interleaved);
    unsigned char *rgb = NULL;
    // The decoded size may differ from the container's after a rotation, never in pixel count beyond it.
    if (plane && out_w > 0 && out_h > 0 && stride >= out_w * 4 && (size_t)out_w * (size_t)out_h <= (size_t)w * (size_t)h)
        rgb = malloc((size_t)out_w * (size_t)out_h * 3);
    if (rgb) {
        for (int y = 0; y < out_h; y++) {
            const uint8_t *row = plane + (size_t)y * (size_t)stride;
            for (int x = 0; x < out_w; x++) {
                unsigned alpha = row[x * 4 + 3];
                for (int c = 0; c < 3; c++)
                    rgb[((size_t)y * out_w + x) * 3 + c] = (unsigned char)((row[x * 4 + c] * alpha + 255 * (255 - alpha) + 127) / 255);
            }
        }
    }
    heif_image_release(image);
    heif_image_handle_release(handle);
    heif_context_free(context);
    if (!rgb) return fail(error, error_size, "the HEIF image decoded to an unexpected layout");
    *width = out_w;
    *height = out_h;
    *pixels = rgb;
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
    if (size >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0)
        return decode_webp(data, size, limits, width, height, pixels, error, error_size);
    if (size >= 6 && (memcmp(data, "GIF87a", 6) == 0 || memcmp(data, "GIF89a", 6) == 0))
        return decode_gif(data, size, limits, width, height, pixels, error, error_size);
    if (size >= 12 && memcmp(data + 4, "ftyp", 4) == 0 && heif_check_filetype(data, size > 64 ? 64 : (int)size) == heif_filetype_yes_supported)
        return decode_heif(data, size, limits, width, height, pixels, error, error_size);
    return fail(error, error_size, "not a JPEG, PNG, WebP, GIF, HEIC or AVIF file");
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
