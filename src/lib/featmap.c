#include "featmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memhint.h"

void featmap_init(sm_featmap *m, int32_t dim)
{
    memset(m, 0, sizeof *m);
    m->space = m->n = dim;
}

void featmap_free(sm_featmap *m)
{
    free(m->index);
    free(m->first);
    featmap_init(m, 0);
}

int featmap_is_plain(const sm_featmap *m) { return m->hash_bits == 0 && !m->index; }

uint32_t featmap_hash(uint32_t i, int bits)
{
    uint32_t h = i ^ FEATMAP_HASH_SEED;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h >> (32 - bits); /* the top bits are the best mixed */
}

static int bit_length(uint64_t x)
{
    int b = 0;
    for (; x; x >>= 1)
        b++;
    return b;
}

static int trailing_zeros(uint64_t x)
{
#if defined(__GNUC__)
    return __builtin_ctzll(x);
#else
    return bit_length(x & -x) - 1;
#endif
}

/* FNV-1a, for the fingerprint. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t len)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

/* The lookup table and the fingerprint of a map whose other fields are set.
 * The table has one to two slots per entry (4 to 8 bytes an input; at most
 * 2^24 slots), so a lookup is mostly two reads: the slot, then its entry. */
static sm_status finish(sm_featmap *m, sm_error *err)
{
    if (m->index) {
        uint32_t last = m->space > 0 ? (uint32_t)m->space - 1 : 0;
        int bits = bit_length((uint64_t)m->n), top = bit_length(last);
        bits = bits < 24 ? bits : 24;
        m->shift = top > bits ? top - bits : 0;
        size_t slots = (size_t)(last >> m->shift) + 1;
        if (!(m->first = calloc(slots + 1, sizeof *m->first)))
            return sm_fail(err, SM_EFAIL, "out of memory for a map of %ld features", (long)m->n);
        for (int32_t j = 0; j < m->n; j++)
            m->first[((uint32_t)m->index[j] >> m->shift) + 1]++;
        for (size_t t = 0; t < slots; t++)
            m->first[t + 1] += m->first[t];
    }
    m->id = 0;
    if (!featmap_is_plain(m)) {
        uint64_t h = fnv1a(0xcbf29ce484222325ULL, &m->hash_bits, sizeof m->hash_bits);
        h = fnv1a(h, &m->space, sizeof m->space);
        h = fnv1a(h, &m->n, sizeof m->n);
        if (m->index)
            h = fnv1a(h, m->index, (size_t)m->n * sizeof *m->index);
        m->id = h ? h : 1;
    }
    return SM_OK;
}

sm_status featmap_make(sm_featmap *m, int hash_bits, int32_t space, int32_t *index, int32_t n,
                       sm_error *err)
{
    featmap_init(m, space);
    m->hash_bits = hash_bits;
    m->n = index ? n : space;
    m->index = index;
    sm_status st = finish(m, err);
    if (st != SM_OK)
        featmap_free(m);
    return st;
}

/* The input of (hashed) index key in a map with a list, or -1. */
static inline int32_t list_find(const sm_featmap *m, uint32_t key)
{
    if (key >= (uint32_t)m->space)
        return -1;
    uint32_t t = key >> m->shift, lo = m->first[t], end = m->first[t + 1], hi = end;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if ((uint32_t)m->index[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < end && (uint32_t)m->index[lo] == key ? (int32_t)lo : -1;
}

/* The input of a (hashed) index. */
static inline int32_t input_of_key(const sm_featmap *m, uint32_t key)
{
    if (m->index)
        return list_find(m, key);
    return key < (uint32_t)m->n ? (int32_t)key : -1;
}

int32_t featmap_input(const sm_featmap *m, int32_t i)
{
    return input_of_key(m, m->hash_bits ? featmap_hash((uint32_t)i, m->hash_bits) : (uint32_t)i);
}

/* ---- building a map ---- */

static inline uint32_t key_of(int hash_bits, int32_t i)
{
    return hash_bits ? featmap_hash((uint32_t)i, hash_bits) : (uint32_t)i;
}

/* The distinct keys as set bits of a bitmap of the space, read out in order. */
static sm_status keys_by_bitmap(const sm_dataset *ds, int hash_bits, int32_t space, int32_t **out,
                                int32_t *n_out, sm_error *err)
{
    size_t words = ((size_t)space + 63) / 64;
    uint64_t *bits = calloc(words, sizeof *bits);
    if (!bits)
        return sm_fail(err, SM_EFAIL, "out of memory for the features of %s", ds->source);
    sm_prefault(bits, words * sizeof *bits); /* set at random: one call, not a fault a page */
    for (int64_t r = 0; r < ds->n_rows; r++) {
        sm_row w = dataset_row(ds, r);
        for (int64_t k = 0; k < w.n; k++) {
            uint32_t key = key_of(hash_bits, row_index(w.col, w.first, k));
            bits[key / 64] |= (uint64_t)1 << (key % 64);
        }
    }
    int32_t n = 0;
    for (size_t w = 0; w < words; w++)
        for (uint64_t b = bits[w]; b; b &= b - 1)
            n++;
    int32_t *index = malloc((size_t)(n > 0 ? n : 1) * sizeof *index);
    if (!index) {
        free(bits);
        return sm_fail(err, SM_EFAIL, "out of memory for the features of %s", ds->source);
    }
    n = 0;
    for (size_t w = 0; w < words; w++)
        for (uint64_t b = bits[w]; b; b &= b - 1)
            index[n++] = (int32_t)(w * 64 + (size_t)trailing_zeros(b));
    free(bits);
    *out = index;
    *n_out = n;
    return SM_OK;
}

/* Sort n keys in three passes of 11 bits between keys and tmp; returns the
 * one of the two that holds them sorted. 2^11 places to write to at once
 * stay in the caches, where 2^16 would not. */
enum { RADIX_BITS = 11, RADIX = 1 << RADIX_BITS };

static uint32_t *radix_sort(uint32_t *keys, uint32_t *tmp, int64_t n, int64_t *count)
{
    for (int shift = 0; shift < 32; shift += RADIX_BITS) {
        memset(count, 0, RADIX * sizeof *count);
        for (int64_t i = 0; i < n; i++)
            count[(keys[i] >> shift) & (RADIX - 1)]++;
        for (int64_t d = 0, at = 0; d < RADIX; d++) {
            int64_t c = count[d];
            count[d] = at;
            at += c;
        }
        for (int64_t i = 0; i < n; i++)
            tmp[count[(keys[i] >> shift) & (RADIX - 1)]++] = keys[i];
        uint32_t *sorted = tmp;
        tmp = keys;
        keys = sorted;
    }
    return keys;
}

/* The distinct keys from a sorted copy of every key: for a space much larger
 * than the data, where a bitmap would be the bigger cost. */
static sm_status keys_by_sort(const sm_dataset *ds, int hash_bits, int32_t **out, int32_t *n_out,
                              sm_error *err)
{
    size_t n = ds->nnz > 0 ? (size_t)ds->nnz : 1;
    uint32_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    int64_t *count = malloc(RADIX * sizeof *count);
    if (!a || !b || !count) {
        free(a);
        free(b);
        free(count);
        return sm_fail(err, SM_EFAIL, "out of memory for the features of %s", ds->source);
    }
    sm_prefault(a, n * sizeof *a); /* (page faults one by one cost more than the sort) */
    sm_prefault(b, n * sizeof *b);
    for (int64_t r = 0, at = 0; r < ds->n_rows; r++) {
        sm_row w = dataset_row(ds, r);
        for (int64_t k = 0; k < w.n; k++)
            a[at++] = key_of(hash_bits, row_index(w.col, w.first, k));
    }
    uint32_t *keys = radix_sort(a, b, ds->nnz, count);
    free(keys == a ? b : a);
    free(count);
    int64_t distinct = 0;
    for (int64_t k = 0; k < ds->nnz; k++)
        if (k == 0 || keys[k] != keys[k - 1])
            keys[distinct++] = keys[k];
    *out = (int32_t *)keys; /* keys < 2^31: the same bits as int32 */
    *n_out = (int32_t)distinct;
    return SM_OK;
}

/* The union of every rank's sorted distinct keys (*index, n of them). */
static sm_status union_of_ranks(sm_dist *dist, int32_t **index, int32_t *n, sm_error *err)
{
    int32_t *all;
    int64_t total;
    sm_status st = dist_allgather_i32(dist, *index, *n, &all, &total, err);
    free(*index);
    *index = NULL;
    if (st != SM_OK)
        return st;
    uint32_t *tmp = malloc((size_t)(total > 0 ? total : 1) * sizeof *tmp);
    int64_t *count = malloc(RADIX * sizeof *count);
    if (!tmp || !count) {
        free(all);
        free(tmp);
        free(count);
        return sm_fail(err, SM_EFAIL, "out of memory for the features of the ranks");
    }
    uint32_t *keys = radix_sort((uint32_t *)all, tmp, total, count);
    free(keys == (uint32_t *)all ? (void *)tmp : (void *)all);
    free(count);
    int64_t distinct = 0;
    for (int64_t k = 0; k < total; k++)
        if (k == 0 || keys[k] != keys[k - 1])
            keys[distinct++] = keys[k];
    *index = (int32_t *)keys;
    *n = (int32_t)distinct;
    return SM_OK;
}

/* The same for the ranks of dist (dist.h) that hold a share of the data
 * each: one map for all, of the indices that occur in any share, decided on
 * the totals of all; NULL or one rank is featmap_build. */
static sm_status featmap_build_among(const sm_dataset *train, int hash_bits, sm_dist *dist,
                                     sm_featmap *m, sm_error *err)
{
    /* Every rank takes the same decisions from the same totals. */
    double dim = train->dim, nnz = (double)train->nnz;
    if (dist_many(dist) && (dist_max(dist, &dim, 1, err) != SM_OK ||
                            dist_sum(dist, &nnz, 1, err) != SM_OK))
        return SM_EFAIL;
    featmap_init(m, (int32_t)dim);
    if (hash_bits < 0 || hash_bits > FEATMAP_MAX_HASH_BITS)
        return sm_fail(err, SM_EUSAGE, "hash bits %d out of range (1 to %d)", hash_bits,
                       FEATMAP_MAX_HASH_BITS);
    m->hash_bits = hash_bits;
    if (hash_bits)
        m->space = m->n = (int32_t)1 << hash_bits;
    /* Dense enough as it is: no pass over the data. */
    if ((double)m->space <= floor(nnz / 4))
        return finish(m, err);
    int32_t *index = NULL, n = 0;
    /* a bitmap when it is no larger than the data (8 bytes a nonzero) */
    sm_status st = (uint64_t)m->space / 8 <= 8 * (uint64_t)train->nnz
                       ? keys_by_bitmap(train, hash_bits, m->space, &index, &n, err)
                       : keys_by_sort(train, hash_bits, &index, &n, err);
    if (dist_many(dist))
        st = dist_agree(dist, st, err);
    if (st == SM_OK && dist_many(dist))
        st = union_of_ranks(dist, &index, &n, err);
    if (st != SM_OK)
        return st;
    if (4 * ((double)m->space - n) > nnz)
        return featmap_make(m, hash_bits, m->space, index, n, err);
    free(index);
    return finish(m, err);
}

sm_status featmap_build(const sm_dataset *train, int hash_bits, sm_featmap *m, sm_error *err)
{
    return featmap_build_among(train, hash_bits, NULL, m, err);
}

/* ---- mapping rows ---- */

typedef struct {
    uint32_t key, pos;
    float val;
} hashed_entry;

static int entry_before(const hashed_entry *a, const hashed_entry *b)
{
    return a->key < b->key || (a->key == b->key && a->pos < b->pos);
}

static int entry_cmp(const void *pa, const void *pb)
{
    const hashed_entry *a = pa, *b = pb;
    return entry_before(a, b) ? -1 : entry_before(b, a);
}

/* By bucket, then position: a total order, so the sums of shared buckets
 * are added in index order whatever the sort. */
static void sort_entries(hashed_entry *e, int64_t n)
{
    if (n > 16) {
        qsort(e, (size_t)n, sizeof *e, entry_cmp);
        return;
    }
    for (int64_t i = 1; i < n; i++) {
        hashed_entry x = e[i];
        int64_t j = i;
        for (; j > 0 && entry_before(&x, &e[j - 1]); j--)
            e[j] = e[j - 1];
        e[j] = x;
    }
}

/* The nonzeros of a row hashed, their buckets' sums mapped through the
 * list, written from col[w], val[w]; returns the new w. The row is read
 * whole into ent before anything is written. */
static int64_t map_hashed_row(const sm_featmap *m, sm_row row, hashed_entry *ent, int32_t *col,
                              float *val, int64_t w)
{
    int64_t n = row.n;
    for (int64_t i = 0; i < n; i++) {
        ent[i].key = featmap_hash((uint32_t)row_index(row.col, row.first, i), m->hash_bits);
        ent[i].pos = (uint32_t)i;
        ent[i].val = row.val[i];
    }
    sort_entries(ent, n);
    for (int64_t i = 0; i < n;) {
        uint32_t key = ent[i].key;
        double sum = (double)ent[i].val;
        for (i++; i < n && ent[i].key == key; i++)
            sum += (double)ent[i].val;
        int32_t j = input_of_key(m, key);
        if (j >= 0) {
            col[w] = j;
            val[w] = (float)sum;
            w++;
        }
    }
    return w;
}

sm_status featmap_map_rows(const sm_featmap *m, const sm_dataset *src, int64_t first, int64_t last,
                           int64_t *row_ptr, int32_t *col, float *val, sm_error *err)
{
    hashed_entry *ent = NULL;
    if (m->hash_bits) {
        int64_t longest = 1;
        for (int64_t r = first; r < last; r++)
            if (src->row_ptr[r + 1] - src->row_ptr[r] > longest)
                longest = src->row_ptr[r + 1] - src->row_ptr[r];
        if (!(ent = malloc((size_t)longest * sizeof *ent)))
            return sm_fail(err, SM_EFAIL, "out of memory for a row of %lld nonzeros",
                           (long long)longest);
    }
    /* Each offset is read before the same slot may be overwritten. */
    int64_t b = src->row_ptr[first], w = 0;
    row_ptr[0] = 0;
    for (int64_t r = first; r < last; r++) {
        int64_t e = src->row_ptr[r + 1];
        sm_row row = dataset_row_span(src, r, b, e);
        if (ent) {
            w = map_hashed_row(m, row, ent, col, val, w);
        } else {
            for (int64_t k = 0; k < row.n; k++) {
                int32_t j = input_of_key(m, (uint32_t)row_index(row.col, row.first, k));
                if (j >= 0) {
                    col[w] = j;
                    val[w] = row.val[k];
                    w++;
                }
            }
        }
        row_ptr[r - first + 1] = w;
        b = e;
    }
    free(ent);
    return SM_OK;
}

/* The array p of ds to write the mapped data into: p itself, or a new one
 * of the same size when p is in the cache mapping (read-only). */
static void *writable(const sm_dataset *ds, void *p, size_t bytes)
{
    return dataset_in_mapping(ds, p) ? malloc(bytes > 0 ? bytes : 1) : p;
}

sm_status featmap_apply(const sm_featmap *m, sm_dataset *ds, sm_error *err)
{
    if (featmap_is_plain(m))
        return SM_OK;
    if (ds->row_ptr) {
        size_t nnz = (size_t)ds->nnz;
        int64_t *row_ptr = writable(ds, ds->row_ptr, ((size_t)ds->n_rows + 1) * sizeof *row_ptr);
        /* (compact rows: the mapped rows have every index, more than col holds) */
        int32_t *col = ds->col_ptr ? malloc(nnz > 0 ? nnz * sizeof *col : 1)
                                   : writable(ds, ds->col, nnz * sizeof *col);
        float *val = writable(ds, ds->val, nnz * sizeof *val);
        sm_status st = row_ptr && col && val
                           ? featmap_map_rows(m, ds, 0, ds->n_rows, row_ptr, col, val, err)
                           : sm_fail(err, SM_EFAIL, "%s: out of memory", ds->source);
        if (st != SM_OK) {
            /* (an array mapped in place was not changed before the failure) */
            if (row_ptr != ds->row_ptr)
                free(row_ptr);
            if (col != ds->col)
                free(col);
            if (val != ds->val)
                free(val);
            return st;
        }
        /* the replaced arrays are in the mapping, which dataset_free unmaps */
        if (ds->col_ptr) {
            if (!dataset_in_mapping(ds, ds->col))
                free(ds->col);
            if (!dataset_in_mapping(ds, ds->col_ptr))
                free(ds->col_ptr);
            ds->col_ptr = NULL;
        }
        ds->row_ptr = row_ptr;
        ds->col = col;
        ds->val = val;
        ds->nnz = row_ptr[ds->n_rows];
    }
    ds->dim = m->n;
    ds->featmap_id = m->id;
    return SM_OK;
}

sm_status featmap_prepare(sm_dataset *train, sm_dataset *valid, int hash_bits, sm_dist *dist,
                          sm_featmap *m, sm_error *err)
{
    sm_status st = featmap_build_among(train, hash_bits, dist, m, err);
    /* A rank's share may lack the largest indices: every rank's scorer has
     * the inputs of all. */
    if (st == SM_OK && featmap_is_plain(m) && train->dim < m->n)
        train->dim = m->n;
    if (st == SM_OK)
        st = featmap_apply(m, train, err);
    if (st == SM_OK && valid)
        st = featmap_apply(m, valid, err);
    return st;
}

sm_status featmap_apply_model(const sm_featmap *m, sm_dataset *ds, sm_error *err)
{
    for (int64_t r = 0; r < ds->n_rows; r++) {
        sm_row w = dataset_row(ds, r);
        for (int64_t k = 0; k < w.n; k++)
            if (featmap_input(m, row_index(w.col, w.first, k)) < 0) {
                char where[300];
                return sm_fail(err, SM_EDATA,
                               "%s: feature %ld is not among the model's features "
                               "(--init continues a model on its own features: train a new "
                               "model, or use --hash-bits for open feature sets)",
                               dataset_where(ds, r, where, sizeof where),
                               (long)row_index(w.col, w.first, k));
            }
    }
    sm_status st = featmap_apply(m, ds, err);
    ds->dim = m->n; /* a plain map too: the model's inputs, whatever occurs here */
    return st;
}
