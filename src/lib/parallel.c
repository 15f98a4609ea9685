#include "parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

int parallel_threads(int requested)
{
    long n = requested > 0 ? requested : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    return n > PARALLEL_MAX_THREADS ? PARALLEL_MAX_THREADS : (int)n;
}

int parallel_workers(int requested, int64_t n_chunks)
{
    int n = parallel_threads(requested);
    return n > n_chunks ? (n_chunks > 0 ? (int)n_chunks : 1) : n;
}

typedef struct {
    parallel_fn fn;
    void *ctx;
    int64_t n_chunks;
    atomic_llong next; /* the next chunk nobody has taken */
} job;

typedef struct {
    job *job;
    int worker;
} worker_arg;

/* Chunks are taken one at a time from a shared counter, so a slow thread
 * (or one the system descheduled) holds up the others by one chunk at most. */
static void run_chunks(job *j, int worker)
{
    for (;;) {
        long long c = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (c >= j->n_chunks)
            return;
        j->fn(j->ctx, (int64_t)c, worker);
    }
}

static void *worker_main(void *arg)
{
    worker_arg *a = arg;
    run_chunks(a->job, a->worker);
    return NULL;
}

void parallel_for(int threads, int64_t n_chunks, parallel_fn fn, void *ctx)
{
    job j = {.fn = fn, .ctx = ctx, .n_chunks = n_chunks};
    atomic_init(&j.next, 0);
    int n = parallel_workers(threads, n_chunks);
    pthread_t tid[PARALLEL_MAX_THREADS];
    worker_arg arg[PARALLEL_MAX_THREADS];
    int started = 0;
    for (int w = 1; w < n; w++) {
        arg[started] = (worker_arg){&j, w};
        if (pthread_create(&tid[started], NULL, worker_main, &arg[started]) != 0)
            break;
        started++;
    }
    run_chunks(&j, 0);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
}
