/* C-level tests of exact.c, run under ASan/UBSan. */
#include "clif.h"
#include "ctest.h"
#include "exact_impl.h"
#include "expm1_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define M_PI 3.14159265358979323846

static const clif_params DEF = {20.0, 20.0, -70.0, -50.0, -70.0, 2.0};
static const clif_drive NODRIVE = {0.0, 0.0, 0.0, 0.0};

static void test_constant_isi(void)
{
    clif_exact_state s;
    clif_drive d = NODRIVE;
    d.I_dc = 2.0;
    double sp[200];
    size_t n = 0, next = 0;
    clif_exact_init(&s, 0.0, DEF.V_reset);
    CHECK(clif_exact_advance(&DEF, &d, &s, 1000.0, NULL, NULL, 0, &next, 0, sp, 200, &n)
          == CLIF_OK);
    double T = clif_isi(&DEF, 2.0);
    CHECK((size_t)floor((1000.0 - (T - DEF.t_ref)) / T) + 1 == n);
    CHECK_CLOSE(sp[0], T - DEF.t_ref, 1e-14);
    for (size_t k = 1; k < n; ++k)
        CHECK_CLOSE(sp[k] - sp[k - 1], T, 1e-12);
    CHECK(s.t == 1000.0);
}

/* A full buffer stops before the spike; resuming gives the same train,
 * bit for bit, as does splitting the interval anywhere. */
static void test_capacity_and_split(void)
{
    clif_drive d = {1.5, 0.7, 40.0, 0.3};
    double ref[100], got[100];
    size_t nref = 0, next = 0, n = 0, k;
    double pt[3] = {10.0, 10.0, 55.5};
    double pw[3] = {4.0, 3.0, 25.0};
    clif_exact_state s;
    clif_exact_init(&s, 0.0, -65.0);
    CHECK(clif_exact_advance(&DEF, &d, &s, 300.0, pt, pw, 3, &next, 0, ref, 100, &nref)
          == CLIF_OK);
    CHECK(nref > 5);
    CHECK(next == 3);

    clif_exact_init(&s, 0.0, -65.0);
    next = 0;
    while (1) {
        clif_status st = clif_exact_advance(&DEF, &d, &s, 300.0, pt, pw, 3, &next, 0, got + n,
                                            1, &k);
        n += k;
        if (st == CLIF_OK)
            break;
        CHECK(st == CLIF_E_CAPACITY);
        if (st != CLIF_E_CAPACITY || n >= 100)
            break;
    }
    CHECK(n == nref);
    CHECK(memcmp(got, ref, nref * sizeof(double)) == 0);

    /* split at irregular points, including exactly at a pulse time */
    double cuts[] = {3.3, 10.0, 10.0, 47.123, 55.5, 120.0, 300.0};
    clif_exact_init(&s, 0.0, -65.0);
    next = 0;
    n = 0;
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; ++c) {
        CHECK(clif_exact_advance(&DEF, &d, &s, cuts[c], pt, pw, 3, &next, 0, got + n, 100 - n,
                                 &k) == CLIF_OK);
        n += k;
    }
    CHECK(n == nref);
    CHECK(memcmp(got, ref, nref * sizeof(double)) == 0);
}

static void test_pulses(void)
{
    clif_exact_state s;
    double sp[4];
    size_t n, next;
    /* Two 10 mV pulses 1 ms apart reach 10 (1 + e^{-1/20}) < 20: no spike;
     * three of them at the same time sum to 30 and fire at that time. */
    double pt[4] = {5.0, 6.0, 8.0, 8.0};
    double pw[4] = {10.0, 10.0, 9.0, 1.5};
    clif_exact_init(&s, 0.0, DEF.E_L);
    next = 0;
    CHECK(clif_exact_advance(&DEF, &NODRIVE, &s, 6.0 + 1e-9, pt, pw, 2, &next, 0, sp, 4, &n)
          == CLIF_OK);
    CHECK(n == 0);
    CHECK_CLOSE(clif_exact_potential(&DEF, &NODRIVE, &s, 6.0) - DEF.E_L,
                clif_summation_peak(10.0, 1.0, DEF.tau_m), 1e-12);
    CHECK(clif_exact_advance(&DEF, &NODRIVE, &s, 20.0, pt, pw, 4, &next, 0, sp, 4, &n)
          == CLIF_OK);
    CHECK(n == 1 && sp[0] == 8.0);

    /* Refractory input: dropped, or added decayed at the window's end. */
    clif_params p = DEF;
    p.t_ref = 5.0;
    double qt[2] = {0.0, 3.0}, qw[2] = {25.0, 10.0};
    for (int mode = 0; mode < 2; ++mode) {
        clif_exact_init(&s, 0.0, DEF.E_L);
        next = 0;
        CHECK(clif_exact_advance(&p, &NODRIVE, &s, 5.0, qt, qw, 2, &next, mode, sp, 4, &n)
              == CLIF_OK);
        CHECK(n == 1 && sp[0] == 0.0);
        CHECK(clif_exact_potential(&p, &NODRIVE, &s, 4.999) == p.V_reset);
        double expect = p.V_reset + (mode ? 10.0 * exp(-2.0 / 20.0) : 0.0);
        CHECK_CLOSE(clif_exact_potential(&p, &NODRIVE, &s, 5.0), expect, 1e-14);
    }
}

static void test_recross(void)
{
    /* Steady-state sine whose peak pokes 1e-6 mV above threshold for ~0.01 ms
     * in a cell of 6.25 ms: the chord test alone would miss it. */
    clif_params p = DEF;
    p.t_ref = 1000.0;
    double f = 10.0, w = 2.0 * M_PI * f / 1000.0, wt = w * p.tau_m;
    double I0 = 0.5, A = p.R_m * I0 / hypot(1.0, wt);
    double V_inf = p.V_th - A + 1e-6;
    double t_peak = 3.0, psi = M_PI / 2 - w * t_peak;
    clif_drive d = {(V_inf - p.E_L) / p.R_m, I0, f, psi + atan(wt)};
    clif_exact_state s;
    clif_exact_init(&s, 0.0, V_inf + A * sin(psi));
    double sp[2];
    size_t n, next = 0;
    CHECK(clif_exact_advance(&p, &d, &s, 50.0, NULL, NULL, 0, &next, 0, sp, 2, &n) == CLIF_OK);
    CHECK(n == 1);
    double expect = (asin((p.V_th - V_inf) / A) - psi) / w;
    CHECK(n == 1 && fabs(sp[0] - expect) < 1e-8);
    CHECK(n == 1 && sp[0] < t_peak);
    /* 2e-6 mV lower the peak never reaches threshold. */
    d.I_dc -= 2e-6 / p.R_m;
    clif_exact_init(&s, 0.0, V_inf - 2e-6 + A * sin(psi));
    next = 0;
    CHECK(clif_exact_advance(&p, &d, &s, 50.0, NULL, NULL, 0, &next, 0, sp, 2, &n) == CLIF_OK);
    CHECK(n == 0);
}

static void test_errors(void)
{
    clif_exact_state s;
    double sp[2];
    size_t n, next = 0;
    double t_bad[2] = {3.0, 1.0}, w[2] = {1.0, 1.0};
    clif_exact_init(&s, 0.0, DEF.E_L);
    CHECK(clif_exact_advance(&DEF, &NODRIVE, &s, 10.0, t_bad, w, 2, &next, 0, sp, 2, &n)
          == CLIF_E_UNSORTED);
    double t_nan[1] = {NAN};
    clif_exact_init(&s, 0.0, DEF.E_L);
    next = 0;
    CHECK(clif_exact_advance(&DEF, &NODRIVE, &s, 10.0, t_nan, w, 1, &next, 0, sp, 2, &n)
          == CLIF_E_TIME);
    clif_exact_init(&s, 5.0, DEF.E_L);
    next = 0;
    CHECK(clif_exact_advance(&DEF, &NODRIVE, &s, 1.0, NULL, NULL, 0, &next, 0, sp, 2, &n)
          == CLIF_E_TIME);
    clif_drive d = NODRIVE;
    d.f = -1.0;
    CHECK(clif_exact_advance(&DEF, &d, &s, 10.0, NULL, NULL, 0, &next, 0, sp, 2, &n)
          == CLIF_E_FREQ);
    clif_params p = DEF;
    p.tau_m = 0.0;
    CHECK(clif_exact_advance(&p, &NODRIVE, &s, 10.0, NULL, NULL, 0, &next, 0, sp, 2, &n)
          == CLIF_E_TAU_M);
    CHECK(clif_exact_advance(&DEF, &NODRIVE, NULL, 10.0, NULL, NULL, 0, &next, 0, sp, 2, &n)
          == CLIF_E_NULL);
    /* t_ref == 0 with an enormous drive still moves forward */
    p = DEF;
    p.t_ref = 0.0;
    d = NODRIVE;
    d.I_dc = 1e6;
    clif_exact_init(&s, 0.0, DEF.E_L);
    next = 0;
    CHECK(clif_exact_advance(&p, &d, &s, 1.0, NULL, NULL, 0, &next, 0, sp, 2, &n)
          == CLIF_E_CAPACITY);
    CHECK(n == 2 && sp[1] > sp[0] && sp[0] > 0.0);
}

static void test_population(void)
{
    /* Two neurons, a current step at 10 ms for neuron 1 only, a sample. */
    double tau[2] = {20, 10}, R[2] = {20, 20}, EL[2] = {-70, -70}, th[2] = {-50, -50},
           rs[2] = {-70, -70}, tr[2] = {2, 2}, Ie[2] = {2.0, 0.0};
    double ct[1] = {10.0}, cI[2] = {0.0, 3.0};
    double st_t[2] = {0.0, 100.0}, sV[4];
    size_t off[3] = {0, 0, 0};
    clif_exact_pop pop;
    memset(&pop, 0, sizeof pop);
    pop.n = 2;
    pop.tau_m = tau; pop.R_m = R; pop.E_L = EL; pop.V_th = th; pop.V_reset = rs; pop.t_ref = tr;
    pop.I_e = Ie;
    pop.n_changes = 1; pop.change_t = ct; pop.change_I = cI; pop.change_row = 2;
    pop.change_col = 1;
    pop.pulse_off = off;
    pop.n_samples = 2; pop.sample_t = st_t; pop.sample_V = sV;
    clif_exact_state s[2];
    clif_exact_cursor c[2];
    memset(c, 0, sizeof c);
    clif_exact_init(&s[0], 0.0, -70.0);
    clif_exact_init(&s[1], 0.0, -70.0);
    double spt[64];
    int64_t spi[64];
    size_t n, resume;
    CHECK(clif_exact_run(&pop, 0, 2, 100.0, s, c, spt, spi, 64, &n, &resume) == CLIF_OK);
    clif_params p1 = {10, 20, -70, -50, -70, 2};
    double T0 = clif_isi(&DEF, 2.0), T1 = clif_isi(&p1, 3.0);
    size_t n0 = 0, n1 = 0;
    for (size_t k = 0; k < n; ++k)
        spi[k] == 0 ? ++n0 : ++n1;
    CHECK(n0 == (size_t)floor((100.0 - (T0 - 2.0)) / T0) + 1);
    CHECK(n1 == (size_t)floor((100.0 - 10.0 - (T1 - 2.0)) / T1) + 1);
    CHECK_CLOSE(spt[n0], 10.0 + T1 - 2.0, 1e-13);
    CHECK(sV[0] == -70.0 && sV[1] == -70.0);
    CHECK(resume == 2);
    /* a bad parameter is reported with the neuron that has it */
    th[1] = -80.0;
    memset(c, 0, sizeof c);
    clif_exact_init(&s[1], 0.0, -70.0);
    CHECK(clif_exact_run(&pop, 1, 2, 100.0, s, c, spt, spi, 64, &n, &resume) == CLIF_E_V_RESET);
    CHECK(resume == 1);
}

static int cmp_ref(const void *a, const void *b)
{
    const clif_spike *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static void test_spike_sort(void)
{
    enum { N = 5000 };
    static double t[N];
    static int64_t id[N];
    static clif_spike ref[N], work[N];
    static size_t bins[N / 2 + 4098];
    unsigned long long x = 12345;
    for (int k = 0; k < N; ++k) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        /* a clump of equal times, a dense cluster (qsort path) and spread */
        t[k] = k % 7 == 0 ? 50.0 : k % 5 == 0 ? 20.0 + (double)(x >> 40) * 1e-20
                                              : (double)(x >> 11) * 0x1p-53 * 100.0;
        id[k] = (int64_t)((x >> 20) % 300);
        ref[k].t = t[k];
        ref[k].i = id[k];
    }
    qsort(ref, N, sizeof ref[0], cmp_ref);
    CHECK(clif_spike_sort(N, t, id, 0.0, 100.0, work, bins, N / 2 + 4098) == CLIF_OK);
    int same = 1;
    for (int k = 0; k < N; ++k)
        same &= t[k] == ref[k].t && id[k] == ref[k].i;
    CHECK(same);
    CHECK(clif_spike_sort(N, t, id, 0.0, 100.0, work, bins, 1) == CLIF_E_SIZE);
}

/* The periodic fast path (constant drive, no pulse in the way) gives the
 * same bits as the general loop, which capacity 1 forces for every spike. */
static void test_periodic_fast_path(void)
{
    static double one[4000], many[4000];
    const double I[4] = {1.0000001, 1.3, 2.0, 40.0};
    const double tr[2] = {2.0, 0.0};
    for (int a = 0; a < 4; ++a) {
        for (int b = 0; b < 2; ++b) {
            clif_params p = DEF;
            p.t_ref = tr[b];
            clif_drive d = NODRIVE;
            d.I_dc = I[a];
            double pt[1] = {733.3};
            double pw[1] = {1.0};
            clif_exact_state s1, s2;
            clif_exact_init(&s1, 0.0, -60.0);
            clif_exact_init(&s2, 0.0, -60.0);
            size_t n1 = 0, n2 = 0, k1 = 0, k2 = 0, m = 0;
            CHECK(clif_exact_advance(&p, &d, &s1, 1000.0, pt, pw, 1, &k1, 0, many, 4000, &n1)
                  == CLIF_OK);
            clif_status st;
            while ((st = clif_exact_advance(&p, &d, &s2, 1000.0, pt, pw, 1, &k2, 0, one + n2,
                                            1, &m)) == CLIF_E_CAPACITY || m) {
                n2 += m;
                if (st == CLIF_OK || n2 >= 4000)
                    break;
            }
            CHECK(n1 == n2 && n1 > 0);
            int same = s1.t0 == s2.t0 && s1.V0 == s2.V0 && s1.t_ref_end == s2.t_ref_end;
            for (size_t k = 0; k < n1 && k < n2; ++k)
                same &= one[k] == many[k];
            CHECK(same);
        }
    }
}

/* clif_spike_merge orders neuron-major lists as a full sort would. */
static void test_spike_merge(void)
{
    enum { NN = 300, PER = 40, TOT = NN * PER };
    static double t[TOT], ot[TOT];
    static int64_t oi[TOT];
    static size_t start[NN], count[NN], bins[1024];
    static clif_merge_src src[NN];
    static clif_spike scratch[TOT], ref[TOT];
    unsigned long long x = 777;
    size_t tot = 0;
    for (int i = 0; i < NN; ++i) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        start[i] = tot + (size_t)(i % 3); /* gaps between the lists */
        count[i] = i % 11 == 0 ? 0 : (size_t)((x >> 33) % PER);
        double tk = 0.0;
        for (size_t k = 0; k < count[i]; ++k) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            /* clumps (0, 50, equal steps) and spread times, sorted per neuron */
            if (i % 4 == 0)
                tk = k == 0 ? 0.0 : 50.0 + (double)k;
            else
                tk += (double)(x >> 11) * 0x1p-53 * 5.0;
            t[start[i] + k] = tk;
        }
        tot = start[i] + count[i];
    }
    size_t m = 0;
    for (int i = 0; i < NN; ++i)
        for (size_t k = 0; k < count[i]; ++k, ++m) {
            ref[m].t = t[start[i] + k];
            ref[m].i = i;
        }
    qsort(ref, m, sizeof ref[0], cmp_ref);
    for (size_t nb = 2; nb <= 1024; nb *= 32) {
        CHECK(clif_spike_merge(NN, t, start, count, 0.0, 100.0, ot, oi, src, scratch, m, bins,
                               nb) == CLIF_OK);
        int same = 1;
        for (size_t k = 0; k < m; ++k)
            same &= ot[k] == ref[k].t && oi[k] == ref[k].i;
        CHECK(same);
    }
    CHECK(clif_spike_merge(NN, t, start, count, 0.0, 100.0, ot, oi, src, scratch, m - 1, bins,
                           1024) == CLIF_E_SIZE);
    CHECK(clif_spike_merge(NN, t, start, count, 0.0, 100.0, ot, oi, src, scratch, m, bins, 1)
          == CLIF_E_SIZE);
}


/* clif__exact_fast2 (trusted or not) and then clif__exact_advance_trusted
 * per lane (unless fast2 says it is done) give clif_exact_advance's spikes and state bit for bit: random
 * pulse trains, mostly subthreshold, some crossing V_th, some with
 * coincident pulses, lanes of different lengths. */
static void test_fast2(void)
{
    enum { NP = 64 };
    uint64_t r = 12345;
    int ok = 1, stepped = 0, finished = 0;
    for (int rep = 0; rep < 400; ++rep) {
        clif_params p[2] = {DEF, DEF};
        p[1].tau_m = 10.0 + (double)(rep % 7);
        clif_drive d[2] = {NODRIVE, NODRIVE};
        d[1].I_dc = 0.3 * (double)(rep % 3); /* V_inf below threshold */
        double t[2][NP], w[2][NP], e[2][NP];
        size_t n[2];
        for (int j = 0; j < 2; ++j) {
            n[j] = (size_t)(rep * (j + 3)) % NP;
            double tt = 0.5;
            for (size_t q = 0; q < n[j]; ++q) {
                r = r * 6364136223846793005ULL + 1442695040888963407ULL;
                double u = (double)(r >> 11) * 0x1p-53;
                tt += (rep % 5 == 0 && q % 3 == 1) ? 0.0 : 0.2 * u; /* some ties */
                t[j][q] = tt;
                w[j][q] = (u - 0.45) * (rep % 4 == 0 ? 12.0 : 3.0);
                /* the first from the anchor t0 = 0 (clif_exact_init below) */
                e[j][q] = clif__expm1(-(t[j][q] - (q ? t[j][q - 1] : 0.0)) / p[j].tau_m);
            }
        }
        double t_end = 30.0;
        for (int trusted = 0; trusted < 2; ++trusted) {
            clif_exact_state a[2], b[2];
            double sa[NP], sb[NP];
            for (int j = 0; j < 2; ++j) {
                clif_exact_init(&a[j], 0.0, -65.0 + (double)j);
                b[j] = a[j];
            }
            const clif_params *pp[2] = {&p[0], &p[1]};
            const double vinf[2] = {clif__exact_fast_vinf(&p[0], &d[0]),
                                    clif__exact_fast_vinf(&p[1], &d[1])};
            clif_exact_state *ss[2] = {&b[0], &b[1]};
            const double *tt[2] = {t[0], t[1]}, *ww[2] = {w[0], w[1]}, *ee[2] = {e[0], e[1]};
            size_t nx[2] = {0, 0};
            int done[2];
            clif__exact_fast2(pp, vinf, ss, t_end, tt, ww, ee, n, nx, trusted, done);
            for (int j = 0; j < 2; ++j) {
                stepped += nx[j] > 0;
                finished += done[j];
                size_t ka = 0, kb = nx[j], na = 0, nb = 0;
                clif_status s1 = clif_exact_advance(&p[j], &d[j], &a[j], t_end, t[j], w[j], n[j],
                                                    &ka, 0, sa, NP, &na);
                clif_status s2 = CLIF_OK;
                if (!done[j])
                    s2 = clif__exact_advance_trusted(&p[j], &d[j], &b[j], t_end, t[j], w[j],
                                                     e[j], n[j], &kb, 0, sb, NP, &nb);
                ok &= s1 == s2 && ka == kb && na == nb && a[j].V0 == b[j].V0
                      && a[j].t0 == b[j].t0 && a[j].t == b[j].t
                      && a[j].t_ref_end == b[j].t_ref_end;
                for (size_t q = 0; q < na && q < nb; ++q)
                    ok &= sa[q] == sb[q];
            }
        }
    }
    CHECK(ok);
    CHECK(stepped > 100 && finished > 50); /* the fast path did run, and end runs */
}

/* clif__exact_lean4, then clif__exact_fast2 (trusted) per pair, then
 * clif__exact_advance_trusted per lane (unless done) give
 * clif_exact_advance's spikes and state bit for bit. */
static void test_lean4(void)
{
    enum { NP = 64 };
    uint64_t r = 999;
    int ok = 1, stepped = 0;
    for (int rep = 0; rep < 300; ++rep) {
        clif_params p[4] = {DEF, DEF, DEF, DEF};
        clif_drive d[4] = {NODRIVE, NODRIVE, NODRIVE, NODRIVE};
        double t[4][NP], w[4][NP], e[4][NP];
        size_t n[4];
        for (int j = 0; j < 4; ++j) {
            p[j].tau_m = 8.0 + (double)((rep + j) % 9);
            d[j].I_dc = 0.25 * (double)((rep + j) % 3);
            n[j] = (size_t)(rep * (j + 2) + 7) % NP;
            double tt = 0.3 * (double)j;
            for (size_t q = 0; q < n[j]; ++q) {
                r = r * 6364136223846793005ULL + 1442695040888963407ULL;
                double u = (double)(r >> 11) * 0x1p-53;
                tt += (rep % 6 == 0 && q % 4 == 2) ? 0.0 : 0.25 * u;
                t[j][q] = tt;
                w[j][q] = (u - 0.45) * (rep % 3 == 0 ? 14.0 : 3.0);
                e[j][q] = clif__expm1(-(t[j][q] - (q ? t[j][q - 1] : 0.0)) / p[j].tau_m);
            }
        }
        const double t_end = 25.0;
        clif_exact_state a[4], b[4];
        double sa[NP], sb[NP];
        for (int j = 0; j < 4; ++j) {
            clif_exact_init(&a[j], 0.0, -66.0 + (double)j);
            b[j] = a[j];
        }
        const clif_params *pp[4] = {&p[0], &p[1], &p[2], &p[3]};
        double vinf[4];
        for (int j = 0; j < 4; ++j)
            vinf[j] = clif__exact_fast_vinf(&p[j], &d[j]);
        clif_exact_state *ss[4] = {&b[0], &b[1], &b[2], &b[3]};
        const double *tt[4] = {t[0], t[1], t[2], t[3]}, *ww[4] = {w[0], w[1], w[2], w[3]};
        const double *ee[4] = {e[0], e[1], e[2], e[3]};
        size_t nx[4] = {0, 0, 0, 0};
        clif__exact_lean4(pp, vinf, ss, t_end, tt, ww, ee, n, nx);
        stepped += nx[0] > 0;
        for (int h = 0; h < 4; h += 2) {
            int done[2];
            clif__exact_fast2(pp + h, vinf + h, ss + h, t_end, tt + h, ww + h, ee + h, n + h,
                              nx + h, 1, done);
            for (int j = h; j < h + 2; ++j) {
                size_t ka = 0, kb = nx[j], na = 0, nb = 0;
                clif_status s1 = clif_exact_advance(&p[j], &d[j], &a[j], t_end, t[j], w[j], n[j],
                                                    &ka, 0, sa, NP, &na);
                clif_status s2 = CLIF_OK;
                if (!done[j - h])
                    s2 = clif__exact_advance_trusted(&p[j], &d[j], &b[j], t_end, t[j], w[j],
                                                     e[j], n[j], &kb, 0, sb, NP, &nb);
                ok &= s1 == s2 && na == nb && a[j].V0 == b[j].V0 && a[j].t0 == b[j].t0
                      && a[j].t == b[j].t && a[j].t_ref_end == b[j].t_ref_end;
                for (size_t q = 0; q < na && q < nb; ++q)
                    ok &= sa[q] == sb[q];
            }
        }
    }
    CHECK(ok);
    CHECK(stepped > 100); /* the four-lane steps did run */
}

int main(void)
{
    test_lean4();
    test_fast2();
    test_periodic_fast_path();
    test_spike_merge();
    test_spike_sort();
    test_constant_isi();
    test_capacity_and_split();
    test_pulses();
    test_recross();
    test_errors();
    test_population();
    CTEST_END();
}
