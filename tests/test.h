/* test.h - a minimal unit-test harness.
 *
 * A suite is one tests/test_<name>.c file built into its own binary:
 *     static void test_something(void) { CHECK(x == 1); CHECK_CLOSE(a, b, 1e-12); }
 *     static const test_case cases[] = { TEST(test_something), ... };
 *     TEST_MAIN(cases)
 * A case passes when none of its checks fail. The binary prints each failing
 * check with file:line, then "SUITE: N passed, N failed", and exits non-zero
 * when any case failed. `./test_x NAME` runs only the cases whose name contains NAME.
 */
#ifndef SM_TEST_H
#define SM_TEST_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dataset.h"
#include "regions.h"

typedef struct {
    const char *name;
    void (*fn)(void);
} test_case;

#define TEST(fn) { #fn, fn }

int test_check_(int ok, const char *file, int line, const char *expr);
int test_close_(double got, double want, double tol, const char *file, int line,
                const char *expr_got, const char *expr_want);
int test_rel_(double got, double want, double rtol, const char *file, int line,
              const char *expr_got, const char *expr_want);
int test_streq_(const char *got, const char *want, const char *file, int line,
                const char *expr);
int test_contains_(const char *hay, const char *needle, const char *file, int line);
int test_main_(const test_case *cases, int n, const char *suite, int argc, char **argv);

/* Scratch files: the path of NAME in a directory made on first use and removed,
 * with its files, when the test binary exits; the last 4 paths stay valid. */
const char *test_tmp_path(const char *name);
/* Read the data file path into ds (dataset_init first); 0, saying why on
 * stderr, when it cannot be read. */
int test_load(const char *path, sm_dataset *ds);
/* Write len bytes to path; a failure ends the test binary (status 2). */
void test_write_file(const char *path, const void *data, size_t len);

/* A growable string for generated inputs: test_text_add appends printf-style. */
typedef struct {
    char *s;
    size_t len, cap;
} test_strbuf;
void test_strbuf_add(test_strbuf *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The number of elements of an array. */
#define TEST_N_OF(a) ((int64_t)(sizeof(a) / sizeof((a)[0])))

/* regions_parse of text, which must succeed (else a failed check). */
sm_regions test_regions_of(const char *text);

#define CHECK(cond) test_check_(!!(cond), __FILE__, __LINE__, #cond)
/* |got - want| <= tol */
#define CHECK_CLOSE(got, want, tol) test_close_((got), (want), (tol), __FILE__, __LINE__, #got, #want)
/* |got - want| <= rtol * max(|want|, tiny) */
#define CHECK_REL(got, want, rtol) test_rel_((got), (want), (rtol), __FILE__, __LINE__, #got, #want)
#define CHECK_STREQ(got, want) test_streq_((got), (want), __FILE__, __LINE__, #got)
#define CHECK_CONTAINS(hay, needle) test_contains_((hay), (needle), __FILE__, __LINE__)

#define TEST_MAIN(cases)                                                                 \
    int main(int argc, char **argv)                                                      \
    {                                                                                    \
        return test_main_(cases, (int)(sizeof cases / sizeof cases[0]), __FILE__, argc, argv); \
    }

#endif
