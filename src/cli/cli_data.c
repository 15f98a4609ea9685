/* cli_data.c - data files for the commands: options, cache, groups, progress. */
#include "cli_data.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cache.h"
#include "cli_msg.h"
#include "cli_opts.h"
#include "cli_output.h"
#include "membudget.h"
#include "reader.h"

int cli_parse_threads(const char *cmd, const char *text, cli_data_options *o)
{
    int64_t n;
    int rc = cli_parse_int64(cmd, "--threads", text, 0, 1024, &n);
    if (rc == SM_OK)
        o->threads = (int)n;
    return rc;
}

int cli_parse_memory(const char *cmd, const char *text, cli_data_options *o)
{
    sm_error err;
    return membudget_parse("--memory", text, &o->memory, &err) == SM_OK
               ? SM_OK
               : cli_usage_error(cmd, "%s", err.msg);
}

uint64_t cli_memory_budget(const cli_data_options *o, char *source, size_t cap)
{
    uint64_t budget;
    if (o && o->memory) {
        snprintf(source, cap, "--memory");
        return o->memory;
    }
    membudget_default(&budget, source, cap);
    return budget;
}

int cli_data_streamed(const sm_dataset *ds, uint64_t budget)
{
    return ds->mapping && ds->mapping_len >= budget;
}

/* Say how data larger than the budget is read: streamed from its cache, or
 * held in memory all the same (text is parsed into memory). */
static void tell_memory(const cli_data_options *o, const sm_dataset *ds, uint64_t budget,
                        const char *source)
{
    char size[32], limit[32];
    uint64_t held = (uint64_t)(ds->n_rows + 1) * 16 + (uint64_t)ds->nnz * 8;
    if (cli_data_streamed(ds, budget))
        cli_msg("streaming %s from the cache %s: the cache's %s exceed the memory budget of %s "
                "(%s)", ds->source, o->cache, membudget_format(ds->mapping_len, size, sizeof size),
                membudget_format(budget, limit, sizeof limit), source);
    else if (!ds->mapping && held >= budget)
        cli_msg("warning: %s holds %s in memory, over the memory budget of %s (%s): with "
                "--cache FILE the next runs stream it", ds->source,
                membudget_format(held, size, sizeof size),
                membudget_format(budget, limit, sizeof limit), source);
}
int cli_parse_duplicates(const char *cmd, const char *text, cli_data_options *o)
{
    return cli_parse_choice(cmd, "--duplicates", text, reader_duplicates_names, &o->duplicates);
}

/* What the reading progress shows: the step (reading the file, or a step of
 * its cache), how far, and the rate since the step began. */
typedef struct {
    cli_progress bar;
    const char *path, *cache;
    int step; /* the step shown, -1 before the first */
} read_progress;

static void on_read_progress(void *ctx, sm_read_step step, uint64_t done, uint64_t total)
{
    static const char *const says[READ_STEP_COUNT] = {
        [READ_STEP_TEXT] = "reading %s", [READ_STEP_HASH] = "cache %s: hashing the data files",
        [READ_STEP_CHECK] = "cache %s: checking it", [READ_STEP_WRITE] = "cache %s: writing it"};
    read_progress *r = ctx;
    if (r->step >= 0 && (int)step != r->step) /* (the first counts from the start) */
        cli_progress_restart(&r->bar);
    r->step = (int)step;
    char what[300];
    snprintf(what, sizeof what, says[step], step == READ_STEP_TEXT ? r->path : r->cache);
    cli_progress_show(&r->bar, what, (double)done, (double)total, "B");
}

static void read_progress_init(read_progress *r, const char *path, int quiet,
                               const cli_data_options *o)
{
    cli_progress_init(&r->bar, quiet);
    r->path = strcmp(path, "-") ? path : "<stdin>";
    r->cache = o ? o->cache : NULL;
    r->step = -1;
}

/* The weights file of the data file path as --weights weights_path says:
 * that file, or DATA.weight when it is beside path (*beside set, if
 * beside is not NULL), or NULL: none. */
static const char *weights_file(const char *path, const char *weights_path, char *buf,
                                size_t size, int *beside)
{
    struct stat st;
    if (beside)
        *beside = 0;
    if (weights_path)
        return cli_weights_file(weights_path);
    if (strcmp(path, "-") == 0 || snprintf(buf, size, "%s.weight", path) >= (int)size ||
        stat(buf, &st) != 0 || !S_ISREG(st.st_mode))
        return NULL;
    if (beside)
        *beside = 1;
    return buf;
}

/* A share of path cut at the queries of the group file o->share_groups,
 * with its slice of them as its groups. */
static sm_status read_share_of_groups(const char *path, const sm_reader_options *opt,
                                      const sm_reader_parallel *par, const cli_data_options *o,
                                      sm_dataset *ds, sm_error *err)
{
    int64_t *sizes = NULL, n = 0, first_row = 0, g0 = 0, g1;
    sm_status st = sidecar_read_groups(o->share_groups, &sizes, &n, err);
    int64_t *start = st == SM_OK ? malloc((size_t)(n + 1) * sizeof *start) : NULL;
    if (st == SM_OK && !start)
        st = sm_fail(err, SM_EFAIL, "out of memory for %lld query groups", (long long)n);
    for (int64_t g = 0; start && g <= n; g++)
        start[g] = g == 0 ? 0 : start[g - 1] + sizes[g - 1];
    if (st == SM_OK)
        st = reader_read_share_groups(path, opt, par, o->share, o->shares, start, n, &first_row,
                                      ds, err);
    while (st == SM_OK && g0 < n && start[g0] < first_row)
        g0++;
    for (g1 = g0; st == SM_OK && g1 < n && start[g1] < first_row + ds->n_rows;)
        g1++;
    if (st == SM_OK && ds->qid && o->share_groups_beside) { /* as when not cut: qid: wins */
        free(sizes);
        free(start);
        dataset_free(ds);
        return reader_read_share(path, opt, par, o->share, o->shares, 1, ds, err);
    }
    if (st == SM_OK && ds->qid)
        st = sm_fail(err, SM_EUSAGE, "%s has qid: on its rows, so its groups are known; the "
                     "group file %s would replace them: give one or the other (--group none)",
                     path, o->share_groups);
    else if (st == SM_OK && (start[g1] != first_row + ds->n_rows ||
                             (o->share == o->shares - 1 && start[n] != first_row + ds->n_rows)))
        st = sm_fail(err, SM_EDATA, "%s: its group sizes (%lld rows) do not fit the rows of %s "
                     "(rank %d's share, from row %lld, ends at row %lld)", o->share_groups,
                     (long long)start[n], path, o->share, (long long)first_row + 1,
                     (long long)(first_row + ds->n_rows));
    if (st == SM_OK)
        st = dataset_set_group_sizes(ds, sizes + g0, g1 - g0, o->share_groups, err);
    free(sizes);
    free(start);
    return st;
}

int cli_load_data(const char *path, int quiet, const cli_data_options *o, sm_dataset *ds)
{
    read_progress prog;
    read_progress_init(&prog, path, quiet, o);
    /* The cache's temporary file joins the outputs' in the signal handler's table. */
    sm_reader_options opt = {.progress = on_read_progress, .progress_ctx = &prog,
                             .temp_file = cli_output_track_temp,
                             .check_label = o ? o->check_label : NULL,
                             .check_label_ctx = o ? o->check_label_ctx : NULL,
                             .allow_unlabeled = o ? o->allow_unlabeled : 0,
                             .command = o ? o->command : NULL,
                             .duplicates = o ? (sm_duplicates)o->duplicates : DUPLICATES_ERROR};
    char budget_source[96];
    uint64_t budget = cli_memory_budget(o, budget_source, sizeof budget_source);
    sm_reader_parallel par = {o ? o->threads : 0, 0, budget};
    sm_error err;
    cache_report rep;
    char beside[4096];
    const char *weights = o && o->cache && o->weighted
                              ? weights_file(path, o->weights, beside, sizeof beside, NULL)
                              : NULL;
    struct stat st_weights;
    if (weights && (stat(weights, &st_weights) != 0 || !S_ISREG(st_weights.st_mode)))
        weights = NULL; /* "-", a pipe: no identity to keep; or missing: its error comes later */
    sm_status st = o && o->cache ? cache_load(path, weights, o->cache, &opt, &par, ds, &rep, &err)
                   : o && o->shares > 1 && o->share_groups
                       ? read_share_of_groups(path, &opt, &par, o, ds, &err)
                   : o && o->shares > 1 ? reader_read_share(path, &opt, &par, o->share, o->shares,
                                                            o->share_by_query, ds, &err)
                                        : reader_read_file_parallel(path, &opt, &par, ds, &err);
    cli_progress_done(&prog.bar);
    if (st != SM_OK)
        return cli_fail(&err);
    if (o && o->cache && rep.outcome == CACHE_NOT_WRITTEN)
        cli_msg("warning: cache %s not written: %s", o->cache, rep.why);
    else if (o && o->cache && rep.outcome == CACHE_WRITTEN && !quiet)
        cli_msg("wrote cache %s (%s)", o->cache, rep.why);
    if (ds->mapping)
        cli_signals_watch_cache(o->cache);
    if (!quiet)
        tell_memory(o, ds, budget, budget_source);
    if (ds->duplicate_rows > 0 && !quiet)
        cli_msg("note: %s: %lld rows repeat a feature index: %s (--duplicates %s)", ds->source,
                (long long)ds->duplicate_rows,
                opt.duplicates == DUPLICATES_SUM ? "its values summed" : "its last value kept",
                reader_duplicates_names[opt.duplicates]);
    return SM_OK;
}

const char *cli_group_file_beside(const char *path, char *buf, size_t size)
{
    static const char *const suffixes[] = {".query", ".group"};
    if (strcmp(path, "-") == 0)
        return NULL;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        struct stat st;
        if (snprintf(buf, size, "%s%s", path, suffixes[i]) < (int)size && stat(buf, &st) == 0 &&
            S_ISREG(st.st_mode))
            return buf;
    }
    return NULL;
}

size_t cli_beside_inputs(const char *option, const char *data, const char *weights,
                         const char *group, cli_beside_names *names, cli_file *out)
{
    size_t n = 0;
    if (!data)
        return 0;
    if (!weights && weights_file(data, NULL, names->weight, sizeof names->weight, NULL)) {
        snprintf(names->weight_what, sizeof names->weight_what, "the weights beside %s", option);
        out[n++] = (cli_file){names->weight_what, names->weight, NULL};
    }
    if (!group && cli_group_file_beside(data, names->group, sizeof names->group)) {
        snprintf(names->group_what, sizeof names->group_what, "the groups beside %s", option);
        out[n++] = (cli_file){names->group_what, names->group, NULL};
    }
    return n;
}

/* The groups of group_path into ds; SM_OK or the (printed) failure. */
static int read_group_file(const char *group_path, int quiet_failure, sm_dataset *ds)
{
    if (ds->qid) {
        cli_msg("%s has qid: on its rows, so its groups are known; the group file %s "
                "would replace them: give one or the other", ds->source, group_path);
        return SM_EUSAGE;
    }
    sm_error err;
    int64_t *sizes = NULL, n_sizes = 0;
    sm_status st = sidecar_read_groups(group_path, &sizes, &n_sizes, &err);
    if (st == SM_OK)
        st = dataset_set_group_sizes(ds, sizes, n_sizes, group_path, &err);
    free(sizes);
    if (st != SM_OK && !quiet_failure)
        return cli_fail(&err);
    if (st != SM_OK)
        cli_msg("warning: %s; going on without query groups (--group none: not to read it)",
                err.msg);
    return SM_OK;
}

int cli_load_weights(const char *path, const char *weights_path, int by_query, int quiet,
                     int64_t first_row, int64_t all_rows, sm_dataset *ds)
{
    char beside[4096];
    int found;
    const char *file = weights_file(path, weights_path, beside, sizeof beside, &found);
    if (!file)
        return SM_OK;
    sm_error err;
    if (!ds->weight) { /* (else they came with the data from the cache: cli_load_data) */
        double *w = NULL;
        if (sidecar_read_weights(file, all_rows, ds->source, &w, &err) != SM_OK)
            return cli_fail(&err);
        if (all_rows != ds->n_rows) { /* a share: its rows' weights */
            double *mine = malloc((size_t)(ds->n_rows > 0 ? ds->n_rows : 1) * sizeof *mine);
            if (!mine) {
                free(w);
                cli_msg("%s: out of memory for %lld weights", file, (long long)ds->n_rows);
                return SM_EFAIL;
            }
            memcpy(mine, w + first_row, (size_t)ds->n_rows * sizeof *mine);
            free(w);
            w = mine;
        }
        ds->weight = w;
    }
    snprintf(ds->weight_source, sizeof ds->weight_source, "%.*s",
             (int)sizeof ds->weight_source - 1, strcmp(file, "-") == 0 ? "<stdin>" : file);
    if (by_query && dataset_check_query_weights(ds, ds->weight_source, &err) != SM_OK)
        return cli_fail(&err);
    if (found && !quiet)
        cli_msg("%s: using the row weights in %s", ds->source, file);
    return SM_OK;
}

int cli_load_grouped_data(const char *path, const char *group_path, cli_beside beside, int quiet,
                          const cli_data_options *o, sm_dataset *ds)
{
    int rc = cli_load_data(path, quiet, o, ds);
    if (rc != SM_OK)
        return rc;
    if (group_path && strcmp(group_path, CLI_GROUP_NONE) == 0)
        return SM_OK;
    if (group_path)
        return read_group_file(group_path, 0, ds);
    char beside_path[4096];
    if (beside == CLI_BESIDE_IGNORE || ds->n_groups > 0 ||
        !cli_group_file_beside(path, beside_path, sizeof beside_path))
        return SM_OK;
    rc = read_group_file(beside_path, beside == CLI_BESIDE_TRY, ds);
    if (rc == SM_OK && ds->n_groups > 0 && !quiet)
        cli_msg("%s has no qid: using the query groups in %s", ds->source, beside_path);
    return rc;
}
