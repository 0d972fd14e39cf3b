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

/* Batched Philox.  Per block, the state is kept as two 64-bit lanes,
 * A = c0 | c1 << 32 and B = c2 | c3 << 32, which is also the output word
 * layout (w[0] = A, w[1] = B).  A round is then, with mul = the 32x32->64
 * multiply of the low halves (pmuludq) and swap = exchange of the halves:
 *   A' = swap(mul(B, M1)) ^ (A >> 32) ^ k0,  B' = swap(mul(A, M0)) ^ (B >> 32) ^ k1
 * (the high half of mul(B, M1) becomes the low word c0' = hi(p1) ^ c1 ^ k0,
 * its low half the high word c1' = lo(p1)).  Integer arithmetic only, so
 * every path gives the same bits as the scalar clif__philox; the C tests
 * check each path that the CPU can run against the portable one. */
static void philox_words_portable(uint64_t seed, uint64_t stream, unsigned purpose,
                                  uint64_t index0, size_t nblocks, uint64_t *w)
{
    /* 64-bit lanes holding 32-bit values, so that compilers may still
     * vectorise it where no hand-written path applies. */
    enum { L = 8 };
    const uint64_t M = 0xffffffffu;
    for (size_t b = 0; b < nblocks; b += L) {
        uint64_t c0[L], c1[L], c2[L], c3[L];
        for (int j = 0; j < L; ++j) {
            uint64_t idx = index0 + b + (uint64_t)j;
            c0[j] = idx & M;
            c1[j] = ((idx >> 32) | ((uint64_t)purpose << 24)) & M;
            c2[j] = stream & M;
            c3[j] = stream >> 32;
        }
        uint64_t k0 = seed & M, k1 = seed >> 32;
        for (int r = 0; r < 10; ++r) {
            for (int j = 0; j < L; ++j) {
                uint64_t p0 = (uint64_t)0xD2511F53u * c0[j];
                uint64_t p1 = (uint64_t)0xCD9E8D57u * c2[j];
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

#if defined(__GNUC__) && defined(__x86_64__) && !defined(CLIF_NO_MULTIVERSION)
#define CLIF_PHILOX_X86 1
#include <immintrin.h>

/* The round keys of the 10 rounds (k0 in the low, k1 in the high half of the
 * 64-bit value; each path splits them as it needs). */
static void round_keys(uint64_t seed, uint32_t k0[10], uint32_t k1[10])
{
    uint32_t a = (uint32_t)seed, b = (uint32_t)(seed >> 32);
    for (int r = 0; r < 10; ++r) {
        k0[r] = a; k1[r] = b;
        a += 0x9E3779B9u; b += 0xBB67AE85u;
    }
}

/* 8 blocks per register, G registers in flight: a round's chain (multiply,
 * shuffle, xor) is ~8 cycles long and the multiplier issues one per cycle,
 * so 4 independent groups keep it busy. */
__attribute__((target("avx512f")))
static void philox_words_avx512(uint64_t seed, uint64_t stream, unsigned purpose,
                                uint64_t index0, size_t nblocks, uint64_t *w)
{
    enum { G = 4, L = 8 * G };
    uint32_t k0[10], k1[10];
    round_keys(seed, k0, k1);
    const __m512i M0 = _mm512_set1_epi64(0xD2511F53u), M1 = _mm512_set1_epi64(0xCD9E8D57u);
    const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i Bin = _mm512_set1_epi64((long long)stream);
    __m512i K0[10], K1[10];
    for (int r = 0; r < 10; ++r) {
        K0[r] = _mm512_set1_epi64(k0[r]);
        K1[r] = _mm512_set1_epi64(k1[r]);
    }
    for (size_t b = 0; b < nblocks; b += L) {
        __m512i A[G], B[G];
        for (int g = 0; g < G; ++g) {
            /* index + (purpose << 56): purpose in the top byte of word c1 */
            __m512i idx = _mm512_add_epi64(_mm512_set1_epi64((long long)(index0 + b + 8u * g)),
                                           lane);
            A[g] = _mm512_or_si512(idx, _mm512_set1_epi64((long long)((uint64_t)purpose << 56)));
            B[g] = Bin;
        }
        for (int r = 0; r < 10; ++r) {
            for (int g = 0; g < G; ++g) {
                __m512i p0 = _mm512_mul_epu32(A[g], M0);
                __m512i p1 = _mm512_mul_epu32(B[g], M1);
                __m512i s0 = _mm512_shuffle_epi32(p0, _MM_PERM_CDAB);
                __m512i s1 = _mm512_shuffle_epi32(p1, _MM_PERM_CDAB);
                /* 0x96: three-way xor */
                A[g] = _mm512_ternarylogic_epi64(s1, _mm512_srli_epi64(A[g], 32), K0[r], 0x96);
                B[g] = _mm512_ternarylogic_epi64(s0, _mm512_srli_epi64(B[g], 32), K1[r], 0x96);
            }
        }
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

__attribute__((target("avx2")))
static void philox_words_avx2(uint64_t seed, uint64_t stream, unsigned purpose,
                              uint64_t index0, size_t nblocks, uint64_t *w)
{
    enum { G = 4, L = 4 * G };
    uint32_t k0[10], k1[10];
    round_keys(seed, k0, k1);
    const __m256i M0 = _mm256_set1_epi64x(0xD2511F53u), M1 = _mm256_set1_epi64x(0xCD9E8D57u);
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
        for (int r = 0; r < 10; ++r) {
            const __m256i K0 = _mm256_set1_epi64x(k0[r]), K1 = _mm256_set1_epi64x(k1[r]);
            for (int g = 0; g < G; ++g) {
                __m256i p0 = _mm256_mul_epu32(A[g], M0);
                __m256i p1 = _mm256_mul_epu32(B[g], M1);
                __m256i s0 = _mm256_shuffle_epi32(p0, 0xB1); /* swap 32-bit halves */
                __m256i s1 = _mm256_shuffle_epi32(p1, 0xB1);
                A[g] = _mm256_xor_si256(_mm256_xor_si256(s1, _mm256_srli_epi64(A[g], 32)), K0);
                B[g] = _mm256_xor_si256(_mm256_xor_si256(s0, _mm256_srli_epi64(B[g], 32)), K1);
            }
        }
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
#ifdef CLIF_PHILOX_X86
    case CLIF__ISA_AVX512:
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("avx512f"))
            return -1;
        philox_words_avx512(seed, stream, purpose, index0, nblocks, w);
        return 0;
    case CLIF__ISA_AVX2:
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("avx2"))
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
#ifdef CLIF_PHILOX_X86
    /* A cheap read of what __builtin_cpu_init found; no state of our own. */
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        philox_words_avx512(seed, stream, purpose, index0, nblocks, w);
        return;
    }
    if (__builtin_cpu_supports("avx2")) {
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

#ifdef CLIF_PHILOX_X86
/* The same with gathers from the (L1-resident) tables.  The conversions
 * are exact (rabs < 2^52), the product is one IEEE multiply: same bits. */
__attribute__((target("avx512f,avx512dq")))
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

__attribute__((target("avx2")))
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
#ifdef CLIF_PHILOX_X86
    case CLIF__ISA_AVX512:
        __builtin_cpu_init();
        if (!(__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")))
            return -1;
        return (long)zig_fast_avx512(w, n, z, rej);
    case CLIF__ISA_AVX2:
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("avx2"))
            return -1;
        return (long)zig_fast_avx2(w, n, z, rej);
#endif
    default:
        return -1;
    }
}

static size_t zig_fast(const uint64_t *w, size_t n, double *z, uint32_t *rej)
{
#ifdef CLIF_PHILOX_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"))
        return zig_fast_avx512(w, n, z, rej);
    if (__builtin_cpu_supports("avx2"))
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
