// gzip inflate and deflate for the data loaders, through the system zlib: whole buffers in,
// whole buffers out, with a hard cap on the inflated size so a hostile file cannot exhaust memory.
#ifndef CVD_ZLIB_H
#define CVD_ZLIB_H

#include <stddef.h>
#include <stdint.h>

/// Outcome of cvd_gunzip.
enum {
    CVD_GZ_OK = 0,         // every gzip member inflated completely, output fits the cap
    CVD_GZ_TRUNCATED = 1,  // the input ended inside a member (file cut short)
    CVD_GZ_CORRUPT = 2,    // not gzip data, bad checksum or bad deflate stream; *message says which
    CVD_GZ_OVER_CAP = 3,   // the data inflate to more than `cap` bytes; *out holds the first `cap`
    CVD_GZ_NO_MEMORY = 4
};

/// Inflates the gzip data src[0..<src_len] (one or more concatenated members) into a buffer it
/// allocates with malloc, growing it as output arrives but never beyond `cap` bytes. On return
/// *out (free it with free(), may be NULL when nothing was produced) holds *out_len bytes; on
/// CVD_GZ_CORRUPT, *message points at zlib's static description (or NULL).
int cvd_gunzip(const uint8_t *src, size_t src_len, size_t cap,
               uint8_t **out, size_t *out_len, const char **message);

/// Compresses src into one gzip member (no file name, mtime 0, so equal input gives equal bytes)
/// at `level` (1–9). Returns CVD_GZ_OK or CVD_GZ_NO_MEMORY; free *out with free().
int cvd_gzip(const uint8_t *src, size_t src_len, int level, uint8_t **out, size_t *out_len);

/// Frees a buffer returned by cvd_gunzip or cvd_gzip.
void cvd_gz_free(void *p);

#endif
