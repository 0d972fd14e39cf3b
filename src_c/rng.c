/* The counter-based generator: Philox4x32-10 and the samplers on top of it.
 * The inline pieces live in rng_impl.h so that noise.c draws the very same
 * numbers without a function call per number. */
#include "clif.h"
#include "rng_impl.h"
#include "bits_impl.h"
#include "cpu_impl.h"
#include "philox_simd_impl.h"

#include <string.h>

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

/* Batched Philox: w[2 j], w[2 j + 1] are the words of block index0 + j.
 * The vector paths hold the blocks as philox_simd_impl.h describes; that
 * layout is also the output word order. */
static void philox_words_portable(uint64_t seed, uint64_t stream, unsigned purpose,
                                  uint64_t index0, size_t nblocks, uint64_t *w)
{
    for (size_t b = 0; b < nblocks; ++b)
        clif__block(seed, stream, purpose, index0 + b, w + 2 * b);
}

#ifdef CLIF__X86
/* 8 blocks per register, 4 registers in flight (clif__philox512_10). */
CLIF__T_AVX512
static void philox_words_avx512(uint64_t seed, uint64_t stream, unsigned purpose,
                                uint64_t index0, size_t nblocks, uint64_t *w)
{
    enum { G = 4, L = 8 * G };
    uint64_t k0[10], k1[10];
    clif__philox_keys(seed, k0, k1);
    const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i Bin = _mm512_set1_epi64((long long)stream);
    for (size_t b = 0; b < nblocks; b += L) {
        __m512i A[G], B[G];
        for (int g = 0; g < G; ++g) {
            /* index + (purpose << 56): purpose in the top byte of word c1 */
            __m512i idx = _mm512_add_epi64(_mm512_set1_epi64((long long)(index0 + b + 8u * g)),
                                           lane);
            A[g] = _mm512_or_si512(idx, _mm512_set1_epi64((long long)((uint64_t)purpose << 56)));
            B[g] = Bin;
        }
        clif__philox512_10(G, A, B, k0, k1);
        if (nblocks - b >= L) {
            for (int g = 0; g < G; ++g) {
                __m512i lo = _mm512_unpacklo_epi64(A[g], B[g]);
                __m512i hi = _mm512_unpackhi_epi64(A[g], B[g]);
                /* lanes (A0 B0 A2 B2 ..), (A1 B1 A3 B3 ..) -> A0 B0 A1 B1 .. */
                const __m512i i0 = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
                const __m512i i1 = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
                _mm512_storeu_si512((void *)(w + 2 * (b + 8u * g)),
                                    _mm512_permutex2var_epi64(lo, i0, hi));
                _mm512_storeu_si512((void *)(w + 2 * (b + 8u * g) + 8),
                                    _mm512_permutex2var_epi64(lo, i1, hi));
            }
        } else {
            uint64_t a[L], bb[L];
            for (int g = 0; g < G; ++g) {
                _mm512_storeu_si512((void *)(a + 8 * g), A[g]);
                _mm512_storeu_si512((void *)(bb + 8 * g), B[g]);
            }
            for (size_t j = 0; j < nblocks - b; ++j) {
                w[2 * (b + j)] = a[j];
                w[2 * (b + j) + 1] = bb[j];
            }
        }
    }
}

CLIF__T_AVX2
static void philox_words_avx2(uint64_t seed, uint64_t stream, unsigned purpose,
                              uint64_t index0, size_t nblocks, uint64_t *w)
{
    enum { G = 4, L = 4 * G };
    uint64_t k0[10], k1[10];
    clif__philox_keys(seed, k0, k1);
    const __m256i lane = _mm256_set_epi64x(3, 2, 1, 0);
    const __m256i Bin = _mm256_set1_epi64x((long long)stream);
    for (size_t b = 0; b < nblocks; b += L) {
        __m256i A[G], B[G];
        for (int g = 0; g < G; ++g) {
            __m256i idx = _mm256_add_epi64(
                _mm256_set1_epi64x((long long)(index0 + b + 4u * g)), lane);
            A[g] = _mm256_or_si256(idx,
                                   _mm256_set1_epi64x((long long)((uint64_t)purpose << 56)));
            B[g] = Bin;
        }
        clif__philox256_10(G, A, B, k0, k1);
        if (nblocks - b >= L) {
            for (int g = 0; g < G; ++g) {
                __m256i lo = _mm256_unpacklo_epi64(A[g], B[g]); /* A0 B0 A2 B2 */
                __m256i hi = _mm256_unpackhi_epi64(A[g], B[g]); /* A1 B1 A3 B3 */
                _mm256_storeu_si256((__m256i *)(w + 2 * (b + 4u * g)),
                                    _mm256_permute2x128_si256(lo, hi, 0x20));
                _mm256_storeu_si256((__m256i *)(w + 2 * (b + 4u * g) + 4),
                                    _mm256_permute2x128_si256(lo, hi, 0x31));
            }
        } else {
            uint64_t a[L], bb[L];
            for (int g = 0; g < G; ++g) {
                _mm256_storeu_si256((__m256i *)(a + 4 * g), A[g]);
                _mm256_storeu_si256((__m256i *)(bb + 4 * g), B[g]);
            }
            for (size_t j = 0; j < nblocks - b; ++j) {
                w[2 * (b + j)] = a[j];
                w[2 * (b + j) + 1] = bb[j];
            }
        }
    }
}
#endif

int clif__philox_words_isa(int isa, uint64_t seed, uint64_t stream, unsigned purpose,
                           uint64_t index0, size_t nblocks, uint64_t *w)
{
    switch (isa) {
    case CLIF__ISA_PORTABLE:
        philox_words_portable(seed, stream, purpose, index0, nblocks, w);
        return 0;
#ifdef CLIF__X86
    case CLIF__ISA_AVX512:
        if (!clif__cpu_has_isa(isa))
            return -1;
        philox_words_avx512(seed, stream, purpose, index0, nblocks, w);
        return 0;
    case CLIF__ISA_AVX2:
        if (!clif__cpu_has_isa(isa))
            return -1;
        philox_words_avx2(seed, stream, purpose, index0, nblocks, w);
        return 0;
#endif
    default:
        return -1;
    }
}

void clif__philox_words(uint64_t seed, uint64_t stream, unsigned purpose, uint64_t index0,
                        size_t nblocks, uint64_t *w)
{
#ifdef CLIF__X86
    const unsigned cpu = clif__cpu();
    if (cpu & CLIF_CPU_AVX512) {
        philox_words_avx512(seed, stream, purpose, index0, nblocks, w);
        return;
    }
    if (cpu & CLIF_CPU_AVX2) {
        philox_words_avx2(seed, stream, purpose, index0, nblocks, w);
        return;
    }
#endif
    philox_words_portable(seed, stream, purpose, index0, nblocks, w);
}

/* The ziggurat's fast path for every word: z[j] as clif__zig would give it
 * when word j is accepted at once (98.8% of words).  The positions of the
 * others go to rej[] (n entries at most, offset by j0); returns their
 * number, and the caller redoes them with clif__zig. */
static size_t zig_fast_portable(const uint64_t *w, size_t n, double *z, size_t j0,
                                uint32_t *rej)
{
    size_t nr = 0;
    for (size_t j = 0; j < n; ++j) {
        unsigned i = (unsigned)(w[j] & 0xff);
        uint64_t rabs = w[j] >> 12;
        z[j] = clif__flip_sign((double)(int64_t)rabs * clif_zig_w[i], (w[j] >> 8) & 1);
        rej[nr] = (uint32_t)(j0 + j);
        nr += rabs >= clif_zig_k[i];
    }
    return nr;
}

#ifdef CLIF__X86
/* The same with gathers from the (L1-resident) tables.  The conversions
 * are exact (rabs < 2^52), the product is one IEEE multiply: same bits. */
CLIF__T_AVX512
static size_t zig_fast_avx512(const uint64_t *w, size_t n, double *z, uint32_t *rej)
{
    const __m512i m8 = _mm512_set1_epi64(0xff);
    const __m512i sgn = _mm512_set1_epi64((long long)((uint64_t)1 << 63));
    size_t nr = 0, j = 0;
    for (; j + 8 <= n; j += 8) {
        __m512i wv = _mm512_loadu_si512((const void *)(w + j));
        __m512i idx = _mm512_and_si512(wv, m8);
        __m512i kk = _mm512_i64gather_epi64(idx, (const void *)clif_zig_k, 8);
        __m512d ww = _mm512_i64gather_pd(idx, (const void *)clif_zig_w, 8);
        __m512i rabs = _mm512_srli_epi64(wv, 12);
        __m512d x = _mm512_mul_pd(_mm512_cvtepi64_pd(rabs), ww);
        /* bit 8 of the word -> bit 63 */
        __m512i s = _mm512_and_si512(_mm512_slli_epi64(wv, 55), sgn);
        _mm512_storeu_pd(z + j, _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(x), s)));
        for (unsigned m = _mm512_cmpge_epu64_mask(rabs, kk); m; m &= m - 1)
            rej[nr++] = (uint32_t)(j + (unsigned)__builtin_ctz(m));
    }
    return nr + zig_fast_portable(w + j, n - j, z + j, j, rej + nr);
}

CLIF__T_AVX2
static size_t zig_fast_avx2(const uint64_t *w, size_t n, double *z, uint32_t *rej)
{
    const __m256i m8 = _mm256_set1_epi64x(0xff);
    const __m256i sgn = _mm256_set1_epi64x((long long)((uint64_t)1 << 63));
    /* rabs < 2^52: or-ing in the exponent of 2^52 and subtracting 2^52
     * converts it exactly */
    const __m256i ex = _mm256_set1_epi64x(0x4330000000000000LL);
    const __m256d two52 = _mm256_set1_pd(0x1.0p52);
    size_t nr = 0, j = 0;
    for (; j + 4 <= n; j += 4) {
        __m256i wv = _mm256_loadu_si256((const __m256i *)(w + j));
        __m256i idx = _mm256_and_si256(wv, m8);
        __m256i kk = _mm256_i64gather_epi64((const long long *)clif_zig_k, idx, 8);
        __m256d ww = _mm256_i64gather_pd(clif_zig_w, idx, 8);
        __m256i rabs = _mm256_srli_epi64(wv, 12);
        __m256d r = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(rabs, ex)), two52);
        __m256d x = _mm256_mul_pd(r, ww);
        __m256i s = _mm256_and_si256(_mm256_slli_epi64(wv, 55), sgn);
        _mm256_storeu_pd(z + j, _mm256_castsi256_pd(_mm256_xor_si256(_mm256_castpd_si256(x), s)));
        /* both below 2^63: the signed compare is the unsigned one */
        unsigned ok = (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(kk, rabs)));
        for (unsigned m = ~ok & 0xfu; m; m &= m - 1)
            rej[nr++] = (uint32_t)(j + (unsigned)__builtin_ctz(m));
    }
    return nr + zig_fast_portable(w + j, n - j, z + j, j, rej + nr);
}
#endif

long clif__zig_fast_isa(int isa, const uint64_t *w, size_t n, double *z, uint32_t *rej)
{
    switch (isa) {
    case CLIF__ISA_PORTABLE:
        return (long)zig_fast_portable(w, n, z, 0, rej);
#ifdef CLIF__X86
    case CLIF__ISA_AVX512:
        if (!clif__cpu_has_isa(isa))
            return -1;
        return (long)zig_fast_avx512(w, n, z, rej);
    case CLIF__ISA_AVX2:
        if (!clif__cpu_has_isa(isa))
            return -1;
        return (long)zig_fast_avx2(w, n, z, rej);
#endif
    default:
        return -1;
    }
}

static size_t zig_fast(const uint64_t *w, size_t n, double *z, uint32_t *rej)
{
#ifdef CLIF__X86
    const unsigned cpu = clif__cpu();
    if (cpu & CLIF_CPU_AVX512)
        return zig_fast_avx512(w, n, z, rej);
    if (cpu & CLIF_CPU_AVX2)
        return zig_fast_avx2(w, n, z, rej);
#endif
    return zig_fast_portable(w, n, z, 0, rej);
}

void clif__normals(uint64_t seed, uint64_t stream, uint64_t k0, size_t n, double *z)
{
    uint64_t w[CLIF__BATCH + 2];
    uint32_t rej[CLIF__BATCH];
    if (!n)
        return;
    uint64_t b0 = k0 >> 1, b1 = (k0 + n - 1) >> 1;
    clif__philox_words(seed, stream, CLIF_P_NORMAL, b0, (size_t)(b1 - b0 + 1), w);
    const uint64_t *ww = w + (k0 & 1);
    size_t nr = zig_fast(ww, n, z, rej);
    for (size_t r = 0; r < nr; ++r)
        z[rej[r]] = clif__zig(ww[rej[r]], seed, stream, k0 + rej[r]);
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

/* ---- exponential variates: -log(u) of the uniform stream ---------------
 *
 * clif__exponentials gives out[j] = -log(u) for u = clif__u01(word k0 + j)
 * of purpose CLIF_P_UNIFORM -- the very u of clif_rng_uniform -- with a
 * logarithm of clif's own (tables: src_c/rng_explog.h, tools/gen_explog.py),
 * so that every path (AVX-512, AVX2+FMA, portable C) gives the same bits:
 * integer operations, IEEE +, -, * and explicit fma only, in the same order
 * (the core is compiled with -ffp-contract=off).
 *
 * Reduction.  u = 2^k z, z in [0.671875, 1.34375) (the bits of z are those
 * of u less k << 52 where bits(u) - OFF = k << 52 + m, 0 <= m < 2^52); the
 * top 4 bits of m pick an interval i of z with a centre c = 1 / invc[i]:
 *
 *   -log(u) = -k ln2 + log(invc) - log1p(r),   r = z invc - 1 in [-0.0295, 0.0313].
 *
 * z invc = p + plo exactly (TwoProduct: plo = fma(z, invc, -p)); r = p - 1
 * is exact (Sterbenz); log1p(r + plo) = log1p(r) + plo (1 - r) + O(plo r^2).
 * The interval around 1, [1 - 2^-6, 1 + 2^-5), has invc = 1: there plo = 0,
 * r = z - 1 exactly and u = 1 gives +0.
 *
 * Sum.  w = -k ln2_hi + nlogc is exact: ln2_hi has 32 bits and |k| <= 54,
 * and nlogc is a multiple of 2^-47 (the table is built so, and to within
 * 2^-68 of log(invc)).  hi = w - r with its exact error (Fast2Sum: |w| >=
 * |r| wherever w != 0, by construction of the table); everything else goes
 * into lo: that error, -k ln2_lo, -plo (1 - r) and the polynomial part
 * r^2 (-Q(r)); the result is hi + lo, rounded once.  Error budget, in ulps
 * of the result: the final rounding (1/2), the polynomial (2^-61.4
 * relative), the table (2^-68 absolute against results of at least 2^-6
 * wherever nlogc != 0), the neglected plo r^2 (below 2^-65 where k = 0,
 * the only place where it is not negligible) and lo's roundings: about
 * 0.53 at most, so the result is the correctly rounded -log(u) or its
 * neighbour.  (Measured: 0.515 at most on millions of u.)  The
 * tests compare it with mpmath at 80 digits (near 1, tiny u, random u). */
#include "rng_explog.h"

#define EXPLOG_MANT 0x000fffffffffffffULL
static const double explog_nln2_hi = -6.93147180369123816490e-01; /* -ln2, 32 bits */
static const double explog_nln2_lo = -1.90821492927058770002e-10;

/* -log(clif__u01(w)): the definition every vector path reproduces. */
CLIF__INLINE double explog_scalar(uint64_t w)
{
    const double u = clif__u01(w);
    const uint64_t tmp = clif__bits(u) - CLIF_EXPLOG_OFF;
    const unsigned i = (unsigned)(tmp >> (52 - CLIF_EXPLOG_BITS)) & ((1u << CLIF_EXPLOG_BITS) - 1);
    /* k = tmp >> 52 as a signed 12-bit number, exactly as a double */
    const double kd = (double)((int)((tmp >> 52) ^ 0x800u) - 0x800);
    const double z = clif__dbl((tmp & EXPLOG_MANT) + CLIF_EXPLOG_OFF);
    const double invc = clif_explog_invc[i], nlogc = clif_explog_nlogc[i];
    const double p = z * invc;
    const double plo = fma(z, invc, -p);
    const double r = p - 1.0;
    const double corr = fma(-r, plo, plo);
    const double wv = kd * explog_nln2_hi + nlogc; /* both operations exact */
    const double hi = wv - r;
    const double eh = (wv - hi) - r;
    const double lo = fma(kd, explog_nln2_lo, eh) - corr;
    const double r2 = r * r;
    const double *c = clif_explog_nq;
    const double qe = fma(fma(fma(fma(c[8], r2, c[6]), r2, c[4]), r2, c[2]), r2, c[0]);
    const double qo = fma(fma(fma(c[7], r2, c[5]), r2, c[3]), r2, c[1]);
    return hi + fma(r2, fma(qo, r, qe), lo);
}

static void explog_words_portable(const uint64_t *w, size_t n, double *out)
{
    for (size_t j = 0; j < n; ++j)
        out[j] = explog_scalar(w[j]);
}

static void exponentials_portable(uint64_t seed, uint64_t stream, uint64_t k0, size_t n,
                                  double *out)
{
    enum { NB = 64 };
    uint64_t w[2 * NB];
    while (n) {
        const size_t off = (size_t)(k0 & 1);
        const size_t m = n < 2 * NB - off ? n : 2 * NB - off;
        philox_words_portable(seed, stream, CLIF_P_UNIFORM, k0 >> 1, (off + m + 1) / 2, w);
        explog_words_portable(w + off, m, out);
        k0 += m; out += m; n -= m;
    }
}

#ifdef CLIF__X86
#define EXPLOG_T512 CLIF__T_AVX512
#define EXPLOG_T256 CLIF__T_AVX2

/* ---- AVX-512: 8 lanes; the 16-entry tables live in two registers each
 * and are read with one two-source permute. */
typedef struct {
    __m512d invc0, invc1, nlogc0, nlogc1;
} explog512_tab;

CLIF__INLINE EXPLOG_T512 explog512_tab explog512_load(void)
{
    explog512_tab t;
    t.invc0 = _mm512_loadu_pd(clif_explog_invc);
    t.invc1 = _mm512_loadu_pd(clif_explog_invc + 8);
    t.nlogc0 = _mm512_loadu_pd(clif_explog_nlogc);
    t.nlogc1 = _mm512_loadu_pd(clif_explog_nlogc + 8);
    return t;
}

CLIF__INLINE EXPLOG_T512 __m512d explog512(__m512i w, const explog512_tab *tb)
{
    /* u 2^64 in one conversion: w with its low 11 bits replaced by 0x400 is
     * (2 (w >> 11) + 1) 2^10, and rounding that to a double is rounding
     * (w >> 11) + 1/2 (ties to even, as in clif__u01) scaled by 2^11. */
    const __m512d u64 = _mm512_cvtepu64_pd(_mm512_ternarylogic_epi64(
        w, _mm512_set1_epi64(~(long long)0x7ff), _mm512_set1_epi64(0x400), 0xea)); /* (a & b) | c */
    const __m512i off = _mm512_set1_epi64((long long)CLIF_EXPLOG_OFF);
    const __m512i tmp = _mm512_sub_epi64(_mm512_castpd_si512(u64),
                                         _mm512_set1_epi64((long long)(CLIF_EXPLOG_OFF + (64ULL << 52))));
    const __m512i idx = _mm512_srli_epi64(tmp, 52 - CLIF_EXPLOG_BITS); /* low 4 bits used */
    const __m512d kd = _mm512_cvtepi64_pd(_mm512_srai_epi64(tmp, 52));
    const __m512d z = _mm512_castsi512_pd(
        _mm512_add_epi64(_mm512_and_si512(tmp, _mm512_set1_epi64((long long)EXPLOG_MANT)), off));
    const __m512d invc = _mm512_permutex2var_pd(tb->invc0, idx, tb->invc1);
    const __m512d nlogc = _mm512_permutex2var_pd(tb->nlogc0, idx, tb->nlogc1);
    const __m512d p = _mm512_mul_pd(z, invc);
    const __m512d plo = _mm512_fmsub_pd(z, invc, p);
    const __m512d r = _mm512_sub_pd(p, _mm512_set1_pd(1.0));
    const __m512d corr = _mm512_fnmadd_pd(r, plo, plo);
    const __m512d wv = _mm512_add_pd(_mm512_mul_pd(kd, _mm512_set1_pd(explog_nln2_hi)), nlogc);
    const __m512d hi = _mm512_sub_pd(wv, r);
    const __m512d eh = _mm512_sub_pd(_mm512_sub_pd(wv, hi), r);
    const __m512d lo = _mm512_sub_pd(_mm512_fmadd_pd(kd, _mm512_set1_pd(explog_nln2_lo), eh), corr);
    const __m512d r2 = _mm512_mul_pd(r, r);
    const double *c = clif_explog_nq;
#define C_(d) _mm512_set1_pd(c[d])
    const __m512d qe = _mm512_fmadd_pd(
        _mm512_fmadd_pd(_mm512_fmadd_pd(_mm512_fmadd_pd(C_(8), r2, C_(6)), r2, C_(4)), r2, C_(2)), r2,
        C_(0));
    const __m512d qo = _mm512_fmadd_pd(_mm512_fmadd_pd(_mm512_fmadd_pd(C_(7), r2, C_(5)), r2, C_(3)), r2,
                                   C_(1));
#undef C_
    return _mm512_add_pd(hi, _mm512_fmadd_pd(r2, _mm512_fmadd_pd(qo, r, qe), lo));
}

EXPLOG_T512 static void explog_words_avx512(const uint64_t *w, size_t n, double *out)
{
    const explog512_tab tb = explog512_load();
    size_t j = 0;
    for (; j + 8 <= n; j += 8)
        _mm512_storeu_pd(out + j, explog512(_mm512_loadu_si512((const void *)(w + j)), &tb));
    if (j < n) {
        const __mmask8 m = (__mmask8)((1u << (n - j)) - 1);
        _mm512_mask_storeu_pd(out + j, m, explog512(_mm512_maskz_loadu_epi64(m, w + j), &tb));
    }
}

/* Philox of G groups of 8 consecutive blocks from index idx, purpose
 * CLIF_P_UNIFORM, as the 2G vectors of their words in stream order (W[0] =
 * words 0..7, ...). */
CLIF__INLINE EXPLOG_T512 void philox512_uniform(const int G, uint64_t idx, uint64_t stream,
                                                const uint64_t *k0, const uint64_t *k1,
                                                __m512i *W)
{
    const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    __m512i A[4], B[4];
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) {
        A[g] = _mm512_add_epi64(
            _mm512_set1_epi64((long long)((idx + 8u * (unsigned)g) | ((uint64_t)CLIF_P_UNIFORM << 56))),
            lane);
        B[g] = _mm512_set1_epi64((long long)stream);
    }
    clif__philox512_10(G, A, B, k0, k1);
    const __m512i i0 = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
    const __m512i i1 = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) {
        W[2 * g] = _mm512_permutex2var_epi64(A[g], i0, B[g]);     /* A0 B0 A1 B1 .. A3 B3 */
        W[2 * g + 1] = _mm512_permutex2var_epi64(A[g], i1, B[g]); /* A4 B4 .. A7 B7 */
    }
}

/* The state of one call: output position, and for odd k0 the previous
 * word vector (output vector j is words 8j+1 .. 8j+8: the top 7 words of
 * one vector and the first of the next). */
typedef struct {
    double *out;
    size_t n, pos;
    __m512i prev;
    int have_prev;
} explog512_run;

CLIF__INLINE EXPLOG_T512 int explog512_emit(explog512_run *s, __m512i v, const explog512_tab *tb)
{
    const __m512d y = explog512(v, tb);
    const size_t left = s->n - s->pos;
    if (left >= 8)
        _mm512_storeu_pd(s->out + s->pos, y);
    else
        _mm512_mask_storeu_pd(s->out + s->pos, (__mmask8)((1u << left) - 1), y);
    s->pos += 8;
    return s->pos >= s->n;
}

/* Takes the next word vector (words 8J .. 8J+7 of the call); returns
 * nonzero when the output is complete. */
CLIF__INLINE EXPLOG_T512 int explog512_take(const int odd, explog512_run *s, __m512i W,
                                             const explog512_tab *tb)
{
    if (!odd)
        return explog512_emit(s, W, tb);
    if (!s->have_prev) {
        s->prev = W;
        s->have_prev = 1;
        return 0;
    }
    const __m512i v = _mm512_alignr_epi64(W, s->prev, 1);
    s->prev = W;
    return explog512_emit(s, v, tb);
}

/* One chunk of 8G blocks; returns nonzero when the output is complete. */
CLIF__INLINE EXPLOG_T512 int explog512_chunk(const int G, const int odd, explog512_run *s,
                                              uint64_t idx, uint64_t stream, const uint64_t *k0,
                                              const uint64_t *k1, const explog512_tab *tb)
{
    __m512i W[8];
    philox512_uniform(G, idx, stream, k0, k1, W);
    /* Not unrolled: one copy of the logarithm keeps its constants and the
     * table in registers (unrolled, it spilled: 1.53 -> 1.68 ns per value
     * at n = 256 here, and the AVX2 path 3.9 -> 4.8). */
#pragma GCC unroll 1
    for (int j = 0; j < 2 * G; ++j)
        if (explog512_take(odd, s, W[j], tb))
            return 1;
    return 0;
}

CLIF__INLINE EXPLOG_T512 void exponentials_avx512_odd(const int odd, uint64_t seed,
                                                       uint64_t stream, uint64_t k0, size_t n,
                                                       double *out)
{
    uint64_t K0[10], K1[10];
    clif__philox_keys(seed, K0, K1);
    const explog512_tab tb = explog512_load();
    explog512_run s;
    s.out = out; s.n = n; s.pos = 0; s.have_prev = 0;
    s.prev = _mm512_setzero_si512();
    uint64_t idx = k0 >> 1;
    const size_t nball = (size_t)(((uint64_t)odd + n + 1) / 2); /* blocks needed */
    /* A last block alone in its group of 8 (n = 32 from an odd k0, say) is
     * computed on its own (scalar Philox, in the shadow of the vector one)
     * rather than as a whole group. */
    const int single = nball % 8 == 1;
    size_t nb = nball - (size_t)single;
    while (nb) {
        int done;
        /* as many groups in flight as there are blocks left, up to 4 */
        if (nb > 24) {
            done = explog512_chunk(4, odd, &s, idx, stream, K0, K1, &tb);
            idx += 32; nb = nb > 32 ? nb - 32 : 0;
        } else if (nb > 16) {
            done = explog512_chunk(3, odd, &s, idx, stream, K0, K1, &tb);
            idx += 24; nb = 0;
        } else if (nb > 8) {
            done = explog512_chunk(2, odd, &s, idx, stream, K0, K1, &tb);
            idx += 16; nb = 0;
        } else {
            done = explog512_chunk(1, odd, &s, idx, stream, K0, K1, &tb);
            idx += 8; nb = 0;
        }
        if (done)
            return;
    }
    if (single) {
        uint64_t w[2];
        clif__block(seed, stream, CLIF_P_UNIFORM, idx, w);
        if (explog512_take(odd, &s, _mm512_set_epi64(0, 0, 0, 0, 0, 0, (long long)w[1],
                                                     (long long)w[0]), &tb))
            return;
    }
    /* odd k0: the last output vector's words are the top of the last one */
    if (odd)
        explog512_emit(&s, _mm512_alignr_epi64(_mm512_setzero_si512(), s.prev, 1), &tb);
}

EXPLOG_T512 static void exponentials_avx512(uint64_t seed, uint64_t stream, uint64_t k0,
                                            size_t n, double *out)
{
    if (!n)
        return;
    if (k0 & 1)
        exponentials_avx512_odd(1, seed, stream, k0, n, out);
    else
        exponentials_avx512_odd(0, seed, stream, k0, n, out);
}

/* clif__exponentials_multi on AVX-512: a lane per request, 8 requests at a
 * time.  Lane j runs Philox on its own (index, stream) counters, block
 * idx_j + r at step r, and its two words are its outputs 2r - odd_j and
 * 2r + 1 - odd_j (odd_j = k0_j & 1: the first word of a request starting
 * mid-block is not its own), written by masked scatters.  G steps in
 * flight. */
EXPLOG_T512 static void exponentials_multi8_avx512(uint64_t seed, size_t m,
                                                   const uint64_t *stream, const uint64_t *k0,
                                                   const size_t *n, double *const *out)
{
    enum { G = 4 };
    uint64_t K0[10], K1[10];
    clif__philox_keys(seed, K0, K1);
    const explog512_tab tb = explog512_load();
    long long idx[8] = {0}, st[8] = {0}, q0[8] = {0}, nn[8] = {0}, base[8] = {0};
    size_t steps = 0;
    for (size_t j = 0; j < m; ++j) {
        idx[j] = (long long)((k0[j] >> 1) | ((uint64_t)CLIF_P_UNIFORM << 56));
        st[j] = (long long)stream[j];
        q0[j] = -(long long)(k0[j] & 1); /* output index of the step's first word */
        nn[j] = (long long)n[j];
        base[j] = (long long)(uintptr_t)out[j];
        size_t sj = (size_t)((k0[j] & 1) + n[j] + 1) / 2;
        if (sj > steps)
            steps = sj;
    }
    const __m512i S = _mm512_loadu_si512((const void *)st);
    const __m512i N = _mm512_loadu_si512((const void *)nn);
    const __m512i BASE = _mm512_loadu_si512((const void *)base);
    __m512i I = _mm512_loadu_si512((const void *)idx);
    __m512i Q = _mm512_loadu_si512((const void *)q0);
    const __m512i one = _mm512_set1_epi64(1);
    for (size_t r = 0; r < steps; r += G) {
        __m512i A[G], B[G], Qg[G];
#pragma GCC unroll 4
        for (int g = 0; g < G; ++g) {
            A[g] = I;
            B[g] = S;
            Qg[g] = Q;
            I = _mm512_add_epi64(I, one);
            Q = _mm512_add_epi64(Q, _mm512_set1_epi64(2));
        }
        clif__philox512_10(G, A, B, K0, K1);
#pragma GCC unroll 1
        for (int g = 0; g < 2 * G; ++g) {
            const __m512i q = g & 1 ? _mm512_add_epi64(Qg[g >> 1], one) : Qg[g >> 1];
            /* 0 <= q < n, as unsigned: q < n */
            const __mmask8 live = _mm512_cmplt_epu64_mask(q, N);
            if (!live)
                continue;
            const __m512d y = explog512(g & 1 ? B[g >> 1] : A[g >> 1], &tb);
            const __m512i addr = _mm512_add_epi64(BASE, _mm512_slli_epi64(q, 3));
            _mm512_mask_i64scatter_pd((void *)0, live, addr, y, 1);
        }
    }
}

/* ---- AVX2 + FMA: 4 lanes; a table is 4 registers of 4 entries, read
 * with a 32-bit permute each and a two-level select on bits 2 and 3 of i. */
typedef struct {
    __m256d invc[4], nlogc[4];
} explog256_tab;

CLIF__INLINE EXPLOG_T256 explog256_tab explog256_load(void)
{
    explog256_tab t;
    for (int q = 0; q < 4; ++q) {
        t.invc[q] = _mm256_loadu_pd(clif_explog_invc + 4 * q);
        t.nlogc[q] = _mm256_loadu_pd(clif_explog_nlogc + 4 * q);
    }
    return t;
}

CLIF__INLINE EXPLOG_T256 __m256d explog256_pick(const __m256d *T, __m256i i32, __m256d m2,
                                                 __m256d m3)
{
    const __m256d a = _mm256_castps_pd(_mm256_permutevar8x32_ps(_mm256_castpd_ps(T[0]), i32));
    const __m256d b = _mm256_castps_pd(_mm256_permutevar8x32_ps(_mm256_castpd_ps(T[1]), i32));
    const __m256d c = _mm256_castps_pd(_mm256_permutevar8x32_ps(_mm256_castpd_ps(T[2]), i32));
    const __m256d d = _mm256_castps_pd(_mm256_permutevar8x32_ps(_mm256_castpd_ps(T[3]), i32));
    return _mm256_blendv_pd(_mm256_blendv_pd(a, b, m2), _mm256_blendv_pd(c, d, m2), m3);
}

CLIF__INLINE EXPLOG_T256 __m256d explog256(__m256i w, const explog256_tab *tb)
{
    /* u 2^53 without a 64-bit conversion: the low 52 bits of w >> 11, plus
     * 0.5, by the 2^52 trick (exact), then + 2^52 if bit 52 (= bit 63 of w)
     * is set: one rounding of (w >> 11) + 0.5, as in clif__u01. */
    const __m256i mant = _mm256_set1_epi64x((long long)EXPLOG_MANT);
    const __m256d lo52 = _mm256_sub_pd(
        _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(_mm256_srli_epi64(w, 11), mant),
                                            _mm256_set1_epi64x(0x4330000000000000LL))),
        _mm256_set1_pd(0x1.0p52 - 0.5));
    const __m256d top = _mm256_blendv_pd(_mm256_setzero_pd(), _mm256_set1_pd(0x1.0p52),
                                         _mm256_castsi256_pd(w));
    const __m256d u53 = _mm256_add_pd(lo52, top); /* u 2^53 */
    const __m256i off = _mm256_set1_epi64x((long long)CLIF_EXPLOG_OFF);
    const __m256i tmp = _mm256_sub_epi64(_mm256_castpd_si256(u53),
                                         _mm256_set1_epi64x((long long)(CLIF_EXPLOG_OFF + (53ULL << 52))));
    /* k + 2048 in the low 12 bits of a double of exponent 52: exact k */
    const __m256d kd = _mm256_sub_pd(
        _mm256_castsi256_pd(_mm256_xor_si256(_mm256_srli_epi64(tmp, 52),
                                             _mm256_set1_epi64x(0x4330000000000800LL))),
        _mm256_set1_pd(0x1.0p52 + 2048.0));
    const __m256d z = _mm256_castsi256_pd(_mm256_add_epi64(_mm256_and_si256(tmp, mant), off));
    /* i = bits 48..51 of tmp: (2e, 2e+1) dword indices for e = i & 3 */
    const __m256i e2 = _mm256_and_si256(_mm256_srli_epi64(tmp, 52 - CLIF_EXPLOG_BITS - 1),
                                        _mm256_set1_epi64x(6));
    const __m256i i32 = _mm256_add_epi32(_mm256_shuffle_epi32(e2, 0xA0),
                                         _mm256_set_epi32(1, 0, 1, 0, 1, 0, 1, 0));
    const __m256d m2 = _mm256_castsi256_pd(_mm256_slli_epi64(tmp, 63 - (52 - CLIF_EXPLOG_BITS + 2)));
    const __m256d m3 = _mm256_castsi256_pd(_mm256_slli_epi64(tmp, 63 - (52 - CLIF_EXPLOG_BITS + 3)));
    const __m256d invc = explog256_pick(tb->invc, i32, m2, m3);
    const __m256d nlogc = explog256_pick(tb->nlogc, i32, m2, m3);
    const __m256d p = _mm256_mul_pd(z, invc);
    const __m256d plo = _mm256_fmsub_pd(z, invc, p);
    const __m256d r = _mm256_sub_pd(p, _mm256_set1_pd(1.0));
    const __m256d corr = _mm256_fnmadd_pd(r, plo, plo);
    const __m256d wv = _mm256_add_pd(_mm256_mul_pd(kd, _mm256_set1_pd(explog_nln2_hi)), nlogc);
    const __m256d hi = _mm256_sub_pd(wv, r);
    const __m256d eh = _mm256_sub_pd(_mm256_sub_pd(wv, hi), r);
    const __m256d lo = _mm256_sub_pd(_mm256_fmadd_pd(kd, _mm256_set1_pd(explog_nln2_lo), eh), corr);
    const __m256d r2 = _mm256_mul_pd(r, r);
    const double *c = clif_explog_nq;
#define C_(d) _mm256_set1_pd(c[d])
    const __m256d qe = _mm256_fmadd_pd(
        _mm256_fmadd_pd(_mm256_fmadd_pd(_mm256_fmadd_pd(C_(8), r2, C_(6)), r2, C_(4)), r2, C_(2)), r2,
        C_(0));
    const __m256d qo = _mm256_fmadd_pd(_mm256_fmadd_pd(_mm256_fmadd_pd(C_(7), r2, C_(5)), r2, C_(3)), r2,
                                   C_(1));
#undef C_
    return _mm256_add_pd(hi, _mm256_fmadd_pd(r2, _mm256_fmadd_pd(qo, r, qe), lo));
}

CLIF__INLINE EXPLOG_T256 __m256i explog256_mask(size_t left)
{
    const __m256i ramp = _mm256_set_epi64x(3, 2, 1, 0);
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)left), ramp);
}

EXPLOG_T256 static void explog_words_avx2(const uint64_t *w, size_t n, double *out)
{
    const explog256_tab tb = explog256_load();
    size_t j = 0;
    for (; j + 4 <= n; j += 4)
        _mm256_storeu_pd(out + j, explog256(_mm256_loadu_si256((const __m256i *)(w + j)), &tb));
    if (j < n) {
        const __m256i m = explog256_mask(n - j);
        const __m256i v = _mm256_maskload_epi64((const long long *)(w + j), m);
        _mm256_maskstore_pd(out + j, m, explog256(v, &tb));
    }
}

/* As philox512_uniform, 4 blocks per group. */
CLIF__INLINE EXPLOG_T256 void philox256_uniform(const int G, uint64_t idx, uint64_t stream,
                                                const uint64_t *k0, const uint64_t *k1,
                                                __m256i *W)
{
    const __m256i lane = _mm256_set_epi64x(3, 2, 1, 0);
    __m256i A[4], B[4];
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) {
        A[g] = _mm256_add_epi64(
            _mm256_set1_epi64x((long long)((idx + 4u * (unsigned)g) | ((uint64_t)CLIF_P_UNIFORM << 56))),
            lane);
        B[g] = _mm256_set1_epi64x((long long)stream);
    }
    clif__philox256_10(G, A, B, k0, k1);
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) {
        __m256i lo = _mm256_unpacklo_epi64(A[g], B[g]); /* A0 B0 A2 B2 */
        __m256i hi = _mm256_unpackhi_epi64(A[g], B[g]); /* A1 B1 A3 B3 */
        W[2 * g] = _mm256_permute2x128_si256(lo, hi, 0x20);
        W[2 * g + 1] = _mm256_permute2x128_si256(lo, hi, 0x31);
    }
}

typedef struct {
    double *out;
    size_t n, pos;
    __m256i prev;
    int have_prev;
} explog256_run;

CLIF__INLINE EXPLOG_T256 int explog256_emit(explog256_run *s, __m256i v, const explog256_tab *tb)
{
    const __m256d y = explog256(v, tb);
    const size_t left = s->n - s->pos;
    if (left >= 4)
        _mm256_storeu_pd(s->out + s->pos, y);
    else
        _mm256_maskstore_pd(s->out + s->pos, explog256_mask(left), y);
    s->pos += 4;
    return s->pos >= s->n;
}

/* (prev[1], prev[2], prev[3], next[0]) */
CLIF__INLINE EXPLOG_T256 __m256i explog256_shift1(__m256i next, __m256i prev)
{
    return _mm256_alignr_epi8(_mm256_permute2x128_si256(prev, next, 0x21), prev, 8);
}

CLIF__INLINE EXPLOG_T256 int explog256_take(const int odd, explog256_run *s, __m256i W,
                                             const explog256_tab *tb)
{
    if (!odd)
        return explog256_emit(s, W, tb);
    if (!s->have_prev) {
        s->prev = W;
        s->have_prev = 1;
        return 0;
    }
    const __m256i v = explog256_shift1(W, s->prev);
    s->prev = W;
    return explog256_emit(s, v, tb);
}

CLIF__INLINE EXPLOG_T256 int explog256_chunk(const int G, const int odd, explog256_run *s,
                                              uint64_t idx, uint64_t stream, const uint64_t *k0,
                                              const uint64_t *k1, const explog256_tab *tb)
{
    __m256i W[8];
    philox256_uniform(G, idx, stream, k0, k1, W);
#pragma GCC unroll 1 /* see explog512_chunk */
    for (int j = 0; j < 2 * G; ++j)
        if (explog256_take(odd, s, W[j], tb))
            return 1;
    return 0;
}

CLIF__INLINE EXPLOG_T256 void exponentials_avx2_odd(const int odd, uint64_t seed,
                                                     uint64_t stream, uint64_t k0, size_t n,
                                                     double *out)
{
    uint64_t K0[10], K1[10];
    clif__philox_keys(seed, K0, K1);
    const explog256_tab tb = explog256_load();
    explog256_run s;
    s.out = out; s.n = n; s.pos = 0; s.have_prev = 0;
    s.prev = _mm256_setzero_si256();
    uint64_t idx = k0 >> 1;
    const size_t nball = (size_t)(((uint64_t)odd + n + 1) / 2);
    const int single = nball % 4 == 1;
    size_t nb = nball - (size_t)single;
    while (nb) {
        int done;
        if (nb > 12) {
            done = explog256_chunk(4, odd, &s, idx, stream, K0, K1, &tb);
            idx += 16; nb = nb > 16 ? nb - 16 : 0;
        } else if (nb > 8) {
            done = explog256_chunk(3, odd, &s, idx, stream, K0, K1, &tb);
            idx += 12; nb = 0;
        } else if (nb > 4) {
            done = explog256_chunk(2, odd, &s, idx, stream, K0, K1, &tb);
            idx += 8; nb = 0;
        } else {
            done = explog256_chunk(1, odd, &s, idx, stream, K0, K1, &tb);
            idx += 4; nb = 0;
        }
        if (done)
            return;
    }
    if (single) {
        uint64_t w[2];
        clif__block(seed, stream, CLIF_P_UNIFORM, idx, w);
        if (explog256_take(odd, &s, _mm256_set_epi64x(0, 0, (long long)w[1], (long long)w[0]),
                           &tb))
            return;
    }
    if (odd)
        explog256_emit(&s, explog256_shift1(_mm256_setzero_si256(), s.prev), &tb);
}

EXPLOG_T256 static void exponentials_avx2(uint64_t seed, uint64_t stream, uint64_t k0,
                                          size_t n, double *out)
{
    if (!n)
        return;
    if (k0 & 1)
        exponentials_avx2_odd(1, seed, stream, k0, n, out);
    else
        exponentials_avx2_odd(0, seed, stream, k0, n, out);
}

#endif

void clif__exponentials(uint64_t seed, uint64_t stream, uint64_t k0, size_t n, double *out)
{
#ifdef CLIF__X86
    const unsigned cpu = clif__cpu();
    if (cpu & CLIF_CPU_AVX512) {
        exponentials_avx512(seed, stream, k0, n, out);
        return;
    }
    if (cpu & CLIF_CPU_AVX2) {
        exponentials_avx2(seed, stream, k0, n, out);
        return;
    }
#endif
    exponentials_portable(seed, stream, k0, n, out);
}

void clif__exponentials_multi(uint64_t seed, size_t m, const uint64_t *stream,
                              const uint64_t *k0, const size_t *n, double *const *out)
{
    size_t j = 0;
#ifdef CLIF__X86
    if (clif__cpu() & CLIF_CPU_AVX512) {
        /* requests of up to 256 values go by 8 side by side; longer ones
         * alone (a lane per request would idle the short ones' lanes) */
        uint64_t st8[8], k8[8];
        size_t n8[8];
        double *o8[8];
        size_t g = 0;
        for (; j < m; ++j) {
            if (n[j] == 0)
                continue;
            if (n[j] > 256) {
                clif__exponentials(seed, stream[j], k0[j], n[j], out[j]);
                continue;
            }
            st8[g] = stream[j]; k8[g] = k0[j]; n8[g] = n[j]; o8[g] = out[j];
            if (++g == 8) {
                exponentials_multi8_avx512(seed, g, st8, k8, n8, o8);
                g = 0;
            }
        }
        if (g)
            exponentials_multi8_avx512(seed, g, st8, k8, n8, o8);
        return;
    }
#endif
    for (; j < m; ++j)
        if (n[j])
            clif__exponentials(seed, stream[j], k0[j], n[j], out[j]);
}

int clif__exponentials_isa(int isa, uint64_t seed, uint64_t stream, uint64_t k0, size_t n,
                           double *out)
{
    switch (isa) {
    case CLIF__ISA_PORTABLE:
        exponentials_portable(seed, stream, k0, n, out);
        return 0;
#ifdef CLIF__X86
    case CLIF__ISA_AVX512:
        if (!clif__cpu_has_isa(isa))
            return -1;
        exponentials_avx512(seed, stream, k0, n, out);
        return 0;
    case CLIF__ISA_AVX2:
        if (!clif__cpu_has_isa(isa))
            return -1;
        exponentials_avx2(seed, stream, k0, n, out);
        return 0;
#endif
    default:
        return -1;
    }
}

int clif__explog_words_isa(int isa, const uint64_t *w, size_t n, double *out)
{
    switch (isa) {
    case CLIF__ISA_PORTABLE:
        explog_words_portable(w, n, out);
        return 0;
#ifdef CLIF__X86
    case CLIF__ISA_AVX512:
        if (!clif__cpu_has_isa(isa))
            return -1;
        explog_words_avx512(w, n, out);
        return 0;
    case CLIF__ISA_AVX2:
        if (!clif__cpu_has_isa(isa))
            return -1;
        explog_words_avx2(w, n, out);
        return 0;
#endif
    default:
        return -1;
    }
}

clif_status clif_rng_exponential(uint64_t seed, uint64_t stream, uint64_t start, size_t n,
                                 double *out)
{
    clif_status st = check_range(out, start, n);
    if (st != CLIF_OK)
        return st;
    clif__exponentials(seed, stream, start, n, out);
    return CLIF_OK;
}
