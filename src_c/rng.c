/* The counter-based generator: Philox4x32-10 and the samplers on top of it.
 * The inline pieces live in rng_impl.h so that noise.c draws the very same
 * numbers without a function call per number. */
#include "clif.h"
#include "rng_impl.h"

void clif_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    clif__philox(ctr, key[0], key[1], out);
}

static clif_status check_range(const double *out, uint64_t start, size_t n)
{
    if (!out && n)
        return CLIF_E_NULL;
    if (start > CLIF_RNG_INDEX_LIMIT || (uint64_t)n > CLIF_RNG_INDEX_LIMIT - start)
        return CLIF_E_SIZE;
    return CLIF_OK;
}

clif_status clif_rng_normal(uint64_t seed, uint64_t stream, uint64_t start, size_t n,
                            double *out)
{
    clif_status st = check_range(out, start, n);
    if (st != CLIF_OK)
        return st;
    uint64_t w[2];
    size_t j = 0;
    if (n && (start & 1)) {   /* odd start: second word of its block */
        clif__block(seed, stream, CLIF_P_NORMAL, start >> 1, w);
        out[j++] = clif__zig(w[1], seed, stream, start);
    }
    for (; j + 1 < n; j += 2) {
        uint64_t k = start + j;
        clif__block(seed, stream, CLIF_P_NORMAL, k >> 1, w);
        out[j] = clif__zig(w[0], seed, stream, k);
        out[j + 1] = clif__zig(w[1], seed, stream, k + 1);
    }
    if (j < n) {
        clif__block(seed, stream, CLIF_P_NORMAL, (start + j) >> 1, w);
        out[j] = clif__zig(w[0], seed, stream, start + j);
    }
    return CLIF_OK;
}

clif_status clif_rng_uniform(uint64_t seed, uint64_t stream, uint64_t start, size_t n,
                             double *out)
{
    clif_status st = check_range(out, start, n);
    if (st != CLIF_OK)
        return st;
    uint64_t w[2];
    for (size_t j = 0; j < n; ++j) {
        uint64_t k = start + j;
        if (j == 0 || !(k & 1))
            clif__block(seed, stream, CLIF_P_UNIFORM, k >> 1, w);
        out[j] = clif__u01(w[k & 1]);
    }
    return CLIF_OK;
}
