/* The colored-noise integrator: N independent LIF neurons whose synaptic
 * current (psc_exp, time constant tau_s) carries the white noise,
 *   tau_m dY = (-Y + s) dt,   tau_s ds = -s dt + sigma sqrt(tau_m) dW,
 * Y = V - mu, mu = E_L + R_m (I_e + I_pc(t)), s = R_m I_s (clif_noise.h).
 *
 * Exact step.  X = (Y, s) is a 2-D Ornstein-Uhlenbeck process, dX = A X dt
 * + b dW, A = [[-a, a], [0, -c]], a = 1/tau_m, c = 1/tau_s, b = (0,
 * sigma sqrt(tau_m)/tau_s).  Over a span t: X' = Phi(t) X + xi,
 *   Phi(t) = [[e^{-at}, P(t)], [0, e^{-ct}]],
 *   P(t) = a int_0^t e^{-a(t-r)} e^{-cr} dr = (t/tau_m) e^{-t/tau_max} phi1(-t |a - c|),
 * phi1(z) = expm1(z)/z (the form of models/psc_impl.h: no division by
 * tau_s - tau_m, exact at tau_s == tau_m), and xi ~ N(0, Sigma(t)) with
 *   Sigma(t) = q int_0^t (P(u), e^{-cu})^T (P(u), e^{-cu}) du,  q = sigma^2 tau_m / tau_s^2,
 * in closed form (a != c; at a == c the limit):
 *   Sigma_ss = q (1 - e^{-2ct}) / (2c),
 *   Sigma_Ys = q a (g(a+c) - g(2c)) / (c - a),
 *   Sigma_YY = q a^2 (g(2a) - 2 g(a+c) + g(2c)) / (c - a)^2,   g(r) = (1 - e^{-rt}) / r,
 * a first and a second divided difference of g.  Evaluated like that they
 * lose all digits as tau_s -> tau_m (and Sigma_YY ~ q a^2 t^3 / 3 loses more
 * as t -> 0), so the kernel computes the same integrals by exact doubling,
 *   Sigma(2t) = Sigma(t) + Phi(t) Sigma(t) Phi(t)^T
 * (the noise of [0, t] carried over [t, 2t] plus that of [t, 2t]), a sum of
 * positive terms (P >= 0, so every entry is), from t0 = d 2^-K with t0
 * max(a, c) <= 1/32, where 5-point Gauss-Legendre quadrature of the
 * integrand (u^2 times a function analytic on the scale 1/max(a, c)) is
 * exact to ~1e-17 relative.  Phi is computed directly at each length.  No
 * branch depends on tau_s vs tau_m, and the error is a few ulp per doubling.
 * Sampling: s' first from its own normal z0, then Y' | s' from z1 (the
 * Cholesky factor with s first), so that s on the grid is a plain OU chain
 * whatever V does, and Y given an end value of s is the same formula.
 *
 * Crossings inside a step.  V is C^1 (V' = (s - Y)/tau_m is known at both
 * ends), so the path between grid points is smooth on the scale of the step
 * and the crossings a grid check misses are up-and-back excursions; they
 * are rare but their share grows like dt / tau_s.  The search: over an
 * interval [l, r] with both states known, the path given them is a Gaussian
 * bridge whose mean is close to the cubic Hermite interpolant of (V, V') at
 * the ends and whose SD is largest near the midpoint.  If both ends are
 * below threshold and the larger of a bound on the Hermite cubic (max(V_l,
 * V_r) + (4/27) H (max(V'_l, 0) + max(-V'_r, 0))) and the exact bridge mean
 * at the midpoint stays more than K_NEAR = 6 midpoint SDs below V_th, the
 * interval has no crossing (missed with probability ~e^{-18}).  Otherwise
 * the midpoint state is sampled from the exact conditional Gaussian (Markov:
 * the halves are then independent bridges) and the halves are searched,
 * left first, down to dt / 2^(CLIF_NOISE_PSC_LEVELS - 1); there the first
 * root of the Hermite cubic, by bisection, is the crossing and the spike
 * time.  The error that remains is the cubic's on intervals of dt/64: the
 * bridge's SD there is O(sqrt(q) a (dt/64)^{3/2}), so crossings are found up
 * to an O((dt/64)^{3/2}) misplacement of V, and spike times are accurate to
 * O((dt/64)^{3/2} / V') (the measured misses: tests/test_noise_psc.py).
 *
 * Reset.  After a spike at t* V = V_reset for t_ref; s keeps evolving.  When
 * the dead time ends inside a step (at offset a, in a later step or, for
 * t_ref < dt - t*, in the spike's own), s(a) is drawn from the OU bridge
 * between the step's grid values of s (exact in the later steps, where
 * nothing else is known of the step; in the spike's own step it neglects
 * what the search learnt of s, a t_ref < dt corner), then Y at the step's
 * end from its conditional Gaussian given s at the end (the span d = dt - a
 * is prepared at run time), and the search runs on [a, dt).
 */
#include "clif.h"
#include "noise_impl.h"
#include "rng_impl.h"

#include <math.h>
#include <string.h>

#define NLEV CLIF_NOISE_PSC_LEVELS
/* Steps per block: two normals a step, and clif__normals draws at most
 * CLIF__BATCH per call. */
#define PSC_BLOCK (CLIF__BATCH / 2)
#define K_NEAR 6.0

static double phi1(double z) { return z == 0.0 ? 1.0 : expm1(z) / z; }

/* Phi(t) in (Y, s): e1 = e^{-t/tau_m}, ps = P(t), e2 = e^{-t/tau_s}. */
static void propagator(double tau_m, double tau_s, double t, double *e1, double *ps, double *e2)
{
    double tmax = tau_m > tau_s ? tau_m : tau_s;
    double d = fabs(tau_s - tau_m) / (tau_m * tau_s);
    *e1 = exp(-t / tau_m);
    *e2 = exp(-t / tau_s);
    *ps = (t / tau_m) * exp(-t / tmax) * phi1(-t * d);
}

/* Sigma over d 2^-j, j = 0 .. nlev-1, in (Y [mV], s [mV]): S[j] = {YY, Ys, ss}. */
static void cov_ladder(double tau_m, double tau_s, double q, double d, int nlev, double S[][3])
{
    static const double gx[5] = {-0.9061798459386640, -0.5384693101056831, 0.0,
                                 0.5384693101056831, 0.9061798459386640};
    static const double gw[5] = {0.2369268850561891, 0.4786286704993665, 0.5688888888888889,
                                 0.4786286704993665, 0.2369268850561891};
    double cmax = 1.0 / (tau_m < tau_s ? tau_m : tau_s);
    int K = nlev - 1;
    double x = 32.0 * d * cmax;
    if (x > 1.0) {
        int k = (int)ceil(log2(x));
        if (k > K)
            K = k > 2100 ? 2100 : k;
    }
    double t = ldexp(d, -K);
    double s11 = 0.0, s12 = 0.0;
    for (int i = 0; i < 5; ++i) {
        double u = 0.5 * t * (1.0 + gx[i]), e1, ps, e2;
        propagator(tau_m, tau_s, u, &e1, &ps, &e2);
        s11 += gw[i] * ps * ps;
        s12 += gw[i] * ps * e2;
    }
    s11 *= q * 0.5 * t;
    s12 *= q * 0.5 * t;
    double s22 = q * 0.5 * tau_s * -expm1(-2.0 * t / tau_s);
    for (int L = K; L > 0; --L) {
        if (L < nlev) {
            S[L][0] = s11; S[L][1] = s12; S[L][2] = s22;
        }
        double e1, ps, e2;
        propagator(tau_m, tau_s, ldexp(d, -L), &e1, &ps, &e2);
        double n11 = s11 + (e1 * e1 * s11 + 2.0 * e1 * ps * s12 + ps * ps * s22);
        double n12 = s12 + (e1 * e2 * s12 + ps * e2 * s22);
        double n22 = s22 + e2 * e2 * s22;
        s11 = n11; s12 = n12; s22 = n22;
    }
    S[0][0] = s11; S[0][1] = s12; S[0][2] = s22;
}

static void fill_span(const clif_noise_psc_prop *pr, double d, clif_noise_psc_span *sp)
{
    const double R = pr->R_m;
    double S[NLEV + 1][3], ph[NLEV + 1][3];
    cov_ladder(pr->tau_m, pr->tau_s, pr->q, d, NLEV + 1, S);
    for (int j = 0; j <= NLEV; ++j) {
        /* to (Y [mV], I_s [nA]): s = R I_s */
        propagator(pr->tau_m, pr->tau_s, ldexp(d, -j), &ph[j][0], &ph[j][1], &ph[j][2]);
        ph[j][1] *= R;
        S[j][1] /= R;
        S[j][2] /= R * R;
    }
    memset(sp, 0, sizeof *sp);
    sp->d = d;
    sp->e1 = ph[0][0]; sp->p = ph[0][1]; sp->e2 = ph[0][2];
    sp->S_vv = S[0][0]; sp->S_vi = S[0][1]; sp->S_ii = S[0][2];
    sp->c_ii = sqrt(sp->S_ii);
    sp->c_vi = sp->c_ii > 0.0 ? sp->S_vi / sp->c_ii : 0.0;
    sp->c_vv = sqrt(fmax(sp->S_vv - sp->c_vi * sp->c_vi, 0.0));
    sp->k_vi = sp->S_ii > 0.0 ? sp->S_vi / sp->S_ii : 0.0;
    for (int j = 0; j < NLEV; ++j) {
        clif_noise_psc_level *L = &sp->lev[j];
        L->H = ldexp(d, -j);
        L->e1 = ph[j][0]; L->p = ph[j][1]; L->e2 = ph[j][2];
        L->he1 = ph[j + 1][0]; L->hp = ph[j + 1][1]; L->he2 = ph[j + 1][2];
        /* A = Sigma_h Phi_h^T = Cov(X_m, X_r | X_l); G = A Sigma^-1;
         * C = Sigma_h - A Sigma^-1 A^T. */
        double a = S[j + 1][0], b = S[j + 1][1], c = S[j + 1][2];
        double A00 = a * L->he1 + b * L->hp, A01 = b * L->he2;
        double A10 = b * L->he1 + c * L->hp, A11 = c * L->he2;
        double F00 = S[j][0], F01 = S[j][1], F11 = S[j][2];
        double det = F00 * F11 - F01 * F01;
        if (!(det > 0.0) || !isfinite(det))
            continue; /* no noise: the midpoint is Phi_h X_l (G = C = 0) */
        double i00 = F11 / det, i01 = -F01 / det, i11 = F00 / det;
        L->g[0] = A00 * i00 + A01 * i01; L->g[1] = A00 * i01 + A01 * i11;
        L->g[2] = A10 * i00 + A11 * i01; L->g[3] = A10 * i01 + A11 * i11;
        double Cvv = a - (L->g[0] * A00 + L->g[1] * A01);
        double Cvi = b - (L->g[0] * A10 + L->g[1] * A11);
        double Cii = c - (L->g[2] * A10 + L->g[3] * A11);
        L->l_vv = sqrt(fmax(Cvv, 0.0));
        L->l_iv = L->l_vv > 0.0 ? Cvi / L->l_vv : 0.0;
        L->l_ii = sqrt(fmax(Cii - L->l_iv * L->l_iv, 0.0));
    }
}

clif_status clif_noise_psc_span_fill(const clif_noise_psc_prop *prop, double d,
                                     clif_noise_psc_span *out)
{
    if (!prop || !out)
        return CLIF_E_NULL;
    if (!(isfinite(d) && d > 0.0))
        return CLIF_E_DT;
    fill_span(prop, d, out);
    return CLIF_OK;
}

clif_status clif_noise_psc_prepare(const clif_params *p, double I_e, double sigma, double tau_s,
                                   double dt, clif_noise_psc_prop *out)
{
    clif_status st = clif_check_params(p);
    if (st != CLIF_OK)
        return st;
    if (!out)
        return CLIF_E_NULL;
    if (!(isfinite(dt) && dt > 0.0) || !isfinite(dt / p->tau_m) || !(p->t_ref / dt < 4e15))
        return CLIF_E_DT;
    if (!(isfinite(sigma) && sigma >= 0.0))
        return CLIF_E_SIGMA;
    if (!isfinite(I_e) || !isfinite(p->R_m * I_e))
        return CLIF_E_VALUE;
    double q = sigma * sigma * p->tau_m / (tau_s * tau_s);
    if (!(isfinite(tau_s) && tau_s > 0.0) || !isfinite(q) || !isfinite(dt / tau_s))
        return CLIF_E_TAU_SYN;
    memset(out, 0, sizeof *out);
    out->V_th = p->V_th;
    out->V_reset = p->V_reset;
    out->tau_m = p->tau_m;
    out->tau_s = tau_s;
    out->sigma = sigma;
    out->R_m = p->R_m;
    out->mu0 = p->E_L + p->R_m * I_e;
    out->q = q;
    out->t_ref_dt = p->t_ref / dt;
    fill_span(out, dt, &out->step);
    return CLIF_OK;
}

/* ---- the crossing search ---------------------------------------------- */

typedef struct search_ctx {
    double thY;    /* V_th - mu: the threshold in Y */
    double R, a;   /* R_m, 1/tau_m: V' = a (R I_s - Y) */
    clif__sub *rs; /* the step's search draws */
} search_ctx;

/* h(theta) = c0 + theta (c1 + theta (c2 + theta c3)): the Hermite cubic. */
static double cubic(const double c[4], double th)
{
    return c[0] + th * (c[1] + th * (c[2] + th * c[3]));
}

/* First theta in [0, 1] with h(theta) >= thY (h(0) < thY), by bisection on
 * the first monotone piece that reaches it; -1 if none does. */
static double hermite_first(double Yl, double Yr, double dl, double dr, double H, double thY)
{
    double c[4] = {Yl, H * dl, 3.0 * (Yr - Yl) - H * (2.0 * dl + dr),
                   2.0 * (Yl - Yr) + H * (dl + dr)};
    /* critical points: 3 c3 t^2 + 2 c2 t + c1 = 0 */
    double A = 3.0 * c[3], B = 2.0 * c[2], C = c[1], pts[4];
    int np = 0;
    pts[np++] = 0.0;
    if (A == 0.0) {
        if (B != 0.0 && -C / B > 0.0 && -C / B < 1.0)
            pts[np++] = -C / B;
    } else {
        double disc = B * B - 4.0 * A * C;
        if (disc >= 0.0) {
            double qq = -0.5 * (B + copysign(sqrt(disc), B));
            double r1 = qq != 0.0 ? qq / A : 0.0, r2 = qq != 0.0 ? C / qq : 0.0;
            if (r1 > r2) { double t = r1; r1 = r2; r2 = t; }
            if (r1 > 0.0 && r1 < 1.0) pts[np++] = r1;
            if (r2 > 0.0 && r2 < 1.0 && r2 != r1) pts[np++] = r2;
        }
    }
    pts[np++] = 1.0;
    for (int s = 1; s < np; ++s) {
        if (cubic(c, pts[s]) < thY)
            continue;
        double lo = pts[s - 1], hi = pts[s];
        for (int it = 0; it < 60 && hi - lo > 1e-16; ++it) {
            double mid = 0.5 * (lo + hi);
            if (cubic(c, mid) >= thY) hi = mid; else lo = mid;
        }
        return hi * H;
    }
    return -1.0;
}

/* Whether [l, r] at level j may hold a crossing (both ends below). */
static int near_level(const search_ctx *sc, const clif_noise_psc_level *L, double Yl, double Il,
                      double Yr, double Ir)
{
    double dl = sc->a * (sc->R * Il - Yl), dr = sc->a * (sc->R * Ir - Yr);
    double ub = (Yl > Yr ? Yl : Yr)
                + (4.0 / 27.0) * L->H * (fmax(dl, 0.0) + fmax(-dr, 0.0));
    double mY = L->he1 * Yl + L->hp * Il + L->g[0] * (Yr - (L->e1 * Yl + L->p * Il))
                + L->g[1] * (Ir - L->e2 * Il);
    double M = ub > mY ? ub : mY;
    return M >= sc->thY - K_NEAR * L->l_vv;
}

/* Offset [ms] of the first crossing in [l, l + H_j], or -1: Yl < thY. */
static double search(const search_ctx *sc, const clif_noise_psc_span *sp, int j, double Yl,
                     double Il, double Yr, double Ir)
{
    const clif_noise_psc_level *L = &sp->lev[j];
    if (Yr < sc->thY && !near_level(sc, L, Yl, Il, Yr, Ir))
        return -1.0;
    if (j == NLEV - 1)
        return hermite_first(Yl, Yr, sc->a * (sc->R * Il - Yl), sc->a * (sc->R * Ir - Yr), L->H,
                             sc->thY);
    double rY = Yr - (L->e1 * Yl + L->p * Il), rI = Ir - L->e2 * Il;
    double z1 = clif__sub_normal(sc->rs), z2 = clif__sub_normal(sc->rs);
    double Ym = L->he1 * Yl + L->hp * Il + L->g[0] * rY + L->g[1] * rI + L->l_vv * z1;
    double Im = L->he2 * Il + L->g[2] * rY + L->g[3] * rI + L->l_iv * z1 + L->l_ii * z2;
    double t = search(sc, sp, j + 1, Yl, Il, Ym, Im);
    if (t >= 0.0)
        return t;
    if (Ym >= sc->thY) /* the left half's end is above: its root is at most H/2 */
        return 0.5 * L->H;
    t = search(sc, sp, j + 1, Ym, Im, Yr, Ir);
    return t >= 0.0 ? 0.5 * L->H + t : -1.0;
}

/* ---- stepping ---------------------------------------------------------- */

typedef struct step_ctx {
    const clif_noise_psc_prop *p;
    int64_t k;
    double dt, t0, muc;
    double I0, I1; /* I_s at the step's grid points */
} step_ctx;

/* I_s at offset a of the step given its grid values: the OU bridge. */
static double ou_bridge(const step_ctx *c, double a, clif__sub *sub)
{
    const clif_noise_psc_prop *p = c->p;
    double T = c->dt, k2 = 0.5 * p->q * p->tau_s / (p->R_m * p->R_m);
    double Sa = k2 * -expm1(-2.0 * a / p->tau_s), Sb = k2 * -expm1(-2.0 * (T - a) / p->tau_s);
    double ST = p->step.S_ii;
    double m = exp(-a / p->tau_s) * c->I0;
    if (!(ST > 0.0))
        return m;
    double z = clif__sub_normal(sub);
    return m + Sa * exp(-(T - a) / p->tau_s) / ST * (c->I1 - p->step.e2 * c->I0)
           + sqrt(Sa * Sb / ST) * z;
}

/* The step from offset a, state (Ya, Ia), to its end (Y1, c->I1) drawn
 * over the span sp: search, spikes, resets.  Returns 0, or -1 when the spike
 * buffer filled (the caller rolls the step back). */
static int rest_of_step(const step_ctx *c, double a, double Ya, double Ia, double Y1,
                        const clif_noise_psc_span *sp, clif__sub *rs, clif__sub *sub,
                        int64_t i, clif_noise_spikes *spk, double *V, int64_t *ref_step,
                        double *ref_frac)
{
    const clif_noise_psc_prop *p = c->p;
    search_ctx sc = {p->V_th - c->muc, p->R_m, 1.0 / p->tau_m, rs};
    clif_noise_psc_span part;
    for (;;) {
        double t;
        if (Ya >= sc.thY)
            t = 0.0; /* started at or above threshold (V0) */
        else
            t = search(&sc, sp, 0, Ya, Ia, Y1, c->I1);
        if (t < 0.0) {
            *V = c->muc + Y1;
            return 0;
        }
        if (spk->count >= spk->capacity)
            return -1;
        double off = a + (t < sp->d ? t : sp->d);
        spk->times[spk->count] = c->t0 + off;
        spk->senders[spk->count] = i;
        ++spk->count;
        *V = p->V_reset;
        double end = off + p->t_ref_dt * c->dt;
        if (end < c->dt) {
            a = end;
            Ia = ou_bridge(c, a, sub);
            fill_span(p, c->dt - a, &part);
            sp = &part;
            Ya = p->V_reset - c->muc;
            Y1 = part.e1 * Ya + part.p * Ia + part.k_vi * (c->I1 - part.e2 * Ia)
                 + part.c_vv * clif__sub_normal(sub);
            continue;
        }
        double qn = off / c->dt + p->t_ref_dt;
        double fl = floor(qn);
        *ref_step = c->k + (int64_t)fl;
        *ref_frac = qn - fl;
        if (*ref_step == c->k) {
            ++*ref_step;
            *ref_frac = 0.0;
        }
        return 0;
    }
}

clif_status clif_noise_psc_run(size_t n, const clif_noise_psc_prop *prop,
                               clif_noise_psc_state *state, const clif_noise_drive *drive,
                               double dt, uint64_t seed, uint64_t neuron0, int64_t step_stop,
                               clif_noise_spikes *spikes, const clif_noise_record *record)
{
    clif_status hst = clif__noise_check_call(n, prop && state, spikes, dt);
    if (hst != CLIF_OK)
        return hst;
    if (step_stop < 0 || step_stop > CLIF_NOISE_PSC_STEP_LIMIT || n > (size_t)INT64_MAX
        || neuron0 > UINT64_MAX - n)
        return CLIF_E_SIZE;
    for (size_t i = 0; i < n; ++i) {
        if (state[i].step < 0 || state[i].step > step_stop)
            return CLIF_E_TIME;
        if (!isfinite(state[i].V) || !isfinite(state[i].I_s) || !isfinite(state[i].ref_frac)
            || state[i].ref_frac < 0.0 || state[i].ref_frac >= 1.0)
            return CLIF_E_VALUE;
    }
    if (drive && drive->sine)
        return CLIF_E_MODEL;
    clif_status cst = clif__noise_check_io(n, drive, record, step_stop);
    if (cst != CLIF_OK)
        return cst;
    const size_t nch = drive ? drive->n_changes : 0;
    const size_t nrec = record ? record->n : 0;
    const int64_t every = nrec ? record->every : 1, rbase = nrec ? record->base : 0;

    double zb[2 * PSC_BLOCK];
    size_t rslot = 0;
    /* Neuron by neuron: each one's numbers depend on (seed, neuron0 + i, k)
     * only, so neither the chunking nor the split of [0, step_stop) into
     * calls changes anything. */
    for (size_t i = 0; i < n; ++i) {
        clif_noise_psc_state *st = &state[i];
        const clif_noise_psc_prop *p = &prop[i];
        const uint64_t gid = neuron0 + i;
        int recd = 0;
        if (nrec) {
            while (rslot < nrec && record->index[rslot] < (int64_t)i)
                ++rslot;
            recd = rslot < nrec && record->index[rslot] == (int64_t)i;
        }
        int64_t jc = nch ? clif__noise_first_change(drive, st->step) : 0;
        int64_t next_change = ((size_t)jc < nch) ? drive->change_step[jc] : INT64_MAX;
        ptrdiff_t ioff = (nch && drive->ld) ? (ptrdiff_t)i : 0;
        double muc = p->mu0;
        if (jc > 0)
            muc += p->R_m * drive->change_value[(jc - 1) * drive->ld + ioff];
        double V = st->V, I = st->I_s, rf = st->ref_frac;
        int64_t k = st->step, rstep = st->ref_step;
        const clif_noise_psc_span *sp = &p->step;
        while (k < step_stop) {
            int64_t kb = k, b1 = step_stop - k > PSC_BLOCK ? k + PSC_BLOCK : step_stop;
            clif__normals(seed, gid, 2 * (uint64_t)k, 2 * (size_t)(b1 - k), zb);
            for (; k < b1; ++k) {
                while (k >= next_change) {
                    muc = p->mu0 + p->R_m * drive->change_value[jc * drive->ld + ioff];
                    ++jc;
                    next_change = (size_t)jc < nch ? drive->change_step[jc] : INT64_MAX;
                }
                const double z0 = zb[2 * (k - kb)], z1 = zb[2 * (k - kb) + 1];
                const double I1 = sp->e2 * I + sp->c_ii * z0;
                if (k >= rstep) {
                    const size_t c0 = spikes->count;
                    const double V0 = V, rf0 = rf;
                    const int64_t rs0 = rstep;
                    step_ctx c = {p, k, dt, (double)k * dt, muc, I, I1};
                    int slow = 0, r = 0;
                    clif__sub rs, sub;
                    if (k == rstep && rf > 0.0) {
                        /* the dead time ends inside this step */
                        clif__sub_init(&rs, seed, gid, CLIF_P_BRIDGE, (uint64_t)k);
                        clif__sub_init(&sub, seed, gid, CLIF_P_SUBSTEP, (uint64_t)k);
                        double a = rf * dt;
                        double Ia = ou_bridge(&c, a, &sub);
                        clif_noise_psc_span part;
                        fill_span(p, dt - a, &part);
                        double Ya = p->V_reset - muc;
                        double Y1 = part.e1 * Ya + part.p * Ia
                                    + part.k_vi * (I1 - part.e2 * Ia)
                                    + part.c_vv * clif__sub_normal(&sub);
                        rf = 0.0;
                        r = rest_of_step(&c, a, Ya, Ia, Y1, &part, &rs, &sub, (int64_t)i,
                                         spikes, &V, &rstep, &rf);
                        slow = 1;
                    } else {
                        const double Y0 = V - muc;
                        const double Y1 = sp->e1 * Y0 + sp->p * I + sp->c_vi * z0
                                          + sp->c_vv * z1;
                        search_ctx sc = {p->V_th - muc, p->R_m, 1.0 / p->tau_m, NULL};
                        if (Y1 >= sc.thY || Y0 >= sc.thY
                            || near_level(&sc, &sp->lev[0], Y0, I, Y1, I1)) {
                            clif__sub_init(&rs, seed, gid, CLIF_P_BRIDGE, (uint64_t)k);
                            clif__sub_init(&sub, seed, gid, CLIF_P_SUBSTEP, (uint64_t)k);
                            r = rest_of_step(&c, 0.0, Y0, I, Y1, sp, &rs, &sub, (int64_t)i,
                                             spikes, &V, &rstep, &rf);
                            slow = 1;
                        } else {
                            V = muc + Y1;
                        }
                    }
                    if (slow && r < 0) {
                        /* buffer full: this neuron back at the start of step k */
                        spikes->count = c0;
                        st->V = V0; st->I_s = I; st->step = k;
                        st->ref_step = rs0; st->ref_frac = rf0;
                        return CLIF_E_CAPACITY;
                    }
                }
                I = I1;
                if (recd && (k + 1) % every == 0)
                    record->out[(size_t)((k + 1) / every - rbase / every - 1) * nrec + rslot] = V;
            }
        }
        st->V = V; st->I_s = I; st->step = k; st->ref_step = rstep; st->ref_frac = rf;
    }
    return CLIF_OK;
}
