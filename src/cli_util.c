#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "reader.h"

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

int cli_parse_double(const char *cmd, const char *opt, const char *text, double min, double max,
                     double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !isfinite(v))
        return cli_usage_error(cmd, "%s expects a number, got '%s'", opt, text);
    if (v < min || v > max)
        return cli_usage_error(cmd, "%s %s is out of range [%g, %g]", opt, text, min, max);
    *out = v;
    return SM_OK;
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

/* ---- output files ---- */

/* Temporary files to remove if a signal kills the run. A signal handler can
 * only reach static storage, so this table is the CLI's one piece of global
 * state; it is written before a temporary file exists and cleared after. */
#define CLI_MAX_PENDING 8
static char pending_tmp[CLI_MAX_PENDING][4096];
static volatile sig_atomic_t pending_used[CLI_MAX_PENDING];

static void on_fatal_signal(int sig)
{
    for (int i = 0; i < CLI_MAX_PENDING; i++)
        if (pending_used[i])
            unlink(pending_tmp[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_signals_install(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        /* A signal ignored on entry stays ignored: nohup and a shell's
         * background jobs rely on that (SIGHUP, SIGINT). */
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(sigs[i], &sa, NULL);
    }
}

static int pending_add(const char *tmp)
{
    for (int i = 0; i < CLI_MAX_PENDING; i++)
        if (!pending_used[i]) {
            snprintf(pending_tmp[i], sizeof pending_tmp[i], "%s", tmp);
            pending_used[i] = 1;
            return i;
        }
    return -1;
}

static void pending_remove(const char *tmp)
{
    for (int i = 0; i < CLI_MAX_PENDING; i++)
        if (pending_used[i] && strcmp(pending_tmp[i], tmp) == 0)
            pending_used[i] = 0;
}

int cli_output_open(cli_output *o, const char *path)
{
    memset(o, 0, sizeof *o);
    snprintf(o->path, sizeof o->path, "%s", path);
    if (strcmp(path, "-") == 0) {
        o->f = stdout;
        o->is_stdout = 1;
        return SM_OK;
    }
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        cli_msg("%s: is a directory", path);
        return SM_EIO;
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* A device or pipe: there is nothing to rename over. */
        if (!(o->f = fopen(path, "w"))) {
            cli_msg("%s: cannot open for writing: %s", path, strerror(errno));
            return SM_EIO;
        }
        return SM_OK;
    }
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path + 1) : 0;
    if (snprintf(o->tmp, sizeof o->tmp, "%.*s.%s.tmp.XXXXXX", dir_len, path,
                 slash ? slash + 1 : path) >= (int)sizeof o->tmp) {
        cli_msg("%s: path too long", path);
        return SM_EIO;
    }
    int slot = pending_add(o->tmp);
    int fd = mkstemp(o->tmp);
    if (slot >= 0)
        snprintf(pending_tmp[slot], sizeof pending_tmp[slot], "%s", o->tmp);
    if (fd < 0) {
        if (slot >= 0)
            pending_used[slot] = 0;
        cli_msg("%s: cannot create a file in its directory: %s", path, strerror(errno));
        o->tmp[0] = '\0';
        return SM_EIO;
    }
    /* mkstemp makes 0600; give the file the mode a plain fopen would. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    if (!(o->f = fdopen(fd, "w"))) {
        close(fd);
        cli_output_abort(o);
        cli_msg("%s: cannot open for writing: %s", path, strerror(errno));
        return SM_EIO;
    }
    return SM_OK;
}

int cli_output_commit(cli_output *o)
{
    int failed = fflush(o->f) != 0 || ferror(o->f);
    int saved = errno;
    if (o->is_stdout) {
        if (failed) {
            cli_msg("write error on standard output: %s", strerror(saved));
            return SM_EIO;
        }
        return SM_OK;
    }
    if (o->tmp[0] && !failed && fsync(fileno(o->f)) != 0 && errno != EINVAL) {
        failed = 1;
        saved = errno;
    }
    if (fclose(o->f) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    o->f = NULL;
    if (failed) {
        cli_msg("%s: write error: %s", o->path, strerror(saved));
        cli_output_abort(o);
        return SM_EIO;
    }
    if (o->tmp[0]) {
        if (rename(o->tmp, o->path) != 0) {
            cli_msg("%s: cannot replace the file: %s", o->path, strerror(errno));
            cli_output_abort(o);
            return SM_EIO;
        }
        pending_remove(o->tmp);
        o->tmp[0] = '\0';
    }
    return SM_OK;
}

void cli_output_abort(cli_output *o)
{
    if (o->f && !o->is_stdout)
        fclose(o->f);
    o->f = NULL;
    if (o->tmp[0]) {
        unlink(o->tmp);
        pending_remove(o->tmp);
        o->tmp[0] = '\0';
    }
}

/* ---- progress ---- */

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

/* ---- data ---- */

static void on_read_progress(void *ctx, uint64_t bytes)
{
    cli_progress_draw(ctx, "reading: %.1f MB", (double)bytes / 1e6);
}

int cli_parse_threads(const char *cmd, const char *text, cli_data_options *o)
{
    int64_t n;
    int rc = cli_parse_int64(cmd, "--threads", text, 0, 1024, &n);
    if (rc == SM_OK)
        o->threads = (int)n;
    return rc;
}

/* The cache's temporary file joins the outputs' in the signal handler's table. */
static void track_temp_file(void *ctx, const char *path, int exists)
{
    (void)ctx;
    if (exists)
        pending_add(path);
    else
        pending_remove(path);
}

int cli_load_data_with(const char *path, int quiet, const cli_data_options *o, sm_dataset *ds)
{
    cli_progress prog;
    cli_progress_init(&prog, quiet);
    sm_reader_options opt = {.progress = on_read_progress, .progress_ctx = &prog,
                             .temp_file = track_temp_file};
    sm_reader_parallel par = {o ? o->threads : 0, 0};
    sm_error err;
    cache_report rep;
    sm_status st = o && o->cache ? cache_load(path, o->cache, &opt, &par, ds, &rep, &err)
                                 : reader_read_file_parallel(path, &opt, &par, ds, &err);
    cli_progress_done(&prog);
    if (st != SM_OK)
        return cli_fail(&err);
    if (o && o->cache && rep.outcome == CACHE_NOT_WRITTEN)
        cli_msg("warning: cache %s not written: %s", o->cache, rep.why);
    else if (o && o->cache && rep.outcome == CACHE_WRITTEN && !quiet)
        cli_msg("wrote cache %s (%s)", o->cache, rep.why);
    return SM_OK;
}

int cli_load_grouped_data_with(const char *path, const char *group_path, int quiet,
                               const cli_data_options *o, sm_dataset *ds)
{
    int rc = cli_load_data_with(path, quiet, o, ds);
    if (rc != SM_OK)
        return rc;
    char beside[4096];
    if (!group_path && ds->n_groups == 0 && strcmp(path, "-") != 0) {
        static const char *const suffixes[] = {".query", ".group"};
        for (int i = 0; i < 2 && !group_path; i++) {
            struct stat st;
            if (snprintf(beside, sizeof beside, "%s%s", path, suffixes[i]) < (int)sizeof beside &&
                stat(beside, &st) == 0 && S_ISREG(st.st_mode)) {
                group_path = beside;
                if (!quiet)
                    cli_msg("%s has no qid: using the query groups in %s", ds->source, beside);
            }
        }
    }
    if (!group_path)
        return SM_OK;
    if (ds->qid) {
        cli_msg("%s has qid: on its rows, so its groups are known; the group file %s "
                "would replace them: give one or the other", ds->source, group_path);
        return SM_EUSAGE;
    }
    sm_error err;
    int64_t *sizes = NULL, n_sizes = 0;
    sm_status st = reader_read_groups(group_path, &sizes, &n_sizes, &err);
    if (st == SM_OK)
        st = dataset_set_group_sizes(ds, sizes, n_sizes, group_path, &err);
    free(sizes);
    return st == SM_OK ? SM_OK : cli_fail(&err);
}

int cli_load_grouped_data(const char *path, const char *group_path, int quiet, sm_dataset *ds)
{
    return cli_load_grouped_data_with(path, group_path, quiet, NULL, ds);
}

int cli_load_data(const char *path, int quiet, sm_dataset *ds)
{
    return cli_load_data_with(path, quiet, NULL, ds);
}
