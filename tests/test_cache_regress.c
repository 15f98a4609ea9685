/* test_cache_regress.c - the regression inputs of fuzz_cache
 * (tests/fuzz/regress/cache) are current: each file is the image its row of
 * the table (tests/fuzz/cache_regress.c) makes with the engine of today,
 * byte for byte, and gets its verdict: good ones load, the others are
 * refused by the check they are named for, never by the format version
 * (which would leave the checks behind it untested by the replay).
 * A failure here after a format change: run `make fuzz-regress-cache` and
 * commit the files. */
#include "fuzz/cache_regress.h"
#include "test.h"

#include "cache.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REGRESS_DIR "tests/fuzz/regress/cache"

/* The committed file of input in: malloc'd, 8-byte aligned; NULL if missing. */
static unsigned char *committed(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", REGRESS_DIR, name);
    FILE *f = fopen(path, "rb");
    struct stat st;
    unsigned char *image = f && fstat(fileno(f), &st) == 0 ? malloc((size_t)st.st_size + 1) : NULL;
    *len = image ? fread(image, 1, (size_t)st.st_size, f) : 0;
    if (f)
        fclose(f);
    return image;
}

static void test_every_file_is_in_the_table(void)
{
    DIR *d = opendir(REGRESS_DIR);
    if (!CHECK(d != NULL))
        return;
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        files++;
        int known = 0;
        for (int i = 0; i < cache_regress_count; i++)
            known |= strcmp(cache_regress_inputs[i].name, e->d_name) == 0;
        if (!CHECK(known))
            fprintf(stderr, "  %s/%s: not made by gen_cache_regress\n", REGRESS_DIR, e->d_name);
    }
    closedir(d);
    CHECK(files == cache_regress_count);
}

static void test_each_input_gets_its_verdict(void)
{
    for (int i = 0; i < cache_regress_count; i++) {
        const cache_regress_input *in = &cache_regress_inputs[i];
        size_t len;
        unsigned char *image = committed(in->name, &len);
        if (!CHECK(image != NULL)) {
            fprintf(stderr, "  %s/%s: missing\n", REGRESS_DIR, in->name);
            continue;
        }
        sm_dataset ds;
        char why[SM_ERROR_MSG_MAX] = "";
        int loaded = cache_image_load(image, len, &ds, why, sizeof why);
        if (loaded)
            dataset_free(&ds);
        int right = in->refused_with ? !loaded && strstr(why, in->refused_with) &&
                                           !strstr(why, "format version")
                                     : loaded;
        if (!CHECK(right))
            fprintf(stderr, "  %s: %s (want %s)\n", in->name, loaded ? "loaded" : why,
                    in->refused_with ? in->refused_with : "loaded");
        /* an input aimed at a checksum is caught by it alone: resealed, it loads */
        if (in->stale_checksums) {
            cache_image_seal(image, len);
            loaded = cache_image_load(image, len, &ds, why, sizeof why);
            if (loaded)
                dataset_free(&ds);
            if (!CHECK(loaded))
                fprintf(stderr, "  %s resealed: %s\n", in->name, why);
        }
        free(image);
    }
}

/* The names say what the images hold: a good one keeps its dataset's shape. */
static void test_good_inputs_hold_their_data(void)
{
    static const struct {
        const char *name;
        int64_t rows, groups;
        int weights, compact;
    } want[] = {{"good-none", 0, 0, 0, 0},
                {"good-plain", 3, 0, 0, 0},
                {"good-rank", 4, 3, 0, 0},
                {"good-weighted", 6, 0, 1, 0},
                {"good-compact", 12, 0, 0, 1}};
    for (int i = 0; i < TEST_N_OF(want); i++) {
        size_t len;
        unsigned char *image = committed(want[i].name, &len);
        sm_dataset ds;
        char why[SM_ERROR_MSG_MAX];
        if (!CHECK(image && cache_image_load(image, len, &ds, why, sizeof why))) {
            free(image);
            continue;
        }
        CHECK(ds.n_rows == want[i].rows && ds.n_groups == want[i].groups);
        CHECK((ds.weight != NULL) == want[i].weights);
        CHECK((ds.col_ptr != NULL) == want[i].compact);
        if (want[i].compact)
            CHECK(ds.col_ptr[ds.n_rows] == ds.n_rows); /* every row a run */
        dataset_free(&ds);
        free(image);
    }
}

static void test_files_are_what_the_generator_makes(void)
{
    const char *dir = test_tmp_path(""); /* (the suite's scratch directory) */
    for (int i = 0; i < cache_regress_count; i++) {
        const cache_regress_input *in = &cache_regress_inputs[i];
        unsigned char *made = NULL, *file;
        size_t made_len = 0, len;
        char why[512];
        if (!CHECK(cache_regress_image(in, dir, &made, &made_len, why, sizeof why)))
            fprintf(stderr, "  %s: %s\n", in->name, why);
        file = committed(in->name, &len);
        if (!CHECK(made && file && len == made_len && memcmp(made, file, len) == 0))
            fprintf(stderr, "  %s/%s is stale: run make fuzz-regress-cache\n", REGRESS_DIR,
                    in->name);
        free(made);
        free(file);
    }
}

static const test_case cases[] = {
    TEST(test_every_file_is_in_the_table),
    TEST(test_each_input_gets_its_verdict),
    TEST(test_good_inputs_hold_their_data),
    TEST(test_files_are_what_the_generator_makes),
};
TEST_MAIN(cases)
