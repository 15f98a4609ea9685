/* train_config.c - a run's options: defaults and names (train_config.h). */
#include "train_config.h"

#include <string.h>

const char *const feature_scaling_names[SCALE_KIND_COUNT + 1] = {[SCALE_NONE] = "none",
                                                                  [SCALE_MAXABS] = "maxabs"};
const char *const solver_names[SOLVER_KIND_COUNT + 1] = {
    [SOLVER_AUTO] = "auto", [SOLVER_LBFGS] = "lbfgs", [SOLVER_SGD] = "sgd"};

void train_config_default(sm_train_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->objective.kind = OBJ_POINTWISE;
    cfg->objective.temperature = 1.0;
    cfg->objective.n_out = 1;
    link_parse("lin", &cfg->objective.link, NULL);
    optim_config_default(&cfg->optim, OPT_SGD);
    cfg->solver = SOLVER_AUTO;
    cfg->tol = TRAIN_TOL;
    cfg->max_iter = TRAIN_MAX_ITER;
    cfg->epochs = 20;
    cfg->batch = 0; /* train_default_batch */
    cfg->seed = 1;
    cfg->scaling = SCALE_MAXABS;
    scorer_config_default(&cfg->scorer);
    rank_config_default(&cfg->metric_config);
}

sm_solver_kind train_solver(const sm_train_config *cfg)
{
    if (cfg->solver != SOLVER_AUTO)
        return cfg->solver;
    return scorer_kind_full_batch(cfg->scorer.kind) ? SOLVER_LBFGS : SOLVER_SGD;
}

int64_t train_default_batch(sm_objective_kind kind)
{
    return objective_default_batch(kind);
}
