#include "membudget.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sm_status membudget_parse(const char *option, const char *text, uint64_t *bytes, sm_error *err)
{
    static const struct {
        const char *suffix;
        int shift;
    } units[] = {{"", 0},    {"K", 10},  {"KB", 10},  {"KiB", 10}, {"M", 20},  {"MB", 20},
                 {"MiB", 20}, {"G", 30},  {"GB", 30},  {"GiB", 30}, {"T", 40},  {"TB", 40},
                 {"TiB", 40}};
    char *end;
    double v = isdigit((unsigned char)text[0]) || text[0] == '.' ? strtod(text, &end) : -1.0;
    for (size_t i = 0; v >= 0.0 && i < sizeof units / sizeof units[0]; i++)
        if (strcmp(end, units[i].suffix) == 0) {
            double b = v * (double)(1ULL << units[i].shift);
            if (b >= (double)(1 << 20) && b < 1.8e19) {
                *bytes = (uint64_t)b;
                return SM_OK;
            }
            break;
        }
    return sm_fail(err, SM_EUSAGE,
                   "%s takes a size of at least 1M such as 512M or 4G (K, M, G, T: powers of "
                   "1024), not '%s'",
                   option, text);
}

/* The first number in the file at path (a limit, or "max": none). */
static int read_limit(const char *path, uint64_t *out)
{
    FILE *f = fopen(path, "r");
    unsigned long long v;
    int ok = f && fscanf(f, "%llu", &v) == 1;
    if (f)
        fclose(f);
    if (ok)
        *out = v;
    return ok;
}

/* The memory cgroup's limit: v2 at the process's cgroup path, else v1's
 * (a v1 "no limit" is a huge number, which the smaller-of rule ignores). */
static int cgroup_limit(uint64_t *limit)
{
    char line[4096], path[4200];
    FILE *f = fopen("/proc/self/cgroup", "r");
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "0::", 3) == 0) {
            snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", line + 3);
            found = read_limit(path, limit);
        } else {
            char *memory = strstr(line, ":memory:");
            if (memory) {
                snprintf(path, sizeof path, "/sys/fs/cgroup/memory%s/memory.limit_in_bytes",
                         memory + 8);
                found = read_limit(path, limit);
            }
        }
    }
    if (f)
        fclose(f);
    return found || read_limit("/sys/fs/cgroup/memory.max", limit) ||
           read_limit("/sys/fs/cgroup/memory/memory.limit_in_bytes", limit);
}

static int mem_available(uint64_t *bytes)
{
    char line[256];
    unsigned long long kb;
    FILE *f = fopen("/proc/meminfo", "r");
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f))
        found = sscanf(line, "MemAvailable: %llu kB", &kb) == 1;
    if (f)
        fclose(f);
    if (found)
        *bytes = (uint64_t)kb * 1024;
    return found;
}

void membudget_default(uint64_t *bytes, char *source, size_t cap)
{
    uint64_t limit = UINT64_MAX, avail = UINT64_MAX;
    int have_limit = cgroup_limit(&limit), have_avail = mem_available(&avail);
    char size[32];
    if (!have_limit && !have_avail) {
        *bytes = UINT64_MAX;
        snprintf(source, cap, "no limit known");
        return;
    }
    int by_limit = have_limit && limit < avail;
    uint64_t base = by_limit ? limit : avail;
    *bytes = base - base / 4;
    snprintf(source, cap, "3/4 of %s %s", by_limit ? "the memory cgroup's limit" : "MemAvailable",
             membudget_format(base, size, sizeof size));
}

int64_t membudget_stream_units(uint64_t budget, uint64_t data_bytes, int64_t n_units, int window)
{
    double unit_bytes = n_units > 0 && data_bytes > 0 ? (double)data_bytes / (double)n_units : 1.0;
    double units = (double)budget / 4.0 / (window > 0 ? window : 1) / unit_bytes;
    return units >= 1.0 ? (units < 1e15 ? (int64_t)units : (int64_t)1e15) : 1;
}

const char *membudget_format(uint64_t bytes, char *buf, size_t cap)
{
    double mb = (double)bytes / (1 << 20);
    if (mb >= 1024.0)
        snprintf(buf, cap, "%.3g GB", mb / 1024.0);
    else
        snprintf(buf, cap, "%.3g MB", mb);
    return buf;
}
