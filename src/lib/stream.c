#include "stream.h"

#include <stdlib.h>
#include <string.h>

#include "train.h"

sm_status stream_init(sm_stream *s, const sm_objective *obj, const sm_dataset *ds,
                      const int64_t *units, int64_t n_units, int64_t block, sm_error *err)
{
    *s = (sm_stream){.obj = obj, .ds = ds, .n_units = n_units, .block = block > 0 ? block : 1};
    s->n_blocks = (n_units + s->block - 1) / s->block;
    s->n_windows = (s->n_blocks + STREAM_WINDOW - 1) / STREAM_WINDOW;
    s->blocks = malloc((size_t)(s->n_blocks + 1) * sizeof *s->blocks);
    s->window_end = malloc((size_t)(s->n_windows + 1) * sizeof *s->window_end);
    s->units = malloc((size_t)(n_units + 1) * sizeof *s->units);
    if (!s->blocks || !s->window_end || !s->units) {
        stream_free(s);
        return sm_fail(err, SM_EFAIL, "out of memory for the blocks of %s", ds->source);
    }
    memcpy(s->units, units, (size_t)n_units * sizeof *units);
    return SM_OK;
}

void stream_free(sm_stream *s)
{
    free(s->blocks);
    free(s->window_end);
    free(s->units);
    s->blocks = s->window_end = s->units = NULL;
}

static void block_units(const sm_stream *s, int64_t b, int64_t *first, int64_t *last)
{
    *first = b * s->block;
    *last = *first + s->block < s->n_units ? *first + s->block : s->n_units;
}

/* The pages of window w's rows: wanted soon, or no longer. */
static void advise_window(const sm_stream *s, int64_t w, int need)
{
    for (int64_t i = w * STREAM_WINDOW; w >= 0 && w < s->n_windows && i < s->n_blocks &&
                                        i < (w + 1) * STREAM_WINDOW;
         i++) {
        int64_t u0, u1, r0, r1, unused;
        block_units(s, s->blocks[i], &u0, &u1);
        objective_unit_rows(s->obj, s->ds, s->units[u0], &r0, &unused);
        objective_unit_rows(s->obj, s->ds, s->units[u1 - 1], &unused, &r1);
        dataset_advise_rows(s->ds, r0, r1, need);
    }
}

void stream_epoch(sm_stream *s, sm_rng *rng, int64_t *order)
{
    for (int64_t b = 0; b < s->n_blocks; b++)
        s->blocks[b] = b;
    rng_shuffle(rng, s->blocks, s->n_blocks);
    int64_t at = 0;
    for (int64_t i = 0; i < s->n_blocks; i++) {
        int64_t u0, u1;
        block_units(s, s->blocks[i], &u0, &u1);
        for (int64_t u = u0; u < u1; u++)
            order[at++] = s->units[u];
        if ((i + 1) % STREAM_WINDOW == 0 || i + 1 == s->n_blocks)
            s->window_end[i / STREAM_WINDOW] = at;
    }
    for (int64_t w = 0; w < s->n_windows; w++) {
        int64_t start = w ? s->window_end[w - 1] : 0;
        rng_shuffle(rng, order + start, s->window_end[w] - start);
    }
    s->window = 0;
    advise_window(s, 0, 1);
    advise_window(s, 1, 1);
}

void stream_at(sm_stream *s, int64_t at)
{
    while (s->window + 1 < s->n_windows && at >= s->window_end[s->window]) {
        advise_window(s, s->window, 0);
        s->window++;
        advise_window(s, s->window + 1, 1);
    }
}
