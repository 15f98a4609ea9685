/* test_cache.c - a damaged cache is never used: each field of a real cache
 * (header, row offsets, indices, values, labels, groups, qids, weights) is
 * damaged in turn, with its checksums left stale and, to reach the checks
 * behind them, recomputed (cache_image_seal); the file is also truncated and
 * extended. Every load must parse the source again, say why, give the parsed
 * data and rewrite a good cache. The cache keeps the row weights while their
 * file is unchanged, and never gives weights not asked for. And --cache never
 * overwrites a file that is not a cache. */
#define _DEFAULT_SOURCE /* truncate */
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "reader.h"
#include "test.h"

enum { ROW_PTR, COL, VAL, LABEL, GROUP_PTR, QID, WEIGHT };

/* ---- helpers ---- */

/* rows with qids (groups of 1 to 4 rows), 1 to 5 features among 40, some
 * rows without features */
static void ranking_text(test_strbuf *t, int rows)
{
    int qid = 3;
    for (int r = 0; r < rows; r++) {
        if (r % 4 == 0 || r % 7 == 0)
            qid += 2;
        test_strbuf_add(t, "%d qid:%d", r % 5, qid);
        for (int j = 1 + r % 9; j < 40 && r % 11 != 5; j += 3 + r % 13)
            test_strbuf_add(t, " %d:%g", j, 0.25 * (r % 17) - 1.5);
        test_strbuf_add(t, "\n");
    }
}

static const char *src_path, *cache_path;

/* A fresh source and its cache. */
static void make_cache(int rows)
{
    src_path = test_tmp_path("src.txt");
    cache_path = test_tmp_path("src.cache");
    test_strbuf t = {0};
    ranking_text(&t, rows);
    test_write_file(src_path, t.s, t.len);
    free(t.s);
    unlink(cache_path);
    sm_dataset ds;
    sm_error err;
    cache_report rep;
    CHECK(cache_load(src_path, NULL, cache_path, NULL, NULL, &ds, &rep, &err) == SM_OK);
    CHECK(rep.outcome == CACHE_WRITTEN);
    dataset_free(&ds);
}

/* The cache file in memory (malloc'd, so aligned as the loader needs). */
/* The cache file's bytes (*len of them), and its header into *h when h is
 * not NULL; NULL when it cannot be read. */
static unsigned char *read_cache(size_t *len, cache_header *h)
{
    struct stat st;
    unsigned char *b = NULL;
    FILE *f = fopen(cache_path, "rb");
    if (CHECK(f && stat(cache_path, &st) == 0) && (b = malloc((size_t)st.st_size + 1)) != NULL)
        CHECK(fread(b, 1, (size_t)st.st_size, f) == (size_t)st.st_size);
    if (f)
        fclose(f);
    *len = b ? (size_t)st.st_size : 0;
    if (b && h)
        memcpy(h, b, sizeof *h);
    return b;
}

static void *array(unsigned char *image, int a)
{
    cache_header h;
    memcpy(&h, image, sizeof h);
    return image + h.offset[a];
}

/* Load through the cache: it must be rebuilt (why containing reason) and give
 * the parsed data; the rebuilt cache must then be reused. */
static void expect_rebuilt(const char *reason)
{
    sm_dataset ds, fresh;
    sm_error err;
    cache_report rep;
    if (!CHECK(cache_load(src_path, NULL, cache_path, NULL, NULL, &ds, &rep, &err) == SM_OK))
        return;
    if (!CHECK(rep.outcome == CACHE_WRITTEN))
        fprintf(stderr, "  (expected a rebuild because: %s)\n", reason);
    CHECK_CONTAINS(rep.why, reason);
    if (CHECK(reader_read_file(src_path, NULL, &fresh, &err) == SM_OK)) {
        CHECK(dataset_equal(&ds, &fresh));
        dataset_free(&fresh);
    }
    dataset_free(&ds);
    CHECK(cache_load(src_path, NULL, cache_path, NULL, NULL, &ds, &rep, &err) == SM_OK);
    CHECK(rep.outcome == CACHE_REUSED && ds.mapping != NULL);
    dataset_free(&ds);
}

typedef void (*damage_fn)(unsigned char *image, cache_header *h);
/* A damage_fn of one statement. */
#define DAMAGE(name, statement)                          \
    static void name(unsigned char *b, cache_header *h) \
    {                                                    \
        (void)b;                                         \
        (void)h;                                         \
        statement;                                       \
    }

/* Damage the cache (through its header, h, or its bytes), reseal it or not,
 * and write it back; the image must be refused by cache_image_load for
 * reason, with nothing allocated. 0 when the cache could not be read. */
static int damaged_and_refused(damage_fn fn, int seal, const char *reason)
{
    size_t len;
    cache_header h;
    unsigned char *image = read_cache(&len, &h);
    if (!image)
        return 0;
    fn(image, &h);
    memcpy(image, &h, sizeof h);
    if (seal)
        cache_image_seal(image, len);
    sm_dataset ds;
    char why[256];
    CHECK(!cache_image_load(image, len, &ds, why, sizeof why) && ds.row_ptr == NULL &&
          ds.weight == NULL);
    CHECK_CONTAINS(why, reason);
    test_write_file(cache_path, image, len);
    free(image);
    return 1;
}

/* ... and the next load rebuilds it, saying why. */
static void damage(damage_fn fn, int seal, const char *reason)
{
    if (damaged_and_refused(fn, seal, reason))
        expect_rebuilt(reason);
}

/* ---- the header ---- */

DAMAGE(flip_version, h->version = 2)
DAMAGE(flip_byte_order, h->byte_order = 0x04030201)
DAMAGE(more_rows, h->n_rows++)
DAMAGE(huge_rows, h->n_rows = INT64_MAX / 2)
DAMAGE(negative_nnz, h->nnz = -8)
DAMAGE(huge_nnz, h->nnz = (int64_t)(UINT64_MAX / 8 + 2))
DAMAGE(more_groups, h->n_groups = h->n_rows + 1)
DAMAGE(larger_dim, h->dim++)
DAMAGE(smaller_dim, h->dim--)
DAMAGE(negative_dim, h->dim = -3)
DAMAGE(no_qid, h->has_qid = 0)
DAMAGE(moved_col, h->offset[COL] += CACHE_ALIGN)
DAMAGE(shorter_val, h->bytes[VAL] -= 4)
DAMAGE(wild_offset, h->offset[LABEL] = UINT64_MAX - 7)
DAMAGE(larger_file, h->file_size += CACHE_ALIGN)
DAMAGE(unterminated, memset(h->source, 'a', sizeof h->source))
DAMAGE(other_source_hash, h->source_hash ^= 1)

static void test_damaged_header(void)
{
    make_cache(300);
    static const struct {
        damage_fn fn;
        const char *reason;
    } cases[] = {
        {flip_version, "another format version"},
        {flip_byte_order, "another format version or byte order"},
        {more_rows, "another layout"},
        {huge_rows, "impossible counts"},
        {negative_nnz, "impossible counts"},
        {huge_nnz, "impossible counts"},
        {more_groups, "impossible counts"},
        {larger_dim, "a dimension other than"},
        {smaller_dim, "a dimension other than"},
        {negative_dim, "impossible counts"},
        {no_qid, "inconsistent"},
        {moved_col, "another layout"},
        {shorter_val, "another layout"},
        {wild_offset, "another layout"},
        {larger_file, "truncated"},
        {unterminated, "inconsistent"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        /* The header's checksum sees it (but the version is looked at first,
         * its place being the same in every version), and so does the check
         * behind it. */
        int versioned = cases[i].fn == flip_version || cases[i].fn == flip_byte_order;
        damage(cases[i].fn, 0, versioned ? cases[i].reason : "header is damaged");
        damage(cases[i].fn, 1, cases[i].reason);
    }
    /* The source hash is checked against the source, not inside the cache. */
    size_t len;
    cache_header h;
    unsigned char *image = read_cache(&len, &h);
    other_source_hash(image, &h);
    memcpy(image, &h, sizeof h);
    cache_image_seal(image, len);
    test_write_file(cache_path, image, len);
    free(image);
    expect_rebuilt("content changed");
}

/* ---- the arrays ---- */

static int64_t *row_ptr(unsigned char *b) { return array(b, ROW_PTR); }
static int32_t *col(unsigned char *b) { return array(b, COL); }

/* the first nonzero of the first row with at least two */
static int64_t second_of_a_row(unsigned char *b, const cache_header *h)
{
    for (int64_t r = 0; r < h->n_rows; r++)
        if (row_ptr(b)[r + 1] - row_ptr(b)[r] >= 2)
            return row_ptr(b)[r];
    return -1;
}

DAMAGE(offset_negative, row_ptr(b)[1] = -1)
DAMAGE(offset_first, row_ptr(b)[0] = 1)
DAMAGE(offset_last, row_ptr(b)[h->n_rows] = h->nnz - 1)
DAMAGE(offset_beyond, row_ptr(b)[5] = h->nnz + 100)
DAMAGE(offset_backwards, row_ptr(b)[7] = row_ptr(b)[6] - 1)
DAMAGE(offset_huge, row_ptr(b)[9] = INT64_MAX)
DAMAGE(index_dim, col(b)[h->nnz - 1] = h->dim)
static void index_huge(unsigned char *b, cache_header *h) /* the last of a row */
{
    col(b)[row_ptr(b)[h->n_rows / 2 + 1] - 1] = INT32_MAX;
}
DAMAGE(index_negative, col(b)[0] = -5)
static void index_repeated(unsigned char *b, cache_header *h)
{
    int64_t k = second_of_a_row(b, h);
    col(b)[k + 1] = col(b)[k];
}
static void index_swapped(unsigned char *b, cache_header *h)
{
    int64_t k = second_of_a_row(b, h);
    int32_t c = col(b)[k];
    col(b)[k] = col(b)[k + 1];
    col(b)[k + 1] = c;
}
DAMAGE(value_nan, ((float *)array(b, VAL))[h->nnz / 3] = NAN)
DAMAGE(value_inf, ((float *)array(b, VAL))[0] = -INFINITY)
DAMAGE(label_inf, ((double *)array(b, LABEL))[h->n_rows - 1] = INFINITY)
/* (a NaN label is a row without one, which predict's data may have) */
DAMAGE(label_minus_inf, ((double *)array(b, LABEL))[3] = -INFINITY)
DAMAGE(group_empty, ((int64_t *)array(b, GROUP_PTR))[1] = 0)
DAMAGE(group_short, ((int64_t *)array(b, GROUP_PTR))[h->n_groups] = h->n_rows - 1)
DAMAGE(group_first, ((int64_t *)array(b, GROUP_PTR))[0] = 1)
DAMAGE(group_backwards, ((int64_t *)array(b, GROUP_PTR))[3] = 0)
DAMAGE(qid_negative, ((int64_t *)array(b, QID))[2] = -1)
DAMAGE(qid_repeated, ((int64_t *)array(b, QID))[4] = ((int64_t *)array(b, QID))[3])

static void test_damaged_arrays(void)
{
    make_cache(300);
    static const struct {
        damage_fn fn;
        const char *reason;
    } cases[] = {
        {offset_negative, "row offsets out of order"},
        {offset_first, "row offsets that do not span"},
        {offset_last, "row offsets that do not span"},
        {offset_beyond, "row offsets out of order"},
        {offset_backwards, "row offsets out of order"},
        {offset_huge, "row offsets out of order"},
        {index_dim, "a dimension other than"},
        {index_huge, "a dimension other than"},
        {index_negative, "out of order or negative"},
        {index_repeated, "out of order or negative"},
        {index_swapped, "out of order or negative"},
        {value_nan, "not finite"},
        {value_inf, "not finite"},
        {label_inf, "not finite"},
        {label_minus_inf, "not finite"},
        {group_empty, "an empty query group"},
        {group_short, "do not cover the rows"},
        {group_first, "do not cover the rows"},
        {group_backwards, "an empty query group, or groups out of order"},
        {qid_negative, "a negative qid"},
        {qid_repeated, "one qid in two groups"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        damage(cases[i].fn, 0, "data is damaged"); /* the arrays' checksum sees it */
        damage(cases[i].fn, 1, cases[i].reason);   /* and so do the checks behind it */
    }
}

/* One flipped bit anywhere in any array is seen by the checksum. */
static void test_flipped_bits(void)
{
    make_cache(300);
    size_t len;
    cache_header h;
    unsigned char *good = read_cache(&len, &h);
    if (!good)
        return;
    for (int a = 0; a < CACHE_ARRAYS; a++)
        for (int k = 0; k < 3 && h.bytes[a] > 0; k++) {
            uint64_t at = h.offset[a] + (h.bytes[a] - 1) * (uint64_t)k / 2;
            good[at] ^= (unsigned char)(1u << (a + k));
            test_write_file(cache_path, good, len);
            good[at] ^= (unsigned char)(1u << (a + k));
            expect_rebuilt("data is damaged");
        }
    free(good);
}

/* The rows are checked in chunks of 65536 on several threads: damage in a
 * later chunk is found too. */
static void test_damage_in_a_later_chunk(void)
{
    make_cache(140000);
    size_t len;
    cache_header h;
    unsigned char *image = read_cache(&len, &h);
    if (!image)
        return;
    int64_t k = row_ptr(image)[100000];
    col(image)[k] = -1;
    cache_image_seal(image, len);
    test_write_file(cache_path, image, len);
    free(image);
    expect_rebuilt("out of order or negative");
}

/* Values or labels swapped keep every structural check and the plain sum of
 * the checksum: its weighted sum sees them. */
static void test_swaps(void)
{
    make_cache(300);
    size_t len;
    cache_header h;
    unsigned char *good = read_cache(&len, &h);
    if (!good)
        return;
    float *val = array(good, VAL);
    int64_t i = 1, j = h.nnz - 2;
    while (val[i] == val[j] && i < j)
        i++;
    float v = val[i];
    val[i] = val[j];
    val[j] = v;
    test_write_file(cache_path, good, len);
    expect_rebuilt("data is damaged: checksum mismatch");
    free(good);
    if (!(good = read_cache(&len, NULL)))
        return;
    double *label = array(good, LABEL);
    double y = label[0];
    label[0] = label[1];
    label[1] = y;
    if (CHECK(label[0] != label[1]))
        test_write_file(cache_path, good, len);
    expect_rebuilt("data is damaged: checksum mismatch");
    free(good);
}

/* The checksum is summed by chunks of rows on any number of threads: a cache
 * written with one thread count is reused with another. */
static void test_any_threads(void)
{
    make_cache(140000);
    for (int threads = 1; threads <= 3; threads++) {
        sm_reader_parallel par = {threads, 0, 0};
        sm_dataset ds;
        sm_error err;
        cache_report rep;
        unlink(cache_path);
        CHECK(cache_load(src_path, NULL, cache_path, NULL, &par, &ds, &rep, &err) == SM_OK);
        CHECK(rep.outcome == CACHE_WRITTEN);
        dataset_free(&ds);
        par.threads = 4 - threads;
        CHECK(cache_load(src_path, NULL, cache_path, NULL, &par, &ds, &rep, &err) == SM_OK);
        CHECK(rep.outcome == CACHE_REUSED && ds.n_rows == 140000);
        dataset_free(&ds);
    }
}

/* What the progress callback was told: the steps in order (each once), and
 * each step's last done and total. */
typedef struct {
    int steps[16], n_steps, calls, monotone;
    uint64_t done[READ_STEP_COUNT], total[READ_STEP_COUNT];
} steps_log;

static void record_step(void *ctx, sm_read_step step, uint64_t done, uint64_t total)
{
    steps_log *l = ctx;
    if ((l->n_steps == 0 || l->steps[l->n_steps - 1] != (int)step) && l->n_steps < 16)
        l->steps[l->n_steps++] = (int)step;
    else
        l->monotone &= done >= l->done[step];
    l->monotone &= done <= total;
    l->done[step] = done;
    l->total[step] = total;
    l->calls++;
}

/* A cache built says it hashes the source, parses it, checks its arrays and
 * writes them, each to its total (the source's size, the cache file's); one
 * reused, that it hashes the source and checks the arrays, nothing else. */
static void test_progress_steps(void)
{
    make_cache(140000);
    struct stat src_st, cache_st;
    CHECK(stat(src_path, &src_st) == 0);
    unlink(cache_path);
    steps_log log;
    memset(&log, 0, sizeof log);
    log.monotone = 1;
    sm_reader_options opt = {.progress = record_step, .progress_ctx = &log};
    sm_dataset ds;
    sm_error err;
    cache_report rep;
    CHECK(cache_load(src_path, NULL, cache_path, &opt, NULL, &ds, &rep, &err) == SM_OK);
    CHECK(rep.outcome == CACHE_WRITTEN && stat(cache_path, &cache_st) == 0);
    dataset_free(&ds);
    CHECK(log.monotone && log.n_steps >= 3 && log.steps[0] == READ_STEP_HASH);
    CHECK(log.steps[log.n_steps - 2] == READ_STEP_CHECK &&
          log.steps[log.n_steps - 1] == READ_STEP_WRITE);
    CHECK(log.n_steps == 3 || (log.n_steps == 4 && log.steps[1] == READ_STEP_TEXT));
    CHECK(log.done[READ_STEP_HASH] == (uint64_t)src_st.st_size &&
          log.total[READ_STEP_HASH] == (uint64_t)src_st.st_size);
    CHECK(log.done[READ_STEP_CHECK] == log.total[READ_STEP_CHECK] &&
          log.total[READ_STEP_CHECK] > 0);
    CHECK(log.total[READ_STEP_WRITE] == (uint64_t)cache_st.st_size &&
          log.done[READ_STEP_WRITE] <= log.total[READ_STEP_WRITE] &&
          log.done[READ_STEP_WRITE] > log.total[READ_STEP_WRITE] / 2);

    memset(&log, 0, sizeof log);
    log.monotone = 1;
    CHECK(cache_load(src_path, NULL, cache_path, &opt, NULL, &ds, &rep, &err) == SM_OK);
    CHECK(rep.outcome == CACHE_REUSED);
    dataset_free(&ds);
    CHECK(log.monotone && log.n_steps == 2 && log.steps[0] == READ_STEP_HASH &&
          log.steps[1] == READ_STEP_CHECK);
    CHECK(log.done[READ_STEP_CHECK] == log.total[READ_STEP_CHECK]);
}

/* ---- the file's length ---- */

static void truncate_to(off_t size)
{
    CHECK(truncate(cache_path, size) == 0);
}

static void test_truncated_and_extended(void)
{
    make_cache(300);
    struct stat st;
    CHECK(stat(cache_path, &st) == 0);
    const off_t sizes[] = {st.st_size - 1, st.st_size / 2, (off_t)sizeof(cache_header),
                           (off_t)sizeof(cache_header) - 1, 9, 8};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        truncate_to(sizes[i]);
        expect_rebuilt("truncated");
    }
    truncate_to(0); /* an empty file is fair game */
    expect_rebuilt("empty");
    truncate_to(st.st_size + CACHE_ALIGN);
    expect_rebuilt("longer than its header says");
}

/* ---- the image hooks ---- */

static void test_image_load(void)
{
    make_cache(300);
    size_t len;
    unsigned char *image = read_cache(&len, NULL);
    if (!image)
        return;
    sm_dataset ds, fresh;
    sm_error err;
    char why[256];
    if (CHECK(cache_image_load(image, len, &ds, why, sizeof why))) {
        CHECK(ds.mapping == NULL && ds.qid != NULL && ds.n_groups > 1);
        if (CHECK(reader_read_file(src_path, NULL, &fresh, &err) == SM_OK)) {
            CHECK(dataset_equal(&ds, &fresh));
            CHECK_STREQ(ds.source, fresh.source);
            dataset_free(&fresh);
        }
        dataset_free(&ds);
    }
    /* sealing a good image changes nothing */
    unsigned char *copy = malloc(len);
    if (CHECK(copy != NULL)) {
        memcpy(copy, image, len);
        cache_image_seal(copy, len);
        CHECK(memcmp(copy, image, len) == 0);
        free(copy);
    }
    CHECK(!cache_image_load(image, len - 1, &ds, why, sizeof why));
    CHECK_CONTAINS(why, "truncated");
    CHECK(!cache_image_load(image, 100, &ds, why, sizeof why));
    CHECK_CONTAINS(why, "truncated");
    free(image);
}

/* ---- the weights ---- */

static const char *weights_path;

/* A weights file for the source's rows: row r weighs (r * step) % 7 / 2 */
static void write_weights(int rows, int step)
{
    test_strbuf t = {0};
    for (int r = 0; r < rows; r++)
        test_strbuf_add(&t, "%g\n", (r * step) % 7 / 2.0);
    test_write_file(weights_path, t.s, t.len);
    free(t.s);
}

static void *read_file(const char *path, size_t *len)
{
    const char *saved = cache_path;
    cache_path = path;
    void *b = read_cache(len, NULL);
    cache_path = saved;
    return b;
}

/* Load with the weights file w (NULL: none): the outcome must be want (why
 * containing reason when it is written), the data the parsed source's
 * and the weights those of w, bit for bit. Returns whether the data came
 * from the old cache's mapping (was not parsed again). */
static int load_weighted(const char *w, cache_outcome want, const char *reason)
{
    sm_dataset ds, fresh;
    sm_error err;
    cache_report rep;
    if (!CHECK(cache_load(src_path, w, cache_path, NULL, NULL, &ds, &rep, &err) == SM_OK))
        return 0;
    if (!CHECK(rep.outcome == want))
        fprintf(stderr, "  (outcome %d, why: %s)\n", (int)rep.outcome, rep.why);
    if (want != CACHE_REUSED)
        CHECK_CONTAINS(rep.why, reason);
    int mapped = ds.mapping != NULL;
    if (CHECK(reader_read_file(src_path, NULL, &fresh, &err) == SM_OK)) {
        if (w)
            CHECK(sidecar_read_weights(w, fresh.n_rows, fresh.source, &fresh.weight, &err) ==
                  SM_OK);
        CHECK(dataset_equal(&ds, &fresh)); /* (weights included) */
        CHECK((ds.weight != NULL) == (w != NULL));
        if (w)
            CHECK_STREQ(ds.weight_source, w);
        dataset_free(&fresh);
    }
    dataset_free(&ds);
    return mapped;
}

static void make_weighted_cache(void)
{
    make_cache(300);
    weights_path = test_tmp_path("src.weight");
    write_weights(300, 3);
    /* the data comes from the cache, only the weights are read */
    CHECK(load_weighted(weights_path, CACHE_WRITTEN, "no weights in the cache yet"));
}

static void test_weights_kept(void)
{
    make_weighted_cache();
    CHECK(load_weighted(weights_path, CACHE_REUSED, NULL));
    /* a load without weights gets none, and leaves them in the cache */
    CHECK(load_weighted(NULL, CACHE_REUSED, NULL));
    CHECK(load_weighted(weights_path, CACHE_REUSED, NULL));
    size_t len;
    cache_header h;
    unsigned char *image = read_cache(&len, &h);
    if (!image)
        return;
    CHECK(h.has_weights == 1 && h.bytes[WEIGHT] == 8 * (uint64_t)h.n_rows);
    sm_dataset ds;
    char why[256];
    if (CHECK(cache_image_load(image, len, &ds, why, sizeof why))) {
        CHECK(ds.weight != NULL && memcmp(ds.weight, array(image, WEIGHT), h.bytes[WEIGHT]) == 0);
        dataset_free(&ds);
    }
    free(image);
    /* a changed source: parsed again, and the weights read with it */
    const struct timespec times[2] = {{0, UTIME_OMIT}, {1000000000, 0}};
    CHECK(utimensat(AT_FDCWD, src_path, times, 0) == 0);
    CHECK(!load_weighted(weights_path, CACHE_WRITTEN, "the source's modification time changed"));
    CHECK(load_weighted(weights_path, CACHE_REUSED, NULL));
    unlink(cache_path);
    CHECK(!load_weighted(weights_path, CACHE_WRITTEN, "no cache yet"));
    CHECK(load_weighted(weights_path, CACHE_REUSED, NULL));
}

/* Other weights of the same size, their file's mtime set back to the one
 * recorded: only the hash tells them apart; the cache is rewritten from the
 * data in memory (still the old cache's mapping). */
static void test_weights_changed(void)
{
    make_weighted_cache();
    struct stat st;
    CHECK(stat(weights_path, &st) == 0);
    write_weights(300, 5);
    struct stat st2;
    CHECK(stat(weights_path, &st2) == 0 && st2.st_size == st.st_size);
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    CHECK(utimensat(AT_FDCWD, weights_path, times, 0) == 0);
    CHECK(load_weighted(weights_path, CACHE_WRITTEN, "the weights file's content changed"));
    CHECK(load_weighted(weights_path, CACHE_REUSED, NULL));
    /* another size, another file */
    write_weights(300, 2);
    CHECK(load_weighted(weights_path, CACHE_WRITTEN, "the weights file's size changed"));
    const char *other = test_tmp_path("other.weight");
    size_t len;
    void *bytes = read_file(weights_path, &len);
    test_write_file(other, bytes, len);
    free(bytes);
    CHECK(load_weighted(other, CACHE_WRITTEN, "the weights file's"));
    CHECK(load_weighted(other, CACHE_REUSED, NULL));
}

/* Bad weights are the reader's located errors, and the cache stays as it
 * was: whether the data came from it or was parsed. */
static void test_bad_weights(void)
{
    make_weighted_cache();
    size_t len, len2;
    unsigned char *before = read_cache(&len, NULL);
    static const struct {
        const char *text, *error;
    } bad[] = {
        {"1\n-1\n", "src.weight:2:1: a weight must be >= 0"},
        {"1\nnan\n", "src.weight:2:1: weight must be finite"},
        {"1\n2\n", "src.weight:2: the file ends after 2 weights, for the 300 rows"},
    };
    for (int stale = 0; stale < 2; stale++)
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            test_write_file(weights_path, bad[i].text, strlen(bad[i].text));
            if (stale) { /* a cache of another source: parsed, no cache written */
                test_write_file(cache_path, before, len);
                unsigned char *image = read_cache(&len2, NULL);
                cache_header h;
                memcpy(&h, image, sizeof h);
                h.source_size++;
                memcpy(image, &h, sizeof h);
                cache_image_seal(image, len2);
                test_write_file(cache_path, image, len2);
                free(image);
            }
            unsigned char *was = read_cache(&len2, NULL);
            sm_dataset ds;
            sm_error err;
            cache_report rep;
            CHECK(cache_load(src_path, weights_path, cache_path, NULL, NULL, &ds, &rep, &err) ==
                  SM_EDATA);
            CHECK_CONTAINS(err.msg, bad[i].error);
            CHECK(ds.row_ptr == NULL && ds.weight == NULL && ds.mapping == NULL);
            size_t len3;
            unsigned char *now = read_cache(&len3, NULL);
            CHECK(was && now && len3 == len2 && memcmp(was, now, len2) == 0);
            free(was);
            free(now);
        }
    free(before);
    /* weights from standard input have no identity to keep */
    sm_dataset ds;
    sm_error err;
    CHECK(cache_load(src_path, "-", cache_path, NULL, NULL, &ds, NULL, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "regular file");
}

DAMAGE(weight_flipped, ((unsigned char *)array(b, WEIGHT))[8 * (h->n_rows / 2) + 3] ^= 0x10)
DAMAGE(weight_negative, ((double *)array(b, WEIGHT))[7] = -0.5)
DAMAGE(weight_nan, ((double *)array(b, WEIGHT))[h->n_rows - 1] = NAN)
DAMAGE(weight_inf, ((double *)array(b, WEIGHT))[0] = INFINITY)
DAMAGE(weight_zero, memset(array(b, WEIGHT), 0, 8 * (size_t)h->n_rows))
DAMAGE(weights_flag, h->has_weights = 2)
DAMAGE(weights_padding, h->duplicates = DUPLICATES_COUNT)
DAMAGE(weights_dropped, h->has_weights = 0)

/* A damaged weight array is a stale cache, never an error, never used: the
 * data is parsed again and the weights read. */
static void test_damaged_weights(void)
{
    static const struct {
        damage_fn fn;
        const char *reason;
    } cases[] = {
        {weight_flipped, NULL}, /* (resealed, it is other weights, as valid) */
        {weight_negative, "a weight that is negative or not finite"},
        {weight_nan, "a weight that is negative or not finite"},
        {weight_inf, "a weight that is negative or not finite"},
        {weight_zero, "weights that are all 0"},
        {weights_flag, "inconsistent"},
        {weights_padding, "inconsistent"},
        {weights_dropped, "inconsistent"}, /* (the weights file's identity is left) */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (int seal = 0; seal < 1 + (cases[i].reason != NULL); seal++) {
            make_weighted_cache();
            int in_header = cases[i].fn == weights_flag || cases[i].fn == weights_padding ||
                            cases[i].fn == weights_dropped;
            const char *reason = seal              ? cases[i].reason
                                 : in_header       ? "header is damaged"
                                                   : "data is damaged";
            if (!damaged_and_refused(cases[i].fn, seal, reason))
                return;
            CHECK(!load_weighted(weights_path, CACHE_WRITTEN, reason));
            CHECK(load_weighted(weights_path, CACHE_REUSED, NULL));
        }
}

/* ---- what a cache may overwrite ---- */

static int same_bytes(const char *path, const char *text)
{
    char buf[256] = {0};
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    return n == strlen(text) && memcmp(buf, text, n) == 0;
}

static void test_foreign_file_is_not_overwritten(void)
{
    /* A source the reader refuses: were it parsed, the error would be SM_EDATA. */
    const char *bad = test_tmp_path("bad.txt");
    test_write_file(bad, "1 1:x\n", 6);
    static const char *const foreign[] = {"1 1:1\n2 3:4\n", "smloss-model 1\nscorer=linear\n",
                                          "SMLCACH", "\x1f\x8b\x08"};
    const char *other = test_tmp_path("other");
    for (size_t i = 0; i < sizeof foreign / sizeof *foreign; i++) {
        test_write_file(other, foreign[i], strlen(foreign[i]));
        sm_dataset ds;
        sm_error err;
        cache_report rep;
        CHECK(cache_load(bad, NULL, other, NULL, NULL, &ds, &rep, &err) == SM_EUSAGE);
        CHECK_CONTAINS(err.msg, other);
        CHECK_CONTAINS(err.msg, "is not a smloss cache");
        CHECK(same_bytes(other, foreign[i]) && ds.row_ptr == NULL);
    }
    /* a cache of another source is a cache: it is replaced */
    make_cache(20);
    const char *src2 = test_tmp_path("src2.txt");
    test_write_file(src2, "1 1:1\n", 6);
    sm_dataset ds;
    sm_error err;
    cache_report rep;
    CHECK(cache_load(src2, NULL, cache_path, NULL, NULL, &ds, &rep, &err) == SM_OK);
    CHECK(rep.outcome == CACHE_WRITTEN && ds.n_rows == 1);
    CHECK_CONTAINS(rep.why, "size changed");
    dataset_free(&ds);
}

static const test_case cases[] = {
    TEST(test_damaged_header),
    TEST(test_damaged_arrays),
    TEST(test_flipped_bits),
    TEST(test_damage_in_a_later_chunk),
    TEST(test_swaps),
    TEST(test_any_threads),
    TEST(test_truncated_and_extended),
    TEST(test_image_load),
    TEST(test_weights_kept),
    TEST(test_weights_changed),
    TEST(test_bad_weights),
    TEST(test_damaged_weights),
    TEST(test_progress_steps),
    TEST(test_foreign_file_is_not_overwritten),
};

TEST_MAIN(cases)
