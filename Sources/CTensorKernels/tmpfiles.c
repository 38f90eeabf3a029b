// Temporary files of the atomic writer that are still being written, so that a SIGINT/SIGTERM
// handler can remove them (with async-signal-safe calls only) before the process exits; and the
// atomic swap of two folders that output folders are committed with.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tensor_kernels.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
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

/* Folders being written (staging folders of output folders), removed with their files. */
enum { DIR_SLOTS = 8 };
static atomic_int dir_used[DIR_SLOTS];
static char dir_paths[DIR_SLOTS][PATH_BYTES];

int tk_dir_register(const char *path) {
    size_t n = strlen(path);
    if (n >= PATH_BYTES) return -1;
    for (int i = 0; i < DIR_SLOTS; i++) {
        int expected = 0;
        if (atomic_compare_exchange_strong(&dir_used[i], &expected, 1)) {
            memcpy(dir_paths[i], path, n + 1);
            atomic_store(&dir_used[i], 2);
            return i;
        }
    }
    return -1;
}

void tk_dir_unregister(int slot) {
    if (slot >= 0 && slot < DIR_SLOTS) atomic_store(&dir_used[slot], 0);
}

/* Removes the entries of the open folder `fd` (recursing at most `depth` levels) with raw system
   calls only (getdents64, unlinkat, openat, close): safe in a signal handler. */
struct linux_dirent64_view { unsigned long long ino; long long off; unsigned short reclen; unsigned char type; char name[]; };
static void remove_entries(int fd, int depth) {
#if defined(__linux__) && defined(SYS_getdents64)
    static char buffers[4][4096];
    if (depth < 0 || depth > 3) return;
    char *buf = buffers[depth];
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buffers[0]);
        if (n <= 0) break;
        for (long off = 0; off < n;) {
            struct linux_dirent64_view *d = (struct linux_dirent64_view *)(buf + off);
            off += d->reclen;
            if (d->name[0] == '.' && (d->name[1] == 0 || (d->name[1] == '.' && d->name[2] == 0))) continue;
            if (unlinkat(fd, d->name, 0) == 0) continue;
            int sub = openat(fd, d->name, O_RDONLY | O_DIRECTORY);
            if (sub >= 0) {
                remove_entries(sub, depth + 1);
                close(sub);
                unlinkat(fd, d->name, AT_REMOVEDIR);
            }
        }
    }
#else
    (void)fd; (void)depth;
#endif
}

void tk_tmp_unlink_all(void) {
    for (int i = 0; i < SLOTS; i++)
        if (atomic_load(&used[i]) == 2) unlink(paths[i]);
    for (int i = 0; i < DIR_SLOTS; i++) {
        if (atomic_load(&dir_used[i]) != 2) continue;
        int fd = open(dir_paths[i], O_RDONLY | O_DIRECTORY);
        if (fd >= 0) {
            remove_entries(fd, 0);
            close(fd);
        }
        rmdir(dir_paths[i]);
    }
}

int tk_rename_exchange(const char *a, const char *b) {
#if defined(__linux__) && defined(SYS_renameat2)
    return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 1 /* RENAME_EXCHANGE */);
#else
    (void)a; (void)b;
    errno = ENOSYS;
    return -1;
#endif
}

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif
void tk_flush_denormals(void) {
#if defined(__x86_64__) || defined(__i386__)
    _mm_setcsr(_mm_getcsr() | 0x8040);  /* FTZ (bit 15) and DAZ (bit 6) */
#elif defined(__aarch64__)
    unsigned long fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr | (1UL << 24)));
#endif
}
