/* philox_simd_impl.h -- Philox4x32-10 rounds on vector registers, one
 * version per ISA, for every kernel that draws several blocks at once
 * (rng.c's batches and exponentials, noise.c's bridge tests).  Private.
 *
 * Layout: block j's counter, and afterwards its output, held as two 64-bit
 * lanes A = c0 | c1 << 32 and B = c2 | c3 << 32 (w[0] = A, w[1] = B in
 * stream order).  A round is then, with mul the 32x32->64 multiply of the
 * low halves (pmuludq) and swap the exchange of the halves:
 *   A' = swap(mul(B, M1)) ^ (A >> 32) ^ k0,  B' = swap(mul(A, M0)) ^ (B >> 32) ^ k1
 * Integer arithmetic only, so each gives the bits of the scalar
 * clif__philox (rng_impl.h); the C tests check every path against it. */
#ifndef CLIF_PHILOX_SIMD_IMPL_H
#define CLIF_PHILOX_SIMD_IMPL_H

#include "bits_impl.h"
#include "cpu_impl.h"

#include <stdint.h>

/* The ten round keys of a seed, zero-extended to 64 bits as the vector
 * rounds broadcast them. */
CLIF__INLINE void clif__philox_keys(uint64_t seed, uint64_t k0[10], uint64_t k1[10])
{
    uint32_t a = (uint32_t)seed, b = (uint32_t)(seed >> 32);
    for (int r = 0; r < 10; ++r) {
        k0[r] = a;
        k1[r] = b;
        a += 0x9E3779B9u;
        b += 0xBB67AE85u;
    }
}

#ifdef CLIF__X86
/* The ten rounds on G register pairs (A[g], B[g]) of 8 blocks each, in
 * place.  Several groups in flight because a round's chain (multiply,
 * shuffle, xor) is ~8 cycles long while the multiplier issues one per
 * cycle. */
CLIF__INLINE CLIF__T_AVX512 void clif__philox512_10(const int G, __m512i *A, __m512i *B,
                                                   const uint64_t *k0, const uint64_t *k1)
{
    const __m512i M0 = _mm512_set1_epi64(0xD2511F53u), M1 = _mm512_set1_epi64(0xCD9E8D57u);
#pragma GCC unroll 10
    for (int r = 0; r < 10; ++r) {
        const __m512i K0 = _mm512_set1_epi64((long long)k0[r]);
        const __m512i K1 = _mm512_set1_epi64((long long)k1[r]);
#pragma GCC unroll 4
        for (int g = 0; g < G; ++g) {
            const __m512i s0 = _mm512_shuffle_epi32(_mm512_mul_epu32(A[g], M0), _MM_PERM_CDAB);
            const __m512i s1 = _mm512_shuffle_epi32(_mm512_mul_epu32(B[g], M1), _MM_PERM_CDAB);
            /* 0x96: three-way xor */
            A[g] = _mm512_ternarylogic_epi64(s1, _mm512_srli_epi64(A[g], 32), K0, 0x96);
            B[g] = _mm512_ternarylogic_epi64(s0, _mm512_srli_epi64(B[g], 32), K1, 0x96);
        }
    }
}

/* The same on 4 blocks per register. */
CLIF__INLINE CLIF__T_AVX2 void clif__philox256_10(const int G, __m256i *A, __m256i *B,
                                                 const uint64_t *k0, const uint64_t *k1)
{
    const __m256i M0 = _mm256_set1_epi64x(0xD2511F53u), M1 = _mm256_set1_epi64x(0xCD9E8D57u);
#pragma GCC unroll 10
    for (int r = 0; r < 10; ++r) {
        const __m256i K0 = _mm256_set1_epi64x((long long)k0[r]);
        const __m256i K1 = _mm256_set1_epi64x((long long)k1[r]);
#pragma GCC unroll 4
        for (int g = 0; g < G; ++g) {
            const __m256i s0 = _mm256_shuffle_epi32(_mm256_mul_epu32(A[g], M0), 0xB1);
            const __m256i s1 = _mm256_shuffle_epi32(_mm256_mul_epu32(B[g], M1), 0xB1);
            A[g] = _mm256_xor_si256(_mm256_xor_si256(s1, _mm256_srli_epi64(A[g], 32)), K0);
            B[g] = _mm256_xor_si256(_mm256_xor_si256(s0, _mm256_srli_epi64(B[g], 32)), K1);
        }
    }
}
#endif

#endif
