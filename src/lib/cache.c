/* cache.c - the binary dataset cache: check, map, or parse and write. */
#define _DEFAULT_SOURCE /* MAP_POPULATE */
#include "cache.h"
#include "crc32c.h"
#include "parallel.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define CACHE_MAGIC "SMLCACHE"
/* Version 2: the source's content hash is taken over 8 MiB segments.
 * Version 3: the arrays have a checksum (cache_header.arrays_hash).
 * Version 4: the row weights, and the identity of their file.
 * Version 5: the reader's rule on repeated indices.
 * Version 6: every hash is a CRC-32C (crc32c.h).
 * Version 7: compact rows (dataset.h), with col_ptr and n_col. */
enum { CACHE_VERSION = 7, ALIGN = CACHE_ALIGN, N_ARRAYS = CACHE_ARRAYS };
#define BYTE_ORDER_MARK UINT32_C(0x01020304)

/* ---- hashing ---- */

/* The content hash of a file is its CRC-32C (crc32c.h): each segment of
 * HASH_SEGMENT bytes is summed on its own, on the threads, and the sums are
 * combined in order into that of the whole file. The segments are fixed by
 * the file, not by the threads, so any thread count gives the same hash;
 * with several threads the reading (a copy out of the page cache, in pieces
 * of HASH_BUF that stay in the core's cache) and the summing of a big source
 * take a fraction of the time. */
enum { HASH_SEGMENT = 1 << 23, HASH_BUF = 1 << 18 };
/* Segments hashed between two reports of progress (from the calling thread). */
enum { HASH_BATCH = 16 };

/* done of total bytes of a long step told to the reader's callback (reader.h). */
static void tell_progress(const sm_reader_options *opt, sm_read_step step, uint64_t done,
                          uint64_t total)
{
    if (opt && opt->progress)
        opt->progress(opt->progress_ctx, step, done, total);
}

typedef struct {
    int fd;
    uint64_t size;
    int64_t first;         /* the segment of index 0 of this parallel_for */
    uint32_t *digest;      /* per segment */
    int *read_errno;       /* per segment: 0, or the errno of a failed read */
    unsigned char **bufs;  /* per worker: HASH_BUF bytes */
} hash_pass;

static void hash_segment(void *ctx, int64_t k, int worker)
{
    hash_pass *p = ctx;
    int64_t seg = p->first + k;
    uint64_t off = (uint64_t)seg * HASH_SEGMENT;
    uint64_t end = off + HASH_SEGMENT < p->size ? off + HASH_SEGMENT : p->size;
    unsigned char *buf = p->bufs[worker];
    uint32_t crc = 0;
    while (off < end) {
        size_t want = HASH_BUF < end - off ? HASH_BUF : (size_t)(end - off);
        ssize_t got = pread(p->fd, buf, want, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) { /* an error, or the file shrank: the source cannot be trusted */
            p->read_errno[seg] = got < 0 ? errno : EIO;
            return;
        }
        off += (uint64_t)got;
        crc = crc32c(crc, buf, (size_t)got);
    }
    p->digest[seg] = crc;
}

static sm_status hash_fd(int fd, const char *path, uint64_t size, int threads,
                         const sm_reader_options *opt, uint64_t *hash, sm_error *err)
{
    int64_t n_segments = (int64_t)((size + HASH_SEGMENT - 1) / HASH_SEGMENT);
    int workers = parallel_workers(threads, n_segments < HASH_BATCH ? n_segments : HASH_BATCH);
    hash_pass p = {fd, size, 0, calloc((size_t)n_segments + 1, sizeof *p.digest),
                   calloc((size_t)n_segments + 1, sizeof *p.read_errno),
                   calloc((size_t)workers, sizeof *p.bufs)};
    int have = p.digest && p.read_errno && p.bufs;
    for (int w = 0; have && w < workers; w++)
        have = (p.bufs[w] = malloc(HASH_BUF)) != NULL;
    sm_status st = have ? SM_OK : sm_fail(err, SM_EFAIL, "%s: out of memory", path);
    for (; st == SM_OK && p.first < n_segments; p.first += HASH_BATCH) {
        int64_t n = n_segments - p.first < HASH_BATCH ? n_segments - p.first : HASH_BATCH;
        parallel_for(threads, n, hash_segment, &p);
        uint64_t done = (uint64_t)(p.first + n) * HASH_SEGMENT;
        tell_progress(opt, READ_STEP_HASH, done < size ? done : size, size);
    }
    uint32_t crc = 0;
    for (int64_t s = 0; s < n_segments && st == SM_OK; s++) {
        if (p.read_errno[s])
            st = sm_fail(err, SM_EIO, "%s: read error: %s", path, strerror(p.read_errno[s]));
        uint64_t len = s + 1 < n_segments ? HASH_SEGMENT : size - (uint64_t)s * HASH_SEGMENT;
        crc = crc32c_combine(crc, p.digest[s], len);
    }
    *hash = crc;
    for (int w = 0; p.bufs && w < workers; w++)
        free(p.bufs[w]);
    free(p.bufs);
    free(p.digest);
    free(p.read_errno);
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
                      : hash_fd(fd, path, (uint64_t)st.st_size, threads, NULL, hash, err);
    close(fd);
    return s;
}

/* ---- a file's identity (the source's, the weights file's) ---- */

typedef struct {
    uint64_t size;
    int64_t mtime_sec, mtime_nsec;
    uint64_t hash;
} file_id;

static int same_size_and_mtime(const file_id *a, const file_id *b)
{
    return a->size == b->size && a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}

/* with_hash: also the content hash, on `threads` threads. */
static sm_status file_identity(const char *path, int with_hash, int threads,
                               const sm_reader_options *opt, file_id *id, sm_error *err)
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
    sm_status s = with_hash ? hash_fd(fd, path, id->size, threads, opt, &id->hash, err) : SM_OK;
    close(fd);
    return s;
}

/* ---- the layout and the header's checksum ---- */

static uint64_t align_up(uint64_t n)
{
    return (n + ALIGN - 1) / ALIGN * ALIGN;
}

/* The arrays' sizes follow from the counts and their places from the sizes:
 * one after the other past the header, each aligned. The writer lays a cache
 * out with this and the reader accepts no other layout, so no offset or size
 * is taken from a file on trust. The counts must be bounded first
 * (layout_problem), so that nothing overflows. */
static void cache_layout(cache_header *h)
{
    uint64_t rows = (uint64_t)h->n_rows, nnz = (uint64_t)h->nnz, groups = (uint64_t)h->n_groups;
    uint64_t n_col = (uint64_t)h->n_col;
    const uint64_t bytes[N_ARRAYS] = {8 * (rows + 1), 4 * n_col, 4 * nnz, 8 * rows,
                                      groups ? 8 * (groups + 1) : 0, h->has_qid ? 8 * groups : 0,
                                      h->has_weights ? 8 * rows : 0,
                                      n_col < nnz ? 8 * (rows + 1) : 0};
    uint64_t at = align_up(sizeof *h);
    for (int a = 0; a < N_ARRAYS; a++) {
        h->offset[a] = at;
        h->bytes[a] = bytes[a];
        at = align_up(at + bytes[a]);
    }
    h->file_size = at;
}

static uint64_t header_hash_of(const cache_header *h)
{
    return crc32c(0, h, offsetof(cache_header, header_hash));
}

/* ---- checking a cache ---- */

/* (one object, so that a problem can be told apart from it by address) */
static const char NO_MEMORY_TO_CHECK[] = "not enough memory to check the cache";

/* Why the counts and layout in h cannot be those of a cache of
 * h->file_size bytes written from a parsed data file, or NULL. */
static const char *layout_problem(const cache_header *h)
{
    /* Every row takes 16 bytes of the file (offset, label) and every nonzero
     * 4 (value) and at most as many indices (a run's row has one): larger
     * counts are lies, and bounding them keeps the layout's arithmetic from
     * overflowing. */
    uint64_t size = h->file_size;
    if (size > UINT64_MAX / 4 || h->n_rows < 0 || (uint64_t)h->n_rows > size / 16 || h->nnz < 0 ||
        (uint64_t)h->nnz > size / 4 || h->n_col < 0 || h->n_col > h->nnz || h->n_groups < 0 ||
        h->n_groups > h->n_rows || h->dim < 0)
        return "the cache's header has impossible counts";
    /* The reader makes groups exactly when the rows have qids (a group file
     * is applied after loading, never cached). */
    if (h->has_qid != (h->n_groups > 0) || !memchr(h->source, '\0', sizeof h->source) ||
        (h->has_weights != 0 && h->has_weights != 1) || h->duplicates < 0 ||
        h->duplicates >= DUPLICATES_COUNT || h->duplicate_rows < 0 ||
        h->duplicate_rows > h->n_rows ||
        (h->duplicates == DUPLICATES_ERROR && h->duplicate_rows != 0) ||
        (!h->has_weights && (h->weights_size || h->weights_mtime_sec || h->weights_mtime_nsec ||
                             h->weights_hash)))
        return "the cache's header is inconsistent";
    cache_header want = *h;
    cache_layout(&want);
    if (memcmp(want.offset, h->offset, sizeof want.offset) != 0 ||
        memcmp(want.bytes, h->bytes, sizeof want.bytes) != 0 || want.file_size != size)
        return "the cache's header describes another layout";
    return NULL;
}

/* Why the header h, read from a file of file_size bytes, cannot be trusted,
 * or NULL. Cheap: no array is read. */
static const char *header_problem(const cache_header *h, uint64_t file_size)
{
    if (memcmp(h->magic, CACHE_MAGIC, 8) != 0)
        return "the file is not a smloss cache";
    /* (version and byte order have the same place in every version) */
    if (h->version != CACHE_VERSION || h->byte_order != BYTE_ORDER_MARK)
        return "the cache has another format version or byte order";
    if (h->header_hash != header_hash_of(h))
        return "the cache's header is damaged";
    if (h->file_size != file_size)
        return file_size < h->file_size ? "the cache file is truncated"
                                        : "the cache file is longer than its header says";
    return layout_problem(h);
}

/* ---- the one pass over the arrays ----
 *
 * The loader reads every array once, on the threads, in chunks of SCAN_ROWS
 * rows, checking what the reader promises of a dataset (reader.h,
 * dataset.h) and summing a checksum of the rows and nonzeros on the way: a
 * second pass only to hash would cost as much again. The writer runs the
 * same pass over the parsed data to get the checksum it records.
 *
 * The checksum: each nonzero is the 64-bit word col | val's bits << 32, and
 * each row the two words row_ptr[r + 1] and label's bits; over the
 * sequence of the nonzeros' words and over that of the rows', the sums
 * (modulo 2^64) of the words and of the words weighted by how many words
 * follow them, themselves included (Fletcher's checksum: two additions a
 * word, summed by chunk, each chunk's sums then put in its place). One
 * changed word always changes the first sum, two words swapped the second.
 * The weights' bits are a third such sequence, summed only when there are
 * weights (a cache without them sums as version 3 did). The groups are few
 * and hashed whole. */
enum { SCAN_ROWS = 1 << 16, SCAN_BATCH = 64 /* chunks between two reports of progress */ };

typedef struct {
    uint64_t s0, s1;
} fletcher;

static inline void fletcher_add(fletcher *f, uint64_t word)
{
    f->s0 += word;
    f->s1 += f->s0;
}

/* The sums of a run of words followed by `after` words in the sequence: as
 * they count in the sums of the whole sequence. */
static fletcher fletcher_placed(fletcher f, uint64_t after)
{
    f.s1 += after * f.s0;
    return f;
}

typedef struct {
    const sm_dataset *ds;
    int64_t n_col;        /* the indices in ds->col */
    int64_t first;        /* the chunk of index 0 of this parallel_for */
    const char **problem; /* per chunk: NULL, or what is wrong */
    int32_t *max_col;     /* per chunk: its largest index, -1 for none */
    fletcher (*sums)[3];  /* per chunk: of its nonzeros, rows and weights, placed */
    char *weighs;         /* per chunk: whether a row has a weight > 0 */
} scan_pass;

/* The nonzeros of one row (dataset.h: row_index; col NULL: a run, its
 * indices checked by the caller): indices strictly increasing from 0,
 * values finite (returned as flags 1 and 2 when not); their sums, the same
 * in either layout. */
static inline unsigned scan_nonzeros(const int32_t *col, int32_t first, const float *val,
                                     int64_t n, fletcher *f, int32_t *last)
{
    int32_t prev = -1;
    unsigned bad = 0;
    uint64_t s0 = f->s0, s1 = f->s1;
    for (int64_t k = 0; k < n; k++) { /* no branch: the common case runs straight through */
        int32_t c = row_index(col, first, k);
        uint32_t v;
        memcpy(&v, &val[k], sizeof v);
        bad |= (unsigned)(c <= prev) | (unsigned)((v & 0x7f800000u) == 0x7f800000u) << 1;
        prev = c;
        s0 += (uint64_t)(uint32_t)c | (uint64_t)v << 32;
        s1 += s0;
    }
    f->s0 = s0;
    f->s1 = s1;
    *last = prev;
    return bad;
}

/* One chunk of rows. Each row's offsets are checked to lie within [0, nnz]
 * and in order before its nonzeros are read: the chunks run in any order, so
 * none may rely on another's checks. */
static void scan_rows(void *ctx, int64_t k, int worker)
{
    (void)worker;
    scan_pass *p = ctx;
    int64_t chunk = p->first + k;
    const sm_dataset *ds = p->ds;
    int64_t r0 = chunk * SCAN_ROWS;
    int64_t r1 = ds->n_rows - r0 > SCAN_ROWS ? r0 + SCAN_ROWS : ds->n_rows;
    fletcher nz = {0, 0}, row = {0, 0}, weight = {0, 0};
    int32_t max_col = -1, last;
    int weighs = 0;
    for (int64_t r = r0; r < r1; r++) {
        int64_t a = ds->row_ptr[r], b = ds->row_ptr[r + 1];
        if (a < 0 || a > b || b > ds->nnz) {
            p->problem[chunk] = "row offsets out of order";
            return;
        }
        if (ds->col_ptr) { /* as many indices as values, or a run's first */
            int64_t ca = ds->col_ptr[r], cb = ds->col_ptr[r + 1];
            if (ca < 0 || ca > cb || cb > p->n_col ||
                (cb - ca != b - a && !(cb - ca == 1 && b - a > 1))) {
                p->problem[chunk] = "index offsets out of order";
                return;
            }
            if (cb - ca != b - a && (ds->col[ca] < 0 || ds->col[ca] > SM_MAX_INDEX - (b - a - 1))) {
                p->problem[chunk] = "feature indices out of order or negative";
                return;
            }
        }
        sm_row x = dataset_row(ds, r);
        /* a label is finite, or NaN for a row without one (reader.h) */
        unsigned bad = (x.col ? scan_nonzeros(x.col, 0, x.val, x.n, &nz, &last)
                              : scan_nonzeros(NULL, x.first, x.val, x.n, &nz, &last)) |
                       (unsigned)isinf(ds->label[r]) << 1;
        if (bad) {
            p->problem[chunk] = bad & 1 ? "feature indices out of order or negative"
                                        : "a label or value that is not finite";
            return;
        }
        max_col = last > max_col ? last : max_col;
        uint64_t label;
        memcpy(&label, &ds->label[r], sizeof label);
        fletcher_add(&row, (uint64_t)b);
        fletcher_add(&row, label);
        if (ds->weight) { /* finite and >= 0 (sidecar.h) */
            double w = ds->weight[r];
            if (!(w >= 0 && w <= DBL_MAX)) {
                p->problem[chunk] = "a weight that is negative or not finite";
                return;
            }
            weighs |= w > 0;
            uint64_t bits;
            memcpy(&bits, &w, sizeof bits);
            fletcher_add(&weight, bits);
        }
    }
    p->max_col[chunk] = max_col;
    p->weighs[chunk] = (char)weighs;
    p->sums[chunk][0] = fletcher_placed(nz, (uint64_t)(ds->nnz - ds->row_ptr[r1]));
    p->sums[chunk][1] = fletcher_placed(row, 2 * (uint64_t)(ds->n_rows - r1));
    p->sums[chunk][2] = fletcher_placed(weight, (uint64_t)(ds->n_rows - r1));
}

static const char *groups_problem(const sm_dataset *ds)
{
    if (ds->n_groups == 0)
        return NULL;
    if (ds->group_ptr[0] != 0 || ds->group_ptr[ds->n_groups] != ds->n_rows)
        return "query groups that do not cover the rows";
    for (int64_t g = 0; g < ds->n_groups; g++) {
        if (ds->group_ptr[g] >= ds->group_ptr[g + 1])
            return "an empty query group, or groups out of order";
        if (ds->qid[g] < 0 || (g > 0 && ds->qid[g] == ds->qid[g - 1]))
            return "a negative qid, or one qid in two groups";
    }
    return NULL;
}

/* Check ds (from a cache, or parsed for one), whose col holds n_col
 * indices, against what the reader promises and compute its checksum: NULL,
 * or what is wrong (*sum is then unset). */
static const char *scan_data(const sm_dataset *ds, int64_t n_col, int threads,
                             const sm_reader_options *opt, uint64_t *sum)
{
    if (ds->row_ptr[0] != 0 || ds->row_ptr[ds->n_rows] != ds->nnz)
        return "row offsets that do not span the nonzeros";
    if (ds->col_ptr ? ds->col_ptr[0] != 0 || ds->col_ptr[ds->n_rows] != n_col : n_col != ds->nnz)
        return "index offsets that do not span the indices";
    int64_t chunks = (ds->n_rows + SCAN_ROWS - 1) / SCAN_ROWS;
    scan_pass p = {ds, n_col, 0, calloc((size_t)chunks + 1, sizeof *p.problem),
                   calloc((size_t)chunks + 1, sizeof *p.max_col),
                   calloc((size_t)chunks + 1, sizeof *p.sums),
                   calloc((size_t)chunks + 1, sizeof *p.weighs)};
    const char *problem = p.problem && p.max_col && p.sums && p.weighs ? NULL : NO_MEMORY_TO_CHECK;
    /* (in batches of chunks, with the progress told after each: bytes of
     * the arrays, as the rows and the nonzeros up to there take) */
    uint64_t row_bytes = 2 * sizeof(int64_t) + (ds->weight ? sizeof(double) : 0),
             nz_bytes = sizeof *ds->col + sizeof *ds->val;
    uint64_t bytes = (uint64_t)ds->n_rows * row_bytes + (uint64_t)ds->nnz * nz_bytes;
    for (int64_t k = 0; !problem && k < chunks; k += SCAN_BATCH) {
        int64_t n = chunks - k < SCAN_BATCH ? chunks - k : SCAN_BATCH;
        p.first = k;
        parallel_for(threads, n, scan_rows, &p);
        int64_t r = (k + n) * SCAN_ROWS < ds->n_rows ? (k + n) * SCAN_ROWS : ds->n_rows;
        tell_progress(opt, READ_STEP_CHECK,
                      (uint64_t)r * row_bytes + (uint64_t)ds->row_ptr[r] * nz_bytes, bytes);
    }
    int32_t max_col = -1;
    int weighs = 0;
    /* nonzeros' and rows' sums, groups, qids, then the weights' sums */
    uint64_t total[8] = {0};
    for (int64_t k = 0; k < chunks && !problem; k++) {
        problem = p.problem[k];
        max_col = p.max_col[k] > max_col ? p.max_col[k] : max_col;
        weighs |= p.weighs[k];
        static const int at[3] = {0, 2, 6};
        for (int i = 0; i < 3; i++) {
            total[at[i]] += p.sums[k][i].s0;
            total[at[i] + 1] += p.sums[k][i].s1;
        }
    }
    free(p.problem);
    free(p.max_col);
    free(p.sums);
    free(p.weighs);
    if (!problem && (max_col > SM_MAX_INDEX || ds->dim != max_col + 1))
        problem = "a dimension other than the largest feature index + 1";
    if (!problem && ds->weight && ds->n_rows > 0 && !weighs)
        problem = "weights that are all 0";
    if (!problem && !(problem = groups_problem(ds))) {
        total[4] = ds->n_groups ? crc32c(0, ds->group_ptr, 8 * ((size_t)ds->n_groups + 1)) : 0;
        total[5] = ds->qid ? crc32c(0, ds->qid, 8 * (size_t)ds->n_groups) : 0;
        *sum = crc32c(0, total, (ds->weight ? 8 : 6) * sizeof *total);
    }
    return problem;
}

/* A copy of bytes at src in at least min_bytes (so that an empty array can
 * be non-NULL, as the reader's are; NULL when both are 0). 0: no memory. */
static int dup_array(const void *src, uint64_t bytes, uint64_t min_bytes, void **out)
{
    *out = NULL;
    if (bytes == 0 && min_bytes == 0)
        return 1;
    if (!(*out = malloc((size_t)(bytes > min_bytes ? bytes : min_bytes))))
        return 0;
    if (bytes)
        memcpy(*out, src, (size_t)bytes);
    return 1;
}

/* Free the arrays image_view copied and clear ds (its other arrays are in
 * the image). */
static void free_copies(sm_dataset *ds)
{
    free(ds->label);
    free(ds->weight);
    free(ds->group_ptr);
    free(ds->qid);
    dataset_init(ds);
}

/* Point ds at the arrays of the image of a cache whose header h passed
 * layout_problem, nothing checked yet. The big arrays stay in the image; the
 * per-row and per-group ones are copied, so they can be changed in place
 * (label transforms) as a parsed dataset's can, and the weights are
 * malloc'd as dataset.h promises. 0 when out of memory. */
static int image_view(const unsigned char *image, const cache_header *h, sm_dataset *ds)
{
    dataset_init(ds);
    ds->n_rows = h->n_rows;
    ds->nnz = h->nnz;
    ds->dim = h->dim;
    ds->n_groups = h->n_groups;
    /* (h->source is '\0'-terminated: layout_problem; what follows is left
     * out, so the name is zero-padded as a parsed dataset's is) */
    snprintf(ds->source, sizeof ds->source, "%s", h->source);
    ds->row_ptr = (int64_t *)(uintptr_t)(image + h->offset[0]);
    ds->col = (int32_t *)(uintptr_t)(image + h->offset[1]);
    ds->val = (float *)(uintptr_t)(image + h->offset[2]);
    ds->col_ptr = h->bytes[7] ? (int64_t *)(uintptr_t)(image + h->offset[7]) : NULL;
    if (dup_array(image + h->offset[3], h->bytes[3], sizeof *ds->label, (void **)&ds->label) &&
        dup_array(image + h->offset[4], h->bytes[4], 0, (void **)&ds->group_ptr) &&
        dup_array(image + h->offset[5], h->bytes[5], 0, (void **)&ds->qid) &&
        dup_array(image + h->offset[6], h->bytes[6], h->has_weights ? sizeof *ds->weight : 0,
                  (void **)&ds->weight))
        return 1;
    free_copies(ds);
    return 0;
}

/* Fill out from the image of a cache whose header h passed header_problem,
 * once what its arrays hold and their checksum pass. Returns 1, or 0 with
 * the reason in why and nothing allocated. */
static int image_dataset(const unsigned char *image, const cache_header *h, int threads,
                         const sm_reader_options *opt, sm_dataset *out, char *why,
                         size_t why_cap)
{
    uint64_t sum = 0;
    const char *problem = !image_view(image, h, out) ? NO_MEMORY_TO_CHECK
                                                     : scan_data(out, h->n_col, threads, opt, &sum);
    if (!problem && sum != h->arrays_hash)
        problem = "checksum mismatch";
    if (!problem)
        return 1;
    snprintf(why, why_cap, "%s%s",
             problem == NO_MEMORY_TO_CHECK ? "" : "the cache's data is damaged: ", problem);
    free_copies(out);
    return 0;
}

/* ---- reading a cache ---- */

/* Read the header of the cache open at fd and check it against the file:
 * 1, or 0 with the reason in why. */
static int read_header(int fd, cache_header *h, char *why, size_t why_cap)
{
    struct stat st;
    ssize_t got = fstat(fd, &st) == 0 ? pread(fd, h, sizeof *h, 0) : -1;
    const char *problem = got < 0                     ? strerror(errno)
                          : got == 0                  ? "the cache file is empty"
                          : got != (ssize_t)sizeof *h ? "the cache file is truncated"
                                                      : header_problem(h, (uint64_t)st.st_size);
    if (problem)
        snprintf(why, why_cap, "%s%s", got < 0 ? "cache unreadable: " : "", problem);
    return problem == NULL;
}

static file_id recorded_source(const cache_header *h)
{
    return (file_id){h->source_size, h->source_mtime_sec, h->source_mtime_nsec, h->source_hash};
}

static file_id recorded_weights(const cache_header *h)
{
    return (file_id){h->weights_size, h->weights_mtime_sec, h->weights_mtime_nsec,
                     h->weights_hash};
}

/* Whether path is the file of the recorded identity: its size and mtime,
 * then (only if they match) the hash of its bytes. 1, or 0 with the reason
 * in why (naming the file as `what`), or with *st set when path cannot be
 * read. */
static int same_file(file_id recorded, const char *path, const char *what, int threads,
                     const sm_reader_options *opt, char *why, size_t why_cap, sm_error *err,
                     sm_status *st)
{
    file_id id;
    if ((*st = file_identity(path, 0, threads, opt, &id, err)) != SM_OK)
        return 0;
    if (!same_size_and_mtime(&id, &recorded)) {
        snprintf(why, why_cap, "the %s's %s changed", what,
                 id.size != recorded.size ? "size" : "modification time");
        return 0;
    }
    if ((*st = file_identity(path, 1, threads, opt, &id, err)) != SM_OK)
        return 0;
    if (id.hash != recorded.hash) {
        snprintf(why, why_cap, "the %s's content changed", what);
        return 0;
    }
    return 1;
}

/* Map cache_path and check it, against the source and in itself; on success
 * fill out (with the cache's weights, if any) and *h and return 1, else 0
 * with the reason in why (or an error in *st when the source cannot be
 * read). */
static int try_map(const char *cache_path, const char *source, const sm_reader_options *opt,
                   const sm_reader_parallel *par, sm_dataset *out, cache_header *h, char *why,
                   size_t why_cap, sm_error *err, sm_status *st)
{
    int threads = par ? par->threads : 0;
    sm_duplicates duplicates = opt ? opt->duplicates : DUPLICATES_ERROR;
    *st = SM_OK;
    /* (kept open with the mapping: a streamed epoch reads it, stream.h) */
    int fd = open(cache_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, why_cap, errno == ENOENT ? "no cache yet" : "cache unreadable: %s",
                 strerror(errno));
        return 0;
    }
    if (!read_header(fd, h, why, why_cap) ||
        !same_file(recorded_source(h), source, "source", threads, opt, why, why_cap, err, st)) {
        close(fd);
        return 0;
    }
    if (h->duplicate_rows > 0 && h->duplicates != (int32_t)duplicates) {
        snprintf(why, why_cap, "the cache has %lld rows whose repeated feature indices were "
                 "merged by --duplicates %s, not %s", (long long)h->duplicate_rows,
                 reader_duplicates_names[h->duplicates], reader_duplicates_names[duplicates]);
        close(fd);
        return 0;
    }
    /* Pre-load the pages when the cache fits the budget (by default half the
     * memory); a larger one is paged in on demand (streamed, train.h). */
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    uint64_t budget = par && par->memory ? par->memory
                      : pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page / 2
                                              : 0;
    int populate = h->file_size < budget;
    void *map = mmap(NULL, h->file_size, PROT_READ, MAP_SHARED | (populate ? MAP_POPULATE : 0),
                     fd, 0);
    int e = errno;
    if (map == MAP_FAILED) {
        close(fd);
        snprintf(why, why_cap, "the cache cannot be mapped: %s", strerror(e));
        return 0;
    }
    if (!image_dataset(map, h, threads, opt, out, why, why_cap)) {
        munmap(map, h->file_size);
        close(fd);
        return 0;
    }
    out->mapping = map;
    out->mapping_len = h->file_size;
    out->mapping_fd = fd;
    out->duplicate_rows = h->duplicate_rows;
    return 1;
}

/* ---- test hooks (cache.h) ---- */

int cache_image_load(const void *image, size_t len, sm_dataset *out, char *why, size_t why_cap)
{
    dataset_init(out);
    cache_header h;
    const char *problem = (uintptr_t)image % 8 ? "the image is not 8-byte aligned"
                          : len < sizeof h     ? "the cache file is truncated"
                                               : NULL;
    if (!problem) {
        memcpy(&h, image, sizeof h);
        problem = header_problem(&h, len);
    }
    if (problem) {
        snprintf(why, why_cap, "%s", problem);
        return 0;
    }
    sm_dataset view;
    if (!image_dataset(image, &h, 1, NULL, &view, why, why_cap))
        return 0;
    /* copies of the arrays left in the image, so that out owns every array */
    *out = view;
    out->row_ptr = NULL;
    out->col = NULL;
    out->val = NULL;
    out->col_ptr = NULL;
    if (!dup_array(view.row_ptr, h.bytes[0], 0, (void **)&out->row_ptr) ||
        !dup_array(view.col, h.bytes[1], 0, (void **)&out->col) ||
        !dup_array(view.val, h.bytes[2], 0, (void **)&out->val) ||
        !dup_array(view.col_ptr, h.bytes[7], 0, (void **)&out->col_ptr)) {
        dataset_free(out);
        snprintf(why, why_cap, "out of memory");
        return 0;
    }
    return 1;
}

void cache_image_seal(void *image, size_t len)
{
    cache_header h;
    if (len < sizeof h)
        return;
    memcpy(&h, image, sizeof h);
    sm_dataset ds;
    /* (arrays that fail the checks fail them whatever their checksum) */
    if (h.file_size == len && !layout_problem(&h) && image_view(image, &h, &ds)) {
        uint64_t sum;
        if (!scan_data(&ds, h.n_col, 1, NULL, &sum))
            h.arrays_hash = sum;
        free_copies(&ds);
    }
    h.header_hash = header_hash_of(&h);
    memcpy(image, &h, sizeof h);
}

/* ---- writing a cache ---- */

/* Bytes written between two reports of progress. */
#define WRITE_PIECE ((size_t)64 << 20)

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

/* The identities a cache records: the source's, and the weights file's when
 * the data has weights. */
typedef struct {
    file_id source, weights;
} cache_ids;

/* The header of the cache of ds, parsed from the files of identities ids,
 * and the arrays in their order; NULL, or why the cache cannot be written.
 * The checksum comes from the loader's own pass (scan_data), which also
 * makes sure that no cache is written that the loader would refuse. */
static const char *header_for(const sm_dataset *ds, const cache_ids *ids,
                              const sm_reader_options *opt, int threads, cache_header *h,
                              const void *arrays[N_ARRAYS])
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, CACHE_MAGIC, 8);
    h->version = CACHE_VERSION;
    h->byte_order = BYTE_ORDER_MARK;
    h->source_size = ids->source.size;
    h->source_mtime_sec = ids->source.mtime_sec;
    h->source_mtime_nsec = ids->source.mtime_nsec;
    h->source_hash = ids->source.hash;
    h->n_rows = ds->n_rows;
    h->nnz = ds->nnz;
    h->n_groups = ds->n_groups;
    h->n_col = ds->col_ptr ? ds->col_ptr[ds->n_rows] : ds->nnz;
    h->dim = ds->dim;
    h->has_qid = ds->qid != NULL;
    h->has_weights = ds->weight != NULL;
    h->duplicates = (int32_t)(opt ? opt->duplicates : DUPLICATES_ERROR);
    h->duplicate_rows = ds->duplicate_rows;
    if (ds->weight) {
        h->weights_size = ids->weights.size;
        h->weights_mtime_sec = ids->weights.mtime_sec;
        h->weights_mtime_nsec = ids->weights.mtime_nsec;
        h->weights_hash = ids->weights.hash;
    }
    cache_layout(h);
    snprintf(h->source, sizeof h->source, "%s", ds->source);
    const void *a[N_ARRAYS] = {ds->row_ptr,   ds->col, ds->val,    ds->label,
                               ds->group_ptr, ds->qid, ds->weight, ds->col_ptr};
    memcpy(arrays, a, sizeof a);
    const char *problem = scan_data(ds, h->n_col, threads, opt, &h->arrays_hash);
    h->header_hash = header_hash_of(h);
    return problem;
}

static int write_cache(const char *cache_path, const sm_dataset *ds, const cache_ids *ids,
                       const sm_reader_options *opt, int threads, char *why, size_t why_cap)
{
    cache_header h;
    const void *arrays[N_ARRAYS];
    const char *problem =
        header_for(ds, ids, opt, threads, &h, arrays);
    if (problem) {
        snprintf(why, why_cap, "the data fails the cache's own checks: %s", problem);
        return 0;
    }
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
        ok = write_all(fd, zeros, (size_t)(h.offset[a] - pos));
        for (uint64_t at = 0; ok && at < h.bytes[a]; at += WRITE_PIECE) {
            size_t piece = h.bytes[a] - at < WRITE_PIECE ? (size_t)(h.bytes[a] - at) : WRITE_PIECE;
            ok = write_all(fd, (const char *)arrays[a] + at, piece);
            tell_progress(opt, READ_STEP_WRITE, h.offset[a] + at + piece, h.file_size);
        }
        pos = h.offset[a] + h.bytes[a];
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

/* A cache is written only over nothing, an empty file or a smloss cache: a
 * cache path naming another file by mistake (the data, validation data, a
 * model) must not destroy it. Checked before the source is parsed. */
static sm_status check_overwritable(const char *cache_path, sm_error *err)
{
    int fd = open(cache_path, O_RDONLY);
    if (fd < 0 && errno == ENOENT)
        return SM_OK;
    char magic[8];
    ssize_t got = fd < 0 ? -1 : pread(fd, magic, sizeof magic, 0);
    int e = errno;
    if (fd >= 0)
        close(fd);
    if (got == 0 || (got == (ssize_t)sizeof magic && memcmp(magic, CACHE_MAGIC, 8) == 0))
        return SM_OK;
    if (got < 0)
        return sm_fail(err, SM_EIO, "%s: cannot check that it is a smloss cache: %s", cache_path,
                       strerror(e));
    return sm_fail(err, SM_EUSAGE,
                   "%s is not a smloss cache: refusing to overwrite it with one", cache_path);
}

/* Whether the reader's rules on labels accept every label of ds: rows
 * without one (NaN) only when allowed, the others by the caller's rule. */
static int labels_accepted(const sm_reader_options *opt, const sm_dataset *ds)
{
    char why[8];
    for (int64_t i = 0; i < ds->n_rows; i++) {
        if (isnan(ds->label[i]) ? !(opt && opt->allow_unlabeled)
                                : opt && opt->check_label &&
                                      !opt->check_label(opt->check_label_ctx, ds->label[i], why,
                                                        sizeof why))
            return 0;
    }
    return 1;
}

/* The weights in the file path for the rows of ds into ds->weight, and the
 * file's identity into *id, taken (with its hash) before it is read, as the
 * source's is; *unchanged: whether its size and mtime stayed the same
 * meanwhile (else the identity may not be that of the weights read). */
static sm_status read_weights(const char *path, int threads, const sm_reader_options *opt,
                              sm_dataset *ds, file_id *id,
                              int *unchanged, sm_error *err)
{
    file_id after;
    double *w = NULL;
    sm_status st = file_identity(path, 1, threads, opt, id, err);
    if (st == SM_OK)
        st = sidecar_read_weights(path, ds->n_rows, ds->source, &w, err);
    if (st == SM_OK)
        st = file_identity(path, 0, threads, opt, &after, err);
    if (st != SM_OK) {
        free(w);
        return st;
    }
    free(ds->weight);
    ds->weight = w;
    snprintf(ds->weight_source, sizeof ds->weight_source, "%s", path);
    *unchanged = same_size_and_mtime(id, &after);
    return SM_OK;
}

/* The cache of out, whose data is that of ids->source and whose weights
 * (when asked for: weights) come from the file of ids->weights, written
 * unless a file changed while it was read; rep->why keeps the reason for
 * writing, or says why it was not written. */
static void rewrite(const char *cache_path, const sm_dataset *out, const cache_ids *ids,
                    int source_unchanged, int weights_unchanged, const sm_reader_options *opt,
                    int threads, cache_report *rep)
{
    rep->outcome = CACHE_NOT_WRITTEN;
    if (!source_unchanged || !weights_unchanged) {
        snprintf(rep->why, sizeof rep->why, "the %s changed while it was read",
                 source_unchanged ? "weights file" : "source");
        return;
    }
    char reason[sizeof rep->why];
    memcpy(reason, rep->why, sizeof reason);
    if (write_cache(cache_path, out, ids, opt, threads, rep->why, sizeof rep->why)) {
        rep->outcome = CACHE_WRITTEN;
        memcpy(rep->why, reason, sizeof reason);
    }
}

/* What the files must be before a cache is read or written: a data file
 * and a weights file with an identity, a cache that is neither the data nor
 * anything but a regular file, and that may be replaced. */
static sm_status check_cache_files(const char *source, const char *weights,
                                   const char *cache_path, sm_error *err)
{
    struct stat src_st, cache_st, weights_st;
    if (strcmp(source, "-") == 0)
        return sm_fail(err, SM_EUSAGE,
                       "a cache needs a data file: standard input cannot be checked against it");
    /* A pipe's text is gone once read: the check against the cache, which
     * reads the source again, would wait for a writer forever. */
    if (stat(source, &src_st) == 0 && !S_ISREG(src_st.st_mode))
        return sm_fail(err, SM_EUSAGE, "%s: a cache needs a regular data file, not a %s: it "
                       "cannot be checked against the cache", source,
                       S_ISDIR(src_st.st_mode) ? "directory" : "pipe, device or socket");
    if (weights && (stat(weights, &weights_st) == 0 ? !S_ISREG(weights_st.st_mode)
                                                     : strcmp(weights, "-") == 0))
        return sm_fail(err, SM_EUSAGE, "%s: weights kept in a cache must come from a regular "
                       "file, which has an identity to check the cache against", weights);
    if (stat(source, &src_st) == 0 && stat(cache_path, &cache_st) == 0 &&
        src_st.st_dev == cache_st.st_dev && src_st.st_ino == cache_st.st_ino)
        return sm_fail(err, SM_EUSAGE, "%s: the cache file cannot be the data file itself",
                       cache_path);
    /* Only a regular file can be a cache: opening a FIFO would block, and the
     * rename that replaces a cache must never land on a device or directory. */
    if (stat(cache_path, &cache_st) == 0 && !S_ISREG(cache_st.st_mode))
        return sm_fail(err, SM_EIO, "%s: a cache must be a regular file, not a %s", cache_path,
                       S_ISDIR(cache_st.st_mode) ? "directory" : "device, pipe or socket");
    return check_overwritable(cache_path, err);
}

sm_status cache_load(const char *source, const char *weights, const char *cache_path,
                     const sm_reader_options *opt, const sm_reader_parallel *par,
                     sm_dataset *out, cache_report *report, sm_error *err)
{
    cache_report local;
    cache_report *rep = report ? report : &local;
    dataset_init(out);
    sm_status st = check_cache_files(source, weights, cache_path, err);
    if (st != SM_OK)
        return st;
    int threads = par ? par->threads : 0;
    cache_header h;
    cache_ids ids = {{0, 0, 0, 0}, {0, 0, 0, 0}};
    int weights_unchanged = 1;
    if (try_map(cache_path, source, opt, par, out, &h,
                rep->why, sizeof rep->why, err, &st)) {
        rep->outcome = CACHE_REUSED;
        if (!labels_accepted(opt, out)) {
            /* Only the text knows where the label is: parse it for the message. */
            dataset_free(out);
            st = reader_read_file_parallel(source, opt, par, out, err);
            return st != SM_OK ? st : sm_fail(err, SM_EFAIL, "%s: a label the cache has was "
                                              "accepted in the text", source);
        }
        if (!weights) { /* weights not asked for are never used */
            free(out->weight);
            out->weight = NULL;
            return SM_OK;
        }
        if (h.has_weights && same_file(recorded_weights(&h), weights, "weights file", threads, opt,
                                       rep->why, sizeof rep->why, err, &st)) {
            snprintf(out->weight_source, sizeof out->weight_source, "%s", weights);
            return SM_OK;
        }
        if (!h.has_weights)
            snprintf(rep->why, sizeof rep->why, "no weights in the cache yet");
        /* The data in memory is the source's as recorded: the cache is
         * rewritten from it with the weights read now. */
        ids.source = recorded_source(&h);
        if (st == SM_OK)
            st = read_weights(weights, threads, opt, out, &ids.weights, &weights_unchanged, err);
        if (st != SM_OK) {
            dataset_free(out);
            return st;
        }
        rewrite(cache_path, out, &ids, 1, weights_unchanged, opt, threads, rep);
        return SM_OK;
    }
    if (st != SM_OK)
        return st;
    /* Identify the source before parsing it: if it changes meanwhile, the
     * recorded identity no longer matches and the next run parses again. */
    file_id after;
    if ((st = file_identity(source, 1, threads, opt, &ids.source, err)) != SM_OK)
        return st;
    if ((st = reader_read_file_parallel(source, opt, par, out, err)) != SM_OK)
        return st;
    dataset_compact_rows(out); /* the cache keeps the compact layout */
    if ((st = file_identity(source, 0, threads, opt, &after, err)) != SM_OK ||
        (weights &&
         (st = read_weights(weights, threads, opt, out, &ids.weights, &weights_unchanged, err)) !=
             SM_OK)) {
        dataset_free(out);
        return st;
    }
    rewrite(cache_path, out, &ids, same_size_and_mtime(&ids.source, &after), weights_unchanged,
            opt, threads, rep);
    return SM_OK;
}
