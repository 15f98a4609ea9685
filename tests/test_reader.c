/* test_reader.c - the libsvm/SVMlight/LETOR reader: format features, exact
 * numbers, every error path, gzip, standard input, chunk boundaries, and the
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

#include "test.h"

/* ---- helpers ---- */

static void write_gzip(const char *path, const char *data, size_t len)
{
    gzFile gz = gzopen(path, "wb");
    if (!gz || gzwrite(gz, data, (unsigned)len) != (int)len || gzclose(gz) != Z_OK) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1024, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            buf = realloc(buf, (cap *= 2) + 1);
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static sm_status parse(const char *text, sm_dataset *ds, sm_error *err)
{
    dataset_init(ds);
    sm_error_clear(err);
    return reader_read_buffer(text, strlen(text), "t.txt", NULL, ds, err);
}

static int dataset_is_empty_shell(const sm_dataset *ds)
{
    return ds->n_rows == 0 && ds->nnz == 0 && !ds->row_ptr && !ds->col && !ds->val && !ds->label &&
           !ds->group_ptr && !ds->qid;
}

/* Parsing text must fail with status and a message containing want. */
static void expect_error(const char *text, sm_status status, const char *want)
{
    sm_dataset ds;
    sm_error err;
    sm_status st = parse(text, &ds, &err);
    CHECK(st == status);
    CHECK_CONTAINS(err.msg, want);
    CHECK(dataset_is_empty_shell(&ds));
    dataset_free(&ds);
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static int same_float_bits(float a, float b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* ---- format ---- */

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

static void test_signs_and_exponents(void)
{
    sm_dataset ds;
    sm_error err;
    if (!CHECK(parse("+1.5e+2 1:-2.5E-1 2:.5 3:5. 4:-0 5:+7e0 6:1E2\n-.25e1\n", &ds, &err) ==
               SM_OK))
        return;
    CHECK(ds.label[0] == 150.0 && ds.label[1] == -2.5);
    CHECK(ds.val[0] == -0.25f && ds.val[1] == 0.5f && ds.val[2] == 5.0f);
    CHECK(ds.val[3] == 0.0f && signbit(ds.val[3]));
    CHECK(ds.val[4] == 7.0f && ds.val[5] == 100.0f);
    dataset_free(&ds);
}

/* Labels must be the correctly rounded double: checked against strtod and,
 * independently, against constants the compiler rounded. */
static void test_exact_labels(void)
{
    static const struct {
        const char *text;
        double want;
    } cases[] = {
        {"0.1", 0.1},
        {"2.2250738585072014e-308", DBL_MIN},
        {"9007199254740993", 9007199254740992.0}, /* halfway: ties to even */
        {"1e23", 1e23},
        {"4.9e-324", 0x1p-1074},
        {"0.30000000000000004", 0.30000000000000004},
        {"-0", -0.0},
        {"1.7976931348623157e308", DBL_MAX},
        {"0.1000000000000000055511151231257827021181583404541015625", 0.1},
        {"2.4703282292062328e-324", 0x1p-1074},
        {"123456789012345678901234567890", 123456789012345678901234567890.0},
    };
    enum { N = sizeof cases / sizeof cases[0] };
    test_strbuf t = {0};
    for (int i = 0; i < N; i++) /* the same digits as a feature value, unless beyond float */
        test_strbuf_add(&t, "%s 1:%s\n", cases[i].text,
                 fabs(cases[i].want) <= FLT_MAX ? cases[i].text : "0");
    sm_dataset ds;
    sm_error err;
    if (!CHECK(parse(t.s, &ds, &err) == SM_OK))
        return;
    if (!CHECK(ds.n_rows == N)) {
        dataset_free(&ds);
        return;
    }
    for (int i = 0; i < N && ds.n_rows == N; i++) {
        double ref = strtod(cases[i].text, NULL);
        if (!CHECK(same_bits(ds.label[i], ref)) || !CHECK(same_bits(ds.label[i], cases[i].want)) ||
            !CHECK(fabs(ref) > FLT_MAX || same_float_bits(ds.val[i], (float)ref)))
            fprintf(stderr, "    for \"%s\": got %.17g\n", cases[i].text, ds.label[i]);
    }
    dataset_free(&ds);
    free(t.s);
}

static void test_exact_feature_values(void)
{
    /* (float)double: 16777217 is a tie between two floats, 3.4028234663852886e38
     * is FLT_MAX, 1e-46 underflows to 0, 1.4e-45 is the smallest subnormal. */
    static const struct {
        const char *text;
        float want;
    } cases[] = {
        {"0.1", 0.1f},
        {"16777217", 16777216.0f},
        {"3.4028234663852886e38", FLT_MAX},
        {"1e-46", 0.0f},
        {"1.4e-45", 0x1p-149f},
        {"-1.17549435e-38", -FLT_MIN},
        {"0.333333333333", 0.333333333333f},
    };
    enum { N = sizeof cases / sizeof cases[0] };
    test_strbuf t = {0};
    test_strbuf_add(&t, "0");
    for (int i = 0; i < N; i++)
        test_strbuf_add(&t, " %d:%s", i, cases[i].text);
    sm_dataset ds;
    sm_error err;
    if (!CHECK(parse(t.s, &ds, &err) == SM_OK))
        return;
    if (!CHECK(ds.nnz == N)) {
        dataset_free(&ds);
        return;
    }
    for (int i = 0; i < N && ds.nnz == N; i++) {
        if (!CHECK(same_float_bits(ds.val[i], (float)strtod(cases[i].text, NULL))) ||
            !CHECK(same_float_bits(ds.val[i], cases[i].want)))
            fprintf(stderr, "    for \"%s\": got %.9g\n", cases[i].text, (double)ds.val[i]);
    }
    dataset_free(&ds);
    free(t.s);
}

/* ---- errors ---- */

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

/* ---- files, gzip, standard input ---- */

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
    /* text, NUL padding and a lone first magic byte after the members */
    static const char *const tails[] = {"4 4:4\n", "\0\0\0\0", "\x1f"};
    static const size_t tail_len[] = {6, 4, 1};
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
    CHECK(reader_read_groups(trail, &sizes, &n, &err) == SM_EDATA);
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
    CHECK(reader_read_groups(missing, &sizes, &n, &err) == SM_EIO);
    double *scores;
    CHECK(reader_read_scores(dir, &scores, &n, &err) == SM_EIO);
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
    uint64_t last;
    int monotone;
} progress_log;

static void record_progress(void *ctx, uint64_t bytes)
{
    progress_log *p = ctx;
    p->monotone &= bytes > p->last;
    p->last = bytes;
    p->calls++;
}

static void test_progress_callback(void)
{
    test_strbuf t = {0};
    while (t.len < (40u << 20)) {
        test_strbuf_add(&t, "1");
        for (int j = 0; j < 100; j++)
            test_strbuf_add(&t, " %d:0.123456789", j);
        test_strbuf_add(&t, "\n");
    }
    progress_log log = {0, 0, 1};
    sm_reader_options opt = {.progress = record_progress, .progress_ctx = &log};
    sm_dataset ds;
    sm_error err;
    if (!CHECK(reader_read_buffer(t.s, t.len, "p", &opt, &ds, &err) == SM_OK))
        return;
    CHECK(log.calls >= 2 && log.calls <= 3);
    CHECK(log.monotone && log.last <= t.len && log.last >= (32u << 20));
    dataset_free(&ds);
    free(t.s);
}

/* ---- group and score files ---- */

static void test_groups_file(void)
{
    const char *path = test_tmp_path("train.query");
    const char text[] = "1\n13\n\n# comment\n  5\t\r\n7 # trailing comment";
    test_write_file(path, text, sizeof text - 1);
    int64_t *sizes = NULL, n = -1;
    sm_error err;
    CHECK(reader_read_groups(path, &sizes, &n, &err) == SM_OK);
    CHECK(n == 4 && sizes[0] == 1 && sizes[1] == 13 && sizes[2] == 5 && sizes[3] == 7);
    free(sizes);

    test_write_file(path, "", 0);
    CHECK(reader_read_groups(path, &sizes, &n, &err) == SM_OK);
    CHECK(n == 0);
    free(sizes);

    static const struct {
        const char *text, *want;
    } bad[] = {
        {"3\n0\n", ":2:1: group size must be a positive integer \"0\""},
        {"3\n-2\n", ":2:1: group size must be a positive integer \"-2\""},
        {"3\n\n  x\n", ":3:3: group size must be a positive integer \"x\""},
        {"2.5\n", ":1:1: group size must be a positive integer \"2.5\""},
        {"3 4\n", ":1:3: unexpected text after the group size \"4\""},
        {"99999999999999999999\n", ":1:1: group size is too large"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        test_write_file(path, bad[i].text, strlen(bad[i].text));
        sizes = (int64_t *)&n;
        CHECK(reader_read_groups(path, &sizes, &n, &err) == SM_EDATA);
        CHECK_CONTAINS(err.msg, path);
        CHECK_CONTAINS(err.msg, bad[i].want);
        CHECK(sizes == NULL && n == 0);
    }
}

static void test_scores_file(void)
{
    const char *path = test_tmp_path("pred.txt");
    const char text[] = "0.5\n-1e3 anything after the score\n\n# comment\n0.1\r\n2";
    test_write_file(path, text, sizeof text - 1);
    double *scores = NULL;
    int64_t n = -1;
    sm_error err;
    CHECK(reader_read_scores(path, &scores, &n, &err) == SM_OK);
    CHECK(n == 4);
    if (n == 4)
        CHECK(scores[0] == 0.5 && scores[1] == -1000.0 && same_bits(scores[2], 0.1) &&
              scores[3] == 2.0);
    free(scores);

    static const struct {
        const char *text, *want;
    } bad[] = {
        {"1\nnan\n", ":2:1: score must be finite (NaN and infinity are not allowed) \"nan\""},
        {"1\n\n  abc 2\n", ":3:3: score is not a number \"abc\""},
        {"1e999\n", ":1:1: score is out of range for a double \"1e999\""},
        {"\t0x1p0\n", ":1:2: score must be written in decimal"},
        {"1 tag\n0.25 0.75\n", ":2:6: a second number: a predictions file has one score a line"},
        {"1\n2 -3e-1 x\n", ":2:3: a second number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        test_write_file(path, bad[i].text, strlen(bad[i].text));
        CHECK(reader_read_scores(path, &scores, &n, &err) == SM_EDATA);
        CHECK_CONTAINS(err.msg, path);
        CHECK_CONTAINS(err.msg, bad[i].want);
        CHECK(scores == NULL && n == 0);
    }
}

/* ---- the bad-input corpus shared with the CLI suite ---- */

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
        sm_reader_parallel par = {3, block};
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
        sm_reader_parallel par = {2, block};
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

static const test_case cases[] = {
    TEST(test_basic_rows),
    TEST(test_tabs_crlf_and_no_final_newline),
    TEST(test_comments_and_blank_lines),
    TEST(test_unsorted_indices_sorted_with_values),
    TEST(test_index_zero_and_dim),
    TEST(test_empty_input),
    TEST(test_qid_groups),
    TEST(test_signs_and_exponents),
    TEST(test_exact_labels),
    TEST(test_exact_feature_values),
    TEST(test_label_errors),
    TEST(test_unlabeled_rows),
    TEST(test_feature_errors),
    TEST(test_duplicate_indices),
    TEST(test_qid_errors),
    TEST(test_many_qids_and_reappearance),
    TEST(test_file_and_gzip_match_buffer),
    TEST(test_gzip_errors),
    TEST(test_gzip_members_and_trailing_bytes),
    TEST(test_stdin_plain_and_gzip),
    TEST(test_open_errors),
    TEST(test_line_longer_than_a_chunk),
    TEST(test_file_bigger_than_a_chunk),
    TEST(test_progress_callback),
    TEST(test_groups_file),
    TEST(test_scores_file),
    TEST(test_bad_input_corpus),
};

TEST_MAIN(cases)
