/* train_pass.h - the trainer's passes over whole data sets, on threads.
 *
 * Each pass cuts the data into chunks of a fixed size (not one per thread),
 * keeps one partial result per chunk and combines them in chunk order, so
 * its result is the same, bit for bit, for any number of threads (0: one per
 * core). The passes read the data and the scorer; they change neither.
 *
 * With a group of ranks (dist.h; NULL: this process alone) that hold a
 * share of the data each, the scales, the curvature and the objective are
 * those of all the shares together, the same on every rank.
 */
#ifndef SM_TRAIN_PASS_H
#define SM_TRAIN_PASS_H

#include <stdint.h>

#include "dataset.h"
#include "dist.h"
#include "error.h"
#include "objective.h"
#include "scorer.h"

/* The rows of the longest query (1 without queries): what the objective's
 * scratch (objective_work_reserve) needs room for. */
int64_t pass_longest_query(const sm_dataset *ds);

/* 1 / max|x_j| per feature (1 for a feature that is always 0), into a new
 * array *scales of ds->dim doubles (freed by the caller). */
sm_status pass_maxabs_scales(const sm_dataset *ds, int threads, sm_dist *dist, double **scales,
                             sm_error *err);

/* The objective's curvature trace on ds (objective.h: pointwise and ranking
 * alike; means over rows or units weighted by their weights) with the
 * features scaled by fs (NULL: none); 0 without rows or units. */
sm_status pass_curvature(const sm_objective *obj, const sm_dataset *ds, const double *fs,
                         int threads, sm_dist *dist, double *trace, sm_error *err);

/* The scores of every row of ds with the current weights (n_rows x K). */
void pass_scores(sm_scorer *sc, const sm_dataset *ds, int threads, double *scores);

/* The mean objective (checked: objective_check) of the given scores
 * (n_rows x obj->n_out) over ds's units, weighted by their weights
 * (objective_unit_weight); *units receives how many there were (0, or a
 * weight of 0: the mean is NaN). */
sm_status pass_mean_objective(const sm_objective *obj, const sm_dataset *ds,
                              const double *scores, int threads, sm_dist *dist, double *mean,
                              int64_t *units, sm_error *err);

#endif
