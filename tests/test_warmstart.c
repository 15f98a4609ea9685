/* test_warmstart.c - warm starts and checkpoints of the trainer: a scorer
 * imports exported parameters exactly back (linear and MLP, with feature
 * scales), a run from a model's parameters continues it, and checkpoints
 * come at the epochs asked for without changing the model. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "reader.h"
#include "rng.h"
#include "scorer.h"
#include "test.h"
#include "train.h"
#include "train_pass.h"

#define HOUSING "data/libsvm-housing-scale/housing_scale"

/* export(import(p)) == p, up to the rounding of dividing and multiplying
 * by a feature's scale. */
static void check_roundtrip(const char *spec, int32_t n_out)
{
    sm_dataset ds;
    if (!CHECK(test_load(HOUSING, &ds)))
        return;
    sm_error err;
    double *fs = NULL;
    CHECK(pass_maxabs_scales(&ds, 1, NULL, &fs, &err) == SM_OK);
    sm_scorer_config cfg;
    scorer_config_default(&cfg);
    cfg.n_out = n_out;
    CHECK(scorer_config_parse(spec, &cfg, &err) == SM_OK);
    sm_scorer sc;
    CHECK(scorer_init(&sc, &cfg, &ds, fs, 3, &err) == SM_OK);
    int64_t n = scorer_saved_param_count(&sc.cfg);
    double *p = malloc((size_t)n * sizeof *p), *q = malloc((size_t)n * sizeof *q);
    sm_rng rng;
    rng_seed(&rng, 11);
    for (int64_t i = 0; i < n; i++)
        p[i] = rng_normal(&rng);
    scorer_import(&sc, p);
    CHECK(scorer_export(&sc, q, &err) == SM_OK);
    int bad = 0;
    for (int64_t i = 0; i < n; i++)
        bad += !(fabs(q[i] - p[i]) <= 1e-14 * fabs(p[i]));
    CHECK(bad == 0);
    /* and the scores are the saved model's */
    double *s = malloc((size_t)(ds.n_rows * n_out) * sizeof *s);
    double *t = malloc((size_t)(ds.n_rows * n_out) * sizeof *t);
    int64_t *rows = malloc((size_t)ds.n_rows * sizeof *rows);
    for (int64_t r = 0; r < ds.n_rows; r++)
        rows[r] = r;
    CHECK(scorer_reserve(&sc, ds.n_rows, &err) == SM_OK);
    scorer_forward(&sc, &ds, rows, ds.n_rows, s);
    scorer_predict(&sc.cfg, p, &ds, t);
    for (int64_t i = 0; i < ds.n_rows * n_out && !bad; i++)
        bad += !(fabs(s[i] - t[i]) <= 1e-9 * (1 + fabs(t[i])));
    CHECK(bad == 0);
    free(rows);
    free(s);
    free(t);
    free(p);
    free(q);
    scorer_free(&sc);
    free(fs);
    dataset_free(&ds);
}

static void test_import_linear(void) { check_roundtrip("linear", 1); }
static void test_import_linear_k3(void) { check_roundtrip("linear", 3); }
static void test_import_mlp(void) { check_roundtrip("mlp:5,3", 1); }
static void test_import_mlp_k2(void) { check_roundtrip("mlp:7", 2); }

static double mean_sq_error(const sm_model *m, const sm_dataset *ds)
{
    double *s = malloc((size_t)ds->n_rows * sizeof *s), sum = 0.0;
    sm_error err;
    CHECK(model_predict(m, ds, s, &err) == SM_OK);
    for (int64_t r = 0; r < ds->n_rows; r++)
        sum += (s[r] - ds->label[r]) * (s[r] - ds->label[r]);
    free(s);
    return sum / (double)ds->n_rows;
}

static void test_warm_start(void)
{
    sm_dataset ds;
    if (!CHECK(test_load(HOUSING, &ds)))
        return;
    sm_train_config cfg;
    train_config_default(&cfg);
    cfg.solver = SOLVER_SGD; /* (epochs: the engine's default is L-BFGS) */
    cfg.epochs = 3;
    sm_model a, b, c;
    model_init(&a);
    model_init(&b);
    model_init(&c);
    sm_error err;
    CHECK(train_run(&ds, NULL, &cfg, &a, &err) == SM_OK);
    cfg.init_param = a.param;
    CHECK(train_run(&ds, NULL, &cfg, &b, &err) == SM_OK);
    double ea = mean_sq_error(&a, &ds), eb = mean_sq_error(&b, &ds);
    CHECK(eb <= ea * 1.0001);
    CHECK(memcmp(a.param, b.param, (size_t)(ds.dim + 1) * sizeof *a.param) != 0);
    /* a vanishing rate leaves the model where it started */
    cfg.optim.lr = 1e-12;
    CHECK(train_run(&ds, NULL, &cfg, &c, &err) == SM_OK);
    for (int32_t j = 0; j <= ds.dim; j++)
        CHECK_CLOSE(c.param[j], a.param[j], 1e-8 * (1 + fabs(a.param[j])));
    model_free(&a);
    model_free(&b);
    model_free(&c);
    dataset_free(&ds);
}

typedef struct {
    int epochs[16], n;
    sm_status answer;
} checkpoints;

static sm_status on_checkpoint(void *ctx, const sm_model *m, const sm_train_state *state,
                               int epoch, sm_error *err)
{
    (void)state;
    checkpoints *c = ctx;
    if (c->n < 16)
        c->epochs[c->n++] = epoch;
    int finite = m->param != NULL && m->objective == OBJ_POINTWISE;
    for (int64_t i = 0; finite && i < scorer_saved_param_count(&m->scorer); i++)
        finite = isfinite(m->param[i]);
    CHECK(finite);
    return c->answer == SM_OK ? SM_OK : sm_fail(err, c->answer, "cannot write");
}

static void test_checkpoints(void)
{
    sm_dataset ds;
    if (!CHECK(test_load(HOUSING, &ds)))
        return;
    sm_train_config cfg;
    train_config_default(&cfg);
    cfg.solver = SOLVER_SGD; /* (checkpoints every 2 epochs) */
    cfg.epochs = 5;
    sm_model plain, saved;
    model_init(&plain);
    model_init(&saved);
    sm_error err;
    CHECK(train_run(&ds, NULL, &cfg, &plain, &err) == SM_OK);
    checkpoints c = {.answer = SM_OK};
    cfg.ctx = &c;
    cfg.on_checkpoint = on_checkpoint;
    cfg.checkpoint_every = 2;
    CHECK(train_run(&ds, NULL, &cfg, &saved, &err) == SM_OK);
    CHECK(c.n == 2 && c.epochs[0] == 2 && c.epochs[1] == 4); /* not after the last */
    CHECK(memcmp(plain.param, saved.param, (size_t)(ds.dim + 1) * sizeof *plain.param) == 0);
    model_free(&saved);
    /* a checkpoint that cannot be written ends the run with its status */
    c = (checkpoints){.answer = SM_EIO};
    cfg.checkpoint_every = 1;
    CHECK(train_run(&ds, NULL, &cfg, &saved, &err) == SM_EIO);
    CHECK(c.n == 1);
    CHECK_CONTAINS(err.msg, "cannot write");
    model_free(&plain);
    model_free(&saved);
    dataset_free(&ds);
}

static const test_case cases[] = {
    TEST(test_import_linear), TEST(test_import_linear_k3), TEST(test_import_mlp),
    TEST(test_import_mlp_k2), TEST(test_warm_start), TEST(test_checkpoints),
};
TEST_MAIN(cases)
