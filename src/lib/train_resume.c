/* train_resume.c - the fingerprint a resumed run must match (train_resume.h). */
#include "train_resume.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link.h"
#include "numfmt.h"
#include "rank_metrics.h"

#define PREFIX "option "

/* A 64-bit mix of the bytes of an array, word by word (FNV-like, with a
 * final avalanche): a changed row, label or weight changes it. */
static uint64_t mix(uint64_t h, const void *data, size_t bytes)
{
    const unsigned char *p = data;
    uint64_t w;
    size_t i = 0;
    for (; i + 8 <= bytes; i += 8) {
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    for (; i < bytes; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    h ^= (uint64_t)bytes;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 33);
}

uint64_t resume_data_checksum(const sm_dataset *ds)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    int64_t counts[4] = {ds->n_rows, ds->nnz, ds->dim, ds->n_groups};
    h = mix(h, counts, sizeof counts);
    if (ds->row_ptr)
        h = mix(h, ds->row_ptr, (size_t)(ds->n_rows + 1) * sizeof *ds->row_ptr);
    /* the indices as the layout keeps them (dataset.h: sparse or compact
     * rows; a compact row's run is its first index) */
    int64_t n_col = ds->col_ptr ? ds->col_ptr[ds->n_rows] : ds->nnz;
    if (ds->col_ptr)
        h = mix(h, ds->col_ptr, (size_t)(ds->n_rows + 1) * sizeof *ds->col_ptr);
    if (n_col > 0)
        h = mix(h, ds->col, (size_t)n_col * sizeof *ds->col);
    if (ds->nnz > 0)
        h = mix(h, ds->val, (size_t)ds->nnz * sizeof *ds->val);
    h = mix(h, ds->label, (size_t)ds->n_rows * sizeof *ds->label);
    if (ds->weight)
        h = mix(h, ds->weight, (size_t)ds->n_rows * sizeof *ds->weight);
    if (ds->target)
        h = mix(h, ds->target, (size_t)(ds->n_rows * ds->target_dim) * sizeof *ds->target);
    if (ds->group_ptr)
        h = mix(h, ds->group_ptr, (size_t)(ds->n_groups + 1) * sizeof *ds->group_ptr);
    return h;
}

/* "ROWS rows, checksum HEX" of every rank's share (in rank order). */
static sm_status data_identity(const sm_dataset *ds, sm_dist *dist, char *out, size_t size,
                               sm_error *err)
{
    uint64_t h = resume_data_checksum(ds);
    int64_t rows = ds->n_rows;
    if (dist_many(dist)) {
        int n = dist_size(dist);
        int64_t *all = malloc((size_t)n * 2 * sizeof *all), mine;
        if (!all)
            return sm_fail(err, SM_EFAIL, "out of memory");
        memcpy(&mine, &h, sizeof mine);
        sm_status st = dist_allgather_i64(dist, mine, all, err);
        if (st == SM_OK)
            st = dist_allgather_i64(dist, ds->n_rows, all + n, err);
        if (st == SM_OK) {
            h = mix(0xcbf29ce484222325ULL, all, (size_t)n * 2 * sizeof *all);
            rows = 0;
            for (int r = 0; r < n; r++)
                rows += all[n + r];
        }
        free(all);
        if (st != SM_OK)
            return st;
    }
    snprintf(out, size, "%lld rows, checksum %016llx", (long long)rows, (unsigned long long)h);
    return SM_OK;
}

typedef struct {
    sm_train_state *fp;
    sm_status st;
    sm_error *err;
} recorder;

static void put(recorder *r, const char *option, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void put(recorder *r, const char *option, const char *fmt, ...)
{
    char value[TRAIN_STATE_VALUE_MAX], name[TRAIN_STATE_NAME_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    snprintf(name, sizeof name, PREFIX "%s", option);
    if (r->st == SM_OK)
        r->st = train_state_set(r->fp, name, r->err, "%s", value);
}

static void put_double(recorder *r, const char *option, double v)
{
    char text[32];
    sm_format_double(text, sizeof text, v);
    put(r, option, "%s", text);
}

/* The options the steps of SGD depend on. */
static void put_sgd(recorder *r, const sm_train_config *c)
{
    const sm_optim_config *o = &c->optim;
    put(r, "--epochs", "%d", c->epochs);
    put(r, "--batch", "%lld",
        (long long)(c->batch > 0 ? c->batch : train_default_batch(c->objective.kind)));
    put(r, "--optimizer", "%s", optim_kind_name(o->kind));
    put_double(r, "--lr", o->lr);
    put(r, "--lr (backing off)", "%s", c->max_backoffs ? "on, the rate not given" : "off");
    put(r, "--lr-schedule", "%s", optim_schedule_name(o->schedule));
    put(r, "--warmup", "%lld", (long long)o->warmup);
    if (o->kind == OPT_MOMENTUM)
        put_double(r, "--momentum", o->momentum);
    if (o->kind == OPT_ADAM) {
        put_double(r, "--beta1", o->beta1);
        put_double(r, "--beta2", o->beta2);
    }
    if (o->kind == OPT_ADAM || o->kind == OPT_ADAGRAD)
        put_double(r, "--eps", o->eps);
    put_double(r, "--clip", o->clip);
    put(r, "--sync-every", "%d", c->sync_every);
    put(r, "--memory (streaming)", c->stream_units ? "blocks of %lld units" : "in memory",
        (long long)c->stream_units);
}

/* The scorer as --scorer and --activation spell it. */
static void put_scorer(recorder *r, const sm_scorer_config *c)
{
    char text[128];
    int n = snprintf(text, sizeof text, "%s", scorer_kind_name(c->kind));
    for (int l = 1; scorer_kind_is_layered(c->kind) && l <= c->mlp.n_hidden; l++)
        n += snprintf(text + n, sizeof text - (size_t)n, "%c%ld", l == 1 ? ':' : ',',
                      (long)c->mlp.width[l]);
    if (scorer_kind_is_layered(c->kind))
        snprintf(text + n, sizeof text - (size_t)n, " --activation %s",
                 activation_name(c->mlp.act));
    put(r, "--scorer", "%s", text);
}

sm_status resume_fingerprint(const sm_dataset *train, const sm_dataset *valid,
                             const sm_train_config *c, sm_train_state *fp, sm_error *err)
{
    recorder r = {fp, SM_OK, err};
    char text[TRAIN_STATE_VALUE_MAX];
    put(&r, "--solver", "%s", solver_names[c->solver]);
    put(&r, "--objective", "%s", objective_kind_name(c->objective.kind));
    link_format(&c->objective.link, text, sizeof text);
    put(&r, "--loss", "%s", text);
    put_double(&r, "--temperature", c->objective.temperature);
    put(&r, "--target", "%s", objective_target_name(c->objective.target));
    put(&r, "--max-pairs", "%lld", (long long)c->objective.max_pairs);
    put_scorer(&r, &c->scorer);
    put(&r, "outputs", "%ld", (long)c->scorer.n_out);
    put(&r, "--seed", "%llu", (unsigned long long)c->seed);
    put(&r, "--scale", "%s", feature_scaling_names[c->scaling]);
    put_double(&r, "--l2", c->optim.l2);
    put(&r, "ranks (mpirun -np)", "%d", dist_size(c->dist));
    if (c->init_param) {
        int64_t n = scorer_saved_param_count(&c->scorer);
        put(&r, "--init", "%lld parameters, checksum %016llx", (long long)n,
            (unsigned long long)mix(0, c->init_param, (size_t)n * sizeof *c->init_param));
    } else {
        put(&r, "--init", "none");
    }
    if (c->solver == SOLVER_LBFGS) {
        put(&r, "--max-iter", "%d", c->max_iter);
        put_double(&r, "--tol", c->tol);
    } else {
        put_sgd(&r, c);
    }
    if (c->keep_best) {
        rank_metric_format(&c->metric, text, sizeof text);
        put(&r, "--metric", "%s", text);
        put(&r, "--patience", "%d", c->patience);
    } else {
        put(&r, "--metric", "none (no early stopping)");
    }
    sm_status st = r.st;
    if (st == SM_OK)
        st = data_identity(train, c->dist, text, sizeof text, err);
    put(&r, "--data", "%s", text);
    if (st == SM_OK && c->keep_best && valid)
        st = data_identity(valid, c->dist, text, sizeof text, err);
    if (c->keep_best)
        put(&r, "--valid", "%s", text);
    return st != SM_OK ? st : r.st;
}

/* The options that may grow on a resume. */
static int may_grow(const char *option)
{
    return strcmp(option, "--epochs") == 0 || strcmp(option, "--max-iter") == 0;
}

sm_status resume_check(const sm_train_state *saved, const sm_train_state *fp, sm_error *err)
{
    for (int i = 0; i < fp->n_values; i++) {
        const char *name = fp->values[i].name, *now = fp->values[i].value;
        const char *then = train_state_get(saved, name), *option = name + strlen(PREFIX);
        if (then && strcmp(then, now) == 0)
            continue;
        if (then && may_grow(option) && atol(now) >= atol(then))
            continue;
        if (!then)
            return sm_fail(err, SM_EUSAGE, "--resume: the checkpoint does not record %s (this run: %s); "
                           "it cannot be resumed exactly", option, now);
        return sm_fail(err, SM_EUSAGE, "--resume: the checkpoint was trained with %s %s, this run has "
                       "%s %s; a resumed run must keep the options and data it was started "
                       "with%s", option, then, option, now,
                       may_grow(option) ? " (this one may grow, not shrink)" : "");
    }
    return SM_OK;
}
