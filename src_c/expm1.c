/* clif's expm1 (expm1_impl.h): the inputs its inline path leaves out, and
 * the batched, vectorised version.
 *
 * The vector paths repeat clif__expm1's operations lane by lane in the same
 * order: IEEE +, -, * and integer operations only (no fma anywhere: the core
 * is built with -ffp-contract=off and no fma intrinsic is used), so every
 * lane gets the scalar function's bits; the lanes its inline path leaves out
 * (rare) are redone with clif__expm1_rare.  The C tests check every path the
 * CPU can run against the scalar function. */
#include "expm1_impl.h"
#include "cpu_impl.h"

#include <math.h>

/* |k| > 7168 (|x| >= 19.4), finite x in [-38, 710]: the inline path with the
 * scale halved (A = 2^(m-1) Th_j, so that m = 1024 does not overflow before
 * the end) and its leading A - 1/2 added by TwoSum (inexact for m > 53 and
 * m < -28); y = 2 (S + lo), an exact doubling that overflows to +inf exactly
 * when the rounded result does.  Same error budget as the inline path. */
static double expm1_wide(double x)
{
    const double shift = 0x1.8p52;
    const double t = x * CLIF__EXPM1_INVL + shift;
    const double kd = t - shift;
    const uint64_t u = clif__bits(t);
    const size_t j = (size_t)(u & (CLIF__EXPM1_N - 1));
    const double A = clif__dbl(clif__expm1_tab.th[j] + (u << CLIF__EXPM1_SH)
                                     - (1ULL << 52));
    double r, rh, rt;
    clif__expm1_reduce(x, kd, j, &r, &rh, &rt);
    const double H = A - 0.5;
    const double bv = H - A;
    const double eH = (A - (H - bv)) + (-0.5 - bv);
    const double P1 = A * rh;
    const double S = H + P1;
    const double eS = P1 - (S - H);
    const double r2 = r * r;
    const double P = (0.5 + CLIF__EXPM1_C1 * r) + r2 * (CLIF__EXPM1_C2 + CLIF__EXPM1_C3 * r);
    return 2.0 * (S + ((eS + eH) + A * (rt + r2 * P)));
}

double clif__expm1_rare(double x)
{
    if (x != x)
        return x + x;
    const uint64_t ax = clif__bits(x) & 0x7fffffffffffffffULL;
    if (ax < CLIF__EXPM1_LO_BITS)
        return x; /* |x| < 2^-54, +-0 too: e^x - 1 = x (1 + x/2 + ...) rounds to x */
    if (x < -38.0)
        return -1.0; /* e^x < 2^-54: -1 + e^x rounds to -1 (-inf too) */
    if (x > 710.0)
        return HUGE_VAL; /* +inf, and the overflow of finite x */
    const uint64_t u = clif__bits(x * CLIF__EXPM1_INVL + 0x1.8p52);
    if (u - (CLIF__EXPM1_SHIFT_BITS - CLIF__EXPM1_KMAX) <= 2 * CLIF__EXPM1_KMAX)
        return clif__expm1(x); /* the inline path's own inputs (not from it) */
    return expm1_wide(x);
}

static void expm1_batch_portable(const double *x, size_t n, double *out)
{
    for (size_t i = 0; i < n; ++i)
        out[i] = clif__expm1(x[i]);
}

#ifdef CLIF__X86
#define EXPM1_T512 CLIF__T_AVX512
#define EXPM1_T256 CLIF__T_AVX2

/* The lanes in m (bit l: lane l) of xv through the rare path, into out[l]. */
static void expm1_fix(const double *xv, unsigned m, double *out)
{
    for (; m; m &= m - 1) {
        const unsigned l = (unsigned)__builtin_ctz(m);
        out[l] = clif__expm1_rare(xv[l]);
    }
}

/* clif__expm1 on 8 lanes; *bad: the lanes its inline path leaves out. */
CLIF__INLINE EXPM1_T512 __m512d expm1_512(__m512d x, __mmask8 *bad)
{
    const __m512d shift = _mm512_set1_pd(0x1.8p52);
    const __m512d t = _mm512_add_pd(_mm512_mul_pd(x, _mm512_set1_pd(CLIF__EXPM1_INVL)), shift);
    const __m512i u = _mm512_castpd_si512(t);
    *bad = _mm512_cmpgt_epu64_mask(
        _mm512_sub_epi64(u, _mm512_set1_epi64((long long)(CLIF__EXPM1_SHIFT_BITS - CLIF__EXPM1_KMAX))),
        _mm512_set1_epi64(2 * CLIF__EXPM1_KMAX));
    const __m512d kd = _mm512_sub_pd(t, shift);
    const __m512i j = _mm512_and_si512(u, _mm512_set1_epi64(CLIF__EXPM1_N - 1));
    const __m512i thb = _mm512_i64gather_epi64(j, (const void *)clif__expm1_tab.th, 8);
    const __m512d d = _mm512_i64gather_pd(j, (const void *)clif__expm1_tab.d, 8);
    const __m512d A = _mm512_castsi512_pd(_mm512_add_epi64(thb, _mm512_slli_epi64(u, CLIF__EXPM1_SH)));
    const __m512d R1 = _mm512_sub_pd(x, _mm512_mul_pd(kd, _mm512_set1_pd(CLIF__EXPM1_L1)));
    const __m512d kl = _mm512_add_pd(_mm512_mul_pd(kd, _mm512_set1_pd(CLIF__EXPM1_L2)), d);
    const __m512d r = _mm512_sub_pd(R1, kl);
    const __m512d rh = _mm512_castsi512_pd(_mm512_and_si512(
        _mm512_castpd_si512(R1), _mm512_set1_epi64((long long)CLIF__EXPM1_SPLIT_MASK)));
    const __m512d rt = _mm512_sub_pd(_mm512_sub_pd(R1, rh), kl);
    const __m512d nH = _mm512_sub_pd(_mm512_set1_pd(1.0), A);
    const __m512d P1 = _mm512_mul_pd(A, rh);
    const __m512d S = _mm512_sub_pd(P1, nH);
    const __m512d neS = _mm512_sub_pd(_mm512_add_pd(S, nH), P1);
    const __m512d r2 = _mm512_mul_pd(r, r);
    const __m512d P = _mm512_add_pd(
        _mm512_add_pd(_mm512_set1_pd(0.5), _mm512_mul_pd(_mm512_set1_pd(CLIF__EXPM1_C1), r)),
        _mm512_mul_pd(r2, _mm512_add_pd(_mm512_set1_pd(CLIF__EXPM1_C2),
                                        _mm512_mul_pd(_mm512_set1_pd(CLIF__EXPM1_C3), r))));
    const __m512d nlo = _mm512_sub_pd(neS, _mm512_mul_pd(A, _mm512_add_pd(rt, _mm512_mul_pd(r2, P))));
    return _mm512_sub_pd(S, nlo);
}

EXPM1_T512 static void expm1_batch_avx512(const double *x, size_t n, double *out)
{
    size_t i = 0;
    /* two vectors per turn: 1.55 -> 0.95 ns per value here (the gathers'
     * latency; more do not help) */
    for (; i + 16 <= n; i += 16) {
        __mmask8 bad0, bad1;
        const __m512d x0 = _mm512_loadu_pd(x + i), x1 = _mm512_loadu_pd(x + i + 8);
        _mm512_storeu_pd(out + i, expm1_512(x0, &bad0));
        _mm512_storeu_pd(out + i + 8, expm1_512(x1, &bad1));
        if (bad0 | bad1) { /* from the register copies: out may be x */
            double xs[16];
            _mm512_storeu_pd(xs, x0);
            _mm512_storeu_pd(xs + 8, x1);
            expm1_fix(xs, bad0, out + i);
            expm1_fix(xs + 8, bad1, out + i + 8);
        }
    }
    for (; i + 8 <= n; i += 8) {
        __mmask8 bad;
        const __m512d xv = _mm512_loadu_pd(x + i);
        _mm512_storeu_pd(out + i, expm1_512(xv, &bad));
        if (bad) {
            double xs[8];
            _mm512_storeu_pd(xs, xv);
            expm1_fix(xs, bad, out + i);
        }
    }
    if (i < n) {
        const __mmask8 live = (__mmask8)((1u << (n - i)) - 1);
        __mmask8 bad;
        const __m512d xv = _mm512_maskz_loadu_pd(live, x + i);
        _mm512_mask_storeu_pd(out + i, live, expm1_512(xv, &bad));
        bad &= live;
        if (bad) {
            double xs[8];
            _mm512_storeu_pd(xs, xv);
            expm1_fix(xs, bad, out + i);
        }
    }
}

/* The same on 4 lanes. */
CLIF__INLINE EXPM1_T256 __m256d expm1_256(__m256d x, unsigned *bad)
{
    const __m256d shift = _mm256_set1_pd(0x1.8p52);
    const __m256d t = _mm256_add_pd(_mm256_mul_pd(x, _mm256_set1_pd(CLIF__EXPM1_INVL)), shift);
    const __m256i u = _mm256_castpd_si256(t);
    /* u outside [SHIFT_BITS - KMAX, SHIFT_BITS + KMAX]: signed compares will
     * do, the bounds being positive */
    const __m256i out_of = _mm256_or_si256(
        _mm256_cmpgt_epi64(u, _mm256_set1_epi64x((long long)(CLIF__EXPM1_SHIFT_BITS + CLIF__EXPM1_KMAX))),
        _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)(CLIF__EXPM1_SHIFT_BITS - CLIF__EXPM1_KMAX)), u));
    *bad = (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(out_of));
    const __m256d kd = _mm256_sub_pd(t, shift);
    const __m256i j = _mm256_and_si256(u, _mm256_set1_epi64x(CLIF__EXPM1_N - 1));
    const __m256i thb = _mm256_i64gather_epi64((const long long *)(const void *)clif__expm1_tab.th, j, 8);
    const __m256d d = _mm256_i64gather_pd((const double *)(const void *)clif__expm1_tab.d, j, 8);
    const __m256d A = _mm256_castsi256_pd(_mm256_add_epi64(thb, _mm256_slli_epi64(u, CLIF__EXPM1_SH)));
    const __m256d R1 = _mm256_sub_pd(x, _mm256_mul_pd(kd, _mm256_set1_pd(CLIF__EXPM1_L1)));
    const __m256d kl = _mm256_add_pd(_mm256_mul_pd(kd, _mm256_set1_pd(CLIF__EXPM1_L2)), d);
    const __m256d r = _mm256_sub_pd(R1, kl);
    const __m256d rh = _mm256_castsi256_pd(_mm256_and_si256(
        _mm256_castpd_si256(R1), _mm256_set1_epi64x((long long)CLIF__EXPM1_SPLIT_MASK)));
    const __m256d rt = _mm256_sub_pd(_mm256_sub_pd(R1, rh), kl);
    const __m256d nH = _mm256_sub_pd(_mm256_set1_pd(1.0), A);
    const __m256d P1 = _mm256_mul_pd(A, rh);
    const __m256d S = _mm256_sub_pd(P1, nH);
    const __m256d neS = _mm256_sub_pd(_mm256_add_pd(S, nH), P1);
    const __m256d r2 = _mm256_mul_pd(r, r);
    const __m256d P = _mm256_add_pd(
        _mm256_add_pd(_mm256_set1_pd(0.5), _mm256_mul_pd(_mm256_set1_pd(CLIF__EXPM1_C1), r)),
        _mm256_mul_pd(r2, _mm256_add_pd(_mm256_set1_pd(CLIF__EXPM1_C2),
                                        _mm256_mul_pd(_mm256_set1_pd(CLIF__EXPM1_C3), r))));
    const __m256d nlo = _mm256_sub_pd(neS, _mm256_mul_pd(A, _mm256_add_pd(rt, _mm256_mul_pd(r2, P))));
    return _mm256_sub_pd(S, nlo);
}

EXPM1_T256 static void expm1_batch_avx2(const double *x, size_t n, double *out)
{
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        unsigned bad;
        const __m256d xv = _mm256_loadu_pd(x + i);
        _mm256_storeu_pd(out + i, expm1_256(xv, &bad));
        if (bad) {
            double xs[4];
            _mm256_storeu_pd(xs, xv);
            expm1_fix(xs, bad, out + i);
        }
    }
    if (i < n) {
        const __m256i live = _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)(n - i)),
                                                _mm256_set_epi64x(3, 2, 1, 0));
        unsigned bad;
        const __m256d xv = _mm256_maskload_pd(x + i, live);
        _mm256_maskstore_pd(out + i, live, expm1_256(xv, &bad));
        bad &= (1u << (n - i)) - 1;
        if (bad) {
            double xs[4];
            _mm256_storeu_pd(xs, xv);
            expm1_fix(xs, bad, out + i);
        }
    }
}
#endif

int clif__expm1_batch_isa(int isa, const double *x, size_t n, double *out)
{
    switch (isa) {
    case CLIF__ISA_PORTABLE:
        expm1_batch_portable(x, n, out);
        return 0;
#ifdef CLIF__X86
    case CLIF__ISA_AVX2:
        if (!clif__cpu_has_isa(isa))
            return -1;
        expm1_batch_avx2(x, n, out);
        return 0;
    case CLIF__ISA_AVX512:
        if (!clif__cpu_has_isa(isa))
            return -1;
        expm1_batch_avx512(x, n, out);
        return 0;
#endif
    default:
        return -1;
    }
}

void clif__expm1_batch(const double *x, size_t n, double *out)
{
#ifdef CLIF__X86
    const unsigned cpu = clif__cpu();
    if (cpu & CLIF_CPU_AVX512) {
        expm1_batch_avx512(x, n, out);
        return;
    }
    if (cpu & CLIF_CPU_AVX2) {
        expm1_batch_avx2(x, n, out);
        return;
    }
#endif
    expm1_batch_portable(x, n, out);
}
