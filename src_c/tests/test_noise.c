/* C-level tests of noise.c: resumable runs, chunking, capacity handling,
 * the exact step against the public normals, errors. */
#include "clif.h"
#include "ctest.h"

#include <math.h>
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

typedef struct { double t; int64_t s; } pair;
static int cmp_pair(const void *x, const void *y)
{
    const pair *a = x, *b = y;
    if (a->s != b->s) return a->s < b->s ? -1 : 1;
    return (a->t > b->t) - (a->t < b->t);
}
static void sort_spikes(double *t, int64_t *s, size_t n)
{
    pair *p = malloc(n * sizeof *p);
    for (size_t j = 0; j < n; ++j) p[j] = (pair){t[j], s[j]};
    qsort(p, n, sizeof *p, cmp_pair);
    for (size_t j = 0; j < n; ++j) { t[j] = p[j].t; s[j] = p[j].s; }
    free(p);
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

int main(void)
{
    test_resume(CLIF_NOISE_EXACT);
    test_resume(CLIF_NOISE_EULER);
    test_free_step();
    test_errors();
    CTEST_END();
}
