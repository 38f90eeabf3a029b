// A small pool of worker threads for Parallel.forEachChunk: the caller and threads − 1 workers take
// chunks from a shared counter. Between jobs a worker spins for a short while (a training step
// starts a new parallel loop every few tens of microseconds) and then sleeps on a condition
// variable, so an idle program costs nothing. Waking a sleeping thread per loop, as a general
// queue does, cost the small networks a sixth of their time in the kernel's scheduler.
//
// Protocol: one job at a time (a flag taken by compare-and-swap; a second caller, or a call from
// inside a chunk, gets 0 back and runs the loop another way). The job lives on the caller's stack;
// it is published by a pointer and a generation count, every worker takes part in every job and
// acknowledges it, and the caller returns only when all have, so no worker ever reads a stale job.
#include "tensor_kernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sched.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

enum { MAX_WORKERS = 255 };
// How long an idle worker spins before it sleeps.
static const long SPIN_NANOSECONDS = 200000;

typedef struct {
    tk_chunk_fn fn;
    void *ctx;
    long chunks;
    _Atomic long next;
    _Atomic int acks;
} job_t;

static _Atomic(job_t *) current_job;
static _Atomic uint64_t generation;
static _Atomic int sleeping;
static _Atomic int quitting;
static _Atomic int busy;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_t workers[MAX_WORKERS];
static int worker_count = 0;
// The generation when the workers were started (no job runs while they start).
static uint64_t spawn_generation = 0;
static _Thread_local int inside_pool = 0;

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000000000L + t.tv_nsec;
}

static void run_chunks(job_t *job) {
    long c;
    while ((c = atomic_fetch_add(&job->next, 1)) < job->chunks) job->fn(job->ctx, c);
}

static void *worker_main(void *arg) {
    (void)arg;
    inside_pool = 1;
    tk_flush_denormals();
    uint64_t seen = spawn_generation;
    for (;;) {
        // Wait for the next generation: spin, then sleep.
        long start = now_ns();
        int spins = 0;
        while (atomic_load(&generation) == seen && !atomic_load(&quitting)) {
            CPU_RELAX();
            if (++spins % 256 == 0 && now_ns() - start > SPIN_NANOSECONDS) {
                pthread_mutex_lock(&lock);
                atomic_fetch_add(&sleeping, 1);
                while (atomic_load(&generation) == seen && !atomic_load(&quitting)) pthread_cond_wait(&wake, &lock);
                atomic_fetch_sub(&sleeping, 1);
                pthread_mutex_unlock(&lock);
                break;
            }
        }
        if (atomic_load(&quitting)) return NULL;
        seen = atomic_load(&generation);
        job_t *job = atomic_load(&current_job);
        run_chunks(job);
        atomic_fetch_add(&job->acks, 1);
    }
}

// Stops every worker (no job is running: the caller holds `busy`).
static void stop_workers(void) {
    atomic_store(&quitting, 1);
    pthread_mutex_lock(&lock);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
    for (int i = 0; i < worker_count; i++) pthread_join(workers[i], NULL);
    worker_count = 0;
    atomic_store(&quitting, 0);
}

// Makes the pool hold `n` workers; returns 0 when threads cannot be created.
static int resize(int n) {
    if (n == worker_count) return 1;
    stop_workers();
    spawn_generation = atomic_load(&generation);
    for (int i = 0; i < n; i++) {
        if (pthread_create(&workers[i], NULL, worker_main, NULL) != 0) {
            stop_workers();
            return 0;
        }
        worker_count = i + 1;
    }
    return 1;
}

int tk_parallel_run(long chunks, int threads, tk_chunk_fn fn, void *ctx) {
    if (inside_pool) return 0;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&busy, &expected, 1)) return 0;
    int want = threads - 1;
    if (want > MAX_WORKERS) want = MAX_WORKERS;
    if (want < 1 || !resize(want)) {
        atomic_store(&busy, 0);
        return 0;
    }
    job_t job = {.fn = fn, .ctx = ctx, .chunks = chunks};
    atomic_store(&job.next, 0);
    atomic_store(&job.acks, 0);
    atomic_store(&current_job, &job);
    atomic_fetch_add(&generation, 1);
    if (atomic_load(&sleeping) > 0) {
        pthread_mutex_lock(&lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&lock);
    }
    inside_pool = 1;
    run_chunks(&job);
    inside_pool = 0;
    // Wait until every worker is done with the job (a descheduled worker gets the core back).
    int spins = 0;
    while (atomic_load(&job.acks) < worker_count) {
        CPU_RELAX();
        if (++spins % 4096 == 0) sched_yield();
    }
    atomic_store(&busy, 0);
    return 1;
}
