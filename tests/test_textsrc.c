/* test_textsrc.c - where data text comes from (textsrc.h, through the
 * reader): files, gzip (its errors, members, trailing bytes), standard
 * input, open errors, lines and files larger than a chunk, and the progress
 * callback. */
#include "reader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "reader_helpers.h"
#include "test.h"

static const char sample[] = "1 qid:3 1:0.5 4:-2\n0 qid:3 2:1e-3\r\n# comment\n2.5 qid:9 0:7\n";

static void test_file_and_gzip_match_buffer(void)
{
    sm_dataset want, plain, gz;
    sm_error err;
    if (!CHECK(parse(sample, &want, &err) == SM_OK))
        return;
    const char *plain_path = test_tmp_path("sample.txt"), *gz_path = test_tmp_path("sample.data");
    test_write_file(plain_path, sample, strlen(sample));
    write_gzip(gz_path, sample, strlen(sample)); /* no .gz suffix: detected by magic bytes */
    if (!CHECK(reader_read_file(plain_path, NULL, &plain, &err) == SM_OK))
        return;
    if (!CHECK(reader_read_file(gz_path, NULL, &gz, &err) == SM_OK))
        return;
    CHECK(dataset_equal(&want, &plain));
    CHECK(dataset_equal(&want, &gz));
    CHECK(want.n_rows == 3 && want.n_groups == 2);
    CHECK_STREQ(gz.source, gz_path);
    dataset_free(&want);
    dataset_free(&plain);
    dataset_free(&gz);
}

static void test_gzip_errors(void)
{
    test_strbuf t = {0};
    for (int i = 0; i < 20000; i++)
        test_strbuf_add(&t, "%d %d:%d.5 %d:1\n", i % 7, i % 13, i, 20 + i % 11);
    const char *good = test_tmp_path("good.gz"), *cut = test_tmp_path("cut.gz"), *bad = test_tmp_path("badcrc.gz");
    write_gzip(good, t.s, t.len);
    size_t len = 0;
    char *bytes = slurp(good, &len);
    CHECK(bytes && len > 100);
    sm_dataset ds;
    sm_error err;
    if (!CHECK(reader_read_file(good, NULL, &ds, &err) == SM_OK))
        return;
    if (!CHECK(ds.n_rows == 20000)) {
        dataset_free(&ds);
        return;
    }
    dataset_free(&ds);

    test_write_file(cut, bytes, len / 2);
    CHECK(reader_read_file(cut, NULL, &ds, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, cut);
    CHECK_CONTAINS(err.msg, "corrupt gzip data");
    CHECK(dataset_is_empty_shell(&ds));

    /* Cut right after the header and inside the trailer too. */
    test_write_file(cut, bytes, 12);
    CHECK(reader_read_file(cut, NULL, &ds, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "corrupt gzip data");
    test_write_file(cut, bytes, len - 3);
    CHECK(reader_read_file(cut, NULL, &ds, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "corrupt gzip data");

    bytes[len - 8] ^= 0x55; /* the CRC-32 of the trailer */
    test_write_file(bad, bytes, len);
    CHECK(reader_read_file(bad, NULL, &ds, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "corrupt gzip data");
    CHECK(dataset_is_empty_shell(&ds));
    free(bytes);
    free(t.s);
}

/* Concatenated members (`cat a.gz b.gz`) are one text; bytes after the last
 * member that do not start another are an error at their offset (gzread
 * dropped them), in the line scanner of the group files too. */
static void test_gzip_members_and_trailing_bytes(void)
{
    const char *a = "1 1:1\n2 2:2\n", *b = "3 3:3\n";
    const char *pa = test_tmp_path("member_a.gz"), *pb = test_tmp_path("member_b.gz");
    write_gzip(pa, a, strlen(a));
    write_gzip(pb, b, strlen(b));
    size_t la = 0, lb = 0;
    char *ba = slurp(pa, &la), *bb = slurp(pb, &lb);
    if (!CHECK(ba && bb))
        return;
    char *both = malloc(la + lb + 16);
    memcpy(both, ba, la);
    memcpy(both + la, bb, lb);
    const char *cat = test_tmp_path("members.gz"), *trail = test_tmp_path("trailing.gz");
    test_write_file(cat, both, la + lb);
    sm_dataset ds, want;
    sm_error err;
    if (CHECK(reader_read_file(cat, NULL, &ds, &err) == SM_OK) &&
        CHECK(parse("1 1:1\n2 2:2\n3 3:3\n", &want, &err) == SM_OK)) {
        CHECK(dataset_equal(&ds, &want));
        dataset_free(&ds);
        dataset_free(&want);
    }
    /* zero padding to the end (tar's blocks) is skipped, as gzip -d does */
    static const char zeros[10240];
    char *padded = malloc(la + lb + sizeof zeros);
    if (CHECK(padded != NULL)) {
        memcpy(padded, both, la + lb);
        memcpy(padded + la + lb, zeros, sizeof zeros);
        test_write_file(trail, padded, la + lb + sizeof zeros);
        if (CHECK(reader_read_file(trail, NULL, &ds, &err) == SM_OK) &&
            CHECK(parse("1 1:1\n2 2:2\n3 3:3\n", &want, &err) == SM_OK)) {
            CHECK(dataset_equal(&ds, &want));
            dataset_free(&ds);
            dataset_free(&want);
        }
        free(padded);
    }
    /* text, zero padding before other bytes, and a lone first magic byte
     * after the members: errors at the end of the last member */
    static const char *const tails[] = {"4 4:4\n", "\0\0\0\0x", "\x1f"};
    static const size_t tail_len[] = {6, 5, 1};
    char offset[64];
    snprintf(offset, sizeof offset, "at byte offset %zu ", la + lb);
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        memcpy(both + la + lb, tails[i], tail_len[i]);
        test_write_file(trail, both, la + lb + tail_len[i]);
        CHECK(reader_read_file(trail, NULL, &ds, &err) == SM_EDATA);
        CHECK_CONTAINS(err.msg, trail);
        CHECK_CONTAINS(err.msg, offset);
        CHECK_CONTAINS(err.msg, "not another gzip member");
        CHECK(dataset_is_empty_shell(&ds));
    }
    int64_t *sizes = NULL, n = 0;
    write_gzip(pa, "2\n1\n", 4);
    free(ba);
    ba = slurp(pa, &la);
    memcpy(both, ba, la);
    memcpy(both + la, "3\n", 2);
    test_write_file(trail, both, la + 2);
    CHECK(sidecar_read_groups(trail, &sizes, &n, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "not another gzip member");
    CHECK(sizes == NULL && n == 0);
    free(both);
    free(ba);
    free(bb);
}

/* Run reader_read_file("-") with the file at path on standard input. */
static sm_status read_as_stdin(const char *path, sm_dataset *ds, sm_error *err)
{
    int saved = dup(STDIN_FILENO);
    int fd = open(path, O_RDONLY);
    if (saved < 0 || fd < 0 || dup2(fd, STDIN_FILENO) < 0) {
        perror("stdin redirect");
        exit(2);
    }
    close(fd);
    sm_status st = reader_read_file("-", NULL, ds, err);
    dup2(saved, STDIN_FILENO);
    close(saved);
    return st;
}

static void test_stdin_plain_and_gzip(void)
{
    sm_dataset want, got;
    sm_error err;
    if (!CHECK(parse(sample, &want, &err) == SM_OK))
        return;
    const char *plain_path = test_tmp_path("stdin.txt"), *gz_path = test_tmp_path("stdin.gz");
    test_write_file(plain_path, sample, strlen(sample));
    write_gzip(gz_path, sample, strlen(sample));
    CHECK(read_as_stdin(plain_path, &got, &err) == SM_OK);
    CHECK(dataset_equal(&want, &got));
    CHECK_STREQ(got.source, "<stdin>");
    dataset_free(&got);
    CHECK(read_as_stdin(gz_path, &got, &err) == SM_OK);
    CHECK(dataset_equal(&want, &got));
    dataset_free(&got);
    dataset_free(&want);
    /* stdin still usable afterwards: the reader closed only its own copy. */
    CHECK(fcntl(STDIN_FILENO, F_GETFD) != -1);

    const char *bad_path = test_tmp_path("stdin_bad.txt");
    test_write_file(bad_path, "1 1:1\n2 2:?\n", 12);
    CHECK(read_as_stdin(bad_path, &got, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "<stdin>:2:3: feature value is not a number \"2:?\"");
}

static void test_open_errors(void)
{
    sm_dataset ds;
    sm_error err;
    const char *missing = test_tmp_path("does-not-exist.txt");
    CHECK(reader_read_file(missing, NULL, &ds, &err) == SM_EIO);
    CHECK_CONTAINS(err.msg, missing);
    CHECK_CONTAINS(err.msg, strerror(ENOENT));
    CHECK(dataset_is_empty_shell(&ds));
    const char *dir = test_tmp_path(".");
    CHECK(reader_read_file(dir, NULL, &ds, &err) == SM_EIO);
    CHECK_CONTAINS(err.msg, dir);
    CHECK_CONTAINS(err.msg, strerror(EISDIR));
    int64_t *sizes;
    int64_t n;
    CHECK(sidecar_read_groups(missing, &sizes, &n, &err) == SM_EIO);
    double *scores;
    CHECK(sidecar_read_scores(dir, &scores, &n, &err) == SM_EIO);
}

/* ---- chunk boundaries and size ---- */

static void test_line_longer_than_a_chunk(void)
{
    enum { N_FEATURES = 150000 }; /* about 1.7 MB on one line */
    test_strbuf t = {0};
    test_strbuf_add(&t, "1 # leading row\n-3.5");
    for (int j = 0; j < N_FEATURES; j++)
        test_strbuf_add(&t, " %d:%d.25", j, j % 1000);
    test_strbuf_add(&t, "\n2 7:7\n");
    CHECK(t.len > (3u << 19));
    const char *path = test_tmp_path("longline.txt");
    test_write_file(path, t.s, t.len);
    sm_dataset from_file, from_buf;
    sm_error err;
    if (!CHECK(reader_read_file(path, NULL, &from_file, &err) == SM_OK))
        return;
    if (!CHECK(reader_read_buffer(t.s, t.len, "b", NULL, &from_buf, &err) == SM_OK))
        return;
    CHECK(dataset_equal(&from_file, &from_buf));
    CHECK(from_file.n_rows == 3 && from_file.nnz == N_FEATURES + 1 && from_file.dim == N_FEATURES);
    CHECK(from_file.label[1] == -3.5 && from_file.label[2] == 2.0);
    CHECK(from_file.row_ptr[2] == N_FEATURES);
    int ok = 1;
    for (int j = 0; j < N_FEATURES && from_file.nnz == N_FEATURES + 1; j++)
        ok &= from_file.col[j] == j && from_file.val[j] == (float)(j % 1000) + 0.25f;
    CHECK(ok);
    dataset_free(&from_file);
    dataset_free(&from_buf);
    /* An error far along the long line reports its true column. */
    test_strbuf_add(&t, "4 1:1 1:2");
    if (!CHECK(reader_read_file(path, NULL, &from_file, &err) == SM_OK))
        return;
    dataset_free(&from_file);
    test_write_file(path, t.s, t.len);
    CHECK(reader_read_file(path, NULL, &from_file, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, ":4:7: duplicate feature index 1");
    free(t.s);
}

static void test_file_bigger_than_a_chunk(void)
{
    /* About 3 MiB: lines cross chunk boundaries at arbitrary places. */
    enum { N_ROWS = 90000 };
    test_strbuf t = {0};
    for (int i = 0; i < N_ROWS; i++)
        test_strbuf_add(&t, "%d.%02d%s%d:%d 1000:0.%d%s\n", i, i % 100, i % 2 ? "\t" : " ", i % 997, i, i,
                 i % 3 ? "" : " # a comment 5:5");
    CHECK(t.len > (3u << 20));
    const char *path = test_tmp_path("big.txt"), *gz_path = test_tmp_path("big.txt.gz");
    test_write_file(path, t.s, t.len);
    write_gzip(gz_path, t.s, t.len);
    sm_dataset ds, gz;
    sm_error err;
    if (!CHECK(reader_read_file(path, NULL, &ds, &err) == SM_OK))
        return;
    if (!CHECK(reader_read_file(gz_path, NULL, &gz, &err) == SM_OK))
        return;
    CHECK(dataset_equal(&ds, &gz));
    if (!CHECK(ds.n_rows == N_ROWS && ds.nnz == 2 * N_ROWS && ds.dim == 1001)) {
        dataset_free(&ds);
        return;
    }
    int ok = 1;
    for (int i = 0; i < N_ROWS && ds.n_rows == N_ROWS; i++) {
        char label[32], value[32];
        snprintf(label, sizeof label, "%d.%02d", i, i % 100);
        snprintf(value, sizeof value, "0.%d", i);
        ok &= same_bits(ds.label[i], strtod(label, NULL));
        ok &= ds.row_ptr[i] == 2 * i && ds.col[2 * i] == i % 997 && ds.val[2 * i] == (float)i;
        ok &= ds.col[2 * i + 1] == 1000 &&
              same_float_bits(ds.val[2 * i + 1], (float)strtod(value, NULL));
    }
    CHECK(ok);
    dataset_free(&ds);
    dataset_free(&gz);
    free(t.s);
}

typedef struct {
    int calls;
    uint64_t last, total;
    int monotone, text_only;
} progress_log;

static void record_progress(void *ctx, sm_read_step step, uint64_t done, uint64_t total)
{
    progress_log *p = ctx;
    p->monotone &= done > p->last;
    p->text_only &= step == READ_STEP_TEXT;
    p->last = done;
    p->total = total;
    p->calls++;
}

/* 40 MB of text: told every 4 MB of it or so, with its size. */
static void test_progress_callback(void)
{
    test_strbuf t = {0};
    uint32_t x = 1; /* values that compress as data do, not as a repeated line */
    while (t.len < (40u << 20)) {
        test_strbuf_add(&t, "1");
        for (int j = 0; j < 100; j++, x = x * 1664525u + 1013904223u)
            test_strbuf_add(&t, " %d:0.%u", j, x >> 8);
        test_strbuf_add(&t, "\n");
    }
    progress_log log = {0, 0, 0, 1, 1};
    sm_reader_options opt = {.progress = record_progress, .progress_ctx = &log};
    sm_dataset ds;
    sm_error err;
    if (!CHECK(reader_read_buffer(t.s, t.len, "p", &opt, &ds, &err) == SM_OK))
        return;
    if (!CHECK(log.calls >= 8 && log.calls <= 10))
        fprintf(stderr, "calls %d last %llu\n", log.calls, (unsigned long long)log.last);
    CHECK(log.monotone && log.text_only && log.last <= t.len && log.last >= (36u << 20));
    CHECK(log.total == t.len);
    dataset_free(&ds);

    /* A file: its size; gzip: the compressed bytes read of the file's,
     * fewer than the text's */
    const char *plain = test_tmp_path("progress.txt"), *gz = test_tmp_path("progress.gz");
    test_write_file(plain, t.s, t.len);
    log = (progress_log){0, 0, 0, 1, 1};
    if (CHECK(reader_read_file(plain, &opt, &ds, &err) == SM_OK))
        dataset_free(&ds);
    CHECK(log.calls >= 8 && log.monotone && log.total == t.len && log.last <= t.len);
    write_gzip(gz, t.s, t.len);
    struct stat st;
    CHECK(stat(gz, &st) == 0 && (uint64_t)st.st_size < t.len / 2 &&
          (uint64_t)st.st_size > (8u << 20));
    for (int threads = 1; threads <= 2; threads++) {
        log = (progress_log){0, 0, 0, 1, 1};
        sm_reader_parallel par = {threads, 0, 0};
        if (CHECK(reader_read_file_parallel(gz, &opt, &par, &ds, &err) == SM_OK))
            dataset_free(&ds);
        CHECK(log.calls >= 2 && log.monotone && log.total == (uint64_t)st.st_size &&
              log.last <= log.total);
    }
    free(t.s);
}

static const test_case cases[] = {
    TEST(test_file_and_gzip_match_buffer),
    TEST(test_gzip_errors),
    TEST(test_gzip_members_and_trailing_bytes),
    TEST(test_stdin_plain_and_gzip),
    TEST(test_open_errors),
    TEST(test_line_longer_than_a_chunk),
    TEST(test_file_bigger_than_a_chunk),
    TEST(test_progress_callback),
};

TEST_MAIN(cases)
