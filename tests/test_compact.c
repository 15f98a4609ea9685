/* test_compact.c - compact rows (dataset.h): a row whose indices are a run
 * keeps only its first index, in memory and in the cache. The rows read the
 * same in either layout; every solver, objective and scorer trains the same
 * model bytes from compact rows, from the sparse layout and from a cache;
 * the feature map, folds and the cache's checks see the same data; a
 * damaged compact cache is refused. */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "cv.h"
#include "featmap.h"
#include "model.h"
#include "reader.h"
#include "scorer.h"
#include "test.h"
#include "train.h"

enum { ROWS = 360, PER_QUERY = 12, FEATURES = 24, K = 3 };

/* LETOR-like text: every feature 1 .. FEATURES on most rows (runs), and
 * rows that are not runs among them: one with a gap (every 7th), a single
 * feature (every 11th), none (row 5), a run that starts later (every 13th). */
static char *letor_text(size_t *len)
{
    test_strbuf t = {0};
    uint64_t s = 12345;
    for (int r = 0; r < ROWS; r++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        test_strbuf_add(&t, "%d qid:%d", (int)(s >> 61) % 5, r / PER_QUERY + 1);
        int first = r % 13 == 0 ? 4 : 1;
        for (int j = first; j <= FEATURES && r != 5; j++) {
            if ((r % 7 == 0 && j == 9) || (r % 11 == 0 && j > first))
                continue;
            s = s * 6364136223846793005u + 1442695040888963407u;
            double x = (double)(s >> 40) / (double)(1 << 24);
            test_strbuf_add(&t, j % 3 == 0 ? " %d:%.0f" : " %d:%.6f", j,
                            j % 3 == 0 ? 20 * x * x : x - 0.3);
        }
        test_strbuf_add(&t, "\n");
    }
    *len = t.len;
    return t.s;
}

/* (written once: the cache checks its source's mtime) */
static const char *letor_file(void)
{
    static char path[4096];
    if (!path[0]) {
        snprintf(path, sizeof path, "%s", test_tmp_path("letor.txt"));
        size_t len;
        char *text = letor_text(&len);
        test_write_file(path, text, len);
        free(text);
    }
    return path;
}

/* The rows of the text, in the sparse layout. */
static int parse_sparse(sm_dataset *ds)
{
    sm_error err;
    return CHECK(reader_read_file(letor_file(), NULL, ds, &err) == SM_OK) &&
           CHECK(ds->col_ptr == NULL);
}

/* Through the cache file `name` (of the test's own). */
static int load_from_cache(const char *name, sm_dataset *ds, cache_outcome want)
{
    sm_reader_parallel par = {2, 256, 0};
    cache_report rep;
    sm_error err;
    return CHECK(cache_load(letor_file(), NULL, test_tmp_path(name), NULL, &par, ds, &rep,
                            &err) == SM_OK) &&
           CHECK(rep.outcome == want);
}

static void test_rows_read_the_same(void)
{
    sm_dataset sparse, compact;
    if (!parse_sparse(&sparse) || !parse_sparse(&compact))
        return;
    dataset_compact_rows(&compact);
    CHECK(compact.col_ptr != NULL && dataset_equal(&sparse, &compact));
    /* the runs keep one index: 4 of the 8 bytes a value of the sparse rows */
    int64_t runs = 0;
    for (int64_t r = 0; r < compact.n_rows; r++) {
        sm_row w = dataset_row(&compact, r), v = dataset_row(&sparse, r);
        runs += w.col == NULL && w.n > 0;
        CHECK(w.n == v.n && (v.col != NULL || v.n == 0));
        for (int64_t k = 0; k < w.n; k++)
            CHECK(row_index(w.col, w.first, k) == v.col[k] && w.val[k] == v.val[k]);
    }
    int64_t want_runs = 0, indices = 0; /* as the text was written */
    for (int r = 0; r < ROWS; r++) {
        int64_t n = sparse.row_ptr[r + 1] - sparse.row_ptr[r];
        int run = r != 5 && r % 7 != 0 && r % 11 != 0;
        CHECK(n == (r == 5 ? 0 : r % 11 == 0 ? 1 : FEATURES + 1 - (r % 13 == 0 ? 4 : 1) - (r % 7 == 0)));
        want_runs += run;
        indices += run ? 1 : n;
    }
    if (!CHECK(runs == want_runs && compact.col_ptr[compact.n_rows] == indices))
        fprintf(stderr, "  %lld runs (%lld), %lld indices (%lld)\n", (long long)runs,
                (long long)want_runs, (long long)compact.col_ptr[compact.n_rows],
                (long long)indices);
    /* 4 bytes a value and a run's index, the offsets and labels 24 a row */
    CHECK(dataset_row_bytes(&compact) == (uint64_t)(4 * (compact.nnz + indices) + 24 * ROWS + 16));
    CHECK(dataset_row_bytes(&sparse) == (uint64_t)(8 * sparse.nnz + 16 * ROWS + 8));
    /* the row that holds a nonzero, the layout back */
    for (int64_t r = 0; r < compact.n_rows; r++)
        for (int64_t k = compact.row_ptr[r]; k < compact.row_ptr[r + 1]; k++)
            CHECK(dataset_row_of(&compact, k) == r);
    CHECK(dataset_row_of(&compact, compact.nnz) == compact.n_rows);
    sm_error err;
    CHECK(dataset_expand_rows(&compact, &err) == SM_OK && compact.col_ptr == NULL);
    CHECK(memcmp(compact.col, sparse.col, (size_t)sparse.nnz * sizeof *sparse.col) == 0);
    dataset_free(&sparse);
    dataset_free(&compact);
}

/* Rows with no run, or runs too short to pay for the offsets: as they are. */
static void test_sparse_rows_stay(void)
{
    static const char text[] = "1 1:1 3:1 7:2\n0 2:1 3:1\n1 4:0.5\n0 5:1 9:1\n";
    sm_dataset ds;
    sm_error err;
    if (!CHECK(reader_read_buffer(text, strlen(text), "t", NULL, &ds, &err) == SM_OK))
        return;
    dataset_compact_rows(&ds);
    CHECK(ds.col_ptr == NULL && ds.col[0] == 1 && ds.col[3] == 2);
    dataset_free(&ds);
}

/* The cache keeps the compact layout (mapped as it is), and equal rows. */
static void test_cache_keeps_compact_rows(void)
{
    sm_dataset sparse, written, mapped;
    if (!parse_sparse(&sparse) || !load_from_cache("keep.cache", &written, CACHE_WRITTEN) ||
        !load_from_cache("keep.cache", &mapped, CACHE_REUSED))
        return;
    CHECK(written.col_ptr && !written.mapping);
    CHECK(mapped.col_ptr && mapped.mapping && dataset_in_mapping(&mapped, mapped.col_ptr));
    CHECK(dataset_equal(&sparse, &written) && dataset_equal(&sparse, &mapped));
    /* the file: about 4 bytes a value, where the sparse rows take 8 */
    CHECK(mapped.mapping_len < dataset_row_bytes(&sparse) * 7 / 10);
    CHECK(mapped.mapping_len >= dataset_row_bytes(&mapped));
    sm_error err;
    CHECK(dataset_expand_rows(&mapped, &err) == SM_OK && dataset_equal(&sparse, &mapped));
    dataset_free(&sparse);
    dataset_free(&written);
    dataset_free(&mapped);
}

/* One-hot targets of K classes (the label's grade mod K). */
static void set_classes(sm_dataset *ds)
{
    ds->target = calloc((size_t)ds->n_rows * K, sizeof *ds->target);
    ds->target_dim = K;
    for (int64_t r = 0; r < ds->n_rows; r++)
        ds->target[r * K + (int)ds->label[r] % K] = 1.0;
}

typedef struct {
    const char *name;
    sm_objective_kind kind;
    sm_solver_kind solver;
    const char *scorer;
    int streamed;
} train_case;

static sm_train_config config_of(const train_case *c)
{
    sm_train_config cfg;
    train_config_default(&cfg);
    cfg.objective.kind = c->kind;
    cfg.solver = c->solver;
    cfg.epochs = 3;
    cfg.max_iter = 6;
    cfg.tol = 0.0;
    cfg.threads = 2;
    cfg.optim.l2 = 1e-3;
    cfg.stream_units = c->streamed ? 7 : 0;
    int n_out = c->kind == OBJ_MULTICLASS ? K : 1;
    cfg.objective.n_out = cfg.scorer.n_out = n_out;
    if (n_out > 1)
        cfg.objective.target = TARGET_PROB;
    CHECK(link_parse(n_out > 1 ? "lin" : "lin:w=0.1+sigmoid:a=2,c=2", &cfg.objective.link,
                     NULL) == SM_OK);
    CHECK(objective_check(&cfg.objective, NULL) == SM_OK);
    sm_error err;
    if (c->scorer)
        CHECK(scorer_config_parse(c->scorer, &cfg.scorer, &err) == SM_OK);
    return cfg;
}

/* The same model bytes from compact rows (parsed, and mapped from the cache,
 * also expanded there), and from the sparse layout. */
static void test_same_model_bytes(void)
{
    static const train_case cases[] = {
        {"pointwise sgd", OBJ_POINTWISE, SOLVER_SGD, NULL, 0},
        {"pointwise lbfgs", OBJ_POINTWISE, SOLVER_LBFGS, NULL, 0},
        {"listwise sgd", OBJ_LISTWISE, SOLVER_SGD, NULL, 0},
        {"listwise lbfgs", OBJ_LISTWISE, SOLVER_LBFGS, NULL, 0},
        {"pairwise sgd", OBJ_PAIRWISE, SOLVER_SGD, NULL, 0},
        {"multiclass sgd", OBJ_MULTICLASS, SOLVER_SGD, NULL, 0},
        {"multiclass lbfgs", OBJ_MULTICLASS, SOLVER_LBFGS, NULL, 0},
        {"pointwise mlp", OBJ_POINTWISE, SOLVER_SGD, "mlp:20", 0},
        {"multiclass mlp", OBJ_MULTICLASS, SOLVER_SGD, "mlp:16", 0},
        {"listwise sgd streamed", OBJ_LISTWISE, SOLVER_SGD, NULL, 1},
        {"pointwise lbfgs streamed", OBJ_POINTWISE, SOLVER_LBFGS, NULL, 1},
    };
    enum { SPARSE, COMPACT, CACHED, CACHED_EXPANDED, N_LAYOUTS };
    sm_dataset ds[N_LAYOUTS];
    sm_error err;
    if (!parse_sparse(&ds[SPARSE]) || !parse_sparse(&ds[COMPACT]) ||
        !load_from_cache("train.cache", &ds[CACHED], CACHE_WRITTEN))
        return;
    dataset_free(&ds[CACHED]); /* (the cache is written: mapped from here on) */
    if (!load_from_cache("train.cache", &ds[CACHED], CACHE_REUSED) ||
        !load_from_cache("train.cache", &ds[CACHED_EXPANDED], CACHE_REUSED))
        return;
    dataset_compact_rows(&ds[COMPACT]);
    CHECK(dataset_expand_rows(&ds[CACHED_EXPANDED], &err) == SM_OK);
    CHECK(ds[COMPACT].col_ptr && ds[CACHED].col_ptr && !ds[CACHED_EXPANDED].col_ptr);
    for (int l = 0; l < N_LAYOUTS; l++)
        set_classes(&ds[l]);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        sm_train_config cfg = config_of(&cases[c]);
        sm_model m[N_LAYOUTS];
        int ok = 1;
        for (int l = 0; l < N_LAYOUTS; l++) {
            model_init(&m[l]);
            ok &= CHECK(train_run(&ds[l], l == SPARSE ? NULL : &ds[SPARSE], &cfg, &m[l], &err) ==
                        SM_OK);
        }
        size_t n = ok ? (size_t)scorer_saved_param_count(&m[0].scorer) : 0;
        int trained = 0;
        for (size_t i = 0; i < n; i++)
            trained |= m[0].param[i] != 0.0;
        ok &= CHECK(n > 0 && trained);
        for (int l = 1; l < N_LAYOUTS && ok; l++)
            if (!CHECK(scorer_saved_param_count(&m[l].scorer) == (int64_t)n &&
                       memcmp(m[l].param, m[0].param, n * sizeof *m[0].param) == 0))
                fprintf(stderr, "  %s: layout %d trains other bytes\n", cases[c].name, l);
        for (int l = 0; l < N_LAYOUTS; l++)
            model_free(&m[l]);
    }
    for (int l = 0; l < N_LAYOUTS; l++)
        dataset_free(&ds[l]);
}

/* A hashed feature map and folds of compact rows: the rows of the sparse. */
static void test_featmap_and_folds(void)
{
    sm_dataset sparse, compact;
    if (!parse_sparse(&sparse) || !parse_sparse(&compact))
        return;
    dataset_compact_rows(&compact);
    int32_t *fold = malloc((size_t)sparse.n_rows * sizeof *fold);
    for (int64_t r = 0; r < sparse.n_rows; r++)
        fold[r] = (int32_t)(r / PER_QUERY % 3);
    for (int in = 0; in < 2; in++) {
        sm_dataset a, b;
        sm_error err;
        CHECK(cv_subset(&sparse, fold, 1, in, &a, &err) == SM_OK);
        CHECK(cv_subset(&compact, fold, 1, in, &b, &err) == SM_OK);
        CHECK(b.col_ptr != NULL && dataset_equal(&a, &b));
        dataset_free(&a);
        dataset_free(&b);
    }
    free(fold);
    sm_featmap ms, mc;
    sm_error err;
    CHECK(featmap_build(&sparse, 5, &ms, &err) == SM_OK);
    CHECK(featmap_build(&compact, 5, &mc, &err) == SM_OK);
    CHECK(ms.id == mc.id && ms.n == mc.n);
    CHECK(featmap_apply(&ms, &sparse, &err) == SM_OK);
    CHECK(featmap_apply(&mc, &compact, &err) == SM_OK);
    CHECK(compact.col_ptr == NULL && dataset_equal(&sparse, &compact));
    featmap_free(&ms);
    featmap_free(&mc);
    dataset_free(&sparse);
    dataset_free(&compact);
}

/* A compact cache's image: checked like any other; its offsets and runs
 * damaged (with a fresh checksum) are refused with the reason. */
static void test_damaged_compact_cache(void)
{
    sm_dataset ds;
    if (!load_from_cache("damage.cache", &ds, CACHE_WRITTEN))
        return;
    dataset_free(&ds);
    FILE *f = fopen(test_tmp_path("damage.cache"), "rb");
    if (!CHECK(f != NULL))
        return;
    fseek(f, 0, SEEK_END);
    size_t len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *image = malloc(len), *copy = malloc(len);
    CHECK(fread(image, 1, len, f) == len);
    fclose(f);
    cache_header h;
    memcpy(&h, image, sizeof h);
    CHECK(h.n_col < h.nnz && h.bytes[7] == 8 * ((uint64_t)h.n_rows + 1));
    char why[256];
    sm_dataset back;
    CHECK(cache_image_load(image, len, &back, why, sizeof why) && back.col_ptr != NULL);
    dataset_free(&back);
    int64_t *col_ptr = (int64_t *)(void *)(image + h.offset[7]);
    int64_t run = 1; /* row 1 is a run of FEATURES */
    CHECK(col_ptr[run + 1] - col_ptr[run] == 1);
    /* an offset out of order */
    memcpy(copy, image, len);
    ((int64_t *)(void *)(copy + h.offset[7]))[run] += 5;
    cache_image_seal(copy, len);
    CHECK(!cache_image_load(copy, len, &back, why, sizeof why));
    CHECK_CONTAINS(why, "index offsets out of order");
    /* a run whose indices go past the largest */
    memcpy(copy, image, len);
    ((int32_t *)(void *)(copy + h.offset[1]))[col_ptr[run]] = 2147483646 - 3;
    cache_image_seal(copy, len);
    CHECK(!cache_image_load(copy, len, &back, why, sizeof why));
    CHECK_CONTAINS(why, "feature indices out of order or negative");
    /* a run that starts below 0 */
    memcpy(copy, image, len);
    ((int32_t *)(void *)(copy + h.offset[1]))[col_ptr[run]] = -1;
    cache_image_seal(copy, len);
    CHECK(!cache_image_load(copy, len, &back, why, sizeof why));
    CHECK_CONTAINS(why, "feature indices out of order or negative");
    /* index offsets that end before the indices do */
    memcpy(copy, image, len);
    ((int64_t *)(void *)(copy + h.offset[7]))[h.n_rows] -= 1;
    cache_image_seal(copy, len);
    CHECK(!cache_image_load(copy, len, &back, why, sizeof why));
    CHECK_CONTAINS(why, "index offsets that do not span the indices");
    /* a run's first index changed, checksum not renewed: the checksum */
    memcpy(copy, image, len);
    ((int32_t *)(void *)(copy + h.offset[1]))[col_ptr[run]] -= 1;
    CHECK(!cache_image_load(copy, len, &back, why, sizeof why));
    CHECK_CONTAINS(why, "checksum mismatch");
    free(image);
    free(copy);
}

static const test_case cases[] = {
    TEST(test_rows_read_the_same),      TEST(test_sparse_rows_stay),
    TEST(test_cache_keeps_compact_rows), TEST(test_same_model_bytes),
    TEST(test_featmap_and_folds),       TEST(test_damaged_compact_cache),
};

TEST_MAIN(cases)
