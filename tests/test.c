/* test.c - the harness behind test.h. The failure counter is file-static:
 * a test binary is single-threaded and short-lived. */
#include "test.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"

static int current_failures;

int test_check_(int ok, const char *file, int line, const char *expr)
{
    if (!ok) {
        current_failures++;
        fprintf(stderr, "  %s:%d: CHECK failed: %s\n", file, line, expr);
    }
    return ok;
}

int test_close_(double got, double want, double tol, const char *file, int line,
                const char *eg, const char *ew)
{
    int ok = fabs(got - want) <= tol || (got == want);
    if (!ok) {
        current_failures++;
        fprintf(stderr, "  %s:%d: %s = %.17g, want %s = %.17g (tol %g, diff %.3g)\n", file,
                line, eg, got, ew, want, tol, got - want);
    }
    return ok;
}

int test_rel_(double got, double want, double rtol, const char *file, int line,
              const char *eg, const char *ew)
{
    double scale = fabs(want) > 1e-300 ? fabs(want) : 1e-300;
    int ok = got == want || fabs(got - want) <= rtol * scale;
    if (!ok) {
        current_failures++;
        fprintf(stderr, "  %s:%d: %s = %.17g, want %s = %.17g (rel err %.3g > %g)\n", file,
                line, eg, got, ew, want, fabs(got - want) / scale, rtol);
    }
    return ok;
}

int test_streq_(const char *got, const char *want, const char *file, int line, const char *expr)
{
    int ok = got && want && strcmp(got, want) == 0;
    if (!ok) {
        current_failures++;
        fprintf(stderr, "  %s:%d: %s = \"%s\", want \"%s\"\n", file, line, expr,
                got ? got : "(null)", want ? want : "(null)");
    }
    return ok;
}

int test_contains_(const char *hay, const char *needle, const char *file, int line)
{
    int ok = hay && needle && strstr(hay, needle) != NULL;
    if (!ok) {
        current_failures++;
        fprintf(stderr, "  %s:%d: \"%s\" does not contain \"%s\"\n", file, line,
                hay ? hay : "(null)", needle ? needle : "(null)");
    }
    return ok;
}

int test_main_(const test_case *cases, int n, const char *suite, int argc, char **argv)
{
    const char *base = strrchr(suite, '/');
    base = base ? base + 1 : suite;
    int passed = 0, failed = 0;
    for (int i = 0; i < n; i++) {
        if (argc > 1 && !strstr(cases[i].name, argv[1]))
            continue;
        current_failures = 0;
        cases[i].fn();
        if (current_failures) {
            failed++;
            fprintf(stderr, "FAIL %s: %s\n", base, cases[i].name);
        } else {
            passed++;
        }
    }
    printf("%.*s: %d passed, %d failed\n", (int)(strcspn(base, ".")), base, passed, failed);
    return failed ? 1 : 0;
}

/* ---- scratch files ---- */

static char tmp_dir[64];

static void remove_tmp_dir(void)
{
    DIR *d = opendir(tmp_dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", tmp_dir, e->d_name);
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(tmp_dir);
}

const char *test_tmp_path(const char *name)
{
    static char path[4][256];
    static int next;
    if (!tmp_dir[0]) {
        strcpy(tmp_dir, "/tmp/smloss-test.XXXXXX");
        if (!mkdtemp(tmp_dir)) {
            perror("mkdtemp");
            exit(2);
        }
        atexit(remove_tmp_dir);
    }
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", tmp_dir, name);
    return p;
}

void test_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

void test_strbuf_add(test_strbuf *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (t->s && (size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        t->cap = (t->cap + (size_t)n + 1) * 2;
        if (!(t->s = realloc(t->s, t->cap))) {
            perror("realloc");
            exit(2);
        }
    }
}

sm_regions test_regions_of(const char *text)
{
    sm_regions r;
    sm_error err;
    memset(&r, 0, sizeof r);
    if (!CHECK(regions_parse(text, &r, &err) == SM_OK))
        fprintf(stderr, "  regions_parse(\"%s\"): %s\n", text, err.msg);
    return r;
}

int test_load(const char *path, sm_dataset *ds)
{
    sm_error err;
    dataset_init(ds);
    if (reader_read_file(path, NULL, ds, &err) != SM_OK) {
        fprintf(stderr, "  cannot load %s: %s\n", path, err.msg);
        return 0;
    }
    return 1;
}
