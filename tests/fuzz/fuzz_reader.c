/* fuzz_reader.c - libFuzzer target: the data reader on text in memory
 * (reader_read_buffer). Any input must give either SM_OK and a data set that
 * keeps reader.h's promises, or SM_EDATA with a message naming a location and
 * nothing allocated. Read again allowing rows without a label (predict's
 * data), it gives the same data set when the first read succeeded, and
 * succeeds without a missing label only where the first did. */
#include <math.h>

#include "fuzz.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sm_status read_checked(const uint8_t *data, size_t size, const sm_reader_options *opt,
                              const sm_reader_parallel *par, sm_dataset *ds)
{
    sm_error err;
    sm_error_clear(&err);
    sm_status st =
        reader_read_buffer_parallel((const char *)data, size, "fuzz", opt, par, ds, &err);
    if (st != SM_OK) {
        FUZZ_REQUIRE(st == SM_EDATA || st == SM_EFAIL);
        FUZZ_REQUIRE(strncmp(err.msg, "fuzz:", 5) == 0);
        FUZZ_REQUIRE(ds->n_rows == 0 && ds->row_ptr == NULL && ds->col == NULL);
    }
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sm_dataset ds, lax;
    sm_reader_options allow = {.allow_unlabeled = 1};
    sm_reader_parallel one_thread = {1, 0, 0}; /* (any threads give the same data) */
    sm_status st = read_checked(data, size, NULL, NULL, &ds);
    sm_status lax_st = read_checked(data, size, &allow, &one_thread, &lax);
    int unlabeled = 0;
    for (int64_t r = 0; lax_st == SM_OK && r < lax.n_rows; r++)
        unlabeled |= isnan(lax.label[r]);
    if (st == SM_OK) {
        fuzz_check_dataset(&ds);
        FUZZ_REQUIRE(lax_st == SM_OK && !unlabeled && dataset_equal(&ds, &lax));
    } else if (lax_st == SM_OK) {
        FUZZ_REQUIRE(unlabeled || st == SM_EFAIL);
        fuzz_check_dataset(&lax);
    }
    dataset_free(&ds);
    dataset_free(&lax);
    return 0;
}
