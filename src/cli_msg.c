/* cli_msg.c - messages on stderr and the terminal's progress line. */
#include "cli_msg.h"

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
    p->last = wall_seconds();
    p->drawn = 0;
}

void cli_progress_draw(cli_progress *p, const char *fmt, ...)
{
    if (!p->active)
        return;
    double t = wall_seconds();
    /* Short jobs draw nothing; long ones refresh a few times a second. */
    if (t - p->last < (p->drawn ? 0.2 : 0.5))
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

void cli_progress_done(cli_progress *p)
{
    if (p->active && p->drawn)
        fputs("\r\033[K", stderr);
    p->drawn = 0;
}
