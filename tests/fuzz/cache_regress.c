/* cache_regress.c - the regression inputs of fuzz_cache: see cache_regress.h. */
#include "cache_regress.h"

#include "cache.h"

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the valid caches the inputs start from ---- */

enum { BASE_NONE, BASE_PLAIN, BASE_RANK, BASE_WEIGHTED, BASE_COMPACT, N_BASES };

/* The compact one: every row a run of 13 features (a LETOR row), which
 * the cache keeps as its first index only. */
#define RUN13(label, v) \
    label " 1:" v " 2:1 3:" v " 4:2 5:" v " 6:3 7:" v " 8:4 9:" v " 10:5 11:" v " 12:6 13:" v "\n"

static const struct {
    const char *source; /* the display name recorded, as a user's would be */
    const char *text, *weights; /* weights: NULL for none */
} bases[N_BASES] = {
    [BASE_NONE] = {"none.txt", "", NULL},
    [BASE_PLAIN] = {"plain.txt", "1 1:0.5 7:2\n0 3:1.5\n1 2:-1 5:0.25\n", NULL},
    [BASE_RANK] = {"rank.txt",
                   "2 qid:1 1:1 4:0.5\n1 qid:1 2:1\n0 qid:7 3:2 5:1\n1 qid:9 6:-1\n", NULL},
    [BASE_WEIGHTED] = {"weighted.txt",
                       "1 1:1 3:2\n0 2:1\n1 4:0.5 9:1\n0 1:2 13:1\n1 5:1\n0 2:3 8:1\n",
                       "1\n0.5\n2\n0\n1.25\n3\n"},
    [BASE_COMPACT] = {"compact.txt",
                      RUN13("1", "0.5") RUN13("0", "1") RUN13("1", "1.5") RUN13("0", "2")
                          RUN13("1", "2.5") RUN13("0", "3") RUN13("1", "-0.5") RUN13("0", "-1")
                              RUN13("1", "-1.5") RUN13("0", "-2") RUN13("1", "-2.5")
                                  RUN13("0", "-3"),
                      NULL},
};

/* ---- damage ---- */

/* the arrays, in the file's order (cache.h) */
enum { ROW_PTR, COL, VAL, LABEL, GROUP_PTR, QID, WEIGHT, COL_PTR };

static cache_header header_of(const unsigned char *image)
{
    cache_header h;
    memcpy(&h, image, sizeof h);
    return h;
}

/* element k of array a, of `size` bytes */
static unsigned char *at(unsigned char *image, int a, int64_t k, size_t size)
{
    return image + header_of(image).offset[a] + (size_t)k * size;
}

static int64_t get_i64(unsigned char *image, int a, int64_t k)
{
    int64_t v;
    memcpy(&v, at(image, a, k, 8), 8);
    return v;
}
static void put_i64(unsigned char *image, int a, int64_t k, int64_t v)
{
    memcpy(at(image, a, k, 8), &v, 8);
}
static void put_i32(unsigned char *image, int a, int64_t k, int32_t v)
{
    memcpy(at(image, a, k, 4), &v, 4);
}
static void put_f64(unsigned char *image, int a, int64_t k, double v)
{
    memcpy(at(image, a, k, 8), &v, 8);
}
static void flip_bit(unsigned char *image, int a, int64_t byte, int bit)
{
    *at(image, a, byte, 1) ^= (unsigned char)(1u << bit);
}

/* The header's fields: changed through a copy. */
#define EDIT_HEADER(image, h, statement) \
    do {                                 \
        cache_header h = header_of(image); \
        statement;                       \
        memcpy(image, &h, sizeof h);     \
    } while (0)

static void dim_huge(unsigned char *m, size_t *n) { (void)n; EDIT_HEADER(m, h, h.dim = 1 << 30); }
static void nnz_negative(unsigned char *m, size_t *n) { (void)n; EDIT_HEADER(m, h, h.nnz = -1); }
static void rows_huge(unsigned char *m, size_t *n)
{
    (void)n;
    EDIT_HEADER(m, h, h.n_rows = INT64_C(1) << 62);
}
static void offset_wild(unsigned char *m, size_t *n)
{
    (void)n;
    EDIT_HEADER(m, h, h.offset[LABEL] = UINT64_C(0xffffffffffff02f8));
}
static void weights_array_short(unsigned char *m, size_t *n)
{
    (void)n;
    EDIT_HEADER(m, h, h.bytes[WEIGHT] -= 8);
}
static void weights_dropped(unsigned char *m, size_t *n)
{
    (void)n;
    EDIT_HEADER(m, h, h.has_weights = 0);
}
static void weights_flag_2(unsigned char *m, size_t *n)
{
    (void)n;
    EDIT_HEADER(m, h, h.has_weights = 2);
}
/* (the crasher once: a name not zero-padded after its end) */
static void source_bytes_after_end(unsigned char *m, size_t *n)
{
    (void)n;
    static const char tail[] = "bytes after the end of the name";
    EDIT_HEADER(m, h, memcpy(h.source + sizeof h.source - sizeof tail, tail, sizeof tail - 1));
}
static void header_only(unsigned char *m, size_t *n) { (void)m; *n = sizeof(cache_header); }
static void truncated(unsigned char *m, size_t *n) { (void)m; *n = sizeof(cache_header) - 8; }

static void group_empty(unsigned char *m, size_t *n) { (void)n; put_i64(m, GROUP_PTR, 1, 0); }
static void qid_repeated(unsigned char *m, size_t *n)
{
    (void)n;
    put_i64(m, QID, 1, get_i64(m, QID, 0));
}
static void index_negative(unsigned char *m, size_t *n) { (void)n; put_i32(m, COL, 0, -1); }
/* the last index of row 0 */
static void index_beyond_dim(unsigned char *m, size_t *n)
{
    (void)n;
    put_i32(m, COL, get_i64(m, ROW_PTR, 1) - 1, 1000);
}
static void row_offset_negative(unsigned char *m, size_t *n) { (void)n; put_i64(m, ROW_PTR, 1, -4); }
static void row_offset_beyond_nnz(unsigned char *m, size_t *n)
{
    (void)n;
    put_i64(m, ROW_PTR, 1, header_of(m).nnz + 50);
}
static void label_nan(unsigned char *m, size_t *n) { (void)n; put_f64(m, LABEL, 1, NAN); }
static void value_bit_flipped(unsigned char *m, size_t *n) { (void)n; flip_bit(m, VAL, 2 * 4 + 2, 4); }
static void weight_bit_flipped(unsigned char *m, size_t *n) { (void)n; flip_bit(m, WEIGHT, 8 + 5, 2); }
static void weight_infinite(unsigned char *m, size_t *n) { (void)n; put_f64(m, WEIGHT, 0, INFINITY); }
static void weight_nan(unsigned char *m, size_t *n) { (void)n; put_f64(m, WEIGHT, 4, NAN); }
static void weight_negative(unsigned char *m, size_t *n) { (void)n; put_f64(m, WEIGHT, 1, -0.5); }
static void weights_all_zero(unsigned char *m, size_t *n)
{
    (void)n;
    for (int64_t r = 0; r < header_of(m).n_rows; r++)
        put_f64(m, WEIGHT, r, 0);
}
/* row 1's indices start after row 2's */
static void compact_offsets_out_of_order(unsigned char *m, size_t *n)
{
    (void)n;
    put_i64(m, COL_PTR, 1, get_i64(m, COL_PTR, 2) + 1);
}
static void compact_offsets_short(unsigned char *m, size_t *n)
{
    (void)n;
    int64_t rows = header_of(m).n_rows;
    put_i64(m, COL_PTR, rows, get_i64(m, COL_PTR, rows) - 1);
}
/* row 3's run of 13 starts 5 below the largest index allowed */
static void compact_run_past_max(unsigned char *m, size_t *n)
{
    (void)n;
    put_i32(m, COL, get_i64(m, COL_PTR, 3), (int32_t)(SM_MAX_INDEX - 5));
}

/* ---- the inputs ---- */

static const char IMPOSSIBLE[] = "impossible counts", LAYOUT[] = "describes another layout",
                  INCONSISTENT[] = "header is inconsistent", CHECKSUM[] = "checksum mismatch",
                  DIM[] = "a dimension other than the largest feature index + 1",
                  ROWS[] = "row offsets out of order", INDICES[] = "feature indices out of order",
                  WEIGHT_BAD[] = "a weight that is negative or not finite",
                  TRUNCATED[] = "the cache file is truncated";

const cache_regress_input cache_regress_inputs[] = {
    {"good-none", BASE_NONE, NULL, 0, NULL},
    {"good-plain", BASE_PLAIN, NULL, 0, NULL},
    {"good-rank", BASE_RANK, NULL, 0, NULL},
    {"good-weighted", BASE_WEIGHTED, NULL, 0, NULL},
    {"good-compact", BASE_COMPACT, NULL, 0, NULL},
    {"source-name-with-bytes-after-its-end", BASE_RANK, source_bytes_after_end, 0, NULL},
    {"truncated", BASE_RANK, truncated, 0, TRUNCATED},
    {"header-only", BASE_RANK, header_only, 0, TRUNCATED},
    {"dim-huge", BASE_RANK, dim_huge, 0, DIM},
    {"nnz-negative", BASE_RANK, nnz_negative, 0, IMPOSSIBLE},
    {"rows-huge", BASE_RANK, rows_huge, 0, IMPOSSIBLE},
    {"offset-wild", BASE_RANK, offset_wild, 0, LAYOUT},
    {"group-empty", BASE_RANK, group_empty, 0, "an empty query group"},
    {"qid-repeated", BASE_RANK, qid_repeated, 0, "one qid in two groups"},
    {"index-negative", BASE_RANK, index_negative, 0, INDICES},
    {"index-beyond-dim", BASE_RANK, index_beyond_dim, 0, DIM},
    {"row-offset-negative", BASE_RANK, row_offset_negative, 0, ROWS},
    {"row-offset-beyond-nnz", BASE_RANK, row_offset_beyond_nnz, 0, ROWS},
    /* a NaN label is a row without one (reader.h): only the checksum tells */
    {"label-nan", BASE_RANK, label_nan, 1, CHECKSUM},
    {"value-bit-flipped", BASE_RANK, value_bit_flipped, 1, CHECKSUM},
    {"weight-bit-flipped", BASE_WEIGHTED, weight_bit_flipped, 1, CHECKSUM},
    {"weight-infinite", BASE_WEIGHTED, weight_infinite, 0, WEIGHT_BAD},
    {"weight-nan", BASE_WEIGHTED, weight_nan, 0, WEIGHT_BAD},
    {"weight-negative", BASE_WEIGHTED, weight_negative, 0, WEIGHT_BAD},
    {"weights-all-zero", BASE_WEIGHTED, weights_all_zero, 0, "weights that are all 0"},
    {"weights-array-short", BASE_WEIGHTED, weights_array_short, 0, LAYOUT},
    {"weights-dropped-identity-kept", BASE_WEIGHTED, weights_dropped, 0, INCONSISTENT},
    {"weights-flag-not-0-or-1", BASE_WEIGHTED, weights_flag_2, 0, INCONSISTENT},
    {"compact-index-offsets-out-of-order", BASE_COMPACT, compact_offsets_out_of_order, 0,
     "index offsets out of order"},
    {"compact-index-offsets-short", BASE_COMPACT, compact_offsets_short, 0,
     "index offsets that do not span the indices"},
    {"compact-run-past-max-index", BASE_COMPACT, compact_run_past_max, 0, INDICES},
};
const int cache_regress_count = (int)(sizeof cache_regress_inputs / sizeof *cache_regress_inputs);

/* ---- making an image ---- */

/* path written with text and given a fixed mtime (recorded in the cache) */
static int write_fixed(const char *path, const char *text, char *why, size_t why_cap)
{
    FILE *f = fopen(path, "wb");
    size_t n = strlen(text);
    int ok = f && fwrite(text, 1, n, f) == n;
    ok = f && fclose(f) == 0 && ok;
    const struct timespec when[2] = {{1700000000, 0}, {1700000000, 0}};
    ok = ok && utimensat(AT_FDCWD, path, when, 0) == 0;
    if (!ok)
        snprintf(why, why_cap, "%s: cannot write it", path);
    return ok;
}

static int read_image(const char *path, unsigned char **image, size_t *len, char *why,
                      size_t why_cap)
{
    struct stat st;
    FILE *f = fopen(path, "rb");
    *image = f && fstat(fileno(f), &st) == 0 ? malloc((size_t)st.st_size + 1) : NULL;
    *len = *image ? fread(*image, 1, (size_t)st.st_size, f) : 0;
    int ok = *image && *len == (size_t)st.st_size;
    if (f)
        fclose(f);
    if (!ok) {
        free(*image);
        *image = NULL;
        snprintf(why, why_cap, "%s: cannot read the cache written", path);
    }
    return ok;
}

/* The image of the cache of base b, written by the engine in tmp_dir. */
static int engine_cache(int b, const char *tmp_dir, unsigned char **image, size_t *len,
                        char *why, size_t why_cap)
{
    char src[1024], weights[1024], cache[1024];
    snprintf(src, sizeof src, "%s/%s", tmp_dir, bases[b].source);
    snprintf(weights, sizeof weights, "%s/weights", tmp_dir);
    snprintf(cache, sizeof cache, "%s/cache", tmp_dir);
    int weighted = bases[b].weights != NULL, ok = 0;
    sm_dataset ds;
    sm_error err;
    cache_report rep;
    unlink(cache);
    int written = write_fixed(src, bases[b].text, why, why_cap) &&
                  (!weighted || write_fixed(weights, bases[b].weights, why, why_cap));
    if (!written)
        ; /* (why says which file) */
    else if (cache_load(src, weighted ? weights : NULL, cache, NULL, NULL, &ds, &rep, &err) !=
             SM_OK)
        snprintf(why, why_cap, "%s", err.msg);
    else {
        dataset_free(&ds);
        if (rep.outcome != CACHE_WRITTEN)
            snprintf(why, why_cap, "%s: no cache written: %s", src, rep.why);
        else
            ok = read_image(cache, image, len, why, why_cap);
    }
    unlink(src);
    unlink(weights);
    unlink(cache);
    return ok;
}

int cache_regress_image(const cache_regress_input *in, const char *tmp_dir,
                        unsigned char **image, size_t *len, char *why, size_t why_cap)
{
    if (!engine_cache(in->base, tmp_dir, image, len, why, why_cap))
        return 0;
    /* the source's name as a user's would be, not the scratch path */
    EDIT_HEADER(*image, h, memset(h.source, 0, sizeof h.source);
                snprintf(h.source, sizeof h.source, "%s", bases[in->base].source));
    cache_image_seal(*image, *len);
    if (in->damage)
        in->damage(*image, len);
    if (!in->stale_checksums)
        cache_image_seal(*image, *len);
    return 1;
}
