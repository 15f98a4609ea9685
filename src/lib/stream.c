/* stream.c - a streamed epoch's visit, and its windows read ahead. */
#define _GNU_SOURCE /* mremap */
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Pages are read into this process and moved into the mapping by mremap,
 * which only Linux has: elsewhere the steps page the mapping in. */
#if defined(__linux__) && defined(MREMAP_FIXED)
#define CAN_READ_AHEAD 1
#else
#define CAN_READ_AHEAD 0
#endif

static void block_units(const sm_stream *s, int64_t b, int64_t *first, int64_t *last)
{
    *first = b * s->block;
    *last = *first + s->block < s->n_units ? *first + s->block : s->n_units;
}

sm_status stream_init(sm_stream *s, const sm_objective *obj, const sm_dataset *ds,
                      const int64_t *units, int64_t n_units, int64_t block, sm_error *err)
{
    *s = (sm_stream){.obj = obj, .ds = ds, .n_units = n_units, .block = block > 0 ? block : 1,
                     .fd = -1, .lo = 0, .hi = -1};
    s->n_blocks = (n_units + s->block - 1) / s->block;
    s->n_windows = (s->n_blocks + STREAM_WINDOW - 1) / STREAM_WINDOW;
    s->blocks = malloc((size_t)(s->n_blocks + 1) * sizeof *s->blocks);
    s->window_end = malloc((size_t)(s->n_windows + 1) * sizeof *s->window_end);
    s->units = malloc((size_t)(n_units + 1) * sizeof *s->units);
    s->block_span = malloc((size_t)(s->n_blocks + 1) * sizeof *s->block_span);
    if (!s->blocks || !s->window_end || !s->units || !s->block_span) {
        stream_free(s);
        return sm_fail(err, SM_EFAIL, "out of memory for the blocks of %s", ds->source);
    }
    memcpy(s->units, units, (size_t)n_units * sizeof *units);
    for (int64_t b = 0; b < s->n_blocks && ds->row_ptr; b++) {
        int64_t u0, u1, r0, r1, unused;
        block_units(s, b, &u0, &u1);
        objective_unit_rows(obj, ds, s->units[u0], &r0, &unused);
        objective_unit_rows(obj, ds, s->units[u1 - 1], &unused, &r1);
        int64_t *span = s->block_span[b];
        span[0] = r0;
        span[1] = r1;
        span[2] = ds->row_ptr[r0];
        span[3] = ds->row_ptr[r1];
        span[4] = ds->col_ptr ? ds->col_ptr[r0] : span[2];
        span[5] = ds->col_ptr ? ds->col_ptr[r1] : span[3];
    }
    /* The file as it was checked (its size) and is now (its modification
     * time): a change while the epochs read it is an error. */
    struct stat st;
    if (CAN_READ_AHEAD && ds->mapping && fstat(ds->mapping_fd, &st) == 0) {
        s->fd = ds->mapping_fd;
        s->file_size = ds->mapping_len;
        s->mtime_sec = (int64_t)st.st_mtim.tv_sec;
        s->mtime_nsec = (int64_t)st.st_mtim.tv_nsec;
        posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL); /* (larger read-ahead) */
    }
    return SM_OK;
}

void stream_free(sm_stream *s)
{
    stream_end(s);
    free(s->blocks);
    free(s->window_end);
    free(s->units);
    free(s->block_span);
    free(s->slot);
    s->slot = NULL;
    s->cap = 0;
    s->blocks = s->window_end = s->units = NULL;
    s->block_span = NULL;
}

/* ---- the pages of a window ---- */

static uint64_t page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (uint64_t)p : 4096;
}

/* Add the whole pages of the array bytes [p, p + bytes) to slot, when they
 * lie in the mapping (an array replaced by a copy in memory is not read). */
static void add_range(const sm_stream *s, stream_slot *slot, const void *p, uint64_t bytes)
{
    if (!bytes || !dataset_in_mapping(s->ds, p))
        return;
    uint64_t page = page_size(), at = (uint64_t)((const char *)p - (const char *)s->ds->mapping);
    uint64_t start = at / page * page, end = (at + bytes + page - 1) / page * page;
    slot->range[slot->n++] = (stream_range){start, end - start};
}

/* The ranges of window w, sorted, those that touch merged. */
static void window_ranges(const sm_stream *s, int64_t w, stream_slot *slot)
{
    const sm_dataset *ds = s->ds;
    slot->n = 0;
    for (int64_t i = w * STREAM_WINDOW; i < s->n_blocks && i < (w + 1) * STREAM_WINDOW; i++) {
        const int64_t *span = s->block_span[s->blocks[i]];
        int64_t r0 = span[0], r1 = span[1], k0 = span[2], k1 = span[3], c0 = span[4], c1 = span[5];
        add_range(s, slot, ds->row_ptr + r0, (uint64_t)(r1 - r0 + 1) * sizeof *ds->row_ptr);
        if (ds->col_ptr)
            add_range(s, slot, ds->col_ptr + r0, (uint64_t)(r1 - r0 + 1) * sizeof *ds->col_ptr);
        add_range(s, slot, ds->col + c0, (uint64_t)(c1 - c0) * sizeof *ds->col);
        add_range(s, slot, ds->val + k0, (uint64_t)(k1 - k0) * sizeof *ds->val);
    }
    for (int i = 1; i < slot->n; i++) /* (a dozen at most) */
        for (int j = i; j > 0 && slot->range[j - 1].start > slot->range[j].start; j--) {
            stream_range t = slot->range[j];
            slot->range[j] = slot->range[j - 1];
            slot->range[j - 1] = t;
        }
    int n = 0;
    for (int i = 0; i < slot->n; i++) {
        stream_range *last = n ? &slot->range[n - 1] : NULL;
        if (last && slot->range[i].start <= last->start + last->len) {
            uint64_t end = slot->range[i].start + slot->range[i].len;
            if (end > last->start + last->len)
                last->len = end - last->start;
        } else
            slot->range[n++] = slot->range[i];
    }
    slot->n = n;
}

#if CAN_READ_AHEAD
/* Read range r of the file into fresh memory and move it into the mapping
 * at the same place: the same bytes, now in this process. 0, or the errno
 * (-1: the file ends early); *at: where. */
static int read_range(const sm_stream *s, stream_range r, uint64_t *at)
{
    /* (populated in one call: a page fault each costs more, in a VM most) */
    char *buf = mmap(NULL, r.len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                     -1, 0);
    if (buf == MAP_FAILED) {
        *at = r.start;
        return errno;
    }
    /* (the last page of the mapping runs past the end of the file: zeros,
     * as the mapping shows them) */
    uint64_t want = r.start + r.len < s->file_size ? r.len : s->file_size - r.start;
    uint64_t done = 0;
    int e = 0;
    while (done < want && !e) {
        ssize_t got = pread(s->fd, buf + done, (size_t)(want - done), (off_t)(r.start + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            e = got < 0 ? errno : -1;
        else
            done += (uint64_t)got;
    }
    void *to = (char *)s->ds->mapping + r.start;
    /* (left writable: a protection change would cost another TLB flush on
     * every core; nothing writes to the data) */
    if (!e && mremap(buf, r.len, r.len, MREMAP_MAYMOVE | MREMAP_FIXED, to) == MAP_FAILED)
        e = errno;
    if (e) {
        munmap(buf, r.len);
        *at = r.start + done;
        return e;
    }
    /* The bytes are this process's now: the file's pages may leave the
     * page cache (which counts in a memory cgroup). */
    posix_fadvise(s->fd, (off_t)r.start, (off_t)r.len, POSIX_FADV_DONTNEED);
    return 0;
}

/* Give range r back to the file: its pages are mapped from the cache again,
 * and the memory they were read into is freed. */
static void restore_range(const sm_stream *s, uint64_t start, uint64_t end)
{
    if (start < end)
        mmap((char *)s->ds->mapping + start, end - start, PROT_READ, MAP_SHARED | MAP_FIXED,
             s->fd, (off_t)start);
}
#endif

static stream_slot *slot_of(const sm_stream *s, int64_t w)
{
    return &s->slot[w % s->cap];
}

/* Read the ranges of window hi + 1 (on the reader thread, or the caller's),
 * then check that the file is still the one the epochs began with. Nothing
 * else changes s meanwhile. */
static void *read_slot(void *arg)
{
    const sm_stream *s = arg;
    stream_slot *slot = slot_of(s, s->hi + 1);
#if CAN_READ_AHEAD
    for (int i = 0; i < slot->n && !slot->read_errno; i++)
        slot->read_errno = read_range(s, slot->range[i], &slot->failed_at);
    struct stat st;
    if (!slot->read_errno &&
        (fstat(s->fd, &st) != 0 || (uint64_t)st.st_size != s->file_size ||
         (int64_t)st.st_mtim.tv_sec != s->mtime_sec ||
         (int64_t)st.st_mtim.tv_nsec != s->mtime_nsec)) {
        slot->read_errno = -1;
        slot->failed_at = (uint64_t)st.st_size < s->file_size ? (uint64_t)st.st_size : 0;
    }
#else
    (void)slot;
#endif
    return NULL;
}

/* Room in the ring of slots for `need` windows at once. 0: no memory. */
static int make_room(sm_stream *s, int64_t need)
{
    if (need <= s->cap)
        return 1;
    int64_t cap = 2 * need;
    stream_slot *slot = calloc((size_t)cap, sizeof *slot);
    if (!slot)
        return 0;
    for (int64_t w = s->lo; w <= s->hi; w++)
        slot[w % cap] = *slot_of(s, w);
    free(s->slot);
    s->slot = slot;
    s->cap = cap;
    return 1;
}

/* Start reading window hi + 1 (on the reader thread; in place when no
 * thread can be started). 0: no memory for it. */
static int start_reading(sm_stream *s)
{
    int64_t w = s->hi + 1;
    if (!make_room(s, w - s->lo + 1))
        return 0;
    stream_slot *slot = slot_of(s, w);
    window_ranges(s, w, slot);
    slot->read_errno = 0;
    s->reading = 1;
    s->threaded = pthread_create(&s->reader, NULL, read_slot, s) == 0;
    if (!s->threaded)
        read_slot(s);
    return 1;
}

/* Wait for the window being read, which joins those in memory; SM_EDATA
 * when its reading failed. */
static sm_status finish_reading(sm_stream *s, sm_error *err)
{
    if (s->threaded)
        pthread_join(s->reader, NULL);
    s->reading = s->threaded = 0;
    const stream_slot *slot = slot_of(s, ++s->hi);
    if (!slot->read_errno)
        return SM_OK;
    if (slot->read_errno > 0)
        return sm_fail(err, slot->read_errno == ENOMEM ? SM_EFAIL : SM_EIO,
                       "%s: reading its cache at byte %llu: %s", s->ds->source,
                       (unsigned long long)slot->failed_at, strerror(slot->read_errno));
    return sm_fail(err, SM_EDATA, "%s: the cache was truncated or changed while it was read "
                   "(at byte %llu of %llu); stopped", s->ds->source,
                   (unsigned long long)slot->failed_at, (unsigned long long)s->file_size);
}

#if CAN_READ_AHEAD
/* The pages of the windows after w in memory or being read that meet
 * [start, end), sorted; -1: more than cap of them. */
static int kept_ranges(const sm_stream *s, int64_t w, uint64_t start, uint64_t end,
                       stream_range *kept, int cap)
{
    int n = 0;
    for (int64_t v = w + 1; v <= s->hi + s->reading; v++) {
        const stream_slot *slot = slot_of(s, v);
        for (int i = 0; i < slot->n; i++) {
            stream_range r = slot->range[i];
            if (r.start >= end || r.start + r.len <= start)
                continue;
            if (n == cap)
                return -1;
            int j = n++;
            for (; j > 0 && kept[j - 1].start > r.start; j--)
                kept[j] = kept[j - 1];
            kept[j] = r;
        }
    }
    return n;
}
#endif

/* Let the pages of window w go back to the file, but those of a window
 * after it in memory (a page at the edge of two windows). */
static void release(const sm_stream *s, int64_t w)
{
#if CAN_READ_AHEAD
    const stream_slot *slot = slot_of(s, w);
    for (int i = 0; i < slot->n; i++) {
        uint64_t at = slot->range[i].start, end = at + slot->range[i].len;
        stream_range kept[64];
        int n = kept_ranges(s, w, at, end, kept, 64);
        if (n < 0) /* (kept until the epoch ends: the same bytes, in memory) */
            continue;
        for (int k = 0; k < n; k++) {
            restore_range(s, at, kept[k].start > at ? kept[k].start : at);
            uint64_t k1 = kept[k].start + kept[k].len;
            at = k1 > at ? k1 : at;
        }
        restore_range(s, at < end ? at : end, end);
    }
#else
    (void)s;
    (void)w;
#endif
}

void stream_end(sm_stream *s)
{
    if (s->reading) {
        sm_error unused;
        finish_reading(s, &unused);
    }
    for (; s->lo <= s->hi; s->lo++)
        release(s, s->lo);
    s->lo = 0;
    s->hi = -1;
}

sm_status stream_at(sm_stream *s, int64_t first, int64_t last, sm_error *err)
{
    while (s->window + 1 < s->n_windows && first >= s->window_end[s->window])
        s->window++;
    if (s->fd < 0)
        return SM_OK;
    int64_t w_last = s->window;
    while (w_last + 1 < s->n_windows && last > s->window_end[w_last])
        w_last++;
    sm_status st = SM_OK;
    /* the windows before leave memory (one being read first arrives) */
    while (st == SM_OK && s->lo < s->window) {
        if (s->lo <= s->hi)
            release(s, s->lo++);
        else if (s->reading)
            st = finish_reading(s, err);
        else
            s->lo = s->window, s->hi = s->window - 1;
    }
    /* the step's windows in memory, read if need be */
    while (st == SM_OK && s->hi < w_last) {
        if (!s->reading && !start_reading(s))
            return sm_fail(err, SM_EFAIL, "%s: out of memory", s->ds->source);
        st = finish_reading(s, err);
    }
    /* and the next asked for while one window is */
    if (st == SM_OK && !s->reading && s->hi == s->lo && s->hi + 1 < s->n_windows &&
        !start_reading(s))
        st = sm_fail(err, SM_EFAIL, "%s: out of memory", s->ds->source);
    return st;
}

int64_t stream_window_end(const sm_stream *s)
{
    return s->fd < 0 ? s->n_units : s->hi >= s->lo ? s->window_end[s->hi] : 0;
}

sm_status stream_epoch(sm_stream *s, sm_rng *rng, int64_t *order, sm_error *err)
{
    stream_end(s);
    for (int64_t b = 0; b < s->n_blocks; b++)
        s->blocks[b] = b;
    rng_shuffle(rng, s->blocks, s->n_blocks);
    int64_t at = 0;
    for (int64_t i = 0; i < s->n_blocks; i++) {
        int64_t u0, u1;
        block_units(s, s->blocks[i], &u0, &u1);
        for (int64_t u = u0; u < u1; u++)
            order[at++] = s->units[u];
        if ((i + 1) % STREAM_WINDOW == 0 || i + 1 == s->n_blocks)
            s->window_end[i / STREAM_WINDOW] = at;
    }
    for (int64_t w = 0; w < s->n_windows; w++) {
        int64_t start = w ? s->window_end[w - 1] : 0;
        rng_shuffle(rng, order + start, s->window_end[w] - start);
    }
    s->window = 0;
    return stream_at(s, 0, 0, err);
}
