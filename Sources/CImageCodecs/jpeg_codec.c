// JPEG decode/encode through libjpeg, from and to memory buffers. libjpeg's default error_exit
// ends the process and its default warnings go to stderr; ours record the message and long-jump
// back into the call that started the work, which destroys the codec state and returns a status.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>
#include "codec_common.h"

// MARK: - Shared error handling

typedef struct {
    struct jpeg_error_mgr manager;  // first member: libjpeg hands back a pointer to it
    cic_error_sink sink;
    jmp_buf jump;
} cic_jpeg_error;

static void cic_jpeg_fail(j_common_ptr codec, int status) {
    cic_jpeg_error *error = (cic_jpeg_error *)codec->err;
    char text[JMSG_LENGTH_MAX];
    (*codec->err->format_message)(codec, text);
    cic_fail(&error->sink, status);
    cic_set_message(&error->sink, "%s", text);
    longjmp(error->jump, 1);
}

static void cic_jpeg_on_error_exit(j_common_ptr codec) {
    int code = codec->err->msg_code;
    int status = CIC_ERR_CORRUPT;
    // Sides above 65,500 pixels are libjpeg's own limit, reported before the dimensions reach
    // us: unsupported, with libjpeg's sentence, rather than a size-limit error without sizes.
    if (code == JERR_IMAGE_TOO_BIG) status = CIC_ERR_UNSUPPORTED;
    else if (code == JERR_INPUT_EMPTY || code == JERR_INPUT_EOF) status = CIC_ERR_TRUNCATED;
    cic_jpeg_fail(codec, status);
}

// libjpeg only warns when the data ends early or the entropy-coded data is damaged, and then
// fills the rest of the image with gray; a classifier fed such an image learns from garbage, so
// those warnings are errors here. Harmless warnings (extraneous bytes, unknown JFIF revision) are
// ignored, as are trace messages (level >= 0).
static void cic_jpeg_on_emit_message(j_common_ptr codec, int level) {
    if (level >= 0) return;
    switch (codec->err->msg_code) {
    case JWRN_JPEG_EOF:
        cic_jpeg_fail(codec, CIC_ERR_TRUNCATED);
        break;
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
        cic_jpeg_fail(codec, CIC_ERR_CORRUPT);
        break;
    default:
        codec->err->num_warnings++;
        break;
    }
}

// Library code never prints.
static void cic_jpeg_on_output_message(j_common_ptr codec) { (void)codec; }

static void cic_jpeg_install_handlers(cic_jpeg_error *error, char *message, size_t message_capacity) {
    jpeg_std_error(&error->manager);
    error->manager.error_exit = cic_jpeg_on_error_exit;
    error->manager.emit_message = cic_jpeg_on_emit_message;
    error->manager.output_message = cic_jpeg_on_output_message;
    error->sink.status = CIC_OK;
    error->sink.message = message;
    error->sink.capacity = message_capacity;
}

// MARK: - Decode

// Heap-allocated so that nothing the error path reads lives in a local modified after setjmp.
typedef struct {
    struct jpeg_decompress_struct codec;
    cic_jpeg_error error;
    unsigned char *pixels;
} cic_jpeg_read_state;

static int cic_jpeg_read_finish(cic_jpeg_read_state *state, int status) {
    jpeg_destroy_decompress(&state->codec);
    if (status != CIC_OK) free(state->pixels);
    free(state);
    return status;
}

int cic_jpeg_decode(const unsigned char *data, size_t size, uint64_t max_pixels,
                    cic_image *out, char *message, size_t message_capacity) {
    memset(out, 0, sizeof *out);
    cic_error_sink early = cic_sink(message, message_capacity);
    cic_jpeg_read_state *state = cic_allocate_state(sizeof *state, &early);
    if (!state) return CIC_ERR_NO_MEMORY;
    cic_jpeg_install_handlers(&state->error, message, message_capacity);
    state->codec.err = &state->error.manager;
    if (setjmp(state->error.jump)) {
        return cic_jpeg_read_finish(state, state->error.sink.status);
    }
    jpeg_create_decompress(&state->codec);
    jpeg_mem_src(&state->codec, data, (unsigned long)size);
    jpeg_read_header(&state->codec, TRUE);

    uint32_t channels;
    switch (state->codec.jpeg_color_space) {
    case JCS_GRAYSCALE:
        state->codec.out_color_space = JCS_GRAYSCALE;
        channels = 1;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        state->codec.out_color_space = JCS_RGB;
        channels = 3;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        cic_set_message(&state->error.sink, "CMYK JPEG images are not supported; convert the file to RGB");
        return cic_jpeg_read_finish(state, CIC_ERR_UNSUPPORTED);
    default:
        cic_set_message(&state->error.sink, "JPEG color space %d is not supported",
                        (int)state->codec.jpeg_color_space);
        return cic_jpeg_read_finish(state, CIC_ERR_UNSUPPORTED);
    }
    uint32_t width = state->codec.image_width, height = state->codec.image_height;
    out->width = width;
    out->height = height;
    out->channels = channels;
    // Checked before jpeg_start_decompress, which allocates whole-image coefficient buffers for
    // progressive files.
    if ((uint64_t)width * (uint64_t)height > max_pixels) {
        cic_set_message(&state->error.sink, "%u x %u pixels exceed the limit of %llu", width, height,
                        (unsigned long long)max_pixels);
        return cic_jpeg_read_finish(state, CIC_ERR_TOO_LARGE);
    }
    jpeg_start_decompress(&state->codec);
    if (state->codec.output_components != (int)channels || state->codec.output_width != width ||
        state->codec.output_height != height) {
        cic_set_message(&state->error.sink, "unexpected output layout");
        return cic_jpeg_read_finish(state, CIC_ERR_UNSUPPORTED);
    }
    size_t row_bytes = (size_t)width * channels;
    state->pixels = malloc(row_bytes * height > 0 ? row_bytes * height : 1);
    if (!state->pixels) {
        cic_set_message(&state->error.sink, "out of memory for %u x %u pixels", width, height);
        return cic_jpeg_read_finish(state, CIC_ERR_NO_MEMORY);
    }
    while (state->codec.output_scanline < state->codec.output_height) {
        JSAMPROW row = state->pixels + (size_t)state->codec.output_scanline * row_bytes;
        jpeg_read_scanlines(&state->codec, &row, 1);
    }
    jpeg_finish_decompress(&state->codec);
    out->pixels = state->pixels;
    return cic_jpeg_read_finish(state, CIC_OK);
}

// MARK: - Encode

typedef struct {
    struct jpeg_compress_struct codec;
    cic_jpeg_error error;
    unsigned char *buffer;  // grown by libjpeg's memory destination with malloc
    unsigned long size;
} cic_jpeg_write_state;

static int cic_jpeg_write_finish(cic_jpeg_write_state *state, int status) {
    jpeg_destroy_compress(&state->codec);
    if (status != CIC_OK) free(state->buffer);
    free(state);
    return status;
}

int cic_jpeg_encode(const unsigned char *pixels, uint32_t width, uint32_t height, uint32_t channels,
                    int quality, unsigned char **out, size_t *out_size, char *message, size_t message_capacity) {
    *out = NULL;
    *out_size = 0;
    cic_error_sink early = cic_sink(message, message_capacity);
    if (channels != 1 && channels != 3) {
        cic_set_message(&early, "JPEG stores 1 or 3 channels, not %u", channels);
        return CIC_ERR_INVALID;
    }
    if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
        cic_set_message(&early, "JPEG cannot store a %u x %u image (at most %d pixels a side)", width, height,
                        JPEG_MAX_DIMENSION);
        return CIC_ERR_INVALID;
    }
    cic_jpeg_write_state *state = cic_allocate_state(sizeof *state, &early);
    if (!state) return CIC_ERR_NO_MEMORY;
    cic_jpeg_install_handlers(&state->error, message, message_capacity);
    state->codec.err = &state->error.manager;
    if (setjmp(state->error.jump)) {
        return cic_jpeg_write_finish(state, state->error.sink.status);
    }
    jpeg_create_compress(&state->codec);
    jpeg_mem_dest(&state->codec, &state->buffer, &state->size);
    state->codec.image_width = width;
    state->codec.image_height = height;
    state->codec.input_components = (int)channels;
    state->codec.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&state->codec);
    quality = quality < 1 ? 1 : (quality > 100 ? 100 : quality);
    jpeg_set_quality(&state->codec, quality, TRUE);
    // At high quality the default 4:2:0 chroma subsampling would cost more fidelity than the
    // quantizer does (colored edges of small images smear); keep full-resolution chroma there.
    if (channels == 3 && quality >= 90) {
        state->codec.comp_info[0].h_samp_factor = 1;
        state->codec.comp_info[0].v_samp_factor = 1;
    }
    jpeg_start_compress(&state->codec, TRUE);
    size_t row_bytes = (size_t)width * channels;
    while (state->codec.next_scanline < state->codec.image_height) {
        // libjpeg takes non-const rows but never writes to them.
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)state->codec.next_scanline * row_bytes);
        jpeg_write_scanlines(&state->codec, &row, 1);
    }
    jpeg_finish_compress(&state->codec);
    *out = state->buffer;
    *out_size = state->size;
    return cic_jpeg_write_finish(state, CIC_OK);
}
