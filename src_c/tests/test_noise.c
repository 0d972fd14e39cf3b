/* C-level tests of noise.c: resumable runs, chunking, capacity handling,
 * the exact step against the public normals, errors. */
#include "clif.h"
#include "ctest.h"
#include "spike_sort.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N = 40, STEPS = 3000, CAP = 20000 };
static const clif_params P = {20.0, 20.0, -70.0, -50.0, -60.0, 0.35};

static void setup(clif_noise_prop *pr, clif_noise_state *st, double sigma)
{
    for (int i = 0; i < N; ++i) {
        CHECK(clif_noise_prepare(&P, 0.9 + 0.01 * i, sigma, 0.2, 0.05, 0.1, &pr[i]) == CLIF_OK);
        st[i] = (clif_noise_state){-65.0 + 0.1 * i, 0, 0, 0.0};
    }
}


static void test_resume(clif_noise_method m)
{
    clif_noise_prop pr[N];
    clif_noise_state a[N], b[N];
    double ta[CAP], tb[CAP];
    int64_t sa[CAP], sb[CAP];
    int64_t cs[2] = {700, 1800};
    double cv[2] = {0.3, -0.1};
    clif_noise_drive dr = {2, cs, cv, 0, 1, 0.05, 0.3};
    setup(pr, a, 5.0);
    memcpy(b, a, sizeof a);
    clif_noise_spikes spa = {ta, sa, CAP, 0};
    CHECK(clif_noise_run(N, pr, a, &dr, 0.1, m, 42, 100, STEPS, &spa, NULL) == CLIF_OK);
    CHECK(spa.count > 100);
    /* Split in time, in neuron chunks, and with a tiny buffer emptied on
     * every CLIF_E_CAPACITY: the same spikes in the same order. */
    clif_noise_spikes spb = {tb, sb, 3, 0};
    int64_t stops[3] = {1, 1234, STEPS};
    int calls = 0;
    for (int s = 0; s < 3; ++s) {
        for (int c0 = 0; c0 < N; c0 += 15) {
            int cn = N - c0 < 15 ? N - c0 : 15;
            for (;;) {
                clif_noise_spikes part = {tb + spb.count, sb + spb.count, 3, 0};
                clif_status r = clif_noise_run(cn, pr + c0, b + c0, &dr, 0.1, m, 42, 100 + c0,
                                               stops[s], &part, NULL);
                for (size_t j = 0; j < part.count; ++j) sb[spb.count + j] += c0;
                spb.count += part.count;
                ++calls;
                if (r == CLIF_OK) break;
                CHECK(r == CLIF_E_CAPACITY);
                if (r != CLIF_E_CAPACITY) return;
            }
        }
    }
    CHECK(calls > 50);
    CHECK(spb.count == spa.count);
    /* Same multiset of (sender, time), compared exactly after sorting. */
    sort_spikes(ta, sa, spa.count);
    sort_spikes(tb, sb, spb.count);
    int eq = spa.count == spb.count;
    for (size_t j = 0; eq && j < spa.count; ++j) eq = ta[j] == tb[j] && sa[j] == sb[j];
    CHECK(eq);
    int same = 1;
    for (int i = 0; i < N; ++i)
        same &= a[i].V == b[i].V && a[i].step == b[i].step && a[i].ref_step == b[i].ref_step
                && a[i].ref_frac == b[i].ref_frac;
    CHECK(same);
}

static void test_free_step(void)
{
    /* Threshold out of reach: V_k+1 = mu + (V_k - mu) E + sd z_k, z from
     * clif_rng_normal(seed, neuron, k). */
    clif_params p = P;
    p.V_th = 1e6;
    clif_noise_prop pr;
    CHECK(clif_noise_prepare(&p, 0.5, 3.0, 0.0, 0.0, 0.25, &pr) == CLIF_OK);
    clif_noise_state st = {-70.0, 0, 0, 0.0};
    double rec[64], z[64];
    int64_t idx = 0;
    clif_noise_record r = {1, &idx, 1, 0, rec, 64};
    clif_noise_spikes sp = {NULL, NULL, 0, 0};
    CHECK(clif_noise_run(1, &pr, &st, NULL, 0.25, CLIF_NOISE_EXACT, 7, 9, 64, &sp, &r) == CLIF_OK);
    CHECK(clif_rng_normal(7, 9, 0, 64, z) == CLIF_OK);
    double V = -70.0, mu = -70.0 + 10.0, E = exp(-0.25 / 20.0);
    double sd = 3.0 * sqrt(-0.5 * expm1(-0.5 / 20.0));
    int ok = 1;
    for (int k = 0; k < 64; ++k) {
        V = mu + (V - mu) * E + sd * z[k];
        ok &= fabs(V - rec[k]) < 1e-12;
    }
    CHECK(ok);
}

static void test_errors(void)
{
    clif_noise_prop pr;
    clif_params p = P;
    CHECK(clif_noise_prepare(&p, 0.0, -1.0, 0, 0, 0.1, &pr) == CLIF_E_SIGMA);
    CHECK(clif_noise_prepare(&p, 0.0, NAN, 0, 0, 0.1, &pr) == CLIF_E_SIGMA);
    CHECK(clif_noise_prepare(&p, 0.0, 1.0, 0, 0, 0.0, &pr) == CLIF_E_DT);
    CHECK(clif_noise_prepare(&p, NAN, 1.0, 0, 0, 0.1, &pr) == CLIF_E_VALUE);
    CHECK(clif_noise_prepare(&p, 0.0, 1.0, 0, -1.0, 0.1, &pr) == CLIF_E_FREQ);
    p.tau_m = -1;
    CHECK(clif_noise_prepare(&p, 0.0, 1.0, 0, 0, 0.1, &pr) == CLIF_E_TAU_M);
    CHECK(clif_noise_prepare(&P, 0.0, 1.0, 0, 0, 0.1, &pr) == CLIF_OK);
    clif_noise_state st = {-70.0, 5, 0, 0.0};
    clif_noise_spikes sp = {NULL, NULL, 0, 0};
    CHECK(clif_noise_run(1, &pr, &st, NULL, 0.1, CLIF_NOISE_EXACT, 1, 0, 4, &sp, NULL) == CLIF_E_TIME);
    CHECK(clif_noise_run(1, &pr, &st, NULL, 0.1, CLIF_NOISE_EXACT, 1, 0, -1, &sp, NULL) == CLIF_E_SIZE);
    CHECK(clif_noise_run(1, &pr, &st, NULL, 0.1, CLIF_NOISE_EXACT, 1, 0, (int64_t)1 << 53, &sp, NULL) == CLIF_E_SIZE);
    CHECK(clif_noise_run(1, NULL, &st, NULL, 0.1, CLIF_NOISE_EXACT, 1, 0, 9, &sp, NULL) == CLIF_E_NULL);
    st.V = NAN;
    CHECK(clif_noise_run(1, &pr, &st, NULL, 0.1, CLIF_NOISE_EXACT, 1, 0, 9, &sp, NULL) == CLIF_E_VALUE);
}

/* One neuron per call (groups of one: the scalar loop) with a buffer of 2,
 * against all N in one call (full groups: the vector loop where the CPU has
 * one) with a buffer of 3 and with a big one: the same spikes, states and
 * traces.  No sine (the vector loop's case), piecewise-constant current,
 * staggered starting steps in one part (groups not aligned), recording. */
static void test_paths(clif_noise_method m)
{
    enum { NR = 5, EVERY = 3 };
    clif_noise_prop pr[N];
    clif_noise_state a[N], b[N], c[N];
    static double ta[CAP], tb[CAP], tc[CAP];
    static int64_t sa[CAP], sb[CAP], sc[CAP];
    static double ra[STEPS / EVERY * NR], rb[STEPS / EVERY * NR], rc[STEPS / EVERY * NR];
    int64_t cs[2] = {700, 1801};
    double cv[2 * N];
    for (int i = 0; i < N; ++i) { cv[i] = 0.02 * i; cv[N + i] = -0.1; }
    clif_noise_drive dr = {2, cs, cv, N, 0, 0.0, 0.0};
    for (int i = 0; i < N; ++i) {
        CHECK(clif_noise_prepare(&P, 0.8 + 0.01 * i, 2.0 + 0.1 * i, 0.0, 0.0, 0.1, &pr[i])
              == CLIF_OK);
        a[i] = (clif_noise_state){-65.0 + 0.3 * i, 0, 0, 0.0};
    }
    a[3].ref_step = 5; a[3].ref_frac = 0.25;  /* starts refractory */
    memcpy(b, a, sizeof a);
    memcpy(c, a, sizeof a);
    int64_t idx[NR] = {0, 3, 9, 17, 39};
    memset(ra, 0, sizeof ra); memset(rb, 0, sizeof rb); memset(rc, 0, sizeof rc);
    clif_noise_record reca = {NR, idx, EVERY, 0, ra, STEPS / EVERY};
    clif_noise_spikes spa = {ta, sa, CAP, 0};
    CHECK(clif_noise_run(N, pr, a, &dr, 0.1, m, 3, 50, STEPS, &spa, &reca) == CLIF_OK);
    CHECK(spa.count > 200);
    /* one neuron per call, in two time parts */
    size_t nb = 0;
    for (int i = 0; i < N; ++i) {
        int64_t stops[2] = {1000 + 7 * i, STEPS};
        int r_i = -1;
        for (int q = 0; q < NR; ++q) if (idx[q] == i) r_i = q;
        double tmp[STEPS / EVERY];
        int64_t zero = 0;
        int64_t base = 0;
        for (int s = 0; s < 2; ++s) {
            clif_noise_record r1 = {r_i >= 0, &zero, EVERY, b[i].step, tmp, STEPS / EVERY};
            base = b[i].step;
            for (;;) {
                clif_noise_spikes part = {tb + nb, sb + nb, 2, 0};
                clif_noise_drive d1 = dr;
                d1.change_value = cv + i; /* this neuron's column */
                clif_status r = clif_noise_run(1, pr + i, b + i, &d1, 0.1, m, 3, 50 + i,
                                               stops[s], &part, &r1);
                for (size_t j = 0; j < part.count; ++j) sb[nb + j] = i;
                nb += part.count;
                if (r == CLIF_OK) break;
                CHECK(r == CLIF_E_CAPACITY);
                if (r != CLIF_E_CAPACITY) return;
            }
            if (r_i >= 0)
                for (int64_t g = base / EVERY + 1; g <= stops[s] / EVERY; ++g)
                    rb[(g - 1) * NR + r_i] = tmp[g - base / EVERY - 1];
        }
    }
    /* all at once, a buffer of 3 emptied on every CLIF_E_CAPACITY */
    size_t ncnt = 0;
    int calls = 0;
    clif_noise_record recc = {NR, idx, EVERY, 0, rc, STEPS / EVERY};
    for (;;) {
        clif_noise_spikes part = {tc + ncnt, sc + ncnt, 3, 0};
        clif_status r = clif_noise_run(N, pr, c, &dr, 0.1, m, 3, 50, STEPS, &part, &recc);
        ncnt += part.count;
        ++calls;
        if (r == CLIF_OK) break;
        CHECK(r == CLIF_E_CAPACITY);
        if (r != CLIF_E_CAPACITY) return;
    }
    CHECK(calls > 50);
    if (nb != spa.count || ncnt != spa.count) fprintf(stderr, "counts %zu %zu %zu\n", spa.count, nb, ncnt);
    CHECK(nb == spa.count && ncnt == spa.count);
    if (nb != spa.count || ncnt != spa.count) return;
    sort_spikes(ta, sa, spa.count);
    sort_spikes(tb, sb, nb);
    sort_spikes(tc, sc, ncnt);
    int eq = 1;
    for (size_t j = 0; j < spa.count; ++j)
        eq &= ta[j] == tb[j] && sa[j] == sb[j] && ta[j] == tc[j] && sa[j] == sc[j];
    CHECK(eq);
    int same = 1;
    for (int i = 0; i < N; ++i)
        same &= a[i].V == b[i].V && a[i].step == b[i].step && a[i].ref_step == b[i].ref_step
                && a[i].ref_frac == b[i].ref_frac && a[i].V == c[i].V
                && a[i].step == c[i].step && a[i].ref_step == c[i].ref_step
                && a[i].ref_frac == c[i].ref_frac;
    CHECK(same);
    CHECK(memcmp(ra, rb, sizeof ra) == 0);
    CHECK(memcmp(ra, rc, sizeof ra) == 0);
}

int main(void)
{
    test_paths(CLIF_NOISE_EXACT);
    test_paths(CLIF_NOISE_EULER);
    test_resume(CLIF_NOISE_EXACT);
    test_resume(CLIF_NOISE_EULER);
    test_free_step();
    test_errors();
    CTEST_END();
}
