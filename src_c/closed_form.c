/* Closed forms of the LIF neuron under constant and sinusoidal drive.
 *
 * The ISI is T = t_ref + tau_m L with L = ln(u), u = (V_inf - V_reset) /
 * (V_inf - V_th) = (a + b) / a, a = V_inf - V_th > 0, b = V_th - V_reset > 0.
 * The hot path computes L with ONE division (divisions, not the memory or
 * the polynomial, are what such a loop's speed is made of):
 *
 *   A = a + b, rounded, with its exact error e (TwoSum), so a + b = A + e;
 *   A = 2^kA mA, a = 2^ka ma (mA, ma in [1, 2)), shifted by one binade if
 *   needed so that mA / ma lies in [sqrt(1/2), sqrt(2));
 *   u = 2^k (mA + e') / ma,  k = kA - ka,  e' = e 2^-kA;
 *   L = k ln 2 + 2 atanh(s),  s = (mA + e' - ma) / (mA + e' + ma),
 *
 * where mA - ma is exact (Sterbenz) and 2 atanh(s) = 2s + s R(s^2) is the
 * fdlibm minimax polynomial (error < 1 ulp).  No cancellation is left: for
 * large currents b/a -> 0, s ~ b / (2a) keeps its relative accuracy, which
 * is what log1p would buy; near rheobase the ratio is simply large.  The
 * whole kernel is branch-free, so the compiler vectorises it.
 */
#include "clif.h"
#include "bits_impl.h"
#include "cpu_impl.h"

#include <fenv.h>
#include <math.h>
#include <string.h>

/* The hot loops are compiled three times -- AVX-512, AVX2+FMA and the
 * baseline -- and dispatched on clif__cpu() at each call.  Results are
 * identical on every path: the core is built with -ffp-contract=off (no
 * silent FMA contraction), the explicit fma() is correctly rounded
 * everywhere, and nothing is reassociated. */

/* 2 atanh(s) = ln((1 + s) / (1 - s)) for |s| <= 0.172, as 2s + s R(s^2)
 * with fdlibm's minimax coefficients (the reduction in the header comment
 * guarantees the range). */
CLIF__INLINE double two_atanh(double s)
{
    static const double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01,
                        Lg3 = 2.857142874366239149e-01, Lg4 = 2.222219843214978396e-01,
                        Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                        Lg7 = 1.479819860511658591e-01;
    /* Explicit fma: correctly rounded on every path, so still bit-identical
     * everywhere, and half the instructions of separate multiply-adds. */
    const double z = s * s;
    const double w = z * z;
    const double t1 = w * fma(w, fma(w, Lg6, Lg4), Lg2);
    const double t2 = z * fma(w, fma(w, fma(w, Lg7, Lg5), Lg3), Lg1);
    return fma(s, t1 + t2, 2.0 * s);
}

/* The biased exponent of a positive double as an exact double (the 2^52
 * trick: AVX2 has no int64 -> double conversion). */
CLIF__INLINE double biased_exponent(uint64_t bits)
{
    return clif__dbl((bits >> 52) | 0x4330000000000000ULL) - 4503599627370496.0;
}

#define MANTISSA 0x000fffffffffffffULL
#define ONE_BITS 0x3ff0000000000000ULL

/* L = ln((a + b) / a) for a, b in the fast domain (see make_coef); both
 * arguments are pre-scaled by 2^-16 so that a + b cannot overflow. */
CLIF__INLINE double log_ratio(double a, double b)
{
    static const double ln2_hi = 6.93147180369123816490e-01;
    static const double ln2_lo = 1.90821492927058770002e-10;
    static const double sqrt2 = 1.41421356237309504880;
    const double A = a + b;
    const double bv = A - a;
    const double e = (a - (A - bv)) + (b - bv); /* a + b == A + e exactly */
    const uint64_t ia = clif__bits(a), iA = clif__bits(A);
    const double ma = clif__dbl((ia & MANTISSA) | ONE_BITS);
    const double mA = clif__dbl((iA & MANTISSA) | ONE_BITS);
    /* 2^-(kA) as a double, to bring e to mA's scale (exact: a power of 2). */
    const double scale = clif__dbl((2046ULL - (iA >> 52)) << 52);
    const double k0 = biased_exponent(iA) - biased_exponent(ia);
    const int up = mA > sqrt2 * ma;
    const int dn = sqrt2 * mA < ma;
    const double shift = up ? 0.5 : (dn ? 2.0 : 1.0);
    const double k = k0 + (up ? 1.0 : 0.0) - (dn ? 1.0 : 0.0);
    const double mA2 = mA * shift;
    const double e2 = e * scale * shift;
    /* s = N / D with D in [1.7, 2.5]: a single-precision reciprocal refined
     * by two Newton steps (fma: exact residuals) gives 1/D to within an ulp
     * at a fraction of the cost of a double division.  Every step is
     * correctly rounded, so all code paths agree bit for bit. */
    const double D = (mA2 + ma) + e2;
    double r = (double)(1.0f / (float)D);
    r = fma(r, fma(-D, r, 1.0), r);
    r = fma(r, fma(-D, r, 1.0), r);
    const double s = ((mA2 - ma) + e2) * r;
    return fma(k, ln2_hi, fma(k, ln2_lo, two_atanh(s)));
}

/* The precomputed, per-parameter-set part of the ISI: the constant-parameter
 * fast path computes it once per call, the general path once per element. */
typedef struct {
    double tau_m, R_m;
    double c, c_lo;         /* E_L - V_th = c + c_lo exactly (TwoSum) */
    double b;               /* V_th - V_reset > 0 */
    double b_s;             /* b 2^-16, the pre-scaled b of log_ratio */
    double t_ref;
    int fast;               /* every a > 0 lies in log_ratio's domain */
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
    k.b = p->V_th - p->V_reset;
    k.b_s = k.b * 0x1p-16;
    k.t_ref = p->t_ref;
    /* log_ratio needs a 2^-16 and b 2^-16 normal and a + b finite.  A
     * nonzero a = fl(fl(R_m I + c) + c_lo) is a multiple of the finest grain
     * of its terms: R_m I + c cancels only when R_m I is within a factor 2
     * of c, so its grain is at least 2^-106 |c|, and c_lo's is at least
     * 2^-53 |c_lo|; so a > 0 implies a >= amin.  Parameter sets that fail
     * the test (E_L == V_th, potentials near the underflow or overflow
     * range) take the checked path, isi_checked. */
    {
        double amin = fabs(k.c) * 0x1p-107;
        if (k.c_lo != 0.0)
            amin = fmin(amin, fabs(k.c_lo) * 0x1p-54);
        k.fast = amin > 0x1p-900 && k.b > 0x1p-900 && k.b < 0x1p900;
    }
    return k;
}

/* V_inf - V_th.  fma plus the TwoSum residual keep it accurate: just above
 * rheobase it is a small difference and every bit of it matters, and its
 * sign decides "no spike at or below rheobase". */
CLIF__INLINE double drive_margin(const isi_coef *k, double I)
{
    return fma(k->R_m, I, k->c) + k->c_lo;
}

/* The ISI [ms] for a parameter set in the fast domain, branch-free: +inf at
 * or below rheobase, t_ref for infinite drive, NaN for a NaN current.  With
 * want_rate, 1000 / ISI [Hz] instead.  No select feeds the division:
 * otherwise the compiler pushes the division into every arm of the selects
 * and divides three times per element. */
CLIF__INLINE double isi_or_rate_fast(const isi_coef *k, double I, int want_rate)
{
    const double a = drive_margin(k, I);
    /* Lanes with a <= 0, NaN or inf compute on a stand-in; the selects
     * below decide what they really are. */
    const double a_s = (a > 0.0 && a < INFINITY) ? a * 0x1p-16 : 1.0;
    const double T = fma(k->tau_m, log_ratio(a_s, k->b_s), k->t_ref);
    const double v = want_rate ? 1000.0 / T : T;
    const double v_inf_drive = want_rate ? 1000.0 / k->t_ref : k->t_ref;
    const double silent = (I == I) ? (want_rate ? 0.0 : INFINITY) : I;
    return (a > 0.0) ? ((a < INFINITY) ? v : v_inf_drive) : silent;
}

/* The same for any valid parameter set, with libm: log1p(b / a), or
 * ln b - ln a where b / a overflows (a below about 1e-308 b). */
static double isi_checked(const isi_coef *k, double I)
{
    const double a = drive_margin(k, I);
    if (!(a > 0.0))
        return (I == I) ? INFINITY : I;
    const double x = k->b / a;
    return k->t_ref + k->tau_m * (isfinite(x) ? log1p(x) : log(k->b) - log(a));
}

/* One element, on the path its parameter set takes: so that a value never
 * depends on the layout of the array it came in. */
static double isi_one(const isi_coef *k, double I)
{
    return k->fast ? isi_or_rate_fast(k, I, 0) : isi_checked(k, I);
}

static double rate_one(const isi_coef *k, double I)
{
    if (k->fast)
        return isi_or_rate_fast(k, I, 1);
    const double T = isi_checked(k, I);
    /* I = NaN: NaN; T = inf: exactly 0. */
    return 1000.0 / T;
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
    /* +inf for f == 0; fabs: 1000/-0.0 would be -inf, and -0.0 Hz is 0 Hz */
    const double T = 1000.0 / fabs(f);
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

/* The vectorised loops, for parameter sets in the fast domain. */
#define CONTIG_LOOP(name, want_rate, attr)                                           \
    attr static void name(ptrdiff_t n, const isi_coef *k, const double *I, double *out) \
    {                                                                               \
        const isi_coef c = *k;                                                      \
        for (ptrdiff_t i = 0; i < n; ++i)                                           \
            out[i] = isi_or_rate_fast(&c, I[i], want_rate);                         \
    }

CONTIG_LOOP(isi_contig_base, 0, )
CONTIG_LOOP(rate_contig_base, 1, )
#ifdef CLIF__X86
CONTIG_LOOP(isi_contig_avx2, 0, CLIF__T_AVX2)
CONTIG_LOOP(rate_contig_avx2, 1, CLIF__T_AVX2)
CONTIG_LOOP(isi_contig_avx512, 0, CLIF__T_AVX512)
CONTIG_LOOP(rate_contig_avx512, 1, CLIF__T_AVX512)
#endif

typedef void (*contig_fn)(ptrdiff_t, const isi_coef *, const double *, double *);

static contig_fn pick_contig(int want_rate)
{
#ifdef CLIF__X86
    const unsigned cpu = clif__cpu();
    if (cpu & CLIF_CPU_AVX512)
        return want_rate ? rate_contig_avx512 : isi_contig_avx512;
    if (cpu & CLIF_CPU_AVX2)
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
        if (steps[0] == d && steps[7] == d && k.fast) {
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
