/* test_resume.c - resuming a run (train.h: resume, train_resume.h,
 * train_state.h): L-BFGS saved and restored mid-run makes the iterates of
 * the run never stopped, bit for bit; a resume state written after a model
 * reloads exactly (signed zeros, NaN); train_run resumed from a
 * checkpoint's state gives the uninterrupted run's parameters bit for bit
 * (sgd, adam, momentum, a run that backed off, an MLP, early stopping,
 * L-BFGS), and refuses another option or other data, naming it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lbfgs.h"
#include "link.h"
#include "model.h"
#include "reader.h"
#include "test.h"
#include "train.h"
#include "train_resume.h"
#include "train_state.h"

#define HOUSING "data/libsvm-housing-scale/housing_scale"

/* ---- L-BFGS ---- */

/* The Rosenbrock function in n dimensions: curved, so the memory matters. */
static sm_status rosenbrock(void *ctx, const double *x, double *f, double *g, sm_error *err)
{
    (void)err;
    int64_t n = *(const int64_t *)ctx;
    *f = 0.0;
    for (int64_t i = 0; i < n; i++)
        g[i] = 0.0;
    for (int64_t i = 0; i + 1 < n; i++) {
        double a = x[i + 1] - x[i] * x[i], b = 1.0 - x[i];
        *f += 100.0 * a * a + b * b;
        g[i] += -400.0 * a * x[i] - 2.0 * b;
        g[i + 1] += 200.0 * a;
    }
    return SM_OK;
}

static void test_lbfgs_state(void)
{
    int64_t n = 6;
    double x0[6] = {-1.2, 1.0, -1.2, 1.0, 0.5, -0.5};
    sm_lbfgs whole, first, second;
    sm_error err;
    int moved;
    CHECK(lbfgs_init(&whole, n, rosenbrock, &n, &err) == SM_OK);
    CHECK(lbfgs_start(&whole, x0, &err) == SM_OK);
    for (int i = 0; i < 40; i++)
        CHECK(lbfgs_iterate(&whole, &moved, &err) == SM_OK);
    CHECK(lbfgs_init(&first, n, rosenbrock, &n, &err) == SM_OK);
    CHECK(lbfgs_start(&first, x0, &err) == SM_OK);
    for (int i = 0; i < 17; i++) /* past the memory of 10 pairs: the ring wrapped */
        CHECK(lbfgs_iterate(&first, &moved, &err) == SM_OK);
    CHECK(first.count == LBFGS_MEMORY);
    int64_t size = lbfgs_state_size(&first);
    double *state = malloc((size_t)size * sizeof *state);
    lbfgs_state_save(&first, state);
    CHECK(lbfgs_init(&second, n, rosenbrock, &n, &err) == SM_OK);
    CHECK(lbfgs_state_restore(&second, state, size - 1, &err) == SM_EDATA);
    CHECK(lbfgs_state_restore(&second, state, size, &err) == SM_OK);
    for (int i = 17; i < 40; i++)
        CHECK(lbfgs_iterate(&second, &moved, &err) == SM_OK);
    CHECK(memcmp(second.x, whole.x, (size_t)n * sizeof *whole.x) == 0);
    CHECK(second.f == whole.f && second.evals == whole.evals);
    double f0;
    double g0[6];
    rosenbrock(&n, x0, &f0, g0, &err);
    CHECK(whole.f < 1e-3 * f0); /* (it got somewhere) */
    free(state);
    lbfgs_free(&whole);
    lbfgs_free(&first);
    lbfgs_free(&second);
}

/* ---- the state in a file ---- */

static void test_state_file(void)
{
    sm_train_state s, back;
    sm_error err;
    train_state_init(&s);
    double v[6] = {0.0, -0.0, 1e-300, -2.5, 0.1, 0.0};
    CHECK(train_state_set(&s, "epoch", &err, "%d", 7) == SM_OK);
    CHECK(train_state_set(&s, "best", &err, "%.17g", NAN) == SM_OK);
    CHECK(train_state_set(&s, "epoch", &err, "%d", 8) == SM_OK); /* replaces */
    CHECK(train_state_set(&s, "option --lr", &err, "%s", "0.5") == SM_OK);
    CHECK(train_state_set_array(&s, "v", v, 6, &err) == SM_OK);
    CHECK(train_state_set_array(&s, "empty", NULL, 0, &err) == SM_OK);
    CHECK(s.n_values == 3);
    sm_model m;
    model_init(&m);
    sm_scorer_config c;
    scorer_config_default(&c);
    CHECK(model_init_scorer(&m, &c, 3, &err) == SM_OK);
    m.param[1] = 0.25;
    CHECK(link_parse("lin", &m.link, &err) == SM_OK);
    const char *path = test_tmp_path("ck.model");
    FILE *f = fopen(path, "w");
    CHECK(model_write(&m, f, 1, &err) == SM_OK);
    CHECK(model_write_state(&s, f, 1, &err) == SM_OK);
    fclose(f);
    sm_model again;
    if (!CHECK(model_load(path, &again, &err) == SM_OK)) /* a model alone, to its 'end' */
        fprintf(stderr, "  %s\n", err.msg);
    CHECK(again.param[1] == 0.25);
    model_free(&again);
    CHECK(model_load_checkpoint(path, &again, &back, &err) == SM_OK);
    long long epoch;
    double best;
    const double *w;
    CHECK(train_state_long(&back, "epoch", &epoch, &err) == SM_OK && epoch == 8);
    CHECK(train_state_double(&back, "best", &best, &err) == SM_OK && isnan(best));
    CHECK_STREQ(train_state_get(&back, "option --lr"), "0.5");
    CHECK(train_state_doubles(&back, "v", 6, &w, &err) == SM_OK);
    CHECK(w && memcmp(w, v, sizeof v) == 0); /* -0 kept, bit for bit */
    CHECK(train_state_doubles(&back, "v", 5, &w, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "6 values of v");
    CHECK(train_state_doubles(&back, "empty", 0, &w, &err) == SM_OK);
    CHECK(train_state_long(&back, "nope", &epoch, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "has no nope");
    model_free(&again);
    train_state_free(&back);
    /* a finished model is no checkpoint */
    f = fopen(path, "w");
    CHECK(model_write(&m, f, 1, &err) == SM_OK);
    fclose(f);
    CHECK(model_load_checkpoint(path, &again, &back, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "no resume state");
    model_free(&m);
    train_state_free(&s);
}

/* ---- train_run resumed ---- */

/* The state of the checkpoint of epoch `at`, copied. */
typedef struct {
    int at;
    sm_train_state saved;
    int got;
} keeper;

static sm_status keep_state(void *ctx, const sm_model *model, const sm_train_state *state,
                            int epoch, sm_error *err)
{
    (void)model;
    keeper *k = ctx;
    if (epoch != k->at)
        return SM_OK;
    for (int i = 0; i < state->n_values; i++)
        if (train_state_set(&k->saved, state->values[i].name, err, "%s",
                            state->values[i].value) != SM_OK)
            return SM_EFAIL;
    for (int i = 0; i < state->n_arrays; i++)
        if (train_state_set_array(&k->saved, state->arrays[i].name, state->arrays[i].v,
                                  state->arrays[i].n, err) != SM_OK)
            return SM_EFAIL;
    k->got = 1;
    return SM_OK;
}

/* The whole run, and the run resumed from its checkpoint of epoch `at`:
 * the same parameters, bit for bit, and the same info. Returns the whole
 * run's halvings of the rate. */
static int check_resumed(const char *what, sm_train_config *cfg, const sm_dataset *ds,
                          const sm_dataset *valid, int at)
{
    sm_model whole, resumed;
    model_init(&whole);
    model_init(&resumed);
    sm_error err;
    keeper k = {.at = at};
    train_state_init(&k.saved);
    cfg->checkpoint_every = 1;
    cfg->on_checkpoint = keep_state;
    cfg->ctx = &k;
    if (!CHECK(train_run(ds, valid, cfg, &whole, &err) == SM_OK) || !CHECK(k.got)) {
        fprintf(stderr, "  %s: %s\n", what, err.msg);
        return 0;
    }
    cfg->on_checkpoint = NULL;
    cfg->resume = &k.saved;
    if (CHECK(train_run(ds, valid, cfg, &resumed, &err) == SM_OK)) {
        int64_t n = scorer_saved_param_count(&whole.scorer);
        if (!CHECK(n == scorer_saved_param_count(&resumed.scorer) &&
                   memcmp(whole.param, resumed.param, (size_t)n * sizeof *whole.param) == 0))
            fprintf(stderr, "  %s: the resumed parameters differ\n", what);
        CHECK(whole.n_info == resumed.n_info);
        for (int i = 0; i < whole.n_info && i < resumed.n_info; i++)
            CHECK_STREQ(resumed.info[i].value, whole.info[i].value);
    } else {
        fprintf(stderr, "  %s: %s\n", what, err.msg);
    }
    cfg->resume = NULL;
    cfg->checkpoint_every = 0;
    train_state_free(&k.saved);
    const char *halvings = model_get_info(&whole, "lr_halvings");
    int n = halvings ? atoi(halvings) : 0;
    model_free(&whole);
    model_free(&resumed);
    return n;
}

static void test_train_resumed(void)
{
    sm_dataset ds;
    if (!CHECK(test_load(HOUSING, &ds)))
        return;
    sm_train_config cfg;
    train_config_default(&cfg);
    cfg.solver = SOLVER_SGD;
    cfg.epochs = 6;
    check_resumed("sgd", &cfg, &ds, NULL, 2);
    optim_config_default(&cfg.optim, OPT_ADAM);
    cfg.optim.warmup = 500;
    cfg.optim.l2 = 1e-3;
    check_resumed("adam", &cfg, &ds, NULL, 4);
    optim_config_default(&cfg.optim, OPT_MOMENTUM);
    cfg.optim.clip = 2.0;
    check_resumed("momentum", &cfg, &ds, NULL, 1);
    /* a rate that diverges: backed off, and the checkpoint after it
     * records the halvings */
    optim_config_default(&cfg.optim, OPT_SGD);
    cfg.optim.lr = 64.0;
    cfg.max_backoffs = 20;
    CHECK(check_resumed("backed off", &cfg, &ds, NULL, 3) > 0);
    cfg.max_backoffs = 0;
    optim_config_default(&cfg.optim, OPT_MOMENTUM);
    sm_scorer_config mlp = cfg.scorer;
    sm_error err;
    CHECK(scorer_config_parse("mlp:5", &cfg.scorer, &err) == SM_OK);
    optim_config_default(&cfg.optim, OPT_ADAM);
    check_resumed("mlp", &cfg, &ds, NULL, 3);
    cfg.scorer = mlp;
    cfg.keep_best = 1;
    cfg.patience = 2;
    cfg.epochs = 30;
    check_resumed("early stopping", &cfg, &ds, &ds, 3);
    cfg.keep_best = 0;
    cfg.solver = SOLVER_LBFGS;
    cfg.optim.l2 = 1e-3;
    cfg.max_iter = 60;
    check_resumed("lbfgs", &cfg, &ds, NULL, 12);
    dataset_free(&ds);
}

static void test_train_refused(void)
{
    sm_dataset ds;
    if (!CHECK(test_load(HOUSING, &ds)))
        return;
    sm_train_config cfg;
    train_config_default(&cfg);
    cfg.solver = SOLVER_SGD;
    cfg.epochs = 4;
    keeper k = {.at = 2};
    train_state_init(&k.saved);
    cfg.checkpoint_every = 1;
    cfg.on_checkpoint = keep_state;
    cfg.ctx = &k;
    sm_model m;
    model_init(&m);
    sm_error err;
    CHECK(train_run(&ds, NULL, &cfg, &m, &err) == SM_OK && k.got);
    model_free(&m);
    cfg.on_checkpoint = NULL;
    cfg.resume = &k.saved;
    cfg.seed = 2;
    CHECK(train_run(&ds, NULL, &cfg, &m, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "trained with --seed 1, this run has --seed 2");
    cfg.seed = 1;
    cfg.epochs = 3;
    CHECK(train_run(&ds, NULL, &cfg, &m, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "--epochs 4, this run has --epochs 3");
    cfg.epochs = 4;
    ds.label[10] += 1.0; /* other data */
    CHECK(train_run(&ds, NULL, &cfg, &m, &err) == SM_EUSAGE);
    CHECK_CONTAINS(err.msg, "trained with --data 506 rows");
    ds.label[10] -= 1.0;
    /* a state without the scorer's parameters */
    sm_train_state partial;
    train_state_init(&partial);
    for (int i = 0; i < k.saved.n_values; i++)
        CHECK(train_state_set(&partial, k.saved.values[i].name, &err, "%s",
                              k.saved.values[i].value) == SM_OK);
    const sm_state_array *rank0 = train_state_array(&k.saved, "rank0");
    CHECK(train_state_set_array(&partial, "rank0", rank0->v, rank0->n, &err) == SM_OK);
    cfg.resume = &partial;
    CHECK(train_run(&ds, NULL, &cfg, &m, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "has no scorer");
    /* the shuffles' generator must follow from the seed and data */
    sm_state_array *r = (sm_state_array *)train_state_array(&k.saved, "rank0");
    r->v[0] += 1.0;
    cfg.resume = &k.saved;
    CHECK(train_run(&ds, NULL, &cfg, &m, &err) == SM_EDATA);
    CHECK_CONTAINS(err.msg, "shuffles do not follow");
    CHECK(resume_data_checksum(&ds) == resume_data_checksum(&ds));
    train_state_free(&partial);
    train_state_free(&k.saved);
    dataset_free(&ds);
}

static const test_case cases[] = {
    TEST(test_lbfgs_state),
    TEST(test_state_file),
    TEST(test_train_resumed),
    TEST(test_train_refused),
};

TEST_MAIN(cases)
