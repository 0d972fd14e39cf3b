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

/* On x86-64 with GCC or Clang, compile the batch for AVX2 and AVX-512 too
 * and let the loader pick (integer arithmetic: every version gives the same
 * bits). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__) \
    && (defined(__clang__) || __GNUC__ >= 6)
#define CLIF_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLIF_CLONES
#endif

CLIF_CLONES
void clif__philox_words(uint64_t seed, uint64_t stream, unsigned purpose, uint64_t index0,
                        size_t nblocks, uint64_t *w)
{
    /* 64-bit lanes holding 32-bit values: the masked products map onto the
     * vector 32x32->64 multiply (pmuludq), which gcc finds in this form. */
    enum { L = 16 };
    const uint64_t M = 0xffffffffu;
    for (size_t b = 0; b < nblocks; b += L) {
        uint64_t c0[L], c1[L], c2[L], c3[L];
        for (int j = 0; j < L; ++j) {
            uint64_t idx = index0 + b + (uint64_t)j;
            c0[j] = idx & M;
            c1[j] = (idx >> 32) | ((uint64_t)purpose << 24);
            c2[j] = stream & M;
            c3[j] = stream >> 32;
        }
        uint64_t k0 = seed & M, k1 = seed >> 32;
        for (int r = 0; r < 10; ++r) {
            for (int j = 0; j < L; ++j) {
                uint64_t p0 = (uint64_t)0xD2511F53u * (c0[j] & M);
                uint64_t p1 = (uint64_t)0xCD9E8D57u * (c2[j] & M);
                uint64_t n0 = (p1 >> 32) ^ c1[j] ^ k0;
                uint64_t n2 = (p0 >> 32) ^ c3[j] ^ k1;
                c1[j] = p1 & M;
                c3[j] = p0 & M;
                c0[j] = n0;
                c2[j] = n2;
            }
            k0 = (k0 + 0x9E3779B9u) & M;
            k1 = (k1 + 0xBB67AE85u) & M;
        }
        size_t m = nblocks - b < L ? nblocks - b : L;
        for (size_t j = 0; j < m; ++j) {
            w[2 * (b + j)] = c0[j] | (c1[j] << 32);
            w[2 * (b + j) + 1] = c2[j] | (c3[j] << 32);
        }
    }
}

void clif__normals(uint64_t seed, uint64_t stream, uint64_t k0, size_t n, double *z)
{
    uint64_t w[CLIF__BATCH + 2];
    if (!n)
        return;
    uint64_t b0 = k0 >> 1, b1 = (k0 + n - 1) >> 1;
    clif__philox_words(seed, stream, CLIF_P_NORMAL, b0, (size_t)(b1 - b0 + 1), w);
    const uint64_t *ww = w + (k0 & 1);
    for (size_t j = 0; j < n; ++j)
        z[j] = clif__zig(ww[j], seed, stream, k0 + j);
}

clif_status clif_rng_normal(uint64_t seed, uint64_t stream, uint64_t start, size_t n,
                            double *out)
{
    clif_status st = check_range(out, start, n);
    if (st != CLIF_OK)
        return st;
    for (size_t j = 0; j < n; j += CLIF__BATCH) {
        size_t m = n - j < CLIF__BATCH ? n - j : CLIF__BATCH;
        clif__normals(seed, stream, start + j, m, out + j);
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
