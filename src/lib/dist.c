/* dist.c - the group of ranks over MPI (SM_MPI), or the lone process. */
#include "dist.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef SM_MPI
#include <mpi.h>
#endif

int dist_expand_path(const sm_dist *d, const char *path, char *buf, size_t size)
{
    size_t o = 0;
    int found = 0;
    for (const char *p = path; *p; p++) {
        char num[16];
        const char *piece = p;
        size_t len = 1;
        if (p[0] == '%' && p[1] == 'r') {
            snprintf(num, sizeof num, "%d", dist_rank(d));
            piece = num;
            len = strlen(num);
            found = 1;
            p++;
        }
        if (o + len >= size)
            return -1;
        memcpy(buf + o, piece, len);
        o += len;
    }
    if (size == 0)
        return -1;
    buf[o] = '\0';
    return found;
}

#ifndef SM_MPI

int dist_compiled(void) { return 0; }

sm_status dist_open(sm_dist *d, int *argc, char ***argv, sm_error *err)
{
    (void)argc, (void)argv, (void)err;
    *d = (sm_dist){.rank = 0, .size = 1};
    return SM_OK;
}

void dist_close(sm_dist *d) { (void)d; }

sm_status dist_sum(sm_dist *d, double *x, int64_t n, sm_error *err)
{
    (void)d, (void)x, (void)n, (void)err;
    return SM_OK;
}

sm_status dist_max(sm_dist *d, double *x, int64_t n, sm_error *err)
{
    (void)d, (void)x, (void)n, (void)err;
    return SM_OK;
}

sm_status dist_bcast(sm_dist *d, void *buf, size_t bytes, int root, sm_error *err)
{
    (void)d, (void)buf, (void)bytes, (void)root, (void)err;
    return SM_OK;
}

sm_status dist_allgather_i64(sm_dist *d, int64_t mine, int64_t *all, sm_error *err)
{
    (void)d, (void)err;
    all[0] = mine;
    return SM_OK;
}

static sm_status copy_out(const void *mine, int64_t n, size_t item, void **all, int64_t *total,
                          sm_error *err)
{
    *all = malloc((size_t)(n > 0 ? n : 1) * item);
    if (!*all)
        return sm_fail_nomem(err, "gathered values");
    if (n > 0)
        memcpy(*all, mine, (size_t)n * item);
    *total = n;
    return SM_OK;
}

sm_status dist_allgather_f64(sm_dist *d, const double *mine, int64_t n, double **all,
                             int64_t *total, sm_error *err)
{
    (void)d;
    return copy_out(mine, n, sizeof *mine, (void **)all, total, err);
}

sm_status dist_allgather_i32(sm_dist *d, const int32_t *mine, int64_t n, int32_t **all,
                             int64_t *total, sm_error *err)
{
    (void)d;
    return copy_out(mine, n, sizeof *mine, (void **)all, total, err);
}

sm_status dist_agree_first(sm_dist *d, sm_status st, int *first, sm_error *err)
{
    (void)d, (void)err;
    *first = st == SM_OK ? -1 : 0;
    return st;
}

#else /* SM_MPI */

int dist_compiled(void) { return 1; }

sm_status dist_open(sm_dist *d, int *argc, char ***argv, sm_error *err)
{
    int ready = 0, provided;
    *d = (sm_dist){.rank = 0, .size = 1};
    MPI_Initialized(&ready);
    /* MPI is called from the main thread only (parsing and passes use
     * threads of their own that never call it). */
    if (!ready && MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return sm_fail(err, SM_EFAIL, "MPI could not be initialised");
    d->started = !ready;
    MPI_Comm_rank(MPI_COMM_WORLD, &d->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &d->size);
    return SM_OK;
}

void dist_close(sm_dist *d)
{
    if (d->started)
        MPI_Finalize();
    d->started = 0;
}

/* MPI counts are ints: larger transfers go in pieces. */
enum { PIECE = 1 << 28 };

/* The ring's segment i of n items among p: [seg(i), seg(i + 1)). */
static int64_t seg(int64_t i, int64_t n, int p) { return i * n / p; }

static void ring_exchange(sm_dist *d, double *send, int64_t n_send, double *recv, int64_t n_recv)
{
    int right = (d->rank + 1) % d->size, left = (d->rank + d->size - 1) % d->size;
    /* One message a piece, an empty segment's too: each receive must meet
     * the send it was meant for. */
    int64_t done_s = 0, done_r = 0;
    do {
        int cs = (int)(n_send - done_s < PIECE ? n_send - done_s : PIECE);
        int cr = (int)(n_recv - done_r < PIECE ? n_recv - done_r : PIECE);
        MPI_Sendrecv(send + done_s, cs, MPI_DOUBLE, right, 7, recv + done_r, cr, MPI_DOUBLE, left,
                     7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        d->bytes_sent += (uint64_t)cs * sizeof *send;
        done_s += cs;
        done_r += cr;
    } while (done_s < n_send || done_r < n_recv);
}

/* A ring all-reduce: p - 1 steps of reduce-scatter, in which segment j
 * is added up in the order j, j+1, ..., j-1 (mod p) whatever the timing,
 * then p - 1 steps that pass the finished segments around. Each rank sends
 * 2 (p - 1) / p of the array in all. */
sm_status dist_sum(sm_dist *d, double *x, int64_t n, sm_error *err)
{
    int p = d ? d->size : 1;
    if (p < 2 || n <= 0)
        return SM_OK;
    double *tmp = malloc((size_t)(n / p + 1) * sizeof *tmp);
    if (!tmp)
        return sm_fail_nomem(err, "the gradient's sum");
    int r = d->rank;
    for (int s = 0; s < p - 1; s++) {
        int si = (r - s + p) % p, ri = (r - s - 1 + 2 * p) % p;
        int64_t sb = seg(si, n, p), se = seg(si + 1, n, p);
        int64_t rb = seg(ri, n, p), re = seg(ri + 1, n, p);
        ring_exchange(d, x + sb, se - sb, tmp, re - rb);
        for (int64_t i = 0; i < re - rb; i++)
            x[rb + i] = tmp[i] + x[rb + i];
    }
    for (int s = 0; s < p - 1; s++) {
        int si = (r + 1 - s + p) % p, ri = (r - s + p) % p;
        int64_t sb = seg(si, n, p), se = seg(si + 1, n, p);
        int64_t rb = seg(ri, n, p), re = seg(ri + 1, n, p);
        ring_exchange(d, x + sb, se - sb, tmp, re - rb);
        memcpy(x + rb, tmp, (size_t)(re - rb) * sizeof *tmp);
    }
    free(tmp);
    return SM_OK;
}

sm_status dist_max(sm_dist *d, double *x, int64_t n, sm_error *err)
{
    (void)err;
    if (!dist_many(d))
        return SM_OK;
    for (int64_t done = 0; done < n; done += PIECE) {
        int c = (int)(n - done < PIECE ? n - done : PIECE);
        MPI_Allreduce(MPI_IN_PLACE, x + done, c, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        d->bytes_sent += (uint64_t)c * sizeof *x;
    }
    return SM_OK;
}

sm_status dist_bcast(sm_dist *d, void *buf, size_t bytes, int root, sm_error *err)
{
    (void)err;
    if (!dist_many(d))
        return SM_OK;
    for (size_t done = 0; done < bytes; done += PIECE) {
        int c = (int)(bytes - done < PIECE ? bytes - done : PIECE);
        MPI_Bcast((char *)buf + done, c, MPI_BYTE, root, MPI_COMM_WORLD);
        if (d->rank == root)
            d->bytes_sent += (uint64_t)c;
    }
    return SM_OK;
}

sm_status dist_allgather_i64(sm_dist *d, int64_t mine, int64_t *all, sm_error *err)
{
    (void)err;
    all[0] = mine;
    if (!dist_many(d))
        return SM_OK;
    long long m = mine, *got = malloc((size_t)d->size * sizeof *got);
    if (!got)
        return sm_fail_nomem(err, "gathered counts");
    MPI_Allgather(&m, 1, MPI_LONG_LONG, got, 1, MPI_LONG_LONG, MPI_COMM_WORLD);
    d->bytes_sent += sizeof m;
    for (int r = 0; r < d->size; r++)
        all[r] = got[r];
    free(got);
    return SM_OK;
}

static sm_status allgather_items(sm_dist *d, const void *mine, int64_t n, size_t item,
                                 MPI_Datatype type, void **all, int64_t *total, sm_error *err)
{
    int p = dist_size(d);
    int64_t *counts = malloc((size_t)p * sizeof *counts);
    int *cnt = malloc((size_t)p * sizeof *cnt), *displ = malloc((size_t)p * sizeof *displ);
    sm_status st = counts && cnt && displ ? SM_OK : sm_fail_nomem(err, "gathered values");
    if (st == SM_OK)
        st = dist_allgather_i64(d, n, counts, err);
    int64_t sum = 0;
    for (int r = 0; st == SM_OK && r < p; r++) {
        if (sum + counts[r] > INT_MAX)
            st = sm_fail(err, SM_EFAIL, "over %d values to gather from the ranks", INT_MAX);
        displ[r] = (int)sum;
        cnt[r] = (int)counts[r];
        sum += counts[r];
    }
    *all = NULL;
    if (st == SM_OK && !(*all = malloc((size_t)(sum > 0 ? sum : 1) * item)))
        st = sm_fail_nomem(err, "gathered values");
    if (st == SM_OK) {
        if (p > 1)
            MPI_Allgatherv(mine, (int)n, type, *all, cnt, displ, type, MPI_COMM_WORLD);
        else if (n > 0)
            memcpy(*all, mine, (size_t)n * item);
        if (d)
            d->bytes_sent += (uint64_t)n * item;
        *total = sum;
    }
    free(counts);
    free(cnt);
    free(displ);
    return st;
}

sm_status dist_allgather_f64(sm_dist *d, const double *mine, int64_t n, double **all,
                             int64_t *total, sm_error *err)
{
    return allgather_items(d, mine, n, sizeof *mine, MPI_DOUBLE, (void **)all, total, err);
}

sm_status dist_allgather_i32(sm_dist *d, const int32_t *mine, int64_t n, int32_t **all,
                             int64_t *total, sm_error *err)
{
    return allgather_items(d, mine, n, sizeof *mine, MPI_INT32_T, (void **)all, total, err);
}

sm_status dist_agree_first(sm_dist *d, sm_status st, int *first_rank, sm_error *err)
{
    *first_rank = st == SM_OK ? -1 : 0;
    if (!dist_many(d))
        return st;
    int mine = (int)st, *all = malloc((size_t)d->size * sizeof *all);
    if (!all) /* without room to agree, no rank can go on safely */
        MPI_Abort(MPI_COMM_WORLD, SM_EFAIL);
    MPI_Allgather(&mine, 1, MPI_INT, all, 1, MPI_INT, MPI_COMM_WORLD);
    int first = -1;
    for (int r = 0; r < d->size && first < 0; r++)
        if (all[r] != SM_OK)
            first = r;
    free(all);
    *first_rank = first;
    if (first < 0)
        return SM_OK;
    sm_error local;
    sm_error *e = err ? err : &local;
    if (d->rank == first && st == SM_OK)
        e->msg[0] = '\0';
    MPI_Bcast(e->msg, SM_ERROR_MSG_MAX, MPI_CHAR, first, MPI_COMM_WORLD);
    e->msg[SM_ERROR_MSG_MAX - 1] = '\0';
    MPI_Bcast(&mine, 1, MPI_INT, first, MPI_COMM_WORLD);
    e->status = (sm_status)mine;
    return (sm_status)mine;
}

#endif

sm_status dist_agree(sm_dist *d, sm_status st, sm_error *err)
{
    int first;
    return dist_agree_first(d, st, &first, err);
}
