/* cmd_eval.c - `smloss eval`: the per-region error report of a model or of a
 * predictions file against the labels of a data file. The choices of what to
 * report are the engine's (eval.h); this is options, files and messages. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli_classes.h"
#include "cli_data.h"
#include "cli_msg.h"
#include "cli_opts.h"
#include "cli_output.h"
#include "commands.h"
#include "eval.h"
#include "model.h"
#include "report.h"

/* {KEY}: a choice list printed from its table (cli_print_help). */
static const char eval_usage[] =
    "Usage: smloss eval -d DATA (-m MODEL | -p PREDICTIONS) [options]\n"
    "Report errors per label region: rows, mean label and prediction, bias, MAE,\n"
    "RMSE, mean selective and square loss, share of predictions in the right\n"
    "region, and the region confusion matrix; for data with query groups also\n"
    "NDCG@k, ERR@k, MAP, MRR and the pairwise ordering accuracy per region pair\n"
    "(ties in score broken pessimistically; means over queries). A multi-class\n"
    "model (K outputs) gets the class report instead: accuracy, top-k accuracy,\n"
    "the confusion matrix, per-class precision, recall and F1, the mean loss of\n"
    "its objective, log-loss (p clipped at 1e-15) and Brier score (sum over the\n"
    "classes) of its probabilities, ROC and PR AUC for 2 classes (ties count\n"
    "1/2; average precision), and with --targets the agreement with the\n"
    "targets; the rows of a class the model lacks count as errors (listed as not\n"
    "in the model).\n"
    "\n"
    "  -d, --data FILE          labelled data (libsvm/SVMlight/LETOR; gzip ok; - = stdin)\n"
    "  -m, --model FILE         score DATA with this model (and its --hash-bits)\n"
    "  -p, --predictions FILE   or read one score per line from this file (a line\n"
    "                           of K class scores is an error: use -m)\n"
    "      --loss SPEC          selective loss to report (default: the model's; lin with -p)\n"
    "      --regions B1,B2,...  region boundaries (default: the model's; with -p,\n"
    "                           distinct labels if <= 10, else quartiles of DATA)\n"
    "      --label-transform T  {label_transform} applied to DATA's labels (default: the\n"
    "                           model's; none with -p)\n"
    "      --format F           {format} (text)\n"
    CLI_WEIGHTS_HELP
    "                           (with query groups: a query's rows share its weight)\n"
    CLI_THREADS_HELP
    CLI_CACHE_HELP
    CLI_MEMORY_HELP
    CLI_DUPLICATES_HELP
    "Ranking metrics, printed when DATA has query groups (qid: or a group file):\n"
    "      --group FILE         query groups: one row count per line (LightGBM .query,\n"
    "                           XGBoost .group); default: DATA.query or DATA.group\n"
    "                           beside DATA when its rows have no qid: (one that does\n"
    "                           not fit DATA is a warning, an error with --per-query\n"
    "                           or a ranking model); none: no group file\n"
    "      --cutoffs K1,K2,...  k of NDCG@k and ERR@k (1,3,5,10)\n"
    "      --metric-gain G      {metric_gain}: exp2 (2^y - 1, default) or linear (y);\n"
    "                           labels <= 0 gain 0\n"
    "      --relevance-threshold X  MAP and MRR count a row relevant when y > X (0)\n"
    "      --no-relevant P      {no_relevant}: a query with no relevant row counts as 1\n"
    "                           (ERR 0) with one (default, as LightGBM), or is left\n"
    "                           out with skip\n"
    "      --per-query FILE     also write one TSV line per query: qid, rows, metrics\n"
    "Class report, for a multi-class model (DATA's labels are classes of the model):\n"
    "      --targets FILE       K numbers a line, one line per DATA row (e.g. a\n"
    "                           teacher's scores): also top-1 agreement, top-k\n"
    "                           overlap, NDCG@k and band order accuracy against them\n"
    "      --target NAME        how --targets reads: {target}: matched\n"
    "                           (q = softmax(f(t)/T), the model's f and T) or prob\n"
    "                           (q = t, each line sums to 1); default: the model's\n"
    "      --bands E1,E2,...    last target rank of each band but the last (1,3)\n"
    "      --cutoffs K1,K2,...  k of top-k accuracy, overlap and NDCG@k (1,2,3,5)\n"
    "  -o, --output FILE        where to write the report (default - = stdout)\n"
    "  -q, --quiet              no progress or notes on stderr\n"
    "  -h, --help               this help\n";

/* The targets --targets can be read as: those of the multiclass objective. */
static const char *const eval_target_names[] = {"matched", "prob", NULL};

static const cli_choices eval_choices[] = {
    {"label_transform", label_transform_names, NULL},
    {"format", report_format_names, NULL},
    {"metric_gain", rank_gain_names, NULL},
    {"no_relevant", rank_no_relevant_names, NULL},
    {"duplicates", reader_duplicates_names, NULL},
    {"target", eval_target_names, NULL},
    {NULL, NULL, NULL},
};

enum {
    ARG_LOSS = 256, ARG_REGIONS, ARG_FORMAT, ARG_LABEL_TRANSFORM, ARG_GROUP, ARG_CUTOFFS,
    ARG_METRIC_GAIN, ARG_THRESHOLD, ARG_NO_RELEVANT, ARG_PER_QUERY, ARG_THREADS, ARG_CACHE,
    ARG_MEMORY, ARG_TARGETS, ARG_TARGET, ARG_BANDS, ARG_WEIGHTS, ARG_DUPLICATES
};

static const struct option eval_options[] = {
    {"data", required_argument, NULL, 'd'},
    {"model", required_argument, NULL, 'm'},
    {"predictions", required_argument, NULL, 'p'},
    {"loss", required_argument, NULL, ARG_LOSS},
    {"regions", required_argument, NULL, ARG_REGIONS},
    {"label-transform", required_argument, NULL, ARG_LABEL_TRANSFORM},
    {"format", required_argument, NULL, ARG_FORMAT},
    {"threads", required_argument, NULL, ARG_THREADS},
    {"cache", required_argument, NULL, ARG_CACHE},
    {"memory", required_argument, NULL, ARG_MEMORY},
    {"duplicates", required_argument, NULL, ARG_DUPLICATES},
    {"output", required_argument, NULL, 'o'},
    {"group", required_argument, NULL, ARG_GROUP},
    {"weights", required_argument, NULL, ARG_WEIGHTS},
    {"cutoffs", required_argument, NULL, ARG_CUTOFFS},
    {"metric-gain", required_argument, NULL, ARG_METRIC_GAIN},
    {"relevance-threshold", required_argument, NULL, ARG_THRESHOLD},
    {"no-relevant", required_argument, NULL, ARG_NO_RELEVANT},
    {"per-query", required_argument, NULL, ARG_PER_QUERY},
    {"targets", required_argument, NULL, ARG_TARGETS},
    {"target", required_argument, NULL, ARG_TARGET},
    {"bands", required_argument, NULL, ARG_BANDS},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

const cli_command_spec eval_spec = {
    .name = "eval", .options = eval_options, .usage = eval_usage, .choices = eval_choices};

typedef struct {
    const char *data, *model, *output, *group, *per_query, *targets;
    const char *weights; /* row weight file (cli_load_weights) */
    int quiet, format;
    int class_options; /* --target, --bands or --targets given: a class report */
    cli_data_options data_opt;
    sm_eval_config cfg;     /* cfg.loss and cfg.regions point at loss and regions */
    sm_link loss;
    sm_regions regions;
} eval_args;

/* One ranking option into a->cfg.rank. */
static int parse_rank_option(int c, const char *arg, eval_args *a)
{
    sm_rank_config *rank = &a->cfg.rank;
    sm_error err;
    int rc = SM_OK, choice;
    switch (c) {
    case ARG_CUTOFFS:
        if (rank_cutoffs_parse(arg, rank, &err) != SM_OK)
            return cli_usage_error("eval", "--cutoffs: %s", err.msg);
        /* the same k for a class report */
        _Static_assert(CLASS_MAX_CUTOFFS == RANK_MAX_CUTOFFS, "one --cutoffs for both reports");
        a->cfg.classes.n_cutoffs = rank->n_cutoffs;
        memcpy(a->cfg.classes.cutoff, rank->cutoff, sizeof a->cfg.classes.cutoff);
        break;
    case ARG_METRIC_GAIN:
        rc = cli_parse_choice("eval", "--metric-gain", arg, rank_gain_names, &choice);
        rank->gain = rc == SM_OK ? (sm_gain_kind)choice : rank->gain;
        break;
    case ARG_THRESHOLD:
        rc = cli_parse_double("eval", "--relevance-threshold", arg, -1e300, 1e300,
                              &rank->threshold);
        break;
    case ARG_NO_RELEVANT:
        rc = cli_parse_choice("eval", "--no-relevant", arg, rank_no_relevant_names, &choice);
        rank->no_relevant = rc == SM_OK ? (sm_no_relevant)choice : rank->no_relevant;
        break;
    }
    return rc;
}

/* One option that takes a value other than a file name. */
static int parse_value_option(int c, const char *arg, eval_args *a)
{
    sm_error err;
    switch (c) {
    case ARG_THREADS: return cli_parse_threads("eval", arg, &a->data_opt);
    case ARG_DUPLICATES: return cli_parse_duplicates("eval", arg, &a->data_opt);
    case ARG_FORMAT:
        return cli_parse_choice("eval", "--format", arg, report_format_names, &a->format);
    case ARG_LABEL_TRANSFORM:
        return cli_parse_choice("eval", "--label-transform", arg, label_transform_names,
                                &a->cfg.label_transform);
    case ARG_LOSS:
        if (link_parse(arg, &a->loss, &err) != SM_OK)
            return cli_usage_error("eval", "--loss: %s", err.msg);
        a->cfg.loss = &a->loss;
        return SM_OK;
    case ARG_REGIONS:
        if (regions_parse(arg, &a->regions, &err) != SM_OK)
            return cli_usage_error("eval", "--regions: %s", err.msg);
        a->cfg.regions = &a->regions;
        return SM_OK;
    case ARG_TARGET: { /* the multiclass objective's targets */
        int choice;
        a->class_options = 1;
        if (cli_parse_choice("eval", "--target", arg, eval_target_names, &choice) != SM_OK)
            return SM_EUSAGE;
        a->cfg.target = (sm_target_kind)objective_target_parse(eval_target_names[choice]);
        return SM_OK;
    }
    case ARG_BANDS:
        a->class_options = 1;
        if (class_bands_parse(arg, &a->cfg.classes, &err) != SM_OK)
            return cli_usage_error("eval", "%s", err.msg);
        return SM_OK;
    default: return parse_rank_option(c, arg, a);
    }
}

/* SM_OK, -1 after --help, or the exit status of a usage error. */
static int parse_eval_args(int argc, char **argv, eval_args *a)
{
    int c, rc = SM_OK;
    memset(a, 0, sizeof *a);
    a->data_opt.command = "eval"; /* unlabeled rows: "eval needs a label on every row" */
    a->data_opt.weighted = 1;     /* (the cache keeps the weights) */
    a->output = "-";
    a->format = REPORT_TEXT;
    eval_config_default(&a->cfg);
    optind = 1;
    while (rc == SM_OK && (c = getopt_long(argc, argv, "d:m:p:o:qh", eval_options, NULL)) != -1) {
        switch (c) {
        case 'd': a->data = optarg; break;
        case 'm': a->model = optarg; break;
        case 'p': a->cfg.predictions = optarg; break;
        case 'o': a->output = optarg; break;
        case 'q': a->quiet = 1; break;
        case ARG_CACHE: a->data_opt.cache = optarg; break;
        case ARG_MEMORY: rc = cli_parse_memory("eval", optarg, &a->data_opt); break;
        case ARG_GROUP: a->group = optarg; break;
        case ARG_WEIGHTS: a->weights = a->data_opt.weights = optarg; break;
        case ARG_PER_QUERY: a->per_query = optarg; break;
        case ARG_TARGETS: a->targets = optarg; a->class_options = 1; break;
        case 'h': cli_print_help(stdout, eval_usage, eval_choices); return -1;
        case '?': case ':':
            return cli_bad_option("eval", argc, argv, "d:m:p:o:qh", eval_options);
        default: rc = parse_value_option(c, optarg, a); break;
        }
    }
    if (rc != SM_OK)
        return rc;
    if (optind < argc)
        return cli_usage_error("eval", "unexpected argument '%s'", argv[optind]);
    if (!a->data || (!a->model == !a->cfg.predictions))
        return cli_usage_error("eval", "--data and exactly one of --model or --predictions "
                                       "are required");
    a->cfg.per_query = a->per_query != NULL;
    return SM_OK;
}

/* Before anything is read: no output may overwrite an input, those found
 * beside the data included (or another output), and the report (out[0])
 * and the per-query file (out[1], when asked for) are opened. */
static int open_eval_outputs(const eval_args *a, cli_output out[2])
{
    cli_file inputs[8] = {
        {"--data", a->data, NULL}, {"--model", a->model, NULL},
        {"--predictions", a->cfg.predictions, NULL},
        {"--group", cli_group_file(a->group), NULL},
        {"--weights", cli_weights_file(a->weights), NULL}, {"--targets", a->targets, NULL},
    };
    cli_beside_names beside;
    size_t n_inputs = 6 + cli_beside_inputs("--data", a->data, a->weights, a->group, &beside,
                                            inputs + 6);
    const cli_file outputs[] = {
        {"--output", a->output, NULL}, {"--per-query", a->per_query, NULL},
        {"--cache", a->data_opt.cache, NULL},
    };
    return cli_check_and_open("eval", inputs, n_inputs, outputs,
                              sizeof outputs / sizeof outputs[0], 1, out);
}

/* The report, then the per-query file when asked for, into the opened
 * outputs; the caller aborts what is left on failure. */
static int write_reports(const eval_args *a, const sm_dataset *ds, const sm_eval_result *res,
                         cli_output out[2])
{
    char spec[LINK_SPEC_MAX];
    link_format(&res->loss, spec, sizeof spec);
    sm_report_meta meta = {ds->source, a->model, a->cfg.predictions, spec,
                           label_transform_name(res->label_transform),
                           ds->weight ? ds->weight_source : NULL};
    sm_error err;
    int rc;
    const sm_class_names names = {
        a->cfg.model && a->cfg.model->classes.n ? a->cfg.model->classes.value : NULL,
        res->not_in_model.n, res->not_in_model.value, res->not_in_model_rows};
    if (res->classes)
        rc = report_write_classes(out[0].f, (sm_report_format)a->format, &meta, res->classes,
                                  &names, res->class_loss, &err);
    else
        rc = report_write(out[0].f, (sm_report_format)a->format, &meta, res->report, res->rank,
                          &err);
    if (rc != SM_OK) {
        cli_msg("%s: %s", a->output, err.msg);
        return rc;
    }
    if (res->not_in_model.n > 0 && !a->quiet)
        cli_msg("note: %s: %lld rows of %ld classes the model lacks count as errors (see "
                "\"not in the model\")", ds->source, (long long)res->classes->not_in_model_rows,
                (long)res->not_in_model.n);
    if ((rc = cli_output_commit(&out[0])) != SM_OK || !a->per_query)
        return rc;
    if ((rc = report_write_per_query(out[1].f, res->rank, res->per_query, ds->qid, ds->group_ptr,
                                     ds->n_groups, &err)) != SM_OK) {
        cli_msg("%s: %s", a->per_query, err.msg);
        return rc;
    }
    return cli_output_commit(&out[1]);
}

/* The options of a class report go with a multi-class model, and those of
 * the region report with the others. */
static int check_class_args(const eval_args *a, const sm_model *m)
{
    if (!a->model && a->class_options)
        return cli_usage_error("eval", "--targets, --target and --bands report on a multi-class "
                               "model (-m); -p reads one score a row");
    if (a->model && m->scorer.n_out == 1 && a->class_options)
        return cli_usage_error("eval", "--targets, --target and --bands apply to multi-class "
                               "models; %s has one output", a->model);
    if (a->model && m->scorer.n_out > 1 &&
        (a->cfg.loss || a->cfg.regions || a->cfg.label_transform >= 0 || a->per_query))
        return cli_usage_error("eval", "--loss, --regions, --label-transform and --per-query "
                               "apply to region reports, not to the class report of the "
                               "multi-class model %s", a->model);
    return SM_OK;
}

/* The data of a class report: its labels must be whole numbers (checked
 * where they are read; a class the model lacks is an error of the model, not
 * of the data), and --targets has K numbers a line. */
static int load_class_data(eval_args *a, const sm_model *m, sm_dataset *ds)
{
    sm_objective obj;
    sm_error err;
    if (eval_class_objective(m, &obj, &err) != SM_OK)
        return cli_fail(&err);
    cli_data_options opt = a->data_opt;
    opt.check_label = classes_check_integer;
    int rc = cli_load_data(a->data, a->quiet, &opt, ds);
    sm_target_kind target =
        a->cfg.target != TARGET_DEFAULT ? a->cfg.target : objective_class_target(&obj);
    if (rc == SM_OK && a->targets)
        rc = cli_read_targets(a->targets, m->scorer.n_out, target == TARGET_PROB, NULL, ds);
    a->cfg.targets = a->targets ? ds->target : NULL;
    return rc;
}

int cmd_eval(int argc, char **argv)
{
    eval_args a;
    int rc = parse_eval_args(argc, argv, &a);
    if (rc != SM_OK)
        return rc < 0 ? SM_OK : rc;
    cli_output out[2];
    if ((rc = open_eval_outputs(&a, out)) != SM_OK)
        return rc;

    sm_model model;
    sm_dataset ds;
    sm_eval_result res;
    sm_error err;
    model_init(&model);
    dataset_init(&ds);
    memset(&res, 0, sizeof res);
    if (a.model) {
        if (model_load(a.model, &model, &err) != SM_OK) {
            rc = cli_fail(&err);
            goto out;
        }
        a.cfg.model = &model;
    }
    if ((rc = check_class_args(&a, &model)) != SM_OK)
        goto out;
    if (model.scorer.n_out > 1) {
        rc = load_class_data(&a, &model, &ds);
        goto report;
    }
    /* Ranking metrics are reported when the data has groups: a group file
     * beside it is read if it fits, and one that does not only draws a
     * warning, unless they are asked for (--per-query, a ranking model). */
    int want_rank = a.per_query ||
                    (a.model && objective_default_metric(model.objective) == METRIC_NDCG);
    if ((rc = cli_load_grouped_data(a.data, a.group, want_rank ? CLI_BESIDE_READ : CLI_BESIDE_TRY,
                                    a.quiet, &a.data_opt, &ds)) != SM_OK)
        goto out;
    if (a.per_query && ds.n_groups == 0) {
        cli_msg("--per-query: %s has no query groups (add qid:N to its rows or give --group)",
                ds.source);
        rc = SM_EUSAGE;
        goto out;
    }
report:
    /* (weights after the groups: a query's rows must share one) */
    if (rc == SM_OK)
        rc = cli_load_weights(a.data, a.weights, ds.n_groups > 0, a.quiet, 0, ds.n_rows, &ds);
    double lo, hi;
    dataset_weight_range(&ds, &lo, &hi);
    if (rc == SM_OK && dataset_normalize_weights(&ds, lo, hi, &err) != SM_OK)
        rc = cli_fail(&err);
    cli_rows_progress progress; /* of the scoring */
    cli_rows_progress_init(&progress, a.quiet);
    cli_rows_progress_step(&progress, "scoring %s", ds.source);
    a.cfg.progress = cli_rows_progress_tell;
    a.cfg.progress_ctx = &progress;
    sm_status st = rc == SM_OK ? eval_run(&a.cfg, &ds, &res, &err) : SM_OK;
    cli_progress_done(&progress.bar);
    if (st != SM_OK)
        rc = cli_fail(&err);
    else if (rc == SM_OK)
        rc = write_reports(&a, &ds, &res, out);
out:
    cli_output_abort(&out[0]); /* nothing left to do after a commit */
    cli_output_abort(&out[1]);
    eval_result_free(&res);
    dataset_free(&ds);
    model_free(&model);
    return rc;
}
