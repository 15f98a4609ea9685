/* reader_helpers.h - what the reader's suites (test_libsvm, test_tokens,
 * test_textsrc, test_sidecar) share: parsing a text, expecting an error,
 * writing and reading back files, comparing bits. */
#ifndef SM_READER_HELPERS_H
#define SM_READER_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "reader.h"
#include "test.h"

static inline void write_gzip(const char *path, const char *data, size_t len)
{
    gzFile gz = gzopen(path, "wb");
    if (!gz || gzwrite(gz, data, (unsigned)len) != (int)len || gzclose(gz) != Z_OK) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
}

static inline char *slurp(const char *path, size_t *len)
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

static inline sm_status parse(const char *text, sm_dataset *ds, sm_error *err)
{
    dataset_init(ds);
    sm_error_clear(err);
    return reader_read_buffer(text, strlen(text), "t.txt", NULL, ds, err);
}

static inline int dataset_is_empty_shell(const sm_dataset *ds)
{
    return ds->n_rows == 0 && ds->nnz == 0 && !ds->row_ptr && !ds->col && !ds->val && !ds->label &&
           !ds->group_ptr && !ds->qid;
}

/* Parsing text must fail with status and a message containing want. */
static inline void expect_error(const char *text, sm_status status, const char *want)
{
    sm_dataset ds;
    sm_error err;
    sm_status st = parse(text, &ds, &err);
    CHECK(st == status);
    CHECK_CONTAINS(err.msg, want);
    CHECK(dataset_is_empty_shell(&ds));
    dataset_free(&ds);
}

static inline int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static inline int same_float_bits(float a, float b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

#endif
