/* cli_opts.c - parsing option values, with messages that name the option. */
#include "cli_opts.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_msg.h"
#include "numfmt.h"

int cli_parse_double(const char *cmd, const char *opt, const char *text, double min, double max,
                     double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v))
        return cli_usage_error(cmd, "%s expects a number, got '%s'", opt, text);
    if (v < min || v > max) {
        /* Exact bounds: %g would print a bound just below 1 as 1, and say
         * that the value refused is in range. */
        char lo[32], hi[32];
        sm_format_double(lo, sizeof lo, min);
        sm_format_double(hi, sizeof hi, max);
        return cli_usage_error(cmd, "%s %s is out of range [%s, %s]", opt, text, lo, hi);
    }
    *out = v;
    return SM_OK;
}

int cli_bad_option(const char *cmd, int argc, char **argv, const char *shorts,
                   const struct option *longs)
{
    /* The word getopt stopped at: the last one it took, unless a short
     * option inside a cluster ("-qx") is the culprit (optopt says which). */
    const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
    if (strncmp(arg, "--", 2) == 0) {
        size_t len = strcspn(arg + 2, "=");
        const struct option *o = longs;
        while (o->name && !(strlen(o->name) == len && strncmp(o->name, arg + 2, len) == 0))
            o++;
        if (o->name && o->val == optopt)
            return cli_usage_error(cmd, "option '--%s' requires an argument", o->name);
        int prefixes = 0; /* (getopt takes an unambiguous prefix) */
        for (const struct option *p = longs; p->name; p++)
            prefixes += strncmp(p->name, arg + 2, len) == 0;
        if (!o->name && optopt == 0)
            return cli_usage_error(cmd, "%s option '%.*s'",
                                   prefixes > 1 ? "ambiguous" : "unrecognized", (int)len + 2, arg);
    }
    const char *known = optopt > 0 && optopt != ':' ? strchr(shorts, optopt) : NULL;
    if (known)
        return cli_usage_error(cmd, "option '-%c' requires an argument", optopt);
    return cli_usage_error(cmd, "unrecognized option '-%c'", optopt > 0 ? optopt : '?');
}

int cli_parse_int64(const char *cmd, const char *opt, const char *text, int64_t min, int64_t max,
                    int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0')
        return cli_usage_error(cmd, "%s expects a whole number, got '%s'", opt, text);
    if (errno == ERANGE || v < min || v > max)
        return cli_usage_error(cmd, "%s %s is out of range [%lld, %lld]", opt, text,
                               (long long)min, (long long)max);
    *out = v;
    return SM_OK;
}

int cli_parse_choice(const char *cmd, const char *opt, const char *text, const char *const *names,
                     int *out)
{
    char list[256] = "";
    for (int i = 0; names[i]; i++) {
        if (strcmp(names[i], text) == 0) {
            *out = i;
            return SM_OK;
        }
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", names[i]);
    }
    return cli_usage_error(cmd, "%s must be one of %s, got '%s'", opt, list, text);
}

static const cli_choices *find_choices(const cli_choices *choices, const char *key, size_t len)
{
    for (; choices && choices->key; choices++)
        if (strlen(choices->key) == len && memcmp(choices->key, key, len) == 0)
            return choices;
    return NULL;
}

/* {KEY:help}: a line "NAME: HELP" a name, HELP's lines too, at column col. */
static void print_choices_help(FILE *f, const cli_choices *c, int col)
{
    for (int i = 0; c->names[i]; i++) {
        fprintf(f, "%*s%s: ", i ? col : 0, "", c->names[i]);
        for (const char *p = c->help(i); *p; p++)
            if (*p == '\n')
                fprintf(f, "\n%*s", col, "");
            else
                fputc(*p, f);
        if (c->names[i + 1])
            fputc('\n', f);
    }
}

void cli_print_help(FILE *f, const char *text, const cli_choices *choices)
{
    static const char help_suffix[] = ":help";
    const size_t suffix = sizeof help_suffix - 1;
    const char *p = text, *open;
    while ((open = strchr(p, '{')) != NULL) {
        const char *close = strchr(open, '}');
        size_t len = close ? (size_t)(close - open - 1) : 0;
        int help = len > suffix && memcmp(close - suffix, help_suffix, suffix) == 0;
        const cli_choices *c = close ? find_choices(choices, open + 1, help ? len - suffix : len)
                                     : NULL;
        if (!c || (help && !c->help)) { /* not a placeholder: the brace is text */
            fwrite(p, 1, (size_t)(open + 1 - p), f);
            p = open + 1;
            continue;
        }
        fwrite(p, 1, (size_t)(open - p), f);
        const char *line = open;
        while (line > text && line[-1] != '\n')
            line--;
        if (help)
            print_choices_help(f, c, (int)(open - line));
        for (int i = 0; !help && c->names[i]; i++)
            fprintf(f, "%s%s", i ? "|" : "", c->names[i]);
        p = close + 1;
    }
    fputs(p, f);
}
