/* cli_train_warn.c - the options of `smloss train` that a run ignores: one
 * table of (option, when it does nothing, what the run is then, why). */
#include "cli_train_warn.h"

#include <stdio.h>
#include <string.h>

#include "cli_msg.h"
#include "commands.h"
#include "optim.h"

/* The place of the option of long name `name` in train's table, or -1. */
static int option_index(const char *name)
{
    for (int i = 0; train_spec.options[i].name; i++)
        if (strcmp(train_spec.options[i].name, name) == 0)
            return i;
    return -1;
}

void cli_train_mark_given(train_args *a, int c)
{
    for (int i = 0; train_spec.options[i].name && i < (int)sizeof a->given; i++)
        if (train_spec.options[i].val == c)
            a->given[i] = 1;
}

int cli_train_given(const train_args *a, const char *name)
{
    int i = option_index(name);
    return i >= 0 && i < (int)sizeof a->given && a->given[i];
}

/* ---- when an option does nothing ---- */

/* What the options make of the run, and in how many processes it runs. */
typedef struct {
    const train_args *a;
    int ranks;
} run_view;

static sm_objective_kind objective_of(const train_args *a) { return a->job.cfg.objective.kind; }

/* The temperature divides the scores of a softmax or of a pair's sigmoid:
 * the ranking objectives and multiclass, not the sums of pointwise losses. */
static int no_temperature(const run_view *r)
{
    const train_args *a = r->a;
    sm_objective_kind k = objective_of(a);
    return !objective_is_ranking(k) && k != OBJ_MULTICLASS;
}

static int not_momentum(const run_view *r)
{
    const train_args *a = r->a;
    return a->solver == SOLVER_SGD && a->optimizer != OPT_MOMENTUM;
}

static int not_adam(const run_view *r)
{
    const train_args *a = r->a;
    return a->solver == SOLVER_SGD && a->optimizer != OPT_ADAM;
}

/* eps guards the denominators of Adagrad and Adam; sgd and momentum have none. */
static int no_denominator(const run_view *r)
{
    const train_args *a = r->a;
    return a->solver == SOLVER_SGD && a->optimizer != OPT_ADAGRAD && a->optimizer != OPT_ADAM;
}

/* A multi-class model reports per class; the label regions serve only
 * --emphasize given one weight per region. */
static int classes_not_regions(const run_view *r)
{
    const train_args *a = r->a;
    return objective_is_multiclass(objective_of(a)) && !a->job.emphasize_text;
}

static int one_process(const run_view *r) { return r->ranks <= 1; }

static int groups_unused(const run_view *r)
{
    const train_args *a = r->a;
    return !objective_is_ranking(objective_of(a)) && !a->folds;
}

static int valid_groups_unused(const run_view *r)
{
    const train_args *a = r->a;
    return a->files.valid && !train_job_by_query(&a->job, 1);
}

static int no_valid(const run_view *r)
{
    const train_args *a = r->a;
    return !a->files.valid;
}

/* Class labels are one-hot probabilities to the multiclass objective
 * (train_job_set_classes): --target chooses how a --targets file reads. */
static int labels_not_targets(const run_view *r)
{
    const train_args *a = r->a;
    return objective_of(a) == OBJ_MULTICLASS && !a->files.targets;
}

static int no_pairs(const run_view *r)
{
    const train_args *a = r->a;
    return objective_of(a) != OBJ_PAIRWISE;
}

/* L-BFGS on whole passes draws nothing at random but sampled pairs; the
 * folds are drawn whatever the solver. */
static int nothing_drawn(const run_view *r)
{
    const train_args *a = r->a;
    return a->solver == SOLVER_LBFGS && !objective_samples_pairs(&a->job.cfg.objective) &&
           !a->folds;
}

/* A checkpoint comes after every N epochs (iterations) but the last, which
 * writes the model. */
static int no_checkpoint_before_end(const run_view *r)
{
    const sm_train_config *c = &r->a->job.cfg;
    return c->checkpoint_every >= (r->a->solver == SOLVER_SGD ? c->epochs : c->max_iter);
}

/* ---- what the run is, as the warning says it ---- */

static void say_objective(const train_args *a, char *buf, size_t size)
{
    snprintf(buf, size, "with --objective %s", objective_kind_names[objective_of(a)]);
}

static void say_optimizer(const train_args *a, char *buf, size_t size)
{
    snprintf(buf, size, "with --optimizer %s%s", optim_kind_names[a->optimizer],
             cli_train_given(a, "optimizer") ? "" : ", the default of this scorer");
}

static void say_one_process(const train_args *a, char *buf, size_t size)
{
    (void)a;
    snprintf(buf, size, "in a single process");
}

static void say_no_rank_metric(const train_args *a, char *buf, size_t size)
{
    snprintf(buf, size, "with --objective %s and no ranking --metric",
             objective_kind_names[objective_of(a)]);
}

static void say_no_valid(const train_args *a, char *buf, size_t size)
{
    (void)a;
    snprintf(buf, size, "without --valid");
}

static void say_class_labels(const train_args *a, char *buf, size_t size)
{
    snprintf(buf, size, "with --objective %s on class labels, without --targets",
             objective_kind_names[objective_of(a)]);
}

static void say_solver(const train_args *a, char *buf, size_t size)
{
    snprintf(buf, size, "with --solver %s%s", solver_names[a->solver],
             cli_train_given(a, "solver") ? "" : ", which --solver auto chose");
}

static void say_last(const train_args *a, char *buf, size_t size)
{
    int sgd = a->solver == SOLVER_SGD;
    snprintf(buf, size, "with --%s %d", sgd ? "epochs" : "max-iter",
             sgd ? a->job.cfg.epochs : a->job.cfg.max_iter);
}

typedef struct {
    const char *option; /* its long name */
    int (*ineffective)(const run_view *r);
    void (*say)(const train_args *a, char *buf, size_t size);
    const char *why;
} ineffective_rule;

static const ineffective_rule rules[] = {
    {"temperature", no_temperature, say_objective,
     "only the pairwise, listwise and multiclass objectives use it"},
    {"momentum", not_momentum, say_optimizer, "only --optimizer momentum uses it"},
    {"beta1", not_adam, say_optimizer, "only --optimizer adam uses it"},
    {"beta2", not_adam, say_optimizer, "only --optimizer adam uses it"},
    {"eps", no_denominator, say_optimizer, "only --optimizer adagrad and adam use it"},
    {"regions", classes_not_regions, say_objective,
     "a multi-class model reports per class, not per label region"},
    {"sync-every", one_process, say_one_process,
     "it paces the ranks of an MPI run, mpirun -np N with N > 1"},
    {"group", groups_unused, say_objective,
     "only the ranking objectives and --folds use the query groups of --data"},
    {"valid-group", valid_groups_unused, say_no_rank_metric,
     "only the ranking objectives and metrics use the query groups of --valid"},
    {"valid-targets", no_valid, say_no_valid, "they are the targets of the --valid data"},
    {"target", labels_not_targets, say_class_labels,
     "class labels are one-hot probabilities; --target says how a --targets file reads"},
    {"max-pairs", no_pairs, say_objective, "only the pairwise objective samples pairs"},
    {"seed", nothing_drawn, say_solver,
     "L-BFGS draws nothing at random; the seed serves SGD, --max-pairs and --folds"},
    {"save-every", no_checkpoint_before_end, say_last,
     "no checkpoint comes before the end, where the model is written anyway"},
};

int cli_train_warn_ineffective(const train_args *a, int ranks)
{
    const run_view run = {a, ranks};
    int n = 0;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0] && !a->quiet; i++) {
        const ineffective_rule *r = &rules[i];
        if (!cli_train_given(a, r->option) || !r->ineffective(&run))
            continue;
        char when[160];
        r->say(a, when, sizeof when);
        cli_warn("train", "--%s has no effect %s (%s)", r->option, when, r->why);
        n++;
    }
    return n;
}
