/* Internal: the current-based models (exponential and alpha postsynaptic
 * currents) as one template.  psc_exp.c and psc_alpha.c define PSC_ALPHA
 * (0 or 1) and PSC_FN(name), then include this file; the event loop
 * (model_loop_impl.h) is compiled into each, so nothing is called through a
 * pointer per event.
 *
 * Solution from the anchor (t0, V0, y), s = t - t0, u0 = V0 - V_inf,
 * V_inf = E_L + R I_dc, per receptor x with time constant tau_x:
 *
 *   V(s) = V0 + u0 expm1(-s/tau_m) + R sum_x (I_x0 P_x(s) + J_x0 Q_x(s))
 *   I_x(s) = (I_x0 + J_x0 s) e^{-s/tau_x},  J_x(s) = J_x0 e^{-s/tau_x}
 *
 * (J = 0 for psc_exp), with P, Q the membrane's responses to e^{-s/tau_x}
 * and s e^{-s/tau_x}:
 *
 *   P(s) = (1/tau_m) int_0^s e^{-(s-r)/tau_m} e^{-r/tau_x} dr
 *        = (s/tau_m) e^{-s/tau_max} phi1(-s d),
 *   Q(s) = (1/tau_m) int_0^s e^{-(s-r)/tau_m} r e^{-r/tau_x} dr
 *        = (s^2/tau_m) e^{-s/tau_max} (tau_x <= tau_m ? psi : chi)(-s d),
 *
 * d = |1/tau_m - 1/tau_x| = |tau_x - tau_m| / (tau_m tau_x), tau_max =
 * max(tau_m, tau_x), phi1(z) = expm1(z)/z, psi(z) = int_0^1 u e^{zu} du,
 * chi(z) = int_0^1 (1-u) e^{zu} du, all for z <= 0 where they lie in
 * (0, 1].  Nothing divides by tau_x - tau_m: at tau_x == tau_m, d = 0 and
 * phi1 = 1, psi = chi = 1/2 exactly, and near it the forms lose no digits
 * (the error of d enters only as s d / 2 relative).  Writing the envelope
 * with tau_max keeps every factor <= 1, so nothing overflows for any s.
 *
 * Threshold certificate.  P and Q are positive and unimodal on s > 0 (each
 * a convolution of two log-concave functions), with peaks at
 * s_P = tau_m log1p(x)/x, x = tau_m/tau_x - 1 (the PSP peak time) and s_Q
 * (found numerically once per parameter set); e^{-s/tau_m} decreases.  So
 * on [s_a, s_b] each term c f(s) of V is at most c f(clamp(peak)) for
 * c >= 0 and c min(f(s_a), f(s_b)) for c < 0: their sum bounds V on the
 * whole interval (quick_bound; on [s_a, inf) the negative terms tend to 0).
 * Where that bound does not clear V_th, cells anchored at t0 are searched
 * with a bound on |V''| (cell_M2) by the shared search_cell (root_impl.h).
 */
#include "clif.h"
#include "../bits_impl.h"
#include "../expm1_impl.h"

#include <float.h>
#include <math.h>

#if PSC_ALPHA
#define NY 4
#define YI(x) (2 * (x))
#define YJ(x) (2 * (x) + 1)
#else
#define NY 2
#define YI(x) (x)
#endif

/* Uniform cells of width cell0 up to K0 cells from the anchor (where the
 * synaptic currents change fast), then cells of width cell1 >= cell0. */
#define K0 32.0

typedef struct psc_rec {
    double tau;     /* tau_syn [ms] */
    double d;       /* |1/tau_m - 1/tau| [1/ms] */
    int slow;       /* tau > tau_m: the envelope is e^{-s/tau} */
    double c;       /* -1/(d tau_m), or 0 where that is not finite (d = 0) */
    double sP, Ppk; /* peak time of P and P there */
#if PSC_ALPHA
    double sQ, Qpk;
#endif
} psc_rec;

typedef struct psc_prop {
    double tau, R, E_L, V_th, V_reset, t_ref;
    double V_inf, above; /* above = V_inf - V_th, correctly rounded (as exact.c) */
    double cell0, cell1;
    int same;            /* both receptors have one tau: share their basis values */
    psc_rec r[2];
} psc_prop;

/* The solution's pieces at s from the anchor. */
typedef struct psc_basis {
    double s, em1, Em;
    double Ex[2], P[2];
#if PSC_ALPHA
    double Q[2];
#endif
} psc_basis;

/* 1/(k+2)!, k = 0..18: the series of chi; psi's coefficients are (k+1) of these. */
static const double inv_fact2[19] = {
    5.0000000000000000e-01, 1.6666666666666666e-01, 4.1666666666666664e-02,
    8.3333333333333332e-03, 1.3888888888888889e-03, 1.9841269841269841e-04,
    2.4801587301587302e-05, 2.7557319223985893e-06, 2.7557319223985888e-07,
    2.5052108385441720e-08, 2.0876756987868100e-09, 1.6059043836821613e-10,
    1.1470745597729725e-11, 7.6471637318198164e-13, 4.7794773323873853e-14,
    2.8114572543455206e-15, 1.5619206968586225e-16, 8.2206352466243295e-18,
    4.1103176233121648e-19};

#if PSC_ALPHA
/* psi(z) = int_0^1 u e^{zu} du and chi(z) = int_0^1 (1-u) e^{zu} du for
 * z <= 0, em = expm1(z).  Series where the closed forms cancel (|z| < 1:
 * 19 terms, truncation < 1e-18), closed forms beyond (cancellation by at
 * most ~3x there). */
CLIF__INLINE double psc_psi(double z, double em)
{
    if (z > -1.0) {
        double acc = 0.0;
        for (int k = 18; k >= 0; --k)
            acc = acc * z + (double)(k + 1) * inv_fact2[k];
        return acc;
    }
    return (z * (1.0 + em) - em) / (z * z);
}

CLIF__INLINE double psc_chi(double z, double em)
{
    if (z > -1.0) {
        double acc = 0.0;
        for (int k = 18; k >= 0; --k)
            acc = acc * z + inv_fact2[k];
        return acc;
    }
    return (em - z) / (z * z);
}
#endif

/* e^{-s/tau_x} by itself: as a product of factors 1 + expm1 with large
 * arguments it would keep only absolute accuracy, and a long-decayed
 * current's samples need their relative digits.  Up to s = tau_x / 2 a
 * product of at most two such factors, each in (0.6, 1], keeps them
 * (relative error < 3 ulp) and costs no exp: for tau_x < tau_m it is
 * e^{-s/tau_m} e^{-s d} = Em (1 + em), from the expm1s the basis needs
 * anyway; for tau_x > tau_m, 1 + ex with ex = expm1(-s/tau_x), computed
 * with the others.  Beyond, exp. */
CLIF__INLINE double psc_decay(const psc_rec *r, double s, double Em, double em, double ex)
{
    if (!(s <= 0.5 * r->tau))
        return exp(-s / r->tau);
    return r->slow ? 1.0 + ex : Em * (1.0 + em);
}

/* Receptor x's pieces at s, given z = -s d_x, em = expm1(z) and ex =
 * expm1(-s/tau_x) (used only if tau_x > tau_m and s <= tau_x / 2).
 * P = (s/tau_m) env em/z = env em c, without dividing, except where z is
 * 0 or so small that em would have lost its relative digits to underflow. */
CLIF__INLINE void PSC_FN(basis_rec)(const psc_prop *pr, int x, double s, double z, double em,
                                    double ex, psc_basis *b)
{
    const psc_rec *r = &pr->r[x];
    b->Ex[x] = psc_decay(r, s, b->Em, em, ex);
    double env = r->slow ? b->Ex[x] : b->Em;
    if (z < -1e-280 && r->c != 0.0)
        b->P[x] = env * (em * r->c);
    else
        b->P[x] = (s / pr->tau) * env * (z == 0.0 ? 1.0 : em / z);
#if PSC_ALPHA
    b->Q[x] = (s * s / pr->tau) * env * (r->slow ? psc_chi(z, em) : psc_psi(z, em));
#endif
}

/* Both receptors share one tau: receptor 1's pieces are receptor 0's. */
CLIF__INLINE void PSC_FN(basis_copy)(psc_basis *b)
{
    b->Ex[1] = b->Ex[0];
    b->P[1] = b->P[0];
#if PSC_ALPHA
    b->Q[1] = b->Q[0];
#endif
}

CLIF__INLINE void PSC_FN(basis)(const psc_prop *pr, double s, psc_basis *b)
{
    b->s = s;
    if (s == 0.0) {
        /* At the anchor (every interval after a pulse starts there): the
         * values the formulas give at 0, without their transcendentals. */
        b->em1 = -0.0;
        b->Em = 1.0;
        for (int x = 0; x < 2; ++x) {
            b->Ex[x] = 1.0;
            b->P[x] = 0.0;
#if PSC_ALPHA
            b->Q[x] = 0.0;
#endif
        }
        return;
    }
    b->em1 = clif__expm1(-s / pr->tau);
    b->Em = 1.0 + b->em1;
    for (int x = 0; x < 2; ++x) {
        if (x == 1 && pr->same) {
            PSC_FN(basis_copy)(b);
            break;
        }
        double z = -s * pr->r[x].d, tx = pr->r[x].tau;
        double ex = pr->r[x].slow && s <= 0.5 * tx ? clif__expm1(-s / tx) : 0.0;
        PSC_FN(basis_rec)(pr, x, s, z, clif__expm1(z), ex, b);
    }
}

/* out[k]: the basis over pulse_t[k] - pulse_t[k-1], the interval the event
 * loop steps when the anchor is at the previous pulse (out[0].s = NaN:
 * matches nothing). */
static void PSC_FN(pulse_bases)(const psc_prop *pr, const double *pulse_t, size_t n,
                                psc_basis *out)
{
    enum { B = 64 };
    if (n)
        out[0].s = NAN;
    /* basis() in blocks, its expm1s through the vectorised batch (the
     * same bits as clif__expm1 one by one) */
    /* rows: -s/tau_m, then per receptor -s d_x and -s/tau_x */
    double xa[5 * B], em[5 * B];
    const int nx = pr->same ? 1 : 2;
    for (size_t k0 = 1; k0 < n; k0 += B) {
        size_t m = n - k0 < B ? n - k0 : B;
        for (size_t j = 0; j < m; ++j) {
            double sj = pulse_t[k0 + j] - pulse_t[k0 + j - 1];
            out[k0 + j].s = sj;
            xa[j] = -sj / pr->tau;
            for (int x = 0; x < nx; ++x) {
                xa[(1 + 2 * x) * B + j] = -sj * pr->r[x].d;
                if (pr->r[x].slow)
                    xa[(2 + 2 * x) * B + j] = -sj / pr->r[x].tau;
            }
        }
        /* row 2 + 2x (the decay's expm1) only for a slow receptor */
        for (int x = 0; x <= 2 * nx; ++x)
            if (x == 0 || x % 2 == 1 || pr->r[x / 2 - 1].slow)
                clif__expm1_batch(xa + x * B, m, em + x * B);
        for (size_t j = 0; j < m; ++j) {
            psc_basis *b = &out[k0 + j];
            if (b->s == 0.0) {
                PSC_FN(basis)(pr, 0.0, b);
                continue;
            }
            b->em1 = em[j];
            b->Em = 1.0 + b->em1;
            for (int x = 0; x < nx; ++x)
                PSC_FN(basis_rec)(pr, x, b->s, xa[(1 + 2 * x) * B + j],
                                  em[(1 + 2 * x) * B + j],
                                  pr->r[x].slow ? em[(2 + 2 * x) * B + j] : 0.0, b);
            if (nx == 1)
                PSC_FN(basis_copy)(b);
        }
    }
}

/* V and y at the basis' s from the anchor state (t0, V0, y0). */
CLIF__INLINE double PSC_FN(V_at)(const psc_prop *pr, double V0, const double *y0,
                                 const psc_basis *b)
{
    double acc = 0.0;
    for (int x = 0; x < 2; ++x) {
        acc += y0[YI(x)] * b->P[x];
#if PSC_ALPHA
        acc += y0[YJ(x)] * b->Q[x];
#endif
    }
    return V0 + (V0 - pr->V_inf) * b->em1 + pr->R * acc;
}

CLIF__INLINE void PSC_FN(y_at)(const double *y0, const psc_basis *b, double *y)
{
    for (int x = 0; x < 2; ++x) {
#if PSC_ALPHA
        y[YI(x)] = (y0[YI(x)] + y0[YJ(x)] * b->s) * b->Ex[x];
        y[YJ(x)] = y0[YJ(x)] * b->Ex[x];
#else
        y[YI(x)] = y0[YI(x)] * b->Ex[x];
#endif
    }
}

#if PSC_ALPHA
/* s_Q: the root of s e^{-s/tau_x} - Q(s) (tau_m Q' = -Q + s e^{-s/tau_x}),
 * positive before the peak and negative after; bracketed, then bisected. */
static double PSC_FN(peak_Q)(const psc_prop *pr, int x)
{
    psc_basis b;
    double lo = 0.0, hi = fmax(pr->tau, pr->r[x].tau);
    for (int i = 0; i < 64; ++i) {
        PSC_FN(basis)(pr, hi, &b);
        if (hi * b.Ex[x] - b.Q[x] < 0.0)
            break;
        lo = hi;
        hi *= 2.0;
    }
    /* to 1e-10 relative: the bound needs the peak's value, which is flat
     * there (an error e in time changes it by ~e^2) */
    for (int i = 0; i < 200 && hi - lo > 1e-10 * hi; ++i) {
        double m = lo + 0.5 * (hi - lo);
        PSC_FN(basis)(pr, m, &b);
        if (m * b.Ex[x] - b.Q[x] >= 0.0)
            lo = m;
        else
            hi = m;
    }
    return lo + 0.5 * (hi - lo);
}
#endif

/* The drive's part of the propagator (cheap: a population changes it at
 * every current step). */
static clif_status PSC_FN(set_drive)(psc_prop *pr, const clif_drive *d)
{
    if (!isfinite(d->I_dc) || !isfinite(d->I0) || !isfinite(d->phase))
        return CLIF_E_VALUE;
    if (!(isfinite(d->f) && d->f >= 0.0))
        return CLIF_E_FREQ;
    if (d->I0 != 0.0)
        return CLIF_E_MODEL; /* no sine drive for current models yet */
    pr->V_inf = pr->E_L + pr->R * d->I_dc;
    pr->above = fma(pr->R, d->I_dc, pr->E_L - pr->V_th);
    if (!isfinite(pr->V_inf))
        return CLIF_E_VALUE;
    return CLIF_OK;
}

/* The parameters' part (receptors, peaks: the costly part, once per
 * parameter set); the drive is set to 0. */
static void PSC_FN(make_syn)(const clif_params *p, const clif_syn_params *q, psc_prop *pr)
{
    pr->tau = p->tau_m;
    pr->R = p->R_m;
    pr->E_L = p->E_L;
    pr->V_th = p->V_th;
    pr->V_reset = p->V_reset;
    pr->t_ref = p->t_ref;
    pr->V_inf = p->E_L;
    pr->above = p->E_L - p->V_th;
    double taus[2] = {q->tau_syn_ex, q->tau_syn_in};
    pr->same = taus[0] == taus[1];
    double tmin = fmin(p->tau_m, fmin(taus[0], taus[1]));
    pr->cell0 = 0.25 * tmin;
    pr->cell1 = 0.25 * p->tau_m > pr->cell0 ? 0.25 * p->tau_m : pr->cell0;
    for (int x = 0; x < 2; ++x) {
        psc_rec *r = &pr->r[x];
        double tx = taus[x];
        r->tau = tx;
        r->d = fabs(tx - p->tau_m) / (p->tau_m * tx);
        r->slow = tx > p->tau_m;
        r->c = -1.0 / (r->d * p->tau_m);
        if (!isfinite(r->c))
            r->c = 0.0;
        double xr = p->tau_m / tx - 1.0;
        r->sP = p->tau_m * (xr == 0.0 ? 1.0 : log1p(xr) / xr);
    }
    /* The peak values are raised by 1e-12 relative: a peak time off by a
     * few ulp (the bisection of s_Q) lowers the value found by far less. */
    for (int x = 0; x < 2; ++x) {
        psc_basis b;
        PSC_FN(basis)(pr, pr->r[x].sP, &b);
        pr->r[x].Ppk = b.P[x] * (1.0 + 1e-12);
#if PSC_ALPHA
        if (x == 1 && pr->same)
            pr->r[1].sQ = pr->r[0].sQ;
        else
            pr->r[x].sQ = PSC_FN(peak_Q)(pr, x);
        PSC_FN(basis)(pr, pr->r[x].sQ, &b);
        pr->r[x].Qpk = b.Q[x] * (1.0 + 1e-12);
#endif
    }
}

static clif_status PSC_FN(make_prop)(const clif_params *p, const clif_syn_params *q,
                                     const clif_drive *d, psc_prop *pr)
{
    PSC_FN(make_syn)(p, q, pr);
    return PSC_FN(set_drive)(pr, d);
}

/* Value of a unimodal basis function's term c f on [sa, sb] at its max. */
CLIF__INLINE double psc_term_max(double c, double fa, double fb, double spk, double fpk,
                                 double sa, double sb)
{
    if (c >= 0.0)
        return c * (spk <= sa ? fa : (spk >= sb ? fb : fpk));
    return c * (fa < fb ? fa : fb);
}

/* An upper bound of V - V_th on [sa, sb] (both from the anchor), given the
 * basis at both ends; sb = +inf takes the limits (every piece -> 0). */
static double PSC_FN(quick_bound)(const psc_prop *pr, double V0, const double *y0,
                                  const psc_basis *ba, const psc_basis *bb, double sa,
                                  double sb)
{
    double u0 = V0 - pr->V_inf;
    double U = u0 >= 0.0 ? u0 * ba->Em : (bb ? u0 * bb->Em : 0.0);
    double acc = 0.0;
    for (int x = 0; x < 2; ++x) {
        const psc_rec *r = &pr->r[x];
        acc += psc_term_max(y0[YI(x)], ba->P[x], bb ? bb->P[x] : 0.0, r->sP, r->Ppk, sa, sb);
#if PSC_ALPHA
        acc += psc_term_max(y0[YJ(x)], ba->Q[x], bb ? bb->Q[x] : 0.0, r->sQ, r->Qpk, sa, sb);
#endif
    }
    return pr->above + U + pr->R * acc;
}

/* A bound on |V''| over [t, t + L] given the state (V, y) at t. */
static double PSC_FN(cell_M2)(const psc_prop *pr, double V, const double *y, double L)
{
    double tm = pr->tau, R = pr->R;
    double u = fabs(V - pr->V_inf), sumI = 0.0, sumIt = 0.0, umax = u;
#if PSC_ALPHA
    double sumJ = 0.0;
    for (int x = 0; x < 2; ++x) {
        double J = fabs(y[YJ(x)]), I = fabs(y[YI(x)]) + J * L;
        umax += R * (fabs(y[YI(x)]) * L / tm + J * L * L / (2.0 * tm));
        sumI += I;
        sumIt += I / pr->r[x].tau;
        sumJ += J;
    }
    double du = (umax + R * sumI) / tm;
    return (du + R * (sumIt + sumJ)) / tm * (1.0 + 1e-12);
#else
    for (int x = 0; x < 2; ++x) {
        double I = fabs(y[YI(x)]);
        umax += R * I * L / tm;
        sumI += I;
        sumIt += I / pr->r[x].tau;
    }
    return ((umax + R * sumI) / (tm * tm) + R * sumIt / tm) * (1.0 + 1e-12);
#endif
}

/* Context of the cell search: g(t) = V(t) - V_th from the anchor. */
typedef struct psc_ctx {
    const psc_prop *pr;
    double t0, V0;
    const double *y0;
} psc_ctx;

static double PSC_FN(g_of)(const psc_ctx *x, double t)
{
    psc_basis b;
    PSC_FN(basis)(x->pr, t - x->t0, &b);
    return PSC_FN(V_at)(x->pr, x->V0, x->y0, &b) - x->pr->V_th;
}

/* g'(t) = V'(t) = (V_inf - V + R sum_x I_x) / tau_m. */
static double PSC_FN(dg_of)(const psc_ctx *x, double t)
{
    psc_basis b;
    double y[NY];
    PSC_FN(basis)(x->pr, t - x->t0, &b);
    double V = PSC_FN(V_at)(x->pr, x->V0, x->y0, &b);
    PSC_FN(y_at)(x->y0, &b, y);
    double I = 0.0;
    for (int k = 0; k < 2; ++k)
        I += y[YI(k)];
    return (x->pr->V_inf - V + x->pr->R * I) / x->pr->tau;
}

#define ROOT_FN(name) PSC_FN(name)
#define ROOT_CTX psc_ctx
#define ROOT_G(x, t) PSC_FN(g_of)(x, t)
#define ROOT_DG(x, t) PSC_FN(dg_of)(x, t)
/* To the last ulp: a spike's time error carries into the next one through
 * the reset, so a chain of spikes would drift by the stopping width. */
#define ROOT_TOL(b) 0.0
#define ROOT_NEAREST 1
#include "../root_impl.h"
#undef ROOT_FN
#undef ROOT_CTX
#undef ROOT_G
#undef ROOT_DG
#undef ROOT_TOL
#undef ROOT_NEAREST

/* Edge k of the cells anchored at t0 (k counted, never summed). */
CLIF__INLINE double PSC_FN(edge)(const psc_prop *pr, double t0, double k)
{
    if (k <= K0)
        return t0 + k * pr->cell0;
    return t0 + (K0 * pr->cell0 + (k - K0) * pr->cell1);
}

static int PSC_FN(y_zero)(const double *y)
{
    for (int k = 0; k < NY; ++k)
        if (y[k] != 0.0)
            return 0;
    return 1;
}

/* The first time in [s->t, h) at which V >= V_th, or +inf; the neuron is
 * not refractory and its anchor is at or before s->t.  *bh receives the
 * basis at h - t0 when it was computed (bh->s == h - t0), for the caller's
 * step to h. */
static clif_status PSC_FN(find_crossing)(const psc_prop *pr, const clif_model_state *s,
                                         double h, const psc_basis *hint, double *tc,
                                         psc_basis *bh)
{
    *tc = INFINITY;
    bh->s = NAN;
    if (s->V0 >= pr->V_th) {
        *tc = s->t;
        return CLIF_OK;
    }
    if (!(h > s->t))
        return CLIF_OK;
    const double *y0 = s->y;
    if (PSC_FN(y_zero)(y0)) {
        /* No synaptic current: the membrane alone, in closed form (as
         * exact.c for constant drive). */
        if (pr->above > 0.0)
            *tc = fmax(s->t, s->t0 + pr->tau * log1p((pr->V_th - s->V0) / pr->above));
        return CLIF_OK;
    }
    double sa = s->t - s->t0, sb = h - s->t0;
    psc_basis ba;
    PSC_FN(basis)(pr, sa, &ba);
    if (isfinite(sb)) {
        if (hint && hint->s == sb)
            *bh = *hint; /* basis() is a function of s alone: the same bits */
        else
            PSC_FN(basis)(pr, sb, bh);
        if (PSC_FN(quick_bound)(pr, s->V0, y0, &ba, bh, sa, sb) < 0.0)
            return CLIF_OK;
    } else if (PSC_FN(quick_bound)(pr, s->V0, y0, &ba, NULL, sa, sb) < 0.0) {
        return CLIF_OK;
    }
    /* Cells from the one holding s->t. */
    psc_ctx x = {pr, s->t0, s->V0, y0};
    double k = sa < K0 * pr->cell0 ? floor(sa / pr->cell0)
                                   : K0 + floor((sa - K0 * pr->cell0) / pr->cell1);
    if (!(k >= 0.0))
        k = 0.0;
    while (k > 0.0 && PSC_FN(edge)(pr, s->t0, k) > s->t)
        k -= 1.0;
    double a = PSC_FN(edge)(pr, s->t0, k);
    psc_basis b0;
    double ya[NY], yb[NY];
    PSC_FN(basis)(pr, a - s->t0, &b0);
    double Va = PSC_FN(V_at)(pr, s->V0, y0, &b0);
    PSC_FN(y_at)(y0, &b0, ya);
    double ga = Va - pr->V_th;
    if (ga >= 0.0) { /* only by rounding at a cell edge */
        *tc = fmax(a, s->t);
        return CLIF_OK;
    }
    for (int i = 0; a < h; ++i) {
        if ((i & 7) == 7 && PSC_FN(quick_bound)(pr, s->V0, y0, &b0, NULL, a - s->t0, INFINITY)
                                < 0.0)
            return CLIF_OK; /* never reaches threshold from here on */
        double b = PSC_FN(edge)(pr, s->t0, k + 1.0);
        psc_basis b1;
        PSC_FN(basis)(pr, b - s->t0, &b1);
        double Vb = PSC_FN(V_at)(pr, s->V0, y0, &b1);
        double gb = Vb - pr->V_th;
        double r;
        clif_status st = PSC_FN(search_cell)(&x, a, b, ga, gb, PSC_FN(cell_M2)(pr, Va, ya, b - a),
                                             &r);
        if (st != CLIF_OK)
            return st;
        if (r < INFINITY) {
            *tc = fmax(r, s->t);
            return CLIF_OK;
        }
        PSC_FN(y_at)(y0, &b1, yb);
        for (int m = 0; m < NY; ++m)
            ya[m] = yb[m];
        a = b;
        ga = gb;
        Va = Vb;
        b0 = b1;
        k += 1.0;
    }
    return CLIF_OK;
}

/* ---- the model's hooks for the event loop ------------------------------ */

/* The basis at s = 0, as basis() gives it. */
static const psc_basis PSC_FN(basis0) = {0.0, -0.0, 1.0, {1.0, 1.0}, {0.0, 0.0}
#if PSC_ALPHA
                                         , {0.0, 0.0}
#endif
};

/* 1 if find_crossing(s, h) would return "none" by its quick bound, for a
 * state anchored at its current time (s->t == s->t0, not refractory), with
 * bb the basis at h - t0 > 0: the event loop's fast step.  0 means "ask
 * find_crossing" (which then decides the same way or better). */
CLIF__INLINE int PSC_FN(clear_to)(const psc_prop *pr, double V0, const double *y,
                                  const psc_basis *bb)
{
    return V0 < pr->V_th && bb->s > 0.0 && !PSC_FN(y_zero)(y)
           && PSC_FN(quick_bound)(pr, V0, y, &PSC_FN(basis0), bb, 0.0, bb->s) < 0.0;
}

#define MODEL_FN(name) PSC_FN(name)
#define MODEL_PROP psc_prop
#define MODEL_BASIS psc_basis
#define MODEL_NY NY

/* Move the anchor's synaptic state (and V, if not refractory) to t. */
CLIF__INLINE void PSC_FN(move_anchor)(const psc_prop *pr, clif_model_state *s, double t,
                                      int refractory, const psc_basis *cached)
{
    psc_basis b;
    const psc_basis *bp = cached;
    if (!bp || !(bp->s == t - s->t0)) {
        PSC_FN(basis)(pr, t - s->t0, &b);
        bp = &b;
    }
    double y[NY];
    if (!refractory)
        s->V0 = PSC_FN(V_at)(pr, s->V0, s->y, bp);
    PSC_FN(y_at)(s->y, bp, y);
    for (int k = 0; k < NY; ++k)
        s->y[k] = y[k];
    s->t0 = t;
}

CLIF__INLINE void PSC_FN(receive)(const psc_prop *pr, double *y, double w, int port)
{
#if PSC_ALPHA
    y[YJ(port)] += w * (2.718281828459045235360287471352662 / pr->r[port].tau);
#else
    (void)pr;
    y[YI(port)] += w;
#endif
}

/* receive() without indexing y by the port: the same sums, as selects, so
 * that the fast loop can keep y in registers (a store to y[port] followed
 * by a load of all of y costs a failed store forward per event). */
CLIF__INLINE void PSC_FN(receive_reg)(const psc_prop *pr, double *y, double w, int port)
{
#if PSC_ALPHA
    double v = w * (2.718281828459045235360287471352662 / pr->r[port].tau);
    double a = y[YJ(0)] + v, b = y[YJ(1)] + v;
    y[YJ(0)] = port ? y[YJ(0)] : a;
    y[YJ(1)] = port ? b : y[YJ(1)];
#else
    (void)pr;
    double a = y[YI(0)] + w, b = y[YI(1)] + w;
    y[YI(0)] = port ? y[YI(0)] : a;
    y[YI(1)] = port ? b : y[YI(1)];
#endif
}

#include "../model_loop_impl.h"

#undef MODEL_FN
#undef MODEL_PROP
#undef MODEL_BASIS
#undef MODEL_NY
#undef NY
#undef YI
#undef YJ
#undef K0
