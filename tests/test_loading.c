/* test_loading.c - how data gets into memory fast: the parallel reader gives
 * the same dataset and the same first error for every thread count and block
 * size, and the binary cache is reused only while its source is unchanged
 * (size, mtime, content), is rebuilt otherwise, and is written atomically. */
#define _DEFAULT_SOURCE /* utimensat, mkdtemp */
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cache.h"
#include "crc32c.h"
#include "reader.h"
#include "test.h"

/* ---- helpers ---- */

static uint64_t rng_state = 7;

static unsigned below(unsigned n)
{
    uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return (unsigned)((z ^ (z >> 31)) % n);
}

/* Rows of every shape the format allows: qid groups, comments, blank lines,
 * CRLF, tabs, unsorted indices, long and exponent numbers, rows without
 * features, and no newline at the end. Returns the number of lines. */
static int varied_text(test_strbuf *t, int rows, int with_qid)
{
    int lines = 0;
    for (int r = 0; r < rows; r++) {
        if (below(15) == 0) {
            test_strbuf_add(t, below(2) ? "# a comment line %d\n" : " \t\n", r);
            lines++;
        }
        test_strbuf_add(t, below(4) ? "%d" : "%d.000000000000000000001e-0", (int)below(5) - 1);
        if (with_qid)
            test_strbuf_add(t, " qid:%d", r / 7);
        int n = (int)below(12), base = (int)below(3) * 1000;
        int unsorted = below(10) == 0;
        for (int k = 0; k < n; k++) {
            int idx = unsorted ? base + (n - k) * 3 : base + k * 3 + (int)below(3);
            switch (below(5)) {
            case 0: test_strbuf_add(t, "\t%d:%d", idx, (int)below(100) - 50); break;
            case 1: test_strbuf_add(t, " %d:%.17g", idx, (double)below(1u << 30) / 7e5); break;
            case 2: test_strbuf_add(t, " %d:%de-%d", idx, (int)below(1000), (int)below(40)); break;
            default: test_strbuf_add(t, " %d:0.%06u", idx, below(1000000)); break;
            }
        }
        test_strbuf_add(t, below(8) == 0 ? " # trailing %d\r\n" : below(6) == 0 ? "\r\n" : "\n", r);
        lines++;
    }
    if (t->len > 0 && t->s[t->len - 1] == '\n')
        t->len -= t->s[t->len - 2] == '\r' ? 2 : 1; /* the last line lacks its newline */
    t->s[t->len] = '\0';
    return lines;
}

static const int thread_counts[] = {1, 2, 3, 8};
static const size_t block_sizes[] = {1, 7, 300, 4096, 0};
enum { N_THREADS = sizeof thread_counts / sizeof thread_counts[0],
       N_BLOCKS = sizeof block_sizes / sizeof block_sizes[0] };

/* ---- the parallel reader ---- */

static void test_every_split_gives_the_same_dataset(void)
{
    for (int with_qid = 0; with_qid < 2; with_qid++) {
        test_strbuf t = {0};
        varied_text(&t, 1000, with_qid);
        sm_dataset ref, ds;
        sm_error err;
        sm_reader_parallel serial = {1, (size_t)1 << 30, 0};
        if (!CHECK(reader_read_buffer_parallel(t.s, t.len, "v", NULL, &serial, &ref, &err) ==
                   SM_OK))
            return;
        CHECK(ref.n_rows == 1000 && (with_qid ? ref.n_groups == 143 : ref.n_groups == 0));
        for (int i = 0; i < N_THREADS; i++)
            for (int j = 0; j < N_BLOCKS; j++) {
                sm_reader_parallel par = {thread_counts[i], block_sizes[j], 0};
                if (!CHECK(reader_read_buffer_parallel(t.s, t.len, "v", NULL, &par, &ds, &err) ==
                           SM_OK))
                    continue;
                if (!CHECK(dataset_equal(&ref, &ds)))
                    fprintf(stderr, "  threads %d, block %zu\n", thread_counts[i], block_sizes[j]);
                dataset_free(&ds);
            }
        /* the same through a gzip file */
        const char *gz = test_tmp_path("varied.gz");
        gzFile f = gzopen(gz, "wb");
        CHECK(f && gzwrite(f, t.s, (unsigned)t.len) == (int)t.len && gzclose(f) == Z_OK);
        sm_reader_parallel par = {2, 500, 0};
        if (CHECK(reader_read_file_parallel(gz, NULL, &par, &ds, &err) == SM_OK)) {
            CHECK(dataset_equal(&ref, &ds));
            dataset_free(&ds);
        }
        dataset_free(&ref);
        free(t.s);
    }
}

/* --duplicates sum and last: every split gives the serial read's data and
 * count of rows changed (every 7th line repeats an index, unsorted). */
static void test_every_split_merges_duplicates_alike(void)
{
    test_strbuf t = {0};
    for (int i = 0; i < 700; i++)
        test_strbuf_add(&t, i % 7 ? "%d 1:%d 4:0.5\n" : "%d 4:%d 1:2 4:0.25 9:1\n", i % 3, i);
    for (int policy = DUPLICATES_SUM; policy <= DUPLICATES_LAST; policy++) {
        sm_reader_options opt = {.duplicates = (sm_duplicates)policy};
        sm_dataset ref, ds;
        sm_error err;
        sm_reader_parallel serial = {.threads = 1, .block_bytes = (size_t)1 << 30};
        if (!CHECK(reader_read_buffer_parallel(t.s, t.len, "d", &opt, &serial, &ref, &err) ==
                   SM_OK))
            continue;
        CHECK(ref.duplicate_rows == 100 && ref.nnz == 700 * 2 + 100);
        /* line 8 (i = 7): 4:7 and 4:0.25 */
        CHECK(ref.col[ref.row_ptr[7] + 1] == 4 &&
              ref.val[ref.row_ptr[7] + 1] == (policy == DUPLICATES_SUM ? 7.25f : 0.25f));
        for (int i = 0; i < N_THREADS; i++)
            for (int j = 0; j < N_BLOCKS; j++) {
                sm_reader_parallel par = {.threads = thread_counts[i], .block_bytes = block_sizes[j]};
                if (!CHECK(reader_read_buffer_parallel(t.s, t.len, "d", &opt, &par, &ds, &err) ==
                           SM_OK))
                    continue;
                if (!CHECK(dataset_equal(&ref, &ds) && ds.duplicate_rows == ref.duplicate_rows))
                    fprintf(stderr, "  threads %d, block %zu\n", thread_counts[i], block_sizes[j]);
                dataset_free(&ds);
            }
        dataset_free(&ref);
    }
    free(t.s);
}

/* Put a bad line (or a qid rule broken by a good-looking line) at a chosen
 * line of generated text and check that every split reports exactly the
 * message of a one-thread, one-block read, and that it names that line. */
static void test_every_split_gives_the_same_first_error(void)
{
    static const struct {
        const char *line; /* replaces the line; %d is the qid of the rows around it */
        int with_qid;
        const char *what;
    } faults[] = {
        {"1 3:1 2x:4", 0, "expected ':' after feature index"},
        {"1,2 3:1", 0, "multiple labels"},
        {"1 4:1 4:2", 0, "duplicate feature index"},
        {"1 4:1e999", 0, "out of range for a double"},
        {"1 qid:5 2:1", 0, "unexpected qid"},
        {"1 2:1", 1, "missing qid"},
        {"1 qid:0 2:1", 1, "reappears"},
        {"1 qid:x 2:1", 1, "qid must be a non-negative integer"},
        {"3 qid:%d 7:2 9:nan", 1, "must be finite"},
    };
    static const int fault_lines[] = {1, 2, 150, 999};
    for (size_t f = 0; f < sizeof faults / sizeof faults[0]; f++)
        for (size_t l = 0; l < sizeof fault_lines / sizeof fault_lines[0]; l++) {
            int at = fault_lines[l];
            if (at == 1 && strstr(faults[f].what, "qid") && !strstr(faults[f].what, "integer"))
                continue; /* line 1 sets the qid convention */
            if (at < 20 && strstr(faults[f].what, "reappears"))
                continue; /* qid 0 is still the open group there */
            /* lines of "label [qid] features", then the fault at line `at` */
            test_strbuf t = {0};
            for (int i = 1; i <= 1000; i++) {
                if (i == at) {
                    test_strbuf_add(&t, faults[f].line, i / 7);
                    test_strbuf_add(&t, "\n");
                } else if (faults[f].with_qid) {
                    test_strbuf_add(&t, "%d qid:%d 1:%d 5:0.%d\n", i % 3, i / 7, i, i);
                } else {
                    test_strbuf_add(&t, "%d 1:%d 5:0.%d\n", i % 3, i, i);
                }
            }
            sm_dataset ds;
            sm_error ref_err, err;
            sm_reader_parallel serial = {1, (size_t)1 << 30, 0};
            CHECK(reader_read_buffer_parallel(t.s, t.len, "e.txt", NULL, &serial, &ds, &ref_err) ==
                  SM_EDATA);
            char where[32];
            snprintf(where, sizeof where, "e.txt:%d:", at);
            CHECK_CONTAINS(ref_err.msg, where);
            CHECK_CONTAINS(ref_err.msg, faults[f].what);
            for (int i = 0; i < N_THREADS - 1; i++)
                for (int j = 2; j < N_BLOCKS; j++) {
                    sm_reader_parallel par = {thread_counts[i], block_sizes[j], 0};
                    CHECK(reader_read_buffer_parallel(t.s, t.len, "e.txt", NULL, &par, &ds,
                                                      &err) == SM_EDATA);
                    CHECK(ds.row_ptr == NULL && ds.n_rows == 0);
                    if (!CHECK_STREQ(err.msg, ref_err.msg))
                        fprintf(stderr, "  threads %d, block %zu\n", thread_counts[i],
                                block_sizes[j]);
                }
            free(t.s);
        }
}

/* ---- the cache ---- */

static sm_status load_cached(const char *src, const char *cache, sm_dataset *ds,
                             cache_report *rep, sm_error *err)
{
    sm_reader_parallel par = {2, 256, 0};
    return cache_load(src, NULL, cache, NULL, &par, ds, rep, err);
}

/* Load src through cache and check outcome, reason and the data against a
 * fresh parse of src. */
static void expect_load(const char *src, const char *cache, cache_outcome outcome, const char *why)
{
    sm_dataset ds, fresh;
    sm_error err;
    cache_report rep;
    if (!CHECK(load_cached(src, cache, &ds, &rep, &err) == SM_OK))
        return;
    CHECK(rep.outcome == outcome);
    if (why)
        CHECK_CONTAINS(rep.why, why);
    CHECK((ds.mapping != NULL) == (outcome == CACHE_REUSED));
    if (CHECK(reader_read_file(src, NULL, &fresh, &err) == SM_OK)) {
        CHECK(dataset_equal(&ds, &fresh));
        CHECK_STREQ(ds.source, fresh.source);
        dataset_free(&fresh);
    }
    dataset_free(&ds);
}

static int temp_files_left(void)
{
    int n = 0;
    DIR *d = opendir(test_tmp_path("."));
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return n;
}

static void set_mtime(const char *path, const struct timespec *t)
{
    struct timespec times[2] = {*t, *t};
    CHECK(utimensat(AT_FDCWD, path, times, 0) == 0);
}

static void test_cache_reused_only_while_source_unchanged(void)
{
    const char *src = test_tmp_path("data.txt"), *cache = test_tmp_path("data.cache");
    test_strbuf t = {0};
    varied_text(&t, 500, 1);
    test_write_file(src, t.s, t.len);
    expect_load(src, cache, CACHE_WRITTEN, "no cache yet");
    expect_load(src, cache, CACHE_REUSED, NULL);
    expect_load(src, cache, CACHE_REUSED, NULL);

    /* Same size and mtime, one digit changed: only the content hash sees it. */
    struct stat st;
    CHECK(stat(src, &st) == 0);
    char *digit = strchr(strchr(t.s, ':') + 1, ':') + 1;
    *digit = *digit == '7' ? '8' : '7';
    test_write_file(src, t.s, t.len);
    set_mtime(src, &st.st_mtim);
    expect_load(src, cache, CACHE_WRITTEN, "content changed");
    expect_load(src, cache, CACHE_REUSED, NULL);

    /* Only the modification time moves. */
    struct timespec later = st.st_mtim;
    later.tv_sec += 10;
    set_mtime(src, &later);
    expect_load(src, cache, CACHE_WRITTEN, "modification time changed");

    /* A row appended: the size changes. */
    test_strbuf_add(&t, "\n2 qid:99999 3:1\n");
    test_write_file(src, t.s, t.len);
    set_mtime(src, &later);
    expect_load(src, cache, CACHE_WRITTEN, "size changed");
    expect_load(src, cache, CACHE_REUSED, NULL);
    CHECK(temp_files_left() == 0);
    free(t.s);
}

/* The content hash (CRC-32C) is taken over 8 MiB segments, in parallel: the same for
 * every thread count, and a change anywhere (here in the third segment, the
 * last byte, or the length) changes it. */
static void test_content_hash_any_threads(void)
{
    const char *path = test_tmp_path("big.bin");
    size_t len = (size_t)20 << 20;
    unsigned char *b = malloc(len + 1);
    if (!CHECK(b != NULL))
        return;
    for (size_t i = 0; i < len; i++)
        b[i] = (unsigned char)((i * 2654435761u) >> 13);
    uint64_t want = 0, got;
    sm_error err;
    test_write_file(path, b, len);
    CHECK(cache_hash_file(path, 1, &want, &err) == SM_OK);
    /* the segments' CRCs combined are the CRC of the whole file */
    CHECK(want == crc32c(0, b, len));
    for (int threads = 2; threads <= 3; threads++)
        CHECK(cache_hash_file(path, threads, &got, &err) == SM_OK && got == want);
    const size_t at[] = {(size_t)17 << 20, len - 1};
    for (int k = 0; k < 2; k++) {
        b[at[k]] ^= 1;
        test_write_file(path, b, len);
        CHECK(cache_hash_file(path, 2, &got, &err) == SM_OK && got != want);
        b[at[k]] ^= 1;
    }
    b[len] = 0; /* one more byte, a zero */
    test_write_file(path, b, len + 1);
    CHECK(cache_hash_file(path, 2, &got, &err) == SM_OK && got != want);
    test_write_file(path, b, 0);
    uint64_t empty;
    CHECK(cache_hash_file(path, 2, &empty, &err) == SM_OK && empty != want);
    CHECK(cache_hash_file(test_tmp_path("missing"), 2, &got, &err) == SM_EIO);
    free(b);
}

static void test_bad_cache_is_rebuilt(void)
{
    const char *src = test_tmp_path("b.txt"), *cache = test_tmp_path("b.cache");
    test_write_file(src, "1 1:1\n2 2:2 5:0.5\n", 18);
    expect_load(src, cache, CACHE_WRITTEN, NULL);
    /* truncated */
    struct stat st;
    CHECK(stat(cache, &st) == 0 && st.st_size > 64);
    CHECK(truncate(cache, st.st_size - 1) == 0);
    expect_load(src, cache, CACHE_WRITTEN, "truncated");
    /* a flipped header byte, and an empty file (tests/test_cache.c has the
     * rest: every field damaged, and files that are no cache at all) */
    FILE *f = fopen(cache, "r+b");
    CHECK(f && fseek(f, 40, SEEK_SET) == 0 && fputc(0x5a, f) != EOF && fclose(f) == 0);
    expect_load(src, cache, CACHE_WRITTEN, "header is damaged");
    test_write_file(cache, "", 0);
    expect_load(src, cache, CACHE_WRITTEN, "empty");
    expect_load(src, cache, CACHE_REUSED, NULL);
}

static void test_cache_of_gzip_and_empty_data(void)
{
    const char *gz = test_tmp_path("g.gz"), *cache = test_tmp_path("g.cache");
    gzFile f = gzopen(gz, "wb");
    CHECK(f && gzputs(f, "1 qid:1 1:1\n0 qid:1 3:2\n1 qid:2 2:0.25\n") > 0 && gzclose(f) == Z_OK);
    expect_load(gz, cache, CACHE_WRITTEN, NULL);
    expect_load(gz, cache, CACHE_REUSED, NULL);
    const char *empty = test_tmp_path("empty.txt"), *ecache = test_tmp_path("empty.cache");
    test_write_file(empty, "# nothing\n", 10);
    expect_load(empty, ecache, CACHE_WRITTEN, NULL);
    expect_load(empty, ecache, CACHE_REUSED, NULL);
}

/* The caller hears of the cache's temporary file while it exists (to remove
 * it on a signal) and when it is gone, renamed into place. */
typedef struct {
    int created, gone, existed_when_created, existed_when_gone;
    char path[512];
} temp_log;

static void log_temp_file(void *ctx, const char *path, int exists)
{
    temp_log *log = ctx;
    struct stat st;
    int there = stat(path, &st) == 0;
    if (exists) {
        log->created++;
        log->existed_when_created = there;
        snprintf(log->path, sizeof log->path, "%s", path);
    } else {
        log->gone += strcmp(path, log->path) == 0;
        log->existed_when_gone = there;
    }
}

static void test_cache_temp_file_is_reported(void)
{
    const char *src = test_tmp_path("t.txt"), *cache = test_tmp_path("t.cache");
    test_write_file(src, "1 1:1\n0 2:2\n", 12);
    temp_log log = {0};
    sm_reader_options opt = {.temp_file = log_temp_file, .temp_file_ctx = &log};
    sm_reader_parallel par = {1, 0, 0};
    sm_dataset ds;
    sm_error err;
    cache_report rep;
    CHECK(cache_load(src, NULL, cache, &opt, &par, &ds, &rep, &err) == SM_OK);
    CHECK(rep.outcome == CACHE_WRITTEN);
    CHECK(log.created == 1 && log.existed_when_created);
    CHECK(log.gone == 1 && !log.existed_when_gone);
    CHECK(strstr(log.path, ".tmp.") != NULL);
    dataset_free(&ds);
    log = (temp_log){0};
    CHECK(cache_load(src, NULL, cache, &opt, &par, &ds, &rep, &err) == SM_OK);
    CHECK(rep.outcome == CACHE_REUSED && log.created == 0); /* nothing written, nothing to hear */
    dataset_free(&ds);
}

static void test_cached_dataset_behaves_like_a_parsed_one(void)
{
    const char *src = test_tmp_path("m.txt"), *cache = test_tmp_path("m.cache");
    test_write_file(src, "1 qid:1 1:1\n4 qid:1 3:2\n9 qid:2 2:0.25\n", 39);
    sm_dataset ds;
    sm_error err;
    cache_report rep;
    load_cached(src, cache, &ds, &rep, &err);
    dataset_free(&ds);
    if (!CHECK(load_cached(src, cache, &ds, &rep, &err) == SM_OK && rep.outcome == CACHE_REUSED))
        return;
    /* labels change in place; groups are replaced; freeing is clean */
    CHECK(dataset_transform_labels(&ds, LABEL_LOG, &err) == SM_OK);
    CHECK_CLOSE(ds.label[2], log(9.0), 1e-15);
    int64_t sizes[] = {1, 2};
    CHECK(dataset_set_group_sizes(&ds, sizes, 2, "sizes", &err) == SM_OK);
    CHECK(ds.group_ptr[1] == 1 && ds.qid == NULL);
    dataset_free(&ds);
    CHECK(ds.mapping == NULL && ds.row_ptr == NULL);
    /* the cache file itself is untouched by those changes */
    CHECK(load_cached(src, cache, &ds, &rep, &err) == SM_OK && rep.outcome == CACHE_REUSED);
    CHECK(ds.label[2] == 9.0 && ds.qid && ds.qid[1] == 2);
    dataset_free(&ds);
}

static void test_cache_errors(void)
{
    sm_dataset ds;
    sm_error err;
    cache_report rep;
    const char *cache = test_tmp_path("x.cache");
    CHECK(load_cached("-", cache, &ds, &rep, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "standard input");
    CHECK(load_cached(test_tmp_path("missing.txt"), cache, &ds, &rep, &err) == SM_EIO);
    CHECK_CONTAINS(err.msg, "missing.txt");
    /* The data file itself is refused as its cache (it would be replaced). */
    const char *self = test_tmp_path("self.txt");
    test_write_file(self, "1 1:1\n", 6);
    CHECK(load_cached(self, self, &ds, &rep, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "cannot be the data file");
    /* A bad source is the reader's error, and no cache is written. */
    const char *bad = test_tmp_path("bad.txt");
    test_write_file(bad, "1 1:1\n1 1:x\n", 12);
    CHECK(load_cached(bad, cache, &ds, &rep, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "bad.txt:2:3: feature value is not a number");
    CHECK(access(cache, F_OK) != 0 && ds.row_ptr == NULL);
    /* A cache that cannot be written leaves the data loaded. */
    const char *src = test_tmp_path("ok.txt");
    test_write_file(src, "1 1:1\n", 6);
    if (CHECK(load_cached(src, "/nonexistent-dir/c", &ds, &rep, &err) == SM_OK)) {
        CHECK(rep.outcome == CACHE_NOT_WRITTEN && ds.n_rows == 1);
        CHECK_CONTAINS(rep.why, "/nonexistent-dir/c");
        dataset_free(&ds);
    }
    CHECK(temp_files_left() == 0);
}

static const test_case cases[] = {
    TEST(test_every_split_gives_the_same_dataset),
    TEST(test_every_split_merges_duplicates_alike),
    TEST(test_every_split_gives_the_same_first_error),
    TEST(test_cache_reused_only_while_source_unchanged),
    TEST(test_content_hash_any_threads),
    TEST(test_bad_cache_is_rebuilt),
    TEST(test_cache_of_gzip_and_empty_data),
    TEST(test_cached_dataset_behaves_like_a_parsed_one),
    TEST(test_cache_temp_file_is_reported),
    TEST(test_cache_errors),
};

TEST_MAIN(cases)
