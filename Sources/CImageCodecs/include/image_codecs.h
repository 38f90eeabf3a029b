// C shim between the ImageFiles module and libpng / libjpeg: decodes from and encodes to memory
// buffers, turning every codec error (libpng's longjmp, libjpeg's error_exit) into a status code
// and a message, so a bad file becomes a Swift error instead of ending the process.
#ifndef CVD_IMAGE_CODECS_H
#define CVD_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Status codes of every cic_* function; the message buffer says more.
enum {
    CIC_OK = 0,
    CIC_ERR_CORRUPT = 1,      ///< malformed data (bad signature, CRC, Huffman code, ...)
    CIC_ERR_TRUNCATED = 2,    ///< the data ended before the image did
    CIC_ERR_TOO_LARGE = 3,    ///< the header declares more pixels than allowed; width/height/channels are set
    CIC_ERR_UNSUPPORTED = 4,  ///< valid but not handled (CMYK JPEG, ...)
    CIC_ERR_NO_MEMORY = 5,    ///< an allocation failed
    CIC_ERR_INVALID = 6       ///< bad arguments from the caller (encoders)
};

/// A decoded image: 8-bit samples, interleaved, row-major. `pixels` is malloc'ed; release it with
/// cic_free. On CIC_ERR_TOO_LARGE the dimensions are filled in and `pixels` is NULL.
typedef struct cic_image {
    unsigned char *pixels;
    uint32_t width;
    uint32_t height;
    uint32_t channels;
} cic_image;

/// Decodes a PNG of any color type, bit depth and interlacing into 1 (gray), 2 (gray+alpha),
/// 3 (RGB) or 4 (RGBA) 8-bit channels. Palette images become RGB, or RGBA when they carry tRNS;
/// tRNS on gray/RGB images adds an alpha channel; 16-bit samples are scaled to 8 bits.
/// Fails with CIC_ERR_TOO_LARGE before allocating pixels when width × height > max_pixels.
int cic_png_decode(const unsigned char *data, size_t size, uint64_t max_pixels,
                   cic_image *out, char *message, size_t message_capacity);

/// Decodes a baseline or progressive JPEG into 1 (gray) or 3 (RGB) channels; CMYK/YCCK images
/// fail with CIC_ERR_UNSUPPORTED. Truncated data and damaged entropy-coded data fail (libjpeg only
/// warns about them and fills the rest of the image with gray).
int cic_jpeg_decode(const unsigned char *data, size_t size, uint64_t max_pixels,
                    cic_image *out, char *message, size_t message_capacity);

/// Encodes 8-bit interleaved pixels with 1 to 4 channels as a PNG. `*out` is malloc'ed; release it
/// with cic_free.
int cic_png_encode(const unsigned char *pixels, uint32_t width, uint32_t height, uint32_t channels,
                   unsigned char **out, size_t *out_size, char *message, size_t message_capacity);

/// Encodes 8-bit interleaved gray (1 channel) or RGB (3 channels) pixels as a baseline JPEG at
/// `quality` (clamped to 1...100; full-resolution chroma from 90 up, 4:2:0 below). `*out` is
/// malloc'ed; release it with cic_free.
int cic_jpeg_encode(const unsigned char *pixels, uint32_t width, uint32_t height, uint32_t channels,
                    int quality, unsigned char **out, size_t *out_size, char *message, size_t message_capacity);

/// Encodes `frame_count` RGB frames of `width` × `height` (consecutive, interleaved 8-bit) as an
/// animated GIF that loops forever, each frame shown `delay_centiseconds`, through giflib, on a
/// fixed palette (6×6×6 colour cube and 40 grays). `*out` is malloc'ed; release it with cic_free.
int cic_gif_encode_animation(const unsigned char *frames, uint32_t width, uint32_t height, uint32_t frame_count,
                             uint32_t delay_centiseconds, unsigned char **out, size_t *out_size,
                             char *message, size_t message_capacity);

/// Releases a buffer returned by this shim.
void cic_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
