/* cmd_train.c - `smloss train`: options, data, training progress, model file. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_classes.h"
#include "cli_data.h"
#include "cli_msg.h"
#include "cli_opts.h"
#include "cli_output.h"
#include "commands.h"
#include "cv.h"
#include "emphasize.h"
#include "dist.h"
#include "featmap.h"
#include "link.h"
#include "metrics.h"
#include "model.h"
#include "numfmt.h"
#include "train.h"
#include "version.h"

/* {KEY}: a choice list printed from its table (cli_print_help). */
static const char train_usage[] =
    "Usage: smloss train -d DATA -m MODEL [options]\n"
    "       smloss train -d DATA --folds K [-m MODEL] [options]\n"
    "Train a linear or MLP scorer with a selective matching loss by SGD.\n"
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
    "  -i, --init MODEL         continue training MODEL (a warm start): same scorer,\n"
    "                           outputs, classes and features (hash bits); its\n"
    "                           objective, loss, regions and label transform unless\n"
    "                           given; the optimiser starts afresh\n"
    "      --save-every N       also write the model every N epochs (replaced\n"
    "                           atomically), so an interrupted run keeps its last\n"
    "                           checkpoint; with early stopping the best epoch so far\n"
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
    "                           pointwise: mean over rows of L(s, y);\n"
    "                           pairwise: per query, mean over pairs y_i > y_j of\n"
    "                           KL(Bern(q)||Bern(sigma((f(s_i)-f(s_j))/T)));\n"
    "                           listwise: per query, KL(q||softmax(f(s)/T));\n"
    "                           ranking objectives are means over the queries that\n"
    "                           have a pair (pairwise) or >= 2 rows and a target\n"
    "                           (listwise); f is the --loss link;\n"
    "                           multiclass: per row, KL(q||softmax(f(s)/T)) over its\n"
    "                           K class scores; multiclass-pointwise: per row, the sum\n"
    "                           over classes of L(s_k, t_k); both learn the class\n"
    "                           labels (integers, one-hot targets) or --targets\n"
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
    "                           evenly spaced pairs); 0 = every pair (0)\n"
    "      --scorer NAME        linear (default) or mlp:H1[,H2[,H3]]: a perceptron with\n"
    "                           1-3 hidden layers of the given widths, one output (K\n"
    "                           for the multi-class objectives)\n"
    "      --activation NAME    mlp hidden units: {activation} (relu)\n"
    "Optimisation:\n"
    "      --epochs N           passes over the data (20)\n"
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
    "      --patience N         stop after N epochs without improvement (0: never)\n"
    "                           --metric or --patience turns early stopping on; the\n"
    "                           metric defaults to objective; the model records\n"
    "                           best_epoch and best_score\n"
    "Several machines (a build with MPI, under mpirun -np N):\n"
    "      --sync-every K       local SGD: each rank steps on its part of each batch and\n"
    "                           the ranks average their parameters every K steps (and\n"
    "                           at the end of each epoch); 0 (the default): the ranks'\n"
    "                           gradients are summed at every step, as one process\n"
    "  -q, --quiet              no progress, epoch table or notes on stderr\n"
    "  -h, --help               this help\n";

/* The targets after "default", which is not an option value. */
#define TARGET_NAMES (objective_target_names + 1)

static const cli_choices train_choices[] = {
    {"label_transform", label_transform_names},
    {"objective", objective_kind_names},
    {"target", TARGET_NAMES},
    {"activation", activation_names},
    {"optimizer", optim_kind_names},
    {"lr_schedule", optim_schedule_names},
    {"scale", feature_scaling_names},
    {"duplicates", reader_duplicates_names},
    {"metric", rank_metric_names},
    {NULL, NULL},
};

enum {
    ARG_VALID = 256, ARG_LABEL_TRANSFORM, ARG_REGIONS, ARG_LOSS, ARG_OBJECTIVE,
    ARG_SCORER, ARG_EPOCHS, ARG_BATCH, ARG_OPTIMIZER, ARG_LR_SCHEDULE, ARG_WARMUP,
    ARG_MOMENTUM, ARG_BETA1, ARG_BETA2, ARG_EPS, ARG_L2, ARG_CLIP, ARG_SCALE, ARG_SEED,
    ARG_GROUP, ARG_VALID_GROUP, ARG_TEMPERATURE, ARG_TARGET, ARG_MAX_PAIRS, ARG_METRIC,
    ARG_PATIENCE, ARG_ACTIVATION, ARG_THREADS, ARG_CACHE, ARG_TARGETS, ARG_VALID_TARGETS,
    ARG_SAVE_EVERY, ARG_EMPHASIZE, ARG_WEIGHTS, ARG_VALID_WEIGHTS, ARG_SYNC_EVERY,
    ARG_DUPLICATES, ARG_CLASS_WEIGHTS
};

/* The most folds --folds takes: each fold trains a model. */
#define TRAIN_MAX_FOLDS 1000

static const struct option train_options[] = {
    {"data", required_argument, NULL, 'd'},
    {"model", required_argument, NULL, 'm'},
    {"init", required_argument, NULL, 'i'},
    {"save-every", required_argument, NULL, ARG_SAVE_EVERY},
    {"folds", required_argument, NULL, 'v'},
    {"valid", required_argument, NULL, ARG_VALID},
    {"predictions", required_argument, NULL, 'p'},
    {"label-transform", required_argument, NULL, ARG_LABEL_TRANSFORM},
    {"regions", required_argument, NULL, ARG_REGIONS},
    {"loss", required_argument, NULL, ARG_LOSS},
    {"emphasize", required_argument, NULL, ARG_EMPHASIZE},
    {"objective", required_argument, NULL, ARG_OBJECTIVE},
    {"scorer", required_argument, NULL, ARG_SCORER},
    {"activation", required_argument, NULL, ARG_ACTIVATION},
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
    {"duplicates", required_argument, NULL, ARG_DUPLICATES},
    {"class-weights", required_argument, NULL, ARG_CLASS_WEIGHTS},
    {"sync-every", required_argument, NULL, ARG_SYNC_EVERY},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

const cli_command_spec train_spec = {
    .name = "train", .options = train_options, .usage = train_usage, .choices = train_choices};

typedef struct train_args {
    const char *data, *model, *valid, *predictions, *regions_text, *loss;
    const char *emphasize_text; /* --emphasize, compiled into the loss once the labels are read */
    sm_emphasis emphasis;
    const char *group, *valid_group;
    const char *weights, *valid_weights; /* row weight files (cli_load_weights) */
    const char *class_weights;           /* --class-weights, applied once the rows are read */
    const char *targets, *valid_targets; /* multi-class target files */
    const char *targets_given;           /* --targets as given (%r not expanded) */
    const char *weights_given;           /* --weights as given (%r not expanded) */
    int label_transform, quiet;
    int hash_bits; /* 0: no hashing */
    const char *init_path; /* --init: the model to continue */
    int folds;             /* --folds: 0, or K >= 2 */
    sm_model init;         /* its model (empty without) */
    /* Options given explicitly, which --init checks against the model or
     * takes from it when they are not given. */
    int have_label_transform, have_hash_bits, have_scorer, have_objective, have_temperature,
        have_target;
    cli_data_options data_opt; /* --threads, --cache (for --data) */
    sm_train_config cfg;
    /* Options given explicitly, applied over the chosen optimiser's defaults. */
    int optimizer; /* -1: by the scorer */
    double lr, momentum, beta1, beta2, eps;
    int have_loss;
    int have_lr, have_schedule, have_momentum, have_beta1, have_beta2, have_eps, have_activation;
    int schedule;
    sm_target_kind file_target; /* multi-class: how --targets files read (for the model) */
    /* under mpirun: the share of --valid this rank reads (reader_read_share) */
    int valid_share, valid_shares, valid_share_by_query;
    const char *valid_share_groups; /* the group file the share is cut by (cli_data.h) */
    int valid_share_groups_beside;
} train_args;

typedef struct {
    cli_progress progress;
    int quiet;
    int header_done;
    char metric[32];  /* early stopping's metric, "" without */
    /* what a checkpoint (--save-every) adds to the trained scorer */
    const struct train_args *args;
    const sm_model *model;       /* regions and classes */
    const sm_featmap *features;
    const sm_dataset *train;
    int64_t steps;    /* optimiser steps so far */
    uint64_t step_bytes;
} train_view;

static void show_epoch(void *ctx, const sm_epoch_info *e)
{
    train_view *v = ctx;
    cli_progress_done(&v->progress);
    v->steps = e->steps;
    v->step_bytes = e->step_bytes;
    if (v->quiet)
        return;
    if (!v->header_done) {
        fprintf(stderr, "%6s  %14s  %14s  %9s", "epoch", "train_obj", "valid_obj", "seconds");
        if (v->metric[0])
            fprintf(stderr, "  %14s  best", v->metric);
        fputc('\n', stderr);
        v->header_done = 1;
    }
    char valid[32] = "-";
    if (!isnan(e->valid_objective))
        snprintf(valid, sizeof valid, "%.8g", e->valid_objective);
    fprintf(stderr, "%6d  %14.8g  %14s  %9.2f", e->epoch, e->train_objective, valid, e->seconds);
    if (v->metric[0])
        fprintf(stderr, "  %14.8g  %4d", e->valid_metric, e->best_epoch);
    fputc('\n', stderr);
}

/* A warning (a back-off), shown even with --quiet: the model differs from
 * what the options alone would give. */
static void show_note(void *ctx, const char *note)
{
    train_view *v = ctx;
    cli_progress_done(&v->progress);
    cli_msg("warning: %s", note);
}

static void show_progress(void *ctx, int epoch, double fraction)
{
    train_view *v = ctx;
    char what[32];
    snprintf(what, sizeof what, "training, epoch %d", epoch);
    cli_progress_show(&v->progress, what, epoch - 1 + fraction, v->args ? v->args->cfg.epochs : 0,
                      "epochs");
}

/* An option of the optimiser. */
static int parse_optim_option(int c, const char *arg, train_args *a)
{
    sm_optim_config *o = &a->cfg.optim;
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
    case ARG_CLIP: return cli_parse_double("train", "--clip", arg, 0, 1e300, &o->clip);
    }
    return cli_usage_error("train", "unknown or incomplete option");
}

/* An option of the objective, the scorer or early stopping. */
static int parse_model_option(int c, const char *arg, train_args *a)
{
    sm_objective *obj = &a->cfg.objective;
    sm_error err;
    int rc, choice;
    switch (c) {
    case ARG_SCORER:
        a->have_scorer = 1;
        if (scorer_config_parse(arg, &a->cfg.scorer, &err) != SM_OK)
            return cli_usage_error("train", "--scorer: %s", err.msg);
        return SM_OK;
    case ARG_ACTIVATION:
        a->have_activation = 1;
        rc = cli_parse_choice("train", "--activation", arg, activation_names, &choice);
        a->cfg.scorer.mlp.act = rc == SM_OK ? (sm_activation)choice : a->cfg.scorer.mlp.act;
        return rc;
    case ARG_OBJECTIVE:
        a->have_objective = 1;
        rc = cli_parse_choice("train", "--objective", arg, objective_kind_names, &choice);
        obj->kind = rc == SM_OK ? (sm_objective_kind)choice : obj->kind;
        return rc;
    case ARG_TEMPERATURE:
        a->have_temperature = 1;
        return cli_parse_double("train", "--temperature", arg, 1e-300, 1e300, &obj->temperature);
    case ARG_TARGET:
        a->have_target = 1;
        rc = cli_parse_choice("train", "--target", arg, TARGET_NAMES, &choice);
        obj->target = rc == SM_OK ? (sm_target_kind)(choice + 1) : obj->target;
        return rc;
    case ARG_MAX_PAIRS:
        return cli_parse_int64("train", "--max-pairs", arg, 0, INT64_MAX / 2, &obj->max_pairs);
    case ARG_METRIC:
        if (rank_metric_parse(arg, &a->cfg.metric, &err) != SM_OK)
            return cli_usage_error("train", "--metric: %s", err.msg);
        a->cfg.keep_best = 1;
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
    case ARG_LABEL_TRANSFORM:
        a->have_label_transform = 1;
        return cli_parse_choice("train", "--label-transform", arg, label_transform_names,
                                &a->label_transform);
    case ARG_EPOCHS:
        if ((rc = cli_parse_int64("train", "--epochs", arg, 1, 1000000, &n)) == SM_OK)
            a->cfg.epochs = (int)n;
        return rc;
    case ARG_BATCH: return cli_parse_int64("train", "--batch", arg, 1, 1 << 24, &a->cfg.batch);
    case ARG_SCALE:
        rc = cli_parse_choice("train", "--scale", arg, feature_scaling_names, &choice);
        a->cfg.scaling = rc == SM_OK ? (sm_feature_scaling)choice : a->cfg.scaling;
        return rc;
    case ARG_SEED:
        if ((rc = cli_parse_int64("train", "--seed", arg, 0, INT64_MAX, &n)) == SM_OK)
            a->cfg.seed = (uint64_t)n;
        return rc;
    case 'b':
        a->have_hash_bits = 1;
        if ((rc = cli_parse_int64("train", "--hash-bits", arg, 1, FEATMAP_MAX_HASH_BITS, &n)) ==
            SM_OK)
            a->hash_bits = (int)n;
        return rc;
    case 'v':
        if ((rc = cli_parse_int64("train", "--folds", arg, 2, TRAIN_MAX_FOLDS, &n)) == SM_OK)
            a->folds = (int)n;
        return rc;
    case ARG_SAVE_EVERY:
        if ((rc = cli_parse_int64("train", "--save-every", arg, 1, 1000000, &n)) == SM_OK)
            a->cfg.checkpoint_every = (int)n;
        return rc;
    case ARG_SYNC_EVERY:
        if ((rc = cli_parse_int64("train", "--sync-every", arg, 0, 1 << 30, &n)) == SM_OK)
            a->cfg.sync_every = (int)n;
        return rc;
    case ARG_PATIENCE:
        if ((rc = cli_parse_int64("train", "--patience", arg, 1, 1000000, &n)) == SM_OK)
            a->cfg.patience = (int)n;
        a->cfg.keep_best = 1;
        return rc;
    }
    return parse_model_option(c, arg, a);
}

/* The optimiser's defaults first, then what the user set. */
static void apply_optimizer(train_args *a)
{
    /* Plain SGD with the relative rate suits the convex linear problems; an
     * MLP's curvature changes as it trains, where Adam's per-weight scaling
     * keeps steep links (exp, sinh) from diverging. */
    if (a->optimizer < 0)
        a->optimizer = a->cfg.scorer.kind == SCORER_MLP ? OPT_ADAM : OPT_SGD;
    sm_optim_config *o = &a->cfg.optim;
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
    int multiclass = objective_is_multiclass(a->cfg.objective.kind);
    int class_metric = a->cfg.keep_best && rank_metric_is_class(&a->cfg.metric);
    int rank_metric = a->cfg.keep_best && !class_metric && a->cfg.metric.kind != METRIC_OBJECTIVE;
    if (!multiclass && (a->targets || a->valid_targets))
        return cli_usage_error("train", "--targets and --valid-targets apply to the multiclass "
                               "and multiclass-pointwise objectives only");
    if (a->class_weights && (objective_is_ranking(a->cfg.objective.kind) || a->targets))
        return cli_usage_error("train", "--class-weights weighs rows by their class label: "
                               "not with a ranking objective or --targets");
    sm_class_weights cw;
    sm_error err;
    if (a->class_weights && class_weights_parse(a->class_weights, &cw, &err) != SM_OK)
        return cli_usage_error("train", "%s", err.msg);
    if (a->class_weights)
        class_weights_free(&cw);
    if (!multiclass && class_metric)
        return cli_usage_error("train", "--metric accuracy and top1-agreement apply to the "
                               "multiclass and multiclass-pointwise objectives only");
    if (!multiclass)
        return SM_OK;
    if (rank_metric)
        return cli_usage_error("train", "--metric: the multi-class objectives stop early on "
                               "accuracy, top1-agreement or objective");
    if (a->valid_targets && !a->targets)
        return cli_usage_error("train", "--valid-targets goes with --targets");
    if (a->targets && a->valid && !a->valid_targets)
        return cli_usage_error("train", "with --targets, the --valid data needs its own "
                               "targets (--valid-targets)");
    if (a->label_transform != LABEL_NONE)
        return cli_usage_error("train", "--label-transform does not apply to class labels");
    return SM_OK;
}

/* What single options cannot check: the options together. */
static int check_train_args(train_args *a)
{
    if (!a->data || (!a->model && !a->folds))
        return cli_usage_error("train", "both --data and --model are required (or --folds)");
    if (!a->model && (a->predictions || a->cfg.checkpoint_every))
        return cli_usage_error("train", "--predictions and --save-every need --model");
    if (a->folds && (a->cfg.keep_best || a->valid))
        return cli_usage_error("train", "--folds validates on the folds: no --valid, --metric "
                               "or --patience");
    if (a->have_activation && a->cfg.scorer.kind != SCORER_MLP)
        return cli_usage_error("train", "--activation applies to --scorer mlp:H1[,H2[,H3]] only");
    apply_optimizer(a);
    sm_error err;
    if ((a->loss || !a->init_path) &&
        link_parse(a->loss ? a->loss : "lin", &a->cfg.objective.link, &err) != SM_OK)
        return cli_usage_error("train", "--loss: %s", err.msg);
    if (a->emphasize_text && a->have_loss)
        return cli_usage_error("train", "--emphasize compiles the loss: give it or --loss, "
                               "not both");
    if (a->emphasize_text && emphasis_parse(a->emphasize_text, &a->emphasis, &err) != SM_OK)
        return cli_usage_error("train", "--emphasize: %s", err.msg);
    sm_objective *obj = &a->cfg.objective;
    if (objective_is_multiclass(obj->kind))
        obj->n_out = 2; /* K comes with the data: check the rest for now */
    if (objective_check(obj, &err) != SM_OK)
        return cli_usage_error("train", "%s", err.msg);
    int rc = check_class_args(a);
    if (rc != SM_OK)
        return rc;
    if (a->cfg.keep_best && !a->valid)
        return cli_usage_error("train", "--metric and --patience need validation data (--valid)");
    if (a->cfg.checkpoint_every && a->model && strcmp(a->model, "-") == 0)
        return cli_usage_error("train", "--save-every needs a model file, not standard output");
    if (a->valid_group && !a->valid)
        return cli_usage_error("train", "--valid-group needs --valid");
    if (a->valid_weights && !a->valid)
        return cli_usage_error("train", "--valid-weights needs --valid");
    return SM_OK;
}

/* The scorer as --scorer spells it, with an MLP's activation. */
static void format_scorer(const sm_scorer_config *c, char *out, size_t size)
{
    int n = snprintf(out, size, "%s", scorer_kind_name(c->kind));
    for (int l = 1; c->kind == SCORER_MLP && l <= c->mlp.n_hidden && n > 0 && (size_t)n < size;
         l++)
        n += snprintf(out + n, size - (size_t)n, "%c%ld", l == 1 ? ':' : ',',
                      (long)c->mlp.width[l]);
    if (c->kind == SCORER_MLP && n > 0 && (size_t)n < size)
        snprintf(out + n, size - (size_t)n, " --activation %s", activation_names[c->mlp.act]);
}

static int same_scorer_shape(const sm_scorer_config *x, const sm_scorer_config *y)
{
    if (x->kind != y->kind || x->mlp.n_hidden != y->mlp.n_hidden)
        return 0;
    for (int l = 1; x->kind == SCORER_MLP && l <= x->mlp.n_hidden; l++)
        if (x->mlp.width[l] != y->mlp.width[l])
            return 0;
    return x->kind != SCORER_MLP || x->mlp.act == y->mlp.act;
}

/* --init: read the model, check what the options say of its shape against
 * it, and take from it what they leave unsaid (the scorer, hash bits, label
 * transform and objective; the regions when the data is read). A model is
 * continued on its own inputs, so what makes its parameters mean something
 * must match; the loss and objective may change (fine-tuning with another
 * loss), as long as the number of outputs stays. */
static int take_init_model(train_args *a)
{
    sm_error err;
    sm_model *m = &a->init;
    if (model_load(a->init_path, m, &err) != SM_OK)
        return cli_fail(&err);
    char want[96], have[96];
    if (a->have_scorer || a->have_activation) {
        sm_scorer_config c = a->cfg.scorer;
        if (!a->have_scorer) { /* --activation alone: the model's layers */
            c.kind = m->scorer.kind;
            c.mlp.n_hidden = m->scorer.mlp.n_hidden;
            memcpy(c.mlp.width, m->scorer.mlp.width, sizeof c.mlp.width);
        }
        if (!same_scorer_shape(&c, &m->scorer)) {
            format_scorer(&c, want, sizeof want);
            format_scorer(&m->scorer, have, sizeof have);
            return cli_usage_error("train", "--init %s: the model's scorer is %s, the options "
                                   "ask for %s", a->init_path, have, want);
        }
    }
    a->cfg.scorer = m->scorer;
    a->have_activation = 0; /* checked above */
    if (a->have_hash_bits && a->hash_bits != m->features.hash_bits && m->features.hash_bits)
        return cli_usage_error("train", "--init %s: the model hashes its features into %d bits, "
                               "not %d (--hash-bits)", a->init_path, m->features.hash_bits,
                               a->hash_bits);
    if (a->have_hash_bits && !m->features.hash_bits)
        return cli_usage_error("train", "--init %s: the model does not hash its features "
                               "(--hash-bits %d)", a->init_path, a->hash_bits);
    if (a->have_label_transform && a->label_transform != (int)m->label_transform)
        return cli_usage_error("train", "--init %s: the model learnt labels with "
                               "--label-transform %s, not %s", a->init_path,
                               label_transform_names[m->label_transform],
                               label_transform_names[a->label_transform]);
    a->label_transform = (int)m->label_transform;
    sm_objective obj;
    if (model_objective(m, &obj, &err) != SM_OK)
        return cli_fail(&err);
    sm_objective *o = &a->cfg.objective;
    if (!a->have_objective)
        o->kind = obj.kind;
    if (!a->loss)
        o->link = obj.link;
    if (!a->have_objective && !a->have_temperature)
        o->temperature = obj.temperature;
    if (!a->have_objective && !a->have_target)
        o->target = obj.target;
    if (objective_is_multiclass(o->kind) != (m->classes.n > 0) ||
        (!objective_is_multiclass(o->kind) && m->scorer.n_out != 1))
        return cli_usage_error("train", "--init %s: the model has %ld output%s%s; the %s "
                               "objective needs %s", a->init_path, (long)m->scorer.n_out,
                               m->scorer.n_out == 1 ? "" : "s",
                               m->classes.n ? " (one per class)" : "",
                               objective_kind_name(o->kind),
                               objective_is_multiclass(o->kind) ? "a multi-class model"
                                                                : "one output");
    return SM_OK;
}

/* SM_OK, -1 after --help, or the exit status of a usage error. */
static int parse_train_args(int argc, char **argv, train_args *a)
{
    int c, rc = SM_OK;
    memset(a, 0, sizeof *a);
    a->data_opt.command = "train"; /* unlabeled rows: "train needs a label on every row" */
    model_init(&a->init);
    train_config_default(&a->cfg);
    a->optimizer = -1;
    optind = 1;
    const char *shorts = "d:m:i:p:l:b:v:qh";
    while (rc == SM_OK && (c = getopt_long(argc, argv, shorts, train_options, NULL)) != -1) {
        switch (c) {
        case 'd': a->data = optarg; break;
        case 'm': a->model = optarg; break;
        case 'i': a->init_path = optarg; break;
        case 'p': a->predictions = optarg; break;
        case 'q': a->quiet = 1; break;
        case 'h': cli_print_help(stdout, train_usage, train_choices); return -1;
        case ARG_VALID: a->valid = optarg; break;
        case ARG_CACHE: a->data_opt.cache = optarg; break;
        case ARG_REGIONS: a->regions_text = optarg; break;
        case ARG_LOSS: a->loss = optarg; a->have_loss = 1; break;
        case ARG_EMPHASIZE: a->emphasize_text = optarg; break;
        case ARG_GROUP: a->group = optarg; break;
        case ARG_VALID_GROUP: a->valid_group = optarg; break;
        case ARG_WEIGHTS: a->weights = optarg; break;
        case ARG_VALID_WEIGHTS: a->valid_weights = optarg; break;
        case ARG_CLASS_WEIGHTS: a->class_weights = optarg; break;
        case ARG_TARGETS: a->targets = optarg; break;
        case ARG_VALID_TARGETS: a->valid_targets = optarg; break;
        case '?': case ':': return cli_usage_error("train", "unknown or incomplete option");
        default: rc = parse_value_option(c, optarg, a); break;
        }
    }
    if (rc != SM_OK)
        return rc;
    if (optind < argc)
        return cli_usage_error("train", "unexpected argument '%s'", argv[optind]);
    if (a->init_path && (rc = take_init_model(a)) != SM_OK)
        return rc;
    return check_train_args(a);
}

static void record_options(sm_model *m, const train_args *a, const sm_dataset *train)
{
    const sm_optim_config *o = &a->cfg.optim;
    model_set_info(m, "train_data", "%s", train->source);
    model_set_info(m, "train_rows", "%lld", (long long)train->n_rows);
    if (train->weight && train->weight_source[0])
        model_set_info(m, "train_weights", "%s", train->weight_source);
    if (a->class_weights)
        model_set_info(m, "class_weights", "%s", a->class_weights);
    model_set_info(m, "epochs", "%d", a->cfg.epochs);
    model_set_info(m, "batch", "%lld", (long long)(a->cfg.batch > 0 ? a->cfg.batch
                                                   : train_default_batch(a->cfg.objective.kind)));
    model_set_info(m, "optimizer", "%s", optim_kind_name(o->kind));
    /* The rate the model was trained with: halved by any back-off (train.h),
     * so that --lr with it gives the same model. */
    const char *halvings = model_get_info(m, "lr_halvings");
    model_set_info(m, "lr", "%.17g", halvings ? ldexp(o->lr, -atoi(halvings)) : o->lr);
    model_set_info(m, "lr_schedule", "%s", optim_schedule_name(o->schedule));
    model_set_info(m, "warmup", "%lld", (long long)o->warmup);
    if (o->kind == OPT_MOMENTUM)
        model_set_info(m, "momentum", "%.17g", o->momentum);
    if (o->kind == OPT_ADAM) {
        model_set_info(m, "beta1", "%.17g", o->beta1);
        model_set_info(m, "beta2", "%.17g", o->beta2);
    }
    if (o->kind == OPT_ADAM || o->kind == OPT_ADAGRAD)
        model_set_info(m, "eps", "%.17g", o->eps);
    model_set_info(m, "l2", "%.17g", o->l2);
    model_set_info(m, "clip", "%.17g", o->clip);
    model_set_info(m, "scale", "%s", feature_scaling_names[a->cfg.scaling]);
    model_set_info(m, "seed", "%llu", (unsigned long long)a->cfg.seed);
    if (a->emphasize_text) {
        char spec[EMPHASIS_SPEC_MAX];
        emphasis_format(&a->emphasis, spec, sizeof spec);
        model_set_info(m, "emphasize", "%s", spec);
    }
    if (objective_is_multiclass(a->cfg.objective.kind)) {
        char t[32];
        sm_format_double(t, sizeof t, a->cfg.objective.temperature);
        model_set_info(m, "temperature", "%s", t);
        if (a->cfg.objective.kind == OBJ_MULTICLASS)
            model_set_info(m, "target", "%s", objective_target_name(a->file_target));
        model_set_info(m, "train_targets", "%s", a->targets ? a->targets : "class labels");
    }
    if (objective_is_ranking(a->cfg.objective.kind)) {
        char t[32];
        sm_format_double(t, sizeof t, a->cfg.objective.temperature);
        model_set_info(m, "temperature", "%s", t);
        model_set_info(m, "target", "%s", objective_target_name(a->cfg.objective.target));
        model_set_info(m, "max_pairs", "%lld", (long long)a->cfg.objective.max_pairs);
        model_set_info(m, "train_queries", "%lld", (long long)train->n_groups);
    }
}

/* Before anything is read: no output may overwrite an input (or another
 * output; --init is no such input: its model is read already, so -i M -m M
 * continues M in place), and the outputs are opened (their temporary files
 * made), so a mistyped directory fails now rather than after training.
 * out[0] is the model, out[1] the predictions (when asked for); only the
 * writer (rank 0 of several) opens them. */
static int open_train_outputs(const train_args *a, int writer, cli_output out[2])
{
    const cli_file inputs[] = {
        {"--data", a->data}, {"--valid", a->valid}, {"--group", cli_group_file(a->group)},
        {"--valid-group", cli_group_file(a->valid_group)},
        {"--weights", cli_weights_file(a->weights)},
        {"--valid-weights", cli_weights_file(a->valid_weights)},
    };
    const cli_file outputs[] = {
        {"--model", a->model}, {"--predictions", a->predictions}, {"--cache", a->data_opt.cache},
    };
    memset(out, 0, 2 * sizeof *out);
    int rc = cli_check_files("train", inputs, sizeof inputs / sizeof inputs[0], outputs,
                             sizeof outputs / sizeof outputs[0]);
    if (rc == SM_OK && writer && a->model && (rc = cli_output_open(&out[0], a->model)) == SM_OK &&
        a->predictions &&
        (rc = cli_output_open(&out[1], a->predictions)) != SM_OK)
        cli_output_abort(&out[0]);
    return rc;
}

/* What every rank passes here: the status of the lowest rank that failed,
 * else SM_OK. Several ranks keep their messages until here (cli_msg_hold):
 * after a failure the lowest failing rank prints its own and the others
 * drop theirs, so what every rank found is said once; else each prints
 * its own (rank 0's notes; the other ranks are quiet but for warnings). */
static int ranks_agree(sm_dist *d, int rc)
{
    int first;
    sm_error err;
    sm_error_clear(&err); /* (the message was printed: only the status travels) */
    rc = (int)dist_agree_first(d, (sm_status)rc, &first, &err);
    cli_msg_flush(first < 0 || dist_rank(d) == first);
    return rc;
}

/* Several ranks sharing one file: the rows before this rank's share (the
 * earlier ranks' rows) and the file's. Every rank calls it. */
static int share_rows(sm_dist *dist, int64_t n, int64_t *first, int64_t *all)
{
    int64_t *rows = malloc((size_t)dist_size(dist) * sizeof *rows);
    sm_error err;
    sm_status st = rows ? dist_allgather_i64(dist, n, rows, &err)
                        : sm_fail(&err, SM_EFAIL, "out of memory");
    *first = *all = 0;
    for (int r = 0; st == SM_OK && r < dist_size(dist); r++) {
        *first += r < dist_rank(dist) ? rows[r] : 0;
        *all += rows[r];
    }
    free(rows);
    return st == SM_OK ? SM_OK : cli_fail(&err);
}

/* The training data, with its weights (those of a share come later:
 * load_share_weights). A group file beside the data is read only where
 * groups are used: for the ranking objectives. */
static int load_train_data(const train_args *a, sm_dataset *train)
{
    /* --init continues a model's classes: its outputs, whatever classes the
     * rows here have (checked as the validation data's are) */
    const sm_classes *known = a->init.classes.n ? &a->init.classes : NULL;
    int labels_are_classes = objective_is_multiclass(a->cfg.objective.kind) && !a->targets;
    int ranking = objective_is_ranking(a->cfg.objective.kind);
    cli_data_options train_opt = a->data_opt;
    if (labels_are_classes)
        train_opt.check_label = known ? classes_check_known : classes_check_integer;
    train_opt.check_label_ctx = (void *)known;
    train_opt.weighted = 1; /* (the cache keeps the weights) */
    train_opt.weights = a->weights;
    int rc = cli_load_grouped_data(a->data, a->group, ranking ? CLI_BESIDE_READ : CLI_BESIDE_IGNORE,
                                   a->quiet, &train_opt, train);
    if (rc != SM_OK)
        return rc;
    if (a->data_opt.shares > 1) {
        /* messages of training (a diverging row) count the rows of the share */
        char share[sizeof train->source];
        if (snprintf(share, sizeof share, "rank %d's share of %s", a->data_opt.share,
                     train->source) > 0) /* (a long path is cut, as the source always is) */
            memcpy(train->source, share, sizeof share);
    }
    if (train->n_rows == 0 && a->data_opt.shares <= 1) { /* a share may be empty */
        cli_msg("%s: no data rows", train->source);
        return SM_EDATA;
    }
    /* (a share's weights are a slice of the file's: load_share_weights) */
    if (a->data_opt.shares <= 1)
        return cli_load_weights(a->data, a->weights, ranking, a->quiet, 0, train->n_rows, train);
    return SM_OK;
}

/* --class-weights on the training rows (a rank's share of them), after
 * their row weights. */
static int apply_class_weights(const train_args *a, sm_dataset *train)
{
    sm_class_weights cw;
    sm_error err;
    if (!a->class_weights)
        return SM_OK;
    sm_status st = class_weights_parse(a->class_weights, &cw, &err);
    if (st == SM_OK)
        st = class_weights_apply(&cw, train, &err);
    class_weights_free(&cw);
    return st == SM_OK ? SM_OK : cli_fail(&err);
}

/* The multi-class objectives: the classes and targets of the training data
 * (cli_classes.h), the --init model's classes if continued. Under several
 * ranks every rank calls it; a share's targets are its rows of the targets
 * file, and the classes are those of every rank's rows. */
static int load_train_classes(const train_args *a, sm_dist *dist, const char *pattern,
                              sm_dataset *train, sm_classes *classes)
{
    const sm_classes *known = a->init.classes.n ? &a->init.classes : NULL;
    int prob = a->cfg.objective.kind == OBJ_MULTICLASS && a->cfg.objective.target == TARGET_PROB;
    cli_share share = {0, train->n_rows, dist_many(dist) ? pattern : train->source};
    int rc = a->data_opt.shares > 1 ? share_rows(dist, train->n_rows, &share.first_row,
                                                 &share.all_rows)
                                    : SM_OK;
    if (rc != SM_OK)
        return rc;
    if (!known)
        return cli_train_classes(dist, &share, a->targets, prob, a->quiet, train, classes);
    sm_error err;
    if (classes_copy(classes, known, &err) != SM_OK)
        return cli_fail(&err);
    if (a->targets)
        return cli_read_targets(a->targets, classes->n, prob, &share, train);
    return classes_one_hot(classes, train, &err) == SM_OK ? SM_OK : cli_fail(&err);
}

/* The validation data with its own groups but the training data's threads,
 * both data sets' labels transformed; for the multi-class objectives with
 * its targets (a share's rows of --valid-targets) and its class labels
 * checked against the classes of the training data as they are read. A
 * group file beside it is read for the ranking objectives and a ranking
 * metric of early stopping. Under several ranks every rank calls it. */
static int load_valid_data(const train_args *a, sm_dist *dist, sm_dataset *train,
                           sm_dataset *valid, const sm_classes *classes)
{
    int labels_are_classes = objective_is_multiclass(a->cfg.objective.kind) && !a->targets;
    int prob = a->cfg.objective.kind == OBJ_MULTICLASS && a->cfg.objective.target == TARGET_PROB;
    int ranking = objective_is_ranking(a->cfg.objective.kind);
    int rank_metric = a->cfg.keep_best && rank_metric_is_ranking(&a->cfg.metric);
    cli_data_options valid_opt = {.threads = a->data_opt.threads, .command = "train",
                                  .duplicates = a->data_opt.duplicates,
                                  .share = a->valid_share, .shares = a->valid_shares,
                                  .share_by_query = a->valid_share_by_query,
                                  .share_groups = a->valid_share_groups,
                                  .share_groups_beside = a->valid_share_groups_beside};
    if (labels_are_classes) {
        valid_opt.check_label = classes_check_known;
        valid_opt.check_label_ctx = (void *)classes;
    }
    int rc = SM_OK;
    if (a->valid)
        rc = cli_load_grouped_data(a->valid, a->valid_group,
                                   ranking || rank_metric ? CLI_BESIDE_READ : CLI_BESIDE_IGNORE,
                                   a->quiet, &valid_opt, valid);
    cli_share share = {0, valid->n_rows, a->valid_shares > 1 ? a->valid : valid->source};
    /* a share's targets: its rows of the file, once every rank has its own */
    if (a->valid && a->targets && a->valid_shares > 1 &&
        (rc = ranks_agree(dist, rc)) == SM_OK)
        rc = share_rows(dist, valid->n_rows, &share.first_row, &share.all_rows);
    sm_error err;
    if (rc == SM_OK && a->valid && a->targets)
        rc = cli_read_targets(a->valid_targets, classes->n, prob, &share, valid);
    else if (rc == SM_OK && a->valid && labels_are_classes &&
             classes_one_hot(classes, valid, &err) != SM_OK)
        rc = cli_fail(&err);
    if (rc != SM_OK)
        return rc;
    if (a->valid && valid->n_rows == 0 && a->valid_shares <= 1) {
        cli_msg("%s: no data rows in the validation data (--valid)", valid->source);
        return SM_EDATA;
    }
    if (a->valid && a->valid_shares <= 1 &&
        (rc = cli_load_weights(a->valid, a->valid_weights, ranking || rank_metric, a->quiet, 0,
                               valid->n_rows, valid)) != SM_OK)
        return rc;
    sm_label_transform t = (sm_label_transform)a->label_transform;
    if (dataset_transform_labels(train, t, &err) != SM_OK ||
        (a->valid && dataset_transform_labels(valid, t, &err) != SM_OK))
        return cli_fail(&err);
    return SM_OK;
}

/* Several ranks sharing one file: each share's weights are the slice of the
 * weights file (DATA.weight, --weights) for its rows, which follow the rows
 * of the ranks before it. Every rank takes part in the gathers before any
 * reads a file, so a failure is agreed on after (ranks_agree). */
static int load_share_weights(const train_args *a, sm_dist *dist, sm_dataset *train,
                              sm_dataset *valid)
{
    int ranking = objective_is_ranking(a->cfg.objective.kind);
    int rank_metric = a->cfg.keep_best && rank_metric_is_ranking(&a->cfg.metric);
    for (int v = 0; v < 2; v++) {
        sm_dataset *ds = v ? valid : train;
        if ((v ? a->valid_shares : a->data_opt.shares) <= 1 || (v && !a->valid))
            continue;
        int64_t first, all;
        int rc = share_rows(dist, ds->n_rows, &first, &all);
        if (rc == SM_OK)
            rc = cli_load_weights(v ? a->valid : a->data, v ? a->valid_weights : a->weights,
                                  v ? ranking || rank_metric : ranking, a->quiet, first, all, ds);
        if (rc != SM_OK)
            return rc;
    }
    return SM_OK;
}

/* The multi-class setup once the data is read: K outputs; one-hot class
 * labels are probabilities to the multiclass objective, whatever --target
 * says of --targets files (kept for the model); the validation rows'
 * classes for --metric accuracy into *valid_classes (freed by the caller). */
static int setup_classes(train_args *a, const sm_classes *classes, const sm_dataset *valid,
                         int32_t **valid_classes)
{
    sm_objective *obj = &a->cfg.objective;
    obj->n_out = a->cfg.scorer.n_out = classes->n;
    a->file_target = obj->target;
    if (!a->targets && obj->kind == OBJ_MULTICLASS)
        obj->target = TARGET_PROB;
    sm_error err;
    if (objective_check(obj, &err) != SM_OK)
        return cli_fail(&err);
    if (a->cfg.keep_best && a->cfg.metric.kind == METRIC_ACCURACY) {
        if (classes_index_rows(classes, valid, valid_classes, &err) != SM_OK) {
            cli_msg("--metric accuracy needs the classes of the --valid rows: %s", err.msg);
            return SM_EDATA;
        }
        a->cfg.valid_classes = *valid_classes;
    }
    return SM_OK;
}

/* --emphasize into the loss, now that the labels and regions are known:
 * the width's default follows the spread of the values the link is applied
 * to (the labels; a multi-class objective's targets, 0 .. 1 for one-hot
 * class labels). The compiled spec is shown and both are recorded. */
static int compile_emphasis(train_args *a, sm_dist *dist, const sm_dataset *train,
                            const sm_model *model)
{
    sm_error err;
    double range[2];
    if (objective_is_multiclass(a->cfg.objective.kind))
        emphasis_range(train->target, train->n_rows * (int64_t)train->target_dim, &range[0],
                       &range[1]);
    else
        emphasis_range(train->label, train->n_rows, &range[0], &range[1]);
    range[0] = -range[0]; /* several ranks: the range of all their shares */
    if (dist_many(dist) && dist_max(dist, range, 2, &err) != SM_OK)
        return cli_fail(&err);
    double spread = range[1] > -range[0] ? range[1] + range[0] : 0.0;
    if (emphasis_resolve(&a->emphasis, &model->regions, spread, &err) != SM_OK)
        return cli_usage_error("train", "--emphasize: %s", err.msg);
    if (emphasis_compile(&a->emphasis, &a->cfg.objective.link, &err) != SM_OK)
        return cli_usage_error("train", "--emphasize: %s", err.msg);
    char spec[EMPHASIS_SPEC_MAX], loss[LINK_SPEC_MAX];
    emphasis_format(&a->emphasis, spec, sizeof spec);
    link_format(&a->cfg.objective.link, loss, sizeof loss);
    if (strlen(spec) >= sizeof model->info[0].value)
        return cli_usage_error("train", "--emphasize: too many regions to record in the model");
    if (!a->quiet)
        cli_msg("--emphasize %s compiles to --loss %s", spec, loss);
    return SM_OK;
}

/* --save-every: the model so far, with what the finished one would have
 * (inputs, regions, classes, options), replacing the model file whole. */
static sm_status save_checkpoint(void *ctx, const sm_model *trained, int epoch, sm_error *err)
{
    train_view *v = ctx;
    const train_args *a = v->args;
    /* A shallow copy that borrows the arrays of both: never freed. */
    sm_model ck = *trained;
    ck.features = *v->features;
    ck.dim = v->features->space;
    ck.regions = v->model->regions;
    ck.classes = v->model->classes;
    ck.label_transform = (sm_label_transform)a->label_transform;
    record_options(&ck, a, v->train);
    model_set_info(&ck, "checkpoint_epoch", "%d", epoch);
    cli_output out;
    int rc = cli_output_open(&out, a->model); /* open and commit say what failed */
    if (rc == SM_OK && (rc = model_write(&ck, out.f, a->data_opt.threads, err)) != SM_OK) {
        cli_msg("%s: %s", a->model, err->msg);
        cli_output_abort(&out);
    } else if (rc == SM_OK) {
        rc = cli_output_commit(&out);
    }
    if (rc != SM_OK)
        return sm_fail(err, (sm_status)rc, "%s: the checkpoint of epoch %d was not written",
                       a->model, epoch);
    return SM_OK;
}

/* The scorer's inputs: the training data's (featmap_prepare), or with
 * --init the model's, which the data must stay within (the map moves from
 * the model to *features). Both data sets go through them. */
static int prepare_features(train_args *a, sm_dist *dist, sm_dataset *train, sm_dataset *valid,
                            sm_featmap *features)
{
    sm_error err;
    if (!a->init_path)
        return featmap_prepare(train, a->valid ? valid : NULL, a->hash_bits, dist, features,
                               &err) == SM_OK ? SM_OK : cli_fail(&err);
    featmap_free(features);
    *features = a->init.features;
    featmap_init(&a->init.features, 0);
    if (featmap_apply_model(features, train, &err) != SM_OK ||
        (a->valid && featmap_apply(features, valid, &err) != SM_OK))
        return cli_fail(&err);
    /* the shape was checked before; the inputs now agree by construction */
    sm_scorer_config c = a->cfg.scorer;
    scorer_config_complete(&c, features->n);
    if (scorer_saved_param_count(&c) != scorer_saved_param_count(&a->init.scorer)) {
        cli_msg("--init %s: the model's parameters do not fit its own shape", a->init_path);
        return SM_EDATA;
    }
    a->cfg.init_param = a->init.param;
    return SM_OK;
}

/* Train with the epoch table and progress on stderr (and the checkpoints). */
static int run_training(train_args *a, sm_dist *dist, const sm_dataset *train,
                        const sm_dataset *valid, const sm_featmap *features, sm_model *model)
{
    train_view view = {.quiet = a->quiet, .args = a, .model = model, .features = features,
                       .train = train};
    if (a->cfg.keep_best)
        rank_metric_format(&a->cfg.metric, view.metric, sizeof view.metric);
    cli_progress_init(&view.progress, a->quiet);
    a->cfg.on_epoch = show_epoch;
    a->cfg.on_progress = show_progress;
    a->cfg.on_note = dist_rank(dist) == 0 ? show_note : NULL;
    a->cfg.on_checkpoint = dist_rank(dist) == 0 ? save_checkpoint : NULL;
    a->cfg.ctx = &view;
    a->cfg.dist = dist;
    /* The default rate is made safe by backing off; a rate the user chose is
     * kept, and diverges as it does. */
    a->cfg.max_backoffs = a->have_lr ? 0 : TRAIN_BACKOFFS;
    a->cfg.threads = a->data_opt.threads;
    sm_error err;
    sm_status st = train_run(train, a->valid ? valid : NULL, &a->cfg, model, &err);
    cli_progress_done(&view.progress);
    if (st == SM_OK && dist_many(dist) && !a->quiet)
        cli_msg("%d ranks: rank 0 sent %.4g MB, %.0f bytes a step in %lld steps",
                dist_size(dist), (double)dist->bytes_sent / 1e6,
                view.steps ? (double)view.step_bytes / (double)view.steps : 0.0,
                (long long)view.steps);
    /* every rank fails alike, with the same message: rank 0 tells it */
    return st == SM_OK ? SM_OK : dist_rank(dist) == 0 ? cli_fail(&err) : (int)st;
}

/* Several ranks: the scores of every rank's rows, in rank order, written
 * by rank 0. */
static int put_gathered_scores(sm_dist *dist, cli_output *out, const sm_model *model,
                               const sm_dataset *train)
{
    int64_t k = model->scorer.n_out, n;
    double *scores = malloc((size_t)((train->n_rows > 0 ? train->n_rows : 1) * k) * sizeof *scores);
    double *all = NULL;
    sm_error err;
    sm_status st = scores ? model_predict(model, train, scores, &err)
                          : sm_fail(&err, SM_EFAIL, "out of memory for the predictions");
    if ((st = dist_agree(dist, st, &err)) == SM_OK)
        st = dist_allgather_f64(dist, scores, train->n_rows * k, &all, &n, &err);
    if (st == SM_OK && dist_rank(dist) == 0)
        cli_put_values(out->f, all, n / k, k);
    free(scores);
    free(all);
    return st == SM_OK ? SM_OK : dist_rank(dist) == 0 ? cli_fail(&err) : (int)st;
}

/* The cross-validation table: a row per figure, a column per fold, then
 * the mean and the sample standard deviation over the folds; "-" where a
 * fold has no value (no held-out row in a region). */
static int write_cv(const train_args *a, const sm_dataset *train, const sm_cv_result *r)
{
    cli_output out;
    int rc = cli_output_open(&out, "-");
    if (rc != SM_OK)
        return rc;
    int width = (int)strlen("held-out rows");
    for (int j = 0; j < r->n_figures; j++)
        if ((int)strlen(r->name[j]) > width)
            width = (int)strlen(r->name[j]);
    fprintf(out.f, "# %d-fold cross-validation of %s: %s, seed %llu\n", r->n_folds,
            train->source, train->n_groups ? "whole queries" : "rows",
            (unsigned long long)a->cfg.seed);
    if (a->label_transform != LABEL_NONE)
        fprintf(out.f, "# labels and errors on the %s scale\n",
                label_transform_names[a->label_transform]);
    fprintf(out.f, "%-*s", width, "figure");
    for (int f = 0; f < r->n_folds; f++) {
        char head[24];
        snprintf(head, sizeof head, "fold %d", f + 1);
        fprintf(out.f, "  %11s", head);
    }
    fprintf(out.f, "  %11s  %11s\n", "mean", "std");
    fprintf(out.f, "%-*s", width, "held-out rows");
    for (int f = 0; f < r->n_folds; f++)
        fprintf(out.f, "  %11lld", (long long)r->rows[f]);
    fputc('\n', out.f);
    for (int j = 0; j < r->n_figures; j++) {
        fprintf(out.f, "%-*s", width, r->name[j]);
        for (int f = 0; f < r->n_folds; f++) {
            double v = r->value[(int64_t)f * r->n_figures + j];
            isnan(v) ? fprintf(out.f, "  %11s", "-") : fprintf(out.f, "  %11.4f", v);
        }
        double mean, std;
        cv_figure_stats(r, j, &mean, &std);
        fprintf(out.f, "  %11.4f  %11.4f\n", mean, std);
    }
    return cli_output_commit(&out);
}

/* --folds: cross-validate the options on the training data (no epoch
 * table: K runs; a back-off still says so). */
static int run_folds(const train_args *a, const sm_dataset *train, const sm_model *model)
{
    train_view view = {.quiet = a->quiet};
    cli_progress_init(&view.progress, a->quiet);
    sm_train_config cfg = a->cfg;
    cfg.on_epoch = NULL;
    cfg.on_checkpoint = NULL;
    cfg.on_progress = show_progress;
    cfg.on_note = show_note;
    cfg.ctx = &view;
    cfg.max_backoffs = a->have_lr ? 0 : TRAIN_BACKOFFS;
    cfg.threads = a->data_opt.threads;
    sm_rank_config rank;
    rank_config_default(&rank);
    sm_cv_result r;
    sm_error err;
    sm_status st = cv_run(train, &cfg, &model->regions,
                          objective_is_multiclass(cfg.objective.kind) ? &model->classes : NULL,
                          &rank, a->folds, &r, &err);
    cli_progress_done(&view.progress);
    int rc = st == SM_OK ? write_cv(a, train, &r) : cli_fail(&err);
    cv_result_free(&r);
    return rc;
}

/* The model and the predictions land together or not at all: the model is
 * renamed into place only after the predictions were written. The caller
 * aborts what is left on failure. */
static int write_outputs(const train_args *a, sm_dist *dist, const sm_model *model,
                         const sm_dataset *train, cli_output out[2])
{
    sm_error err;
    int rc;
    if (dist_many(dist) && a->predictions &&
        (rc = put_gathered_scores(dist, &out[1], model, train)) != SM_OK)
        return rc;
    if (dist_rank(dist) != 0)
        return SM_OK;
    rc = model_write(model, out[0].f, a->data_opt.threads, &err);
    if (rc != SM_OK) {
        cli_msg("%s: %s", a->model, err.msg);
        return rc;
    }
    if (a->predictions && ((!dist_many(dist) && (rc = cli_put_model_scores(&out[1], model, train)) !=
                                                    SM_OK) ||
                           (rc = cli_output_commit(&out[1])) != SM_OK))
        return rc;
    return cli_output_commit(&out[0]);
}

/* A usage error that every rank finds: rank 0 tells it. */
static int ranks_usage_error(const sm_dist *d, const char *what)
{
    return dist_rank(d) == 0 ? cli_usage_error("train", "%s", what) : SM_EUSAGE;
}

/* This rank's files: the names given with %r expanded to the rank. */
typedef struct {
    char data[4096], cache[4096], valid[4096], targets[4096], valid_targets[4096];
    char weights[4096], valid_weights[4096];
    char group[4096], valid_group[4096]; /* group files found beside the data */
} rank_paths;

/* Under mpirun (dist.h): this rank's data file (%r in --data and --cache
 * is the rank) or its share of the one file, and only rank 0 talks. */
static int setup_ranks(train_args *a, const sm_dist *d, rank_paths *p)
{
    const size_t size = sizeof p->data;
    int per_rank = dist_expand_path(d, a->data, p->data, size), cache_per_rank = 0;
    int valid_per_rank = a->valid ? dist_expand_path(d, a->valid, p->valid, size) : 0;
    int targets_per_rank = a->targets ? dist_expand_path(d, a->targets, p->targets, size) : 0;
    int valid_targets_per_rank =
        a->valid_targets ? dist_expand_path(d, a->valid_targets, p->valid_targets, size) : 0;
    /* (--weights none and the weights beside the data have no name to expand) */
    const char *weights = cli_weights_file(a->weights);
    const char *valid_weights = cli_weights_file(a->valid_weights);
    int weights_per_rank = weights ? dist_expand_path(d, weights, p->weights, size) : 0;
    int valid_weights_per_rank =
        valid_weights ? dist_expand_path(d, valid_weights, p->valid_weights, size) : 0;
    if (per_rank < 0 || valid_per_rank < 0 || targets_per_rank < 0 || valid_targets_per_rank < 0 ||
        weights_per_rank < 0 || valid_weights_per_rank < 0 ||
        (a->data_opt.cache &&
         (cache_per_rank = dist_expand_path(d, a->data_opt.cache, p->cache, size)) < 0))
        return ranks_usage_error(d, "--data, --valid, --targets, --valid-targets, --weights, "
                                    "--valid-weights or --cache: the file name is too long");
    a->data = p->data;
    if (a->valid)
        a->valid = p->valid;
    a->targets_given = a->targets;
    if (a->targets)
        a->targets = p->targets;
    if (a->valid_targets)
        a->valid_targets = p->valid_targets;
    a->weights_given = weights;
    if (weights)
        a->weights = p->weights;
    if (valid_weights)
        a->valid_weights = p->valid_weights;
    if (a->data_opt.cache)
        a->data_opt.cache = p->cache;
    if (!dist_many(d))
        return SM_OK;
    a->quiet |= dist_rank(d) != 0;
    /* ranks share a machine's cores: one thread each unless told */
    if (a->data_opt.threads == 0)
        a->data_opt.threads = 1;
    /* a rank's targets: its share's rows of one targets file, or with one
     * data file per rank its own targets file */
    if ((a->targets && per_rank != targets_per_rank) ||
        (a->valid_targets && valid_per_rank != valid_targets_per_rank))
        return ranks_usage_error(d, "with several ranks, --targets (--valid-targets) goes with "
                                    "--data (--valid): %r in both names (a targets file per "
                                    "data file) or in neither (one file cut among the ranks)");
    /* the same for the weights (each rank's cache keeps its own file's) */
    if ((weights && per_rank != weights_per_rank) ||
        (valid_weights && valid_per_rank != valid_weights_per_rank))
        return ranks_usage_error(d, "with several ranks, --weights (--valid-weights) goes with "
                                    "--data (--valid): %r in both names (a weights file per "
                                    "data file) or in neither (one file cut among the ranks)");
    if (a->folds)
        return ranks_usage_error(d, "--folds cross-validates on one process only");
    if (a->data_opt.cache && !(per_rank && cache_per_rank))
        return ranks_usage_error(d, "with several ranks, --cache keeps one cache per rank: "
                                    "give one data file per rank and %r in both names "
                                    "(-d part-%r.txt --cache part-%r.cache)");
    int ranking = objective_is_ranking(a->cfg.objective.kind);
    int valid_by_query = ranking || (a->cfg.keep_best && rank_metric_is_ranking(&a->cfg.metric));
    /* One file cut among the ranks at its queries: those of the rows' qid:,
     * or of a group file (given, or beside the data), whose sizes each rank
     * then slices at its rows. */
    if (a->valid && !valid_per_rank) {
        a->valid_share = dist_rank(d);
        a->valid_shares = dist_size(d);
        a->valid_share_by_query = valid_by_query;
        if (valid_by_query)
            a->valid_share_groups =
                a->valid_group ? cli_group_file(a->valid_group)
                               : cli_group_file_beside(a->valid, p->valid_group, size);
        a->valid_share_groups_beside = !a->valid_group;
        if (valid_by_query)
            a->valid_group = CLI_GROUP_NONE;
    }
    if (per_rank)
        return SM_OK;
    a->data_opt.share = dist_rank(d);
    a->data_opt.shares = dist_size(d);
    a->data_opt.share_by_query = ranking;
    if (ranking)
        a->data_opt.share_groups = a->group ? cli_group_file(a->group)
                                            : cli_group_file_beside(a->data, p->group, size);
    a->data_opt.share_groups_beside = !a->group;
    if (ranking)
        a->group = CLI_GROUP_NONE;
    return SM_OK;
}

/* Several ranks: the model records the data of all of them. */
static int record_ranks(sm_dist *d, const train_args *a, const char *pattern,
                        const sm_dataset *train, sm_model *model)
{
    int64_t *counts = malloc((size_t)dist_size(d) * 2 * sizeof *counts), rows = 0, queries = 0;
    sm_error err;
    sm_status st = counts ? SM_OK : sm_fail(&err, SM_EFAIL, "out of memory");
    if (st == SM_OK && (st = dist_allgather_i64(d, train->n_rows, counts, &err)) == SM_OK)
        st = dist_allgather_i64(d, train->n_groups, counts + dist_size(d), &err);
    for (int r = 0; st == SM_OK && r < dist_size(d); r++)
        rows += counts[r], queries += counts[dist_size(d) + r];
    free(counts);
    if (st != SM_OK)
        return cli_fail(&err);
    model_set_info(model, "train_data", "%s", pattern);
    if (a->targets_given)
        model_set_info(model, "train_targets", "%s", a->targets_given);
    if (a->weights_given)
        model_set_info(model, "train_weights", "%s", a->weights_given);
    model_set_info(model, "train_rows", "%lld", (long long)rows);
    if (objective_is_ranking(a->cfg.objective.kind))
        model_set_info(model, "train_queries", "%lld", (long long)queries);
    model_set_info(model, "ranks", "%d", dist_size(d));
    if (a->cfg.sync_every)
        model_set_info(model, "sync_every", "%d", a->cfg.sync_every);
    return SM_OK;
}

/* The regions of every rank's labels. */
static int regions_of_ranks(sm_dist *d, const char *pattern, const sm_dataset *train,
                            sm_regions *regions)
{
    double *labels;
    int64_t n;
    sm_error err;
    if (dist_allgather_f64(d, train->label, train->n_rows, &labels, &n, &err) != SM_OK)
        return cli_fail(&err);
    if (n == 0) {
        free(labels);
        if (dist_rank(d) == 0)
            cli_msg("%s: no data rows", pattern);
        return SM_EDATA;
    }
    regions_from_labels(labels, n, regions);
    free(labels);
    return SM_OK;
}

/* A usage error found before MPI started: every rank finds it, rank 0
 * tells it (the messages were kept: cli_msg_hold). */
static void tell_once(int *argc, char ***argv)
{
    sm_dist d;
    sm_error err;
    if (dist_open(&d, argc, argv, &err) == SM_OK) {
        cli_msg_flush(dist_rank(&d) == 0);
        dist_close(&d);
    }
    cli_msg_release();
}

int cmd_train(int argc, char **argv)
{
    train_args a;
    if (dist_compiled()) /* (how many ranks run is known after dist_open) */
        cli_msg_hold();
    int rc = parse_train_args(argc, argv, &a);
    if (rc != SM_OK) {
        model_free(&a.init);
        if (dist_compiled())
            tell_once(&argc, &argv);
        return rc < 0 ? SM_OK : rc;
    }
    sm_dist dist;
    sm_error err;
    if (dist_open(&dist, &argc, &argv, &err) != SM_OK) {
        cli_msg_release();
        model_free(&a.init);
        return cli_fail(&err);
    }
    if (!dist_many(&dist))
        cli_msg_release();
    const char *pattern = a.data;
    rank_paths *paths = calloc(1, sizeof *paths); /* a's file names point into it */
    if (!paths)
        cli_msg("out of memory");
    cli_output out[2];
    memset(out, 0, sizeof out);
    if ((rc = ranks_agree(&dist, paths ? setup_ranks(&a, &dist, paths) : SM_EFAIL)) != SM_OK ||
        (rc = ranks_agree(&dist, open_train_outputs(&a, dist_rank(&dist) == 0, out))) != SM_OK) {
        cli_msg_release();
        cli_output_abort(&out[0]);
        cli_output_abort(&out[1]);
        dist_close(&dist);
        model_free(&a.init);
        free(paths);
        return rc;
    }

    sm_dataset train, valid;
    dataset_init(&train);
    dataset_init(&valid);
    sm_model model;
    model_init(&model);
    int32_t *valid_classes = NULL;
    sm_featmap features; /* the training data's, which the model keeps */
    featmap_init(&features, 0);
    if ((rc = ranks_agree(&dist, load_train_data(&a, &train))) != SM_OK ||
        (objective_is_multiclass(a.cfg.objective.kind) &&
         (rc = ranks_agree(&dist, load_train_classes(&a, &dist, pattern, &train,
                                                     &model.classes))) != SM_OK) ||
        (rc = ranks_agree(&dist, load_valid_data(&a, &dist, &train, &valid, &model.classes))) !=
            SM_OK ||
        (rc = ranks_agree(&dist, load_share_weights(&a, &dist, &train, &valid))) != SM_OK ||
        (rc = ranks_agree(&dist, apply_class_weights(&a, &train))) != SM_OK)
        goto out;
    cli_msg_release(); /* from here on rank 0 alone reports */
    if (objective_is_multiclass(a.cfg.objective.kind) &&
        (rc = setup_classes(&a, &model.classes, &valid, &valid_classes)) != SM_OK)
        goto out;
    if ((rc = prepare_features(&a, &dist, &train, &valid, &features)) != SM_OK)
        goto out;
    if (a.regions_text) {
        if (regions_parse(a.regions_text, &model.regions, &err) != SM_OK) {
            rc = cli_usage_error("train", "--regions: %s", err.msg);
            goto out;
        }
    } else if (a.init_path) {
        model.regions = a.init.regions;
    } else if (a.emphasize_text && a.emphasis.n > 0) {
        /* the regions the user weighed are the ones to report on */
        model.regions = (sm_regions){.n = a.emphasis.n, .origin = REGIONS_GIVEN};
        memcpy(model.regions.bound, a.emphasis.bound,
               sizeof model.regions.bound[0] * (size_t)(a.emphasis.n - 1));
    } else if (dist_many(&dist)) {
        if ((rc = regions_of_ranks(&dist, pattern, &train, &model.regions)) != SM_OK)
            goto out;
    } else {
        regions_from_labels(train.label, train.n_rows, &model.regions);
    }
    if (a.emphasize_text && (rc = compile_emphasis(&a, &dist, &train, &model)) != SM_OK)
        goto out;
    if (a.folds && ((rc = run_folds(&a, &train, &model)) != SM_OK || !a.model))
        goto out;
    if ((rc = run_training(&a, &dist, &train, &valid, &features, &model)) != SM_OK)
        goto out;
    model_set_features(&model, &features);
    model.label_transform = (sm_label_transform)a.label_transform;
    record_options(&model, &a, &train);
    if (dist_many(&dist) && (rc = record_ranks(&dist, &a, pattern, &train, &model)) != SM_OK)
        goto out;
    rc = ranks_agree(&dist, write_outputs(&a, &dist, &model, &train, out));
out:
    cli_msg_release();
    free(valid_classes);
    featmap_free(&features);
    cli_output_abort(&out[0]); /* nothing left to do after a commit */
    cli_output_abort(&out[1]);
    model_free(&model);
    model_free(&a.init);
    dataset_free(&train);
    dataset_free(&valid);
    dist_close(&dist);
    free(paths);
    return rc;
}
