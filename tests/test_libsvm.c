/* test_libsvm.c - the libsvm/SVMlight/LETOR line syntax (libsvm.h, through
 * the reader): rows, comments, sorted and unsorted indices, qid groups,
 * labels and unlabeled rows, every error of a label, feature or qid, and the
 * bad-input corpus in tests/bad/reader (run from the repository root). */
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

static void test_basic_rows(void)
{
    sm_dataset ds;
    sm_error err;
    if (!CHECK(parse("1 1:0.5 3:2\n-2 2:1\n", &ds, &err) == SM_OK))
        return;
    if (!CHECK(ds.n_rows == 2 && ds.nnz == 3 && ds.dim == 4 && ds.n_groups == 0)) {
        dataset_free(&ds);
        return;
    }
    CHECK(ds.row_ptr[0] == 0 && ds.row_ptr[1] == 2 && ds.row_ptr[2] == 3);
    CHECK(ds.col[0] == 1 && ds.col[1] == 3 && ds.col[2] == 2);
    CHECK(ds.val[0] == 0.5f && ds.val[1] == 2.0f && ds.val[2] == 1.0f);
    CHECK(ds.label[0] == 1.0 && ds.label[1] == -2.0);
    CHECK(ds.group_ptr == NULL && ds.qid == NULL);
    CHECK_STREQ(ds.source, "t.txt");
    dataset_free(&ds);
    CHECK(dataset_is_empty_shell(&ds));
}

static void test_tabs_crlf_and_no_final_newline(void)
{
    sm_dataset ds;
    sm_error err;
    if (!CHECK(parse("1\t1:2\t3:4\r\n2 \t 5:1 \r\n3 1:1", &ds, &err) == SM_OK))
        return;
    if (!CHECK(ds.n_rows == 3 && ds.nnz == 4 && ds.dim == 6)) {
        dataset_free(&ds);
        return;
    }
    CHECK(ds.val[1] == 4.0f); /* "4\r" would have been an error */
    CHECK(ds.label[2] == 3.0 && ds.col[3] == 1);
    dataset_free(&ds);
}

static void test_comments_and_blank_lines(void)
{
    sm_dataset ds;
    sm_error err;
    if (!CHECK(parse("# header\n\n1 1:1 # trailing comment 9:9\n   \n\t\r\n2 2:1#glued 7:7\n# end",
                     &ds, &err) == SM_OK))
        return;
    if (!CHECK(ds.n_rows == 2 && ds.nnz == 2 && ds.dim == 3)) {
        dataset_free(&ds);
        return;
    }
    CHECK(ds.label[0] == 1.0 && ds.label[1] == 2.0);
    dataset_free(&ds);
    /* Skipped lines still count for line numbers. */
    expect_error("# a\n\n\n1 1:1\n2 1:y\n", SM_EDATA, "t.txt:5:3: ");
}

static void test_unsorted_indices_sorted_with_values(void)
{
    sm_dataset ds;
    sm_error err;
    if (!CHECK(parse("1 5:5 1:1 3:3 0:0.5\n2 9:9 2:2\n", &ds, &err) == SM_OK))
        return;
    const int32_t want_col[] = {0, 1, 3, 5, 2, 9};
    const float want_val[] = {0.5f, 1, 3, 5, 2, 9};
    if (!CHECK(ds.nnz == 6)) {
        dataset_free(&ds);
        return;
    }
    for (int k = 0; k < 6 && ds.nnz == 6; k++)
        CHECK(ds.col[k] == want_col[k] && ds.val[k] == want_val[k]);
    CHECK(ds.row_ptr[1] == 4 && ds.dim == 10);
    dataset_free(&ds);
}

static void test_index_zero_and_dim(void)
{
    sm_dataset ds;
    sm_error err;
    if (!CHECK(parse("1 0:1\n", &ds, &err) == SM_OK))
        return;
    CHECK(ds.dim == 1 && ds.col[0] == 0);
    dataset_free(&ds);
    if (!CHECK(parse("1\n2 # no features\n", &ds, &err) == SM_OK))
        return;
    if (!CHECK(ds.n_rows == 2 && ds.nnz == 0 && ds.dim == 0)) {
        dataset_free(&ds);
        return;
    }
    CHECK(ds.row_ptr[0] == 0 && ds.row_ptr[1] == 0 && ds.row_ptr[2] == 0);
    dataset_free(&ds);
    if (!CHECK(parse("1 2147483646:1 007:2\n", &ds, &err) == SM_OK))
        return;
    CHECK(ds.dim == 2147483647 && ds.col[0] == 7 && ds.col[1] == 2147483646);
    dataset_free(&ds);
}

static void test_empty_input(void)
{
    const char *inputs[] = {"", "# only a comment\n\n  \n", "\n"};
    for (int i = 0; i < 3; i++) {
        sm_dataset ds;
        sm_error err;
        if (!CHECK(parse(inputs[i], &ds, &err) == SM_OK))
            return;
        if (!CHECK(ds.n_rows == 0 && ds.nnz == 0 && ds.dim == 0 && ds.n_groups == 0)) {
            dataset_free(&ds);
            return;
        }
        CHECK(ds.row_ptr != NULL && ds.row_ptr[0] == 0);
        dataset_free(&ds);
    }
    const char *path = test_tmp_path("empty.txt");
    test_write_file(path, "", 0);
    sm_dataset ds;
    sm_error err;
    if (!CHECK(reader_read_file(path, NULL, &ds, &err) == SM_OK))
        return;
    if (!CHECK(ds.n_rows == 0)) {
        dataset_free(&ds);
        return;
    }
    dataset_free(&ds);
}

static void test_qid_groups(void)
{
    sm_dataset ds;
    sm_error err;
    if (!CHECK(parse("3 qid:1 1:1\n2 qid:1 1:2\n# comment\n1 qid:5 1:3\n0 qid:0 2:1\n", &ds,
                     &err) == SM_OK))
        return;
    if (!CHECK(ds.n_rows == 4 && ds.n_groups == 3)) {
        dataset_free(&ds);
        return;
    }
    CHECK(ds.group_ptr[0] == 0 && ds.group_ptr[1] == 2 && ds.group_ptr[2] == 3 &&
          ds.group_ptr[3] == 4);
    CHECK(ds.qid[0] == 1 && ds.qid[1] == 5 && ds.qid[2] == 0);
    CHECK(ds.val[2] == 3.0f && ds.dim == 3);
    dataset_free(&ds);
    if (!CHECK(parse("1 qid:9223372036854775807\n", &ds, &err) == SM_OK))
        return;
    CHECK(ds.n_groups == 1 && ds.qid[0] == INT64_MAX && ds.nnz == 0);
    dataset_free(&ds);
}

static void test_label_errors(void)
{
    expect_error("1 1:1\nabc 1:1\n", SM_EDATA, "t.txt:2:1: label is not a number \"abc\"");
    expect_error("1,2 3:1\n", SM_EDATA, "t.txt:1:1: multiple labels are not supported \"1,2\"");
    expect_error("3:1 4:2\n", SM_EDATA,
                 "t.txt:1:1: missing label: the line starts with a feature \"3:1\"");
    expect_error("  qid:3 4:2\n", SM_EDATA, "t.txt:1:3: missing label");
    const char *nonfinite[] = {"nan",  "NaN",       "-nan",     "inf",
                               "+Inf", "-INFINITY", "infinity", "nan(123)"};
    for (int i = 0; i < 8; i++) {
        char line[64], want[96];
        snprintf(line, sizeof line, "%s 1:1\n", nonfinite[i]);
        snprintf(want, sizeof want,
                 "t.txt:1:1: label must be finite (NaN and infinity are not allowed) \"%s\"",
                 nonfinite[i]);
        expect_error(line, SM_EDATA, want);
    }
    expect_error("0x10 1:1\n", SM_EDATA, "t.txt:1:1: label must be written in decimal");
    expect_error("-0X1p3\n", SM_EDATA, "label must be written in decimal");
    expect_error("1e400\n", SM_EDATA, "t.txt:1:1: label is out of range for a double \"1e400\"");
    const char *junk[] = {"1.5x", "1e",    "1e+", "--1",   ".",    "+",
                          "1..2", "1.2.3", "e5",  "1e5.5", " 1\r2"};
    for (int i = 0; i < 11; i++) {
        char line[64];
        snprintf(line, sizeof line, "%s 1:1\n", junk[i]);
        expect_error(line, SM_EDATA, "label is not a number");
    }
    expect_error("1\r2 1:1", SM_EDATA, "t.txt:1:1: label is not a number \"1\\r2\"");
}

static void test_feature_errors(void)
{
    expect_error("1 1:1\n2\tabc 3:1\n", SM_EDATA, "t.txt:2:3: expected index:value \"abc\"");
    expect_error("1 1:1 12x\n", SM_EDATA, "t.txt:1:7: expected ':' after feature index \"12x\"");
    expect_error("1 12x:3\n", SM_EDATA, "t.txt:1:3: expected ':' after feature index \"12x:3\"");
    expect_error("1 3\n", SM_EDATA, "t.txt:1:3: expected ':' after feature index \"3\"");
    expect_error("1 :4\n", SM_EDATA, "t.txt:1:3: feature index is missing \":4\"");
    expect_error("1 -1:2\n", SM_EDATA,
                 "t.txt:1:3: feature index must be a non-negative integer \"-1:2\"");
    expect_error("1 +1:2\n", SM_EDATA, "feature index must be a non-negative integer \"+1:2\"");
    expect_error("1 2147483647:1\n", SM_EDATA,
                 "t.txt:1:3: feature index is larger than 2147483646");
    expect_error("1 99999999999999999999999:1\n", SM_EDATA,
                 "feature index is larger than 2147483646");
    expect_error("1 3:\n", SM_EDATA, "t.txt:1:3: feature value is missing \"3:\"");
    expect_error("1 3: 4:1\n", SM_EDATA, "t.txt:1:3: feature value is missing \"3:\"");
    expect_error("1 3:x\n", SM_EDATA, "t.txt:1:3: feature value is not a number \"3:x\"");
    expect_error("1 3:1.5abc\n", SM_EDATA, "feature value is not a number \"3:1.5abc\"");
    expect_error("1 3:1:2\n", SM_EDATA, "t.txt:1:3: more than one ':' in a feature \"3:1:2\"");
    expect_error("1 3:inf\n", SM_EDATA, "feature value must be finite");
    expect_error("1 3:-nan\n", SM_EDATA, "feature value must be finite");
    expect_error("1 3:0x1\n", SM_EDATA, "feature value must be written in decimal");
    expect_error("1 3:1e39\n", SM_EDATA,
                 "t.txt:1:3: feature value is out of range for a float \"3:1e39\"");
    expect_error("1 3:-3.4028236e38\n", SM_EDATA, "feature value is out of range for a float");
    expect_error("1 3:1e999\n", SM_EDATA, "feature value is out of range for a double");
    expect_error("1 3:1 5:2 3:4\n", SM_EDATA,
                 "t.txt:1:11: duplicate feature index 3 (first at column 3) \"3:4\"");
    expect_error("1 0:1 0:1\n", SM_EDATA,
                 "t.txt:1:7: duplicate feature index 0 (first at column 3)");
    /* A NUL byte is data, not the end of the line. */
    {
        static const char text[] = "1 1:1\n2 2:1\0 3:1\n";
        sm_dataset ds;
        sm_error err;
        CHECK(reader_read_buffer(text, sizeof text - 1, "nul.txt", NULL, &ds, &err) == SM_EDATA);
        CHECK_CONTAINS(err.msg, "nul.txt:2:3: feature value is not a number \"2:1\\x00\"");
    }
    /* A long bad token is cut in the message. */
    char line[400];
    memset(line, 'z', sizeof line);
    memcpy(line, "1 ", 2);
    line[sizeof line - 1] = '\0';
    sm_dataset ds;
    sm_error err;
    CHECK(parse(line, &ds, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "zzz...\"");
    CHECK(strlen(err.msg) < 200);
}

static void test_qid_errors(void)
{
    expect_error("1 qid:1 1:1\n2 1:1\n", SM_EDATA,
                 "t.txt:2:3: missing qid (line 1 has one, so every line needs one) \"1:1\"");
    expect_error("1 qid:1 1:1\n2\n", SM_EDATA, "t.txt:2:1: missing qid (line 1 has one");
    expect_error("# c\n1 1:1\n2 qid:3 1:1\n", SM_EDATA,
                 "t.txt:3:3: unexpected qid: line 2 has none, so no line may have one \"qid:3\"");
    expect_error("1 qid:7 1:1\n0 qid:7 1:2\n2 qid:8 1:1\n1 qid:7 1:3\n", SM_EDATA,
                 "t.txt:4:3: qid 7 reappears; its rows must be contiguous (first seen at line 1)");
    expect_error("1 qid:x 1:1\n", SM_EDATA,
                 "t.txt:1:3: qid must be a non-negative integer \"qid:x\"");
    expect_error("1 qid:-1 1:1\n", SM_EDATA, "qid must be a non-negative integer \"qid:-1\"");
    expect_error("1 qid:1.0\n", SM_EDATA, "qid must be a non-negative integer \"qid:1.0\"");
    expect_error("1 qid: 1:1\n", SM_EDATA, "t.txt:1:3: qid value is missing \"qid:\"");
    expect_error("1 qid:9223372036854775808 1:1\n", SM_EDATA, "t.txt:1:3: qid is too large");
    expect_error("1 qid:1 1:1 qid:3\n", SM_EDATA,
                 "t.txt:1:13: qid must come right after the label \"qid:3\"");
    expect_error("1 1:1 qid:3\n", SM_EDATA, "t.txt:1:7: qid must come right after the label");
}

static void test_many_qids_and_reappearance(void)
{
    /* Enough distinct qids to make the seen-set grow several times. */
    test_strbuf t = {0};
    for (int q = 0; q < 5000; q++)
        test_strbuf_add(&t, "%d qid:%d 1:1\n%d qid:%d 2:1\n", q % 3, q * 7919, q % 5, q * 7919);
    sm_dataset ds;
    sm_error err;
    if (!CHECK(parse(t.s, &ds, &err) == SM_OK))
        return;
    if (!CHECK(ds.n_rows == 10000 && ds.n_groups == 5000)) {
        dataset_free(&ds);
        return;
    }
    CHECK(ds.group_ptr[4999] == 9998 && ds.qid[4999] == 4999 * 7919);
    dataset_free(&ds);
    test_strbuf_add(&t, "1 qid:%d 1:1\n", 1234 * 7919);
    CHECK(parse(t.s, &ds, &err) == SM_EDATA);
    char want[128];
    snprintf(want, sizeof want,
             "t.txt:10001:3: qid %d reappears; its rows must be contiguous (first seen at line %d)",
             1234 * 7919, 2 * 1234 + 1);
    CHECK_CONTAINS(err.msg, want);
    free(t.s);
}

static char *read_line(FILE *f, char *buf, size_t cap)
{
    if (!fgets(buf, (int)cap, f))
        return NULL;
    buf[strcspn(buf, "\r\n")] = '\0';
    return buf;
}

static void check_corpus_case(const char *dir, const char *name)
{
    char txt[512], expect[512], status_line[32], pattern[1024];
    snprintf(txt, sizeof txt, "%s/%s.txt", dir, name);
    snprintf(expect, sizeof expect, "%s/%s.expect", dir, name);
    FILE *f = fopen(expect, "r");
    if (!CHECK(f != NULL)) {
        fprintf(stderr, "    missing %s\n", expect);
        return;
    }
    int have =
        read_line(f, status_line, sizeof status_line) && read_line(f, pattern, sizeof pattern);
    fclose(f);
    if (!CHECK(have)) {
        fprintf(stderr, "    %s: needs a status line and a regex line\n", expect);
        return;
    }
    regex_t re;
    if (!CHECK(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) == 0)) {
        fprintf(stderr, "    %s: bad regex\n", expect);
        return;
    }
    sm_dataset ds;
    sm_error err;
    sm_error_clear(&err);
    sm_status st = reader_read_file(txt, NULL, &ds, &err);
    int ok_status = CHECK((int)st == atoi(status_line));
    int ok_msg = CHECK(regexec(&re, err.msg, 0, NULL, 0) == 0);
    int ok_path = CHECK_CONTAINS(err.msg, txt);
    if (!ok_status || !ok_msg || !ok_path)
        fprintf(stderr, "    %s: status %d, message: %s\n    wanted status %s, regex: %s\n", txt,
                (int)st, err.msg, status_line, pattern);
    CHECK(dataset_is_empty_shell(&ds));
    regfree(&re);
    dataset_free(&ds);
}

/* Rows without a label (VW's convention for data to predict): allowed by
 * the options, NaN labels; refused otherwise, naming the command, at the
 * same line however the text is cut into blocks. */
static int count_labels_seen(void *ctx, double label, char *why, size_t size)
{
    (void)why;
    (void)size;
    CHECK(!isnan(label)); /* the caller's rule never sees a missing label */
    ++*(int *)ctx;
    return 1;
}

static void test_unlabeled_rows(void)
{
    const char *text = "1:0.5 3:2\n# note\n\n2.5 1:1\n  3:1 0:4 # unsorted\n-1 2:1\n";
    int seen = 0;
    sm_reader_options opt = {.allow_unlabeled = 1, .check_label = count_labels_seen,
                             .check_label_ctx = &seen};
    sm_dataset ds, cut;
    sm_error err;
    if (!CHECK(reader_read_buffer(text, strlen(text), "t.txt", &opt, &ds, &err) == SM_OK))
        return;
    CHECK(seen == 2);
    CHECK(ds.n_rows == 4 && ds.nnz == 6 && ds.dim == 4);
    CHECK(isnan(ds.label[0]) && ds.label[1] == 2.5 && isnan(ds.label[2]) && ds.label[3] == -1);
    CHECK(ds.row_ptr[1] == 2 && ds.col[0] == 1 && ds.val[1] == 2.0f);
    CHECK(ds.col[3] == 0 && ds.val[3] == 4.0f && ds.col[4] == 3); /* row 2 sorted */
    for (size_t block = 1; block < 24; block += 3) {
        sm_reader_parallel par = {3, block, 0};
        CHECK(reader_read_buffer_parallel(text, strlen(text), "t.txt", &opt, &par, &cut, &err) ==
              SM_OK);
        CHECK(dataset_equal(&ds, &cut));
        dataset_free(&cut);
    }
    dataset_free(&ds);

    /* a qid in place of the label: the row belongs to that query */
    const char *ranked = "qid:7 1:1\n2 qid:7 2:1\nqid:8 1:3\n";
    CHECK(reader_read_buffer(ranked, strlen(ranked), "t.txt", &opt, &ds, &err) == SM_OK);
    CHECK(ds.n_groups == 2 && ds.qid[0] == 7 && ds.qid[1] == 8 && ds.group_ptr[1] == 2);
    CHECK(isnan(ds.label[0]) && ds.label[1] == 2 && isnan(ds.label[2]));
    dataset_free(&ds);

    /* refused: the command's name and the first bad line, in any block */
    sm_reader_options need = {.command = "eval"};
    for (size_t block = 1; block < 40; block += 5) {
        sm_reader_parallel par = {2, block, 0};
        const char *late = "1 1:1\n2 2:1\n# c\n3 1:1\n 4:1 5:1\n";
        sm_status st = reader_read_buffer_parallel(late, strlen(late), "t.txt", &need, &par, &ds,
                                                   &err);
        CHECK(st == SM_EDATA);
        CHECK_CONTAINS(err.msg, "t.txt:5:2: missing label: eval needs a label on every row, and "
                                "this line starts with a feature \"4:1\"");
        CHECK(dataset_is_empty_shell(&ds));
        dataset_free(&ds);
    }
    expect_error("1 qid:1 1:1\nqid:1 2:1\n", SM_EDATA, "t.txt:2:1: missing label: the line "
                                                       "starts with qid: \"qid:1\"");
    /* a token that is neither: the feature's own message */
    const char *junk = "x:1 1:1\n";
    CHECK(reader_read_buffer(junk, strlen(junk), "t.txt", &opt, &ds, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "t.txt:1:1: feature index must be a non-negative integer \"x:1\"");
    dataset_free(&ds);
}

static void test_bad_input_corpus(void)
{
    const char *dir = "tests/bad/reader";
    DIR *d = opendir(dir);
    if (!CHECK(d != NULL)) {
        fprintf(stderr, "    cannot open %s (run from the repository root): %s\n", dir,
                strerror(errno));
        return;
    }
    int n_cases = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".txt") == 0) {
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)(len - 4), e->d_name);
            check_corpus_case(dir, name);
            n_cases++;
        } else if (len > 7 && strcmp(e->d_name + len - 7, ".expect") == 0) {
            char txt[512];
            struct stat st;
            snprintf(txt, sizeof txt, "%s/%.*s.txt", dir, (int)(len - 7), e->d_name);
            if (!CHECK(stat(txt, &st) == 0))
                fprintf(stderr, "    %s/%s has no .txt\n", dir, e->d_name);
        }
    }
    closedir(d);
    CHECK(n_cases >= 30);
}

/* Rows know their lines (blank and comment lines move them down), for
 * messages that name a row's place in the file; for any block size. */
static void test_row_lines(void)
{
    const char *text = "# header\n\n1 1:1\n2 1:2\n# between\n3 1:3\n4 1:4\n\n\n5 1:5";
    static const int64_t want[] = {3, 4, 6, 7, 10};
    static const size_t blocks[] = {4, 9, 0};
    for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++) {
        sm_reader_parallel par = {.threads = 2, .block_bytes = blocks[b]};
        sm_dataset ds;
        sm_error err;
        if (!CHECK(reader_read_buffer_parallel(text, strlen(text), "f.txt", NULL, &par, &ds,
                                               &err) == SM_OK))
            continue;
        CHECK(ds.n_rows == 5 && ds.lines_known);
        for (int64_t r = 0; r < ds.n_rows; r++)
            CHECK(dataset_row_line(&ds, r) == want[r]);
        char where[64];
        CHECK_STREQ(dataset_where(&ds, 3, where, sizeof where), "f.txt:7");
        ds.lines_known = 0; /* (a cache's rows) */
        CHECK_STREQ(dataset_where(&ds, 3, where, sizeof where), "f.txt: row 4");
        dataset_free(&ds);
    }
}

/* --duplicates: a repeated index summed or its last value kept, worked by
 * hand; the rows changed counted; a sum beyond float's range refused at the
 * repeat. */
static void test_duplicate_indices(void)
{
    static const char text[] = "1 3:1 1:2 3:4\n2 1:1 2:2\n0 5:1 5:2 5:0.5 1:1\n";
    static const struct {
        sm_duplicates policy;
        float row0_3, row2_5;
    } cases[] = {{DUPLICATES_SUM, 5.0f, 3.5f}, {DUPLICATES_LAST, 4.0f, 0.5f}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sm_reader_options opt = {.duplicates = cases[i].policy};
        sm_dataset ds;
        sm_error err;
        if (!CHECK(reader_read_buffer(text, sizeof text - 1, "t.txt", &opt, &ds, &err) == SM_OK))
            continue;
        const int32_t want_col[] = {1, 3, 1, 2, 1, 5};
        const float want_val[] = {2, cases[i].row0_3, 1, 2, 1, cases[i].row2_5};
        CHECK(ds.n_rows == 3 && ds.nnz == 6 && ds.duplicate_rows == 2 && ds.dim == 6);
        CHECK(ds.row_ptr[1] == 2 && ds.row_ptr[2] == 4 && ds.row_ptr[3] == 6);
        for (int k = 0; k < 6 && ds.nnz == 6; k++)
            CHECK(ds.col[k] == want_col[k] && ds.val[k] == want_val[k]);
        dataset_free(&ds);
    }
    sm_reader_options sum = {.duplicates = DUPLICATES_SUM};
    sm_dataset ds;
    sm_error err;
    static const char big[] = "1 2:3e38 2:3e38\n";
    CHECK(reader_read_buffer(big, sizeof big - 1, "t.txt", &sum, &ds, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "t.txt:1:10: the sum of the values of feature index 2 is out of "
                            "range for a float \"2:3e38\"");
    /* without repeats nothing is counted, under any rule */
    static const char plain[] = "1 3:1 1:2\n";
    CHECK(reader_read_buffer(plain, sizeof plain - 1, "t.txt", &sum, &ds, &err) == SM_OK &&
          ds.duplicate_rows == 0 && ds.nnz == 2);
    dataset_free(&ds);
    expect_error(text, SM_EDATA, "t.txt:1:11: duplicate feature index 3 (first at column 3)");
}

static const test_case cases[] = {
    TEST(test_basic_rows),
    TEST(test_tabs_crlf_and_no_final_newline),
    TEST(test_comments_and_blank_lines),
    TEST(test_unsorted_indices_sorted_with_values),
    TEST(test_index_zero_and_dim),
    TEST(test_empty_input),
    TEST(test_qid_groups),
    TEST(test_label_errors),
    TEST(test_feature_errors),
    TEST(test_duplicate_indices),
    TEST(test_qid_errors),
    TEST(test_many_qids_and_reappearance),
    TEST(test_unlabeled_rows),
    TEST(test_bad_input_corpus),
    TEST(test_row_lines),
};

TEST_MAIN(cases)
