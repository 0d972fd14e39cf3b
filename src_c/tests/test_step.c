/* The stepping API against one clif_exact_run over the same inputs: the
 * spike times must agree bit for bit; plus atomicity and bad input. */
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

int main(void)
{
    test_matches_run();
    test_atomic_and_errors();
    CTEST_END();
}
