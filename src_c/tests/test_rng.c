/* C-level tests of rng.c: Random123 known answers, moments, stream identity. */
#include "clif.h"
#include "ctest.h"
#include "rng_explog.h"
#include "rng_impl.h"
#include "isa_paths.h"

#include <float.h>
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
    for (int isa = CLIF__ISA_AVX2; isa <= CLIF__ISA_AVX512; ++isa)
        have_or_skip("test_isa_paths", isa);
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
                    if (!clif__cpu_has_isa(isa))
                        continue; /* reported once, below */
                    CHECK(clif__philox_words_isa(isa, seed, stream, purposes[b], idx0[a], nb,
                                                 got) == 0);
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
            if (!clif__cpu_has_isa(isa))
                continue; /* reported by test_isa_paths */
            long b = clif__zig_fast_isa(isa, w, n, got, rg);
            CHECK(b >= 0);
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


/* Words whose uniforms probe the exponential's logarithm: random ones, u
 * near 1 (1 - j 2^-53), tiny u (j + 1/2) 2^-53, the two sides of every
 * table interval at every exponent, u = 1 and u = 2^-54. */
static size_t explog_probe_words(uint64_t *w, size_t cap)
{
    size_t n = 0;
    uint64_t s = 0x9e3779b97f4a7c15u;
#define PUT(x) do { if (n < cap) w[n++] = (x); } while (0)
    PUT(0); PUT(~(uint64_t)0); PUT((uint64_t)1 << 63); PUT(((uint64_t)1 << 63) - 1);
    for (uint64_t j = 0; j < 2048; ++j) {
        PUT(j << 11);                                   /* tiny u */
        PUT((((uint64_t)1 << 53) - 1 - j) << 11);       /* u = 1 - (j + 1) 2^-53 .. */
        PUT(((((uint64_t)1 << 53) - 1 - j) << 11) | 0x7ff);
    }
    for (int e = -54; e <= 0; ++e)
        for (uint64_t i = 0; i <= 16; ++i) {
            /* the bits of u at the start of interval i of exponent e */
            uint64_t b = CLIF_EXPLOG_OFF + (i << 48) - ((uint64_t)-e << 52);
            double u;
            memcpy(&u, &b, sizeof u);
            if (!(u > 0x1p-54 && u < 1.0))
                continue;
            uint64_t m = (uint64_t)(u * 0x1p53); /* u = (m + 1/2) 2^-53 nearby */
            for (int d = -2; d <= 2; ++d)
                PUT((m + (uint64_t)(int64_t)d) << 11);
        }
    while (n < cap) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        PUT(s);
        PUT(s >> (s & 63));                              /* log-uniform u */
    }
#undef PUT
    return n;
}

static void test_exp_paths(void)
{
    /* The logarithm gives the portable path's bits on every vector path,
     * for every length (masked tails) and writes nothing past n. */
    enum { NW = 20000 };
    uint64_t *w = malloc(NW * sizeof *w);
    double *ref = malloc((NW + 1) * sizeof *ref), *got = malloc((NW + 1) * sizeof *got);
    size_t nw = explog_probe_words(w, NW);
    CHECK(clif__explog_words_isa(CLIF__ISA_PORTABLE, w, nw, ref) == 0);
    for (int isa = CLIF__ISA_AVX2; isa <= CLIF__ISA_AVX512; ++isa) {
        got[nw] = -1.0;
        if (!clif__cpu_has_isa(isa))
            continue; /* reported by test_isa_paths */
        CHECK(clif__explog_words_isa(isa, w, nw, got) == 0);
        CHECK(memcmp(got, ref, nw * sizeof *ref) == 0);
        CHECK(got[nw] == -1.0);
        int ok = 1;
        for (size_t n = 0; n <= 40; ++n) {
            for (size_t j = 0; j <= n; ++j) got[j] = -1.0;
            clif__explog_words_isa(isa, w + 7, n, got);
            ok &= memcmp(got, ref + 7, n * sizeof *ref) == 0 && got[n] == -1.0;
        }
        CHECK(ok);
    }
    /* u = 1 gives +0, u = 2^-54 gives 54 ln 2 (correctly rounded) */
    uint64_t one = ~(uint64_t)0;
    double y;
    clif__explog_words_isa(CLIF__ISA_PORTABLE, &one, 1, &y);
    CHECK(y == 0.0 && !signbit(y));
    CHECK(ref[0] == 0x1.2b708872320e2p+5);
    /* Accuracy against long double logs (x86: 64-bit mantissa, so the
     * reference is good to 2^-11 ulp): the design bound is 0.52 ulp. */
    if (LDBL_MANT_DIG >= 64) {
        double worst = 0;
        for (size_t j = 0; j < nw; ++j) {
            long double e = -logl((long double)clif__u01(w[j]));
            double c = (double)e;
            if (c == 0.0) {
                CHECK(ref[j] == 0.0);
                continue;
            }
            double err = (double)fabsl(((long double)ref[j] - e)
                                       / (long double)(nextafter(c, INFINITY) - c));
            if (err > worst) worst = err;
        }
        CHECK(worst < 0.55);
    }
    free(w); free(ref); free(got);
}

static void test_exp_reference(void)
{
    /* clif_rng_exponential and every path of clif__exponentials equal the
     * logarithm of the words one at a time (clif__block, word k & 1 of
     * block k >> 1, purpose CLIF_P_UNIFORM: clif_rng_uniform's words), for
     * odd and even starts, index carries into word 1 and every length up
     * to 70 (each group count, the lone last block, masked tails), and
     * write nothing past n. */
    enum { M = 3100 };
    static const uint64_t k0s[] = {0, 1, 2, 15, 16, 17, 0xfffffff0u, 0xffffffffu,
                                   ((uint64_t)1 << 52) - M};
    uint64_t *w = malloc(M * sizeof *w);
    double *ref = malloc(M * sizeof *ref), *got = malloc((M + 8) * sizeof *got);
    int ok = 1;
    for (size_t a = 0; a < sizeof k0s / sizeof *k0s; ++a)
        for (size_t n = 0; n <= M; n = n < 70 ? n + 1 : n * 2 + 9 > M && n < M ? M : n * 2 + 9) {
            uint64_t seed = 0x0123456789abcdefu ^ (a * 0x9e3779b97f4a7c15u), stream = 77 + n;
            for (size_t j = 0; j < n; ++j) {
                uint64_t b[2], k = k0s[a] + j;
                clif__block(seed, stream, CLIF_P_UNIFORM, k >> 1, b);
                w[j] = b[k & 1];
            }
            clif__explog_words_isa(CLIF__ISA_PORTABLE, w, n, ref);
            for (int isa = CLIF__ISA_PORTABLE; isa <= CLIF__ISA_AVX512 + 1; ++isa) {
                for (size_t j = 0; j < n + 8; ++j) got[j] = -1.0;
                if (isa > CLIF__ISA_AVX512) /* the dispatcher */
                    ok &= clif_rng_exponential(seed, stream, k0s[a], n, got) == CLIF_OK;
                else if (!clif__cpu_has_isa(isa))
                    continue; /* reported by test_isa_paths */
                else
                    ok &= clif__exponentials_isa(isa, seed, stream, k0s[a], n, got) == 0;
                ok &= memcmp(got, ref, n * sizeof *ref) == 0;
                for (size_t j = n; j < n + 8; ++j) ok &= got[j] == -1.0;
            }
        }
    CHECK(ok);
    /* the very u of clif_rng_uniform */
    double u[33], e[33];
    CHECK(clif_rng_uniform(5, 3, 9, 33, u) == CLIF_OK);
    CHECK(clif_rng_exponential(5, 3, 9, 33, e) == CLIF_OK);
    ok = 1;
    for (int j = 0; j < 33; ++j) ok &= fabs(e[j] + log(u[j])) <= 1e-15 * fabs(e[j]) + 1e-300;
    CHECK(ok);
    /* Errors, as clif_rng_uniform. */
    CHECK(clif_rng_exponential(5, 3, CLIF_RNG_INDEX_LIMIT - 1, 2, e) == CLIF_E_SIZE);
    CHECK(clif_rng_exponential(5, 3, CLIF_RNG_INDEX_LIMIT + 1, 0, e) == CLIF_E_SIZE);
    CHECK(clif_rng_exponential(5, 3, CLIF_RNG_INDEX_LIMIT - 2, 2, e) == CLIF_OK);
    CHECK(clif_rng_exponential(5, 3, 0, 2, NULL) == CLIF_E_NULL);
    CHECK(clif_rng_exponential(5, 3, 0, 0, NULL) == CLIF_OK);
    free(w); free(ref); free(got);
}

static void test_exp_moments(void)
{
    /* Exp(1): mean 1, variance 1; 99.99% bands (3.9 SE, SE = 1/1024 and
     * sqrt(8)/1024 for the variance). */
    enum { N = 1 << 20 };
    double *x = malloc(N * sizeof *x);
    CHECK(clif_rng_exponential(2024, 5, 1, N, x) == CLIF_OK);
    double m1 = 0, m2 = 0, lo = INFINITY;
    for (int i = 0; i < N; ++i) {
        m1 += x[i]; m2 += x[i] * x[i];
        if (x[i] < lo) lo = x[i];
    }
    m1 /= N; m2 /= N;
    CHECK(fabs(m1 - 1) < 3.9 / 1024);
    CHECK(fabs(m2 - m1 * m1 - 1) < 3.9 * 2.8284 / 1024);
    CHECK(lo >= 0.0);
    free(x);
}

/* clif__exponentials_multi gives, per request, clif__exponentials' bits:
 * requests of 0 to 300 values (the > 256 ones go alone), odd and even
 * starts, 1 to 21 requests (the last group of 8 partly empty), and
 * nothing is written past a request's end. */
static void test_exp_multi(int isa)
{
    enum { M = 21, CAP = 310 };
    static double got[M][CAP + 1], ref[CAP];
    uint64_t x = 2024;
    int ok = 1;
    for (int rep = 0; rep < 60; ++rep) {
        uint64_t st[M], k0[M];
        size_t n[M];
        double *out[M];
        size_t m = 1 + (size_t)rep % M;
        for (size_t j = 0; j < m; ++j) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            st[j] = (x >> 20) + ((uint64_t)1 << 62);
            k0[j] = (x >> 7) % 1000;
            n[j] = rep % 7 == 3 && j == 2 ? 257 + (x >> 40) % 40 : (x >> 33) % 70;
            out[j] = got[j];
            for (size_t q = 0; q <= CAP; ++q)
                got[j][q] = -1.0;
        }
        clif__cpu_force(isa);
        clif__exponentials_multi(77, m, st, k0, n, out);
        clif__cpu_force(CLIF__ISA_PORTABLE);
        for (size_t j = 0; j < m; ++j) {
            clif__exponentials(77, st[j], k0[j], n[j], ref);
            ok &= memcmp(ref, got[j], n[j] * sizeof *ref) == 0 && got[j][n[j]] == -1.0;
        }
    }
    CHECK(ok);
}

/* The public samplers on each forced path give the portable path's bits
 * (odd and even starts, lengths around the batch and group sizes). */
static void test_forced_paths(void)
{
    enum { N = 2 * CLIF__BATCH + 77 };
    static double ref[N + 1], got[N + 1];
    static const uint64_t starts[] = {0, 1, 255, ((uint64_t)1 << 40) + 3};
    static const size_t lens[] = {1, 7, 8, 9, 33, CLIF__BATCH, CLIF__BATCH + 1, N};
    CHECK(force_is_bounded());
    for (int isa = CLIF__ISA_AVX2; isa <= CLIF__ISA_AVX512; ++isa) {
        if (!force_or_skip("test_forced_paths", isa))
            continue;
        int ok = 1;
        for (int f = 0; f < 3; ++f)
            for (size_t a = 0; a < sizeof starts / sizeof *starts; ++a)
                for (size_t b = 0; b < sizeof lens / sizeof *lens; ++b) {
                    const size_t n = lens[b];
                    clif_status (*fn)(uint64_t, uint64_t, uint64_t, size_t, double *) =
                        f == 0 ? clif_rng_normal : f == 1 ? clif_rng_exponential
                                                          : clif_rng_uniform;
                    got[n] = ref[n] = -1.0;
                    clif__cpu_force(CLIF__ISA_PORTABLE);
                    ok &= fn(0x9e3779b97f4a7c15u, 5 + a, starts[a], n, ref) == CLIF_OK;
                    clif__cpu_force(isa);
                    ok &= fn(0x9e3779b97f4a7c15u, 5 + a, starts[a], n, got) == CLIF_OK;
                    ok &= memcmp(got, ref, (n + 1) * sizeof *ref) == 0;
                }
        CHECK(ok);
    }
    clif__cpu_force(-1);
}

int main(void)
{
    test_normals_reference();
    test_isa_paths();
    test_zig_paths();
    test_kat();
    test_moments();
    test_pieces();
    test_exp_paths();
    test_exp_reference();
    test_exp_moments();
    for (int isa = CLIF__ISA_PORTABLE; isa <= CLIF__ISA_AVX512; ++isa)
        if (force_or_skip("test_exp_multi", isa))
            test_exp_multi(isa);
    clif__cpu_force(-1);
    test_forced_paths();
    CTEST_END();
}
