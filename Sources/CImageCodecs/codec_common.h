// Helpers shared by the PNG and JPEG halves of the shim: the status/message sink that the codec
// error handlers fill before they jump back to the decode or encode call.
#ifndef CVD_CODEC_COMMON_H
#define CVD_CODEC_COMMON_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "image_codecs.h"

/// Where an error handler leaves the outcome; lives in heap-allocated state (not in a local that
/// changes between setjmp and longjmp, whose value the C standard leaves indeterminate).
typedef struct cic_error_sink {
    int status;
    char *message;
    size_t capacity;
} cic_error_sink;

static inline void cic_set_message(cic_error_sink *sink, const char *format, ...) {
    if (sink->message == NULL || sink->capacity == 0) return;
    va_list args;
    va_start(args, format);
    vsnprintf(sink->message, sink->capacity, format, args);
    va_end(args);
}

/// Clears the caller's message buffer and returns a sink that writes into it.
static inline cic_error_sink cic_sink(char *message, size_t capacity) {
    if (message && capacity) message[0] = 0;
    cic_error_sink sink = {CIC_OK, message, capacity};
    return sink;
}

/// Zeroed memory for a codec's state (zeroed so that cleanup can tell what was created); on
/// failure the sink says so and the caller returns CIC_ERR_NO_MEMORY.
static inline void *cic_allocate_state(size_t size, cic_error_sink *sink) {
    void *state = calloc(1, size);
    if (!state) cic_set_message(sink, "out of memory");
    return state;
}

/// Records `status` unless an earlier, more specific status (truncation, size limit) is set.
static inline void cic_fail(cic_error_sink *sink, int status) {
    if (sink->status == CIC_OK) sink->status = status;
}

#endif
