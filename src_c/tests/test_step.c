/* The stepping API against one clif_exact_run over the same inputs: the
 * spike times must agree bit for bit; plus atomicity and bad input.  The
 * same for clif_model_step against clif_model_advance (current models) and
 * against clif_exact_step (delta). */
#include "clif.h"
#include "ctest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { N = 3, NP = 40, CAP = 4096 };

static double lcg(unsigned long long *x)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*x >> 11) * 0x1p-53;
}

/* Neuron i gets pulses at pt[i][*] (sorted) and one current change at tc. */
static void test_matches_run(void)
{
    static double pt[N][NP], pw[N][NP];
    unsigned long long seed = 42;
    const double t_stop = 200.0, h = 0.1, tc = 73.3;
    clif_params p = {20.0, 20.0, -70.0, -50.0, -70.0, 2.0};
    double I_e[N] = {1.2, 0.9, 2.5}, I_after[N] = {0.5, 1.8, 3.0};
    for (int i = 0; i < N; ++i) {
        double t = 0.0;
        for (int k = 0; k < NP; ++k) {
            t += 10.0 * lcg(&seed);
            pt[i][k] = t;
            pw[i][k] = 6.0 * lcg(&seed);
        }
    }
    pt[1][5] = pt[1][4]; /* coincident pulses */
    pt[2][7] = 30.0;     /* a pulse on a grid point */
    for (int i = 0; i < N; ++i) /* keep each train sorted after the edits */
        for (int a = 1; a < NP; ++a)
            for (int b = a; b > 0 && pt[i][b] < pt[i][b - 1]; --b) {
                double t = pt[i][b];
                pt[i][b] = pt[i][b - 1];
                pt[i][b - 1] = t;
            }

    /* Reference: one run. */
    double tau[N], R[N], EL[N], Vth[N], Vr[N], tr[N], chI[N];
    size_t off[N + 1];
    double allt[N * NP], allw[N * NP];
    for (int i = 0; i < N; ++i) {
        tau[i] = p.tau_m; R[i] = p.R_m; EL[i] = p.E_L; Vth[i] = p.V_th;
        Vr[i] = p.V_reset; tr[i] = p.t_ref; chI[i] = I_after[i] - I_e[i];
        off[i] = (size_t)i * NP;
        memcpy(allt + i * NP, pt[i], sizeof pt[i]);
        memcpy(allw + i * NP, pw[i], sizeof pw[i]);
    }
    off[N] = N * NP;
    clif_exact_pop pop;
    memset(&pop, 0, sizeof pop);
    pop.n = N;
    pop.tau_m = tau; pop.R_m = R; pop.E_L = EL; pop.V_th = Vth; pop.V_reset = Vr; pop.t_ref = tr;
    pop.I_e = I_e;
    pop.n_changes = 1;
    pop.change_t = &tc;
    pop.change_I = chI;
    pop.change_row = 0;
    pop.change_col = 1;
    pop.pulse_off = off;
    pop.pulse_t = allt;
    pop.pulse_w = allw;
    clif_exact_state st[N];
    clif_exact_cursor cur[N];
    memset(cur, 0, sizeof cur);
    for (int i = 0; i < N; ++i)
        clif_exact_init(&st[i], 0.0, -70.0);
    static double ref_t[CAP], got_t[CAP];
    static int64_t ref_i[CAP], got_i[CAP];
    size_t n_ref = 0, resume = 0;
    CHECK(clif_exact_run(&pop, 0, N, t_stop, st, cur, ref_t, ref_i, CAP, &n_ref, &resume)
          == CLIF_OK);
    CHECK(n_ref > 20);

    /* Stepping on a 0.1 ms grid; the grid point is k * h, never a sum. */
    clif_exact_state ss[N];
    clif_drive dd[N];
    for (int i = 0; i < N; ++i) {
        clif_exact_init(&ss[i], 0.0, -70.0);
        dd[i].I_dc = I_e[i];
        dd[i].I0 = dd[i].f = dd[i].phase = 0.0;
    }
    size_t q[N] = {0, 0, 0}, n_got = 0;
    const long steps = (long)llround(t_stop / h);
    for (long k = 0; k < steps; ++k) {
        const double t0 = k * h, t1 = (k + 1) * h;
        /* This step's inputs, per neuron. */
        size_t poff[N + 1], coff[N + 1];
        double sp_t[N * NP], sp_w[N * NP], ct[N], cI[N];
        size_t np = 0, nc = 0;
        for (int i = 0; i < N; ++i) {
            poff[i] = np;
            coff[i] = nc;
            while (q[i] < NP && pt[i][q[i]] < t1) {
                sp_t[np] = pt[i][q[i]];
                sp_w[np++] = pw[i][q[i]++];
            }
            if (tc >= t0 && tc < t1) {
                ct[nc] = tc;
                cI[nc++] = I_after[i];
            }
        }
        poff[N] = np;
        coff[N] = nc;
        clif_step_input in = {coff, ct, cI, poff, sp_t, sp_w};
        double dt_out[64];
        int64_t i_out[64];
        size_t ns = 0, res = 0;
        /* The exact kernel's step end is t0 + h; the grid's is (k + 1) h:
         * keep them the same so no time falls between two steps. */
        CHECK(clif_exact_step(0, N, &p, 0, dd, ss, t0, t1 - t0, &in, CLIF_REFRACTORY_DROP,
                              dt_out, i_out, 64, &ns, &res) == CLIF_OK);
        for (size_t m = 0; m < ns; ++m) {
            got_t[n_got] = t0 + dt_out[m];
            CHECK(t0 + dt_out[m] - t0 == dt_out[m]);
            got_i[n_got++] = i_out[m];
        }
        for (int i = 0; i < N; ++i)
            ss[i].t = t1;   /* already equal; documents the grid contract */
    }
    /* Same spikes, compared per neuron (orders differ: run is neuron-major). */
    CHECK(n_got == n_ref);
    for (int i = 0; i < N; ++i) {
        size_t a = 0, b = 0;
        for (;;) {
            while (a < n_ref && ref_i[a] != i) ++a;
            while (b < n_got && got_i[b] != i) ++b;
            if (a >= n_ref || b >= n_got)
                break;
            CHECK(ref_t[a] == got_t[b]);
            ++a;
            ++b;
        }
        CHECK(a >= n_ref && b >= n_got);
    }
}

static void test_atomic_and_errors(void)
{
    clif_params p = {10.0, 10.0, -70.0, -50.0, -70.0, 0.5};
    clif_exact_state s[2];
    clif_drive d[2] = {{5.0, 0, 0, 0}, {5.0, 0, 0, 0}};
    clif_exact_init(&s[0], 0.0, -70.0);
    clif_exact_init(&s[1], 0.0, -70.0);
    clif_step_input none = {NULL, NULL, NULL, NULL, NULL, NULL};
    double out[4];
    int64_t idx[4];
    size_t ns, res;
    /* 100 ms at 5 nA and 0.5 ms dead time: dozens of spikes, room for 4. */
    clif_status st = clif_exact_step(0, 2, &p, 0, d, s, 0.0, 100.0, &none, 0, out, idx, 4, &ns,
                                     &res);
    CHECK(st == CLIF_E_CAPACITY);
    CHECK(res == 0 && ns == 0);
    CHECK(s[0].t == 0.0 && s[0].V0 == -70.0 && d[0].I_dc == 5.0);
    /* With room it goes through, and both neurons agree. */
    static double big[1024];
    static int64_t bigi[1024];
    CHECK(clif_exact_step(0, 2, &p, 0, d, s, 0.0, 100.0, &none, 0, big, bigi, 1024, &ns, &res)
          == CLIF_OK);
    CHECK(ns > 20 && ns % 2 == 0 && res == 2);
    CHECK(big[0] == big[ns / 2]);
    CHECK(s[0].t == 100.0);
    /* A state not at t0, a pulse outside the step, bad h. */
    CHECK(clif_exact_step(0, 1, &p, 0, d, s, 50.0, 1.0, &none, 0, big, bigi, 1024, &ns, &res)
          == CLIF_E_TIME);
    size_t po[2] = {0, 1};
    double late = 101.5, w = 1.0;
    clif_step_input in = {NULL, NULL, NULL, po, &late, &w};
    CHECK(clif_exact_step(0, 1, &p, 0, d, s, 100.0, 1.0, &in, 0, big, bigi, 1024, &ns, &res)
          == CLIF_E_TIME);
    CHECK(s[0].t == 100.0);
    CHECK(clif_exact_step(0, 1, &p, 0, d, s, 100.0, 0.0, &none, 0, big, bigi, 1024, &ns, &res)
          == CLIF_E_DT);
    CHECK(clif_exact_step(0, 1, &p, 0, d, s, 100.0, NAN, &none, 0, big, bigi, 1024, &ns, &res)
          == CLIF_E_DT);
    CHECK(clif_exact_step(0, 1, NULL, 0, d, s, 100.0, 1.0, &none, 0, big, bigi, 1024, &ns, &res)
          == CLIF_E_NULL);
    clif_params bad = p;
    bad.t_ref = -1.0;
    CHECK(clif_exact_step(0, 1, &bad, 0, d, s, 100.0, 1.0, &none, 0, big, bigi, 1024, &ns, &res)
          == CLIF_E_T_REF);
    CHECK(clif_exact_step(1, 1, &p, 0, d, s, 100.0, 1.0, &none, 0, NULL, NULL, 0, &ns, &res)
          == CLIF_OK);
}

/* ---- clif_model_step ---------------------------------------------------- */

enum { MN = 3, MNP = 48, MNX = MNP + 8, MNC = 2, MCAP = 2048 };

/* A host's run: pulses per neuron (sorted, absolute), current changes at
 * times shared by the neurons, the run ending on a grid point. */
typedef struct run_in {
    clif_params p;
    clif_syn_params syn[MN];
    size_t syn_stride;
    double I0[MN];
    double tc[MNC];
    double I_after[MNC][MN];
    size_t np[MN];
    double pt[MN][MNX], pw[MN][MNX];
    uint8_t port[MN][MNX];
    int ports; /* pass port (else NULL: by the weight's sign) */
    double t_end;
} run_in;

typedef struct run_out {
    size_t n[MN];
    double t[MN][MCAP];
    clif_model_state s[MN];
} run_out;

/* Inputs for grid h: random pulses, some exactly on grid points, one change
 * off the grid and one on it. */
static void make_input(int model, double h, run_in *in)
{
    unsigned long long seed = 7 + (unsigned long long)model;
    memset(in, 0, sizeof *in);
    in->p = (clif_params){20.0, 20.0, -70.0, -50.0, -70.0, 2.0};
    /* tau_syn == tau_m for one receptor: the analytic limit. */
    const clif_syn_params syn[MN] = {{2.0, 5.0}, {20.0, 3.0}, {0.5, 0.5}};
    memcpy(in->syn, syn, sizeof syn);
    in->syn_stride = 1;
    const double I0[MN] = {0.9, 1.05, 1.3}, Ia[MN] = {1.2, 0.6, 1.6}, Ib[MN] = {0.8, 1.4, 0.2};
    const long steps = llround(200.0 / h);
    in->t_end = steps * h;
    in->tc[0] = 73.3;
    in->tc[1] = llround(120.0 / h) * h; /* the grid's own t0 there */
    for (int i = 0; i < MN; ++i) {
        in->I0[i] = I0[i];
        in->I_after[0][i] = Ia[i];
        in->I_after[1][i] = Ib[i];
        double t = 0.0;
        size_t n = 0;
        for (int k = 0; k < MNP; ++k) {
            t += 8.0 * lcg(&seed);
            if (t >= in->t_end)
                break;
            in->pt[i][n] = t;
            /* nA for the current models; mV for delta */
            in->pw[i][n] = (model == CLIF_MODEL_DELTA ? 6.0 : 1.5) * (lcg(&seed) * 1.6 - 0.4);
            in->port[i][n] = (uint8_t)(lcg(&seed) < 0.25);
            ++n;
        }
        /* On grid points (the first pulses of their step), coincident with
         * the change on the grid, and a coincident pair. */
        const long on[4] = {llround(10.0 / h), llround(41.0 / h), llround(120.0 / h),
                            llround(155.0 / h)};
        for (int j = 0; j < 4; ++j) {
            in->pt[i][n] = on[j] * h;
            in->pw[i][n] = model == CLIF_MODEL_DELTA ? 4.0 : 1.0;
            in->port[i][n++] = 0;
        }
        in->pt[i][n] = in->pt[i][3];
        in->pw[i][n] = in->pw[i][3];
        in->port[i][n++] = 1;
        for (size_t a = 1; a < n; ++a) /* sorted (stable: ties keep their order) */
            for (size_t b = a; b > 0 && in->pt[i][b] < in->pt[i][b - 1]; --b) {
                double x = in->pt[i][b], w = in->pw[i][b];
                uint8_t q = in->port[i][b];
                in->pt[i][b] = in->pt[i][b - 1];
                in->pw[i][b] = in->pw[i][b - 1];
                in->port[i][b] = in->port[i][b - 1];
                in->pt[i][b - 1] = x;
                in->pw[i][b - 1] = w;
                in->port[i][b - 1] = q;
            }
        in->np[i] = n;
    }
    in->ports = model == CLIF_MODEL_PSC_ALPHA;
}

/* Reference: per neuron one clif_model_advance per segment between the
 * changes, rebased at each, as clif_model_run_counted does. */
static void ref_run(int model, const run_in *in, run_out *out)
{
    for (int i = 0; i < MN; ++i) {
        clif_model_state s;
        clif_model_init(&s, 0.0, in->p.E_L);
        clif_drive d = {in->I0[i], 0.0, 0.0, 0.0};
        const clif_syn_params *q = &in->syn[i * in->syn_stride];
        size_t next = 0;
        out->n[i] = 0;
        for (int c = 0; c <= MNC; ++c) {
            size_t k = 0;
            clif_status st = clif_model_advance(
                model, &in->p, q, &d, &s, c < MNC ? in->tc[c] : in->t_end, in->pt[i], in->pw[i],
                in->ports ? in->port[i] : NULL, in->np[i], &next, CLIF_REFRACTORY_DROP,
                out->t[i] + out->n[i], MCAP - out->n[i], &k);
            CHECK(st == CLIF_OK);
            out->n[i] += k;
            if (c == MNC)
                break;
            clif_model_rebase(model, &in->p, q, &d, &s);
            d.I_dc = in->I_after[c][i];
        }
        out->s[i] = s;
    }
}

/* The host stepping on the grid k h with clif_model_step, or (via_exact)
 * with clif_exact_step. */
static void step_run(int model, const run_in *in, double h, int via_exact, run_out *out)
{
    clif_model_state ms[MN];
    clif_exact_state es[MN];
    clif_drive dd[MN];
    size_t q[MN];
    for (int i = 0; i < MN; ++i) {
        clif_model_init(&ms[i], 0.0, in->p.E_L);
        clif_exact_init(&es[i], 0.0, in->p.E_L);
        dd[i] = (clif_drive){in->I0[i], 0.0, 0.0, 0.0};
        q[i] = 0;
        out->n[i] = 0;
    }
    const long steps = llround(in->t_end / h);
    for (long k = 0; k < steps; ++k) {
        const double t0 = k * h, t1 = (k + 1) * h;
        size_t poff[MN + 1], coff[MN + 1], np = 0, nc = 0;
        double sp_t[MN * MNX], sp_w[MN * MNX], ct[MN * MNC], cI[MN * MNC];
        uint8_t sp_q[MN * MNX];
        for (int i = 0; i < MN; ++i) {
            poff[i] = np;
            coff[i] = nc;
            for (; q[i] < in->np[i] && in->pt[i][q[i]] < t1; ++q[i], ++np) {
                sp_t[np] = in->pt[i][q[i]];
                sp_w[np] = in->pw[i][q[i]];
                sp_q[np] = in->port[i][q[i]];
            }
            for (int c = 0; c < MNC; ++c)
                if (in->tc[c] >= t0 && in->tc[c] < t1) {
                    ct[nc] = in->tc[c];
                    cI[nc++] = in->I_after[c][i];
                }
        }
        poff[MN] = np;
        coff[MN] = nc;
        const clif_step_input inp = {coff, ct, cI, poff, sp_t, sp_w};
        double dt_out[64];
        int64_t i_out[64];
        size_t ns = 0, res = 0;
        clif_status st =
            via_exact ? clif_exact_step(0, MN, &in->p, 0, dd, es, t0, t1 - t0, &inp,
                                        CLIF_REFRACTORY_DROP, dt_out, i_out, 64, &ns, &res)
                      : clif_model_step(model, 0, MN, &in->p, 0, in->syn, in->syn_stride, dd, ms,
                                        t0, t1 - t0, &inp, in->ports ? sp_q : NULL,
                                        CLIF_REFRACTORY_DROP, dt_out, i_out, 64, &ns, &res);
        CHECK(st == CLIF_OK && res == MN);
        if (st != CLIF_OK)
            return;
        for (size_t m = 0; m < ns; ++m) {
            const int64_t i = i_out[m];
            CHECK(dt_out[m] >= 0.0 && t0 + dt_out[m] < t1);
            out->t[i][out->n[i]++] = t0 + dt_out[m];
        }
    }
    for (int i = 0; i < MN; ++i) {
        out->s[i] = ms[i];
        if (via_exact) {
            out->s[i].t = es[i].t;
            out->s[i].t0 = es[i].t0;
            out->s[i].V0 = es[i].V0;
            out->s[i].t_ref_end = es[i].t_ref_end;
        }
    }
}

static int same_spikes(const run_out *a, const run_out *b)
{
    for (int i = 0; i < MN; ++i) {
        if (a->n[i] != b->n[i])
            return 0;
        for (size_t m = 0; m < a->n[i]; ++m)
            if (a->t[i][m] != b->t[i][m])
                return 0;
    }
    return 1;
}

static void test_model_step_matches_advance(void)
{
    static run_in in;
    static run_out ref, got;
    const double grids[3] = {0.1, 0.37, 1.0};
    for (int model = CLIF_MODEL_PSC_EXP; model <= CLIF_MODEL_PSC_ALPHA; ++model)
        for (int g = 0; g < 3; ++g) {
            make_input(model, grids[g], &in);
            ref_run(model, &in, &ref);
            CHECK(ref.n[0] + ref.n[1] + ref.n[2] > 20);
            step_run(model, &in, grids[g], 0, &got);
            CHECK(same_spikes(&ref, &got));
            /* The same last event and synaptic state. */
            CHECK(memcmp(ref.s, got.s, sizeof ref.s) == 0);
            /* Shared synaptic parameters (stride 0: one propagator). */
            in.syn_stride = 0;
            ref_run(model, &in, &ref);
            step_run(model, &in, grids[g], 0, &got);
            CHECK(same_spikes(&ref, &got));
        }
}

static void test_model_step_delta_is_exact_step(void)
{
    static run_in in;
    static run_out a, b;
    const double grids[3] = {0.1, 0.37, 1.0};
    for (int g = 0; g < 3; ++g) {
        make_input(CLIF_MODEL_DELTA, grids[g], &in);
        step_run(CLIF_MODEL_DELTA, &in, grids[g], 1, &a);
        step_run(CLIF_MODEL_DELTA, &in, grids[g], 0, &b);
        CHECK(a.n[0] + a.n[1] + a.n[2] > 20);
        CHECK(same_spikes(&a, &b));
        CHECK(memcmp(a.s, b.s, sizeof a.s) == 0);
    }
}

static int same_state(const clif_model_state *a, const clif_model_state *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

static void test_model_step_atomic(void)
{
    const clif_params p = {10.0, 10.0, -70.0, -50.0, -70.0, 0.5};
    const clif_syn_params q = {2.0, 2.0};
    clif_model_state s[2], s0[2];
    clif_drive d[2] = {{5.0, 0, 0, 0}, {5.0, 0, 0, 0}};
    for (int i = 0; i < 2; ++i) {
        clif_model_init(&s[i], 0.0, -70.0);
        s[i].y[0] = 0.5; /* a decaying excitatory current at the start */
        s0[i] = s[i];
    }
    const clif_step_input none = {NULL, NULL, NULL, NULL, NULL, NULL};
    static double big[1024], out[1024];
    static int64_t bigi[1024], outi[1024];
    size_t ns, res, all;
    /* With room for every spike: the reference. */
    clif_model_state r[2] = {s[0], s[1]};
    clif_drive rd[2] = {d[0], d[1]};
    CHECK(clif_model_step(CLIF_MODEL_PSC_EXP, 0, 2, &p, 0, &q, 0, rd, r, 0.0, 100.0, &none, NULL,
                          CLIF_REFRACTORY_DROP, big, bigi, 1024, &all, &res) == CLIF_OK);
    CHECK(all > 20 && all % 2 == 0 && res == 2 && big[0] == big[all / 2]);
    /* Room for neuron 0 only: it is done, neuron 1 is as it was. */
    const size_t half = all / 2;
    CHECK(clif_model_step(CLIF_MODEL_PSC_EXP, 0, 2, &p, 0, &q, 0, d, s, 0.0, 100.0, &none, NULL,
                          CLIF_REFRACTORY_DROP, out, outi, half, &ns, &res) == CLIF_E_CAPACITY);
    CHECK(res == 1 && ns == half);
    CHECK(same_state(&s[0], &r[0]) && same_state(&s[1], &s0[1]) && d[1].I_dc == 5.0);
    CHECK(clif_model_step(CLIF_MODEL_PSC_EXP, res, 2, &p, 0, &q, 0, d, s, 0.0, 100.0, &none,
                          NULL, CLIF_REFRACTORY_DROP, out + half, outi + half, 1024 - half, &ns,
                          &res) == CLIF_OK);
    CHECK(ns == half && res == 2 && same_state(&s[1], &r[1]));
    CHECK(memcmp(out, big, all * sizeof *big) == 0 && memcmp(outi, bigi, all * sizeof *bigi) == 0);
    /* Too little room for the first neuron: nothing changes. */
    for (int i = 0; i < 2; ++i)
        s[i] = s0[i];
    CHECK(clif_model_step(CLIF_MODEL_PSC_EXP, 0, 2, &p, 0, &q, 0, d, s, 0.0, 100.0, &none, NULL,
                          CLIF_REFRACTORY_DROP, out, outi, 3, &ns, &res) == CLIF_E_CAPACITY);
    CHECK(res == 0 && ns == 0 && same_state(&s[0], &s0[0]));
}

/* A call that must fail on neuron `bad` of 2, leaving it as it was. */
static void expect_fail(int model, const clif_syn_params *q, size_t qs, clif_drive *d,
                        clif_model_state *s, double t0, const clif_step_input *in,
                        const uint8_t *port, int refractory_input, clif_status want,
                        size_t bad)
{
    const clif_params p = {10.0, 10.0, -70.0, -50.0, -70.0, 0.5};
    clif_model_state before = s[bad];
    clif_drive dbefore = d[bad];
    double out[256];
    int64_t idx[256];
    size_t ns = 99, res = 99;
    clif_status st = clif_model_step(model, 0, 2, &p, 0, q, qs, d, s, t0, 1.0, in, port,
                                     refractory_input, out, idx, 256, &ns, &res);
    CHECK(st == want);
    CHECK(res == bad);
    CHECK(same_state(&s[bad], &before) && memcmp(&d[bad], &dbefore, sizeof dbefore) == 0);
    if (st != want || res != bad)
        fprintf(stderr, "  model %d: got status %d resume %zu, want %d at %zu\n", model, (int)st,
                res, (int)want, bad);
}

static void test_model_step_bad_input(void)
{
    const clif_params p = {10.0, 10.0, -70.0, -50.0, -70.0, 0.5};
    const clif_syn_params good[2] = {{2.0, 3.0}, {2.0, 3.0}}, bad_tau[2] = {{2.0, 3.0},
                                                                             {2.0, -1.0}};
    clif_model_state s[2];
    clif_drive d[2];
    const clif_step_input none = {NULL, NULL, NULL, NULL, NULL, NULL};
    double t0 = 0.0;
#define RESET()                                                                              \
    do {                                                                                     \
        for (int i_ = 0; i_ < 2; ++i_) {                                                     \
            clif_model_init(&s[i_], 0.0, -70.0);                                             \
            d[i_] = (clif_drive){1.0, 0.0, 0.0, 0.0};                                        \
        }                                                                                    \
    } while (0)
    RESET();
    expect_fail(CLIF_MODEL__COUNT, good, 1, d, s, t0, &none, NULL, 0, CLIF_E_MODEL, 0);
    expect_fail(-1, good, 1, d, s, t0, &none, NULL, 0, CLIF_E_MODEL, 0);
    expect_fail(CLIF_MODEL_PSC_EXP, NULL, 0, d, s, t0, &none, NULL, 0, CLIF_E_NULL, 0);
    expect_fail(CLIF_MODEL_PSC_ALPHA, bad_tau, 1, d, s, t0, &none, NULL, 0, CLIF_E_TAU_SYN, 1);
    CHECK(s[0].t == 1.0); /* neuron 0 went through */
    RESET();
    expect_fail(CLIF_MODEL_PSC_EXP, good, 1, d, s, t0, &none, NULL, CLIF_REFRACTORY_INTEGRATE,
                CLIF_E_MODEL, 0);
    d[0].I0 = 0.5; /* no sine for current models */
    expect_fail(CLIF_MODEL_PSC_EXP, good, 1, d, s, t0, &none, NULL, 0, CLIF_E_MODEL, 0);
    RESET();
    s[1].y[1] = NAN;
    expect_fail(CLIF_MODEL_PSC_EXP, good, 1, d, s, t0, &none, NULL, 0, CLIF_E_VALUE, 1);
    RESET();
    s[1].t = 0.5;
    expect_fail(CLIF_MODEL_PSC_EXP, good, 1, d, s, t0, &none, NULL, 0, CLIF_E_TIME, 1);
    /* Ports, in an array exactly as long as the pulses (ASan guards the
     * end): 2 is no port; delta has only port 0. */
    RESET();
    size_t po[3] = {0, 1, 3};
    double pt[3] = {0.2, 0.3, 0.3}, pw[3] = {1.0, 1.0, -1.0};
    const clif_step_input in = {NULL, NULL, NULL, po, pt, pw};
    uint8_t *port = malloc(3);
    port[0] = 0;
    port[1] = 1;
    port[2] = 2;
    expect_fail(CLIF_MODEL_PSC_EXP, good, 1, d, s, t0, &in, port, 0, CLIF_E_MODEL, 1);
    RESET();
    port[2] = 1;
    expect_fail(CLIF_MODEL_DELTA, NULL, 0, d, s, t0, &in, port, 0, CLIF_E_MODEL, 1);
    /* ... and by the weight's sign delta takes them. */
    double out[8];
    int64_t idx[8];
    size_t ns, res;
    RESET();
    CHECK(clif_model_step(CLIF_MODEL_DELTA, 0, 2, &p, 0, NULL, 0, d, s, 0.0, 1.0, &in, NULL, 0,
                          out, idx, 8, &ns, &res) == CLIF_OK);
    CHECK(res == 2 && s[1].t == 1.0 && s[1].t0 == 0.3 && s[1].y[0] == 0.0);
    /* The current models take both ports, and both equal the sign rule. */
    clif_model_state s2[2];
    for (int m = CLIF_MODEL_PSC_EXP; m <= CLIF_MODEL_PSC_ALPHA; ++m) {
        RESET();
        for (int i = 0; i < 2; ++i)
            clif_model_init(&s2[i], 0.0, -70.0);
        clif_drive d2[2] = {d[0], d[1]};
        uint8_t sign_port[3] = {0, 0, 1};
        memcpy(port, sign_port, 3);
        CHECK(clif_model_step(m, 0, 2, &p, 0, good, 1, d, s, 0.0, 1.0, &in, port, 0, out, idx, 8,
                              &ns, &res) == CLIF_OK);
        CHECK(clif_model_step(m, 0, 2, &p, 0, good, 1, d2, s2, 0.0, 1.0, &in, NULL, 0, out, idx,
                              8, &ns, &res) == CLIF_OK);
        /* (the pulses came at t0 = 0.3: alpha's I_ex is still 0 there, its J_ex not) */
        CHECK(memcmp(s, s2, sizeof s) == 0 && s[1].y[m == CLIF_MODEL_PSC_EXP ? 0 : 1] > 0.0
              && s[1].y[m == CLIF_MODEL_PSC_EXP ? 1 : 3] < 0.0);
    }
    free(port);
    /* A pulse outside the step, bad h, no state. */
    RESET();
    double late = 1.5, w = 1.0;
    size_t po1[3] = {0, 0, 1};
    const clif_step_input lin = {NULL, NULL, NULL, po1, &late, &w};
    expect_fail(CLIF_MODEL_PSC_EXP, good, 1, d, s, t0, &lin, NULL, 0, CLIF_E_TIME, 1);
    CHECK(clif_model_step(CLIF_MODEL_PSC_EXP, 0, 2, &p, 0, good, 1, d, s, 0.0, 0.0, &none, NULL,
                          0, out, idx, 8, &ns, &res) == CLIF_E_DT);
    CHECK(clif_model_step(CLIF_MODEL_PSC_EXP, 0, 2, &p, 0, good, 1, d, NULL, 0.0, 1.0, &none,
                          NULL, 0, out, idx, 8, &ns, &res) == CLIF_E_NULL);
    CHECK(clif_model_step(CLIF_MODEL__COUNT, 1, 1, &p, 0, NULL, 0, d, s, 0.0, 1.0, &none, NULL,
                          0, NULL, NULL, 0, &ns, &res) == CLIF_OK && res == 1);
#undef RESET
}

int main(void)
{
    test_matches_run();
    test_atomic_and_errors();
    test_model_step_matches_advance();
    test_model_step_delta_is_exact_step();
    test_model_step_atomic();
    test_model_step_bad_input();
    CTEST_END();
}
