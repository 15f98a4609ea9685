/* fuzz_groups.c - libFuzzer target: the group-file reader
 * (sidecar_read_groups, one positive row count per line). Any input gives
 * either SM_OK and positive sizes, or SM_EDATA naming the file, with nothing
 * allocated. Accepted sizes are then applied to a data set of that many rows
 * (dataset_set_group_sizes) when it is small enough. */
#include "fuzz.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_scratch_write(data, size);
    int64_t *sizes = NULL, n = -1;
    sm_error err;
    sm_error_clear(&err);
    sm_status st = sidecar_read_groups(path, &sizes, &n, &err);
    if (st != SM_OK) {
        FUZZ_REQUIRE(st == SM_EDATA && sizes == NULL && n == 0);
        FUZZ_REQUIRE(strncmp(err.msg, path, strlen(path)) == 0);
        return 0;
    }
    FUZZ_REQUIRE(n >= 0 && sizes != NULL);
    int64_t total = 0;
    for (int64_t i = 0; i < n; i++) {
        FUZZ_REQUIRE(sizes[i] > 0);
        total = sizes[i] > (INT64_MAX >> 1) - total ? -1 : total + sizes[i];
        if (total < 0)
            break;
    }
    if (total >= 0 && total <= 4096) {
        sm_dataset ds;
        dataset_init(&ds);
        ds.n_rows = total;
        FUZZ_REQUIRE(dataset_set_group_sizes(&ds, sizes, n, path, &err) == SM_OK);
        FUZZ_REQUIRE(ds.n_groups == n && ds.group_ptr[n] == total);
        /* One row too many must be refused. */
        sm_dataset more;
        dataset_init(&more);
        more.n_rows = total + 1;
        FUZZ_REQUIRE(dataset_set_group_sizes(&more, sizes, n, path, &err) == SM_EDATA);
        dataset_free(&more);
        ds.n_rows = 0;
        dataset_free(&ds);
    }
    free(sizes);
    return 0;
}
