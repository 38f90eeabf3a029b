// PNG decode/encode through libpng, from and to memory buffers. libpng reports errors by calling
// an error function that must not return; ours records the message and long-jumps back into the
// call that started the work, which frees everything and returns a status code.
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include "codec_common.h"

// MARK: - Shared error handling

static void cic_png_on_error(png_structp png, png_const_charp text) {
    cic_error_sink *sink = (cic_error_sink *)png_get_error_ptr(png);
    cic_fail(sink, CIC_ERR_CORRUPT);
    cic_set_message(sink, "%s", text);
    png_longjmp(png, 1);
}

// libpng's default warning handler prints to stderr; library code never prints.
static void cic_png_on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

// MARK: - Decode

typedef struct {
    cic_error_sink sink;           // first member: the error handler casts the error pointer to it
    const unsigned char *data;
    size_t size;
    size_t offset;
    png_structp png;
    png_infop info;
    unsigned char *pixels;
    png_bytep *rows;
} cic_png_read_state;

static void cic_png_read_from_memory(png_structp png, png_bytep destination, size_t length) {
    cic_png_read_state *state = (cic_png_read_state *)png_get_io_ptr(png);
    if (length > state->size - state->offset) {
        state->sink.status = CIC_ERR_TRUNCATED;
        png_error(png, "unexpected end of data");
    }
    memcpy(destination, state->data + state->offset, length);
    state->offset += length;
}

static int cic_png_read_finish(cic_png_read_state *state, int status) {
    png_destroy_read_struct(&state->png, state->info ? &state->info : NULL, NULL);
    free(state->rows);
    if (status != CIC_OK) free(state->pixels);
    free(state);
    return status;
}

int cic_png_decode(const unsigned char *data, size_t size, uint64_t max_pixels,
                   cic_image *out, char *message, size_t message_capacity) {
    memset(out, 0, sizeof *out);
    cic_error_sink early = cic_sink(message, message_capacity);
    if (size < 8) {
        cic_set_message(&early, "only %zu bytes, shorter than the 8-byte PNG signature", size);
        return CIC_ERR_TRUNCATED;
    }
    if (png_sig_cmp(data, 0, 8) != 0) {
        cic_set_message(&early, "bad PNG signature");
        return CIC_ERR_CORRUPT;
    }
    cic_png_read_state *state = cic_allocate_state(sizeof *state, &early);
    if (!state) return CIC_ERR_NO_MEMORY;
    state->sink = early;
    state->data = data;
    state->size = size;
    state->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state->sink, cic_png_on_error, cic_png_on_warning);
    if (state->png) state->info = png_create_info_struct(state->png);
    if (!state->png || !state->info) {
        cic_set_message(&state->sink, "out of memory");
        return cic_png_read_finish(state, CIC_ERR_NO_MEMORY);
    }
    if (setjmp(png_jmpbuf(state->png))) {
        return cic_png_read_finish(state, state->sink.status);
    }
    // The caller's pixel limit is the one that counts; libpng's own default (10^6 × 10^6) would
    // otherwise report huge headers as a generic error.
    png_set_user_limits(state->png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    png_set_read_fn(state->png, state, cic_png_read_from_memory);
    png_read_info(state->png, state->info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(state->png, state->info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    // Both size checks come before png_read_update_info, which allocates row buffers for the
    // declared width (gigabytes for a hostile header). The channels after the transformations
    // below: palette → RGB, and tRNS adds alpha.
    int has_trns = png_get_valid(state->png, state->info, PNG_INFO_tRNS) != 0;
    uint32_t channels;
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: channels = 1 + has_trns; break;
    case PNG_COLOR_TYPE_GRAY_ALPHA: channels = 2; break;
    case PNG_COLOR_TYPE_RGB:
    case PNG_COLOR_TYPE_PALETTE: channels = 3 + has_trns; break;
    default: channels = 4; break;
    }
    out->width = width;
    out->height = height;
    out->channels = channels;
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        cic_set_message(&state->sink, "%u x %u pixels exceed the limit of %llu", width, height,
                        (unsigned long long)max_pixels);
        return cic_png_read_finish(state, CIC_ERR_TOO_LARGE);
    }
    // The declared size against the file's length: the filtered rows (one filter byte plus the
    // packed samples per row, fewest for a non-interlaced image) arrive deflate-compressed, and
    // deflate cannot shrink data more than 1032 : 1. A small file whose header declares a large
    // image (below the pixel limit) is refused before its pixels are allocated.
    uint64_t packed_row = ((uint64_t)width * png_get_channels(state->png, state->info) * (uint64_t)bit_depth + 7) / 8;
    uint64_t least_compressed = ((uint64_t)height * (packed_row + 1)) / 1032;
    if (least_compressed > size) {
        cic_set_message(&state->sink,
                        "the header declares %u x %u pixels, whose image data need at least %llu compressed bytes, "
                        "but the file has only %zu bytes", width, height, (unsigned long long)least_compressed, size);
        return cic_png_read_finish(state, CIC_ERR_TRUNCATED);
    }
    // Palette → RGB, gray below 8 bits → 8 bits, tRNS → an alpha channel.
    png_set_expand(state->png);
    // Scaling (v·255/65535, rounded) rather than stripping the low byte keeps 0xFFFF → 255 exact
    // and every value correctly rounded.
    if (bit_depth == 16) png_set_scale_16(state->png);
    png_set_interlace_handling(state->png);
    png_read_update_info(state->png, state->info);

    size_t row_bytes = png_get_rowbytes(state->png, state->info);
    if (png_get_channels(state->png, state->info) != channels || row_bytes != (size_t)width * channels) {
        cic_set_message(&state->sink, "unexpected layout after conversion to 8 bits (%u channels, %zu bytes per row)",
                        (unsigned)png_get_channels(state->png, state->info), row_bytes);
        return cic_png_read_finish(state, CIC_ERR_UNSUPPORTED);
    }
    state->pixels = malloc(row_bytes * height);
    state->rows = malloc(sizeof(png_bytep) * height);
    if (!state->pixels || !state->rows) {
        cic_set_message(&state->sink, "out of memory for %u x %u pixels", width, height);
        return cic_png_read_finish(state, CIC_ERR_NO_MEMORY);
    }
    for (png_uint_32 y = 0; y < height; y++) state->rows[y] = state->pixels + (size_t)y * row_bytes;
    png_read_image(state->png, state->rows);
    // Reading up to IEND checks the CRC of the last chunks, so a file cut after its image data
    // still counts as truncated.
    png_read_end(state->png, NULL);
    out->pixels = state->pixels;
    return cic_png_read_finish(state, CIC_OK);
}

// MARK: - Encode

typedef struct {
    cic_error_sink sink;
    unsigned char *buffer;
    size_t size;
    size_t capacity;
    png_structp png;
    png_infop info;
    png_bytep *rows;
} cic_png_write_state;

static void cic_png_write_to_memory(png_structp png, png_bytep source, size_t length) {
    cic_png_write_state *state = (cic_png_write_state *)png_get_io_ptr(png);
    if (length > state->capacity - state->size) {
        size_t capacity = state->capacity ? state->capacity : 4096;
        while (length > capacity - state->size) capacity *= 2;
        unsigned char *grown = realloc(state->buffer, capacity);
        if (!grown) {
            state->sink.status = CIC_ERR_NO_MEMORY;
            png_error(png, "out of memory for the encoded PNG");
        }
        state->buffer = grown;
        state->capacity = capacity;
    }
    memcpy(state->buffer + state->size, source, length);
    state->size += length;
}

static void cic_png_flush(png_structp png) { (void)png; }

static int cic_png_write_finish(cic_png_write_state *state, int status) {
    png_destroy_write_struct(&state->png, state->info ? &state->info : NULL);
    free(state->rows);
    if (status != CIC_OK) free(state->buffer);
    free(state);
    return status;
}

int cic_png_encode(const unsigned char *pixels, uint32_t width, uint32_t height, uint32_t channels,
                   unsigned char **out, size_t *out_size, char *message, size_t message_capacity) {
    *out = NULL;
    *out_size = 0;
    cic_error_sink early = cic_sink(message, message_capacity);
    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                       PNG_COLOR_TYPE_RGB_ALPHA};
    if (channels < 1 || channels > 4) {
        cic_set_message(&early, "PNG stores 1 to 4 channels, not %u", channels);
        return CIC_ERR_INVALID;
    }
    if (width == 0 || height == 0 || width > PNG_UINT_31_MAX || height > PNG_UINT_31_MAX) {
        cic_set_message(&early, "PNG cannot store a %u x %u image", width, height);
        return CIC_ERR_INVALID;
    }
    cic_png_write_state *state = cic_allocate_state(sizeof *state, &early);
    if (!state) return CIC_ERR_NO_MEMORY;
    state->sink = early;
    state->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state->sink, cic_png_on_error, cic_png_on_warning);
    if (state->png) state->info = png_create_info_struct(state->png);
    state->rows = malloc(sizeof(png_bytep) * height);
    if (!state->png || !state->info || !state->rows) {
        cic_set_message(&state->sink, "out of memory");
        return cic_png_write_finish(state, CIC_ERR_NO_MEMORY);
    }
    if (setjmp(png_jmpbuf(state->png))) {
        return cic_png_write_finish(state, state->sink.status);
    }
    png_set_write_fn(state->png, state, cic_png_write_to_memory, cic_png_flush);
    png_set_IHDR(state->png, state->info, width, height, 8, color_types[channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(state->png, state->info);
    size_t row_bytes = (size_t)width * channels;
    // libpng takes non-const rows but only reads them when no write transformations are set.
    for (uint32_t y = 0; y < height; y++) state->rows[y] = (png_bytep)(pixels + (size_t)y * row_bytes);
    png_write_image(state->png, state->rows);
    png_write_end(state->png, NULL);
    *out = state->buffer;
    *out_size = state->size;
    return cic_png_write_finish(state, CIC_OK);
}

void cic_free(void *pointer) { free(pointer); }
