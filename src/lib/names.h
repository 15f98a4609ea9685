/* names.h - enum values and their names on the command line and in files.
 *
 * A module keeps one table of names per enum: indexed by the enum value
 * (designated initializers tie each name to its value) and ending in NULL.
 * Parsing, printing and the CLI's lists of choices all read that one table,
 * so a name is spelled in exactly one place.
 */
#ifndef SM_NAMES_H
#define SM_NAMES_H

/* Index of name in a NULL-terminated table, or -1 (also for a NULL name). */
int names_find(const char *const *names, const char *name);

#endif
