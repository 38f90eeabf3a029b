// gzip inflate into a caller's buffer (or only counting) with an output cap, and deflate, over the system zlib (see cvd_zlib.h).
#include "cvd_zlib.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

// zlib counts in uInt; feed it at most this much per call so sizes beyond 4 GiB are safe.
#define CHUNK_LIMIT ((size_t)1 << 30)

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

int cvd_gunzip_into(const uint8_t *src, size_t src_len, uint8_t *dst, size_t cap,
                    size_t *out_len, size_t *in_used, const char **message) {
    *out_len = 0;
    *in_used = 0;
    *message = NULL;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    // 15 + 16: gzip wrapper only (not raw deflate or zlib), largest window.
    if (inflateInit2(&zs, 15 + 16) != Z_OK) return CVD_GZ_NO_MEMORY;

    // Without a destination the output goes to this scratch buffer and is only counted, so a
    // size check costs no memory however far the data inflate.
    uint8_t scratch[1 << 16];
    size_t produced = 0, consumed = 0;
    int status = CVD_GZ_TRUNCATED;
    int at_member_start = 0;  // true right after a member ended: the input may end cleanly here

    for (;;) {
        if (zs.avail_in == 0 && consumed < src_len) {
            size_t n = min_size(src_len - consumed, CHUNK_LIMIT);
            zs.next_in = (Bytef *)(src + consumed);
            zs.avail_in = (uInt)n;
            consumed += n;
        }
        if (zs.avail_in == 0 && consumed == src_len && at_member_start) { status = CVD_GZ_OK; break; }
        uint8_t probe;
        size_t room = cap - produced;
        if (room == 0) {
            // Full at the cap: one more byte of output means the data are too long.
            zs.next_out = &probe;
            zs.avail_out = 1;
        } else if (dst == NULL) {
            zs.next_out = scratch;
            zs.avail_out = (uInt)min_size(room, sizeof scratch);
        } else {
            zs.next_out = dst + produced;
            zs.avail_out = (uInt)min_size(room, CHUNK_LIMIT);
        }
        uInt before = zs.avail_out, input_before = zs.avail_in;
        int rc = inflate(&zs, Z_NO_FLUSH);
        size_t made = before - zs.avail_out;
        if (zs.avail_in < input_before || made > 0) at_member_start = 0;
        if (room == 0 && made > 0) { status = CVD_GZ_OVER_CAP; break; }
        produced += made;
        if (rc == Z_STREAM_END) {
            // Another member may follow (concatenated gzip files).
            at_member_start = 1;
            if (inflateReset(&zs) != Z_OK) { status = CVD_GZ_CORRUPT; break; }
            continue;
        }
        if (rc == Z_OK) continue;
        if (rc == Z_BUF_ERROR) {
            // No progress possible: the input ran out inside a member.
            if (zs.avail_in == 0 && consumed == src_len) { status = CVD_GZ_TRUNCATED; break; }
            continue;
        }
        if (rc == Z_MEM_ERROR) { status = CVD_GZ_NO_MEMORY; break; }
        *message = zs.msg;
        status = CVD_GZ_CORRUPT;
        break;
    }
    *in_used = consumed - zs.avail_in;
    inflateEnd(&zs);
    *out_len = produced;
    return status;
}

int cvd_gzip(const uint8_t *src, size_t src_len, int level, uint8_t **out, size_t *out_len) {
    *out = NULL;
    *out_len = 0;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) return CVD_GZ_NO_MEMORY;
    gz_header header;
    memset(&header, 0, sizeof header);
    header.os = 3;  // Unix, as gzip(1) writes it
    deflateSetHeader(&zs, &header);
    size_t capacity = deflateBound(&zs, src_len > ULONG_MAX ? ULONG_MAX : (uLong)src_len) + 64;
    uint8_t *buffer = malloc(capacity);
    if (buffer == NULL) { deflateEnd(&zs); return CVD_GZ_NO_MEMORY; }
    size_t consumed = 0, produced = 0;
    int rc;
    do {
        if (zs.avail_in == 0 && consumed < src_len) {
            size_t n = min_size(src_len - consumed, CHUNK_LIMIT);
            zs.next_in = (Bytef *)(src + consumed);
            zs.avail_in = (uInt)n;
            consumed += n;
        }
        if (produced == capacity) {
            uint8_t *bigger = realloc(buffer, capacity * 2);
            if (bigger == NULL) { free(buffer); deflateEnd(&zs); return CVD_GZ_NO_MEMORY; }
            buffer = bigger;
            capacity *= 2;
        }
        zs.next_out = buffer + produced;
        zs.avail_out = (uInt)min_size(capacity - produced, CHUNK_LIMIT);
        uInt before = zs.avail_out;
        rc = deflate(&zs, consumed == src_len && zs.avail_in == 0 ? Z_FINISH : Z_NO_FLUSH);
        produced += before - zs.avail_out;
    } while (rc != Z_STREAM_END && rc != Z_STREAM_ERROR);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) { free(buffer); return CVD_GZ_NO_MEMORY; }
    *out = buffer;
    *out_len = produced;
    return CVD_GZ_OK;
}

void cvd_gz_free(void *p) { free(p); }
