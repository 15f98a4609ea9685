#include "scorer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The kinds: a row each, in sm_scorer_kind's order. */
static const sm_scorer_ops *const kinds[SCORER_KIND_COUNT] = {
    [SCORER_LINEAR] = &linear_scorer_ops,
    [SCORER_MLP] = &mlp_scorer_ops,
};

void scorer_config_default(sm_scorer_config *c)
{
    memset(c, 0, sizeof *c);
    c->kind = SCORER_LINEAR;
    c->n_out = 1;
    c->mlp.act = ACT_RELU;
}

const char *scorer_kind_name(sm_scorer_kind kind) { return kinds[kind]->name; }
const char *scorer_kind_syntax(sm_scorer_kind kind) { return kinds[kind]->syntax; }
int scorer_kind_is_layered(sm_scorer_kind kind) { return kinds[kind]->layered; }
int scorer_kind_full_batch(sm_scorer_kind kind) { return kinds[kind]->full_batch; }
sm_optimizer_kind scorer_kind_optimizer(sm_scorer_kind kind) { return kinds[kind]->optimizer; }

int scorer_kind_parse(const char *name)
{
    for (int k = 0; k < SCORER_KIND_COUNT; k++)
        if (strcmp(kinds[k]->name, name) == 0)
            return k;
    return -1;
}

sm_status scorer_config_parse(const char *spec, sm_scorer_config *c, sm_error *err)
{
    const char *colon = strchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    for (int k = 0; k < SCORER_KIND_COUNT; k++) {
        const sm_scorer_ops *ops = kinds[k];
        if (strlen(ops->name) != len || strncmp(ops->name, spec, len) != 0 ||
            (!ops->parse && colon))
            continue;
        sm_status st = ops->parse ? ops->parse(spec, colon ? colon + 1 : NULL, c, err) : SM_OK;
        if (st == SM_OK)
            c->kind = (sm_scorer_kind)k;
        return st;
    }
    char choices[160] = "";
    for (int k = 0; k < SCORER_KIND_COUNT; k++)
        snprintf(choices + strlen(choices), sizeof choices - strlen(choices), "%s%s",
                 k == 0 ? "" : k + 1 < SCORER_KIND_COUNT ? ", " : " or ", kinds[k]->syntax);
    return sm_fail(err, SM_EUSAGE, "unknown scorer '%s' (%s)", spec, choices);
}

void scorer_config_complete(sm_scorer_config *c, int32_t dim)
{
    if (kinds[c->kind]->complete)
        kinds[c->kind]->complete(c);
    c->mlp.width[0] = dim;
    c->mlp.width[c->mlp.n_hidden + 1] = c->n_out;
}

int64_t scorer_saved_param_count(const sm_scorer_config *c) { return mlp_param_count(&c->mlp); }

void scorer_predict(const sm_scorer_config *c, const double *param, const sm_dataset *ds,
                    double *scores)
{
    kinds[c->kind]->predict(c, param, ds, scores);
}

/* ---- training: each call goes to the kind ---- */

sm_status scorer_init(sm_scorer *sc, const sm_scorer_config *cfg, const sm_dataset *train,
                      const double *fs, uint64_t seed, sm_error *err)
{
    memset(sc, 0, sizeof *sc);
    sc->cfg = *cfg;
    scorer_config_complete(&sc->cfg, train->dim);
    sm_status st = kinds[cfg->kind]->init(&sc->state, &sc->cfg, train, fs, seed, err);
    if (st == SM_OK)
        sc->ops = kinds[cfg->kind];
    return st;
}

void scorer_free(sm_scorer *sc)
{
    if (sc->ops)
        sc->ops->free(sc->state);
    memset(sc, 0, sizeof *sc);
}

int64_t scorer_param_count(const sm_scorer *sc) { return sc->ops->param_count(sc->state); }

int scorer_depth(const sm_scorer *sc) { return mlp_layers(&sc->cfg.mlp); }

sm_status scorer_reserve(sm_scorer *sc, int64_t rows, sm_error *err)
{
    return sc->ops->reserve ? sc->ops->reserve(sc->state, rows, err) : SM_OK;
}

void scorer_set_output_bias(sm_scorer *sc, const double *bias)
{
    sc->ops->set_output_bias(sc->state, bias);
}

void scorer_prefetch(const sm_scorer *sc, const sm_dataset *ds, const int64_t *rows, int64_t n,
                     int64_t batch)
{
    if (sc->ops->prefetch)
        sc->ops->prefetch(sc->state, ds, rows, n, batch);
}

int scorer_forward_is_reentrant(const sm_scorer *sc) { return sc->ops->forward_is_reentrant; }

void scorer_forward(sm_scorer *sc, const sm_dataset *ds, const int64_t *rows, int64_t n,
                    double *scores)
{
    sc->ops->forward(sc->state, ds, rows, n, scores);
}

void scorer_backward(sm_scorer *sc, const sm_dataset *ds, const int64_t *rows, int64_t n,
                     const double *dscores)
{
    sc->ops->backward(sc->state, ds, rows, n, dscores);
}

int scorer_sgd_step(sm_scorer *sc, sm_optim *o, const sm_dataset *ds, const int64_t *rows,
                    int64_t n, const double *dscores)
{
    return sc->ops->sgd_step ? sc->ops->sgd_step(sc->state, o, ds, rows, n, dscores) : 0;
}

double scorer_grad_norm2(const sm_scorer *sc) { return sc->ops->grad_norm2(sc->state); }
void scorer_grad_get(const sm_scorer *sc, double *grad) { sc->ops->grad_get(sc->state, grad); }
void scorer_grad_put(sm_scorer *sc, const double *grad) { sc->ops->grad_put(sc->state, grad); }

void scorer_step(sm_scorer *sc, sm_optim *o, double grad_factor)
{
    sc->ops->step(sc->state, o, grad_factor);
}

double scorer_l2_half(const sm_scorer *sc) { return sc->ops->l2_half(sc->state); }

int64_t scorer_state_size(const sm_scorer *sc) { return scorer_param_count(sc) + 1; }

void scorer_save_state(const sm_scorer *sc, double *state)
{
    sc->ops->save_state(sc->state, state);
}

void scorer_restore_state(sm_scorer *sc, const double *state)
{
    sc->ops->restore_state(sc->state, state);
}

void scorer_import(sm_scorer *sc, const double *param) { sc->ops->import_params(sc->state, param); }

sm_status scorer_export(const sm_scorer *sc, double *param, sm_error *err)
{
    int64_t n = scorer_saved_param_count(&sc->cfg);
    sc->ops->export_params(sc->state, param);
    for (int64_t j = 0; j < n; j++)
        if (!isfinite(param[j]))
            return sm_fail(err, SM_EDIVERGED, "training diverged: weight %ld is not finite", (long)j);
    return SM_OK;
}
