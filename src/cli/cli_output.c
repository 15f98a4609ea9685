/* cli_output.c - atomic output files, the pending temporary files and the
 * signals that clean them up, and score files. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* O_TMPFILE */
#endif
#include "cli_output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_msg.h"
#include "error.h"
#include "numfmt.h"

/* Temporary files to remove if a signal kills the run. A signal handler can
 * only reach static storage, so this table (and the mapped cache's name
 * below) is the CLI's one piece of global
 * state; it is written before a temporary file exists and cleared after. */
#define CLI_MAX_PENDING 8
static char pending_tmp[CLI_MAX_PENDING][4096];
static volatile sig_atomic_t pending_used[CLI_MAX_PENDING];

/* The cache mapped for reading, named by the SIGBUS handler. */
static char mapped_cache[4096];

static void remove_pending(void)
{
    for (int i = 0; i < CLI_MAX_PENDING; i++)
        if (pending_used[i])
            unlink(pending_tmp[i]);
}

static void put_stderr(const char *s)
{
    ssize_t unused = write(STDERR_FILENO, s, strlen(s));
    (void)unused;
}

static void on_bus_error(int sig)
{
    (void)sig;
    remove_pending();
    put_stderr("smloss: ");
    put_stderr(mapped_cache[0] ? mapped_cache : "a data cache");
    put_stderr(": the cache was truncated while it was read; stopped, no output written\n");
    _exit(SM_EDATA);
}

void cli_signals_watch_cache(const char *path)
{
    snprintf(mapped_cache, sizeof mapped_cache, "%s", path);
}

static void on_fatal_signal(int sig)
{
    remove_pending();
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
    sa.sa_handler = on_bus_error;
    sigaction(SIGBUS, &sa, NULL);
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

void cli_output_track_temp(void *ctx, const char *path, int exists)
{
    (void)ctx;
    if (exists)
        pending_add(path);
    else
        pending_remove(path);
}

/* The directory of path ("." for a bare name, "/" for /NAME). */
static void dir_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    snprintf(dir, size, "%.*s", slash ? (int)(slash - path + (slash == path)) : 1,
             slash ? path : ".");
}

/* An unnamed file in dir (Linux's O_TMPFILE, linked by name only once
 * complete: a run killed even by SIGKILL leaves nothing), or -1 where the
 * file system or kernel has none or /proc is not there to link it. */
static int open_unnamed(const char *dir)
{
#ifdef O_TMPFILE
    if (access("/proc/self/fd", X_OK) == 0)
        return open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
#else
    (void)dir;
#endif
    return -1;
}

/* A regular file (or a new one): create the temporary file beside it,
 * unnamed where it can be (open_unnamed), else named .NAME.tmp.XXXXXX and
 * removed on failure or a caught signal. */
static int open_temp(cli_output *o, const char *path)
{
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path + 1) : 0;
    char dir[4096];
    dir_of(path, dir, sizeof dir);
    if (snprintf(o->tmp, sizeof o->tmp, "%.*s.%s.tmp.XXXXXX", dir_len, path,
                 slash ? slash + 1 : path) >= (int)sizeof o->tmp) {
        cli_msg("%s: path too long", path);
        return SM_EIO;
    }
    int fd = open_unnamed(dir), slot = -1;
    o->unnamed = fd >= 0;
    if (fd < 0) {
        slot = pending_add(o->tmp);
        fd = mkstemp(o->tmp);
        if (slot >= 0)
            snprintf(pending_tmp[slot], sizeof pending_tmp[slot], "%s", o->tmp);
    }
    if (fd < 0) {
        if (slot >= 0)
            pending_used[slot] = 0;
        cli_msg("%s: cannot create a file in its directory %s: %s", path, dir, strerror(errno));
        o->tmp[0] = '\0';
        return SM_EIO;
    }
    if (!o->unnamed) { /* mkstemp makes 0600; give the file the mode a plain fopen would */
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    if (!(o->f = fdopen(fd, "w"))) {
        close(fd);
        cli_output_abort(o);
        cli_msg("%s: cannot open for writing: %s", path, strerror(errno));
        return SM_EIO;
    }
    return SM_OK;
}

static int is_device_path(const char *path) { return strncmp(path, "/dev/", 5) == 0; }

/* The file a path names, through any symbolic links (which may dangle: the
 * file they name is then made), so that the link is kept and its target
 * written. 0 when the links loop or the name is too long. */
static int follow_links(const char *path, char *out, size_t size)
{
    snprintf(out, size, "%s", path);
    for (int hops = 0; hops < 40; hops++) {
        struct stat st;
        char target[4096];
        if (lstat(out, &st) != 0 || !S_ISLNK(st.st_mode))
            return 1;
        ssize_t n = readlink(out, target, sizeof target - 1);
        if (n < 0)
            return 1; /* (gone meanwhile: opening says what is wrong) */
        target[n] = '\0';
        char dir[4096];
        dir_of(out, dir, sizeof dir);
        int len = target[0] == '/' ? snprintf(out, size, "%s", target)
                                   : snprintf(out, size, "%s/%s", dir, target);
        if (len < 0 || (size_t)len >= size)
            return 0;
    }
    return 0;
}

int cli_output_open(cli_output *o, const char *path)
{
    memset(o, 0, sizeof *o);
    snprintf(o->path, sizeof o->path, "%s", path);
    if (strcmp(path, "-") != 0 && !is_device_path(path) &&
        !follow_links(path, o->path, sizeof o->path)) {
        cli_msg("%s: too many levels of symbolic links, or a name too long", path);
        return SM_EIO;
    }
    path = o->path;
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
    /* A device or pipe: there is nothing to rename over. /dev/stdout is one
     * even when standard output is a regular file, as is all of /dev. */
    if ((stat(path, &st) == 0 && !S_ISREG(st.st_mode)) || is_device_path(path)) {
        if (!(o->f = fopen(path, "w"))) {
            cli_msg("%s: cannot open for writing: %s", path, strerror(errno));
            return SM_EIO;
        }
        return SM_OK;
    }
    return open_temp(o, path);
}

/* An unnamed temporary file gets its temporary name now that it is whole
 * (linkat cannot replace a file; the rename that follows does): a name
 * there for a moment only, in the signal handler's table meanwhile. */
static int name_unnamed(cli_output *o, int *saved)
{
    char fd_path[64];
    snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%d", fileno(o->f));
    int slot = pending_add(o->tmp);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t bits = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)now.tv_nsec;
    for (int tries = 0; tries < 100; tries++) {
        /* mkstemp's letters, without its file: linkat makes it */
        char *x = o->tmp + strlen(o->tmp) - 6;
        static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
        bits = bits * 6364136223846793005ULL + 1442695040888963407ULL;
        for (int i = 0; i < 6; i++)
            x[i] = letters[(bits >> (16 + 6 * i)) % 36];
        if (slot >= 0)
            snprintf(pending_tmp[slot], sizeof pending_tmp[slot], "%s", o->tmp);
        if (linkat(AT_FDCWD, fd_path, AT_FDCWD, o->tmp, AT_SYMLINK_FOLLOW) == 0) {
            o->unnamed = 0; /* named now: removed as a named one is */
            return 1;
        }
        if (errno != EEXIST)
            break;
    }
    *saved = errno;
    if (slot >= 0)
        pending_used[slot] = 0;
    o->tmp[0] = '\0';
    o->unnamed = 0;
    return 0;
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
    if (o->unnamed && !failed && !name_unnamed(o, &saved))
        failed = 1;
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



int cli_check_and_open(const char *cmd, const cli_file *inputs, size_t n_inputs,
                       const cli_file *outputs, size_t n_outputs, int open, cli_output out[2])
{
    memset(out, 0, 2 * sizeof *out);
    int rc = cli_check_files(cmd, inputs, n_inputs, outputs, n_outputs);
    for (size_t i = 0; i < 2 && i < n_outputs && rc == SM_OK && open; i++)
        if (outputs[i].path && (rc = cli_output_open(&out[i], outputs[i].path)) != SM_OK)
            cli_output_abort(&out[0]);
    return rc;
}

void cli_output_abort(cli_output *o)
{
    if (o->f && !o->is_stdout)
        fclose(o->f); /* (an unnamed file goes with its descriptor) */
    o->f = NULL;
    if (o->unnamed)
        o->tmp[0] = '\0';
    o->unnamed = 0;
    if (o->tmp[0]) {
        unlink(o->tmp);
        pending_remove(o->tmp);
        o->tmp[0] = '\0';
    }
}

/* ---- outputs that name an input ---- */

/* Who a file is: its device and inode, or for a name not yet there, its
 * directory's and the name (cut at the last '/'). */
typedef struct {
    dev_t dev;
    ino_t ino;
    const char *name; /* NULL: the file exists */
} file_id;

/* 0 when the file cannot be told (neither it nor its directory is there:
 * opening it will say why). *regular: an existing regular file. */
static int identify(const char *path, file_id *id, int *regular)
{
    struct stat st;
    *regular = 0;
    if (strcmp(path, "-") == 0 ? fstat(STDIN_FILENO, &st) == 0 : stat(path, &st) == 0) {
        *id = (file_id){st.st_dev, st.st_ino, NULL};
        *regular = S_ISREG(st.st_mode);
        return 1;
    }
    const char *slash = strrchr(path, '/');
    char dir[4096];
    dir_of(path, dir, sizeof dir);
    if (errno != ENOENT || stat(dir, &st) != 0)
        return 0;
    *id = (file_id){st.st_dev, st.st_ino, slash ? slash + 1 : path};
    return 1;
}

static int same_file(const file_id *a, const file_id *b)
{
    return a->dev == b->dev && a->ino == b->ino && !a->name == !b->name &&
           (!a->name || strcmp(a->name, b->name) == 0);
}

/* Whether an output replaces a file by renaming: a regular file or a new one. */
static int replaced_output(const char *path, file_id *id)
{
    int regular;
    return strcmp(path, "-") != 0 && !is_device_path(path) && identify(path, id, &regular) &&
           (regular || id->name);
}

int cli_check_files(const char *cmd, const cli_file *inputs, size_t n_inputs,
                    const cli_file *outputs, size_t n_outputs)
{
    /* Standard input can be read once: a second reader would find it empty
     * and say so as if the file were. */
    for (size_t i = 0; i < n_inputs; i++)
        for (size_t j = 0; j < i && inputs[i].path && strcmp(inputs[i].path, "-") == 0; j++)
            if (inputs[j].path && strcmp(inputs[j].path, "-") == 0)
                return cli_usage_error(cmd, "%s and %s cannot both be standard input ('-')",
                                       inputs[j].option, inputs[i].option);
    for (size_t i = 0; i < n_outputs; i++) {
        file_id out, other;
        int regular;
        if (!outputs[i].path || !replaced_output(outputs[i].path, &out))
            continue;
        for (size_t j = 0; j < n_inputs; j++)
            if (inputs[j].path && identify(inputs[j].path, &other, &regular) &&
                same_file(&out, &other) &&
                !(inputs[j].replaced_by && strcmp(inputs[j].replaced_by, outputs[i].option) == 0))
                return cli_usage_error(cmd, "%s '%s' is the same file as %s '%s'%s: it would "
                                       "be overwritten", outputs[i].option, outputs[i].path,
                                       inputs[j].option, inputs[j].path,
                                       strcmp(inputs[j].path, "-") ? "" : " (standard input)");
        for (size_t j = 0; j < i; j++)
            if (outputs[j].path && replaced_output(outputs[j].path, &other) &&
                same_file(&out, &other))
                return cli_usage_error(cmd, "%s '%s' and %s '%s' are the same file",
                                       outputs[j].option, outputs[j].path, outputs[i].option,
                                       outputs[i].path);
    }
    return SM_OK;
}

/* ---- score files ---- */

void cli_put_output_step(const cli_output *out, cli_rows_progress *progress)
{
    if (progress)
        cli_rows_progress_step(progress, "writing %s", out->is_stdout ? "<stdout>" : out->path);
}

int cli_put_model_scores(cli_output *out, const sm_model *m, const sm_dataset *ds)
{
    return cli_put_model_scores_shown(out, m, ds, NULL);
}

int cli_put_model_scores_shown(cli_output *out, const sm_model *m, const sm_dataset *ds,
                               cli_rows_progress *progress)
{
    int64_t k = m->scorer.n_out, n = (ds->n_rows > 0 ? ds->n_rows : 1) * k;
    double *scores = malloc((size_t)n * sizeof *scores);
    if (!scores) {
        cli_msg("out of memory for %lld scores", (long long)n);
        cli_output_abort(out);
        return SM_EFAIL;
    }
    sm_error err;
    int rc = SM_OK;
    if (progress)
        cli_rows_progress_step(progress, "scoring %s", ds->source);
    if (model_predict_progress(m, ds, scores, progress ? cli_rows_progress_tell : NULL, progress,
                               &err) == SM_OK) {
        cli_put_output_step(out, progress);
        cli_put_values_shown(out->f, scores, ds->n_rows, k, progress);
    } else {
        if (progress)
            cli_progress_done(&progress->bar);
        rc = cli_fail(&err), cli_output_abort(out);
    }
    free(scores);
    return rc;
}

void cli_put_values(FILE *f, const double *values, int64_t n, int64_t k)
{
    cli_put_values_shown(f, values, n, k, NULL);
}

/* Rows written between two reports of progress. */
enum { PUT_PROGRESS_ROWS = 1 << 14 };

void cli_put_values_shown(FILE *f, const double *values, int64_t n, int64_t k,
                          cli_rows_progress *progress)
{
    char buf[40];
    for (int64_t i = 0; i < n * k; i++) {
        sm_format_double(buf, sizeof buf, values[i]);
        if (fputs(buf, f) == EOF || fputc((i + 1) % k ? ' ' : '\n', f) == EOF)
            break; /* the error stays on the stream; cli_output_commit reports it */
        if (progress && (i + 1) % (PUT_PROGRESS_ROWS * k) == 0)
            cli_rows_progress_tell(progress, (i + 1) / k, n);
    }
    if (progress)
        cli_progress_done(&progress->bar);
}
