/* objective.c - the table of objective kinds and the entry points that
 * dispatch on it (objective.h); each kind's row is in its own file
 * (objective_kind.h). */
#include "objective_kind.h"
#include "names.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The table, indexed by sm_objective_kind: each kind's name (which parsing,
 * the help, completion and messages list) and its row. */
static const objective_kind *const kinds[OBJ_KIND_COUNT] = {
    [OBJ_POINTWISE] = &objective_pointwise,
    [OBJ_PAIRWISE] = &objective_pairwise,
    [OBJ_LISTWISE] = &objective_listwise,
    [OBJ_MULTICLASS] = &objective_multiclass,
    [OBJ_MULTICLASS_POINTWISE] = &objective_multiclass_pointwise,
};
const char *const objective_kind_names[OBJ_KIND_COUNT + 1] = {
    [OBJ_POINTWISE] = "pointwise", [OBJ_PAIRWISE] = "pairwise", [OBJ_LISTWISE] = "listwise",
    [OBJ_MULTICLASS] = "multiclass", [OBJ_MULTICLASS_POINTWISE] = "multiclass-pointwise"};
const char *const objective_target_names[TARGET_KIND_COUNT + 1] = {
    [TARGET_DEFAULT] = "default", [TARGET_HARD] = "hard", [TARGET_SOFT] = "soft",
    [TARGET_MATCHED] = "matched", [TARGET_GAIN] = "gain", [TARGET_PROB] = "prob"};

int objective_kind_parse(const char *name) { return names_find(objective_kind_names, name); }
const char *objective_kind_name(sm_objective_kind k) { return objective_kind_names[k]; }
int objective_target_parse(const char *name) { return names_find(objective_target_names, name); }
const char *objective_target_name(sm_target_kind t) { return objective_target_names[t]; }
void objective_work_init(sm_objective_work *w, uint64_t seed)
{
    memset(w, 0, sizeof *w);
    rng_seed(&w->rng, seed);
}

sm_status objective_work_reserve(sm_objective_work *w, int64_t n, sm_error *err)
{
    if (n <= w->cap)
        return SM_OK;
    /* buf holds 6 arrays of n doubles: transformed scores, labels and slopes,
     * then pair counts and 2n of sort scratch (pairwise) or q and p
     * (listwise); idx one array of n indices. */
    double *buf = realloc(w->buf, (size_t)n * 6 * sizeof *buf);
    if (buf)
        w->buf = buf;
    int64_t *idx = realloc(w->idx, (size_t)n * sizeof *idx);
    if (idx)
        w->idx = idx;
    if (!buf || !idx)
        return sm_fail(err, SM_EFAIL, "out of memory for a query of %lld rows", (long long)n);
    w->cap = n;
    return SM_OK;
}

void objective_work_free(sm_objective_work *w)
{
    free(w->buf);
    free(w->idx);
    memset(w, 0, sizeof *w);
}

sm_objective_unit objective_unit(sm_objective_kind k) { return kinds[k]->unit; }
int objective_is_ranking(sm_objective_kind k) { return kinds[k]->unit == UNIT_QUERY; }
int objective_is_multiclass(sm_objective_kind k) { return kinds[k]->unit == UNIT_CLASS_ROW; }
const char *objective_help(sm_objective_kind k) { return kinds[k]->help; }
const char *objective_units_noun(sm_objective_kind k) { return kinds[k]->units_noun; }
sm_metric_kind objective_default_metric(sm_objective_kind k) { return kinds[k]->default_metric; }
int64_t objective_default_batch(sm_objective_kind k) { return kinds[k]->default_batch; }
int objective_takes_target(sm_objective_kind k, sm_target_kind t)
{
    return t != TARGET_DEFAULT && (kinds[k]->default_target == t || kinds[k]->other_target == t);
}
int objective_shift_invariant(sm_objective_kind k) { return kinds[k]->shift_invariant; }
int objective_samples_pairs(const sm_objective *obj)
{
    return kinds[obj->kind]->samples_pairs && obj->max_pairs > 0;
}

/* The kinds whose row has a property, as a message names them. */
typedef int (*kind_property)(const objective_kind *k, int arg);
static void name_kinds(kind_property has, int arg, char *buf, size_t size)
{
    int count = 0, i = 0;
    size_t n = 0;
    for (int k = 0; k < OBJ_KIND_COUNT; k++)
        count += has(kinds[k], arg) != 0;
    buf[0] = '\0';
    for (int k = 0; k < OBJ_KIND_COUNT && n < size; k++) {
        if (!has(kinds[k], arg))
            continue;
        i++;
        const char *after = i == count ? (count == 1 ? " objective" : " objectives")
                            : i + 1 == count ? " and " : ", ";
        int w = snprintf(buf + n, size - n, "%s%s%s", i == 1 ? "the " : "",
                         objective_kind_names[k], after);
        n += w > 0 ? (size_t)w : size;
    }
}
static int has_unit(const objective_kind *k, int unit) { return k->unit == (sm_objective_unit)unit; }
static int takes_targets(const objective_kind *k, int arg) { return (void)arg, k->default_target; }
static int samples_pairs(const objective_kind *k, int arg) { return (void)arg, k->samples_pairs; }

void objective_kinds_of_unit(sm_objective_unit unit, char *buf, size_t size)
{
    name_kinds(has_unit, (int)unit, buf, size);
}

sm_target_kind objective_class_target(const sm_objective *obj)
{
    return objective_takes_target(obj->kind, TARGET_PROB) ? obj->target : TARGET_MATCHED;
}

sm_status objective_check_options(sm_objective *obj, sm_error *err)
{
    const objective_kind *k = kinds[obj->kind];
    char which[OBJECTIVE_KINDS_TEXT];
    if (k->default_target == TARGET_DEFAULT && obj->target != TARGET_DEFAULT) {
        name_kinds(takes_targets, 0, which, sizeof which);
        return sm_fail(err, SM_EUSAGE, "--target applies to %s only", which);
    }
    if (obj->target == TARGET_DEFAULT)
        obj->target = k->default_target;
    if (obj->target != k->default_target && obj->target != k->other_target)
        return sm_fail(err, SM_EUSAGE, "the %s objective takes --target %s or %s, not %s",
                       objective_kind_names[obj->kind], objective_target_names[k->default_target],
                       objective_target_names[k->other_target],
                       objective_target_names[obj->target]);
    if (obj->max_pairs != 0 && !k->samples_pairs) {
        name_kinds(samples_pairs, 0, which, sizeof which);
        return sm_fail(err, SM_EUSAGE, "--max-pairs applies to %s only", which);
    }
    if (!(obj->temperature > 0.0) || !isfinite(obj->temperature))
        return sm_fail(err, SM_EUSAGE, "the temperature must be a positive number");
    return SM_OK;
}

sm_status objective_check(sm_objective *obj, sm_error *err)
{
    sm_status st = objective_check_options(obj, err);
    if (st != SM_OK)
        return st;
    if (obj->n_out == 0)
        obj->n_out = 1;
    int class_scores = kinds[obj->kind]->unit == UNIT_CLASS_ROW; /* K outputs */
    if (class_scores && obj->n_out < 2)
        return sm_fail(err, SM_EUSAGE, "the %s objective needs at least 2 classes, not %ld",
                       objective_kind_names[obj->kind], (long)obj->n_out);
    if (!class_scores && obj->n_out != 1)
        return sm_fail(err, SM_EUSAGE, "the %s objective takes one score per row, not %ld",
                       objective_kind_names[obj->kind], (long)obj->n_out);
    return SM_OK;
}

int objective_is_unit(const sm_objective *obj, const double *y, int64_t n)
{
    return kinds[obj->kind]->is_unit(obj, y, n);
}

static double objective_pass(const sm_objective *obj, const double *s, const double *y, int64_t n,
                             double weight, double *ds, int want_loss, int64_t *units,
                             sm_objective_work *w)
{
    return kinds[obj->kind]->pass(obj, s, y, n, weight, ds, want_loss, units, w);
}

double objective_forward(const sm_objective *obj, const double *s, const double *y, int64_t n,
                         int64_t *units, sm_objective_work *w)
{
    return objective_pass(obj, s, y, n, 0.0, NULL, 1, units, w);
}

void objective_backward(const sm_objective *obj, const double *s, const double *y, int64_t n,
                        double weight, double *ds, sm_objective_work *w)
{
    int64_t units;
    objective_pass(obj, s, y, n, weight, ds, 0, &units, w);
}

double objective_forward_backward(const sm_objective *obj, const double *s, const double *y,
                                  int64_t n, double weight, double *ds, int64_t *units,
                                  sm_objective_work *w)
{
    return objective_pass(obj, s, y, n, weight, ds, 1, units, w);
}

/* ---- what the trainer asks of the objective ---- */

sm_status objective_units(const sm_objective *obj, const sm_dataset *ds, int64_t **units,
                          int64_t *n_units, sm_error *err)
{
    int64_t cap = objective_unit_count(obj, ds), n = 0, b, e;
    if (!(*units = malloc((size_t)(cap > 0 ? cap : 1) * sizeof **units)))
        return sm_fail(err, SM_EFAIL, "out of memory for %lld training units", (long long)cap);
    for (int64_t u = 0; u < cap; u++) {
        objective_unit_rows(obj, ds, u, &b, &e);
        if (objective_is_unit(obj, objective_unit_targets(obj, ds, b), e - b))
            (*units)[n++] = u;
    }
    *n_units = n;
    if (n == 0)
        return sm_fail(err, SM_EDATA, "%s: no %s to train on", ds->source,
                       objective_units_noun(obj->kind));
    return SM_OK;
}

double objective_start_score(const sm_objective *obj, const double *y, int64_t n)
{
    return objective_start_score_strided(&obj->link, y, NULL, n, 1);
}

void objective_start_scores(const sm_objective *obj, const sm_dataset *ds, double *bias)
{
    kinds[obj->kind]->start_scores(obj, ds, bias);
}

double objective_label_curvature(const sm_objective *obj, const double *y)
{
    return kinds[obj->kind]->label_curvature(obj, y);
}

double objective_curvature_floor(const sm_objective *obj, double lo, double hi)
{
    if (!kinds[obj->kind]->steep_floor)
        return 0.0;
    return link_slope_over(&obj->link, lo, hi) / OBJECTIVE_STEEP_SHARE;
}

double objective_query_curvature(const sm_objective *obj, const double *y, int64_t n,
                                 objective_spread_fn spread, void *ctx, double *buf)
{
    double *uniform = buf, *c = buf + n, *q = buf + 2 * n;
    for (int64_t i = 0; i < n; i++) {
        uniform[i] = 1.0 / (double)n;
        c[i] = link_dh(&obj->link, y[i]) / obj->temperature;
    }
    double trace = spread(ctx, uniform, c);
    if (!kinds[obj->kind]->curvature_at_target)
        return 0.5 * trace; /* pairwise: half the uniform spread (objective.h) */
    objective_listwise_target(obj, y, n, q);
    return fmax(trace, spread(ctx, q, c));
}
