#include "scorer.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void scorer_config_default(sm_scorer_config *c)
{
    memset(c, 0, sizeof *c);
    c->kind = SCORER_LINEAR;
    c->mlp.act = ACT_RELU;
}

sm_status scorer_config_parse(const char *spec, sm_scorer_config *c, sm_error *err)
{
    if (strcmp(spec, "linear") == 0) {
        c->kind = SCORER_LINEAR;
        return SM_OK;
    }
    if (strncmp(spec, "mlp", 3) != 0 || (spec[3] != ':' && spec[3] != '\0'))
        return sm_fail(err, SM_EUSAGE, "unknown scorer '%s' (linear or mlp:H1[,H2[,H3]])", spec);
    if (spec[3] == '\0' || spec[4] == '\0')
        return sm_fail(err, SM_EUSAGE, "'%s' needs hidden layer widths, e.g. mlp:64,32", spec);
    int n = 0;
    const char *p = spec + 4;
    for (;;) {
        char *end;
        errno = 0;
        long w = strtol(p, &end, 10);
        if (end == p || (*end != ',' && *end != '\0') || errno || w < 1 || w > MLP_MAX_WIDTH)
            return sm_fail(err, SM_EUSAGE,
                           "bad hidden width at \"%s\" in '%s' (whole numbers 1..%d, comma-separated)",
                           p, spec, MLP_MAX_WIDTH);
        if (n == MLP_MAX_HIDDEN)
            return sm_fail(err, SM_EUSAGE, "'%s' has more than %d hidden layers", spec,
                           MLP_MAX_HIDDEN);
        c->mlp.width[++n] = (int32_t)w;
        if (*end == '\0')
            break;
        p = end + 1;
    }
    c->kind = SCORER_MLP;
    c->mlp.n_hidden = n;
    c->mlp.width[n + 1] = 1;
    return SM_OK;
}

static double mean_row_nnz(const sm_dataset *ds)
{
    return ds->n_rows > 0 ? (double)ds->nnz / (double)ds->n_rows : 1.0;
}

sm_status scorer_init(sm_scorer *sc, const sm_scorer_config *cfg, const sm_dataset *train,
                      const double *fs, uint64_t seed, sm_error *err)
{
    memset(sc, 0, sizeof *sc);
    sc->kind = cfg->kind;
    if (cfg->kind == SCORER_LINEAR)
        return linear_init(&sc->lin, train->dim, fs, err);
    sm_mlp_shape shape = cfg->mlp;
    shape.width[0] = train->dim;
    return mlp_init(&sc->mlp, &shape, fs, mean_row_nnz(train), seed, err);
}

void scorer_free(sm_scorer *sc)
{
    if (sc->kind == SCORER_LINEAR)
        linear_free(&sc->lin);
    else
        mlp_free(&sc->mlp);
}

int64_t scorer_param_count(const sm_scorer *sc)
{
    return sc->kind == SCORER_LINEAR ? (int64_t)sc->lin.dim + 1 : sc->mlp.n_param;
}

int scorer_depth(const sm_scorer *sc)
{
    return sc->kind == SCORER_LINEAR ? 1 : mlp_layers(&sc->mlp.shape);
}

sm_status scorer_reserve(sm_scorer *sc, int64_t rows, sm_error *err)
{
    return sc->kind == SCORER_LINEAR ? SM_OK : mlp_reserve(&sc->mlp, rows, err);
}

void scorer_set_output_bias(sm_scorer *sc, double bias)
{
    if (sc->kind == SCORER_LINEAR)
        sc->lin.bias = bias;
    else
        sc->mlp.param[sc->mlp.n_param - 1] = bias;
}

void scorer_prefetch(const sm_scorer *sc, const sm_dataset *ds, const int64_t *rows, int64_t n,
                     int64_t batch)
{
    if (sc->kind == SCORER_LINEAR)
        linear_prefetch(&sc->lin, ds, rows, n, batch);
}

int scorer_forward_is_reentrant(const sm_scorer *sc) { return sc->kind == SCORER_LINEAR; }

void scorer_forward(sm_scorer *sc, const sm_dataset *ds, const int64_t *rows, int64_t n,
                    double *scores)
{
    if (sc->kind == SCORER_LINEAR)
        linear_forward(&sc->lin, ds, rows, n, scores);
    else
        mlp_forward(&sc->mlp, ds, rows, n, scores);
}

void scorer_backward(sm_scorer *sc, const sm_dataset *ds, const int64_t *rows, int64_t n,
                     const double *dscores)
{
    if (sc->kind == SCORER_LINEAR)
        linear_backward(&sc->lin, ds, rows, n, dscores);
    else
        mlp_backward(&sc->mlp, ds, rows, n, dscores);
}

int scorer_sgd_step(sm_scorer *sc, sm_optim *o, const sm_dataset *ds, const int64_t *rows,
                    int64_t n, const double *dscores)
{
    if (sc->kind != SCORER_LINEAR || o->cfg.kind != OPT_SGD)
        return 0;
    linear_sgd_step(&sc->lin, o, ds, rows, n, dscores);
    return 1;
}

double scorer_grad_norm2(const sm_scorer *sc)
{
    return sc->kind == SCORER_LINEAR ? linear_grad_norm2(&sc->lin) : mlp_grad_norm2(&sc->mlp);
}

void scorer_step(sm_scorer *sc, sm_optim *o, double grad_factor)
{
    if (sc->kind == SCORER_LINEAR)
        linear_step(&sc->lin, o, grad_factor);
    else
        mlp_step(&sc->mlp, o, grad_factor);
}

double scorer_l2_half(const sm_scorer *sc)
{
    return sc->kind == SCORER_LINEAR ? linear_l2_half(&sc->lin) : mlp_l2_half(&sc->mlp);
}

/* State = the stored parameters and the lazy decay scale, exactly. */
int64_t scorer_state_size(const sm_scorer *sc)
{
    return scorer_param_count(sc) + 1;
}

void scorer_save_state(const sm_scorer *sc, double *state)
{
    if (sc->kind == SCORER_LINEAR) {
        linear_save_state(&sc->lin, state);
    } else {
        memcpy(state, sc->mlp.param, (size_t)sc->mlp.n_param * sizeof *state);
        state[sc->mlp.n_param] = sc->mlp.scale1;
    }
}

void scorer_restore_state(sm_scorer *sc, const double *state)
{
    if (sc->kind == SCORER_LINEAR) {
        linear_restore_state(&sc->lin, state);
    } else {
        memcpy(sc->mlp.param, state, (size_t)sc->mlp.n_param * sizeof *state);
        sc->mlp.scale1 = state[sc->mlp.n_param];
    }
}

sm_status scorer_export(const sm_scorer *sc, sm_model *m, sm_error *err)
{
    sm_status st;
    const double *w;
    int64_t n;
    if (sc->kind == SCORER_LINEAR) {
        if ((st = model_init_linear(m, sc->lin.dim, err)) != SM_OK)
            return st;
        linear_export(&sc->lin, m->w, &m->bias);
        w = m->w;
        n = m->dim;
    } else {
        if ((st = model_init_mlp(m, &sc->mlp.shape, err)) != SM_OK)
            return st;
        mlp_export(&sc->mlp, m->param);
        w = m->param;
        n = mlp_param_count(&sc->mlp.shape);
    }
    for (int64_t j = 0; j < n; j++)
        if (!isfinite(w[j]))
            return sm_fail(err, SM_EDIVERGED, "training diverged: weight %ld is not finite", (long)j);
    return SM_OK;
}
