/* cli_opts.h - option values of the subcommands: numbers in a range and
 * choices from a name table (names.h).
 *
 * Each parser takes the command and option names for its message, prints
 * "smloss CMD: ..." with a pointer to --help when the value is bad, and
 * returns SM_OK or SM_EUSAGE.
 */
#ifndef SM_CLI_OPTS_H
#define SM_CLI_OPTS_H

#include <stdint.h>
#include <stdio.h>

/* The whole text must be a number in [min, max]. */
int cli_parse_double(const char *cmd, const char *opt, const char *text, double min, double max,
                     double *out);
int cli_parse_int64(const char *cmd, const char *opt, const char *text, int64_t min, int64_t max,
                    int64_t *out);
/* The message for what getopt_long (with opterr = 0, as main sets it)
 * returned '?' for: an unrecognized option, or one that needs a value and
 * has none, named as the command line spelled it. Returns SM_EUSAGE. */
struct option;
int cli_bad_option(const char *cmd, int argc, char **argv, const char *shorts,
                   const struct option *longs);
/* Index of text in a NULL-terminated list of names, or a message listing them. */
int cli_parse_choice(const char *cmd, const char *opt, const char *text, const char *const *names,
                     int *out);

/* A command's --help names each list of choices "{KEY}" instead of spelling
 * it out; cli_print_help writes the text with every {KEY} replaced by the
 * names of KEY's table joined by '|', so a name added to a table (names.h)
 * shows in the help as it does in parsing. Where the table has a help line
 * for each name (help(i) for names[i]), "{KEY:help}" is replaced by one line
 * "NAME: HELP" a name, every line (HELP's own lines are separated by '\n')
 * starting at the placeholder's column. choices ends with {NULL, NULL, NULL}. */
typedef struct {
    const char *key;
    const char *const *names;
    const char *(*help)(int i); /* may be NULL */
} cli_choices;

void cli_print_help(FILE *f, const char *text, const cli_choices *choices);

#endif
