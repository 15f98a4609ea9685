/* cli_msg.c - messages on stderr and the terminal's progress line. */
#include "cli_msg.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The messages kept between cli_msg_hold and cli_msg_release. */
static struct {
    int on;
    char *text;
    size_t len, cap;
} held;

void cli_msg_hold(void) { held.on = 1; }

void cli_msg_flush(int print)
{
    if (print && held.len)
        fwrite(held.text, 1, held.len, stderr);
    held.len = 0;
}

void cli_msg_release(void)
{
    cli_msg_flush(1);
    free(held.text);
    held.text = NULL;
    held.cap = 0;
    held.on = 0;
}

/* Keep a message; 0 when there is no room (it is printed then). */
static int keep(const char *line)
{
    size_t n = strlen(line);
    if (held.len + n + 1 > held.cap) {
        size_t cap = 2 * (held.len + n + 1);
        char *text = realloc(held.text, cap);
        if (!text)
            return 0;
        held.text = text;
        held.cap = cap;
    }
    memcpy(held.text + held.len, line, n + 1);
    held.len += n;
    return 1;
}

/* One message, written with one call: ranks of an MPI run share stderr,
 * and a message put together from pieces would interleave with theirs. */
static void emit(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
    char line[8192];
    va_list again;
    va_copy(again, ap);
    int at = snprintf(line, sizeof line, "%s", prefix), n = 0;
    if (at >= 0 && (size_t)at < sizeof line)
        n = vsnprintf(line + at, sizeof line - (size_t)at, fmt, again);
    va_end(again);
    if (at < 0 || n < 0 || (size_t)at + (size_t)n + strlen(suffix) >= sizeof line) {
        cli_msg_flush(1);      /* (what was kept comes first) */
        fputs(prefix, stderr); /* too long for one piece: in pieces */
        vfprintf(stderr, fmt, ap);
        fputs(suffix, stderr);
        return;
    }
    strcpy(line + at + n, suffix);
    if (!held.on || !keep(line))
        fputs(line, stderr);
}

void cli_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("smloss: ", fmt, ap, "\n");
    va_end(ap);
}

void cli_warn(const char *cmd, const char *fmt, ...)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "smloss %s: warning: ", cmd);
    va_list ap;
    va_start(ap, fmt);
    emit(prefix, fmt, ap, "\n");
    va_end(ap);
}

int cli_fail(const sm_error *err)
{
    cli_msg("%s", err->msg);
    return err->status ? (int)err->status : SM_EFAIL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char prefix[64], suffix[96];
    snprintf(prefix, sizeof prefix, "smloss %s: ", cmd);
    snprintf(suffix, sizeof suffix, "\nTry 'smloss %s --help'.\n", cmd);
    va_list ap;
    va_start(ap, fmt);
    emit(prefix, fmt, ap, suffix);
    va_end(ap);
    return SM_EUSAGE;
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cli_progress_init(cli_progress *p, int quiet)
{
    p->active = !quiet && isatty(STDERR_FILENO);
    p->start = p->last = wall_seconds();
    p->drawn = 0;
    p->after = 0.5;
    const char *after = getenv("SMLOSS_PROGRESS_AFTER");
    char *end;
    double seconds = after ? strtod(after, &end) : -1;
    if (after && end != after && !*end && seconds >= 0)
        p->after = seconds;
}

void cli_progress_restart(cli_progress *p) { p->start = wall_seconds(); }
double cli_progress_seconds(const cli_progress *p) { return wall_seconds() - p->start; }

void cli_progress_draw(cli_progress *p, const char *fmt, ...)
{
    if (!p->active)
        return;
    double t = wall_seconds();
    /* Short jobs draw nothing; long ones refresh a few times a second. */
    if (t - p->last < (p->drawn ? fmin(0.2, p->after) : p->after))
        return;
    p->last = t;
    p->drawn = 1;
    va_list ap;
    va_start(ap, fmt);
    fputs("\r\033[K", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}

/* A byte count in the unit that suits scale (kB, MB, GB: powers of 1000). */
static const char *byte_unit(double scale, double *divisor)
{
    static const struct {
        double size;
        const char *name;
    } units[] = {{1e9, "GB"}, {1e6, "MB"}, {1e3, "kB"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (scale >= units[i].size) {
            *divisor = units[i].size;
            return units[i].name;
        }
    *divisor = 1.0;
    return "B";
}

/* A count in the words that suit scale: "rows", "thousand rows", ... */
static const char *count_unit(double scale, const char *unit, char *buf, size_t size,
                              double *divisor)
{
    static const struct {
        double size;
        const char *name;
    } units[] = {{1e9, "billion"}, {1e6, "million"}, {1e4, "thousand"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (scale >= units[i].size) {
            *divisor = units[i].size < 1e6 ? 1e3 : units[i].size;
            snprintf(buf, size, "%s %s", units[i].name, unit);
            return buf;
        }
    *divisor = 1.0;
    return unit;
}

/* A duration as people say it: "8 s", "3 min 20 s", "2 h 5 min". */
static void format_duration(char *buf, size_t size, double seconds)
{
    long s = (long)(seconds + 0.5);
    if (s < 60)
        snprintf(buf, size, "%ld s", s);
    else if (s < 3600)
        snprintf(buf, size, "%ld min %ld s", s / 60, s % 60);
    else
        snprintf(buf, size, "%ld h %ld min", s / 3600, s % 3600 / 60);
}

void cli_progress_format(char *buf, size_t size, const char *what, double done, double total,
                         const char *unit, double seconds)
{
    int bytes = strcmp(unit, "B") == 0;
    double div = 1.0;
    char words[64], rate_words[64];
    const char *shown = bytes ? byte_unit(total > 0 ? total : done, &div)
                              : count_unit(total > 0 ? total : done, unit, words, sizeof words,
                                           &div);
    int n = total > 0 ? snprintf(buf, size, "%s: %.1f of %.*f %s (%.0f%%)", what, done / div,
                                 bytes || div > 1, total / div, shown, 100.0 * done / total)
                      : snprintf(buf, size, "%s: %.1f %s", what, done / div, shown);
    if (n < 0 || (size_t)n >= size || !(seconds > 0) || !(done > 0))
        return;
    double rate = done / seconds, rate_div = 1.0;
    const char *rate_unit = bytes ? byte_unit(rate, &rate_div)
                                  : count_unit(rate, unit, rate_words, sizeof rate_words,
                                               &rate_div);
    int m = snprintf(buf + n, size - (size_t)n, ", %.*f %s/s", rate / rate_div < 10 ? 1 : 0,
                     rate / rate_div, rate_unit);
    if (m < 0 || (size_t)(n += m) >= size || !(total > done))
        return;
    char left[32];
    format_duration(left, sizeof left, (total - done) / rate);
    snprintf(buf + n, size - (size_t)n, ", %s left", left);
}

void cli_progress_show(cli_progress *p, const char *what, double done, double total,
                       const char *unit)
{
    if (!p->active)
        return;
    char line[256];
    cli_progress_format(line, sizeof line, what, done, total, unit, wall_seconds() - p->start);
    cli_progress_draw(p, "%s", line);
}

void cli_progress_lbfgs(char *buf, size_t size, int iteration, int max_iter, int64_t passes,
                        double objective, double grad_max, double seconds)
{
    int n = snprintf(buf, size, "training by L-BFGS, iteration %d of at most %d (pass %lld)",
                     iteration, max_iter, (long long)passes + 1);
    if (n >= 0 && (size_t)n < size && !isnan(objective))
        n += snprintf(buf + n, size - (size_t)n, ": objective %.7g, largest |gradient| %.2g",
                      objective, grad_max);
    if (n >= 0 && (size_t)n < size && iteration > 1 && seconds > 0)
        snprintf(buf + n, size - (size_t)n, ", %.*f iterations/s",
                 (iteration - 1) / seconds < 10 ? 1 : 0, (iteration - 1) / seconds);
}

void cli_progress_done(cli_progress *p)
{
    if (p->active && p->drawn)
        fputs("\r\033[K", stderr);
    p->drawn = 0;
}

void cli_rows_progress_init(cli_rows_progress *p, int quiet)
{
    cli_progress_init(&p->bar, quiet);
    p->what[0] = '\0';
}

void cli_rows_progress_step(cli_rows_progress *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->what, sizeof p->what, fmt, ap);
    va_end(ap);
    cli_progress_restart(&p->bar);
}

void cli_rows_progress_tell(void *ctx, int64_t done, int64_t total)
{
    cli_rows_progress *p = ctx;
    cli_progress_show(&p->bar, p->what, (double)done, (double)total, "rows");
}
