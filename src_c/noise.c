/* The stochastic integrator: N independent LIF neurons with white noise,
 *   tau_m dV = (mu(t) - V) dt + sigma sqrt(tau_m) dW,
 *   mu(t) = E_L + R_m (I_e + I_pc(t)) + R_m I0 sin(w t + phase).
 *
 * Exact method.  Write V = mu_c + V_p(t) + Y, with mu_c the constant part of
 * the drive in the step and V_p = sA sin(.) + sB cos(.) the periodic solution
 * of the sine, so Y is a zero-mean OU process and one step is exact:
 *   Y' = E Y + sd xi,  E = exp(-h), sd = sigma sqrt((1 - E^2)/2), h = dt/tau_m.
 * Crossings between grid points: Y(t) e^{t/tau} = B(tau'(t)) with B a Brownian
 * motion of variance sigma^2/2 per unit of tau' = expm1(2 t/tau_m).  In that
 * clock the threshold is a curve, which we replace by its chord; a Brownian
 * bridge crosses a straight line with probability exp(-2 D0 D1 / T), giving
 *   P = exp(-2 (V_th - x0)(V_th - x1) / (sigma^2 sinh h))
 * (in clif's noise convention, docs/conventions.md: s^2 tau_m = sigma^2).
 * The chord misplaces the threshold by O((V_th - mu) h^2 / 8) (3e-6 relative
 * at dt = 0.1, tau_m = 20), far below the step's noise; with a sine the
 * moving threshold is also linearised over the step (O((w dt)^2 R I0)).
 * Conditioned on a crossing, the first-passage time of a bridge from distance
 * D0 below to distance D1 (reflected if it ends below) is, with
 * u = t / (T - t), inverse Gaussian: u ~ IG(mean D0/D1, shape D0^2/T)
 * (substitute u in t^{-3/2} (T-t)^{-1/2} exp(-D0^2/2t - D1^2/2(T-t))).
 * So the spike time is sampled, not put on the grid, and the refractory
 * period ends at its exact time inside a step, from where the neuron evolves
 * exactly to the next grid point.  Neither the sqrt(dt) grid bias nor the
 * rate*dt/2 reset bias remains.
 *
 * Loop order: time blocks of BLOCK steps, groups of GROUP neurons, steps,
 * neurons.  The sine table of a block is shared by all neurons; a group's
 * normals for the block are drawn first in vectorised batches, then the
 * group steps in lockstep so that its neurons' updates overlap. */
#include "clif.h"
#include "noise_impl.h"
#include "rng_impl.h"
#include "cpu_impl.h"
#include "philox_simd_impl.h"

#include <math.h>
#include <string.h>

#define BLOCK 256
/* exp(-a) < 2^-54, the smallest uniform: no crossing can be accepted, so
 * skipping the draw changes nothing. */
#define BRIDGE_SKIP 38.0

clif_status clif_noise_prepare(const clif_params *p, double I_e, double sigma, double I0,
                               double omega, double dt, clif_noise_prop *out)
{
    clif_status st = clif_check_params(p);
    if (st != CLIF_OK)
        return st;
    if (!out)
        return CLIF_E_NULL;
    if (!(isfinite(dt) && dt > 0.0))
        return CLIF_E_DT;
    if (!(isfinite(sigma) && sigma >= 0.0))
        return CLIF_E_SIGMA;
    if (!isfinite(I_e) || !isfinite(I0) || !isfinite(p->R_m * I_e) || !isfinite(p->R_m * I0))
        return CLIF_E_VALUE;
    if (!(isfinite(omega) && omega >= 0.0))
        return CLIF_E_FREQ;
    double h = dt / p->tau_m;
    if (!isfinite(h) || !(p->t_ref / dt < 4e15))
        return CLIF_E_DT;
    memset(out, 0, sizeof *out);
    out->V_th = p->V_th;
    out->V_reset = p->V_reset;
    out->tau_m = p->tau_m;
    out->sigma = sigma;
    out->R_m = p->R_m;
    out->mu0 = p->E_L + p->R_m * I_e;
    out->E = exp(-h);
    out->sd = sigma * sqrt(-0.5 * expm1(-2.0 * h));
    out->bridge = sigma > 0.0 ? 2.0 / (sigma * sigma * sinh(h)) : 0.0;
    out->Tbm = expm1(2.0 * h);
    out->eh = exp(h);
    out->e_a = h;
    out->e_sd = sigma * sqrt(h);
    out->t_ref_dt = p->t_ref / dt;
    out->n_ref = (int64_t)floor(out->t_ref_dt + 0.5);
    double wt = omega * p->tau_m;
    out->sA = p->R_m * I0 / (1.0 + wt * wt);
    out->sB = -wt * out->sA;
    out->RI0 = p->R_m * I0;
    return CLIF_OK;
}

/* First-passage time [in units of the bridge clock, fraction of T] of a
 * bridge from D0 > 0 below the threshold to D1 >= 0 beyond it (scaled to
 * unit variance per unit time), over time T: u = t/(T - t) ~ IG(D0/D1,
 * D0^2/T), sampled by Michael, Schucany & Haas (1976) in a form that stays
 * accurate as D1 -> 0 (mean -> infinity, the Levy limit). */
static double bridge_passage(double D0, double D1, double T, clif__sub *rs)
{
    double lam = D0 * D0 / T;
    double z = clif__sub_normal(rs);
    double y = z * z;
    double ratio = D1 / D0; /* 1 / mean */
    double x;
    if (y > 0.0) {
        double q = 4.0 * lam * ratio / y;
        double s = 1.0 + sqrt(1.0 + q);
        x = 4.0 * lam / (y * s * s);
    } else {
        x = ratio > 0.0 ? 1.0 / ratio : INFINITY;
    }
    double r = x * ratio; /* x / mean */
    double u = (clif__sub_u01(rs) * (1.0 + r) <= 1.0) ? x : 1.0 / (ratio * r);
    /* fraction of T elapsed: u / (1 + u) */
    return isinf(u) ? 1.0 : u / (1.0 + u);
}

typedef struct step_ctx {
    const clif_noise_prop *p;
    uint64_t seed, gid;
    int64_t k;      /* step index */
    double dt, t0;  /* step length, start time k*dt */
    double muc;     /* constant part of the drive in this step */
    double Pk, Pk1; /* V_p at the step's ends */
    double omega, phase;
    int sine;
} step_ctx;

/* The rest of a step after a crossing, a bridge test or a reset inside it:
 * from offset a (ms) with V = x0; for a == 0, x1 is the end point already
 * drawn for the full step.  Emits spikes; updates V / ref state.  Returns 0,
 * or -1 when the spike buffer filled (the caller rolls the step back). */
static int rest_of_step(const step_ctx *c, double a, double x0, double x1,
                        clif__sub *rs, clif__sub *sub, int64_t i, clif_noise_spikes *sp,
                        double *V, int64_t *ref_step, double *ref_frac)
{
    const clif_noise_prop *p = c->p;
    for (;;) {
        double d = c->dt - a; /* length of the interval [a, dt) */
        double E, sdv, bridge, T, eh, Pa, hd = 0.0;
        if (a == 0.0) {
            E = p->E; sdv = p->sd; bridge = p->bridge; T = p->Tbm; eh = p->eh; Pa = c->Pk;
        } else {
            hd = d / p->tau_m;
            E = exp(-hd);
            sdv = p->sigma * sqrt(-0.5 * expm1(-2.0 * hd));
            bridge = p->sigma > 0.0 ? 2.0 / (p->sigma * p->sigma * sinh(hd)) : 0.0;
            T = eh = 0.0; /* needed only after a crossing: computed there */
            Pa = 0.0;
            if (c->sine) {
                double ph = c->omega * (c->t0 + a) + c->phase;
                Pa = p->sA * sin(ph) + p->sB * cos(ph);
            }
            x1 = c->muc + c->Pk1 + (x0 - c->muc - Pa) * E + sdv * clif__sub_normal(sub);
        }
        double th = p->V_th;
        int crossed = x1 >= th;
        if (!crossed && bridge > 0.0) {
            double ex = bridge * (th - x0) * (th - x1);
            if (ex < BRIDGE_SKIP)
                crossed = clif__sub_u01(rs) < exp(-ex);
        }
        if (!crossed) {
            *V = x1;
            return 0;
        }
        if (a != 0.0) {
            T = expm1(2.0 * hd);
            eh = exp(hd);
        }
        /* Crossing time inside [a, dt): fraction f of the bridge clock. */
        double ts;
        double d0 = th - x0, d1 = fabs(th - x1) * eh;
        if (d0 <= 0.0) {          /* started at or above threshold (V0) */
            ts = 0.0;
        } else if (p->sigma > 0.0) {
            double sc = 1.4142135623730951 / p->sigma;
            ts = 0.5 * p->tau_m * log1p(bridge_passage(d0 * sc, d1 * sc, T, rs) * T);
        } else if (!c->sine && c->muc > th) { /* no noise, constant drive */
            ts = p->tau_m * log1p(d0 / (c->muc - th));
        } else {                  /* no noise, sine: the chord */
            ts = 0.5 * p->tau_m * log1p((d1 > 0.0 ? d0 / (d0 + d1) : 1.0) * T);
        }
        if (ts > d) ts = d;
        if (sp->count >= sp->capacity)
            return -1;
        double off = a + ts;
        sp->times[sp->count] = c->t0 + off;
        sp->senders[sp->count] = i;
        ++sp->count;
        double end = off + p->t_ref_dt * c->dt; /* refractory end, offset in this step */
        *V = p->V_reset;
        if (end < c->dt) {
            a = end;
            x0 = p->V_reset;
            continue;
        }
        double q = off / c->dt + p->t_ref_dt;
        double fl = floor(q);
        *ref_step = c->k + (int64_t)fl;
        *ref_frac = q - fl;
        if (*ref_step == c->k) { /* rounding put the end back in this step */
            ++*ref_step;
            *ref_frac = 0.0;
        }
        return 0;
    }
}

int64_t clif__noise_first_change(const clif_noise_drive *dr, int64_t k)
{
    /* number of changes with change_step <= k */
    size_t lo = 0, hi = dr->n_changes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (dr->change_step[mid] <= k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (int64_t)lo;
}

/* Neurons stepped in lockstep (see the loop in clif_noise_run). */
#define GROUP 16

/* A neuron's evolving state while its group steps through a block. */
typedef struct lane {
    double V, ref_frac, muc;
    int64_t k, ref_step, next_change, jc;
    ptrdiff_t ioff;
    size_t rslot;
    int recd, live;
} lane;

/* What the whole call shares. */
typedef struct run_ctx {
    const clif_noise_drive *drive;
    double dt;
    uint64_t seed, neuron0;
    int euler, sine;
    size_t nch;
    double omega, phase;
    clif_noise_spikes *sp;
    const double *sn, *cs;
} run_ctx;

static void store_lanes(clif_noise_state *st, const lane *ln, int m)
{
    for (int j = 0; j < m; ++j) {
        if (!ln[j].live)
            continue;
        st[j].V = ln[j].V;
        st[j].step = ln[j].k;
        st[j].ref_step = ln[j].ref_step;
        st[j].ref_frac = ln[j].ref_frac;
    }
}

/* The piecewise-constant current changes at step k. */
static void next_current(const run_ctx *rc, const clif_noise_prop *p, lane *L, int64_t k)
{
    const clif_noise_drive *d = rc->drive;
    while (k >= L->next_change) {
        L->muc = p->mu0 + p->R_m * d->change_value[L->jc * d->ld + L->ioff];
        ++L->jc;
        L->next_change = (size_t)L->jc < rc->nch ? d->change_step[L->jc] : INT64_MAX;
    }
}

/* Euler: the step from L->V to k + 1 ended at/above threshold.  -1: buffer
 * full, L untouched (still at the start of step k). */
static int euler_spike(const run_ctx *rc, const clif_noise_prop *p, lane *L, size_t i,
                       int64_t k)
{
    clif_noise_spikes *sp = rc->sp;
    if (sp->count >= sp->capacity)
        return -1;
    sp->times[sp->count] = (double)(k + 1) * rc->dt;
    sp->senders[sp->count] = (int64_t)i;
    ++sp->count;
    L->V = p->V_reset;
    L->ref_step = k + 1 + p->n_ref;
    L->ref_frac = 0.0;
    return 0;
}

/* Exact method, the rare steps: a refractory period ending inside step k
 * (refr = 1), or an end point x1 at/above threshold or close enough for the
 * bridge test.  -1: buffer full, L rolled back to the start of step k. */
static int exact_slow(const run_ctx *rc, const clif_noise_prop *p, lane *L, size_t i,
                      int64_t k, double Pk, double Pk1, double x1, int refr)
{
    const uint64_t gid = rc->neuron0 + i;
    step_ctx c = {p, rc->seed, gid, k, rc->dt, (double)k * rc->dt, L->muc, Pk, Pk1,
                  rc->omega, rc->phase, rc->sine};
    clif__sub rs, sub;
    clif__sub_init(&rs, rc->seed, gid, CLIF_P_BRIDGE, (uint64_t)k);
    clif__sub_init(&sub, rc->seed, gid, CLIF_P_SUBSTEP, (uint64_t)k);
    const size_t c0 = rc->sp->count;
    const double V0 = L->V, rf0 = L->ref_frac;
    const int64_t rs0 = L->ref_step;
    int r;
    if (refr) {
        L->ref_frac = 0.0;
        r = rest_of_step(&c, rf0 * rc->dt, p->V_reset, 0.0, &rs, &sub, (int64_t)i, rc->sp,
                         &L->V, &L->ref_step, &L->ref_frac);
    } else {
        r = rest_of_step(&c, 0.0, V0, x1, &rs, &sub, (int64_t)i, rc->sp, &L->V, &L->ref_step,
                         &L->ref_frac);
    }
    if (r < 0) {
        rc->sp->count = c0;
        L->V = V0;
        L->ref_step = rs0;
        L->ref_frac = rf0;
    }
    return r;
}

#ifdef CLIF__X86
/* Writes grid point k + 1 of lane j's trace when it is recorded. */
static void record_lane(const clif_noise_record *rec, int64_t every, int64_t rbase,
                        const lane *L, int64_t k, double V)
{
    if (L->recd && (k + 1) % every == 0)
        rec->out[(size_t)((k + 1) / every - rbase / every - 1) * rec->n + L->rslot] = V;
}

/* The exact method for a full group of GROUP neurons at the same step,
 * constant current between changes, no sine: the common update in NV
 * AVX-512 registers of 8 lanes (several, so that their ~25-cycle chains per
 * step overlap), the rare steps (crossing or bridge test, refractory end)
 * per lane through exact_slow.  Every lane's arithmetic is the scalar
 * loop's, operation for operation (IEEE add/sub/mul, no contraction, the
 * same order, the +0.0 of the absent sine included), so the results are
 * bit-identical to it.  Advances the lanes to b1; -1 when the spike buffer
 * filled, with each lane at a grid point of its own. */
#define NV (GROUP / 8)
CLIF__T_AVX512
static int group_exact_avx512(const run_ctx *rc, const clif_noise_prop *p, lane *ln,
                              double (*zb)[BLOCK], int64_t kfirst, int64_t b0, int64_t b1,
                              size_t g0, const clif_noise_record *rec, int64_t every,
                              int64_t rbase)
{
    double Va[GROUP], x1a[8], muca[GROUP], Ea[GROUP], sda[GROUP], tha[GROUP], bra[GROUP];
    double rfa[GROUP];
    int64_t refa[GROUP];
    unsigned anyrec = 0;
    int first = -1;
    for (int j = 0; j < GROUP; ++j) {
        Va[j] = ln[j].V; muca[j] = ln[j].muc; rfa[j] = ln[j].ref_frac;
        Ea[j] = p[j].E; sda[j] = p[j].sd; tha[j] = p[j].V_th; bra[j] = p[j].bridge;
        refa[j] = ln[j].live ? ln[j].ref_step : INT64_MAX; /* a dead lane never steps */
        if (ln[j].live) {
            anyrec |= (unsigned)ln[j].recd;
            if (first < 0)
                first = j;
        }
    }
    uint64_t pk0[10], pk1[10]; /* the bridge tests' Philox round keys */
    clif__philox_keys(rc->seed, pk0, pk1);
    const __m512d zero = _mm512_setzero_pd(), lim = _mm512_set1_pd(BRIDGE_SKIP);
    const __m512i zidx = _mm512_set_epi64(7 * BLOCK, 6 * BLOCK, 5 * BLOCK, 4 * BLOCK,
                                          3 * BLOCK, 2 * BLOCK, BLOCK, 0);
    /* the bridge test's first uniform: word 1 of block (CLIF_P_BRIDGE + 16,
     * k) of each lane's stream, i.e. what clif__sub_u01 draws first in
     * rest_of_step (see clif__sub_next) */
    const uint64_t bpur = (uint64_t)(CLIF_P_BRIDGE + 16u) << 56;
    const __m512d one_eps = _mm512_set1_pd(1.0 + 1e-9), half = _mm512_set1_pd(0.5);
    const __m512d sixth = _mm512_set1_pd(1.0 / 6.0), onev = _mm512_set1_pd(1.0);
    __m512d E[NV], sd[NV], th[NV], br[NV], V[NV], muc[NV], rf[NV];
    __m512i ref[NV], bgid[NV];
    __mmask8 haveb[NV];
    for (int v = 0; v < NV; ++v) {
        E[v] = _mm512_loadu_pd(Ea + 8 * v); sd[v] = _mm512_loadu_pd(sda + 8 * v);
        th[v] = _mm512_loadu_pd(tha + 8 * v); br[v] = _mm512_loadu_pd(bra + 8 * v);
        haveb[v] = _mm512_cmp_pd_mask(br[v], zero, _CMP_GT_OQ);
        V[v] = _mm512_loadu_pd(Va + 8 * v); muc[v] = _mm512_loadu_pd(muca + 8 * v);
        rf[v] = _mm512_loadu_pd(rfa + 8 * v);
        ref[v] = _mm512_loadu_si512((const void *)(refa + 8 * v));
        bgid[v] = _mm512_add_epi64(_mm512_set1_epi64((long long)(rc->neuron0 + g0 + 8u * v)),
                                   _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0));
    }
    /* the lanes share the step, hence the position in the change list */
    int64_t nc = ln[first].next_change;
    for (int64_t k = kfirst; k < b1; ++k) {
        if (k >= nc) {
            for (int j = 0; j < GROUP; ++j)
                if (ln[j].live) {
                    next_current(rc, &p[j], &ln[j], k);
                    muca[j] = ln[j].muc;
                }
            for (int v = 0; v < NV; ++v)
                muc[v] = _mm512_loadu_pd(muca + 8 * v);
            nc = ln[first].next_change;
        }
        const __m512i kv = _mm512_set1_epi64(k);
        for (int v = 0; v < NV; ++v) {
            const __mmask8 act = _mm512_cmpge_epi64_mask(kv, ref[v]);
            const __mmask8 refend = act & _mm512_cmpeq_epi64_mask(kv, ref[v])
                                    & _mm512_cmp_pd_mask(rf[v], zero, _CMP_GT_OQ);
            const __m512d z = _mm512_i64gather_pd(zidx, &zb[8 * v][k - b0], 8);
            /* (muc + Pk1) + ((V - muc - Pk) E) + sd z with Pk = Pk1 = 0 */
            const __m512d x1 = _mm512_add_pd(
                _mm512_add_pd(_mm512_add_pd(muc[v], zero),
                              _mm512_mul_pd(_mm512_sub_pd(_mm512_sub_pd(V[v], muc[v]), zero),
                                            E[v])),
                _mm512_mul_pd(sd[v], z));
            const __mmask8 cross = _mm512_cmp_pd_mask(x1, th[v], _CMP_GE_OQ);
            const __m512d ex = _mm512_mul_pd(_mm512_mul_pd(br[v], _mm512_sub_pd(th[v], V[v])),
                                             _mm512_sub_pd(th[v], x1));
            const __mmask8 near = _mm512_cmp_pd_mask(ex, lim, _CMP_LT_OQ) & haveb[v];
            __mmask8 slow = (act & (__mmask8)~refend & (cross | near)) | refend;
            const __mmask8 test = slow & (__mmask8)~(refend | cross);
            if (test) {
                /* Bridge tests, the lanes' uniforms in one vector Philox.
                 * The crossing probability exp(-ex) is below 1 / (1 + ex +
                 * ex^2/2 + ex^3/6) for ex > 0, so u above that (with a
                 * margin far beyond the rounding of either side) means no
                 * crossing, as the exact test would find, without exp.  The
                 * rest go the scalar way, which draws the same u again. */
                __m512i A = _mm512_set1_epi64((long long)((uint64_t)k | bpur)), B = bgid[v];
                clif__philox512_10(1, &A, &B, pk0, pk1);
                const __m512d u = _mm512_mul_pd(
                    _mm512_add_pd(_mm512_cvtepu64_pd(_mm512_srli_epi64(B, 11)), half),
                    _mm512_set1_pd(0x1.0p-53));
                const __m512d poly = _mm512_add_pd(
                    onev, _mm512_mul_pd(ex, _mm512_add_pd(onev, _mm512_mul_pd(
                              ex, _mm512_add_pd(half, _mm512_mul_pd(ex, sixth))))));
                const __mmask8 no = test & _mm512_cmp_pd_mask(ex, zero, _CMP_GT_OQ)
                                    & _mm512_cmp_pd_mask(_mm512_mul_pd(u, poly), one_eps,
                                                         _CMP_GE_OQ);
                slow &= (__mmask8)~no;
            }
            V[v] = _mm512_mask_mov_pd(V[v], act & (__mmask8)~slow, x1);
            if (!slow)
                continue;
            double *Vv = Va + 8 * v, *rfv = rfa + 8 * v;
            int64_t *refv = refa + 8 * v;
            _mm512_storeu_pd(Vv, V[v]);
            _mm512_storeu_pd(x1a, x1);
            for (unsigned s = slow; s; s &= s - 1) {
                const int l = __builtin_ctz(s), j = 8 * v + l;
                lane *L = &ln[j];
                L->V = Vv[l]; L->ref_step = refv[l]; L->ref_frac = rfv[l];
                int r = (refend >> l & 1)
                            ? exact_slow(rc, &p[j], L, g0 + (size_t)j, k, 0.0, 0.0, 0.0, 1)
                            : exact_slow(rc, &p[j], L, g0 + (size_t)j, k, 0.0, 0.0, x1a[l], 0);
                if (r < 0) {
                    /* Lane j and the slow lanes after it in this register
                     * stay at step k (untouched), as do the later
                     * registers; the others have done step k. */
                    for (int w = 0; w < NV; ++w)
                        if (w != v) /* register v's lanes are in Vv already */
                            _mm512_storeu_pd(Va + 8 * w, V[w]);
                    for (int i = 0; i < GROUP; ++i) {
                        if (!ln[i].live || i == j)
                            continue;
                        int done = i < 8 * v || (i < 8 * v + 8 && !(s >> (i - 8 * v) & 1));
                        ln[i].V = Va[i]; ln[i].ref_step = refa[i]; ln[i].ref_frac = rfa[i];
                        ln[i].k = done ? k + 1 : k;
                        if (done)
                            record_lane(rec, every, rbase, &ln[i], k, Va[i]);
                    }
                    ln[j].k = k;
                    return -1;
                }
                Vv[l] = L->V; refv[l] = L->ref_step; rfv[l] = L->ref_frac;
            }
            V[v] = _mm512_loadu_pd(Vv);
            ref[v] = _mm512_loadu_si512((const void *)refv);
            rf[v] = _mm512_loadu_pd(rfv);
        }
        if (anyrec && (k + 1) % every == 0) {
            for (int v = 0; v < NV; ++v)
                _mm512_storeu_pd(Va + 8 * v, V[v]);
            for (int j = 0; j < GROUP; ++j)
                if (ln[j].live)
                    record_lane(rec, every, rbase, &ln[j], k, Va[j]);
        }
    }
    for (int v = 0; v < NV; ++v)
        _mm512_storeu_pd(Va + 8 * v, V[v]);
    for (int j = 0; j < GROUP; ++j)
        if (ln[j].live) {
            ln[j].V = Va[j]; ln[j].ref_step = refa[j]; ln[j].ref_frac = rfa[j];
            ln[j].k = b1;
        }
    return 0;
}
#undef NV
#endif

/* The first checks of a run: pointers, the spike buffer, dt. */
clif_status clif__noise_check_call(size_t n, int have_arrays, const clif_noise_spikes *spikes,
                                   double dt)
{
    if (!spikes || (n && !have_arrays))
        return CLIF_E_NULL;
    if (spikes->capacity && (!spikes->times || !spikes->senders))
        return CLIF_E_NULL;
    if (!(isfinite(dt) && dt > 0.0))
        return CLIF_E_DT;
    return CLIF_OK;
}

/* The checks of a drive and a record that clif_noise_run and
 * clif_noise_psc_run share (noise_impl.h). */
clif_status clif__noise_check_io(size_t n, const clif_noise_drive *drive,
                                 const clif_noise_record *record, int64_t step_stop)
{
    if (drive) {
        size_t nch = drive->n_changes;
        if (nch && (!drive->change_step || !drive->change_value))
            return CLIF_E_NULL;
        for (size_t j = 0; j < nch; ++j) {
            if (j && drive->change_step[j] < drive->change_step[j - 1])
                return CLIF_E_UNSORTED;
            for (size_t i = 0; i < (drive->ld ? n : 1); ++i)
                if (!isfinite(drive->change_value[(ptrdiff_t)j * drive->ld + (ptrdiff_t)i]))
                    return CLIF_E_VALUE;
        }
        if (drive->sine && !(isfinite(drive->omega) && isfinite(drive->phase)))
            return CLIF_E_VALUE;
    }
    if (record && record->n) {
        if (!record->index || !record->out)
            return CLIF_E_NULL;
        if (record->every < 1 || record->base < 0)
            return CLIF_E_SIZE;
        for (size_t r = 0; r < record->n; ++r)
            if (record->index[r] < 0 || (size_t)record->index[r] >= n
                || (r && record->index[r] <= record->index[r - 1]))
                return CLIF_E_TARGET;
        if (step_stop / record->every - record->base / record->every > (int64_t)record->rows)
            return CLIF_E_SIZE;
    }
    return CLIF_OK;
}

clif_status clif_noise_run(size_t n, const clif_noise_prop *prop, clif_noise_state *state,
                           const clif_noise_drive *drive, double dt, clif_noise_method method,
                           uint64_t seed, uint64_t neuron0, int64_t step_stop,
                           clif_noise_spikes *spikes, const clif_noise_record *record)
{
    clif_status hst = clif__noise_check_call(n, prop && state, spikes, dt);
    if (hst != CLIF_OK)
        return hst;
    if (method != CLIF_NOISE_EXACT && method != CLIF_NOISE_EULER)
        return CLIF_E_VALUE;
    if (step_stop < 0 || (uint64_t)step_stop >= CLIF_RNG_INDEX_LIMIT
        || n > (size_t)INT64_MAX || neuron0 > UINT64_MAX - n)
        return CLIF_E_SIZE;
    int64_t kmin = step_stop;
    for (size_t i = 0; i < n; ++i) {
        if (state[i].step < 0 || state[i].step > step_stop)
            return CLIF_E_TIME;
        if (!isfinite(state[i].V) || !isfinite(state[i].ref_frac) || state[i].ref_frac < 0.0
            || state[i].ref_frac >= 1.0)
            return CLIF_E_VALUE;
        if (state[i].step < kmin)
            kmin = state[i].step;
    }
    clif_status cst = clif__noise_check_io(n, drive, record, step_stop);
    if (cst != CLIF_OK)
        return cst;
    const size_t nch = drive ? drive->n_changes : 0;
    const int sine = drive ? drive->sine : 0;
    size_t nrec = 0;
    int64_t every = 1, rbase = 0;
    if (record && record->n) {
        nrec = record->n;
        every = record->every;
        rbase = record->base;
    }

    double sn[BLOCK + 1], cs[BLOCK + 1];
    /* This block's normals of a group's neurons, zb[j][k - b0]: ~16 KiB,
     * stays in L1/L2 while the group steps. */
    double zb[GROUP][BLOCK];
    lane ln[GROUP];
    const run_ctx rc = {drive, dt, seed, neuron0, method == CLIF_NOISE_EULER, sine, nch,
                        sine ? drive->omega : 0.0, sine ? drive->phase : 0.0, spikes, sn, cs};
#ifdef CLIF__X86
    const int use_avx512 = (clif__cpu() & CLIF_CPU_AVX512) != 0;
#endif
    for (int64_t b0 = kmin; b0 < step_stop; b0 += BLOCK) {
        int64_t b1 = step_stop - b0 > BLOCK ? b0 + BLOCK : step_stop;
        if (sine)
            for (int64_t k = b0; k <= b1; ++k) {
                double ph = drive->omega * ((double)k * dt) + drive->phase;
                sn[k - b0] = sin(ph);
                cs[k - b0] = cos(ph);
            }
        size_t rslot = 0;
        for (size_t g0 = 0; g0 < n; g0 += GROUP) {
            const int m = n - g0 < GROUP ? (int)(n - g0) : GROUP;
            int live = 0;
            int64_t kfirst = b1, klast = -1;
            for (int j = 0; j < m; ++j) {
                const size_t i = g0 + (size_t)j;
                lane *L = &ln[j];
                const clif_noise_state *s = &state[i];
                L->k = s->step;
                L->live = s->step < b1;
                if (!L->live)
                    continue;
                ++live;
                if (L->k < kfirst)
                    kfirst = L->k;
                if (L->k > klast)
                    klast = L->k;
                const clif_noise_prop *p = &prop[i];
                L->V = s->V;
                L->ref_frac = s->ref_frac;
                L->ref_step = s->ref_step;
                L->recd = 0;
                if (nrec) {
                    while (rslot < nrec && record->index[rslot] < (int64_t)i)
                        ++rslot;
                    L->recd = rslot < nrec && record->index[rslot] == (int64_t)i;
                    L->rslot = rslot;
                }
                L->jc = nch ? clif__noise_first_change(drive, L->k) : 0;
                L->next_change = (nch && (size_t)L->jc < nch) ? drive->change_step[L->jc]
                                                                : INT64_MAX;
                L->ioff = (nch && drive->ld) ? (ptrdiff_t)i : 0;
                L->muc = p->mu0;
                if (L->jc > 0)
                    L->muc += p->R_m * drive->change_value[(L->jc - 1) * drive->ld + L->ioff];
                /* one vectorised batch per neuron and block; none when the
                 * neuron stays refractory through the block */
                if (L->ref_step < b1)
                    clif__normals(seed, neuron0 + i, (uint64_t)L->k, (size_t)(b1 - L->k),
                                  zb[j] + (L->k - b0));
            }
            if (!live)
                continue;
#ifdef CLIF__X86
            if (use_avx512 && kfirst == klast && m == GROUP && !rc.euler && !sine) {
                if (group_exact_avx512(&rc, prop + g0, ln, zb, kfirst, b0, b1, g0, record, every,
                                       rbase) < 0)
                    goto full;
                store_lanes(state + g0, ln, m);
                continue;
            }
#endif
            /* Steps outer, neurons inner: the neurons' updates are
             * independent, so the CPU overlaps their dependency chains
             * (each neuron alone would wait on its own ~20-cycle chain per
             * step).  Each neuron's arithmetic is the same as in any other
             * grouping, so results do not depend on n or chunking. */
            for (int64_t k = kfirst; k < b1; ++k) {
                for (int j = 0; j < m; ++j) {
                    lane *L = &ln[j];
                    if (L->k != k || !L->live)
                        continue; /* done with this block, or starts later in it */
                    const clif_noise_prop *p = &prop[g0 + (size_t)j];
                    if (k >= L->next_change)
                        next_current(&rc, p, L, k);
                    if (k >= L->ref_step) {
                        double Pk = 0.0, Pk1 = 0.0;
                        if (sine) {
                            Pk = p->sA * sn[k - b0] + p->sB * cs[k - b0];
                            Pk1 = p->sA * sn[k + 1 - b0] + p->sB * cs[k + 1 - b0];
                        }
                        const double z = zb[j][k - b0];
                        if (rc.euler) {
                            double mu = L->muc + (sine ? p->RI0 * sn[k - b0] : 0.0);
                            double V = L->V + (mu - L->V) * p->e_a + p->e_sd * z;
                            if (V < p->V_th)
                                L->V = V;
                            else if (euler_spike(&rc, p, L, g0 + (size_t)j, k) < 0)
                                goto full;
                        } else if (k == L->ref_step && L->ref_frac > 0.0) {
                            if (exact_slow(&rc, p, L, g0 + (size_t)j, k, Pk, Pk1, 0.0, 1) < 0)
                                goto full;
                        } else {
                            double V = L->V;
                            double x1 = L->muc + Pk1 + (V - L->muc - Pk) * p->E + p->sd * z;
                            double th = p->V_th;
                            if (x1 >= th || (p->bridge * (th - V) * (th - x1) < BRIDGE_SKIP
                                             && p->bridge > 0.0)) {
                                if (exact_slow(&rc, p, L, g0 + (size_t)j, k, Pk, Pk1, x1, 0) < 0)
                                    goto full;
                            } else {
                                L->V = x1;
                            }
                        }
                    }
                    if (L->recd && (k + 1) % every == 0)
                        record->out[(size_t)((k + 1) / every - rbase / every - 1) * nrec
                                    + L->rslot] = L->V;
                    L->k = k + 1;
                }
            }
            store_lanes(state + g0, ln, m);
            continue;
        full:
            /* Every neuron of the group is at a grid point of its own (the
             * one that filled the buffer rolled back to the start of its
             * step): the counter-based draws make the next call redo it
             * identically. */
            store_lanes(state + g0, ln, m);
            return CLIF_E_CAPACITY;
        }
    }
    return CLIF_OK;
}
