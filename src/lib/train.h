/* train.h - the SGD training loop.
 *
 * One epoch: shuffle the units (rows for pointwise, queries for ranking, so a
 * query's rows stay together) with the seeded generator, cut them into
 * mini-batches of `batch` units, and for each batch run
 *     scores = forward(rows);  loss, dscores = objective_forward_backward(scores,
 *                                              targets, weight = 1 / units);
 *     backward(dscores);       clip;  optimiser step (with L2 decay).
 * After each epoch the training objective (mean over units plus
 * (l2/2)||w||^2) and, when given, the validation objective are computed and
 * passed to on_epoch. The training objective is exact (the final weights on
 * every unit) after the last epoch; after the others it is the progressive
 * objective: the mean loss of each step's units under the weights before that
 * step (as Vowpal Wabbit and scikit-learn report), which needs no pass over
 * the data. Same data, options and seed give the same model bits.
 *
 * A non-finite score, loss or gradient stops training (unless it backs off:
 * max_backoffs) with SM_EDIVERGED and a message naming the epoch, the row (for a ranking unit's loss, its query's
 * first row), its label and score, and the link. So does an epoch whose
 * training objective exceeds 1e4 times the objective at the start (near the
 * best constant score): a step blowing up while finite.
 *
 * The objective owns the math of units, start score and curvature
 * (objective.h); the passes over whole data sets are train_pass.h's.
 */
#ifndef SM_TRAIN_H
#define SM_TRAIN_H

#include "train_config.h"

/* Train the scorer cfg->scorer on `train` (valid may be NULL). On success
 * fills the model's scorer part (scorer_export), objective and link, and
 * with early stopping the info keys stop_metric, best_epoch, best_score and
 * epochs_run; the caller sets the rest (regions, label transform, other info). */
sm_status train_run(const sm_dataset *train, const sm_dataset *valid,
                    const sm_train_config *cfg, sm_model *model, sm_error *err);

#endif
