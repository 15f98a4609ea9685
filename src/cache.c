/* cache.c - the binary dataset cache: check, map, or parse and write. */
#define _DEFAULT_SOURCE /* MAP_POPULATE */
#include "cache.h"
#include "parallel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_MAGIC "SMLCACHE"
/* Version 2: the source's content hash is taken over 8 MiB segments. */
enum { CACHE_VERSION = 2, ALIGN = 64, N_ARRAYS = 6 };
#define BYTE_ORDER_MARK UINT32_C(0x01020304)

typedef struct {
    char magic[8];
    uint32_t version, byte_order;
    uint64_t source_size;
    int64_t source_mtime_sec, source_mtime_nsec;
    uint64_t source_hash;
    int64_t n_rows, nnz, n_groups;
    int32_t dim, has_qid;
    uint64_t offset[N_ARRAYS], bytes[N_ARRAYS]; /* row_ptr col val label group_ptr qid */
    uint64_t file_size;
    char source[256];
    uint64_t header_hash; /* of every byte above */
} cache_header;

/* ---- hashing ---- */

/* A 64-bit hash over 32-byte stripes in four independent lanes (so the
 * multiplies pipeline), then the tail, then an avalanche. It guards against
 * edits, not adversaries. */
#define H1 UINT64_C(0x9E3779B185EBCA87)
#define H2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define H3 UINT64_C(0x165667B19E3779F9)

static inline uint64_t rotl64(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t lane_round(uint64_t acc, uint64_t word)
{
    return rotl64(acc + word * H2, 31) * H1;
}

typedef struct {
    uint64_t lane[4];
    uint64_t total;
} hasher;

static void hasher_init(hasher *h)
{
    h->lane[0] = H1 + H2;
    h->lane[1] = H2;
    h->lane[2] = 0;
    h->lane[3] = (uint64_t)0 - H1;
    h->total = 0;
}

/* Feed whole 32-byte stripes; returns how many bytes were consumed. */
static size_t hasher_stripes(hasher *h, const unsigned char *p, size_t len)
{
    size_t n = len & ~(size_t)31;
    for (size_t i = 0; i < n; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, sizeof w);
        for (int k = 0; k < 4; k++)
            h->lane[k] = lane_round(h->lane[k], w[k]);
    }
    h->total += n;
    return n;
}

static uint64_t hasher_finish(hasher *h, const unsigned char *tail, size_t len)
{
    uint64_t acc = rotl64(h->lane[0], 1) + rotl64(h->lane[1], 7) + rotl64(h->lane[2], 12) +
                   rotl64(h->lane[3], 18);
    acc ^= h->total + len;
    for (size_t i = 0; i < len; i++)
        acc = rotl64(acc ^ (tail[i] * H3), 11) * H1;
    acc ^= acc >> 33;
    acc *= H2;
    acc ^= acc >> 29;
    acc *= H3;
    return acc ^ (acc >> 32);
}

static uint64_t hash_bytes(const void *p, size_t len)
{
    hasher h;
    hasher_init(&h);
    size_t n = hasher_stripes(&h, p, len);
    return hasher_finish(&h, (const unsigned char *)p + n, len - n);
}

/* The content hash of a file: each segment of HASH_SEGMENT bytes is hashed
 * on its own, then the list of segment hashes is hashed. The segments are
 * fixed by the file, not by the threads, so any thread count gives the same
 * hash; with several threads the reading (a copy out of the page cache) and
 * the hashing of a big source take a fraction of the time. */
enum { HASH_SEGMENT = 1 << 23, HASH_BUF = 1 << 20 };

typedef struct {
    int fd;
    uint64_t size;
    uint64_t *digest;   /* per segment */
    int *read_errno;    /* per segment: 0, or the errno of a failed read */
} hash_pass;

static void hash_segment(void *ctx, int64_t seg, int worker)
{
    (void)worker;
    hash_pass *p = ctx;
    uint64_t off = (uint64_t)seg * HASH_SEGMENT;
    uint64_t end = off + HASH_SEGMENT < p->size ? off + HASH_SEGMENT : p->size;
    unsigned char *buf = malloc(HASH_BUF);
    if (!buf) {
        p->read_errno[seg] = ENOMEM;
        return;
    }
    hasher h;
    hasher_init(&h);
    size_t have = 0; /* bytes at the start of buf not yet hashed (< 32) */
    while (off < end) {
        size_t want = HASH_BUF - have < end - off ? HASH_BUF - have : (size_t)(end - off);
        ssize_t got = pread(p->fd, buf + have, want, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) { /* an error, or the file shrank: the source cannot be trusted */
            p->read_errno[seg] = got < 0 ? errno : EIO;
            free(buf);
            return;
        }
        off += (uint64_t)got;
        have += (size_t)got;
        size_t used = hasher_stripes(&h, buf, have);
        memmove(buf, buf + used, have - used);
        have -= used;
    }
    p->digest[seg] = hasher_finish(&h, buf, have);
    free(buf);
}

static sm_status hash_fd(int fd, const char *path, uint64_t size, int threads, uint64_t *hash,
                         sm_error *err)
{
    int64_t n_segments = (int64_t)((size + HASH_SEGMENT - 1) / HASH_SEGMENT);
    uint64_t *digest = calloc((size_t)n_segments + 1, sizeof *digest);
    int *read_errno = calloc((size_t)n_segments + 1, sizeof *read_errno);
    if (!digest || !read_errno) {
        free(digest);
        free(read_errno);
        return sm_fail(err, SM_EFAIL, "%s: out of memory", path);
    }
    hash_pass p = {fd, size, digest, read_errno};
    parallel_for(threads, n_segments, hash_segment, &p);
    sm_status st = SM_OK;
    for (int64_t s = 0; s < n_segments && st == SM_OK; s++)
        if (read_errno[s])
            st = read_errno[s] == ENOMEM ? sm_fail(err, SM_EFAIL, "%s: out of memory", path)
                                         : sm_fail(err, SM_EIO, "%s: read error: %s", path,
                                                   strerror(read_errno[s]));
    digest[n_segments] = size; /* the length is part of what is hashed */
    *hash = hash_bytes(digest, ((size_t)n_segments + 1) * sizeof *digest);
    free(digest);
    free(read_errno);
    return st;
}

sm_status cache_hash_file(const char *path, int threads, uint64_t *hash, sm_error *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return sm_fail(err, SM_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    sm_status s = fstat(fd, &st) != 0
                      ? sm_fail(err, SM_EIO, "%s: cannot read: %s", path, strerror(errno))
                      : hash_fd(fd, path, (uint64_t)st.st_size, threads, hash, err);
    close(fd);
    return s;
}

/* ---- the source's identity ---- */

typedef struct {
    uint64_t size;
    int64_t mtime_sec, mtime_nsec;
    uint64_t hash;
} source_id;

/* with_hash: also the content hash, on `threads` threads. */
static sm_status source_identity(const char *path, int with_hash, int threads, source_id *id,
                                 sm_error *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return sm_fail(err, SM_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (e) {
        close(fd);
        return sm_fail(err, SM_EIO, "%s: cannot read: %s", path, strerror(e));
    }
    id->size = (uint64_t)st.st_size;
    id->mtime_sec = (int64_t)st.st_mtim.tv_sec;
    id->mtime_nsec = (int64_t)st.st_mtim.tv_nsec;
    id->hash = 0;
    sm_status s = with_hash ? hash_fd(fd, path, id->size, threads, &id->hash, err) : SM_OK;
    close(fd);
    return s;
}

/* ---- reading a cache ---- */

static uint64_t header_hash_of(const cache_header *h)
{
    return hash_bytes(h, offsetof(cache_header, header_hash));
}

/* Read bytes at offset of fd into a new malloc'd array of at least
 * min_bytes (so an empty array can still be non-NULL, as the reader's are);
 * NULL when both are 0. */
static int copy_array(int fd, uint64_t offset, uint64_t bytes, uint64_t min_bytes, void **out)
{
    *out = NULL;
    if (bytes == 0 && min_bytes == 0)
        return 1;
    char *p = malloc((size_t)(bytes > min_bytes ? bytes : min_bytes));
    if (!p)
        return 0;
    *out = p;
    for (uint64_t done = 0; done < bytes;) {
        ssize_t got = pread(fd, p + done, (size_t)(bytes - done), (off_t)(offset + done));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return 0;
        done += (uint64_t)got;
    }
    return 1;
}

/* Map cache_path and check it against the source; on success fill out and
 * return 1, else 0 with the reason in why. */
static int try_map(const char *cache_path, const char *source, int threads, sm_dataset *out,
                   char *why, size_t why_cap, sm_error *err, sm_status *st)
{
    *st = SM_OK;
    int fd = open(cache_path, O_RDONLY);
    if (fd < 0) {
        snprintf(why, why_cap, errno == ENOENT ? "no cache yet" : "cache unreadable: %s",
                 strerror(errno));
        return 0;
    }
    struct stat cst;
    cache_header h;
    if (fstat(fd, &cst) != 0 || pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h ||
        memcmp(h.magic, CACHE_MAGIC, 8) != 0 || h.header_hash != header_hash_of(&h)) {
        close(fd);
        snprintf(why, why_cap, "the cache file is not a valid cache");
        return 0;
    }
    if (h.version != CACHE_VERSION || h.byte_order != BYTE_ORDER_MARK) {
        close(fd);
        snprintf(why, why_cap, "the cache has another format version or byte order");
        return 0;
    }
    if ((uint64_t)cst.st_size != h.file_size) {
        close(fd);
        snprintf(why, why_cap, "the cache file is truncated");
        return 0;
    }
    source_id id;
    if ((*st = source_identity(source, 0, threads, &id, err)) != SM_OK) {
        close(fd);
        return 0;
    }
    if (id.size != h.source_size || id.mtime_sec != h.source_mtime_sec ||
        id.mtime_nsec != h.source_mtime_nsec) {
        close(fd);
        snprintf(why, why_cap, "the source's %s changed",
                 id.size != h.source_size ? "size" : "modification time");
        return 0;
    }
    if ((*st = source_identity(source, 1, threads, &id, err)) != SM_OK) {
        close(fd);
        return 0;
    }
    if (id.hash != h.source_hash) {
        close(fd);
        snprintf(why, why_cap, "the source's content changed");
        return 0;
    }
    /* Sizes must agree with the counts before any array is used. */
    uint64_t rows = (uint64_t)h.n_rows, nnz = (uint64_t)h.nnz, groups = (uint64_t)h.n_groups;
    uint64_t want[N_ARRAYS] = {8 * (rows + 1), 4 * nnz, 4 * nnz, 8 * rows,
                               groups ? 8 * (groups + 1) : 0, h.has_qid ? 8 * groups : 0};
    int ok = h.n_rows >= 0 && h.nnz >= 0 && h.n_groups >= 0 && h.dim >= 0;
    for (int a = 0; a < N_ARRAYS && ok; a++)
        ok = h.bytes[a] == want[a] && h.offset[a] % ALIGN == 0 && h.offset[a] <= h.file_size &&
             h.bytes[a] <= h.file_size - h.offset[a];
    if (!ok) {
        close(fd);
        snprintf(why, why_cap, "the cache file is not a valid cache");
        return 0;
    }
    /* Pre-load the pages when the cache fits comfortably in memory; a larger
     * one is paged in on demand. */
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    int populate = pages > 0 && page > 0 && h.file_size < (uint64_t)pages * (uint64_t)page / 2;
    void *map = mmap(NULL, h.file_size, PROT_READ, MAP_SHARED | (populate ? MAP_POPULATE : 0),
                     fd, 0);
    if (map == MAP_FAILED) {
        close(fd);
        snprintf(why, why_cap, "the cache cannot be mapped: %s", strerror(errno));
        return 0;
    }
    const char *base = map;
    dataset_init(out);
    out->n_rows = h.n_rows;
    out->nnz = h.nnz;
    out->dim = h.dim;
    out->n_groups = h.n_groups;
    out->mapping = map;
    out->mapping_len = h.file_size;
    /* The big arrays stay in the read-only mapping; the per-row and
     * per-group ones are copied, so they can be changed in place (label
     * transforms) like those of a parsed dataset. */
    out->row_ptr = (int64_t *)(uintptr_t)(base + h.offset[0]);
    out->col = (int32_t *)(uintptr_t)(base + h.offset[1]);
    out->val = (float *)(uintptr_t)(base + h.offset[2]);
    ok = copy_array(fd, h.offset[3], h.bytes[3], sizeof *out->label, (void **)&out->label) &&
         copy_array(fd, h.offset[4], h.bytes[4], 0, (void **)&out->group_ptr) &&
         copy_array(fd, h.offset[5], h.bytes[5], 0, (void **)&out->qid);
    close(fd);
    memcpy(out->source, h.source, sizeof out->source);
    out->source[sizeof out->source - 1] = '\0';
    /* The structure the trainer relies on: row offsets inside the arrays.
     * The column indices are not checked one by one: that would read all of
     * them, as slow as the loading itself; the cache is smloss's own file,
     * identified by its checksummed header. */
    ok = ok && out->row_ptr[0] == 0 && out->row_ptr[h.n_rows] == h.nnz;
    for (int64_t r = 0; r < h.n_rows && ok; r++)
        ok = out->row_ptr[r] <= out->row_ptr[r + 1];
    for (int64_t g = 0; g < h.n_groups && ok; g++)
        ok = out->group_ptr[g] < out->group_ptr[g + 1];
    ok = ok && (!groups || (out->group_ptr[0] == 0 && out->group_ptr[groups] == h.n_rows));
    if (!ok) {
        dataset_free(out);
        snprintf(why, why_cap, "the cache file is not a valid cache");
        return 0;
    }
    return 1;
}

/* ---- writing a cache ---- */

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return 0;
        c += w;
        n -= (size_t)w;
    }
    return 1;
}

static int write_cache(const char *cache_path, const sm_dataset *ds, const source_id *id,
                       const sm_reader_options *opt, char *why, size_t why_cap)
{
    cache_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, CACHE_MAGIC, 8);
    h.version = CACHE_VERSION;
    h.byte_order = BYTE_ORDER_MARK;
    h.source_size = id->size;
    h.source_mtime_sec = id->mtime_sec;
    h.source_mtime_nsec = id->mtime_nsec;
    h.source_hash = id->hash;
    h.n_rows = ds->n_rows;
    h.nnz = ds->nnz;
    h.n_groups = ds->n_groups;
    h.dim = ds->dim;
    h.has_qid = ds->qid != NULL;
    const void *arrays[N_ARRAYS] = {ds->row_ptr, ds->col, ds->val, ds->label, ds->group_ptr, ds->qid};
    uint64_t bytes[N_ARRAYS] = {8 * (uint64_t)(ds->n_rows + 1), 4 * (uint64_t)ds->nnz,
                                4 * (uint64_t)ds->nnz, 8 * (uint64_t)ds->n_rows,
                                ds->n_groups ? 8 * (uint64_t)(ds->n_groups + 1) : 0,
                                ds->qid ? 8 * (uint64_t)ds->n_groups : 0};
    uint64_t at = (sizeof h + ALIGN - 1) / ALIGN * ALIGN;
    for (int a = 0; a < N_ARRAYS; a++) {
        h.offset[a] = at;
        h.bytes[a] = bytes[a];
        at = (at + bytes[a] + ALIGN - 1) / ALIGN * ALIGN;
    }
    h.file_size = at;
    snprintf(h.source, sizeof h.source, "%s", ds->source);
    h.header_hash = header_hash_of(&h);

    size_t n = strlen(cache_path);
    char *tmp = malloc(n + 16);
    if (!tmp) {
        snprintf(why, why_cap, "out of memory");
        return 0;
    }
    snprintf(tmp, n + 16, "%s.tmp.XXXXXX", cache_path);
    int fd = mkstemp(tmp);
    mode_t mask = umask(0);
    umask(mask);
    if (fd >= 0)
        fchmod(fd, 0666 & ~mask); /* mkstemp's 0600 would surprise next to the data */
    if (fd < 0) {
        snprintf(why, why_cap, "cannot create a temporary file next to %s: %s", cache_path,
                 strerror(errno));
        free(tmp);
        return 0;
    }
    if (opt && opt->temp_file)
        opt->temp_file(opt->temp_file_ctx, tmp, 1);
    static const char zeros[ALIGN];
    int ok = write_all(fd, &h, sizeof h);
    uint64_t pos = sizeof h;
    for (int a = 0; a < N_ARRAYS && ok; a++) {
        ok = write_all(fd, zeros, (size_t)(h.offset[a] - pos)) &&
             (!bytes[a] || write_all(fd, arrays[a], (size_t)bytes[a]));
        pos = h.offset[a] + bytes[a];
    }
    ok = ok && write_all(fd, zeros, (size_t)(h.file_size - pos));
    int saved = errno;
    ok = ok && fsync(fd) == 0;
    saved = ok ? 0 : errno ? errno : saved;
    if (close(fd) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    if (ok && rename(tmp, cache_path) != 0) {
        ok = 0;
        saved = errno;
    }
    if (!ok) {
        snprintf(why, why_cap, "cannot write %s: %s", cache_path, strerror(saved));
        unlink(tmp);
    }
    if (opt && opt->temp_file)
        opt->temp_file(opt->temp_file_ctx, tmp, 0);
    free(tmp);
    return ok;
}

sm_status cache_load(const char *source, const char *cache_path, const sm_reader_options *opt,
                     const sm_reader_parallel *par, sm_dataset *out, cache_report *report,
                     sm_error *err)
{
    cache_report local;
    cache_report *rep = report ? report : &local;
    dataset_init(out);
    if (strcmp(source, "-") == 0)
        return sm_fail(err, SM_EUSAGE,
                       "a cache needs a data file: standard input cannot be checked against it");
    struct stat src_st, cache_st;
    if (stat(source, &src_st) == 0 && stat(cache_path, &cache_st) == 0 &&
        src_st.st_dev == cache_st.st_dev && src_st.st_ino == cache_st.st_ino)
        return sm_fail(err, SM_EUSAGE, "%s: the cache file cannot be the data file itself",
                       cache_path);
    /* Only a regular file can be a cache: opening a FIFO would block, and the
     * rename that replaces a cache must never land on a device or directory. */
    if (stat(cache_path, &cache_st) == 0 && !S_ISREG(cache_st.st_mode))
        return sm_fail(err, SM_EIO, "%s: a cache must be a regular file, not a %s", cache_path,
                       S_ISDIR(cache_st.st_mode) ? "directory" : "device, pipe or socket");
    sm_status st;
    int threads = par ? par->threads : 0;
    if (try_map(cache_path, source, threads, out, rep->why, sizeof rep->why, err, &st)) {
        rep->outcome = CACHE_REUSED;
        return SM_OK;
    }
    if (st != SM_OK)
        return st;
    /* Identify the source before parsing it: if it changes meanwhile, the
     * recorded identity no longer matches and the next run parses again. */
    source_id before, after;
    if ((st = source_identity(source, 1, threads, &before, err)) != SM_OK)
        return st;
    if ((st = reader_read_file_parallel(source, opt, par, out, err)) != SM_OK)
        return st;
    if ((st = source_identity(source, 0, threads, &after, err)) != SM_OK) {
        dataset_free(out);
        return st;
    }
    rep->outcome = CACHE_WRITTEN;
    if (after.size != before.size || after.mtime_sec != before.mtime_sec ||
        after.mtime_nsec != before.mtime_nsec) {
        rep->outcome = CACHE_NOT_WRITTEN;
        snprintf(rep->why, sizeof rep->why, "the source changed while it was read");
        return SM_OK;
    }
    char reason[sizeof rep->why];
    memcpy(reason, rep->why, sizeof reason);
    if (!write_cache(cache_path, out, &before, opt, rep->why, sizeof rep->why))
        rep->outcome = CACHE_NOT_WRITTEN;
    else
        memcpy(rep->why, reason, sizeof reason);
    return SM_OK;
}
