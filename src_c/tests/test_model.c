/* The model seam and the current models (clif_model.h), from C alone:
 * PSPs against the textbook two-exponential form (long double, distinct
 * time constants), firing without input against delta, a crossing that
 * rises above threshold and returns between two pulses, split runs, the
 * capacity resume, and the error codes. */
#include "clif.h"
#include "ctest.h"

#include <math.h>
#include <string.h>

static const clif_params P = {20.0, 20.0, -70.0, -50.0, -70.0, 2.0};
static const clif_drive D0 = {0.0, 0.0, 0.0, 0.0};

/* V - E_L of a lone psc_exp pulse w at 0: R w ts/(ts - tm) (e^{-t/ts} - e^{-t/tm}). */
static double psp_exp_ref(double t, double w, double tm, double ts, double R)
{
    long double a = expl(-(long double)t / ts), b = expl(-(long double)t / tm);
    return (double)((long double)R * w * ts / (ts - tm) * (a - b));
}

/* alpha, distinct taus: the convolution done by hand,
 * (R w e/(ts tm)) int_0^t e^{-(t-r)/tm} r e^{-r/ts} dr, c = 1/tm - 1/ts:
 * e^{-t/tm} (e^{ct}(ct - 1) + 1)/c^2. */
static double psp_alpha_ref(double t, double w, double tm, double ts, double R)
{
    long double c = 1.0L / tm - 1.0L / ts, x = c * t;
    long double I = expl(-(long double)t / tm) * (expl(x) * (x - 1.0L) + 1.0L) / (c * c);
    return (double)((long double)R * w * 2.718281828459045235360287471352662L / (ts * tm) * I);
}

static void test_info(void)
{
    CHECK(clif_model_find("delta") == CLIF_MODEL_DELTA);
    CHECK(clif_model_find("psc_exp") == CLIF_MODEL_PSC_EXP);
    CHECK(clif_model_find("psc_alpha") == CLIF_MODEL_PSC_ALPHA);
    CHECK(clif_model_find("nope") == -1 && clif_model_find(NULL) == -1);
    CHECK(clif_model_get(CLIF_MODEL_PSC_ALPHA)->n_y == 4);
    CHECK(strcmp(clif_model_get(CLIF_MODEL_PSC_EXP)->y_names[1], "I_in") == 0);
    CHECK(clif_model_get(3) == NULL && clif_model_get(-1) == NULL);
}

static void test_psp(int model, double ts)
{
    clif_syn_params q = {ts, ts};
    clif_model_state s;
    clif_model_init(&s, 0.0, P.E_L);
    double pt[1] = {0.0}, pw[1] = {0.05}, sp[4];
    size_t next = 0, ns = 9;
    CHECK(clif_model_advance(model, &P, &q, &D0, &s, 1e-9, pt, pw, NULL, 1, &next, 0, sp, 4, &ns)
          == CLIF_OK);
    CHECK(ns == 0 && next == 1);
    double worst = 0.0;
    for (double t = 0.01; t < 200.0; t *= 1.1) {
        double V = clif_model_potential(model, &P, &q, &D0, &s, t, NULL) - P.E_L;
        double r = model == CLIF_MODEL_PSC_EXP ? psp_exp_ref(t, 0.05, 20.0, ts, 20.0)
                                               : psp_alpha_ref(t, 0.05, 20.0, ts, 20.0);
        /* V is computed, not V - E_L: its rounding is that of 70 mV */
        double e = fabs(V - r);
        if (e > worst)
            worst = e;
    }
    CHECK(worst < 1e-13);
    if (worst >= 1e-13)
        fprintf(stderr, "model %d ts %g: worst PSP error %g mV\n", model, ts, worst);
}

/* No input: the current model is the membrane alone, so its spikes are
 * delta's to rounding. */
static void test_dc(int model)
{
    clif_syn_params q = {0.5, 3.0};
    clif_drive d = {1.5, 0.0, 0.0, 0.0};
    clif_model_state s;
    clif_exact_state e;
    clif_model_init(&s, 0.0, P.E_L);
    clif_exact_init(&e, 0.0, P.E_L);
    double a[64], b[64];
    size_t na = 0, nb = 0, k1 = 0, k2 = 0;
    CHECK(clif_model_advance(model, &P, &q, &d, &s, 500.0, NULL, NULL, NULL, 0, &k1, 0, a, 64, &na)
          == CLIF_OK);
    CHECK(clif_exact_advance(&P, &d, &e, 500.0, NULL, NULL, 0, &k2, 0, b, 64, &nb) == CLIF_OK);
    CHECK(na == nb && na > 10);
    for (size_t i = 0; i < na && i < nb; ++i)
        CHECK_CLOSE(a[i], b[i], 1e-13);
}

/* An excitatory then an inhibitory pulse: V crosses and comes back below
 * threshold before the inhibitory pulse, which a check at the pulses alone
 * would miss. */
static void test_cross_and_return(int model)
{
    clif_syn_params q = {2.0, 2.0};
    clif_model_state s;
    double w = 0.0, sp[4];
    size_t next = 0, ns = 0;
    {
        /* The peak of V from rest for a unit pulse, sampled finely. */
        clif_model_state u;
        clif_model_init(&u, 0.0, -70.0);
        double t1[1] = {0.0}, w1[1] = {1.0};
        size_t n1 = 0, k = 0;
        clif_model_advance(model, &P, &q, &D0, &u, 1e-12, t1, w1, NULL, 1, &k, 0, sp, 4, &n1);
        double peak = 0.0;
        for (double t = 0.0; t < 40.0; t += 1e-4) {
            double v = clif_model_potential(model, &P, &q, &D0, &u, t, NULL) + 70.0;
            if (v > peak)
                peak = v;
        }
        w = 20.0 / peak * (1.0 - 1e-9); /* peak just below V_th - E_L = 20 mV */
    }
    clif_model_init(&s, 0.0, -70.0);
    double pt[2] = {1.0, 30.0}, pw[2] = {1.05 * w, -2.0 * w};
    CHECK(clif_model_advance(model, &P, &q, &D0, &s, 60.0, pt, pw, NULL, 2, &next, 0, sp, 4, &ns)
          == CLIF_OK);
    CHECK(ns == 1);
    CHECK(ns >= 1 && sp[0] > 1.0 && sp[0] < 20.0);
    CHECK(s.V0 < P.V_th);
    /* The peak just below threshold: no spike; just above: one. */
    clif_model_init(&s, 0.0, -70.0);
    double t2[1] = {0.0}, w2[1] = {w};
    next = 0;
    CHECK(clif_model_advance(model, &P, &q, &D0, &s, 100.0, t2, w2, NULL, 1, &next, 0, sp, 4, &ns)
          == CLIF_OK);
    CHECK(ns == 0);
    clif_model_init(&s, 0.0, -70.0);
    w2[0] = w * (1.0 + 2e-9);
    next = 0;
    CHECK(clif_model_advance(model, &P, &q, &D0, &s, 100.0, t2, w2, NULL, 1, &next, 0, sp, 4, &ns)
          == CLIF_OK);
    CHECK(ns == 1);
}

static double lcg(unsigned long long *x)
{
    *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*x >> 11) / 9007199254740992.0;
}

/* One run against the same run cut at random times and at every pulse,
 * with the smallest spike buffer (every spike a CLIF_E_CAPACITY resume). */
static void test_split(int model)
{
    enum { NP = 400 };
    clif_syn_params q = {0.5, 1.5};
    clif_drive d = {1.4, 0.0, 0.0, 0.0};
    double pt[NP], pw[NP];
    uint8_t port[NP];
    unsigned long long x = 7;
    double t = 0.0;
    for (int k = 0; k < NP; ++k) {
        t += lcg(&x) < 0.1 ? 0.0 : -log(1.0 - lcg(&x)) * 0.5;
        pt[k] = t;
        pw[k] = (lcg(&x) < 0.7 ? 1.0 : -0.5) * 3.0 * lcg(&x);
        port[k] = pw[k] < 0.0;
    }
    double T = t + 5.0, a[512], b[512];
    clif_model_state s;
    clif_model_init(&s, 0.0, -60.0);
    size_t na = 0, nb = 0, next = 0, m = 0;
    CHECK(clif_model_advance(model, &P, &q, &d, &s, T, pt, pw, NULL, NP, &next, 0, a, 512, &na)
          == CLIF_OK);
    CHECK(na > 5);
    if (na <= 5) fprintf(stderr, "split test: %zu spikes, T %g\n", na, T);
    clif_model_init(&s, 0.0, -60.0);
    next = 0;
    for (int piece = 0; s.t < T; ++piece) {
        double stop = piece % 3 == 0 && next < NP ? pt[next] : s.t + lcg(&x) * 3.0;
        if (stop > T)
            stop = T;
        clif_status st;
        do {
            st = clif_model_advance(model, &P, &q, &d, &s, stop, pt, pw, port, NP, &next, 0,
                                    b + nb, nb < 512 ? 1 : 0, &m);
            nb += m;
        } while (st == CLIF_E_CAPACITY && nb < 512);
        CHECK(st == CLIF_OK);
        if (st != CLIF_OK)
            break;
    }
    CHECK(na == nb);
    int same = 1;
    for (size_t i = 0; i < na && i < nb; ++i)
        same &= a[i] == b[i];
    CHECK(same);
}

static void test_errors(void)
{
    clif_syn_params q = {0.5, 0.5}, bad = {0.0, 0.5}, nan = {0.5, NAN};
    clif_model_state s;
    clif_model_init(&s, 0.0, -70.0);
    double pt[1] = {1.0}, pw[1] = {0.1}, sp[1];
    uint8_t port[1] = {2}, one[1] = {1};
    size_t next = 0, ns = 0;
    CHECK(clif_check_syn_params(CLIF_MODEL_PSC_EXP, &bad) == CLIF_E_TAU_SYN);
    CHECK(clif_check_syn_params(CLIF_MODEL_PSC_ALPHA, &nan) == CLIF_E_TAU_SYN);
    CHECK(clif_check_syn_params(CLIF_MODEL_DELTA, NULL) == CLIF_OK);
    CHECK(clif_check_syn_params(7, &q) == CLIF_E_MODEL);
    CHECK(clif_model_advance(CLIF_MODEL_PSC_EXP, &P, &bad, &D0, &s, 5.0, pt, pw, NULL, 1, &next,
                             0, sp, 1, &ns) == CLIF_E_TAU_SYN);
    CHECK(clif_model_advance(CLIF_MODEL_PSC_EXP, &P, &q, &D0, &s, 5.0, pt, pw, port, 1, &next,
                             0, sp, 1, &ns) == CLIF_E_MODEL);
    CHECK(clif_model_advance(CLIF_MODEL_DELTA, &P, &q, &D0, &s, 5.0, pt, pw, one, 1, &next, 0,
                             sp, 1, &ns) == CLIF_E_MODEL);
    CHECK(clif_model_advance(CLIF_MODEL_PSC_EXP, &P, &q, &D0, &s, 5.0, pt, pw, NULL, 1, &next,
                             CLIF_REFRACTORY_INTEGRATE, sp, 1, &ns) == CLIF_E_MODEL);
    clif_drive sine = {0.0, 1.0, 10.0, 0.0};
    CHECK(clif_model_advance(CLIF_MODEL_PSC_ALPHA, &P, &q, &sine, &s, 5.0, pt, pw, NULL, 1, &next,
                             0, sp, 1, &ns) == CLIF_E_MODEL);
    CHECK(clif_model_advance(CLIF_MODEL_PSC_EXP, &P, NULL, &D0, &s, 5.0, pt, pw, NULL, 1, &next,
                             0, sp, 1, &ns) == CLIF_E_NULL);
    CHECK(strcmp(clif_strerror(CLIF_E_TAU_SYN), "tau_syn_ex and tau_syn_in must be finite and > 0 (ms)") == 0);
}

int main(void)
{
    test_info();
    const double taus[] = {0.5, 5.0, 19.999999, 20.0, 20.0 * (1 + 1e-12), 35.0};
    for (size_t k = 0; k < sizeof taus / sizeof taus[0]; ++k) {
        if (taus[k] != 20.0 && fabs(taus[k] - 20.0) > 1e-3) {
            test_psp(CLIF_MODEL_PSC_EXP, taus[k]);
            test_psp(CLIF_MODEL_PSC_ALPHA, taus[k]);
        }
    }
    for (int m = CLIF_MODEL_PSC_EXP; m <= CLIF_MODEL_PSC_ALPHA; ++m) {
        test_dc(m);
        test_cross_and_return(m);
        test_split(m);
    }
    test_errors();
    CTEST_END();
}
