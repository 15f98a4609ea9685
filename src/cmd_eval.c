/* cmd_eval.c - `smloss eval`: the per-region error report of a model or of a
 * predictions file against the labels of a data file. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli_data.h"
#include "cli_msg.h"
#include "cli_opts.h"
#include "cli_output.h"
#include "commands.h"
#include "metrics.h"
#include "model.h"
#include "rank_metrics.h"
#include "reader.h"
#include "report.h"

static const char eval_usage[] =
    "Usage: smloss eval -d DATA (-m MODEL | -p PREDICTIONS) [options]\n"
    "Report errors per label region: rows, mean label and prediction, bias, MAE,\n"
    "RMSE, mean selective and square loss, share of predictions in the right\n"
    "region, and the region confusion matrix; for data with query groups also\n"
    "NDCG@k, ERR@k, MAP, MRR and the pairwise ordering accuracy per region pair\n"
    "(ties in score broken pessimistically; means over queries).\n"
    "\n"
    "  -d, --data FILE          labelled data (libsvm/SVMlight/LETOR; gzip ok; - = stdin)\n"
    "  -m, --model FILE         score DATA with this model\n"
    "  -p, --predictions FILE   or read one score per line from this file\n"
    "      --loss SPEC          selective loss to report (default: the model's; lin with -p)\n"
    "      --regions B1,B2,...  region boundaries (default: the model's; with -p,\n"
    "                           distinct labels if <= 10, else quartiles of DATA)\n"
    "      --label-transform T  none|log|log1p applied to DATA's labels (default: the\n"
    "                           model's; none with -p)\n"
    "      --format F           text|tsv|json (text)\n"
    CLI_DATA_OPTIONS_HELP
    "Ranking metrics, printed when DATA has query groups (qid: or a group file):\n"
    "      --group FILE         query groups: one row count per line (LightGBM .query,\n"
    "                           XGBoost .group); default: DATA.query or DATA.group\n"
    "                           beside DATA when its rows have no qid:\n"
    "      --cutoffs K1,K2,...  k of NDCG@k and ERR@k (1,3,5,10)\n"
    "      --metric-gain G      exp2 (2^y - 1, default) | linear (y); labels <= 0 gain 0\n"
    "      --relevance-threshold X  MAP and MRR count a row relevant when y > X (0)\n"
    "      --no-relevant P      a query with no relevant row: one (counts as 1,\n"
    "                           ERR 0; default, as LightGBM) | skip (left out)\n"
    "      --per-query FILE     also write one TSV line per query: qid, rows, metrics\n"
    "  -o, --output FILE        where to write the report (default - = stdout)\n"
    "  -q, --quiet              no progress on stderr\n"
    "  -h, --help               this help\n";

enum {
    OPT_LOSS = 256, OPT_REGIONS, OPT_FORMAT, OPT_LABEL_TRANSFORM, OPT_GROUP, OPT_CUTOFFS,
    OPT_METRIC_GAIN, OPT_THRESHOLD, OPT_NO_RELEVANT, OPT_PER_QUERY, OPT_THREADS, OPT_CACHE
};

int cmd_eval(int argc, char **argv)
{
    static const struct option options[] = {
        {"data", required_argument, NULL, 'd'},
        {"model", required_argument, NULL, 'm'},
        {"predictions", required_argument, NULL, 'p'},
        {"loss", required_argument, NULL, OPT_LOSS},
        {"regions", required_argument, NULL, OPT_REGIONS},
        {"label-transform", required_argument, NULL, OPT_LABEL_TRANSFORM},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"cache", required_argument, NULL, OPT_CACHE},
        {"output", required_argument, NULL, 'o'},
        {"group", required_argument, NULL, OPT_GROUP},
        {"cutoffs", required_argument, NULL, OPT_CUTOFFS},
        {"metric-gain", required_argument, NULL, OPT_METRIC_GAIN},
        {"relevance-threshold", required_argument, NULL, OPT_THRESHOLD},
        {"no-relevant", required_argument, NULL, OPT_NO_RELEVANT},
        {"per-query", required_argument, NULL, OPT_PER_QUERY},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data_path = NULL, *model_path = NULL, *pred_path = NULL, *loss = NULL;
    const char *regions_text = NULL, *output = "-", *group_path = NULL, *per_query_path = NULL;
    int quiet = 0, format = REPORT_TEXT, transform = -1, c, rc = SM_OK, choice;
    sm_rank_config rank_cfg;
    sm_error err;
    rank_config_default(&rank_cfg);
    cli_data_options data_opt = {0, NULL};
    optind = 1;
    while (rc == SM_OK && (c = getopt_long(argc, argv, "d:m:p:o:qh", options, NULL)) != -1) {
        switch (c) {
        case 'd': data_path = optarg; break;
        case 'm': model_path = optarg; break;
        case 'p': pred_path = optarg; break;
        case 'o': output = optarg; break;
        case 'q': quiet = 1; break;
        case OPT_LOSS: loss = optarg; break;
        case OPT_THREADS: rc = cli_parse_threads("eval", optarg, &data_opt); break;
        case OPT_CACHE: data_opt.cache = optarg; break;
        case OPT_REGIONS: regions_text = optarg; break;
        case OPT_FORMAT: rc = cli_parse_choice("eval", "--format", optarg, report_format_names, &format); break;
        case OPT_LABEL_TRANSFORM:
            rc = cli_parse_choice("eval", "--label-transform", optarg, label_transform_names, &transform);
            break;
        case OPT_GROUP: group_path = optarg; break;
        case OPT_PER_QUERY: per_query_path = optarg; break;
        case OPT_CUTOFFS:
            if (rank_cutoffs_parse(optarg, &rank_cfg, &err) != SM_OK)
                return cli_usage_error("eval", "--cutoffs: %s", err.msg);
            break;
        case OPT_METRIC_GAIN:
            if ((rc = cli_parse_choice("eval", "--metric-gain", optarg, rank_gain_names, &choice)) == SM_OK)
                rank_cfg.gain = (sm_gain_kind)choice;
            break;
        case OPT_THRESHOLD:
            rc = cli_parse_double("eval", "--relevance-threshold", optarg, -1e300, 1e300,
                                  &rank_cfg.threshold);
            break;
        case OPT_NO_RELEVANT:
            if ((rc = cli_parse_choice("eval", "--no-relevant", optarg, rank_no_relevant_names, &choice)) == SM_OK)
                rank_cfg.no_relevant = (sm_no_relevant)choice;
            break;
        case 'h': fputs(eval_usage, stdout); return SM_OK;
        default: return cli_usage_error("eval", "unknown or incomplete option");
        }
    }
    if (rc != SM_OK)
        return rc;
    if (optind < argc)
        return cli_usage_error("eval", "unexpected argument '%s'", argv[optind]);
    if (!data_path || (!model_path == !pred_path))
        return cli_usage_error("eval", "--data and exactly one of --model or --predictions are required");

    sm_model model;
    sm_link link;
    sm_regions regions;
    sm_dataset ds;
    double *scores = NULL;
    int64_t n_scores = 0;
    sm_rank_report *rank = NULL;
    sm_query_metrics *per_query = NULL;
    model_init(&model);
    dataset_init(&ds);
    sm_region_report *rep = malloc(sizeof *rep);
    if (!rep) {
        cli_msg("out of memory");
        return SM_EFAIL;
    }

    if (model_path && model_load(model_path, &model, &err) != SM_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    if (loss) {
        if (link_parse(loss, &link, &err) != SM_OK) {
            rc = cli_usage_error("eval", "--loss: %s", err.msg);
            goto out;
        }
    } else if (model_path) {
        link = model.link;
    } else {
        link_parse("lin", &link, NULL);
    }
    if (transform < 0)
        transform = model_path ? (int)model.label_transform : LABEL_NONE;
    if ((rc = cli_load_grouped_data(data_path, group_path, quiet, &data_opt, &ds)) != SM_OK)
        goto out;
    if (per_query_path && ds.n_groups == 0) {
        cli_msg("--per-query: %s has no query groups (add qid:N to its rows or give --group)",
                ds.source);
        rc = SM_EUSAGE;
        goto out;
    }
    if ((rc = dataset_transform_labels(&ds, (sm_label_transform)transform, &err)) != SM_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    if (pred_path) {
        if ((rc = reader_read_scores(pred_path, &scores, &n_scores, &err)) != SM_OK) {
            rc = cli_fail(&err);
            goto out;
        }
        if (n_scores != ds.n_rows) {
            cli_msg("%s has %lld predictions but %s has %lld rows", pred_path,
                    (long long)n_scores, ds.source, (long long)ds.n_rows);
            rc = SM_EDATA;
            goto out;
        }
    } else {
        if (!(scores = malloc((size_t)(ds.n_rows > 0 ? ds.n_rows : 1) * sizeof *scores))) {
            cli_msg("out of memory");
            rc = SM_EFAIL;
            goto out;
        }
        model_predict(&model, &ds, scores);
    }
    if (regions_text) {
        if (regions_parse(regions_text, &regions, &err) != SM_OK) {
            rc = cli_usage_error("eval", "--regions: %s", err.msg);
            goto out;
        }
        regions.origin = REGIONS_GIVEN;
    } else if (model_path) {
        regions = model.regions;
    } else {
        regions_from_labels(ds.label, ds.n_rows, &regions);
    }
    if ((rc = metrics_region_report(&regions, &link, ds.label, scores, ds.n_rows, rep, &err)) != SM_OK) {
        rc = cli_fail(&err);
        goto out;
    }

    if (ds.n_groups > 0) {
        if (!(rank = malloc(sizeof *rank)) ||
            (per_query_path && !(per_query = malloc((size_t)ds.n_groups * sizeof *per_query)))) {
            cli_msg("out of memory");
            rc = SM_EFAIL;
            goto out;
        }
        if (rank_report_compute(&rank_cfg, &regions, ds.group_ptr, ds.n_groups, ds.label, scores,
                                rank, per_query, &err) != SM_OK) {
            rc = cli_fail(&err);
            goto out;
        }
    }

    char spec[LINK_SPEC_MAX];
    link_format(&link, spec, sizeof spec);
    sm_report_meta meta = {ds.source, model_path, pred_path, spec,
                           label_transform_name((sm_label_transform)transform)};
    cli_output out;
    if ((rc = cli_output_open(&out, output)) != SM_OK)
        goto out;
    if ((rc = report_write(out.f, (sm_report_format)format, &meta, rep, rank, &err)) != SM_OK) {
        cli_msg("%s: %s", output, err.msg);
        cli_output_abort(&out);
        goto out;
    }
    if ((rc = cli_output_commit(&out)) != SM_OK || !per_query_path)
        goto out;
    if ((rc = cli_output_open(&out, per_query_path)) != SM_OK)
        goto out;
    if ((rc = report_write_per_query(out.f, rank, per_query, ds.qid, ds.group_ptr, ds.n_groups,
                                     &err)) != SM_OK) {
        cli_msg("%s: %s", per_query_path, err.msg);
        cli_output_abort(&out);
        goto out;
    }
    rc = cli_output_commit(&out);
out:
    free(rank);
    free(per_query);
    free(rep);
    free(scores);
    dataset_free(&ds);
    model_free(&model);
    return rc;
}
