/* cli_train_args.c - the command line of `smloss train`: its help, its
 * option table, the parsing of the values and the checks of the options
 * together (cli_train.h). */
#include "cli_train.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_msg.h"
#include "cli_opts.h"
#include "cli_train_warn.h"
#include "classes.h"
#include "commands.h"
#include "link.h"
#include "names.h"
#include "report.h"

/* {KEY}: a choice list printed from its table (cli_print_help). */
static const char train_usage[] =
    "Usage: smloss train -d DATA -m MODEL [options]\n"
    "       smloss train -d DATA --folds K [-m MODEL] [options]\n"
    "Train a linear or MLP scorer with a selective matching loss: a linear scorer by\n"
    "L-BFGS to the optimum by default, an MLP by SGD.\n"
    "\n"
    "Data and output:\n"
    "  -d, --data FILE          training data (libsvm/SVMlight/LETOR; gzip ok; - = stdin);\n"
    "                           under mpirun each rank reads its share of FILE, or its\n"
    "                           own file when FILE holds %r (the rank: part-%r.txt)\n"
    "  -m, --model FILE         model file to write\n"
    "  -v, --folds K            K-fold cross-validation (as liblinear's -v): train on\n"
    "                           K-1 folds, evaluate on the other, for each fold; print\n"
    "                           each fold's main figures and their mean and std on\n"
    "                           stdout (RMSE and MAE per region, NDCG@k for ranking,\n"
    "                           accuracy for classes); folds are rows, or whole queries\n"
    "                           (seeded by --seed, not stratified); with -m the model\n"
    "                           is then trained on all of DATA and written\n"
    "      --format F           {format} of the epoch table and of the --folds table\n"
    "                           (text); tsv and json: the epoch table on stdout (on\n"
    "                           stderr when -m, -p or the --folds table use stdout)\n"
    "  -i, --init MODEL         continue training MODEL (a warm start): same scorer,\n"
    "                           outputs, classes and features (hash bits); its\n"
    "                           objective, loss, regions and label transform unless\n"
    "                           given; the optimiser starts afresh\n"
    "      --save-every N       also write the model every N epochs (lbfgs:\n"
    "                           iterations; replaced atomically), so an interrupted\n"
    "                           run keeps its last checkpoint; with early stopping\n"
    "                           the best epoch so far; a checkpoint holds what\n"
    "                           --resume needs to continue the run exactly\n"
    "      --resume CHECKPOINT  continue the run a --save-every checkpoint stopped,\n"
    "                           as if never stopped: the same command with --resume\n"
    "                           added writes the same model bytes (optimiser state,\n"
    "                           schedule, epoch, shuffles, early stopping, L-BFGS\n"
    "                           memory); refused, naming the option, when an option\n"
    "                           or the data differ (--epochs, --max-iter may grow)\n"
    "      --valid FILE         validation data: its objective is shown every epoch\n"
    "      --group FILE         query groups of DATA: one row count per line (LightGBM\n"
    "                           .query, XGBoost .group); default for the ranking\n"
    "                           objectives: DATA.query or DATA.group beside DATA when\n"
    "                           its rows have no qid:; none: no group file\n"
    "      --valid-group FILE   query groups of the --valid data (same default, also\n"
    "                           for a ranking --metric)\n"
    CLI_WEIGHTS_HELP
    "                           (ranking: a query's rows share its weight)\n"
    "      --class-weights C=W,...  weigh the rows of class C by W, times their row\n"
    "                           weight (liblinear's -wi; others weigh 1): classes\n"
    "                           from labels (multiclass, multiclass-pointwise) or\n"
    "                           pointwise labels C\n"
    "      --valid-weights FILE the same for the --valid data (default VALID.weight)\n"
    "      --threads N          threads reading DATA and --valid (parsing, hashing for\n"
    "                           --cache), of the passes over a whole data set while\n"
    "                           training and of writing the model (0 = one per core,\n"
    "                           the default); any N gives the same data and model\n"
    CLI_CACHE_HELP
    CLI_MEMORY_HELP
    CLI_DUPLICATES_HELP
    "  -p, --predictions FILE   also write the final model's scores on DATA, one per line\n"
    "                           (K a line for a multi-class model)\n"
    "      --label-transform T  {label_transform} applied to labels before training (none)\n"
    "      --regions B1,B2,...  label regions recorded in the model for reports\n"
    "                           (default: distinct labels if <= 10, else quartiles)\n"
    "Loss and scorer:\n"
    "      --loss SPEC          link spec, e.g. lin, sigmoid:a=3,c=30, lin:w=0.05+exp:a=0.5\n"
    "                           (default lin = square loss; see 'smloss link --help')\n"
    "      --emphasize SPEC     instead of --loss: how much each label region matters,\n"
    "                           e.g. '[35,inf)=10' or '(-inf,20)=0.2,[20,35)=1,[35,inf)=5'\n"
    "                           (uncovered labels weigh 1), or one weight per label\n"
    "                           region ('1,1,10'); compiled into a link whose slope is\n"
    "                           the weight in each region, steps spread over a width\n"
    "                           (',width=W'; default 5% of the label spread); the\n"
    "                           compiled --loss is shown on stderr; without --regions\n"
    "                           the intervals are the model's regions\n"
    "      --objective NAME     {objective} (pointwise):\n"
    "                           {objective:help}\n"
    "                           (f is the --loss link; the multi-class objectives\n"
    "                           learn the class labels (integers, one-hot targets)\n"
    "                           or --targets)\n"
    "      --targets FILE       multi-class: K numbers a line, one line per DATA row: a\n"
    "                           teacher's scores (--target matched) or probabilities\n"
    "                           (--target prob); K comes from the file\n"
    "      --valid-targets FILE the same for the --valid data (needed with --targets)\n"
    "      --temperature T      ranking and multiclass: T > 0 (1)\n"
    "      --target NAME        {target}:\n"
    "                           pairwise: hard (q = 1, default) or soft\n"
    "                           (q = sigma((f(y_i)-f(y_j))/T)); listwise: matched\n"
    "                           (q = softmax(f(y)/T), default) or gain (q ~ 2^y - 1);\n"
    "                           multiclass --targets: matched (q = softmax(f(t)/T),\n"
    "                           default) or prob (each line sums to 1)\n"
    "      --max-pairs N        pairwise: per query and step use N sampled pairs when\n"
    "                           it has more (seeded; the reported objective uses N\n"
    "                           evenly spaced pairs; lbfgs: N pairs drawn once for\n"
    "                           the run); 0 = every pair (0)\n"
    "      --scorer NAME        {scorer} (linear): an mlp is a\n"
    "                           perceptron with 1-3 hidden layers of the given\n"
    "                           widths, one output (K for the multi-class objectives)\n"
    "      --activation NAME    mlp hidden units: {activation} (relu)\n"
    "Optimisation:\n"
    "      --solver NAME        {solver} (auto): lbfgs (linear scorers)\n"
    "                           minimises the objective over passes over all the\n"
    "                           data until it has converged; sgd takes --epochs\n"
    "                           epochs of mini-batch steps; auto is lbfgs for a\n"
    "                           linear scorer unless an option of SGD is given\n"
    "                           (--epochs, --batch, --optimizer, --lr, --lr-schedule,\n"
    "                           --warmup, --momentum, --beta1, --beta2, --eps, --clip,\n"
    "                           --sync-every), else sgd\n"
    "      --tol X              lbfgs: converged when the objective fell by at most X\n"
    "                           times its value in each of the last two iterations,\n"
    "                           or no step lowers it (1e-7)\n"
    "      --max-iter N         lbfgs: at most N iterations (1000); stopping there is\n"
    "                           a warning; each iteration is a line of the table\n"
    "      --epochs N           sgd: passes over the data (20)\n"
    "      --batch N            units per SGD step: rows for pointwise (16), queries\n"
    "                           for pairwise and listwise (1)\n"
    "      --optimizer NAME     {optimizer} (sgd; adam for mlp)\n"
    "  -l, --lr X               learning rate; sgd/momentum: relative to the data's\n"
    "                           curvature: the step is X divided by the trace of the\n"
    "                           objective's curvature, estimated once from the data\n"
    "                           (times the layers of an MLP), so one value suits any\n"
    "                           data and link; < 2 is stable (sgd 1, momentum 0.1);\n"
    "                           adagrad 0.5, adam 0.01 (absolute)\n"
    "      --lr-schedule NAME   {lr_schedule} (linear: decays to 0.1% at the end)\n"
    "      --warmup N           steps of linear learning-rate warm-up (0)\n"
    "      --momentum X         momentum coefficient (0.9)\n"
    "      --beta1 X, --beta2 X Adam moment decays (0.9, 0.999)\n"
    "      --eps X              Adagrad/Adam denominator guard (1e-8)\n"
    "      --l2 X               L2 penalty (X/2)||w||^2, bias excluded (0)\n"
    "      --clip G             clip each step's gradient to L2 norm G (off)\n"
    "      --scale NAME         {scale}: maxabs (default) scales each feature by\n"
    "                           1/max|x| while training; the saved model uses raw\n"
    "                           features\n"
    "  -b, --hash-bits B        hash each feature index into 2^B buckets, 1 <= B <= 30\n"
    "                           (a row's values in one bucket add up); predict and\n"
    "                           eval hash as the model records (default: no hashing)\n"
    "      --seed N             seed of the shuffling, of the MLP's initial weights and\n"
    "                           of the sampled pairs (1); same seed, same model bytes\n"
    "Early stopping (with --valid):\n"
    "      --metric NAME        keep the weights of the epoch with the best validation\n"
    "                           {metric}\n"
    "                           (ndcg and err take a cutoff, ndcg@10): ndcg, err, map,\n"
    "                           mrr (higher is better; default conventions of 'smloss\n"
    "                           eval') or objective (lower);\n"
    "                           multi-class: accuracy (against the class labels) or\n"
    "                           top1-agreement (with the --valid-targets); one score\n"
    "                           a row: rmse or mae (lower), of every row or of the\n"
    "                           labels in an interval: 'rmse:[35,inf)'\n"
    "      --patience N         stop after N epochs (lbfgs: iterations) without\n"
    "                           improvement (0: never)\n"
    "                           --metric or --patience turns early stopping on; the\n"
    "                           metric defaults to objective; the model records\n"
    "                           best_epoch and best_score\n"
    "Several machines (a build with MPI, under mpirun -np N):\n"
    "      --sync-every K       local SGD: each rank steps on its part of each batch and\n"
    "                           the ranks average their parameters every K steps (and\n"
    "                           at the end of each epoch); 0 (the default): the ranks'\n"
    "                           gradients are summed at every step, as one process\n"
    "  -q, --quiet              no progress, epoch table or notes on stderr, nor the\n"
    "                           warnings that an option has no effect\n"
    "  -h, --help               this help\n";

/* --objective's help, each kind's from its row (objective.h). */
static const char *objective_help_line(int k) { return objective_help((sm_objective_kind)k); }

/* The targets after "default", which is not an option value. */
#define TARGET_NAMES (objective_target_names + 1)

static const cli_choices train_choices[] = {
    {"label_transform", label_transform_names, NULL},
    {"objective", objective_kind_names, objective_help_line},
    {"target", TARGET_NAMES, NULL},
    {"activation", activation_names, NULL},
    {"optimizer", optim_kind_names, NULL},
    {"lr_schedule", optim_schedule_names, NULL},
    {"scale", feature_scaling_names, NULL},
    {"format", report_format_names, NULL},
    {"duplicates", reader_duplicates_names, NULL},
    {"metric", rank_metric_names, NULL},
    {"solver", solver_names, NULL},
    {NULL, NULL, NULL},
};

/* train --help: train_choices, and the scorer kinds as --scorer spells them
 * from scorer.h's table (not a choice list for completion: the spelling of
 * mlp is a pattern, not a value). */
static void print_train_help(void)
{
    enum { N_CHOICES = sizeof train_choices / sizeof *train_choices };
    const char *scorers[SCORER_KIND_COUNT + 1] = {NULL};
    cli_choices choices[N_CHOICES + 1];
    for (int k = 0; k < SCORER_KIND_COUNT; k++)
        scorers[k] = scorer_kind_syntax((sm_scorer_kind)k);
    choices[0] = (cli_choices){"scorer", scorers, NULL};
    memcpy(choices + 1, train_choices, sizeof train_choices);
    cli_print_help(stdout, train_usage, choices);
}

enum {
    ARG_VALID = 256, ARG_LABEL_TRANSFORM, ARG_REGIONS, ARG_LOSS, ARG_OBJECTIVE,
    ARG_SCORER, ARG_EPOCHS, ARG_BATCH, ARG_OPTIMIZER, ARG_LR_SCHEDULE, ARG_WARMUP,
    ARG_MOMENTUM, ARG_BETA1, ARG_BETA2, ARG_EPS, ARG_L2, ARG_CLIP, ARG_SCALE, ARG_SEED,
    ARG_GROUP, ARG_VALID_GROUP, ARG_TEMPERATURE, ARG_TARGET, ARG_MAX_PAIRS, ARG_METRIC,
    ARG_PATIENCE, ARG_ACTIVATION, ARG_THREADS, ARG_CACHE, ARG_MEMORY, ARG_TARGETS, ARG_VALID_TARGETS,
    ARG_SAVE_EVERY, ARG_RESUME, ARG_EMPHASIZE, ARG_WEIGHTS, ARG_VALID_WEIGHTS, ARG_SYNC_EVERY, ARG_FORMAT,
    ARG_DUPLICATES, ARG_CLASS_WEIGHTS, ARG_SOLVER, ARG_TOL, ARG_MAX_ITER
};

/* The options of SGD alone: under --solver auto, giving one chooses SGD. */
static const int sgd_options[] = {ARG_EPOCHS,   ARG_BATCH, ARG_OPTIMIZER, 'l',
                                  ARG_LR_SCHEDULE, ARG_WARMUP, ARG_MOMENTUM, ARG_BETA1,
                                  ARG_BETA2,    ARG_EPS,   ARG_CLIP,      ARG_SYNC_EVERY};

/* The most folds --folds takes: each fold trains a model. */
#define TRAIN_MAX_FOLDS 1000

static const struct option train_options[] = {
    {"data", required_argument, NULL, 'd'},
    {"model", required_argument, NULL, 'm'},
    {"init", required_argument, NULL, 'i'},
    {"save-every", required_argument, NULL, ARG_SAVE_EVERY},
    {"resume", required_argument, NULL, ARG_RESUME},
    {"folds", required_argument, NULL, 'v'},
    {"format", required_argument, NULL, ARG_FORMAT},
    {"valid", required_argument, NULL, ARG_VALID},
    {"predictions", required_argument, NULL, 'p'},
    {"label-transform", required_argument, NULL, ARG_LABEL_TRANSFORM},
    {"regions", required_argument, NULL, ARG_REGIONS},
    {"loss", required_argument, NULL, ARG_LOSS},
    {"emphasize", required_argument, NULL, ARG_EMPHASIZE},
    {"objective", required_argument, NULL, ARG_OBJECTIVE},
    {"scorer", required_argument, NULL, ARG_SCORER},
    {"activation", required_argument, NULL, ARG_ACTIVATION},
    {"solver", required_argument, NULL, ARG_SOLVER},
    {"tol", required_argument, NULL, ARG_TOL},
    {"max-iter", required_argument, NULL, ARG_MAX_ITER},
    {"epochs", required_argument, NULL, ARG_EPOCHS},
    {"batch", required_argument, NULL, ARG_BATCH},
    {"optimizer", required_argument, NULL, ARG_OPTIMIZER},
    {"lr", required_argument, NULL, 'l'},
    {"lr-schedule", required_argument, NULL, ARG_LR_SCHEDULE},
    {"warmup", required_argument, NULL, ARG_WARMUP},
    {"momentum", required_argument, NULL, ARG_MOMENTUM},
    {"beta1", required_argument, NULL, ARG_BETA1},
    {"beta2", required_argument, NULL, ARG_BETA2},
    {"eps", required_argument, NULL, ARG_EPS},
    {"l2", required_argument, NULL, ARG_L2},
    {"clip", required_argument, NULL, ARG_CLIP},
    {"scale", required_argument, NULL, ARG_SCALE},
    {"hash-bits", required_argument, NULL, 'b'},
    {"seed", required_argument, NULL, ARG_SEED},
    {"group", required_argument, NULL, ARG_GROUP},
    {"valid-group", required_argument, NULL, ARG_VALID_GROUP},
    {"weights", required_argument, NULL, ARG_WEIGHTS},
    {"valid-weights", required_argument, NULL, ARG_VALID_WEIGHTS},
    {"temperature", required_argument, NULL, ARG_TEMPERATURE},
    {"target", required_argument, NULL, ARG_TARGET},
    {"targets", required_argument, NULL, ARG_TARGETS},
    {"valid-targets", required_argument, NULL, ARG_VALID_TARGETS},
    {"max-pairs", required_argument, NULL, ARG_MAX_PAIRS},
    {"metric", required_argument, NULL, ARG_METRIC},
    {"patience", required_argument, NULL, ARG_PATIENCE},
    {"threads", required_argument, NULL, ARG_THREADS},
    {"cache", required_argument, NULL, ARG_CACHE},
    {"memory", required_argument, NULL, ARG_MEMORY},
    {"duplicates", required_argument, NULL, ARG_DUPLICATES},
    {"class-weights", required_argument, NULL, ARG_CLASS_WEIGHTS},
    {"sync-every", required_argument, NULL, ARG_SYNC_EVERY},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

const cli_command_spec train_spec = {
    .name = "train", .options = train_options, .usage = train_usage, .choices = train_choices};

/* An option of the optimiser. */
static int parse_optim_option(int c, const char *arg, train_args *a)
{
    sm_optim_config *o = &a->job.cfg.optim;
    switch (c) {
    case ARG_OPTIMIZER:
        return cli_parse_choice("train", "--optimizer", arg, optim_kind_names, &a->optimizer);
    case 'l':
        a->have_lr = 1;
        return cli_parse_double("train", "--lr", arg, 1e-300, 1e6, &a->lr);
    case ARG_LR_SCHEDULE:
        a->have_schedule = 1;
        return cli_parse_choice("train", "--lr-schedule", arg, optim_schedule_names, &a->schedule);
    case ARG_WARMUP: return cli_parse_int64("train", "--warmup", arg, 0, INT64_MAX / 2, &o->warmup);
    case ARG_MOMENTUM:
        a->have_momentum = 1;
        return cli_parse_double("train", "--momentum", arg, 0, 0.999999, &a->momentum);
    case ARG_BETA1:
        a->have_beta1 = 1;
        return cli_parse_double("train", "--beta1", arg, 0, 0.999999, &a->beta1);
    case ARG_BETA2:
        a->have_beta2 = 1;
        return cli_parse_double("train", "--beta2", arg, 0, 0.999999999, &a->beta2);
    case ARG_EPS:
        a->have_eps = 1;
        return cli_parse_double("train", "--eps", arg, 1e-300, 1, &a->eps);
    case ARG_L2: return cli_parse_double("train", "--l2", arg, 0, 1e6, &o->l2);
    case ARG_SOLVER: return cli_parse_choice("train", "--solver", arg, solver_names, &a->solver);
    case ARG_TOL:
        a->have_tol = 1;
        return cli_parse_double("train", "--tol", arg, 0, 1, &a->job.cfg.tol);
    case ARG_CLIP: return cli_parse_double("train", "--clip", arg, 0, 1e300, &o->clip);
    }
    return cli_usage_error("train", "unknown or incomplete option");
}

/* An option of the objective, the scorer or early stopping. */
static int parse_model_option(int c, const char *arg, train_args *a)
{
    sm_objective *obj = &a->job.cfg.objective;
    sm_error err;
    int rc, choice;
    switch (c) {
    case ARG_SCORER:
        a->job.have_scorer = 1;
        if (scorer_config_parse(arg, &a->job.cfg.scorer, &err) != SM_OK)
            return cli_usage_error("train", "--scorer: %s", err.msg);
        return SM_OK;
    case ARG_ACTIVATION:
        a->job.have_activation = 1;
        rc = cli_parse_choice("train", "--activation", arg, activation_names, &choice);
        a->job.cfg.scorer.mlp.act = rc == SM_OK ? (sm_activation)choice : a->job.cfg.scorer.mlp.act;
        return rc;
    case ARG_OBJECTIVE:
        a->job.have_objective = 1;
        rc = cli_parse_choice("train", "--objective", arg, objective_kind_names, &choice);
        obj->kind = rc == SM_OK ? (sm_objective_kind)choice : obj->kind;
        return rc;
    case ARG_TEMPERATURE:
        a->job.have_temperature = 1;
        return cli_parse_double("train", "--temperature", arg, 1e-300, 1e300, &obj->temperature);
    case ARG_TARGET:
        a->job.have_target = 1;
        rc = cli_parse_choice("train", "--target", arg, TARGET_NAMES, &choice);
        obj->target = rc == SM_OK ? (sm_target_kind)(choice + 1) : obj->target;
        return rc;
    case ARG_MAX_PAIRS:
        return cli_parse_int64("train", "--max-pairs", arg, 0, INT64_MAX / 2, &obj->max_pairs);
    case ARG_METRIC:
        if (rank_metric_parse(arg, &a->job.cfg.metric, &err) != SM_OK)
            return cli_usage_error("train", "--metric: %s", err.msg);
        a->job.cfg.keep_best = 1;
        return SM_OK;
    }
    return parse_optim_option(c, arg, a);
}

/* An option that takes a value other than a file name. */
static int parse_value_option(int c, const char *arg, train_args *a)
{
    int64_t n;
    int rc, choice;
    switch (c) {
    case ARG_THREADS: return cli_parse_threads("train", arg, &a->data_opt);
    case ARG_DUPLICATES: return cli_parse_duplicates("train", arg, &a->data_opt);
    case ARG_FORMAT: return cli_parse_choice("train", "--format", arg, report_format_names, &a->format);
    case ARG_LABEL_TRANSFORM:
        a->job.have_label_transform = 1;
        rc = cli_parse_choice("train", "--label-transform", arg, label_transform_names, &choice);
        a->job.label_transform = rc == SM_OK ? (sm_label_transform)choice : a->job.label_transform;
        return rc;
    case ARG_EPOCHS:
        if ((rc = cli_parse_int64("train", "--epochs", arg, 1, 1000000, &n)) == SM_OK)
            a->job.cfg.epochs = (int)n;
        return rc;
    case ARG_BATCH: return cli_parse_int64("train", "--batch", arg, 1, 1 << 24, &a->job.cfg.batch);
    case ARG_SCALE:
        rc = cli_parse_choice("train", "--scale", arg, feature_scaling_names, &choice);
        a->job.cfg.scaling = rc == SM_OK ? (sm_feature_scaling)choice : a->job.cfg.scaling;
        return rc;
    case ARG_SEED:
        if ((rc = cli_parse_int64("train", "--seed", arg, 0, INT64_MAX, &n)) == SM_OK)
            a->job.cfg.seed = (uint64_t)n;
        return rc;
    case 'b':
        a->job.have_hash_bits = 1;
        if ((rc = cli_parse_int64("train", "--hash-bits", arg, 1, FEATMAP_MAX_HASH_BITS, &n)) ==
            SM_OK)
            a->job.hash_bits = (int)n;
        return rc;
    case 'v':
        if ((rc = cli_parse_int64("train", "--folds", arg, 2, TRAIN_MAX_FOLDS, &n)) == SM_OK)
            a->folds = (int)n;
        return rc;
    case ARG_MAX_ITER:
        a->have_max_iter = 1;
        if ((rc = cli_parse_int64("train", "--max-iter", arg, 0, 1000000, &n)) == SM_OK)
            a->job.cfg.max_iter = (int)n;
        return rc;
    case ARG_SAVE_EVERY:
        if ((rc = cli_parse_int64("train", "--save-every", arg, 1, 1000000, &n)) == SM_OK)
            a->job.cfg.checkpoint_every = (int)n;
        return rc;
    case ARG_SYNC_EVERY:
        if ((rc = cli_parse_int64("train", "--sync-every", arg, 0, 1 << 30, &n)) == SM_OK)
            a->job.cfg.sync_every = (int)n;
        return rc;
    case ARG_PATIENCE:
        if ((rc = cli_parse_int64("train", "--patience", arg, 1, 1000000, &n)) == SM_OK)
            a->job.cfg.patience = (int)n;
        a->job.cfg.keep_best = 1;
        return rc;
    }
    return parse_model_option(c, arg, a);
}

/* The optimiser's defaults first, then what the user set. */
static void apply_optimizer(train_args *a)
{
    if (a->optimizer < 0) /* the scorer's (scorer.h) */
        a->optimizer = (int)scorer_kind_optimizer(a->job.cfg.scorer.kind);
    sm_optim_config *o = &a->job.cfg.optim;
    double l2 = o->l2, clip = o->clip;
    int64_t warmup = o->warmup;
    optim_config_default(o, (sm_optimizer_kind)a->optimizer);
    o->l2 = l2;
    o->clip = clip;
    o->warmup = warmup;
    if (a->have_lr) o->lr = a->lr;
    if (a->have_schedule) o->schedule = (sm_schedule_kind)a->schedule;
    if (a->have_momentum) o->momentum = a->momentum;
    if (a->have_beta1) o->beta1 = a->beta1;
    if (a->have_beta2) o->beta2 = a->beta2;
    if (a->have_eps) o->eps = a->eps;
}

/* The options of the multi-class objectives, and those that do not apply
 * to them (or only to them). */
static int check_class_args(const train_args *a)
{
    int multiclass = objective_is_multiclass(a->job.cfg.objective.kind);
    int class_metric = a->job.cfg.keep_best && rank_metric_is_class(&a->job.cfg.metric);
    /* (rmse and mae too: a multi-class model has K scores a row) */
    int other_metric = a->job.cfg.keep_best && !class_metric &&
                       a->job.cfg.metric.kind != METRIC_OBJECTIVE;
    char class_kinds[OBJECTIVE_KINDS_TEXT];
    objective_kinds_of_unit(UNIT_CLASS_ROW, class_kinds, sizeof class_kinds);
    if (!multiclass && (a->files.targets || a->files.valid_targets))
        return cli_usage_error("train", "--targets and --valid-targets apply to %s only",
                               class_kinds);
    if (a->job.class_weights &&
        (objective_is_ranking(a->job.cfg.objective.kind) || a->files.targets))
        return cli_usage_error("train", "--class-weights weighs rows by their class label: "
                               "not with a ranking objective or --targets");
    sm_class_weights cw;
    sm_error err;
    if (a->job.class_weights && class_weights_parse(a->job.class_weights, &cw, &err) != SM_OK)
        return cli_usage_error("train", "%s", err.msg);
    if (a->job.class_weights)
        class_weights_free(&cw);
    if (!multiclass && class_metric)
        return cli_usage_error("train", "--metric accuracy and top1-agreement apply to %s only",
                               class_kinds);
    if (!multiclass)
        return SM_OK;
    if (other_metric)
        return cli_usage_error("train", "--metric: the multi-class objectives stop early on "
                               "accuracy, top1-agreement or objective");
    if (a->files.valid_targets && !a->files.targets)
        return cli_usage_error("train", "--valid-targets goes with --targets");
    if (a->files.targets && a->files.valid && !a->files.valid_targets)
        return cli_usage_error("train", "with --targets, the --valid data needs its own "
                               "targets (--valid-targets)");
    if (a->job.label_transform != LABEL_NONE)
        return cli_usage_error("train", "--label-transform does not apply to class labels");
    return SM_OK;
}

/* --solver auto made lbfgs or sgd (the rule in --help), and the options
 * that belong to the other one refused. */
static int choose_solver(train_args *a)
{
    int sgd_only = !scorer_kind_full_batch(a->job.cfg.scorer.kind);
    if (a->solver == SOLVER_AUTO)
        a->solver = sgd_only || a->sgd_option[0] ? SOLVER_SGD : SOLVER_LBFGS;
    a->job.cfg.solver = (sm_solver_kind)a->solver;
    if (a->solver == SOLVER_LBFGS && sgd_only)
        return cli_usage_error("train", "--solver lbfgs trains linear scorers; an MLP trains "
                               "by SGD (--solver sgd)");
    if (a->solver == SOLVER_LBFGS && a->sgd_option[0])
        return cli_usage_error("train", "%s is an option of --solver sgd, not lbfgs",
                               a->sgd_option);
    if (a->solver == SOLVER_SGD && (a->have_tol || a->have_max_iter))
        return cli_usage_error("train", "--tol and --max-iter are options of --solver lbfgs, "
                               "not sgd%s%s%s", a->sgd_option[0] ? " (chosen by " : "",
                               a->sgd_option, a->sgd_option[0] ? ")" : "");
    return SM_OK;
}

/* The long name of an option of SGD alone, or NULL for another option. */
static const char *sgd_option_name(int c)
{
    for (size_t i = 0; i < sizeof sgd_options / sizeof sgd_options[0]; i++)
        for (const struct option *o = train_options; o->name && c == sgd_options[i]; o++)
            if (o->val == c)
                return o->name;
    return NULL;
}

/* What single options cannot check: the options together. */
static int check_train_args(train_args *a)
{
    if (!a->files.data || (!a->model && !a->folds))
        return cli_usage_error("train", "both --data and --model are required (or --folds)");
    if (!a->model && (a->predictions || a->job.cfg.checkpoint_every))
        return cli_usage_error("train", "--predictions and --save-every need --model");
    if (a->folds && (a->job.cfg.keep_best || a->files.valid))
        return cli_usage_error("train", "--folds validates on the folds: no --valid, --metric "
                               "or --patience");
    if (a->job.have_activation && !scorer_kind_is_layered(a->job.cfg.scorer.kind))
        return cli_usage_error("train", "--activation applies to --scorer mlp:H1[,H2[,H3]] only");
    int rc = choose_solver(a);
    if (rc != SM_OK)
        return rc;
    apply_optimizer(a);
    sm_error err;
    if ((a->loss || !a->job.init_name) &&
        link_parse(a->loss ? a->loss : "lin", &a->job.cfg.objective.link, &err) != SM_OK)
        return cli_usage_error("train", "--loss: %s", err.msg);
    if (a->job.emphasize_text && a->job.have_loss)
        return cli_usage_error("train", "--emphasize compiles the loss: give it or --loss, "
                               "not both");
    if (a->job.emphasize_text && emphasis_parse(a->job.emphasize_text, &a->job.emphasis, &err) != SM_OK)
        return cli_usage_error("train", "--emphasize: %s", err.msg);
    if (train_job_check_objective(&a->job, &err) != SM_OK)
        return cli_usage_error("train", "%s", err.msg);
    rc = check_class_args(a);
    if (rc != SM_OK)
        return rc;
    if (a->job.cfg.keep_best && !a->files.valid)
        return cli_usage_error("train", "--metric and --patience need validation data (--valid)");
    if (a->job.cfg.checkpoint_every && a->model && strcmp(a->model, "-") == 0)
        return cli_usage_error("train", "--save-every needs a model file, not standard output");
    if (a->files.valid_group && !a->files.valid)
        return cli_usage_error("train", "--valid-group needs --valid");
    if (a->files.valid_weights && !a->files.valid)
        return cli_usage_error("train", "--valid-weights needs --valid");
    return SM_OK;
}

int cli_train_fail(sm_status st, const sm_error *err)
{
    return st == SM_EUSAGE ? cli_usage_error("train", "%s", err->msg) : cli_fail(err);
}

/* --init: the model to continue (train_job_warm_start). */
static int take_init_model(train_args *a)
{
    sm_error err;
    sm_status st = model_load(a->job.init_name, &a->job.init, &err);
    if (st != SM_OK)
        return cli_fail(&err);
    st = train_job_warm_start(&a->job, &err);
    return st == SM_OK ? SM_OK : cli_train_fail(st, &err);
}

/* --resume: the state its checkpoint saved (the engine checks it against
 * this run's options and data: train.h). */
static int take_resume_state(train_args *a)
{
    sm_model checkpoint;
    sm_error err;
    if (a->folds)
        return cli_usage_error("train", "--resume continues a training run: not with --folds");
    if (model_load_checkpoint(a->resume, &checkpoint, &a->resume_state, &err) != SM_OK)
        return cli_fail(&err);
    model_free(&checkpoint);
    a->job.cfg.resume = &a->resume_state;
    return SM_OK;
}

int cli_train_parse(int argc, char **argv, train_args *a)
{
    int c, rc = SM_OK;
    memset(a, 0, sizeof *a);
    a->data_opt.command = "train"; /* unlabeled rows: "train needs a label on every row" */
    train_job_init(&a->job);
    a->format = REPORT_TEXT;
    a->optimizer = -1;
    optind = 1;
    const char *shorts = "d:m:i:p:l:b:v:qh";
    while (rc == SM_OK && (c = getopt_long(argc, argv, shorts, train_options, NULL)) != -1) {
        cli_train_mark_given(a, c);
        switch (c) {
        case 'd': a->files.data = optarg; break;
        case 'm': a->model = optarg; break;
        case 'i': a->job.init_name = optarg; break;
        case ARG_RESUME: a->resume = optarg; break;
        case 'p': a->predictions = optarg; break;
        case 'q': a->quiet = 1; break;
        case 'h': print_train_help(); return -1;
        case ARG_VALID: a->files.valid = optarg; break;
        case ARG_CACHE: a->data_opt.cache = optarg; break;
        case ARG_MEMORY: rc = cli_parse_memory("train", optarg, &a->data_opt); break;
        case ARG_REGIONS: a->job.regions_text = optarg; break;
        case ARG_LOSS: a->loss = optarg; a->job.have_loss = 1; break;
        case ARG_EMPHASIZE: a->job.emphasize_text = optarg; break;
        case ARG_GROUP: a->files.group = optarg; break;
        case ARG_VALID_GROUP: a->files.valid_group = optarg; break;
        case ARG_WEIGHTS: a->files.weights = optarg; break;
        case ARG_VALID_WEIGHTS: a->files.valid_weights = optarg; break;
        case ARG_CLASS_WEIGHTS: a->job.class_weights = optarg; break;
        case ARG_TARGETS: a->files.targets = optarg; break;
        case ARG_VALID_TARGETS: a->files.valid_targets = optarg; break;
        case '?': case ':': return cli_bad_option("train", argc, argv, shorts, train_options);
        default:
            if (!a->sgd_option[0] && sgd_option_name(c))
                snprintf(a->sgd_option, sizeof a->sgd_option, "--%s", sgd_option_name(c));
            rc = parse_value_option(c, optarg, a);
            break;
        }
    }
    if (rc != SM_OK)
        return rc;
    if (optind < argc)
        return cli_usage_error("train", "unexpected argument '%s'", argv[optind]);
    if (a->job.init_name && (rc = take_init_model(a)) != SM_OK)
        return rc;
    if ((rc = check_train_args(a)) != SM_OK || !a->resume)
        return rc;
    return take_resume_state(a);
}
