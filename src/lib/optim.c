#include "optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const optim_kind_names[OPT_KIND_COUNT + 1] = {
    [OPT_SGD] = "sgd", [OPT_MOMENTUM] = "momentum", [OPT_ADAGRAD] = "adagrad", [OPT_ADAM] = "adam"};
const char *const optim_schedule_names[SCHED_KIND_COUNT + 1] = {
    [SCHED_CONSTANT] = "constant", [SCHED_INVSQRT] = "invsqrt", [SCHED_LINEAR] = "linear"};

const char *optim_kind_name(sm_optimizer_kind k) { return optim_kind_names[k]; }
const char *optim_schedule_name(sm_schedule_kind k) { return optim_schedule_names[k]; }

void optim_config_default(sm_optim_config *c, sm_optimizer_kind kind)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    /* sgd and momentum rates are relative to the objective's curvature (the
     * trainer divides them by it), so they carry over between data sets;
     * momentum's effective step is lr / (1 - momentum). Adagrad and Adam rates
     * are in weight units, for features scaled to [-1, 1] (--scale maxabs). */
    c->lr = kind == OPT_SGD ? 1.0 : kind == OPT_MOMENTUM ? 0.1 : kind == OPT_ADAGRAD ? 0.5 : 0.01;
    c->schedule = SCHED_LINEAR;
    c->momentum = 0.9;
    c->beta1 = 0.9;
    c->beta2 = 0.999;
    c->eps = 1e-8;
}

sm_status optim_init(sm_optim *o, const sm_optim_config *cfg, int64_t n_params, sm_error *err)
{
    memset(o, 0, sizeof *o);
    o->cfg = *cfg;
    o->n = n_params;
    int need_m = cfg->kind != OPT_SGD, need_v = cfg->kind == OPT_ADAM;
    size_t bytes = (size_t)(n_params > 0 ? n_params : 1) * sizeof(double);
    if (need_m && !(o->m = calloc(1, bytes)))
        return sm_fail(err, SM_EFAIL, "out of memory for optimiser state (%lld parameters)",
                       (long long)n_params);
    if (need_v && !(o->v = calloc(1, bytes))) {
        optim_free(o);
        return sm_fail(err, SM_EFAIL, "out of memory for optimiser state (%lld parameters)",
                       (long long)n_params);
    }
    return SM_OK;
}

void optim_free(sm_optim *o)
{
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

double optim_lr_at(const sm_optim_config *c, int64_t t, int64_t total_steps)
{
    double lr = c->lr;
    switch (c->schedule) {
    case SCHED_CONSTANT:
        break;
    case SCHED_INVSQRT:
        /* Halves the rate every ~3 epochs' worth of steps at 1000 steps/epoch
         * regardless of data size: scale by the run length, not absolute t. */
        lr /= sqrt(1.0 + 10.0 * (double)(t - 1) / (double)(total_steps > 0 ? total_steps : 1));
        break;
    case SCHED_LINEAR:
        /* Decay to a small floor, not zero, so the last steps still move. */
        lr *= fmax(1.0 - (double)(t - 1) / (double)(total_steps > 0 ? total_steps : 1), 1e-3);
        break;
    default:
        break;
    }
    if (c->warmup > 0 && t <= c->warmup)
        lr *= (double)t / (double)c->warmup;
    return lr;
}

double optim_decay(const sm_optim *o)
{
    double rate = o->lr * o->cfg.l2;
    if (o->cfg.kind == OPT_MOMENTUM)
        rate /= 1.0 - o->cfg.momentum;
    return 1.0 - rate;
}

void optim_begin_step(sm_optim *o, int64_t total_steps)
{
    o->step++;
    o->lr = optim_lr_at(&o->cfg, o->step, total_steps);
    if (o->cfg.kind == OPT_ADAM) {
        o->bc1 = 1.0 - pow(o->cfg.beta1, (double)o->step);
        o->bc2 = 1.0 - pow(o->cfg.beta2, (double)o->step);
    }
}

double optim_delta(sm_optim *o, int64_t i, double g)
{
    const sm_optim_config *c = &o->cfg;
    switch (c->kind) {
    case OPT_SGD:
        return o->lr * g;
    case OPT_MOMENTUM:
        o->m[i] = c->momentum * o->m[i] + g;
        return o->lr * o->m[i];
    case OPT_ADAGRAD:
        o->m[i] += g * g;
        return o->lr * g / (sqrt(o->m[i]) + c->eps);
    case OPT_ADAM:
        o->m[i] = c->beta1 * o->m[i] + (1.0 - c->beta1) * g;
        o->v[i] = c->beta2 * o->v[i] + (1.0 - c->beta2) * g * g;
        return o->lr * (o->m[i] / o->bc1) / (sqrt(o->v[i] / o->bc2) + c->eps);
    default:
        return 0.0;
    }
}

void optim_apply(sm_optim *o, int64_t first, double *restrict param, double *restrict grad,
                 int64_t n, double grad_factor, double scale)
{
    for (int64_t k = 0; k < n; k++) {
        param[k] -= optim_delta(o, first + k, grad[k] * grad_factor) / scale;
        grad[k] = 0.0;
    }
}
