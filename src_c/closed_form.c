/* Closed forms of the LIF neuron under constant and sinusoidal drive.
 *
 * The ISI is T = t_ref + tau_m L with L = ln((V_inf - V_reset)/(V_inf - V_th))
 * = log1p(x), x = (V_th - V_reset)/(V_inf - V_th).  Near rheobase x is huge
 * and the log is harmless; for large currents x -> 0 and log1p keeps the
 * digits that ln(1 + x) would lose.  We evaluate log1p(x) as
 * ln(u) * x / (u - 1) with u = 1 + x rounded (Goldberg's trick, "What every
 * computer scientist should know about floating-point arithmetic", 1991):
 * accurate to a few ulp and, unlike libm's log1p, written with a
 * polynomial logarithm the compiler can vectorise, so that the ufunc runs at
 * the speed of one log per element.
 */
#include "clif.h"

#include <fenv.h>
#include <math.h>
#include <string.h>

/* The hot loops are compiled three times -- AVX-512, AVX2+FMA and the
 * baseline -- and dispatched on the CPU's features at each call (a cheap
 * read of what the loader found; no state of our own).  Results are
 * identical on every path: the core is built with -ffp-contract=off (no
 * silent FMA contraction), the explicit fma() is correctly rounded
 * everywhere, and nothing is reassociated. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) \
    && !defined(CLIF_NO_MULTIVERSION)
#define CLIF_X86_DISPATCH 1
#define CLIF_TARGET_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx2,fma")))
#define CLIF_TARGET_AVX2 __attribute__((target("avx2,fma")))
#endif

/* The kernels must inline into the multiversioned loops, which GCC only does
 * across differing target options when told to. */
#if defined(__GNUC__)
#define CLIF_INLINE static inline __attribute__((always_inline))
#else
#define CLIF_INLINE static inline
#endif

CLIF_INLINE uint64_t as_bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

CLIF_INLINE double from_bits(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* ln(u) for finite u >= 1 (the only arguments it gets), branch-free so that
 * loops over it vectorise.  The reduction u = 2^k m, m in [sqrt(2)/2, sqrt(2)),
 * and the minimax polynomial in s = (m-1)/(m+1) for 2 atanh(s) are those of
 * the classic fdlibm algorithm (error < 1 ulp); the exponent is turned into a
 * double with the 2^52 bias trick because AVX2 has no int64 -> double. */
CLIF_INLINE double log_ge1(double u)
{
    static const double ln2_hi = 6.93147180369123816490e-01;
    static const double ln2_lo = 1.90821492927058770002e-10;
    static const double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                        Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                        Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                        Lg7 = 1.479819860511658591e-01;
    const uint64_t bits = as_bits(u);
    const uint64_t mant = bits & 0x000fffffffffffffULL;
    /* m above sqrt(2): halve it and bump the exponent. */
    /* Signed compare: mant < 2^52, and AVX2 has no unsigned 64-bit compare. */
    const uint64_t up = (uint64_t)((int64_t)mant > (int64_t)0x6a09e667f3bccLL);
    const uint64_t expo = (bits >> 52) + up; /* biased exponent of 2^k */
    const double k = from_bits(expo | 0x4330000000000000ULL) - (4503599627370496.0 + 1023.0);
    const double m = from_bits(mant | ((1023ULL - up) << 52));
    const double f = m - 1.0;
    const double s = f / (2.0 + f);
    const double z = s * s;
    const double w = z * z;
    const double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    const double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    const double R = t2 + t1;
    const double hfsq = 0.5 * f * f;
    return k * ln2_hi - ((hfsq - (s * (hfsq + R) + k * ln2_lo)) - f);
}

/* The precomputed, per-parameter-set part of the ISI: the constant-parameter
 * fast path computes it once per call, the general path once per element. */
typedef struct {
    double tau_m, R_m;
    double c, c_lo;         /* E_L - V_th = c + c_lo exactly (TwoSum) */
    double b;               /* V_th - V_reset > 0 */
    double t_ref;
    int no_overflow;        /* b / (V_inf - V_th) provably finite for every I */
} isi_coef;

static inline isi_coef make_coef(const clif_params *p)
{
    isi_coef k;
    k.tau_m = p->tau_m;
    k.R_m = p->R_m;
    k.c = p->E_L - p->V_th;
    /* Knuth's TwoSum: the rounding error of E_L - V_th, so that the sign of
     * V_inf - V_th, which decides "no spike at or below rheobase", is that
     * of the exact value (up to 2^-100 relative) and not of a rounded one. */
    {
        const double bv = k.c - p->E_L;
        k.c_lo = (p->E_L - (k.c - bv)) + (-p->V_th - bv);
    }
    /* A nonzero a = fl(fl(R_m I + c) + c_lo) is a multiple of the finest
     * grain of its terms: R_m I + c cancels only when R_m I is within a
     * factor 2 of c, so its grain is at least 2^-106 |c|, and c_lo's is at
     * least 2^-53 |c_lo|.  Below that bound a is 0; above it b / a is finite
     * whenever b / bound is.  Parameter sets that fail the test (E_L == V_th,
     * or potentials near the underflow range) take the checked scalar path. */
    {
        double amin = fabs(k.c) * 0x1p-107;
        if (k.c_lo != 0.0)
            amin = fmin(amin, fabs(k.c_lo) * 0x1p-54);
        k.no_overflow = amin > 0x1p-1000 && k.b / amin < 0x1p1000;
    }
    k.b = p->V_th - p->V_reset;
    k.t_ref = p->t_ref;
    return k;
}

/* The ISI as a fraction T = num / den, for V_inf - V_th = a > 0.
 *
 * T = t_ref + tau_m log1p(x), x = b / a, and log1p(x) = ln(u) x / d with
 * u = 1 + x and d = u - 1 (both rounded).  Keeping d as the denominator
 * saves a division per element, which is what the loop's speed is made of:
 * the ISI takes one more and the rate (den / num) none. */
CLIF_INLINE double isi_fraction(const isi_coef *k, double I, double *den, double *a_out,
                                int *huge)
{
    /* fma (plus the TwoSum residual) keeps V_inf - V_th accurate: just
     * above rheobase it is a small difference and every bit of it matters. */
    const double a = fma(k->R_m, I, k->c) + k->c_lo;
    const double x0 = k->b / a;
    /* Elements with a <= 0 or NaN get a harmless x; the caller's select
     * decides what they really are. */
    const double x = (x0 > 0.0) ? x0 : 0.0;
    const double u = 1.0 + x;
    const double d = u - 1.0;
    const int finite = u < INFINITY;
    const double lu = log_ge1(finite ? u : 2.0);
    /* d == 0: x is below half an ulp of 1, where log1p(x) == x. */
    const int tiny = (d == 0.0);
    const double lx = tiny ? x : lu * x;
    const double dd = tiny ? 1.0 : d;
    *a_out = a;
    *den = finite ? dd : 1.0;
    /* b / a overflowed although a > 0: left to isi_huge_ratio. */
    *huge = (a > 0.0) & !finite;
    return finite ? k->t_ref * dd + k->tau_m * lx : INFINITY;
}

/* The rare case b / a > DBL_MAX (V_inf - V_th below about 1e-308 of
 * V_th - V_reset), where log1p(b / a) = ln b - ln a to every digit. */
static double isi_huge_ratio(const isi_coef *k, double I)
{
    const double a = fma(k->R_m, I, k->c) + k->c_lo;
    return k->t_ref + k->tau_m * (log(k->b) - log(a));
}

/* ISI in ms: +inf at or below rheobase, NaN for NaN current.  The _vec
 * kernels flag the elements isi_huge_ratio must redo. */
CLIF_INLINE double isi_vec(const isi_coef *k, double I, int *huge)
{
    double den, a;
    const double num = isi_fraction(k, I, &den, &a, huge);
    return (a > 0.0) ? num / den : ((I == I) ? INFINITY : I);
}

/* Rate in Hz: exactly 0 at or below rheobase, NaN for NaN current. */
CLIF_INLINE double rate_vec(const isi_coef *k, double I, int *huge)
{
    double den, a;
    const double num = isi_fraction(k, I, &den, &a, huge);
    return (a > 0.0) ? (1000.0 * den) / num : ((I == I) ? 0.0 : I);
}

static double isi_one(const isi_coef *k, double I)
{
    int huge;
    const double T = isi_vec(k, I, &huge);
    return huge ? isi_huge_ratio(k, I) : T;
}

static double rate_one(const isi_coef *k, double I)
{
    int huge;
    const double f = rate_vec(k, I, &huge);
    return huge ? 1000.0 / isi_huge_ratio(k, I) : f;
}

static const double NaN_ = NAN;

double clif_isi(const clif_params *p, double I)
{
    if (clif_check_params(p) != CLIF_OK)
        return NaN_;
    isi_coef k = make_coef(p);
    return isi_one(&k, I);
}

double clif_rate(const clif_params *p, double I)
{
    if (clif_check_params(p) != CLIF_OK)
        return NaN_;
    isi_coef k = make_coef(p);
    return rate_one(&k, I);
}

double clif_rheobase(const clif_params *p)
{
    if (clif_check_params(p) != CLIF_OK)
        return NaN_;
    return (p->V_th - p->E_L) / p->R_m;
}

double clif_current_for_rate(const clif_params *p, double f)
{
    if (clif_check_params(p) != CLIF_OK || !(f >= 0.0))
        return NaN_;
    const double T = 1000.0 / f;           /* +inf for f == 0 */
    const double L = (T - p->t_ref) / p->tau_m;
    if (!(L > 0.0))                        /* f >= 1/t_ref */
        return NaN_;
    /* V_inf - V_th = (V_th - V_reset) / (e^L - 1); expm1 keeps it accurate
     * for the short ISIs where L is small. */
    const double a = (p->V_th - p->V_reset) / expm1(L);
    return ((p->V_th - p->E_L) + a) / p->R_m;
}

double clif_summation_peak(double V1, double dt, double tau_m)
{
    if (!(tau_m > 0.0) || !(dt >= 0.0))
        return (V1 != V1 || dt != dt) ? V1 + dt : NaN_;
    return V1 + V1 * exp(-dt / tau_m);
}

/* The membrane part of the validation, for the closed forms that do not
 * involve reset or refractoriness; messages stay those of clif_check_params. */
static int membrane_ok(const clif_params *p)
{
    return p && isfinite(p->tau_m) && p->tau_m > 0.0 && isfinite(p->R_m) && p->R_m > 0.0
           && isfinite(p->E_L);
}

double clif_cutoff_frequency(const clif_params *p, double I0, double I_dc)
{
    if (!membrane_ok(p) || !isfinite(p->V_th) || I0 != I0 || I_dc != I_dc)
        return NaN_;
    /* Distance from the DC operating point to threshold, in mV. */
    const double margin = (p->V_th - p->E_L) - p->R_m * I_dc;
    const double amp = p->R_m * fabs(I0);
    if (!(margin > 0.0))
        return INFINITY;   /* the DC alone reaches threshold */
    const double q = amp / margin;
    if (!(q > 1.0))
        return 0.0;        /* even the DC limit stays at or below threshold */
    /* sqrt(q^2 - 1) written as sqrt((q-1)(q+1)) to avoid cancellation near
     * q = 1; w in rad/ms, reported in Hz. */
    const double w = sqrt((q - 1.0) * (q + 1.0)) / p->tau_m;
    return w * 1000.0 / (2.0 * 3.14159265358979323846);
}

double clif_free_potential(const clif_params *p, double t, double I, double V0)
{
    if (!membrane_ok(p))
        return NaN_;
    const double V_inf = p->E_L + p->R_m * I;
    /* V0 + (V_inf - V0)(1 - e^{-t/tau}) with expm1: exact for small t. */
    return V0 - (V_inf - V0) * expm1(-t / p->tau_m);
}

/* ---- strided loops ---------------------------------------------------- */

#define ARG(k, i) (*(const double *)(args[k] + (i) * steps[k]))
#define OUT(k, i) (*(double *)(args[k] + (i) * steps[k]))

static inline int params_at(char *const *args, const ptrdiff_t *steps, ptrdiff_t i,
                            int first, clif_params *p)
{
    p->tau_m = ARG(first, i);
    p->R_m = ARG(first + 1, i);
    p->E_L = ARG(first + 2, i);
    p->V_th = ARG(first + 3, i);
    p->V_reset = ARG(first + 4, i);
    p->t_ref = ARG(first + 5, i);
    return clif_check_params(p) == CLIF_OK;
}

static int params_constant(const ptrdiff_t *steps, int first, int count)
{
    for (int k = first; k < first + count; ++k)
        if (steps[k] != 0)
            return 0;
    return 1;
}

static void fill_nan(ptrdiff_t n, char *out, ptrdiff_t step)
{
    for (ptrdiff_t i = 0; i < n; ++i)
        *(double *)(out + i * step) = NaN_;
}

/* The vector loops skip the isi_huge_ratio fix-up: they only run for
 * parameter sets where make_coef proved that b / a cannot overflow. */
#define CONTIG_LOOP(name, vec, attr)                                                 \
    attr static void name(ptrdiff_t n, const isi_coef *k, const double *I, double *out) \
    {                                                                               \
        const isi_coef c = *k;                                                      \
        for (ptrdiff_t i = 0; i < n; ++i) {                                         \
            int huge;                                                               \
            out[i] = vec(&c, I[i], &huge);                                          \
        }                                                                           \
    }

CONTIG_LOOP(isi_contig_base, isi_vec, )
CONTIG_LOOP(rate_contig_base, rate_vec, )
#ifdef CLIF_X86_DISPATCH
CONTIG_LOOP(isi_contig_avx2, isi_vec, CLIF_TARGET_AVX2)
CONTIG_LOOP(rate_contig_avx2, rate_vec, CLIF_TARGET_AVX2)
CONTIG_LOOP(isi_contig_avx512, isi_vec, CLIF_TARGET_AVX512)
CONTIG_LOOP(rate_contig_avx512, rate_vec, CLIF_TARGET_AVX512)
#endif

typedef void (*contig_fn)(ptrdiff_t, const isi_coef *, const double *, double *);

static contig_fn pick_contig(int want_rate)
{
#ifdef CLIF_X86_DISPATCH
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512vl"))
        return want_rate ? rate_contig_avx512 : isi_contig_avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return want_rate ? rate_contig_avx2 : isi_contig_avx2;
#endif
    return want_rate ? rate_contig_base : isi_contig_base;
}

/* Shared driver of the ISI and rate loops; want_rate picks the kernel. */
static void isi_rate_strided(ptrdiff_t n, char *const *args, const ptrdiff_t *steps,
                             int want_rate)
{
    clif_params p;
    if (n <= 0)
        return;
    if (params_constant(steps, 1, 6)) {
        if (!params_at(args, steps, 0, 1, &p)) {
            fill_nan(n, args[7], steps[7]);
            return;
        }
        const isi_coef k = make_coef(&p);
        const ptrdiff_t d = (ptrdiff_t)sizeof(double);
        /* NumPy resolves partial overlap before calling; exact aliasing
         * (in place) is handled by the contiguous loops. */
        if (steps[0] == d && steps[7] == d && k.no_overflow) {
            pick_contig(want_rate)(n, &k, (const double *)args[0], (double *)args[7]);
            return;
        }
        for (ptrdiff_t i = 0; i < n; ++i)
            OUT(7, i) = want_rate ? rate_one(&k, ARG(0, i)) : isi_one(&k, ARG(0, i));
        return;
    }
    for (ptrdiff_t i = 0; i < n; ++i) {
        if (!params_at(args, steps, i, 1, &p)) {
            OUT(7, i) = NaN_;
            continue;
        }
        const isi_coef k = make_coef(&p);
        OUT(7, i) = want_rate ? rate_one(&k, ARG(0, i)) : isi_one(&k, ARG(0, i));
    }
}

static void isi_strided_impl(ptrdiff_t n, char *const *args, const ptrdiff_t *steps)
{
    if (args && steps)
        isi_rate_strided(n, args, steps, 0);
}

static void rate_strided_impl(ptrdiff_t n, char *const *args, const ptrdiff_t *steps)
{
    if (args && steps)
        isi_rate_strided(n, args, steps, 1);
}

static void current_for_rate_strided_impl(ptrdiff_t n, char *const *args, const ptrdiff_t *steps)
{
    clif_params p;
    if (!args || !steps)
        return;
    for (ptrdiff_t i = 0; i < n; ++i)
        OUT(7, i) = params_at(args, steps, i, 1, &p) ? clif_current_for_rate(&p, ARG(0, i))
                                                     : NaN_;
}

static void cutoff_frequency_strided_impl(ptrdiff_t n, char *const *args, const ptrdiff_t *steps)
{
    clif_params p;
    if (!args || !steps)
        return;
    for (ptrdiff_t i = 0; i < n; ++i) {
        /* Only (tau_m, R_m, E_L, V_th) enter the cutoff. */
        p.tau_m = ARG(2, i);
        p.R_m = ARG(3, i);
        p.E_L = ARG(4, i);
        p.V_th = ARG(5, i);
        p.V_reset = p.t_ref = 0.0;
        OUT(6, i) = clif_cutoff_frequency(&p, ARG(0, i), ARG(1, i));
    }
}

static void free_potential_strided_impl(ptrdiff_t n, char *const *args, const ptrdiff_t *steps)
{
    clif_params p;
    if (!args || !steps)
        return;
    for (ptrdiff_t i = 0; i < n; ++i) {
        p.tau_m = ARG(3, i);
        p.R_m = ARG(4, i);
        p.E_L = ARG(5, i);
        p.V_th = p.V_reset = p.t_ref = 0.0; /* unused by the free trajectory */
        OUT(6, i) = clif_free_potential(&p, ARG(0, i), ARG(1, i), ARG(2, i));
    }
}

static void summation_peak_strided_impl(ptrdiff_t n, char *const *args, const ptrdiff_t *steps)
{
    if (!args || !steps)
        return;
    for (ptrdiff_t i = 0; i < n; ++i)
        OUT(3, i) = clif_summation_peak(ARG(0, i), ARG(1, i), ARG(2, i));
}

/* The branch-free kernels evaluate both sides of every select, so they raise
 * floating-point flags (divide by zero, invalid) for elements whose result
 * is a well-defined 0, inf or NaN.  NumPy would turn those flags into
 * warnings, so the public loops leave the flags as they found them. */
#define CLIF_FLAG_SAFE(name)                                                    \
    void clif_##name(ptrdiff_t n, char *const *args, const ptrdiff_t *steps)    \
    {                                                                           \
        fexcept_t saved;                                                        \
        fegetexceptflag(&saved, FE_ALL_EXCEPT);                                 \
        name##_impl(n, args, steps);                                            \
        fesetexceptflag(&saved, FE_ALL_EXCEPT);                                 \
    }

CLIF_FLAG_SAFE(isi_strided)
CLIF_FLAG_SAFE(rate_strided)
CLIF_FLAG_SAFE(current_for_rate_strided)
CLIF_FLAG_SAFE(cutoff_frequency_strided)
CLIF_FLAG_SAFE(free_potential_strided)
CLIF_FLAG_SAFE(summation_peak_strided)
