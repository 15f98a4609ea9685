/* train_resume.h - what a resumed run must share with the run it continues.
 *
 * A run continued from a checkpoint (train --resume) gives the model bytes
 * of the run never stopped only when it trains the same way on the same
 * data. The fingerprint lists, as state values named "option --NAME", each
 * option the steps depend on (solver, objective, loss, scorer, optimiser and
 * its rates, batch, seed, scaling, early stopping, the ranks, streaming, the
 * warm start) and the data (rows, units and a checksum of the rows,
 * labels, weights, targets and queries of every rank; the validation data's
 * with early stopping). A checkpoint records its run's fingerprint;
 * resume_check compares a new run's with it. --epochs and --max-iter may
 * grow (the run goes on longer; a linear or invsqrt schedule then spreads
 * over the new length from the step reached), never shrink.
 * Threads do not matter: the model bytes are the same for any number.
 */
#ifndef SM_TRAIN_RESUME_H
#define SM_TRAIN_RESUME_H

#include "dataset.h"
#include "error.h"
#include "train_config.h"
#include "train_state.h"

/* The run's fingerprint into fp (every rank calls it: the checksums are
 * those of all the shares). */
sm_status resume_fingerprint(const sm_dataset *train, const sm_dataset *valid,
                             const sm_train_config *cfg, sm_train_state *fp, sm_error *err);

/* SM_OK when saved (a checkpoint's state) records the fingerprint fp, else
 * SM_EUSAGE naming the first option that differs, with both values. */
sm_status resume_check(const sm_train_state *saved, const sm_train_state *fp, sm_error *err);

/* A checksum of a data set's rows, labels, weights, targets and queries
 * (exposed for tests). */
uint64_t resume_data_checksum(const sm_dataset *ds);

#endif
