/* cli_data.h - how a command reads its data files: the --threads and --cache
 * options, terminal progress while reading, and the query groups of a group
 * file given or found beside the data. Errors are printed here; the functions
 * return the exit status.
 */
#ifndef SM_CLI_DATA_H
#define SM_CLI_DATA_H

#include <stddef.h>

#include "dataset.h"

/* --threads N and --cache FILE of a command. */
typedef struct {
    int threads;       /* 0 = one per core */
    const char *cache; /* binary cache file (cache.h), or NULL */
    /* the reader's rule on labels (sm_reader_options.check_label), or NULL */
    int (*check_label)(void *ctx, double label, char *why, size_t size);
    void *check_label_ctx;
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

/* Parse the value of --threads. */
int cli_parse_threads(const char *cmd, const char *text, cli_data_options *o);

/* Read a data file (o NULL: the default options). */
int cli_load_data(const char *path, int quiet, const cli_data_options *o, sm_dataset *ds);
/* The same, plus query groups: from group_path (one row count per line, as
 * LightGBM's .query and XGBoost's .group files) when given, which data with
 * qid: must not have; else, when the data has no qid, from DATA.query or
 * DATA.group beside DATA if one exists, announced on stderr unless quiet. */
int cli_load_grouped_data(const char *path, const char *group_path, int quiet,
                          const cli_data_options *o, sm_dataset *ds);

#endif
