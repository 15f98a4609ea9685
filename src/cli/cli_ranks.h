/* cli_ranks.h - a command under mpirun (dist.h): which files each rank
 * reads, what is said once rather than once per rank, and the outputs that
 * rank 0 writes for all.
 *
 * A file name with %r is one file per rank (part-%r.txt); one without is
 * one file that the ranks cut into shares (reader_read_share). Rank 0 alone
 * talks, but for what only another rank finds.
 */
#ifndef SM_CLI_RANKS_H
#define SM_CLI_RANKS_H

#include "cli_data.h"
#include "cli_output.h"
#include "dist.h"
#include "model.h"

/* The file options of `train` that the ranks share or split, pointed by
 * cli_ranks_setup at this rank's files; the names as given are kept for the
 * model's provenance. */
typedef struct {
    const char *data, *valid, *group, *valid_group, *weights, *valid_weights;
    const char *targets, *valid_targets; /* multi-class target files */
    const char *targets_given;           /* --targets as given (%r not expanded) */
    const char *weights_given;           /* --weights as given (%r not expanded) */
    /* the share of --valid this rank reads (reader_read_share), and the
     * group file it is cut by (cli_data.h) */
    int valid_share, valid_shares, valid_share_by_query;
    const char *valid_share_groups;
    int valid_share_groups_beside;
} cli_rank_files;

/* This rank's files: the names given with %r expanded to the rank. */
typedef struct {
    char data[4096], cache[4096], valid[4096], targets[4096], valid_targets[4096];
    char weights[4096], valid_weights[4096];
    char group[4096], valid_group[4096]; /* group files found beside the data */
} cli_rank_paths;

/* What decides how the ranks split the data. */
typedef struct {
    int ranking;        /* the data is read by query */
    int valid_by_query; /* the validation data is (a ranking metric too) */
    int folds;          /* --folds was given: one process only */
} cli_rank_needs;

/* Point f (and o's cache) at this rank's files (names in p); with several
 * ranks, this rank's shares, one thread each unless told, and *quiet on all
 * but rank 0. Every rank calls it; a usage error is told by rank 0. */
int cli_ranks_setup(const sm_dist *d, const cli_rank_needs *needs, cli_rank_files *f,
                    cli_data_options *o, int *quiet, cli_rank_paths *p);

/* What every rank passes here: the status of the lowest rank that failed,
 * else SM_OK. Several ranks keep their messages until here (cli_msg_hold):
 * after a failure the lowest failing rank prints its own and the others
 * drop theirs, so what every rank found is said once; else each prints its
 * own (rank 0's notes; the other ranks are quiet but for warnings). */
int cli_ranks_agree(sm_dist *d, int rc);

/* A failure st that every rank finds alike, with the same message: rank 0
 * tells it. Returns the exit status. */
int cli_ranks_fail(const sm_dist *d, sm_status st, const sm_error *err);

/* A usage error found before MPI started: every rank finds it, rank 0 tells
 * it (the messages were kept: cli_msg_hold). */
void cli_ranks_tell_once(int *argc, char ***argv);

/* Several ranks sharing one file: the rows before this rank's share (the
 * earlier ranks' rows) and the file's. Every rank calls it. */
int cli_ranks_share_rows(sm_dist *dist, int64_t n, int64_t *first, int64_t *all);

/* Several ranks: the scores of every rank's rows, in rank order, written by
 * rank 0 into out. Every rank calls it. */
int cli_ranks_put_scores(sm_dist *dist, cli_output *out, const sm_model *model,
                         const sm_dataset *train);

#endif
