/* cli_ranks.c - a command under mpirun: each rank's files and shares, what
 * is said once, and what rank 0 writes for all (cli_ranks.h). */
#include "cli_ranks.h"

#include <stdlib.h>

#include "cli_msg.h"

/* A usage error that every rank finds: rank 0 tells it. */
static int ranks_usage_error(const sm_dist *d, const char *what)
{
    return dist_rank(d) == 0 ? cli_usage_error("train", "%s", what) : SM_EUSAGE;
}

/* Which of the names hold %r (a file per rank). */
typedef struct {
    int data, valid, targets, valid_targets, weights, valid_weights, cache;
} per_rank;

/* Expand %r in every name given into p, and point f and o at them. */
static int expand_names(const sm_dist *d, cli_rank_files *f, cli_data_options *o,
                        cli_rank_paths *p, per_rank *r)
{
    const size_t size = sizeof p->data;
    *r = (per_rank){0};
    r->data = dist_expand_path(d, f->data, p->data, size);
    r->valid = f->valid ? dist_expand_path(d, f->valid, p->valid, size) : 0;
    r->targets = f->targets ? dist_expand_path(d, f->targets, p->targets, size) : 0;
    r->valid_targets =
        f->valid_targets ? dist_expand_path(d, f->valid_targets, p->valid_targets, size) : 0;
    /* (--weights none and the weights beside the data have no name to expand) */
    const char *weights = cli_weights_file(f->weights);
    const char *valid_weights = cli_weights_file(f->valid_weights);
    r->weights = weights ? dist_expand_path(d, weights, p->weights, size) : 0;
    r->valid_weights = valid_weights ? dist_expand_path(d, valid_weights, p->valid_weights, size)
                                     : 0;
    if (r->data < 0 || r->valid < 0 || r->targets < 0 || r->valid_targets < 0 ||
        r->weights < 0 || r->valid_weights < 0 ||
        (o->cache && (r->cache = dist_expand_path(d, o->cache, p->cache, size)) < 0))
        return ranks_usage_error(d, "--data, --valid, --targets, --valid-targets, --weights, "
                                    "--valid-weights or --cache: the file name is too long");
    f->data = p->data;
    f->valid = f->valid ? p->valid : NULL;
    f->targets_given = f->targets;
    f->targets = f->targets ? p->targets : NULL;
    f->valid_targets = f->valid_targets ? p->valid_targets : NULL;
    f->weights_given = weights;
    if (weights)
        f->weights = p->weights;
    if (valid_weights)
        f->valid_weights = p->valid_weights;
    if (o->cache)
        o->cache = p->cache;
    return SM_OK;
}

/* The names that must go together: a targets or weights file per data
 * file or one for all, a cache per rank. */
static int check_pairs(const sm_dist *d, const cli_rank_files *f, const cli_data_options *o,
                       const per_rank *r, int folds)
{
    /* a rank's targets: its share's rows of one targets file, or with one
     * data file per rank its own targets file */
    if ((f->targets && r->data != r->targets) ||
        (f->valid_targets && r->valid != r->valid_targets))
        return ranks_usage_error(d, "with several ranks, --targets (--valid-targets) goes with "
                                    "--data (--valid): %r in both names (a targets file per "
                                    "data file) or in neither (one file cut among the ranks)");
    /* the same for the weights (each rank's cache keeps its own file's) */
    if ((f->weights_given && r->data != r->weights) ||
        (cli_weights_file(f->valid_weights) && r->valid != r->valid_weights))
        return ranks_usage_error(d, "with several ranks, --weights (--valid-weights) goes with "
                                    "--data (--valid): %r in both names (a weights file per "
                                    "data file) or in neither (one file cut among the ranks)");
    if (folds)
        return ranks_usage_error(d, "--folds cross-validates on one process only");
    if (o->cache && !(r->data && r->cache))
        return ranks_usage_error(d, "with several ranks, --cache keeps one cache per rank: "
                                    "give one data file per rank and %r in both names "
                                    "(-d part-%r.txt --cache part-%r.cache)");
    return SM_OK;
}

/* Where a rank reads its part of one file that all the ranks read: share
 * `share` of `shares`, by query when by_query. The queries then come from the
 * rows' qid:, or from a group file (given, or found beside the data into
 * beside), whose sizes each rank slices at its rows; its own group file is
 * then dropped, since the share reads the slice. */
typedef struct {
    int *share, *shares, *share_by_query;
    const char **share_groups;
    int *groups_beside;
    const char **group; /* the file's --group (NULL: none given) */
    const char *data;   /* the file */
    char *beside;       /* room for the name of a group file beside it */
    size_t beside_size;
} rank_share;

static void share_among_ranks(const sm_dist *d, rank_share s, int by_query)
{
    *s.share = dist_rank(d);
    *s.shares = dist_size(d);
    *s.share_by_query = by_query;
    *s.groups_beside = !*s.group;
    if (!by_query)
        return;
    *s.share_groups = *s.group ? cli_group_file(*s.group)
                               : cli_group_file_beside(s.data, s.beside, s.beside_size);
    *s.group = CLI_GROUP_NONE;
}

int cli_ranks_setup(const sm_dist *d, const cli_rank_needs *needs, cli_rank_files *f,
                    cli_data_options *o, int *quiet, cli_rank_paths *p)
{
    per_rank r;
    int rc = expand_names(d, f, o, p, &r);
    if (rc != SM_OK || !dist_many(d))
        return rc;
    *quiet |= dist_rank(d) != 0;
    /* ranks share a machine's cores: one thread each unless told */
    if (o->threads == 0)
        o->threads = 1;
    if ((rc = check_pairs(d, f, o, &r, needs->folds)) != SM_OK)
        return rc;
    if (f->valid && !r.valid)
        share_among_ranks(d,
                          (rank_share){&f->valid_share, &f->valid_shares,
                                       &f->valid_share_by_query, &f->valid_share_groups,
                                       &f->valid_share_groups_beside, &f->valid_group, f->valid,
                                       p->valid_group, sizeof p->valid_group},
                          needs->valid_by_query);
    if (!r.data)
        share_among_ranks(d,
                          (rank_share){&o->share, &o->shares, &o->share_by_query,
                                       &o->share_groups, &o->share_groups_beside, &f->group,
                                       f->data, p->group, sizeof p->group},
                          needs->ranking);
    return SM_OK;
}

int cli_ranks_agree(sm_dist *d, int rc)
{
    int first;
    sm_error err;
    sm_error_clear(&err); /* (the message was printed: only the status travels) */
    rc = (int)dist_agree_first(d, (sm_status)rc, &first, &err);
    cli_msg_flush(first < 0 || dist_rank(d) == first);
    return rc;
}

int cli_ranks_fail(const sm_dist *d, sm_status st, const sm_error *err)
{
    return dist_rank(d) == 0 ? cli_fail(err) : (int)st;
}

void cli_ranks_tell_once(int *argc, char ***argv)
{
    sm_dist d;
    sm_error err;
    if (dist_open(&d, argc, argv, &err) == SM_OK) {
        cli_msg_flush(dist_rank(&d) == 0);
        dist_close(&d);
    }
    cli_msg_release();
}

int cli_ranks_share_rows(sm_dist *dist, int64_t n, int64_t *first, int64_t *all)
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

int cli_ranks_put_scores(sm_dist *dist, cli_output *out, const sm_model *model,
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
    return st == SM_OK ? SM_OK : cli_ranks_fail(dist, st, &err);
}
