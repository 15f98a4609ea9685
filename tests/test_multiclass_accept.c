/* test_multiclass_accept.c - acceptance of the multi-class objective: with
 * f = lin and class labels it is multinomial logistic regression, so linear
 * training on the bundled digits (rows NR % 5 != 0, maxabs scaling, --l2
 * 1e-3) with the default optimiser must reach, in 60 epochs, the optimum of
 * that convex problem, computed here by an independent L-BFGS solver
 * (ref_multinomial.h), within 0.5%, and its held-out accuracy must be high.
 * Also: K outputs train the same bits on 1 and 3 threads, and an MLP learns
 * the classes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "class_metrics.h"
#include "model.h"
#include "reader.h"
#include "ref_multinomial.h"
#include "test.h"
#include "train.h"

#define DIGITS "data/sklearn-digits/digits.libsvm"
enum { K = 10 };

/* The rows of digits whose 1-based line number is (or is not) a multiple of 5. */
static int load_digits(int held_out, sm_dataset *ds)
{
    FILE *f = fopen(DIGITS, "r");
    test_strbuf text = {0};
    char line[4096];
    for (long no = 1; f && fgets(line, sizeof line, f); no++)
        if ((no % 5 == 0) == held_out)
            test_strbuf_add(&text, "%s", line);
    if (f)
        fclose(f);
    sm_error err;
    dataset_init(ds);
    int ok = text.s && reader_read_buffer(text.s, text.len, DIGITS, NULL, ds, &err) == SM_OK;
    free(text.s);
    if (!ok)
        return 0;
    /* class labels 0..9 as one-hot probability targets */
    ds->target = calloc((size_t)ds->n_rows * K, sizeof *ds->target);
    ds->target_dim = K;
    for (int64_t i = 0; ds->target && i < ds->n_rows; i++)
        ds->target[i * K + (int)ds->label[i]] = 1.0;
    return ds->target != NULL;
}

static void last_objective(void *ctx, const sm_epoch_info *info)
{
    *(double *)ctx = info->train_objective;
}

static sm_train_config multiclass_config(double l2, int epochs)
{
    sm_train_config cfg;
    train_config_default(&cfg);
    cfg.objective.kind = OBJ_MULTICLASS;
    cfg.objective.target = TARGET_PROB;
    cfg.objective.n_out = K;
    cfg.scorer.n_out = K;
    cfg.optim.l2 = l2;
    cfg.solver = SOLVER_SGD; /* (epochs: the engine's default is L-BFGS) */
    cfg.epochs = epochs;
    cfg.threads = 1;
    CHECK(objective_check(&cfg.objective, NULL) == SM_OK);
    return cfg;
}

static double accuracy(const sm_model *m, const sm_dataset *ds)
{
    double *s = malloc((size_t)ds->n_rows * K * sizeof *s);
    int32_t *y = malloc((size_t)ds->n_rows * sizeof *y);
    sm_class_config c;
    sm_class_report r;
    class_config_default(&c);
    CHECK(model_predict(m, ds, s, NULL) == SM_OK);
    for (int64_t i = 0; i < ds->n_rows; i++)
        y[i] = (int32_t)ds->label[i];
    double acc = class_report_compute(&c, s, ds->n_rows, K, y, NULL, NULL, &r, NULL) == SM_OK
                     ? r.accuracy : NAN;
    class_report_free(&r);
    free(s);
    free(y);
    return acc;
}

/* A trained model's objective against the reference optimum: at most
 * `above` over it, relatively (cfg: the solver and its options). */
static void check_multinomial_optimum(double l2, sm_train_config cfg, double above)
{
    sm_dataset tr, te;
    if (!CHECK(load_digits(0, &tr) && load_digits(1, &te)))
        return;
    /* the reference: the same maxabs scales as the trainer */
    double *fs = calloc((size_t)tr.dim, sizeof *fs);
    int32_t *cls = malloc((size_t)tr.n_rows * sizeof *cls);
    for (int64_t k = 0; k < tr.nnz; k++)
        fs[tr.col[k]] = fmax(fs[tr.col[k]], fabs((double)tr.val[k]));
    for (int32_t j = 0; j < tr.dim; j++)
        fs[j] = fs[j] > 0 ? 1.0 / fs[j] : 1.0;
    for (int64_t i = 0; i < tr.n_rows; i++)
        cls[i] = (int32_t)tr.label[i];
    ref_multinomial p = {tr.n_rows, tr.dim, K, tr.row_ptr, tr.col, tr.val, fs, cls, l2};
    double optimum = ref_multinomial_solve(&p, 1e-10, 5000);

    double trained = NAN;
    cfg.on_epoch = last_objective;
    cfg.ctx = &trained;
    sm_model m;
    model_init(&m);
    sm_error err;
    if (CHECK(train_run(&tr, NULL, &cfg, &m, &err) == SM_OK)) {
        if (!CHECK(trained >= optimum * (1 - 1e-9) && trained <= optimum * (1 + above)))
            fprintf(stderr, "  trained objective %.10g, optimum %.10g (%.3f%% above)\n", trained,
                    optimum, 100 * (trained / optimum - 1));
        double acc = accuracy(&m, &te);
        if (!CHECK(acc > 0.95))
            fprintf(stderr, "  held-out accuracy %.4f\n", acc);
    } else {
        fprintf(stderr, "  %s\n", err.msg);
    }
    model_free(&m);
    free(fs);
    free(cls);
    dataset_free(&tr);
    dataset_free(&te);
}

/* SGD: at 1e-4 the problem needs ~300 epochs at --lr 1.9 */
static void test_multinomial_logistic_optimum(void)
{
    check_multinomial_optimum(1e-3, multiclass_config(1e-3, 60), 0.005);
}

/* The default solver of a linear scorer, with its default tolerance: within
 * 0.1% of the optimum, at the 1e-4 too. */
static void test_lbfgs_reaches_optimum(void)
{
    for (double l2 = 1e-4; l2 < 2e-3; l2 *= 10) {
        sm_train_config cfg = multiclass_config(l2, 1);
        cfg.solver = SOLVER_LBFGS;
        cfg.threads = 2;
        check_multinomial_optimum(l2, cfg, 1e-3);
    }
}

/* The model does not depend on the thread count; an MLP learns the classes. */
static void test_threads_and_mlp(void)
{
    sm_dataset tr, te;
    if (!CHECK(load_digits(0, &tr) && load_digits(1, &te)))
        return;
    sm_model a, b;
    model_init(&a);
    model_init(&b);
    sm_train_config cfg = multiclass_config(0, 5);
    sm_error err;
    CHECK(train_run(&tr, &te, &cfg, &a, &err) == SM_OK);
    cfg.threads = 3;
    CHECK(train_run(&tr, &te, &cfg, &b, &err) == SM_OK);
    size_t n = (size_t)(a.dim + 1) * K;
    CHECK(a.param && b.param && memcmp(a.param, b.param, n * sizeof *a.param) == 0);
    model_free(&a);
    model_free(&b);
    cfg = multiclass_config(0, 20);
    CHECK(scorer_config_parse("mlp:32", &cfg.scorer, &err) == SM_OK);
    cfg.scorer.n_out = K;
    cfg.optim.kind = OPT_ADAM;
    cfg.optim.lr = 0.01;
    if (CHECK(train_run(&tr, NULL, &cfg, &a, &err) == SM_OK)) {
        double acc = accuracy(&a, &te);
        if (!CHECK(acc > 0.93))
            fprintf(stderr, "  MLP held-out accuracy %.4f\n", acc);
    } else {
        fprintf(stderr, "  %s\n", err.msg);
    }
    model_free(&a);
    dataset_free(&tr);
    dataset_free(&te);
}

static const test_case cases[] = {
    TEST(test_multinomial_logistic_optimum),
    TEST(test_lbfgs_reaches_optimum),
    TEST(test_threads_and_mlp),
};

TEST_MAIN(cases)
