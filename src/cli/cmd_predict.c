/* cmd_predict.c - `smloss predict`: scores of a model on a data file. */
#include <getopt.h>
#include <string.h>

#include "cli_classes.h"
#include "cli_data.h"
#include "cli_msg.h"
#include "cli_opts.h"
#include "cli_output.h"
#include "commands.h"
#include "model.h"

/* {KEY}: a choice list printed from its table (cli_print_help). */
static const char predict_usage[] =
    "Usage: smloss predict -m MODEL -d DATA [-o OUTPUT] [options]\n"
    "Write the model's score for every row of DATA, one per line, in the score\n"
    "domain of the model's labels (after its --label-transform), printed with the\n"
    "fewest digits that read back as the exact double. A multi-class model (K\n"
    "outputs) writes each row's class by default, or its K scores or class\n"
    "probabilities a line, separated by spaces (--output-type). A model trained\n"
    "with --hash-bits hashes DATA's feature indices as training did.\n"
    "\n"
    "  -m, --model FILE         model written by 'smloss train'\n"
    "  -d, --data FILE          data (libsvm/SVMlight/LETOR; gzip ok; - = stdin);\n"
    "                           rows may lack the label (a line starting with a\n"
    "                           feature or qid:, as Vowpal Wabbit's)\n"
    "  -o, --output FILE        where to write (default - = stdout)\n"
    "      --output-type T      multi-class models: {output_type}: class (default):\n"
    "                           the class of the top score (the first on ties);\n"
    "                           scores: the K scores; probs: softmax(f(s)/T) with the\n"
    "                           model's link f and temperature T (one-output models:\n"
    "                           scores only; multiclass-pointwise: no probs)\n"
    CLI_THREADS_HELP
    CLI_CACHE_HELP
    CLI_MEMORY_HELP
    CLI_DUPLICATES_HELP
    "  -q, --quiet              no progress or notes on stderr\n"
    "  -h, --help               this help\n";

static const cli_choices predict_choices[] = {
    {"output_type", cli_output_kind_names, NULL},
    {"duplicates", reader_duplicates_names, NULL},
    {NULL, NULL, NULL},
};

enum { ARG_THREADS = 256, ARG_CACHE, ARG_MEMORY, ARG_OUTPUT_TYPE, ARG_DUPLICATES };

static const struct option predict_options[] = {
    {"model", required_argument, NULL, 'm'},
    {"data", required_argument, NULL, 'd'},
    {"output", required_argument, NULL, 'o'},
    {"output-type", required_argument, NULL, ARG_OUTPUT_TYPE},
    {"threads", required_argument, NULL, ARG_THREADS},
    {"cache", required_argument, NULL, ARG_CACHE},
    {"memory", required_argument, NULL, ARG_MEMORY},
    {"duplicates", required_argument, NULL, ARG_DUPLICATES},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

const cli_command_spec predict_spec = {
    .name = "predict", .options = predict_options, .usage = predict_usage,
    .choices = predict_choices};

/* Write what --output-type asks of the model (-1: the default) into an
 * opened output. */
static int put_predictions(cli_output *out, int type, const sm_model *m, const sm_dataset *ds,
                           cli_rows_progress *progress)
{
    if (m->scorer.n_out == 1 && type >= 0 && type != OUTPUT_SCORES)
        return cli_usage_error("predict", "--output-type %s needs a multi-class model; this "
                               "one has one output (scores only)", cli_output_kind_names[type]);
    if (m->scorer.n_out == 1)
        return cli_put_model_scores_shown(out, m, ds, progress);
    return cli_put_class_outputs(out, type < 0 ? OUTPUT_CLASS : (cli_output_kind)type, m, ds,
                                 progress);
}

int cmd_predict(int argc, char **argv)
{
    const char *model_path = NULL, *data_path = NULL, *output = "-";
    /* VW's convention: data to predict may come without labels */
    cli_data_options data_opt = {.threads = 0, .allow_unlabeled = 1};
    int quiet = 0, type = -1, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "m:d:o:qh", predict_options, NULL)) != -1) {
        switch (c) {
        case ARG_THREADS:
            if (cli_parse_threads("predict", optarg, &data_opt) != SM_OK)
                return SM_EUSAGE;
            break;
        case ARG_CACHE: data_opt.cache = optarg; break;
        case ARG_MEMORY:
            if (cli_parse_memory("predict", optarg, &data_opt) != SM_OK)
                return SM_EUSAGE;
            break;
        case ARG_DUPLICATES:
            if (cli_parse_duplicates("predict", optarg, &data_opt) != SM_OK)
                return SM_EUSAGE;
            break;
        case ARG_OUTPUT_TYPE:
            if (cli_parse_choice("predict", "--output-type", optarg, cli_output_kind_names,
                                 &type) != SM_OK)
                return SM_EUSAGE;
            break;
        case 'm': model_path = optarg; break;
        case 'd': data_path = optarg; break;
        case 'o': output = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': cli_print_help(stdout, predict_usage, predict_choices); return SM_OK;
        default: return cli_bad_option("predict", argc, argv, "m:d:o:qh", predict_options);
        }
    }
    if (optind < argc)
        return cli_usage_error("predict", "unexpected argument '%s'", argv[optind]);
    if (!model_path || !data_path)
        return cli_usage_error("predict", "both --model and --data are required");

    /* Before anything is read: the output overwrites no input, and is open. */
    const cli_file inputs[] = {{"--model", model_path, NULL}, {"--data", data_path, NULL}};
    const cli_file outputs[] = {{"--output", output, NULL}, {"--cache", data_opt.cache, NULL}};
    cli_output out;
    int rc = cli_check_files("predict", inputs, 2, outputs, 2);
    if (rc != SM_OK || (rc = cli_output_open(&out, output)) != SM_OK)
        return rc;
    sm_model model;
    sm_dataset ds;
    sm_error err;
    dataset_init(&ds);
    model_init(&model);
    if (model_load(model_path, &model, &err) != SM_OK)
        rc = cli_fail(&err);
    if (rc == SM_OK)
        rc = cli_load_data(data_path, quiet, &data_opt, &ds);
    cli_rows_progress progress; /* scoring and writing */
    cli_rows_progress_init(&progress, quiet);
    if (rc == SM_OK && (rc = put_predictions(&out, type, &model, &ds, &progress)) == SM_OK)
        rc = cli_output_commit(&out);
    cli_output_abort(&out);
    dataset_free(&ds);
    model_free(&model);
    return rc;
}
