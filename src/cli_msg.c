/* cli_msg.c - messages on stderr and the terminal's progress line. */
#include "cli_msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

void cli_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("smloss: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_fail(const sm_error *err)
{
    cli_msg("%s", err->msg);
    return err->status ? (int)err->status : SM_EFAIL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "smloss %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'smloss %s --help'.\n", cmd);
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
