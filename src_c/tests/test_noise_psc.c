/* C-level tests of noise_psc.c: the step covariance against its closed
 * form (long double, where that form is well conditioned) and against the
 * stationary values, continuity at tau_s == tau_m, the free step against
 * the public normals, resumable / chunked / capacity-limited runs, errors. */
#include "clif.h"
#include "ctest.h"
#include "spike_sort.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const clif_params P = {20.0, 20.0, -70.0, -50.0, -70.0, 2.0};

/* The closed form of the header of noise_psc.c, in (Y, s) [mV]; g(r) =
 * (1 - e^{-r t}) / r.  It cancels (1/(t |a - c|)^2 of its digits for
 * Sigma_YY); long double keeps ~12 digits at the t |a - c| >= 0.01 used. */
static long double g_(long double r, long double t) { return -expm1l(-r * t) / r; }
static void closed_form(double tau_m, double tau_s, double sigma, double t, long double S[3])
{
    long double a = 1.0L / tau_m, c = 1.0L / tau_s;
    long double q = (long double)sigma * sigma * tau_m / ((long double)tau_s * tau_s);
    S[0] = q * a * a * (g_(2 * a, t) - 2 * g_(a + c, t) + g_(2 * c, t)) / ((c - a) * (c - a));
    S[1] = q * a * (g_(a + c, t) - g_(2 * c, t)) / (c - a);
    S[2] = q * g_(2 * c, t);
}

static void test_covariance(void)
{
    const double taus[] = {0.5, 2.0, 5.0, 60.0}, dts[] = {0.1, 1.0, 7.0};
    clif_params p = P;
    for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 3; ++b) {
            clif_noise_psc_prop pr;
            CHECK(clif_noise_psc_prepare(&p, 0.0, 5.0, taus[a], dts[b], &pr) == CLIF_OK);
            long double S[3];
            closed_form(20.0, taus[a], 5.0, dts[b], S);
            CHECK_CLOSE(pr.step.S_vv, (double)S[0], 1e-12);
            CHECK_CLOSE(pr.step.S_vi * p.R_m, (double)S[1], 1e-12);
            CHECK_CLOSE(pr.step.S_ii * p.R_m * p.R_m, (double)S[2], 1e-13);
            /* the mean: P(t) = (e^{-t/tau_m} - e^{-t/tau_s}) tau_s / (tau_m - tau_s) */
            double Pref = (exp(-dts[b] / 20.0) - exp(-dts[b] / taus[a])) * taus[a]
                          / (20.0 - taus[a]);
            CHECK_CLOSE(pr.step.p / p.R_m, Pref, 1e-12);
        }
    /* A long span is the stationary covariance: Var Y = (sigma^2/2) tau_m /
     * (tau_m + tau_s) = Cov(Y, s), Var s = sigma^2 tau_m / (2 tau_s). */
    clif_noise_psc_prop pr;
    CHECK(clif_noise_psc_prepare(&p, 0.0, 5.0, 2.0, 0.1, &pr) == CLIF_OK);
    clif_noise_psc_span sp;
    CHECK(clif_noise_psc_span_fill(&pr, 2000.0, &sp) == CLIF_OK);
    double vy = 12.5 * 20.0 / 22.0;
    CHECK_CLOSE(sp.S_vv, vy, 1e-13);
    CHECK_CLOSE(sp.S_vi * 20.0, vy, 1e-13);
    CHECK_CLOSE(sp.S_ii * 400.0, 25.0 * 20.0 / 4.0, 1e-13);
    /* tau_s == tau_m and a hair away: continuous, no cancellation. */
    clif_noise_psc_prop e, n1, n2;
    CHECK(clif_noise_psc_prepare(&p, 0.0, 5.0, 20.0, 0.1, &e) == CLIF_OK);
    CHECK(clif_noise_psc_prepare(&p, 0.0, 5.0, 20.0 * (1 + 1e-9), 0.1, &n1) == CLIF_OK);
    CHECK(clif_noise_psc_prepare(&p, 0.0, 5.0, 20.0 * (1 - 1e-9), 0.1, &n2) == CLIF_OK);
    CHECK_CLOSE(n1.step.S_vv, e.step.S_vv, 1e-8);
    CHECK_CLOSE(n2.step.S_vv, e.step.S_vv, 1e-8);
    CHECK_CLOSE(n1.step.S_vi, e.step.S_vi, 1e-8);
    CHECK_CLOSE(n1.step.p, e.step.p, 1e-8);
    /* at tau_s == tau_m = T: P(t) = (t/T) e^{-t/T}; Sigma_YY = q a^2 int u^2
     * e^{-2u/T} / T^2 ... in series: q t^3 / (3 T^2) (1 - 3t/(2T) + ...) */
    double t = 0.1, T = 20.0, h = t / T;
    CHECK_CLOSE(e.step.p / 20.0, h * exp(-h), 1e-14);
    double q = 25.0 * T / (T * T);
    /* int_0^t (u/T)^2 e^{-2u/T} du = T/8 (2 - e^{-2h}(4h^2 + 4h + 2)) */
    double ref = q * T / 8.0 * (2.0 - exp(-2 * h) * (4 * h * h + 4 * h + 2));
    CHECK_CLOSE(e.step.S_vv, ref, 1e-6); /* the reference itself cancels ~1e-10 */
    double ser = q * t * t * t / (3 * T * T) * (1 - 1.5 * h + 1.2 * h * h - 2.0 / 3.0 * h * h * h
                                                   + 2.0 / 7.0 * h * h * h * h);
    CHECK_CLOSE(e.step.S_vv, ser, 1e-12);
}

static void test_free_step(void)
{
    /* Threshold out of reach: the grid chain is X' = Phi X + L z with z =
     * normals 2k, 2k+1 of clif_rng_normal(seed, neuron). */
    clif_params p = P;
    p.V_th = 1e6;
    clif_noise_psc_prop pr;
    CHECK(clif_noise_psc_prepare(&p, 0.5, 3.0, 1.5, 0.25, &pr) == CLIF_OK);
    clif_noise_psc_state st = {-70.0, 0.1, 0, 0, 0.0};
    double rec[64], z[128];
    int64_t idx = 0;
    clif_noise_record r = {1, &idx, 1, 0, rec, 64};
    clif_noise_spikes sp = {NULL, NULL, 0, 0};
    CHECK(clif_noise_psc_run(1, &pr, &st, NULL, 0.25, 7, 9, 64, &sp, &r) == CLIF_OK);
    CHECK(clif_rng_normal(7, 9, 0, 128, z) == CLIF_OK);
    double Y = -70.0 - (-60.0), I = 0.1;
    int ok = 1;
    for (int k = 0; k < 64; ++k) {
        double I1 = pr.step.e2 * I + pr.step.c_ii * z[2 * k];
        Y = pr.step.e1 * Y + pr.step.p * I + pr.step.c_vi * z[2 * k] + pr.step.c_vv * z[2 * k + 1];
        I = I1;
        ok &= fabs(-60.0 + Y - rec[k]) < 1e-12;
    }
    CHECK(ok);
    CHECK(st.I_s == I);
}

enum { N = 30, STEPS = 4000, CAP = 40000 };


static void test_resume(void)
{
    static clif_noise_psc_prop pr[N];
    clif_noise_psc_state a[N], b[N];
    static double ta[CAP], tb[CAP];
    static int64_t sa[CAP], sb[CAP];
    int64_t cs[2] = {700, 1800};
    double cv[2] = {0.3, -0.1};
    clif_noise_drive dr = {2, cs, cv, 0, 0, 0.0, 0.0};
    clif_params p = P;
    p.t_ref = 0.03; /* dead times ending inside the spike's own step too */
    for (int i = 0; i < N; ++i) {
        CHECK(clif_noise_psc_prepare(&p, 0.9 + 0.01 * i, 5.0, 0.5 + 0.1 * i, 0.1, &pr[i])
              == CLIF_OK);
        a[i] = (clif_noise_psc_state){-65.0 + 0.1 * i, 0.0, 0, 0, 0.0};
    }
    a[2].ref_step = 3; a[2].ref_frac = 0.4;
    memcpy(b, a, sizeof a);
    clif_noise_spikes spa = {ta, sa, CAP, 0};
    CHECK(clif_noise_psc_run(N, pr, a, &dr, 0.1, 42, 100, STEPS, &spa, NULL) == CLIF_OK);
    CHECK(spa.count > 300);
    int64_t stops[3] = {1, 1234, STEPS};
    size_t nb = 0;
    int calls = 0;
    for (int s = 0; s < 3; ++s)
        for (int c0 = 0; c0 < N; c0 += 7) {
            int cn = N - c0 < 7 ? N - c0 : 7;
            for (;;) {
                clif_noise_spikes part = {tb + nb, sb + nb, 3, 0};
                clif_status r = clif_noise_psc_run(cn, pr + c0, b + c0, &dr, 0.1, 42, 100 + c0,
                                                   stops[s], &part, NULL);
                for (size_t j = 0; j < part.count; ++j) sb[nb + j] += c0;
                nb += part.count;
                ++calls;
                if (r == CLIF_OK) break;
                CHECK(r == CLIF_E_CAPACITY);
                if (r != CLIF_E_CAPACITY) return;
            }
        }
    CHECK(calls > 50);
    CHECK(nb == spa.count);
    if (nb != spa.count) return;
    sort_spikes(ta, sa, spa.count);
    sort_spikes(tb, sb, nb);
    int eq = 1;
    for (size_t j = 0; j < nb; ++j) eq &= ta[j] == tb[j] && sa[j] == sb[j];
    CHECK(eq);
    int same = 1;
    for (int i = 0; i < N; ++i)
        same &= a[i].V == b[i].V && a[i].I_s == b[i].I_s && a[i].step == b[i].step
                && a[i].ref_step == b[i].ref_step && a[i].ref_frac == b[i].ref_frac;
    CHECK(same);
    /* I_s on the grid does not depend on V: a run that never spikes ends
     * with the same I_s. */
    clif_params p2 = p;
    p2.V_th = 1e6;
    clif_noise_psc_state c[N];
    for (int i = 0; i < N; ++i) {
        clif_noise_psc_prop q;
        CHECK(clif_noise_psc_prepare(&p2, 0.9 + 0.01 * i, 5.0, 0.5 + 0.1 * i, 0.1, &q) == CLIF_OK);
        c[i] = (clif_noise_psc_state){-65.0 + 0.1 * i, 0.0, 0, 0, 0.0};
        clif_noise_spikes none = {NULL, NULL, 0, 0};
        CHECK(clif_noise_psc_run(1, &q, c + i, &dr, 0.1, 42, 100 + i, STEPS, &none, NULL)
              == CLIF_OK);
        same &= c[i].I_s == a[i].I_s;
    }
    CHECK(same);
}

static void test_errors(void)
{
    clif_noise_psc_prop pr;
    clif_params p = P;
    CHECK(clif_noise_psc_prepare(&p, 0.0, 1.0, 0.0, 0.1, &pr) == CLIF_E_TAU_SYN);
    CHECK(clif_noise_psc_prepare(&p, 0.0, 1.0, -1.0, 0.1, &pr) == CLIF_E_TAU_SYN);
    CHECK(clif_noise_psc_prepare(&p, 0.0, 1.0, NAN, 0.1, &pr) == CLIF_E_TAU_SYN);
    CHECK(clif_noise_psc_prepare(&p, 0.0, 1.0, 1e-300, 0.1, &pr) == CLIF_E_TAU_SYN);
    CHECK(clif_noise_psc_prepare(&p, 0.0, -1.0, 1.0, 0.1, &pr) == CLIF_E_SIGMA);
    CHECK(clif_noise_psc_prepare(&p, 0.0, 1.0, 1.0, 0.0, &pr) == CLIF_E_DT);
    CHECK(clif_noise_psc_prepare(&p, NAN, 1.0, 1.0, 0.1, &pr) == CLIF_E_VALUE);
    CHECK(clif_noise_psc_prepare(&p, 0.0, 1.0, 1.0, 0.1, NULL) == CLIF_E_NULL);
    p.V_reset = -40.0;
    CHECK(clif_noise_psc_prepare(&p, 0.0, 1.0, 1.0, 0.1, &pr) == CLIF_E_V_RESET);
    CHECK(clif_noise_psc_prepare(&P, 0.0, 1.0, 1.0, 0.1, &pr) == CLIF_OK);
    clif_noise_psc_span sp;
    CHECK(clif_noise_psc_span_fill(&pr, 0.0, &sp) == CLIF_E_DT);
    clif_noise_psc_state st = {-70.0, 0.0, 5, 0, 0.0};
    clif_noise_spikes none = {NULL, NULL, 0, 0};
    CHECK(clif_noise_psc_run(1, &pr, &st, NULL, 0.1, 1, 0, 4, &none, NULL) == CLIF_E_TIME);
    CHECK(clif_noise_psc_run(1, &pr, &st, NULL, 0.1, 1, 0, CLIF_NOISE_PSC_STEP_LIMIT + 1, &none,
                             NULL) == CLIF_E_SIZE);
    CHECK(clif_noise_psc_run(1, NULL, &st, NULL, 0.1, 1, 0, 9, &none, NULL) == CLIF_E_NULL);
    clif_noise_drive sine = {0, NULL, NULL, 0, 1, 0.1, 0.0};
    CHECK(clif_noise_psc_run(1, &pr, &st, &sine, 0.1, 1, 0, 9, &none, NULL) == CLIF_E_MODEL);
    st.I_s = NAN;
    CHECK(clif_noise_psc_run(1, &pr, &st, NULL, 0.1, 1, 0, 9, &none, NULL) == CLIF_E_VALUE);
}

int main(void)
{
    test_covariance();
    test_free_step();
    test_resume();
    test_errors();
    CTEST_END();
}
