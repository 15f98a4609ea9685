/* fuzz_reader.c - libFuzzer target: the data reader on text in memory
 * (reader_read_buffer). Any input must give either SM_OK and a data set that
 * keeps reader.h's promises, or SM_EDATA with a message naming a location and
 * nothing allocated. */
#include "fuzz.h"
#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sm_dataset ds;
    sm_error err;
    sm_error_clear(&err);
    sm_status st = reader_read_buffer((const char *)data, size, "fuzz", NULL, &ds, &err);
    if (st == SM_OK) {
        fuzz_check_dataset(&ds);
    } else {
        FUZZ_REQUIRE(st == SM_EDATA || st == SM_EFAIL);
        FUZZ_REQUIRE(strncmp(err.msg, "fuzz:", 5) == 0);
        FUZZ_REQUIRE(ds.n_rows == 0 && ds.row_ptr == NULL && ds.col == NULL);
    }
    dataset_free(&ds);
    return 0;
}
