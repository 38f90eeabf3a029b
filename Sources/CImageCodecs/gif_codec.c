// Animated GIF encoding through giflib (Debian's libgif-dev): RGB frames of one size mapped onto
// one fixed palette (a 6×6×6 colour cube and 40 grays), looping forever. giflib reports failures
// as return codes, which become the shim's status and message.
#include "image_codecs.h"
#include "codec_common.h"
#include <gif_lib.h>
#include <stdlib.h>
#include <string.h>

typedef struct { unsigned char *data; size_t size, capacity; int failed; } gif_buffer;

static int gif_write_bytes(GifFileType *gif, const GifByteType *bytes, int count) {
    gif_buffer *b = (gif_buffer *)gif->UserData;
    if (count <= 0) return count;
    if (b->size + (size_t)count > b->capacity) {
        size_t want = b->capacity ? b->capacity * 2 : 65536;
        while (want < b->size + (size_t)count) want *= 2;
        unsigned char *grown = realloc(b->data, want);
        if (!grown) { b->failed = 1; return 0; }
        b->data = grown;
        b->capacity = want;
    }
    memcpy(b->data + b->size, bytes, (size_t)count);
    b->size += (size_t)count;
    return count;
}

/// The palette index of an RGB colour: the nearest gray when the colour is (almost) gray, else the cube's.
static GifByteType palette_index(unsigned char r, unsigned char g, unsigned char b) {
    int hi = r > g ? (r > b ? r : b) : (g > b ? g : b), lo = r < g ? (r < b ? r : b) : (g < b ? g : b);
    if (hi - lo < 12) {
        int gray = (r + g + b) / 3;
        return (GifByteType)(216 + (gray * 39 + 127) / 255);
    }
    int ri = (r * 5 + 127) / 255, gi = (g * 5 + 127) / 255, bi = (b * 5 + 127) / 255;
    return (GifByteType)(ri * 36 + gi * 6 + bi);
}

int cic_gif_encode_animation(const unsigned char *frames, uint32_t width, uint32_t height, uint32_t frame_count,
                             uint32_t delay_centiseconds, unsigned char **out, size_t *out_size,
                             char *message, size_t message_capacity) {
    *out = NULL;
    *out_size = 0;
    cic_error_sink sink = cic_sink(message, message_capacity);
    if (width == 0 || height == 0 || frame_count == 0 || width > 65535 || height > 65535) {
        cic_set_message(&sink, "an animation needs at least one frame of 1×1 to 65535×65535 pixels");
        return CIC_ERR_INVALID;
    }
    GifColorType colours[256];
    for (int i = 0; i < 216; i++) {
        colours[i].Red = (GifByteType)((i / 36) * 51);
        colours[i].Green = (GifByteType)(((i / 6) % 6) * 51);
        colours[i].Blue = (GifByteType)((i % 6) * 51);
    }
    for (int i = 0; i < 40; i++) {
        GifByteType v = (GifByteType)((i * 255 + 19) / 39);
        colours[216 + i].Red = colours[216 + i].Green = colours[216 + i].Blue = v;
    }
    gif_buffer buffer = {0};
    int error = 0;
    GifFileType *gif = EGifOpen(&buffer, gif_write_bytes, &error);
    if (!gif) {
        cic_set_message(&sink, "giflib: %s", GifErrorString(error));
        return CIC_ERR_NO_MEMORY;
    }
    ColorMapObject *map = GifMakeMapObject(256, colours);
    GifByteType *line = malloc(width);
    int ok = map && line;
    EGifSetGifVersion(gif, true);
    ok = ok && EGifPutScreenDesc(gif, (GifWord)width, (GifWord)height, 8, 0, map) == GIF_OK;
    // The NETSCAPE2.0 application block: loop forever.
    static const GifByteType loop[3] = {1, 0, 0};
    ok = ok && EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) == GIF_OK;
    ok = ok && EGifPutExtensionBlock(gif, 11, "NETSCAPE2.0") == GIF_OK;
    ok = ok && EGifPutExtensionBlock(gif, 3, loop) == GIF_OK;
    ok = ok && EGifPutExtensionTrailer(gif) == GIF_OK;
    for (uint32_t f = 0; ok && f < frame_count; f++) {
        GraphicsControlBlock control = {.DisposalMode = DISPOSE_DO_NOT, .UserInputFlag = false,
                                        .DelayTime = (int)delay_centiseconds, .TransparentColor = NO_TRANSPARENT_COLOR};
        GifByteType extension[4];
        EGifGCBToExtension(&control, extension);
        ok = EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, extension) == GIF_OK;
        ok = ok && EGifPutImageDesc(gif, 0, 0, (GifWord)width, (GifWord)height, false, NULL) == GIF_OK;
        const unsigned char *frame = frames + (size_t)f * width * height * 3;
        for (uint32_t y = 0; ok && y < height; y++) {
            const unsigned char *p = frame + (size_t)y * width * 3;
            for (uint32_t x = 0; x < width; x++) line[x] = palette_index(p[3 * x], p[3 * x + 1], p[3 * x + 2]);
            ok = EGifPutLine(gif, line, (int)width) == GIF_OK;
        }
    }
    int lastError = gif->Error;
    free(line);
    GifFreeMapObject(map);
    int closeError = 0;
    int closed = EGifCloseFile(gif, &closeError) == GIF_OK;
    if (!ok || !closed || buffer.failed) {
        free(buffer.data);
        cic_set_message(&sink, "%s", buffer.failed ? "out of memory" : GifErrorString(ok ? closeError : lastError));
        return buffer.failed ? CIC_ERR_NO_MEMORY : CIC_ERR_INVALID;
    }
    *out = buffer.data;
    *out_size = buffer.size;
    return CIC_OK;
}
