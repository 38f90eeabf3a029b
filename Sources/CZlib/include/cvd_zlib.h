// gzip inflate and deflate for the data loaders, through the system zlib: whole buffers in,
// inflated into a buffer the caller sized (or only counted), with a hard cap on the inflated size
// so a hostile file cannot exhaust memory.
#ifndef CVD_ZLIB_H
#define CVD_ZLIB_H

#include <stddef.h>
#include <stdint.h>

/// Outcome of cvd_gunzip_into.
enum {
    CVD_GZ_OK = 0,         // every gzip member inflated completely, output fits the cap
    CVD_GZ_TRUNCATED = 1,  // the input ended inside a member (file cut short)
    CVD_GZ_CORRUPT = 2,    // not gzip data, bad checksum or bad deflate stream; *message says which
    CVD_GZ_OVER_CAP = 3,   // the data inflate to more than `cap` bytes; dst holds the first `cap`
    CVD_GZ_NO_MEMORY = 4
};

/// Inflates the gzip data src[0..<src_len] (one or more concatenated members) into dst[0..<cap],
/// stopping as soon as the output would exceed `cap` bytes (CVD_GZ_OVER_CAP, dst full), so a
/// hostile file costs at most `cap` bytes of memory and the time to inflate them. With dst NULL
/// the output is only counted (through a small scratch buffer): a size check that allocates
/// nothing. *out_len is the number of bytes produced (at most cap), *in_used the compressed
/// bytes consumed; on CVD_GZ_CORRUPT, *message points at zlib's static description (or NULL).
int cvd_gunzip_into(const uint8_t *src, size_t src_len, uint8_t *dst, size_t cap,
                    size_t *out_len, size_t *in_used, const char **message);

/// Compresses src into one gzip member (no file name, mtime 0, so equal input gives equal bytes)
/// at `level` (1–9). Returns CVD_GZ_OK or CVD_GZ_NO_MEMORY; free *out with free().
int cvd_gzip(const uint8_t *src, size_t src_len, int level, uint8_t **out, size_t *out_len);

/// Frees a buffer returned by cvd_gzip.
void cvd_gz_free(void *p);

#endif
