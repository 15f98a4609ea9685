/* cli_data.h - how a command reads its data files: the --threads and --cache
 * options, terminal progress while reading, and the query groups of a group
 * file given or found beside the data. Errors are printed here; the functions
 * return the exit status.
 */
#ifndef SM_CLI_DATA_H
#define SM_CLI_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cli_output.h"
#include "dataset.h"
#include "reader.h" /* reader_duplicates_names */

/* --threads N and --cache FILE of a command. */
typedef struct {
    int threads;       /* 0 = one per core */
    const char *cache; /* binary cache file (cache.h), or NULL */
    /* the reader's rule on labels (sm_reader_options.check_label), or NULL */
    int (*check_label)(void *ctx, double label, char *why, size_t size);
    void *check_label_ctx;
    /* rows without a label: allowed (predict), or refused with a message
     * naming command (sm_reader_options.allow_unlabeled, .command) */
    int allow_unlabeled;
    const char *command;
    /* Read share `share` of `shares` of the file (reader_read_share, by
     * query with share_by_query); shares <= 1: all of it. With
     * share_groups, a group file (rows without qid:), the share is cut at
     * its queries (reader_read_share_groups) and gets its slice of them; one
     * found beside the data is passed over when the rows have qid:. */
    int share, shares, share_by_query;
    const char *share_groups;
    int share_groups_beside; /* found beside the data: rows with qid: keep theirs */
    /* The command reads row weights (cli_load_weights) as --weights says:
     * weights (NULL: DATA.weight beside the data when it exists). With a
     * cache, the cache keeps them (cache.h). */
    int weighted;
    const char *weights;
    /* --memory SIZE in bytes; 0: the default budget (membudget.h) */
    uint64_t memory;
    /* a feature index repeated within a row (--duplicates, reader.h) */
    int duplicates;
} cli_data_options;

/* Help lines of --threads as predict and eval use it (train's threads do more
 * and it words its own), and of --cache. */
#define CLI_THREADS_HELP \
    "      --threads N          threads reading DATA: parsing its text, hashing it for\n" \
    "                           --cache (0 = one per core, the default); any N gives\n" \
    "                           the same data\n"
#define CLI_CACHE_HELP \
    "      --cache FILE         keep the parsed DATA in binary FILE and reuse it while\n" \
    "                           the data file is unchanged (size, mtime, content hash)\n"

/* Help lines of --duplicates; its choices are {"duplicates",
 * reader_duplicates_names} in the command's table. */
#define CLI_DUPLICATES_HELP \
    "      --duplicates D       {duplicates}: a feature index repeated within a row\n" \
    "                           is an error (default), its values summed, or the\n" \
    "                           last one kept; a note says how many rows changed\n"

/* Parse the value of --threads. */
int cli_parse_threads(const char *cmd, const char *text, cli_data_options *o);
/* Help lines of --memory. */
#define CLI_MEMORY_HELP \
    "      --memory SIZE        memory the run may hold (512M, 4G; default: 3/4 of\n" \
    "                           the memory cgroup's limit or of MemAvailable, the\n" \
    "                           smaller); a --cache larger than SIZE is streamed:\n" \
    "                           read in order, block by block, not held in memory\n"
/* Parse the value of --memory. */
int cli_parse_memory(const char *cmd, const char *text, cli_data_options *o);
/* The budget o gives (--memory, else the default), with where it came from
 * in source[0 .. cap). */
uint64_t cli_memory_budget(const cli_data_options *o, char *source, size_t cap);
/* Whether ds, as cli_load_data read it under budget, is streamed: mapped
 * from a cache at least as large. */
int cli_data_streamed(const sm_dataset *ds, uint64_t budget);
/* Parse the value of --duplicates. */
int cli_parse_duplicates(const char *cmd, const char *text, cli_data_options *o);

/* Read a data file (o NULL: the default options); with a cache and
 * o->weighted, also the weights cli_load_weights would read, when they come
 * from a regular file (not "-" or a pipe: cli_load_weights reads those). */
int cli_load_data(const char *path, int quiet, const cli_data_options *o, sm_dataset *ds);
/* DATA.query or else DATA.group into buf, when it exists beside the data
 * file path (not "-"); else NULL. */
const char *cli_group_file_beside(const char *path, char *buf, size_t size);

/* What a group file found beside the data (DATA.query or DATA.group) is to
 * a command: not read (the groups are not needed: a stale file must not
 * break pointwise training), read with its errors (needed), or read when it
 * fits, with a warning when it does not (wanted if there: eval's ranking
 * metrics). */
typedef enum { CLI_BESIDE_IGNORE = 0, CLI_BESIDE_READ, CLI_BESIDE_TRY } cli_beside;
/* --group none: no group file at all, not even one beside the data. */
#define CLI_GROUP_NONE "none"
/* The file a --group value names, or NULL (not given, or none). */
static inline const char *cli_group_file(const char *group)
{
    return group && strcmp(group, CLI_GROUP_NONE) != 0 ? group : NULL;
}

/* The same, plus query groups: from group_path (one row count per line, as
 * LightGBM's .query and XGBoost's .group files) when given (CLI_GROUP_NONE:
 * none), which data with qid: must not have; else, when the data has no qid,
 * from DATA.query or DATA.group beside DATA if one exists and `beside` says
 * so, announced on stderr unless quiet. */
int cli_load_grouped_data(const char *path, const char *group_path, cli_beside beside, int quiet,
                          const cli_data_options *o, sm_dataset *ds);

/* The files beside the data file `data` (given as `option`) that a command
 * reads unless told otherwise, for cli_check_files (cli_output.h): DATA.weight
 * unless `weights` (--weights) is given, and DATA.query or DATA.group unless
 * `group` (--group) is; those that exist, into out[0..2) (their names kept
 * in names); returns how many. */
typedef struct {
    char weight[4096], group[4096];
    char weight_what[64], group_what[64];
} cli_beside_names;
size_t cli_beside_inputs(const char *option, const char *data, const char *weights,
                         const char *group, cli_beside_names *names, cli_file *out);

/* --weights none: no weights at all, not even DATA.weight beside the data. */
#define CLI_WEIGHTS_NONE "none"
/* Help lines of --weights (train and eval). */
#define CLI_WEIGHTS_HELP \
    "      --weights FILE       one weight >= 0 per DATA row, a line (LightGBM .weight):\n" \
    "                           weighted objective, metrics and reports (any scale:\n" \
    "                           normalised; equal weights are no weights); default:\n" \
    "                           DATA.weight beside DATA; none: no weights\n"

/* The file a --weights value names, or NULL (not given, or none). */
static inline const char *cli_weights_file(const char *weights)
{
    return weights && strcmp(weights, CLI_WEIGHTS_NONE) != 0 ? weights : NULL;
}
/* Row weights of ds (sidecar.h) into ds->weight: from weights_path when given
 * (CLI_WEIGHTS_NONE: none), else from DATA.weight beside DATA when it exists,
 * announced on stderr unless quiet; weights ds already has came with it from
 * the cache (cli_load_data, with the same weights_path) and are kept.
 * by_query: the data's queries are weighed
 * (ranking objectives and metrics), so a query's rows must share a weight.
 * ds holds rows [first_row, first_row + ds->n_rows) of the all_rows rows of
 * path (a rank's share of it; 0 and ds->n_rows: all of it), and the file
 * has a weight for each of all_rows. */
int cli_load_weights(const char *path, const char *weights_path, int by_query, int quiet,
                     int64_t first_row, int64_t all_rows, sm_dataset *ds);

#endif
