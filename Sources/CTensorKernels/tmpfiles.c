// Temporary files of the atomic writer that are still being written, so that a SIGINT/SIGTERM
// handler can remove them (with async-signal-safe calls only) before the process exits.
#include "tensor_kernels.h"

#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

enum { SLOTS = 32, PATH_BYTES = 4096 };

static atomic_int used[SLOTS];
static char paths[SLOTS][PATH_BYTES];

int tk_tmp_register(const char *path) {
    size_t n = strlen(path);
    if (n >= PATH_BYTES) return -1;
    for (int i = 0; i < SLOTS; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&used[i], &expected, 1)) {
            memcpy(paths[i], path, n + 1);
            atomic_store(&used[i], 2);  // 2: path complete, safe to unlink
            return i;
        }
    }
    return -1;  // all slots busy: the file is still written atomically, only not cleaned on a signal
}

void tk_tmp_unregister(int slot) {
    if (slot >= 0 && slot < SLOTS) atomic_store(&used[slot], 0);
}

void tk_tmp_unlink_all(void) {
    for (int i = 0; i < SLOTS; i++)
        if (atomic_load(&used[i]) == 2) unlink(paths[i]);
}
