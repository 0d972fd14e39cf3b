/* Exact event-driven integration of LIF neurons (declarations and the
 * semantics in clif_exact.h).
 *
 * Between events the membrane obeys tau_m V' = -(V - E_L) + R_m I(t) with
 * I(t) = I_dc + I0 sin(w t + phase), whose solution from the anchor (t0, V0) is
 *
 *   V(t) = Vp(t) + (V0 - Vp(t0)) e^{-(t - t0)/tau_m},
 *   Vp(t) = V_inf + A sin(w t + phase - theta),
 *   V_inf = E_L + R_m I_dc,  A = R_m I0 / sqrt(1 + (w tau_m)^2),  theta = atan(w tau_m).
 *
 * It is evaluated as V0 + (Vp(t) - Vp(t0)) + (V0 - Vp(t0)) expm1(-dt/tau_m),
 * which keeps full relative accuracy for small dt (NEST iaf_psc_delta_ps).
 * Under constant drive (A == 0) the next crossing is closed-form; under a
 * sine it is found by certified search (find_crossing_sine).
 *
 * Nothing here allocates or keeps global state; every function works on the
 * caller's structs only, so separate neurons may run on separate threads.
 */
#include "clif.h"
#include "bits_impl.h"
#include "exact_impl.h"
#include "expm1_impl.h"

#include <float.h>
#include <math.h>

#define TWO_PI 6.283185307179586476925286766559

/* Drive-dependent constants of one neuron (the "propagator"). */
typedef struct prop {
    double tau, E_L, R, V_th;
    double V_inf;  /* E_L + R I (+ R I0 sin(phase) when f == 0) */
    double above;  /* V_inf - V_th as fma(R, I, E_L - V_th): correctly rounded near
                    * rheobase, where every bit of it matters (as clif_isi) */
    double A;      /* steady-state sine amplitude [mV]; 0: constant drive */
    double w;      /* angular frequency [rad/ms] */
    double psi;    /* phase of Vp: phase - theta */
    double RI0, phase; /* for V'(t) */
    double V_reset;
    double T_free; /* free time from V_reset to V_th under constant drive, once */
} prop;

static clif_status make_prop(const clif_params *p, const clif_drive *d, prop *pr)
{
    if (!isfinite(d->I_dc) || !isfinite(d->I0) || !isfinite(d->phase))
        return CLIF_E_VALUE;
    if (!(isfinite(d->f) && d->f >= 0.0))
        return CLIF_E_FREQ;
    pr->tau = p->tau_m;
    pr->E_L = p->E_L;
    pr->R = p->R_m;
    pr->V_th = p->V_th;
    pr->w = TWO_PI * d->f / 1000.0; /* f in Hz, t in ms */
    pr->phase = d->phase;
    pr->V_reset = p->V_reset;
    pr->T_free = NAN;
    if (pr->w == 0.0 || d->I0 == 0.0) {
        /* sin(+-0) is +-0 exactly: skip the call for phase 0 (a network
         * calls this per neuron per window) */
        double s0 = d->phase == 0.0 ? d->phase : sin(d->phase);
        double Ic = d->I_dc + (pr->w == 0.0 ? d->I0 * s0 : 0.0);
        pr->V_inf = p->E_L + p->R_m * Ic;
        pr->above = fma(p->R_m, Ic, p->E_L - p->V_th);
        pr->A = 0.0;
        pr->RI0 = 0.0;
        pr->psi = 0.0;
    } else {
        double wt = pr->w * p->tau_m;
        pr->V_inf = p->E_L + p->R_m * d->I_dc;
        pr->above = NAN; /* unused: crossings are searched */
        pr->A = p->R_m * d->I0 / hypot(1.0, wt);
        pr->RI0 = p->R_m * d->I0;
        pr->psi = d->phase - atan(wt);
    }
    if (!isfinite(pr->V_inf) || !isfinite(pr->RI0))
        return CLIF_E_VALUE;
    return CLIF_OK;
}

static double vp(const prop *pr, double t)
{
    /* Constant drive: V_inf + 0 sin(.) is V_inf bit for bit; skip the sin
     * (a network calls this once per pulse). */
    if (pr->A == 0.0)
        return pr->V_inf;
    return pr->V_inf + pr->A * sin(pr->w * t + pr->psi);
}

/* The free trajectory from the anchor; c = V0 - Vp(t0) and vp0 = Vp(t0) are
 * passed in because the root finder evaluates it many times per anchor. */
static double vfree(const prop *pr, double t0, double V0, double vp0, double c, double t)
{
    double e = clif__expm1(-(t - t0) / pr->tau);
    if (pr->A == 0.0)
        return V0 + c * e;
    return V0 + (vp(pr, t) - vp0) + c * e;
}

void clif_exact_init(clif_exact_state *s, double t, double V)
{
    s->t = t;
    s->t0 = t;
    s->V0 = V;
    s->t_ref_end = t;
}

CLIF__INLINE double potential(const clif_params *p, const prop *pr, const clif_exact_state *s,
                             double t)
{
    if (t < s->t_ref_end)
        return p->V_reset;
    if (t < s->t0)
        return NAN;
    double vp0 = vp(pr, s->t0);
    return vfree(pr, s->t0, s->V0, vp0, s->V0 - vp0, t);
}

double clif_exact_potential(const clif_params *p, const clif_drive *d,
                            const clif_exact_state *s, double t)
{
    prop pr;
    if (make_prop(p, d, &pr) != CLIF_OK)
        return NAN;
    return potential(p, &pr, s, t);
}

void clif_exact_rebase(const clif_params *p, const clif_drive *d, clif_exact_state *s)
{
    prop pr;
    if (s->t < s->t_ref_end || make_prop(p, d, &pr) != CLIF_OK)
        return;
    s->V0 = potential(p, &pr, s, s->t);
    s->t0 = s->t;
}

/* ---- crossing search under a sine ------------------------------------- */

typedef struct sine_ctx {
    const prop *pr;
    double t0, V0, vp0, c;
} sine_ctx;

static double g_of(const sine_ctx *x, double t)
{
    return vfree(x->pr, x->t0, x->V0, x->vp0, x->c, t) - x->pr->V_th;
}

/* g'(t) = V'(t) = (E_L + R I(t) - V(t)) / tau. */
static double dg_of(const sine_ctx *x, double t)
{
    const prop *pr = x->pr;
    double V = vfree(pr, x->t0, x->V0, x->vp0, x->c, t);
    return (pr->V_inf + pr->RI0 * sin(pr->w * t + pr->phase) - V) / pr->tau;
}

#define ROOT_FN(name) sine_##name
#define ROOT_CTX sine_ctx
#define ROOT_G(x, t) g_of(x, t)
#define ROOT_DG(x, t) dg_of(x, t)
#include "root_impl.h"

/* The first time in [s->t, h) at which V >= V_th, or +inf; the neuron is
 * not refractory.  The cells are t0 + k delta (k counted, never summed), so
 * the search, and hence the spike time, depends on the anchor only, not on
 * where a caller split the run. */
static clif_status find_crossing(prop *pr, const clif_exact_state *s, double h, double *tc)
{
    *tc = INFINITY;
    if (s->V0 >= pr->V_th) {
        *tc = s->t;
        return CLIF_OK;
    }
    if (pr->A == 0.0) {
        if (pr->above > 0.0) {
            /* Regular firing restarts from V_reset every time: compute that
             * interval once (the same expression, so the same bits). */
            double L;
            if (s->V0 == pr->V_reset) {
                if (isnan(pr->T_free))
                    pr->T_free = pr->tau * log1p((pr->V_th - s->V0) / pr->above);
                L = pr->T_free;
            } else {
                L = pr->tau * log1p((pr->V_th - s->V0) / pr->above);
            }
            *tc = fmax(s->t, s->t0 + L);
        }
        return CLIF_OK;
    }
    sine_ctx x;
    x.pr = pr;
    x.t0 = s->t0;
    x.V0 = s->V0;
    x.vp0 = vp(pr, s->t0);
    x.c = s->V0 - x.vp0;
    double amp = fabs(pr->A), w2A = pr->w * pr->w * amp;
    double delta = TWO_PI / pr->w / 16.0;
    double k = floor((s->t - s->t0) / delta);
    if (!(k >= 0.0))
        k = 0.0;
    if (x.c < 0.0 && pr->V_inf + amp >= pr->V_th) {
        /* Below its orbit (after a reset), V <= V_inf + amp + c e^{-(t-t0)/tau}
         * < V_th until t* = t0 + tau ln(-c / (V_inf + amp - V_th)): start at
         * the cell before t*, not at t0 (16 cells per period; a GHz sine
         * took ~0.5 s per ISI).  The margin is over-estimated and -c under-
         * estimated by 1e-12 relative, and t* moved 1e-12 earlier, so that
         * rounding (~1e-16) never skips a crossing; t* depends on the anchor
         * only, so split runs still search the same cells. */
        double m = (pr->V_inf + amp - pr->V_th)
                   + 1e-12 * (fabs(pr->V_inf) + amp + fabs(pr->V_th));
        double L = pr->tau * log(-x.c * (1.0 - 1e-12) / m) * (1.0 - 1e-12);
        double ks = floor(L / delta) - 1.0;
        if (ks > k)
            k = ks;
    }
    double a = s->t0 + k * delta;
    double ga = g_of(&x, a);
    for (; a < h; k += 1.0) {
        /* |c| e^{-(t-t0)/tau} bounds the transient on the cell, decreasing;
         * only a positive one can lift V (V = V_inf + Vp + c e^{-(t-t0)/tau},
         * |Vp| <= amp), so a subthreshold neuron starting below its orbit
         * is done at once, not after ~16 cells per period for tau ln(|c|) (a
         * GHz sine took 48 s per 100 ms). */
        double env = fabs(x.c) * exp(-(a - s->t0) / pr->tau);
        if (pr->V_inf + amp + (x.c > 0.0 ? env : 0.0) < pr->V_th)
            return CLIF_OK; /* never reaches threshold from here on */
        double b = s->t0 + (k + 1.0) * delta;
        double gb = g_of(&x, b);
        if (ga >= 0.0) { /* only by rounding at a cell edge */
            *tc = fmax(a, s->t);
            return CLIF_OK;
        }
        double r;
        clif_status st = sine_search_cell(&x, a, b, ga, gb, w2A + env / (pr->tau * pr->tau), &r);
        if (st != CLIF_OK)
            return st;
        if (r < INFINITY) {
            *tc = fmax(r, s->t);
            return CLIF_OK;
        }
        a = b;
        ga = gb;
    }
    return CLIF_OK;
}

/* ---- one neuron ------------------------------------------------------- */

static clif_status check_pulse(double t_now, double tp, double w)
{
    if (!(isfinite(tp) && tp >= 0.0))
        return CLIF_E_TIME;
    if (tp < t_now)
        return CLIF_E_UNSORTED;
    if (!isfinite(w))
        return CLIF_E_VALUE;
    return CLIF_OK;
}

/* The body of clif_exact_advance; checked = 0 skips the pointer and
 * parameter checks (the caller validated them), nothing else. */
CLIF__INLINE clif_status advance_impl(const clif_params *p, const clif_drive *d,
                                     clif_exact_state *s, double t_end, const double *pulse_t,
                                     const double *pulse_w, const double *pulse_e,
                                     size_t n_pulses, size_t *next, int refractory_input,
                                     double *spikes, size_t capacity, size_t *n_spikes,
                                     int checked)
{
    clif_status st;
    if (checked) {
        if (!p || !d || !s || !next || !n_spikes || (capacity && !spikes)
            || (n_pulses && (!pulse_t || !pulse_w)))
            return CLIF_E_NULL;
        *n_spikes = 0;
        st = clif_check_params(p);
        if (st != CLIF_OK)
            return st;
    } else {
        *n_spikes = 0;
    }
    prop pr;
    st = make_prop(p, d, &pr);
    if (st != CLIF_OK)
        return st;
    if (!(isfinite(t_end) && t_end >= s->t) || !isfinite(s->t))
        return CLIF_E_TIME;
    if (!isfinite(s->V0))
        return CLIF_E_VALUE;
    size_t k = *next;
    while (s->t < t_end) {
        if (s->t < s->t_ref_end) {
            /* Refractory: V is V_reset until t_ref_end; pulses are dropped or
             * banked (decayed to the window's end) into the anchor V0. */
            double stop = fmin(s->t_ref_end, t_end);
            for (; k < n_pulses && pulse_t[k] < stop; ++k) {
                if ((st = check_pulse(s->t, pulse_t[k], pulse_w[k])) != CLIF_OK)
                    goto out;
                if (refractory_input == CLIF_REFRACTORY_INTEGRATE)
                    s->V0 += pulse_w[k] * exp(-(s->t_ref_end - pulse_t[k]) / p->tau_m);
            }
            s->t = stop;
            continue;
        }
        if (pr.A == 0.0 && !(pr.above > 0.0)) {
            /* Subthreshold constant drive (a network's usual case): the
             * neuron can only fire at a pulse, so run the pulses through the
             * step below with its branches folded away (the same operations
             * in the same order, so the same bits).  Stop at t_end, at an
             * invalid pulse, or when V >= V_th and the next pulse is later
             * (then the step below fires), leaving those to it. */
            double V0 = s->V0, t0 = s->t0, tn = s->t;
            const double V_th = p->V_th, V_inf = pr.V_inf, tau = pr.tau;
            size_t k0 = k;
            for (; k < n_pulses; ++k) {
                double tq = pulse_t[k], wq = pulse_w[k];
                if (!(tq < t_end) || !(tq >= tn) || !(tq >= 0.0) || !isfinite(wq)
                    || (V0 >= V_th && tq > tn))
                    break;
                /* pulse_e[k] is this very expm1 when t0 is the previous
                 * pulse's time (the same argument, so the same bits) */
                double e = pulse_e && k && t0 == pulse_t[k - 1] ? pulse_e[k]
                                                                : clif__expm1(-(tq - t0) / tau);
                V0 = V0 + (V0 - V_inf) * e + wq;
                t0 = tn = tq;
            }
            if (k != k0) {
                s->V0 = V0;
                s->t0 = t0;
                s->t = tn;
            }
        }
        double tp = INFINITY;
        if (k < n_pulses) {
            tp = pulse_t[k];
            if ((st = check_pulse(s->t, tp, pulse_w[k])) != CLIF_OK)
                goto out;
        }
        /* fmin(tp, t_end) without the libm call: neither is NaN here */
        double h = tp < t_end ? tp : t_end;
        double tc;
        if (pr.A == 0.0 && !(pr.above > 0.0) && !(s->V0 >= pr.V_th))
            tc = INFINITY; /* find_crossing's answer, without the call */
        else if ((st = find_crossing(&pr, s, h, &tc)) != CLIF_OK)
            goto out;
        if (tc < h) {
            /* Stop before committing anything, so a retry is exact. */
            if (*n_spikes == capacity) {
                st = CLIF_E_CAPACITY;
                goto out;
            }
            spikes[(*n_spikes)++] = tc;
            if (pr.A == 0.0 && pr.above > 0.0) {
                /* Periodic firing under constant drive: until the next pulse
                 * or t_end every spike is followed by the window and the free
                 * time from V_reset.  This is the general loop below (the
                 * refractory branch, then find_crossing from the anchor
                 * (tc + t_ref, V_reset)) with its branches folded away: the
                 * same operations in the same order, (tc + t_ref) + T_free,
                 * so the same bits, and splitting a run still gives identical
                 * spikes.  tn < h also puts the window's end before the next
                 * pulse, so no pulse is dropped or banked in between. */
                if (isnan(pr.T_free))
                    pr.T_free = pr.tau * log1p((pr.V_th - p->V_reset) / pr.above);
                double T = pr.T_free, tref = p->t_ref;
                size_t m = *n_spikes;
                for (;;) {
                    double tn = (tc + tref) + T;
                    if (!(tn < h) || m == capacity)
                        break;
                    spikes[m++] = tn;
                    tc = tn;
                }
                *n_spikes = m;
            }
            s->t = tc;
            s->t_ref_end = tc + p->t_ref;
            s->t0 = s->t_ref_end;
            s->V0 = p->V_reset;
            continue;
        }
        if (tp < t_end) {
            /* One pulse at a time: at equal times the crossing test above
             * sees tc == h and does not fire, so coincident pulses are all
             * added before the threshold decides. */
            s->V0 = potential(p, &pr, s, tp) + pulse_w[k];
            s->t0 = tp;
            s->t = tp;
            ++k;
            continue;
        }
        s->t = t_end;
    }
out:
    *next = k;
    return st;
}

clif_status clif_exact_advance(const clif_params *p, const clif_drive *d, clif_exact_state *s,
                               double t_end, const double *pulse_t, const double *pulse_w,
                               size_t n_pulses, size_t *next, int refractory_input,
                               double *spikes, size_t capacity, size_t *n_spikes)
{
    return advance_impl(p, d, s, t_end, pulse_t, pulse_w, NULL, n_pulses, next,
                        refractory_input, spikes, capacity, n_spikes, 1);
}

clif_status clif__exact_advance_trusted(const clif_params *p, const clif_drive *d,
                                        clif_exact_state *s, double t_end, const double *pulse_t,
                                        const double *pulse_w, const double *pulse_e,
                                        size_t n_pulses, size_t *next, int refractory_input,
                                        double *spikes, size_t capacity, size_t *n_spikes)
{
    return advance_impl(p, d, s, t_end, pulse_t, pulse_w, pulse_e, n_pulses, next,
                        refractory_input, spikes, capacity, n_spikes, 0);
}

/* The subthreshold fast path of advance_impl (see there) for two neurons
 * at once.  A step's V feeds the next (sub, mul, add, add: ~16 cycles of
 * latency per pulse), so with the expm1s computed ahead (pulse_e) one
 * neuron's loop waits on that chain; two independent chains side by side
 * overlap.  The same operations in the same order per neuron, so the same
 * bits; a neuron is only stepped where advance_impl would take the fast
 * path, and the rest (spikes, refractoriness, suprathreshold drive, bad
 * input) is left to a clif__exact_advance_trusted call from next[j]. */
double clif__exact_fast_vinf(const clif_params *p, const clif_drive *d)
{
    prop pr;
    if (make_prop(p, d, &pr) != CLIF_OK || pr.A != 0.0 || pr.above > 0.0)
        return NAN;
    return pr.V_inf;
}

void clif__exact_fast2(const clif_params *const p[2], const double vinf[2],
                       clif_exact_state *const s[2], double t_end, const double *const pt[2],
                       const double *const pw[2], const double *const pe[2], const size_t n[2],
                       size_t next[2], int trusted, int done[2])
{
    double V[2] = {0.0, 0.0}, t0[2] = {0.0, 0.0}, tn[2] = {0.0, 0.0}, Vth[2] = {0.0, 0.0};
    double Vinf[2] = {0.0, 0.0}, tau[2] = {1.0, 1.0};
    size_t k[2], m[2];
    int elig[2] = {0, 0};
    for (int j = 0; j < 2; ++j) {
        k[j] = next[j];
        m[j] = k[j]; /* no steps unless the fast path applies */
        if (isnan(vinf[j]) || !isfinite(t_end) || !isfinite(s[j]->t) || !(s[j]->t < t_end)
            || !isfinite(s[j]->V0) || s[j]->t < s[j]->t_ref_end)
            continue;
        elig[j] = 1;
        m[j] = n[j];
        V[j] = s[j]->V0;
        t0[j] = s[j]->t0;
        tn[j] = s[j]->t;
        Vth[j] = p[j]->V_th;
        Vinf[j] = vinf[j];
        tau[j] = p[j]->tau_m;
    }
#define CLIF_FAST_STOP(j, tq, wq) \
    (!((tq) < t_end) || !((tq) >= tn[j]) || !((tq) >= 0.0) || !isfinite(wq) \
     || (V[j] >= Vth[j] && (tq) > tn[j]))
#define CLIF_FAST_E(j, tq) \
    (pe[j] && k[j] && t0[j] == pt[j][k[j] - 1] ? pe[j][k[j]] : clif__expm1(-((tq) - t0[j]) / tau[j]))
    /* With trusted set, the caller vouches that each lane's events from
     * next[j] on are in order, in [s->t, t_end), non-negative and of finite
     * weight, and that pe[j][k] holds the step's expm1 from k = next[j] on
     * (for the first, from s->t0; the network gathers them so): then a
     * step needs only the threshold test. */
    int trust[2];
    for (int j = 0; j < 2; ++j)
        trust[j] = trusted && pe[j] != NULL;
#define CLIF_LEAN_STOP(j, tq) (V[j] >= Vth[j] && (tq) > tn[j])
    if (trust[0] && trust[1]) {
        while (k[0] < m[0] && k[1] < m[1]) {
            double ta = pt[0][k[0]], wa = pw[0][k[0]], tb = pt[1][k[1]], wb = pw[1][k[1]];
            if (CLIF_LEAN_STOP(0, ta) || CLIF_LEAN_STOP(1, tb))
                break;
            V[0] = V[0] + (V[0] - Vinf[0]) * pe[0][k[0]] + wa;
            V[1] = V[1] + (V[1] - Vinf[1]) * pe[1][k[1]] + wb;
            tn[0] = ta;
            tn[1] = tb;
            ++k[0];
            ++k[1];
        }
        t0[0] = tn[0];
        t0[1] = tn[1];
    } else {
        while (k[0] < m[0] && k[1] < m[1]) {
            double ta = pt[0][k[0]], wa = pw[0][k[0]], tb = pt[1][k[1]], wb = pw[1][k[1]];
            if (CLIF_FAST_STOP(0, ta, wa) || CLIF_FAST_STOP(1, tb, wb))
                break;
            double ea = CLIF_FAST_E(0, ta), eb = CLIF_FAST_E(1, tb);
            V[0] = V[0] + (V[0] - Vinf[0]) * ea + wa;
            V[1] = V[1] + (V[1] - Vinf[1]) * eb + wb;
            t0[0] = tn[0] = ta;
            t0[1] = tn[1] = tb;
            ++k[0];
            ++k[1];
        }
    }
    for (int j = 0; j < 2; ++j) {
        if (trust[j]) {
            for (; k[j] < m[j]; ++k[j]) {
                double tq = pt[j][k[j]];
                if (CLIF_LEAN_STOP(j, tq))
                    break;
                V[j] = V[j] + (V[j] - Vinf[j]) * pe[j][k[j]] + pw[j][k[j]];
                tn[j] = tq;
            }
            t0[j] = tn[j];
        }
        for (; k[j] < m[j]; ++k[j]) {
            double tq = pt[j][k[j]], wq = pw[j][k[j]];
            if (CLIF_FAST_STOP(j, tq, wq))
                break;
            double e = CLIF_FAST_E(j, tq);
            V[j] = V[j] + (V[j] - Vinf[j]) * e + wq;
            t0[j] = tn[j] = tq;
        }
        if (k[j] != next[j]) {
            s[j]->V0 = V[j];
            s[j]->t0 = t0[j];
            s[j]->t = tn[j];
            next[j] = k[j];
        }
        /* Every event stepped and V below threshold: all the advance call
         * would do is move t to t_end (no crossing under subthreshold
         * drive), so do that here and spare the call. */
        done[j] = elig[j] && k[j] == n[j] && !(V[j] >= Vth[j]);
        if (done[j])
            s[j]->t = t_end;
    }
#undef CLIF_LEAN_STOP
#undef CLIF_FAST_E
#undef CLIF_FAST_STOP
}

/* Four neurons side by side over their common prefix of events, as the
 * trusted lean path of clif__exact_fast2 (see exact_impl.h): a step is
 * V + (V - V_inf) e + w, a chain of ~16 cycles of latency, so four
 * independent chains keep the core busy where two left it half idle.  It
 * stops at the shortest lane's end or at a threshold stop in any lane, and
 * leaves the rest (and every lane, if one is not on the fast path) to
 * clif__exact_fast2 from next[j]. */
void clif__exact_lean4(const clif_params *const p[4], const double vinf[4],
                       clif_exact_state *const s[4], double t_end, const double *const pt[4],
                       const double *const pw[4], const double *const pe[4], const size_t n[4],
                       size_t next[4])
{
    double V[4], tn[4], Vth[4], Vinf[4];
    size_t steps = SIZE_MAX;
    for (int j = 0; j < 4; ++j) {
        if (!pe[j] || isnan(vinf[j]) || !isfinite(t_end) || !isfinite(s[j]->t)
            || !(s[j]->t < t_end) || !isfinite(s[j]->V0) || s[j]->t < s[j]->t_ref_end
            || next[j] > n[j])
            return;
        V[j] = s[j]->V0;
        tn[j] = s[j]->t;
        Vth[j] = p[j]->V_th;
        Vinf[j] = vinf[j];
        if (n[j] - next[j] < steps)
            steps = n[j] - next[j];
    }
    const double *t0 = pt[0] + next[0], *t1 = pt[1] + next[1], *t2 = pt[2] + next[2],
                 *t3 = pt[3] + next[3];
    const double *w0 = pw[0] + next[0], *w1 = pw[1] + next[1], *w2 = pw[2] + next[2],
                 *w3 = pw[3] + next[3];
    const double *e0 = pe[0] + next[0], *e1 = pe[1] + next[1], *e2 = pe[2] + next[2],
                 *e3 = pe[3] + next[3];
    size_t q = 0;
    for (; q < steps; ++q) {
        const double a = t0[q], b = t1[q], c = t2[q], e = t3[q];
        if ((V[0] >= Vth[0] && a > tn[0]) | (V[1] >= Vth[1] && b > tn[1])
            | (V[2] >= Vth[2] && c > tn[2]) | (V[3] >= Vth[3] && e > tn[3]))
            break;
        V[0] = V[0] + (V[0] - Vinf[0]) * e0[q] + w0[q];
        V[1] = V[1] + (V[1] - Vinf[1]) * e1[q] + w1[q];
        V[2] = V[2] + (V[2] - Vinf[2]) * e2[q] + w2[q];
        V[3] = V[3] + (V[3] - Vinf[3]) * e3[q] + w3[q];
        tn[0] = a;
        tn[1] = b;
        tn[2] = c;
        tn[3] = e;
    }
    if (!q)
        return;
    for (int j = 0; j < 4; ++j) {
        s[j]->V0 = V[j];
        s[j]->t0 = tn[j];
        s[j]->t = tn[j];
        next[j] += q;
    }
}

/* ---- population ------------------------------------------------------- */

#define RUN_FN run_impl
#define RUN_POP clif_exact_pop
#define RUN_STATE clif_exact_state
#define RUN_BASE(pop) (pop)
#define RUN_NEURON(pop, i, p) ((void)0)
#define RUN_ADVANCE(pop, p, d, s, t_end, off, np, cur, out, cap, k)                      \
    clif_exact_advance(p, d, s, t_end, (pop)->pulse_t + (off), (pop)->pulse_w + (off), np, \
                       &(cur)->pulse, (pop)->refractory_input, out, cap, k)
#define RUN_SAMPLE(pop, p, d, s, q, i) \
    ((pop)->sample_V[(q) * (pop)->n + (i)] = clif_exact_potential(p, d, s, (s)->t))
#define RUN_REBASE(pop, p, d, s) clif_exact_rebase(p, d, s)
#include "run_loop_impl.h"

clif_status clif_exact_run(const clif_exact_pop *pop, size_t begin, size_t end, double t_end,
                           clif_exact_state *state, clif_exact_cursor *cursor,
                           double *spike_t, int64_t *spike_i, size_t capacity,
                           size_t *n_spikes, size_t *resume)
{
    if (!pop || !state || !cursor || !n_spikes || !resume || (capacity && (!spike_t || !spike_i)))
        return CLIF_E_NULL;
    return run_impl(pop, begin, end, t_end, state, cursor, spike_t, spike_i, NULL, capacity,
                    n_spikes, resume);
}

clif_status clif_exact_run_counted(const clif_exact_pop *pop, size_t begin, size_t end,
                                   double t_end, clif_exact_state *state,
                                   clif_exact_cursor *cursor, double *spike_t, size_t *counts,
                                   size_t capacity, size_t *n_spikes, size_t *resume)
{
    if (!pop || !state || !cursor || !n_spikes || !resume || !counts || (capacity && !spike_t))
        return CLIF_E_NULL;
    return run_impl(pop, begin, end, t_end, state, cursor, spike_t, NULL, counts, capacity,
                    n_spikes, resume);
}

/* ---- ordering the output ---------------------------------------------- */

/* (t, i) pairs compare by time, then sender.  They are distinct except for
 * exact duplicates, which are indistinguishable, so unstable sorts still
 * give one deterministic result. */
static int before(double ta, int64_t ia, double tb, int64_t ib)
{
    return ta < tb || (ta == tb && ia < ib);
}

static void swap_pair(double *t, int64_t *i, size_t a, size_t b)
{
    double x = t[a];
    int64_t y = i[a];
    t[a] = t[b];
    i[a] = i[b];
    t[b] = x;
    i[b] = y;
}

static void insertion_sort(double *t, int64_t *i, size_t n)
{
    for (size_t k = 1; k < n; ++k) {
        double vt = t[k];
        int64_t vi = i[k];
        size_t m = k;
        while (m > 0 && before(vt, vi, t[m - 1], i[m - 1])) {
            t[m] = t[m - 1];
            i[m] = i[m - 1];
            --m;
        }
        t[m] = vt;
        i[m] = vi;
    }
}

static void sift_down(double *t, int64_t *i, size_t root, size_t n)
{
    for (;;) {
        size_t c = 2 * root + 1;
        if (c >= n)
            return;
        if (c + 1 < n && before(t[c], i[c], t[c + 1], i[c + 1]))
            ++c;
        if (!before(t[root], i[root], t[c], i[c]))
            return;
        swap_pair(t, i, root, c);
        root = c;
    }
}

/* In place, O(n log n) worst case, no allocation: for clumps of spikes that
 * the bucketing cannot spread. */
static void heap_sort(double *t, int64_t *i, size_t n)
{
    if (n < 2)
        return;
    for (size_t k = n / 2; k-- > 0;)
        sift_down(t, i, k, n);
    for (size_t end = n - 1; end > 0; --end) {
        swap_pair(t, i, 0, end);
        sift_down(t, i, 0, end);
    }
}

/* Bucket of a time: the same arithmetic in every pass, so a spike always
 * lands in the same bucket. */
static size_t bucket(double x, size_t nb)
{
    return x > 0.0 ? (x < (double)nb ? (size_t)x : nb - 1) : 0;
}

/* Few spikes per fine bin: insertion sort; clumps that the bins cannot
 * spread (equal or nearly equal times): heap sort. */
static void sort_small(double *t, int64_t *i, size_t lo, size_t hi)
{
    if (hi - lo <= 32)
        insertion_sort(t + lo, i + lo, hi - lo);
    else
        heap_sort(t + lo, i + lo, hi - lo);
}

clif_status clif_spike_sort(size_t n, double *t, int64_t *i, double t_lo, double t_hi,
                            clif_spike *work, size_t *bins, size_t n_bins)
{
    if (n == 0)
        return CLIF_OK;
    if (!t || !i || !work || !bins)
        return CLIF_E_NULL;
    if (n_bins < 2 || !(isfinite(t_lo) && isfinite(t_hi) && t_hi >= t_lo))
        return CLIF_E_SIZE;
    /* Two levels of counting sort (coarse buckets few enough that the
     * scatter streams stay in cache, then fine bins inside each bucket) and
     * an insertion sort of the few spikes per fine bin: linear time for
     * spread-out spikes, heap sort (in place, O(k log k)) for clumps. */
    size_t nb1 = n / 4096;
    if (nb1 > 256) /* more streams than TLB entries would thrash it */
        nb1 = 256;
    if (nb1 > n_bins / 2)
        nb1 = n_bins / 2;
    if (nb1 < 1)
        nb1 = 1;
    size_t *ends = bins, *cnt = bins + nb1, avail = n_bins - nb1;
    double scale = t_hi > t_lo ? (double)nb1 / (t_hi - t_lo) : 0.0;
    for (size_t b = 0; b <= nb1; ++b)
        cnt[b] = 0;
    for (size_t k = 0; k < n; ++k)
        ++cnt[bucket((t[k] - t_lo) * scale, nb1) + 1];
    for (size_t b = 0; b < nb1; ++b)
        cnt[b + 1] += cnt[b];
    for (size_t k = 0; k < n; ++k) {
        clif_spike *w = &work[cnt[bucket((t[k] - t_lo) * scale, nb1)]++];
        w->t = t[k];
        w->i = i[k];
    }
    for (size_t b = 0; b < nb1; ++b)
        ends[b] = cnt[b];
    size_t lo = 0;
    for (size_t b = 0; b < nb1; lo = ends[b], ++b) {
        size_t hi = ends[b], m = hi - lo;
        if (m == 0)
            continue;
        size_t nb2 = m / 2;
        if (nb2 + 1 > avail)
            nb2 = avail - 1;
        if (nb2 < 1)
            nb2 = 1;
        for (size_t f = 0; f <= nb2; ++f)
            cnt[f] = 0;
        for (size_t k = lo; k < hi; ++k) {
            double x = (work[k].t - t_lo) * scale;
            ++cnt[bucket((x - (double)bucket(x, nb1)) * (double)nb2, nb2) + 1];
        }
        for (size_t f = 0; f < nb2; ++f)
            cnt[f + 1] += cnt[f];
        for (size_t k = lo; k < hi; ++k) {
            double x = (work[k].t - t_lo) * scale;
            size_t pos = lo + cnt[bucket((x - (double)bucket(x, nb1)) * (double)nb2, nb2)]++;
            t[pos] = work[k].t;
            i[pos] = work[k].i;
        }
        size_t s0 = lo;
        for (size_t f = 0; f < nb2; ++f) {
            size_t e = lo + cnt[f];
            if (e - s0 > 1)
                sort_small(t, i, s0, e);
            s0 = e;
        }
    }
    return CLIF_OK;
}

/* ---- merging neuron-major spike lists --------------------------------- */

/* A run of already time-sorted (t, i) pairs that the insertion sort would
 * leave alone: checked first so that clumps of simultaneous spikes (which
 * arrive in sender order) cost O(k), not O(k log k). */
static int is_sorted_pairs(const double *t, const int64_t *i, size_t n)
{
    for (size_t k = 1; k < n; ++k)
        if (before(t[k], i[k], t[k - 1], i[k - 1]))
            return 0;
    return 1;
}

/* Counting sort of m pairs from src (times in [lo, hi)) into (out_t, out_i)
 * by fine bin, then the few pairs per bin sorted in place.  Stable, so pairs
 * of equal time keep src's (sender) order. */
static void sort_slice(const clif_spike *src, size_t m, double lo, double hi, double *out_t,
                       int64_t *out_i, size_t *cnt, size_t n_bins)
{
    size_t nb = m / 2;
    if (nb + 1 > n_bins)
        nb = n_bins - 1;
    if (nb < 1)
        nb = 1;
    double scale = hi > lo ? (double)nb / (hi - lo) : 0.0;
    for (size_t f = 0; f <= nb; ++f)
        cnt[f] = 0;
    for (size_t k = 0; k < m; ++k)
        ++cnt[bucket((src[k].t - lo) * scale, nb) + 1];
    for (size_t f = 0; f < nb; ++f)
        cnt[f + 1] += cnt[f];
    for (size_t k = 0; k < m; ++k) {
        size_t pos = cnt[bucket((src[k].t - lo) * scale, nb)]++;
        out_t[pos] = src[k].t;
        out_i[pos] = src[k].i;
    }
    size_t s0 = 0;
    for (size_t f = 0; f < nb; ++f) {
        size_t e = cnt[f];
        if (e - s0 > 1) {
            if (e - s0 <= 32)
                insertion_sort(out_t + s0, out_i + s0, e - s0);
            else if (!is_sorted_pairs(out_t + s0, out_i + s0, e - s0))
                heap_sort(out_t + s0, out_i + s0, e - s0);
        }
        s0 = e;
    }
}

clif_status clif_spike_merge(size_t n, const double *t, const size_t *start,
                             const size_t *count, double t_lo, double t_hi, double *out_t,
                             int64_t *out_i, clif_merge_src *src, clif_spike *scratch,
                             size_t scratch_cap, size_t *bins, size_t n_bins)
{
    if (n && (!start || !count || !src))
        return CLIF_E_NULL;
    if (n_bins < 2 || !(isfinite(t_lo) && isfinite(t_hi) && t_hi >= t_lo))
        return CLIF_E_SIZE;
    /* The neurons that fired, in sender order, each with its next spike. */
    size_t na = 0, total = 0;
    for (size_t i = 0; i < n; ++i) {
        if (count[i] == 0)
            continue;
        src[na].pos = start[i];
        src[na].end = start[i] + count[i];
        src[na].id = (int64_t)i;
        src[na].next = t[start[i]];
        total += count[i];
        ++na;
    }
    if (total == 0)
        return CLIF_OK;
    if (!t || !out_t || !out_i || !scratch || !bins)
        return CLIF_E_NULL;
    if (scratch_cap < total)
        return CLIF_E_SIZE;
    /* Time slices: enough spikes per slice that the sweep over the firing
     * neurons is cheap next to them (at least ~4 per neuron on average),
     * few enough that a slice sorts in cache. */
#ifndef CLIF_MERGE_PER_NEURON
#define CLIF_MERGE_PER_NEURON 4
#endif
#ifndef CLIF_MERGE_PREFETCH
#define CLIF_MERGE_PREFETCH 8
#endif
#ifndef CLIF_MERGE_MIN_SLICE
#define CLIF_MERGE_MIN_SLICE 65536
#endif
    size_t per = CLIF_MERGE_PER_NEURON * na;
    if (per < CLIF_MERGE_MIN_SLICE)
        per = CLIF_MERGE_MIN_SLICE;
    size_t n_slices = total / per;
    if (n_slices < 1)
        n_slices = 1;
    double width = (t_hi - t_lo) / (double)n_slices;
    size_t pos = 0;
    for (size_t b = 0; b < n_slices && na > 0; ++b) {
        double lo = t_lo + (double)b * width;
        double hi = b + 1 < n_slices ? t_lo + (double)(b + 1) * width : INFINITY;
        size_t m = 0, kept = 0;
        for (size_t a = 0; a < na; ++a) {
            clif_merge_src x = src[a];
#if defined(__GNUC__) && CLIF_MERGE_PREFETCH > 0
            /* The neurons' lists are far apart: fetch a few neurons ahead. */
            if (a + CLIF_MERGE_PREFETCH < na)
                __builtin_prefetch(t + src[a + CLIF_MERGE_PREFETCH].pos, 0, 0);
#endif
            if (x.next < hi) {
                size_t c = x.pos;
                do {
                    scratch[m].t = t[c];
                    scratch[m].i = x.id;
                    ++m;
                    ++c;
                } while (c < x.end && t[c] < hi);
                if (c == x.end)
                    continue; /* done: dropped from the list */
                x.pos = c;
                x.next = t[c];
            }
            src[kept++] = x;
        }
        na = kept;
        if (m == 0)
            continue;
        /* The last slice is open-ended: bin it over what it holds. */
        double top = hi;
        if (!(top < INFINITY)) {
            top = t_hi;
            for (size_t k = 0; k < m; ++k)
                if (scratch[k].t > top)
                    top = scratch[k].t;
        }
        sort_slice(scratch, m, lo, top, out_t + pos, out_i + pos, bins, n_bins);
        pos += m;
    }
    return CLIF_OK;
}
