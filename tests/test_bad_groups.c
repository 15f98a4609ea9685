/* test_bad_groups.c - the group-file part of the malformed-input corpus:
 * each tests/bad/groups/NAME.txt must fail in reader_read_groups with the
 * status and message (an extended regex) on the two lines of NAME.expect,
 * allocate nothing, and name the file. (Group files have no command of their
 * own yet, so the corpus runs in-process; run from the repository root.) */
#include "reader.h"

#include <dirent.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#define CORPUS "tests/bad/groups"

static int read_expect(const char *path, int *status, char *pattern, size_t cap)
{
    FILE *f = fopen(path, "r");
    char line[32];
    int ok = f && fgets(line, sizeof line, f) && fgets(pattern, (int)cap, f);
    if (f)
        fclose(f);
    if (!ok)
        return 0;
    *status = atoi(line);
    pattern[strcspn(pattern, "\r\n")] = '\0';
    return 1;
}

static void check_case(const char *name)
{
    char txt[512], expect[512], pattern[1024];
    int status;
    snprintf(txt, sizeof txt, "%s/%s.txt", CORPUS, name);
    snprintf(expect, sizeof expect, "%s/%s.expect", CORPUS, name);
    regex_t re;
    if (!CHECK(read_expect(expect, &status, pattern, sizeof pattern)) ||
        !CHECK(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) == 0)) {
        fprintf(stderr, "    %s: needs a status line and a valid regex line\n", expect);
        return;
    }
    int64_t *sizes = (int64_t *)&status, n = -1;
    sm_error err;
    sm_error_clear(&err);
    sm_status st = reader_read_groups(txt, &sizes, &n, &err);
    int ok = CHECK((int)st == status);
    ok &= CHECK(regexec(&re, err.msg, 0, NULL, 0) == 0);
    ok &= CHECK_CONTAINS(err.msg, txt);
    ok &= CHECK(sizes == NULL && n == 0);
    if (!ok)
        fprintf(stderr, "    %s: status %d, message: %s\n    wanted %d, regex: %s\n", txt, (int)st,
                err.msg, status, pattern);
    regfree(&re);
}

static void test_group_corpus(void)
{
    DIR *d = opendir(CORPUS);
    if (!CHECK(d != NULL)) {
        fprintf(stderr, "    cannot open %s (run from the repository root)\n", CORPUS);
        return;
    }
    int n_cases = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 7 && strcmp(e->d_name + len - 7, ".expect") == 0) {
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)(len - 7), e->d_name);
            check_case(name);
            n_cases++;
        }
    }
    closedir(d);
    CHECK(n_cases >= 10);
}

/* Reading the groups of the bundled ranking data works, so the corpus
 * failures above are the inputs', not the reader's. */
static void test_bundled_group_files(void)
{
    int64_t *sizes = NULL, n = 0, total = 0;
    sm_error err;
    CHECK(reader_read_groups("data/lightgbm-rank/rank.train.query", &sizes, &n, &err) == SM_OK);
    for (int64_t i = 0; i < n; i++)
        total += sizes[i];
    sm_dataset ds;
    CHECK(reader_read_file("data/lightgbm-rank/rank.train", NULL, &ds, &err) == SM_OK);
    CHECK(n > 1 && total == ds.n_rows);
    CHECK(dataset_set_group_sizes(&ds, sizes, n, "rank.train.query", &err) == SM_OK);
    dataset_free(&ds);
    free(sizes);
}

static const test_case cases[] = {
    TEST(test_group_corpus),
    TEST(test_bundled_group_files),
};

TEST_MAIN(cases)
