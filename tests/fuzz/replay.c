/* replay.c - run a fuzz target without libFuzzer: feed it every file of the
 * directories in REPLAY_DIRS (colon-separated, relative to the repository
 * root; set when compiling), so the inputs that once crashed a target
 * (tests/fuzz/regress/TARGET) and the malformed-input corpus stay regression
 * tests of `make check` with any C compiler. A failing input aborts (the
 * target's invariant checks) or trips the sanitizers; the runner then reports
 * the suite as broken. Prints "NAME: N passed, 0 failed". */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char current[1024]; /* the input being replayed, named if it aborts */

static void on_abort(int sig)
{
    (void)sig;
    fputs("replay: the failing input is ", stderr);
    fputs(current, stderr);
    fputs("\n", stderr);
    signal(SIGABRT, SIG_DFL);
    abort();
}

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t cap = 4096, len = 0, n;
    uint8_t *buf = malloc(cap);
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (!buf)
        return 0;
    snprintf(current, sizeof current, "%s", path);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 1;
}

int main(void)
{
    signal(SIGABRT, on_abort);
    char dirs[] = REPLAY_DIRS;
    int passed = 0, failed = 0;
    for (char *dir = strtok(dirs, ":"); dir; dir = strtok(NULL, ":")) {
        DIR *d = opendir(dir);
        if (!d)
            continue; /* a target may have no regression inputs yet */
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            char path[1024];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (e->d_name[0] == '.' || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            if (replay_file(path))
                passed++;
            else {
                fprintf(stderr, "FAIL: cannot read %s\n", path);
                failed++;
            }
        }
        closedir(d);
    }
    printf("%s: %d passed, %d failed\n", REPLAY_NAME, passed, failed);
    return failed != 0;
}
