/* test_sidecar.c - the files that go with a data file (sidecar.h): group
 * files and predictions files, and their errors. */
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
#include "scorer.h"
#include "test.h"

static void test_groups_file(void)
{
    const char *path = test_tmp_path("train.query");
    const char text[] = "1\n13\n\n# comment\n  5\t\r\n7 # trailing comment";
    test_write_file(path, text, sizeof text - 1);
    int64_t *sizes = NULL, n = -1;
    sm_error err;
    CHECK(sidecar_read_groups(path, &sizes, &n, &err) == SM_OK);
    CHECK(n == 4 && sizes[0] == 1 && sizes[1] == 13 && sizes[2] == 5 && sizes[3] == 7);
    free(sizes);

    test_write_file(path, "", 0);
    CHECK(sidecar_read_groups(path, &sizes, &n, &err) == SM_OK);
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
        CHECK(sidecar_read_groups(path, &sizes, &n, &err) == SM_EDATA);
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
    CHECK(sidecar_read_scores(path, &scores, &n, &err) == SM_OK);
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
        CHECK(sidecar_read_scores(path, &scores, &n, &err) == SM_EDATA);
        CHECK_CONTAINS(err.msg, path);
        CHECK_CONTAINS(err.msg, bad[i].want);
        CHECK(scores == NULL && n == 0);
    }
}

/* A targets line holds what a scorer can output, no more and no less. */
static void test_max_targets_is_max_outputs(void)
{
    CHECK(SIDECAR_MAX_TARGETS == SCORER_MAX_OUTPUTS);
}

static const test_case cases[] = {
    TEST(test_max_targets_is_max_outputs),
    TEST(test_groups_file),
    TEST(test_scores_file),
};

TEST_MAIN(cases)
