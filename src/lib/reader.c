/* reader.c - libsvm / SVMlight / LETOR text into CSR in one pass.
 *
 * A text source (textsrc.h) is cut into blocks of whole lines. Each block is
 * parsed on its own (libsvm.h) - in parallel, by a pool of parser threads -
 * and the blocks are merged in file order, where the file-wide rules apply.
 * A reader thread reads (inflates) ahead into a ring of block slots, so gzip
 * input is parsed while it inflates.
 */
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libsvm.h"
#include "parallel.h"
#include "textsrc.h"

enum {
    BLOCK_BYTES = 1 << 19,     /* text parsed by one thread at a time */
    SLOTS_PER_THREAD = 2,      /* blocks in flight per parsing thread */
    MAX_THREADS = PARALLEL_MAX_THREADS
};
#define PROGRESS_STEP ((uint64_t)4 << 20)

/* done of total bytes of the source (textsrc_position), told every
 * PROGRESS_STEP of them. */
static void report_progress(const sm_reader_options *opt, uint64_t done, uint64_t total,
                            uint64_t *next_report)
{
    if (opt && opt->progress && done >= *next_report) {
        opt->progress(opt->progress_ctx, READ_STEP_TEXT, done, total);
        *next_report = done + PROGRESS_STEP;
    }
}

/* One thread: read a block, parse it, merge it, and again. */
const char *const reader_duplicates_names[DUPLICATES_COUNT + 1] = {
    [DUPLICATES_ERROR] = "error", [DUPLICATES_SUM] = "sum", [DUPLICATES_LAST] = "last"};

static sm_duplicates duplicates_of(const sm_reader_options *opt)
{
    return opt ? opt->duplicates : DUPLICATES_ERROR;
}

static sm_status parse_blocks_serial(textsrc_blocks *r, const sm_reader_options *opt,
                                     libsvm_builder *g, sm_error *err)
{
    libsvm_block *b = libsvm_block_new(r->src->name, duplicates_of(opt));
    if (!b)
        return sm_fail_nomem(err, r->src->name);
    uint64_t next_report = PROGRESS_STEP;
    sm_status st;
    int more;
    while ((st = libsvm_block_read(b, r, &more, err)) == SM_OK && more) {
        libsvm_block_parse(b);
        if ((st = libsvm_builder_merge(g, b, err)) != SM_OK)
            break;
        report_progress(opt, r->done, r->total, &next_report);
    }
    libsvm_block_free(b);
    return st;
}

/* Several threads: a pipeline over a ring of block slots. One thread reads
 * (inflates) blocks into free slots in file order, the parser threads take
 * filled slots as they come, and the calling thread merges parsed slots in
 * file order and frees them. Reading, parsing and merging all overlap, so
 * gzip input is parsed while the next blocks inflate. */
enum { SLOT_FREE, SLOT_FILLED, SLOT_PARSING, SLOT_PARSED };

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t changed;
    libsvm_block *slot[SLOTS_PER_THREAD * MAX_THREADS];
    int state[SLOTS_PER_THREAD * MAX_THREADS];
    /* where the source stood when each slot's block had been read: progress
     * is told at the merge by the block's own position, not by how far the
     * reader has run ahead, so the reports do not depend on the timing */
    uint64_t slot_done[SLOTS_PER_THREAD * MAX_THREADS];
    int n_slots;
    textsrc_blocks *reader;
    int64_t n_read;     /* blocks read so far; block k is in slot k % n_slots */
    int64_t next_parse; /* next block to hand to a parser */
    int read_done;      /* end of input or read error */
    int abort;          /* the merge failed: everyone stops */
    uint64_t total;     /* of the source, for progress (textsrc_position) */
    sm_status read_st;
    sm_error read_err;
} pipeline;

static void *pipeline_read(void *arg)
{
    pipeline *p = arg;
    for (int64_t k = 0;; k++) {
        libsvm_block *b = p->slot[k % p->n_slots];
        pthread_mutex_lock(&p->mu);
        while (p->state[k % p->n_slots] != SLOT_FREE && !p->abort)
            pthread_cond_wait(&p->changed, &p->mu);
        int stop = p->abort;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        sm_error e;
        int more;
        sm_status st = libsvm_block_read(b, p->reader, &more, &e);
        pthread_mutex_lock(&p->mu);
        if (st != SM_OK) {
            p->read_st = st;
            p->read_err = e;
        }
        if (!more) {
            p->read_done = 1;
        } else {
            p->state[k % p->n_slots] = SLOT_FILLED;
            p->n_read = k + 1;
            p->slot_done[k % p->n_slots] = p->reader->done;
            p->total = p->reader->total;
        }
        int done = p->read_done;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->mu);
        if (done)
            break;
    }
    return NULL;
}

static void *pipeline_parse(void *arg)
{
    pipeline *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->abort && p->next_parse >= p->n_read && !p->read_done)
            pthread_cond_wait(&p->changed, &p->mu);
        if (p->abort || p->next_parse >= p->n_read)
            break;
        int s = (int)(p->next_parse++ % p->n_slots);
        p->state[s] = SLOT_PARSING;
        pthread_mutex_unlock(&p->mu);
        libsvm_block_parse(p->slot[s]);
        pthread_mutex_lock(&p->mu);
        p->state[s] = SLOT_PARSED;
        pthread_cond_broadcast(&p->changed);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static void pipeline_abort(pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    p->abort = 1;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->mu);
}

/* Returns -1 when the threads could not be started (nothing was read then). */
/* The calling thread's part: merge the parsed slots in file order, freeing
 * each for the reader. */
static sm_status pipeline_merge(pipeline *p, const sm_reader_options *opt, libsvm_builder *g,
                                sm_error *err)
{
    sm_status st = SM_OK;
    uint64_t next_report = PROGRESS_STEP;
    for (int64_t k = 0; st == SM_OK; k++) {
        int s = (int)(k % p->n_slots);
        pthread_mutex_lock(&p->mu);
        while (!(k < p->n_read && p->state[s] == SLOT_PARSED) && !(p->read_done && k >= p->n_read))
            pthread_cond_wait(&p->changed, &p->mu);
        int done = k >= p->n_read;
        uint64_t read = p->slot_done[s], total = p->total;
        pthread_mutex_unlock(&p->mu);
        if (done)
            break;
        st = libsvm_builder_merge(g, p->slot[s], err);
        report_progress(opt, read, total, &next_report);
        pthread_mutex_lock(&p->mu);
        p->state[s] = SLOT_FREE;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->mu);
    }
    /* A read error counts after every block read before it is merged,
     * so that an earlier bad line is still the one reported. */
    if (st == SM_OK && p->read_st != SM_OK) {
        *err = p->read_err;
        st = p->read_st;
    }
    return st;
}

static void pipeline_free(pipeline *p)
{
    for (int i = 0; i < p->n_slots; i++)
        libsvm_block_free(p->slot[i]);
    pthread_cond_destroy(&p->changed);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* Returns -1 when the pipeline could not be set up (nothing was read then). */
static int parse_blocks_parallel(textsrc_blocks *r, int threads, const sm_reader_options *opt,
                                 libsvm_builder *g, sm_status *st, sm_error *err)
{
    pipeline *p = calloc(1, sizeof *p);
    if (!p)
        return -1;
    p->reader = r;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->changed, NULL);
    for (; p->n_slots < SLOTS_PER_THREAD * threads; p->n_slots++)
        if (!(p->slot[p->n_slots] = libsvm_block_new(r->src->name, duplicates_of(opt)))) {
            pipeline_free(p);
            return -1;
        }
    pthread_t parser[MAX_THREADS], reader;
    int n_parsers = 0;
    while (n_parsers < threads &&
           pthread_create(&parser[n_parsers], NULL, pipeline_parse, p) == 0)
        n_parsers++;
    int reading = n_parsers > 0 && pthread_create(&reader, NULL, pipeline_read, p) == 0;
    if (reading)
        *st = pipeline_merge(p, opt, g, err);
    pipeline_abort(p);
    if (reading)
        pthread_join(reader, NULL);
    for (int i = 0; i < n_parsers; i++)
        pthread_join(parser[i], NULL);
    pipeline_free(p);
    return reading ? 0 : -1;
}

static sm_status parse_blocks(sm_textsrc *src, const sm_reader_options *opt,
                              const sm_reader_parallel *par, libsvm_builder *g, sm_error *err)
{
    int threads = parallel_threads(par ? par->threads : 0);
    textsrc_blocks r;
    textsrc_blocks_init(&r, src, par && par->block_bytes ? par->block_bytes : BLOCK_BYTES);
    sm_status st;
    if (threads == 1 || parse_blocks_parallel(&r, threads, opt, g, &st, err) != 0)
        st = parse_blocks_serial(&r, opt, g, err);
    textsrc_blocks_free(&r);
    return st;
}

/* lines_before: lines of the file before the text of src (a share). */
static sm_status read_dataset(sm_textsrc *src, const sm_reader_options *opt,
                              const sm_reader_parallel *par, int64_t lines_before,
                              sm_dataset *out, sm_error *err)
{
    dataset_init(out);
    libsvm_builder *g =
        opt ? libsvm_builder_new(src->name, opt->duplicates, opt->check_label, opt->check_label_ctx)
            : libsvm_builder_new(src->name, DUPLICATES_ERROR, NULL, NULL);
    if (!g)
        return sm_fail_nomem(err, src->name);
    if (opt)
        libsvm_builder_unlabeled(g, opt->allow_unlabeled, opt->command);
    libsvm_builder_skip_lines(g, lines_before);
    sm_status st = parse_blocks(src, opt, par, g, err);
    if (st != SM_OK) {
        libsvm_builder_free(g);
        return st;
    }
    libsvm_builder_finish(g, out);
    return SM_OK;
}

sm_status reader_read_file_parallel(const char *path, const sm_reader_options *opt,
                                    const sm_reader_parallel *par, sm_dataset *out, sm_error *err)
{
    sm_textsrc src;
    sm_status st = textsrc_open(&src, path, err);
    if (st != SM_OK) {
        dataset_init(out);
        return st;
    }
    st = read_dataset(&src, opt, par, 0, out, err);
    textsrc_close(&src);
    return st;
}

sm_status reader_read_file(const char *path, const sm_reader_options *opt, sm_dataset *out,
                           sm_error *err)
{
    return reader_read_file_parallel(path, opt, NULL, out, err);
}

sm_status reader_read_buffer_parallel(const char *buf, size_t len, const char *name,
                                      const sm_reader_options *opt, const sm_reader_parallel *par,
                                      sm_dataset *out, sm_error *err)
{
    sm_textsrc src;
    textsrc_from_buffer(&src, buf, len, name);
    return read_dataset(&src, opt, par, 0, out, err);
}

sm_status reader_read_buffer(const char *buf, size_t len, const char *name,
                             const sm_reader_options *opt, sm_dataset *out, sm_error *err)
{
    return reader_read_buffer_parallel(buf, len, name, opt, NULL, out, err);
}

/* ---- a share of a file ---- */

/* The qid of the line at text[0..], or -1 when it has none (a blank or
 * comment line, or a line the parser will reject anyway). */
static long long line_qid(const char *text, size_t len)
{
    const char *end = memchr(text, '\n', len);
    size_t n = end ? (size_t)(end - text) : len;
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(text + i, "qid:", 4) == 0 && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t')) {
            long long q = 0;
            size_t k = i + 4;
            if (k >= n || text[k] < '0' || text[k] > '9')
                return -1;
            for (; k < n && text[k] >= '0' && text[k] <= '9' && q < (1LL << 58); k++)
                q = q * 10 + (text[k] - '0');
            return q;
        }
    return -1;
}

static size_t next_line(const char *map, size_t size, size_t at)
{
    const char *nl = at < size ? memchr(map + at, '\n', size - at) : NULL;
    return nl ? (size_t)(nl - map) + 1 : size;
}

/* Where share `part` begins: the first line starting at or after
 * part * size / parts; by query, the first line after it whose qid differs
 * from that of the last line with a qid before it. Computed the same way by
 * the share that ends there. */
static size_t share_begin(const char *map, size_t size, int part, int parts, int by_query)
{
    if (part <= 0)
        return 0;
    if (part >= parts)
        return size;
    size_t at = size / (size_t)parts * (size_t)part + size % (size_t)parts * (size_t)part / (size_t)parts;
    if (at > 0 && map[at - 1] != '\n')
        at = next_line(map, size, at);
    if (!by_query || at >= size)
        return at;
    long long before = -1;
    for (size_t b = at; b > 0 && before < 0;) {
        size_t start = b - 1; /* the '\n' ending the line before */
        while (start > 0 && map[start - 1] != '\n')
            start--;
        before = line_qid(map + start, b - start);
        b = start;
    }
    while (at < size) {
        long long q = line_qid(map + at, size - at);
        if (q >= 0 && q != before)
            break;
        at = next_line(map, size, at);
    }
    return at;
}

/* Whether the line at text[0..len) holds a row: a token before any comment. */
static int line_is_row(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r')
            return text[i] != '\n' && text[i] != '#';
    return 0;
}

/* Where share `part` begins when the queries are those of a group file
 * (group_start: the first row of each of n_groups queries, increasing): the
 * first line at or after part * size / parts, moved on past rows to the
 * first query that starts there or later; *first_row is its row. */
static size_t share_begin_rows(const char *map, size_t size, int part, int parts,
                               const int64_t *group_start, int64_t n_groups, int64_t *first_row)
{
    size_t at = share_begin(map, size, part, parts, 0);
    int64_t row = 0;
    for (size_t b = 0; b < at; b = next_line(map, at, b))
        row += line_is_row(map + b, next_line(map, at, b) - b);
    int64_t g = 0; /* the first query starting at row or later (a scan: the rows were one) */
    while (g < n_groups && group_start[g] < row)
        g++;
    int64_t want = g < n_groups ? group_start[g] : INT64_MAX; /* none: the end */
    while (at < size && row < want) {
        size_t next = next_line(map, size, at);
        row += line_is_row(map + at, next - at);
        at = next;
    }
    *first_row = row;
    return at;
}

static int64_t count_lines(const char *map, size_t len)
{
    int64_t n = 0;
    for (const char *p = map, *end = map + len; (p = memchr(p, '\n', (size_t)(end - p))); p++)
        n++;
    return n;
}

/* How a share is cut: by bytes moved to a line, to a new qid (by_query), or
 * to the start of a query of a group file (group_start not NULL). */
typedef struct {
    int part, parts, by_query;
    const int64_t *group_start;
    int64_t n_groups;
    int64_t first_row; /* out, with group_start: the share's first row */
} share_cut;

static sm_status read_share(const char *path, const sm_reader_options *opt,
                            const sm_reader_parallel *par, share_cut *cut, sm_dataset *out,
                            sm_error *err)
{
    int parts = cut->parts;
    dataset_init(out);
    cut->first_row = 0;
    if (parts <= 1)
        return reader_read_file_parallel(path, opt, par, out, err);
    if (strcmp(path, "-") == 0)
        return sm_fail(err, SM_EUSAGE, "standard input cannot be split among %d ranks: give a "
                       "file, or one file per rank with %%r in its name", parts);
    int fd = open(path, O_RDONLY);
    struct stat stt;
    if (fd < 0 || fstat(fd, &stt) != 0 || !S_ISREG(stt.st_mode)) {
        int e = fd < 0 ? errno : EINVAL;
        if (fd >= 0)
            close(fd);
        return sm_fail(err, SM_EIO, "%s: cannot open as a regular file to split among ranks: %s",
                       path, strerror(e));
    }
    size_t size = (size_t)stt.st_size;
    char *map = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (size && map == MAP_FAILED)
        return sm_fail(err, SM_EIO, "%s: cannot map: %s", path, strerror(errno));
    sm_status st;
    if (size >= 2 && (unsigned char)map[0] == 0x1f && (unsigned char)map[1] == 0x8b) {
        st = sm_fail(err, SM_EUSAGE, "%s: gzip data cannot be split among %d ranks by bytes: "
                     "decompress it, or give one file per rank with %%r in its name", path, parts);
    } else {
        int64_t end_row;
        size_t b = cut->group_start ? share_begin_rows(map, size, cut->part, parts, cut->group_start,
                                                       cut->n_groups, &cut->first_row)
                                    : share_begin(map, size, cut->part, parts, cut->by_query);
        size_t e = cut->group_start ? share_begin_rows(map, size, cut->part + 1, parts,
                                                       cut->group_start, cut->n_groups, &end_row)
                                    : share_begin(map, size, cut->part + 1, parts, cut->by_query);
        if (e < b)
            e = b;
        sm_textsrc src;
        textsrc_from_buffer(&src, map + b, e - b, path);
        st = read_dataset(&src, opt, par, count_lines(map, b), out, err);
    }
    if (size)
        munmap(map, size);
    return st;
}

sm_status reader_read_share(const char *path, const sm_reader_options *opt,
                            const sm_reader_parallel *par, int part, int parts, int by_query,
                            sm_dataset *out, sm_error *err)
{
    share_cut cut = {part, parts, by_query, NULL, 0, 0};
    return read_share(path, opt, par, &cut, out, err);
}

sm_status reader_read_share_groups(const char *path, const sm_reader_options *opt,
                                   const sm_reader_parallel *par, int part, int parts,
                                   const int64_t *group_start, int64_t n_groups,
                                   int64_t *first_row, sm_dataset *out, sm_error *err)
{
    share_cut cut = {part, parts, 1, group_start, n_groups, 0};
    sm_status st = read_share(path, opt, par, &cut, out, err);
    *first_row = cut.first_row;
    return st;
}
