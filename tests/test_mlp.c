/* test_mlp.c - the MLP scorer: finite-difference gradients of every parameter
 * tensor (each activation; pointwise, pairwise and listwise objectives with a
 * selective link), the optimiser step and weight decay, state save/restore,
 * prediction from an exported model, and the model file round trip and its
 * loading errors. */
#include <stdlib.h>
#include <string.h>

#include "mlp.h"
#include "model.h"
#include "objective.h"
#include "reader.h"
#include "scorer.h"
#include "test.h"

/* One query of 7 rows, sparse, of different lengths; feature 5 is never set
 * (its first-layer weights must get no gradient); labels spread over 0..3. */
static const char small_data[] =
    "3 qid:1 0:0.5 2:-1.25 4:2\n"
    "0 qid:1 1:1.5 3:0.25\n"
    "2 qid:1 0:-0.75 1:0.5 2:1 3:-2 4:0.125\n"
    "1 qid:1 4:-1.5\n"
    "2.5 qid:1 0:1 6:0.5\n"
    "0.5 qid:1 2:0.75 3:1.25 6:-1\n"
    "1.5 qid:1 1:-0.5 6:2\n";

#define SELECTIVE_LINK "lin:w=0.2+sigmoid:a=2,c=1.5"

static void load_small(sm_dataset *ds)
{
    sm_error err;
    dataset_init(ds);
    if (reader_read_buffer(small_data, sizeof small_data - 1, "small", NULL, ds, &err) != SM_OK)
        fprintf(stderr, "  %s\n", err.msg);
}

static void make_mlp(sm_mlp *m, const sm_dataset *ds, const char *spec, sm_activation act,
                     uint64_t seed)
{
    sm_scorer_config cfg;
    sm_error err;
    scorer_config_default(&cfg);
    CHECK(scorer_config_parse(spec, &cfg, &err) == SM_OK);
    cfg.mlp.act = act;
    cfg.mlp.width[0] = ds->dim;
    /* Input scales other than 1 exercise the scaled path. */
    double fs[16];
    for (int j = 0; j < ds->dim; j++)
        fs[j] = 1.0 / (1.0 + 0.25 * j);
    CHECK(mlp_init(m, &cfg.mlp, fs, 3.0, seed, &err) == SM_OK);
    CHECK(mlp_reserve(m, ds->n_rows, &err) == SM_OK);
    /* Nonzero biases, so that no unit sits exactly at a relu kink. */
    for (int l = 1; l <= mlp_layers(&m->shape); l++)
        for (int32_t h = 0; h < m->shape.width[l]; h++)
            m->param[mlp_train_bias_offset(m, l) + h] = 0.1 * (h % 3) - 0.07;
    m->scale1 = 0.8; /* as after some weight decay */
}

/* The objective of the whole query at the current parameters. */
static double objective_value(sm_mlp *m, const sm_dataset *ds, const sm_objective *obj,
                              const int64_t *rows, double *s, sm_objective_work *w)
{
    int64_t units;
    mlp_forward(m, ds, rows, ds->n_rows, s);
    return objective_forward(obj, s, ds->label, ds->n_rows, &units, w);
}

/* Central differences against mlp_backward for every parameter; the largest
 * error relative to max(|gradient|, 1e-3) of each tensor must be tiny. */
static void gradient_check(const char *spec, sm_activation act, sm_objective_kind kind)
{
    sm_dataset ds;
    load_small(&ds);
    sm_mlp m;
    make_mlp(&m, &ds, spec, act, 42);
    sm_objective obj = {.kind = kind, .temperature = 0.7};
    sm_error err;
    CHECK(link_parse(SELECTIVE_LINK, &obj.link, &err) == SM_OK);
    CHECK(objective_check(&obj, &err) == SM_OK);
    sm_objective_work w;
    objective_work_init(&w, 1);
    CHECK(objective_work_reserve(&w, ds.n_rows, &err) == SM_OK);
    int64_t rows[7];
    double s[7], ds_[7] = {0};
    for (int i = 0; i < 7; i++)
        rows[i] = i;

    mlp_forward(&m, &ds, rows, ds.n_rows, s);
    objective_backward(&obj, s, ds.label, ds.n_rows, 1.0, ds_, &w);
    mlp_backward(&m, &ds, rows, ds.n_rows, ds_);

    const sm_mlp_shape *sh = &m.shape;
    int64_t at[2 * (MLP_MAX_HIDDEN + 1) + 1];
    int n_tensors = 0;
    for (int l = 1; l <= mlp_layers(sh); l++) {
        at[n_tensors++] = mlp_train_weight_offset(&m, l);
        at[n_tensors++] = mlp_train_bias_offset(&m, l);
    }
    at[n_tensors] = m.n_param;
    for (int t = 0; t < n_tensors; t++) {
        double worst = 0.0;
        for (int64_t i = at[t]; i < at[t + 1]; i++) {
            /* W_1 is stored divided by scale1: d/dparam = scale1 * d/dW_1. */
            double analytic = m.grad[i] * (t == 0 ? m.scale1 : 1.0);
            double keep = m.param[i], h = 1e-6 * (1.0 + fabs(keep));
            m.param[i] = keep + h;
            double up = objective_value(&m, &ds, &obj, rows, s, &w);
            m.param[i] = keep - h;
            double down = objective_value(&m, &ds, &obj, rows, s, &w);
            m.param[i] = keep;
            double numeric = (up - down) / (2.0 * h);
            double e = fabs(analytic - numeric) / fmax(fabs(numeric), 1e-3);
            if (e > worst)
                worst = e;
        }
        if (!CHECK(worst < 1e-6))
            fprintf(stderr, "  %s %s %s: tensor %s%d error %.3g\n", spec, activation_name(act),
                    objective_kind_name(kind), t % 2 ? "b" : "W", t / 2 + 1, worst);
    }
    /* Feature 5 occurs in no row: its first-layer row has no gradient and was not touched. */
    for (int32_t h = 0; h < sh->width[1]; h++)
        CHECK(m.grad[5 * m.ld1 + h] == 0.0);
    CHECK(m.n_touched == 6 && !m.is_touched[5]);
    objective_work_free(&w);
    mlp_free(&m);
    dataset_free(&ds);
}

static void test_gradients_pointwise(void)
{
    for (int a = 0; a < ACT_KIND_COUNT; a++) {
        gradient_check("mlp:5", (sm_activation)a, OBJ_POINTWISE);
        gradient_check("mlp:4,3", (sm_activation)a, OBJ_POINTWISE);
        gradient_check("mlp:5,4,3", (sm_activation)a, OBJ_POINTWISE);
    }
}

static void test_gradients_ranking(void)
{
    for (int a = 0; a < ACT_KIND_COUNT; a++) {
        gradient_check("mlp:4,3", (sm_activation)a, OBJ_PAIRWISE);
        gradient_check("mlp:4,3", (sm_activation)a, OBJ_LISTWISE);
    }
}

/* With plain SGD the step is exactly (AdamW-style decay, then the gradient):
 * W <- (1 - lr*l2) W - lr*factor*g for weights, b <- b - lr*factor*g. */
static void test_sgd_step_and_decay(void)
{
    sm_dataset ds;
    load_small(&ds);
    sm_mlp m;
    make_mlp(&m, &ds, "mlp:4,3", ACT_TANH, 7);
    int64_t rows[3] = {0, 2, 5};
    double s[3], d[3] = {0.5, -1.0, 0.25};
    mlp_forward(&m, &ds, rows, 3, s);
    mlp_backward(&m, &ds, rows, 3, d);
    int64_t n = mlp_param_count(&m.shape);
    double *before = malloc((size_t)n * sizeof *before), *g = malloc((size_t)n * sizeof *g);
    double *after = malloc((size_t)n * sizeof *after);
    free(m.fs); /* without input scales, exported W_1 = scale1 * param */
    m.fs = NULL;
    mlp_export(&m, before);
    /* the gradient in the exported layout (W_1 without its row padding) */
    int32_t H = m.shape.width[1];
    for (int64_t j = 0; j < m.shape.width[0]; j++)
        memcpy(g + j * H, m.grad + j * m.ld1, (size_t)H * sizeof *g);
    memcpy(g + mlp_bias_offset(&m.shape, 1), m.grad + mlp_train_bias_offset(&m, 1),
           (size_t)(n - mlp_bias_offset(&m.shape, 1)) * sizeof *g);
    double norm2 = 0;
    for (int64_t i = 0; i < n; i++)
        norm2 += g[i] * g[i];
    CHECK_REL(mlp_grad_norm2(&m), norm2, 1e-12);

    sm_optim_config oc;
    optim_config_default(&oc, OPT_SGD);
    oc.lr = 0.1;
    oc.schedule = SCHED_CONSTANT;
    oc.l2 = 0.5;
    sm_optim o;
    sm_error err;
    CHECK(optim_init(&o, &oc, m.n_param, &err) == SM_OK);
    optim_begin_step(&o, 10);
    mlp_step(&m, &o, 0.5);
    mlp_export(&m, after);
    for (int l = 1; l <= mlp_layers(&m.shape); l++) {
        for (int64_t i = mlp_weight_offset(&m.shape, l); i < mlp_bias_offset(&m.shape, l); i++)
            CHECK_CLOSE(after[i], (1 - 0.1 * 0.5) * before[i] - 0.1 * 0.5 * g[i], 1e-14);
        for (int64_t i = mlp_bias_offset(&m.shape, l); i < mlp_weight_offset(&m.shape, l + 1); i++)
            CHECK_CLOSE(after[i], before[i] - 0.1 * 0.5 * g[i], 1e-14);
    }
    for (int64_t i = 0; i < m.n_param; i++)
        CHECK(m.grad[i] == 0.0);
    CHECK(m.n_touched == 0);
    optim_free(&o);
    free(before);
    free(g);
    free(after);
    mlp_free(&m);
    dataset_free(&ds);
}

/* Save, change, restore: the scores come back bit for bit (linear and MLP). */
static void test_state_restore(void)
{
    sm_dataset ds;
    load_small(&ds);
    const char *specs[] = {"linear", "mlp:6,2"};
    for (int k = 0; k < 2; k++) {
        sm_scorer_config cfg;
        sm_error err;
        scorer_config_default(&cfg);
        CHECK(scorer_config_parse(specs[k], &cfg, &err) == SM_OK);
        sm_scorer sc;
        CHECK(scorer_init(&sc, &cfg, &ds, NULL, 3, &err) == SM_OK);
        CHECK(scorer_reserve(&sc, 7, &err) == SM_OK);
        int64_t rows[7] = {0, 1, 2, 3, 4, 5, 6};
        double s0[7], s1[7], d[7] = {1, -1, 0.5, 2, -0.5, 0.25, 1};
        double *state = malloc((size_t)scorer_state_size(&sc) * sizeof *state);
        scorer_forward(&sc, &ds, rows, 7, s0);
        scorer_save_state(&sc, state);
        sm_optim_config oc;
        optim_config_default(&oc, OPT_ADAM);
        oc.l2 = 0.1;
        sm_optim o;
        CHECK(optim_init(&o, &oc, scorer_param_count(&sc), &err) == SM_OK);
        for (int step = 0; step < 3; step++) {
            scorer_forward(&sc, &ds, rows, 7, s1);
            scorer_backward(&sc, &ds, rows, 7, d);
            optim_begin_step(&o, 10);
            scorer_step(&sc, &o, 1.0);
        }
        scorer_forward(&sc, &ds, rows, 7, s1);
        CHECK(memcmp(s0, s1, sizeof s0) != 0);
        scorer_restore_state(&sc, state);
        scorer_forward(&sc, &ds, rows, 7, s1);
        CHECK(memcmp(s0, s1, sizeof s0) == 0);
        optim_free(&o);
        free(state);
        scorer_free(&sc);
    }
    dataset_free(&ds);
}


/* sum_ik a_ik s_ik^2 / 2 over the scores (n x K) of the rows, and its
 * dscores a_ik s_ik: a loss that weighs every output differently. */
static double outputs_loss(sm_scorer *sc, const sm_dataset *ds, const int64_t *rows, int64_t n,
                           double *s, double *d)
{
    int32_t K = sc->cfg.n_out;
    double sum = 0;
    scorer_forward(sc, ds, rows, n, s);
    for (int64_t i = 0; i < n * K; i++) {
        double a = 0.5 + 0.25 * (double)(i % 5);
        sum += 0.5 * a * s[i] * s[i];
        if (d)
            d[i] = a * s[i];
    }
    return sum;
}

/* K = 3 outputs, linear and MLP, through the scorer interface: the gradient
 * of a loss over every output (read off one plain SGD step of rate 1 on the
 * stored parameters) against central differences of the stored parameters;
 * the exported model scores as the scorer does. */
static void test_outputs_gradients(void)
{
    sm_dataset ds;
    load_small(&ds);
    const char *specs[] = {"linear", "mlp:4,3"};
    double fs[7] = {1, 0.5, 2, 1, 0.25, 1, 1.5};
    for (int k = 0; k < 2; k++) {
        sm_scorer_config cfg;
        sm_error err;
        scorer_config_default(&cfg);
        CHECK(scorer_config_parse(specs[k], &cfg, &err) == SM_OK);
        cfg.n_out = 3;
        cfg.mlp.act = ACT_TANH;
        sm_scorer sc;
        CHECK(scorer_init(&sc, &cfg, &ds, fs, 3, &err) == SM_OK);
        CHECK(scorer_reserve(&sc, 7, &err) == SM_OK);
        int64_t rows[7] = {0, 1, 2, 3, 4, 5, 6}, n = scorer_state_size(&sc);
        double s[21], d[21], *state = malloc((size_t)n * sizeof *state);
        double *after = malloc((size_t)n * sizeof *after);
        scorer_save_state(&sc, state);
        for (int64_t i = 0; i + 1 < n; i++) /* every parameter nonzero, the scale kept */
            state[i] += 0.3 * sin(1.7 * (double)i + 0.4);
        scorer_restore_state(&sc, state);
        outputs_loss(&sc, &ds, rows, 7, s, d);
        scorer_backward(&sc, &ds, rows, 7, d);
        sm_optim_config oc;
        optim_config_default(&oc, OPT_SGD);
        oc.lr = 1.0;
        oc.schedule = SCHED_CONSTANT;
        sm_optim o;
        CHECK(optim_init(&o, &oc, scorer_param_count(&sc), &err) == SM_OK);
        optim_begin_step(&o, 1);
        scorer_step(&sc, &o, 1.0);
        scorer_save_state(&sc, after);
        double worst = 0;
        for (int64_t i = 0; i + 1 < n; i++) {
            double keep = state[i], h = 1e-6 * (1 + fabs(keep)), grad = state[i] - after[i];
            state[i] = keep + h;
            scorer_restore_state(&sc, state);
            double up = outputs_loss(&sc, &ds, rows, 7, s, NULL);
            state[i] = keep - h;
            scorer_restore_state(&sc, state);
            double down = outputs_loss(&sc, &ds, rows, 7, s, NULL);
            state[i] = keep;
            double fd = (up - down) / (2 * h);
            worst = fmax(worst, fabs(fd - grad) / fmax(fabs(fd), 1e-3));
        }
        if (!CHECK(worst < 1e-6))
            fprintf(stderr, "  %s, 3 outputs: gradient error %.3g\n", specs[k], worst);
        /* the exported parameters on the raw features score alike */
        scorer_restore_state(&sc, state);
        outputs_loss(&sc, &ds, rows, 7, s, NULL);
        sm_model mod;
        double pred[21];
        model_init(&mod);
        CHECK(model_init_scorer(&mod, &sc.cfg, ds.dim, &err) == SM_OK);
        CHECK(scorer_export(&sc, mod.param, &err) == SM_OK);
        CHECK(model_predict(&mod, &ds, pred, NULL) == SM_OK);
        for (int i = 0; i < 21; i++)
            CHECK_CLOSE(pred[i], s[i], 1e-12 * (1 + fabs(s[i])));
        model_free(&mod);
        optim_free(&o);
        free(state);
        free(after);
        scorer_free(&sc);
    }
    dataset_free(&ds);
}

static void exported_model(sm_model *mod, const char *spec, sm_activation act, sm_dataset *ds,
                           double *train_scores)
{
    sm_mlp m;
    sm_error err;
    make_mlp(&m, ds, spec, act, 9);
    int64_t rows[7] = {0, 1, 2, 3, 4, 5, 6};
    mlp_forward(&m, ds, rows, 7, train_scores);
    sm_scorer_config c;
    scorer_config_default(&c);
    c.kind = SCORER_MLP;
    c.mlp = m.shape;
    model_init(mod);
    CHECK(model_init_scorer(mod, &c, m.shape.width[0], &err) == SM_OK);
    mlp_export(&m, mod->param);
    CHECK(link_parse(SELECTIVE_LINK, &mod->link, &err) == SM_OK);
    mlp_free(&m);
}

/* The exported network on raw features scores like the training network. */
static void test_predict_matches_forward(void)
{
    sm_dataset ds;
    load_small(&ds);
    for (int a = 0; a < ACT_KIND_COUNT; a++) {
        sm_model mod;
        double s_train[7], s_pred[7];
        exported_model(&mod, "mlp:5,4,3", (sm_activation)a, &ds, s_train);
        CHECK(model_predict(&mod, &ds, s_pred, NULL) == SM_OK);
        for (int i = 0; i < 7; i++)
            CHECK_CLOSE(s_pred[i], s_train[i], 1e-12 * (1 + fabs(s_train[i])));
        model_free(&mod);
    }
    dataset_free(&ds);
}

static char *write_text(const sm_model *m, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    sm_error err;
    CHECK(model_write(m, f, 0, &err) == SM_OK);
    fclose(f);
    return buf;
}

static sm_status read_text(const char *text, size_t len, sm_model *m, sm_error *err)
{
    FILE *f = fmemopen((void *)text, len, "r");
    sm_status st = model_read(f, "m.txt", m, err);
    fclose(f);
    return st;
}

static void test_model_file_round_trip(void)
{
    sm_dataset ds;
    load_small(&ds);
    sm_model mod, back;
    double s[7];
    sm_error err;
    exported_model(&mod, "mlp:5,4", ACT_GELU, &ds, s);
    mod.param[3] = 4.9e-324; /* subnormal survives */
    size_t len;
    char *text = write_text(&mod, &len);
    CHECK(read_text(text, len, &back, &err) == SM_OK);
    const sm_mlp_shape *sh = &back.scorer.mlp;
    CHECK(back.scorer.kind == SCORER_MLP && sh->act == ACT_GELU && sh->n_hidden == 2);
    CHECK(back.dim == mod.dim && sh->width[1] == 5 && sh->width[2] == 4 && sh->width[3] == 1);
    CHECK(memcmp(back.param, mod.param, (size_t)mlp_param_count(sh) * sizeof(double)) == 0);
    size_t len2;
    char *again = write_text(&back, &len2);
    CHECK(len2 == len && memcmp(again, text, len) == 0);
    free(again);

    /* Every proper prefix that ends at a line break is truncated: rejected with file:line. */
    for (size_t cut = 0; cut < len; cut++) {
        if (cut > 0 && text[cut - 1] != '\n')
            continue;
        sm_model t;
        sm_status st = read_text(text, cut, &t, &err);
        if (!CHECK(st == SM_EDATA))
            fprintf(stderr, "  prefix of %zu bytes was accepted\n", cut);
        else if (cut > 0)
            CHECK_CONTAINS(err.msg, "m.txt:");
    }
    model_free(&back);
    free(text);
    model_free(&mod);
    dataset_free(&ds);
}

/* Replace the first occurrence of `from` in text by `to`, then expect a load error. */
static void expect_edit_error(const char *text, const char *from, const char *to,
                              const char *fragment)
{
    const char *p = strstr(text, from);
    if (!CHECK(p != NULL))
        return;
    size_t n = strlen(text) + strlen(to) + 1;
    char *edited = malloc(n);
    snprintf(edited, n, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
    sm_model m;
    sm_error err;
    CHECK(read_text(edited, strlen(edited), &m, &err) == SM_EDATA);
    if (!CHECK_CONTAINS(err.msg, fragment))
        fprintf(stderr, "  after replacing \"%s\" by \"%s\"\n", from, to);
    CHECK(m.param == NULL);
    free(edited);
}

static void test_model_file_errors(void)
{
    sm_dataset ds;
    load_small(&ds);
    sm_model mod;
    double s[7];
    exported_model(&mod, "mlp:3,2", ACT_RELU, &ds, s);
    size_t len;
    char *text = write_text(&mod, &len);
    expect_edit_error(text, "hidden=3,2", "hidden=3,3", "layer 2 is 3x2, but dim and hidden make layer 2 3x3");
    expect_edit_error(text, "hidden=3,2", "hidden=3", "layer 2 is 3x2, but");
    expect_edit_error(text, "hidden=3,2", "hidden=3,x", "bad hidden layer widths '3,x'");
    expect_edit_error(text, "dim=7", "dim=8", "layer 1 is 7x3, but dim and hidden make layer 1 8x3");
    expect_edit_error(text, "activation=relu", "activation=swish", "unknown activation 'swish'");
    expect_edit_error(text, "layer=2 in=3 out=2\nbias=", "layer=2 in=3 out=2\nbias=1 ", "bad bias of layer 2");
    expect_edit_error(text, "layer=3 in=2 out=1\n", "layer=3 in=2 out=1 x\n", "expected 'layer=3 in=I out=O'");
    expect_edit_error(text, "layer=3 in=2 out=1\nbias=", "layer=3 in=2 out=1\nbias =", "expected 'bias=' in layer 3");
    expect_edit_error(text, "\n0 ", "\n9 ", "bad or out-of-order weight index \"9\"");
    expect_edit_error(text, "scorer=mlp", "scorer=linear", "layer line before the scorer=mlp line");
    free(text);
    model_free(&mod);
    dataset_free(&ds);
}

static void test_scorer_spec(void)
{
    sm_scorer_config c;
    sm_error err;
    scorer_config_default(&c);
    CHECK(scorer_config_parse("mlp:64,32", &c, &err) == SM_OK);
    CHECK(c.kind == SCORER_MLP && c.mlp.n_hidden == 2 && c.mlp.width[1] == 64 &&
          c.mlp.width[2] == 32 && c.mlp.width[3] == 1);
    CHECK(scorer_config_parse("linear", &c, &err) == SM_OK && c.kind == SCORER_LINEAR);
    const char *bad[][2] = {
        {"mlp", "needs hidden layer widths"},  {"mlp:", "needs hidden layer widths"},
        {"mlp:0", "bad hidden width at \"0\""}, {"mlp:8,", "bad hidden width"},
        {"mlp:4,4,4,4", "more than 3 hidden"},  {"mlp:99999", "bad hidden width"},
        {"mlp:3x", "bad hidden width"},         {"tree", "unknown scorer 'tree'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(scorer_config_parse(bad[i][0], &c, &err) == SM_EUSAGE);
        CHECK_CONTAINS(err.msg, bad[i][1]);
    }
}

/* Same seed, same weights; another seed, other weights; He vs Xavier scale. */
static void test_init(void)
{
    sm_dataset ds;
    load_small(&ds);
    sm_mlp a, b, c;
    make_mlp(&a, &ds, "mlp:8,8", ACT_RELU, 5);
    make_mlp(&b, &ds, "mlp:8,8", ACT_RELU, 5);
    make_mlp(&c, &ds, "mlp:8,8", ACT_RELU, 6);
    CHECK(memcmp(a.param, b.param, (size_t)a.n_param * sizeof(double)) == 0);
    CHECK(memcmp(a.param, c.param, (size_t)a.n_param * sizeof(double)) != 0);
    mlp_free(&a);
    mlp_free(&b);
    mlp_free(&c);

    /* Sample variance of a large dense layer against 2/fan_in (He) and
     * 2/(fan_in + fan_out) (Xavier). */
    sm_mlp_shape sh = {.n_hidden = 2, .width = {10, 200, 300, 1}};
    for (int act = ACT_RELU; act <= ACT_TANH; act++) {
        sh.act = (sm_activation)act;
        sm_mlp m;
        sm_error err;
        CHECK(mlp_init(&m, &sh, NULL, 10.0, 1, &err) == SM_OK);
        const double *W = m.param + mlp_train_weight_offset(&m, 2);
        double sum2 = 0;
        for (int i = 0; i < 200 * 300; i++)
            sum2 += W[i] * W[i];
        double want = act == ACT_RELU ? 2.0 / 200 : 2.0 / 500;
        CHECK_REL(sum2 / (200 * 300), want, 0.03);
        mlp_free(&m);
    }
    dataset_free(&ds);
}

static const test_case cases[] = {
    TEST(test_gradients_pointwise), TEST(test_gradients_ranking), TEST(test_sgd_step_and_decay),
    TEST(test_state_restore),       TEST(test_predict_matches_forward),
    TEST(test_model_file_round_trip), TEST(test_model_file_errors), TEST(test_scorer_spec),
    TEST(test_init), TEST(test_outputs_gradients),
};
TEST_MAIN(cases)
