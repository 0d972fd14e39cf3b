/* C-level tests of rng.c: Random123 known answers, moments, stream identity. */
#include "clif.h"
#include "ctest.h"
#include "rng_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void kat(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1,
                uint32_t e0, uint32_t e1, uint32_t e2, uint32_t e3)
{
    uint32_t c[4] = {c0, c1, c2, c3}, k[2] = {k0, k1}, o[4];
    clif_philox4x32_10(c, k, o);
    CHECK(o[0] == e0 && o[1] == e1 && o[2] == e2 && o[3] == e3);
}

static void test_kat(void)
{
    /* Random123 kat_vectors, philox4x32 10 rounds */
    kat(0, 0, 0, 0, 0, 0, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u);
    kat(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu,
        0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu);
    kat(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u,
        0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u);
}

static void test_moments(void)
{
    enum { N = 1 << 20 };
    double *x = malloc(N * sizeof *x);
    CHECK(clif_rng_normal(12345, 7, 0, N, x) == CLIF_OK);
    double m1 = 0, m2 = 0, m4 = 0, mx = 0;
    for (int i = 0; i < N; ++i) {
        m1 += x[i]; m2 += x[i] * x[i]; m4 += x[i] * x[i] * x[i] * x[i];
        if (fabs(x[i]) > mx) mx = fabs(x[i]);
    }
    m1 /= N; m2 /= N; m4 /= N;
    /* 99.99% bands (3.9 SE): SE(mean) = 1/1024, SE(var) = sqrt(2)/1024,
     * SE(4th moment) = sqrt(96)/1024. */
    CHECK(fabs(m1) < 3.9 / 1024);
    CHECK(fabs(m2 - 1) < 3.9 * 1.4142 / 1024);
    CHECK(fabs(m4 - 3) < 3.9 * 9.8 / 1024);
    CHECK(mx > 4.0 && mx < 7.0); /* the tail beyond r = 3.65 is reached */
    /* Uniforms: mean 1/2, var 1/12, inside (0, 1). */
    CHECK(clif_rng_uniform(99, 0, 0, N, x) == CLIF_OK);
    double u1 = 0, u2 = 0, lo = 1, hi = 0;
    for (int i = 0; i < N; ++i) {
        u1 += x[i]; u2 += x[i] * x[i];
        if (x[i] < lo) lo = x[i];
        if (x[i] > hi) hi = x[i];
    }
    u1 /= N; u2 /= N;
    CHECK(fabs(u1 - 0.5) < 3.9 * 0.2887 / 1024);
    CHECK(fabs(u2 - u1 * u1 - 1.0 / 12) < 3.9 * 0.0745 / 1024);
    CHECK(lo > 0.0 && hi < 1.0);
    free(x);
}

static void test_pieces(void)
{
    /* Any split of a stream gives the same numbers. */
    double a[101], b[101];
    CHECK(clif_rng_normal(5, 3, 10, 101, a) == CLIF_OK);
    CHECK(clif_rng_normal(5, 3, 10, 1, b) == CLIF_OK);
    CHECK(clif_rng_normal(5, 3, 11, 50, b + 1) == CLIF_OK);
    CHECK(clif_rng_normal(5, 3, 61, 50, b + 51) == CLIF_OK);
    int same = 1;
    for (int i = 0; i < 101; ++i) same &= a[i] == b[i];
    CHECK(same);
    CHECK(clif_rng_uniform(5, 3, 9, 33, a) == CLIF_OK);
    CHECK(clif_rng_uniform(5, 3, 9, 4, b) == CLIF_OK);
    CHECK(clif_rng_uniform(5, 3, 13, 29, b + 4) == CLIF_OK);
    same = 1;
    for (int i = 0; i < 33; ++i) same &= a[i] == b[i];
    CHECK(same);
    /* Different streams and seeds differ. */
    CHECK(clif_rng_normal(5, 4, 10, 1, b) == CLIF_OK && b[0] != a[0]);
    /* Errors. */
    CHECK(clif_rng_normal(5, 3, CLIF_RNG_INDEX_LIMIT - 1, 2, a) == CLIF_E_SIZE);
    CHECK(clif_rng_normal(5, 3, 0, 2, NULL) == CLIF_E_NULL);
    CHECK(clif_rng_normal(5, 3, 0, 0, NULL) == CLIF_OK);
}

static void test_isa_paths(void)
{
    /* Every vector path of the batched Philox gives the portable path's
     * bits, and both give the scalar bijection's (the KAT-checked one), for
     * odd lengths, index carries into word 1, every purpose byte and keys
     * with both halves set. */
    enum { NB = 77 };
    static const uint64_t idx0[] = {0, 1, 0xfffffff0u, ((uint64_t)1 << 52) - 40, 12345};
    static const unsigned purposes[] = {0, 1, 4, 255};
    uint64_t ref[2 * NB], got[2 * NB + 2];
    for (size_t a = 0; a < sizeof idx0 / sizeof *idx0; ++a)
        for (size_t b = 0; b < sizeof purposes / sizeof *purposes; ++b) {
            uint64_t seed = 0x0123456789abcdefu ^ (a * 0x9e3779b97f4a7c15u);
            uint64_t stream = 0xfedcba9876543210u + b;
            for (size_t nb = 1; nb <= NB; nb += 19) {
                CHECK(clif__philox_words_isa(CLIF__ISA_PORTABLE, seed, stream, purposes[b],
                                             idx0[a], nb, ref) == 0);
                for (size_t j = 0; j < nb; ++j) {
                    uint64_t w[2];
                    clif__block(seed, stream, purposes[b], idx0[a] + j, w);
                    CHECK(w[0] == ref[2 * j] && w[1] == ref[2 * j + 1]);
                }
                for (int isa = CLIF__ISA_AVX2; isa <= CLIF__ISA_AVX512; ++isa) {
                    memset(got, 0, sizeof got);
                    if (clif__philox_words_isa(isa, seed, stream, purposes[b], idx0[a], nb, got))
                        continue; /* not on this CPU / build */
                    CHECK(memcmp(got, ref, nb * 2 * sizeof *ref) == 0);
                    CHECK(got[2 * nb] == 0); /* writes nothing past its blocks */
                }
            }
        }
}

static void test_zig_paths(void)
{
    /* The ziggurat fast pass gives the same bits on every path, including
     * the words it rejects (-0.0, both signs, every layer, the largest
     * accepted rabs and the smallest rejected one, odd lengths). */
    enum { NW = 1037 };
    uint64_t *w = malloc((NW + 1) * sizeof *w); /* whole blocks */
    double *ref = malloc(NW * sizeof *ref), *got = malloc(NW * sizeof *got);
    clif__philox_words_isa(CLIF__ISA_PORTABLE, 5, 6, 0, 0, NW / 2 + 1, w);
    for (unsigned i = 0; i < 256; ++i) {
        uint64_t k = clif_zig_k[i];
        w[4 * i] = (k ? (k - 1) << 12 : 0) | i;          /* largest accepted */
        w[4 * i + 1] = (k << 12) | (1u << 8) | i;         /* smallest rejected */
        w[4 * i + 2] = (1u << 8) | i;                     /* -0.0 */
    }
    uint32_t *rr = malloc(NW * sizeof *rr), *rg = malloc(NW * sizeof *rg);
    long nr = clif__zig_fast_isa(CLIF__ISA_PORTABLE, w, NW, ref, rr);
    CHECK(nr >= 256); /* at least the "smallest rejected" words */
    long pos = 0;
    int ok = 1;
    for (size_t j = 0; j < NW; ++j) {
        if ((w[j] >> 12) < clif_zig_k[w[j] & 0xff]) { /* accepted: as clif__zig */
            double zz = clif__zig(w[j], 5, 6, j);
            ok &= memcmp(&ref[j], &zz, sizeof zz) == 0;
        } else {
            ok &= pos < nr && rr[pos] == j;
            ++pos;
        }
    }
    CHECK(ok && pos == nr);
    for (size_t n = 1; n <= NW; n += 97)
        for (int isa = CLIF__ISA_AVX2; isa <= CLIF__ISA_AVX512; ++isa) {
            long b = clif__zig_fast_isa(isa, w, n, got, rg);
            if (b < 0)
                continue;
            long e = clif__zig_fast_isa(CLIF__ISA_PORTABLE, w, n, ref, rr);
            CHECK(b == e);
            CHECK(memcmp(got, ref, n * sizeof *got) == 0);
            CHECK(memcmp(rg, rr, (size_t)e * sizeof *rr) == 0);
        }
    free(rr); free(rg);
    free(w); free(ref); free(got);
}

static void test_normals_reference(void)
{
    /* The batched normals (vector Philox, ziggurat fast pass, rejected
     * words' fallback blocks computed together) equal the one-at-a-time
     * definition: normal k = clif__zig(word k&1 of block k>>1). */
    enum { NZ = 20011 };
    double *z = malloc(NZ * sizeof *z);
    const uint64_t start = 12345;
    CHECK(clif_rng_normal(77, 0x123456789u, start, NZ, z) == CLIF_OK);
    int ok = 1, rejected = 0;
    for (uint64_t k = start; k < start + NZ; ++k) {
        uint64_t w[2];
        clif__block(77, 0x123456789u, CLIF_P_NORMAL, k >> 1, w);
        double e = clif__zig(w[k & 1], 77, 0x123456789u, k);
        rejected += (w[k & 1] >> 12) >= clif_zig_k[w[k & 1] & 0xff];
        ok &= memcmp(&e, &z[k - start], sizeof e) == 0;
    }
    CHECK(ok);
    CHECK(rejected > 100); /* the fallback was exercised */
    free(z);
}

int main(void)
{
    test_normals_reference();
    test_isa_paths();
    test_zig_paths();
    test_kat();
    test_moments();
    test_pieces();
    CTEST_END();
}
