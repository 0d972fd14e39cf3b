/* C tests of src_c/network.c: a 2-neuron chain against the closed form, CSR
 * building, bad input, and 1 vs 2 threads bit for bit (and 3 threads whose
 * block boundaries move at random every window). */
#include "clif.h"
#include "ctest.h"
#include "network_impl.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const clif_params P = {10.0, 10.0, -65.0, -50.0, -65.0, 2.0};

typedef struct job {
    clif_net_sim *sim;
    size_t tid;
    double t;
    const clif_net_record *rec;
    clif_status st;
} job;

static void *run_thread(void *arg)
{
    job *j = arg;
    j->st = clif_net_run(j->sim, j->tid, j->t, j->rec);
    return NULL;
}

static void chain(void)
{
    clif_params ps[2] = {P, P};
    double I[2] = {2.0, 0.0}, table[1] = {3.0};
    int32_t pre[1] = {0}, post[1] = {1}, tgt[1];
    float w[1] = {20.0f}, wo[1];
    uint16_t d[1] = {0}, dout[1];
    uint64_t row[3], work[4];
    size_t bad = 9;
    CHECK(clif_net_csr_from_coo(2, 1, pre, post, w, d, row, tgt, wo, dout, work, &bad) == CLIF_OK);
    CHECK(row[0] == 0 && row[1] == 1 && row[2] == 1 && tgt[0] == 1);
    clif_net net = {2, ps, I, NULL, NULL, row, tgt, wo, dout, table, 1, 3.0, 0, 1, 0, NULL, NULL};
    clif_status st;
    clif_net_sim *sim = clif_net_sim_create(&net, 1, NULL, &st, &bad);
    CHECK(sim != NULL && st == CLIF_OK);
    clif_net_record rec;
    memset(&rec, 0, sizeof rec);
    rec.record_spikes = 1;
    rec.max_spikes = 100;
    CHECK(clif_net_run(sim, 0, 20.0, &rec) == CLIF_OK);
    CHECK(clif_net_sim_n_spikes(sim) == 2);
    double t[2];
    int64_t i[2];
    clif_net_sim_spikes(sim, t, i, 1);
    double t0 = 10.0 * log(20.0 / 5.0);
    CHECK_CLOSE(t[0], t0, 1e-13);
    CHECK(i[0] == 0 && i[1] == 1 && t[1] == t[0] + 3.0);
    rec.max_spikes = 0; /* one more spike is a clear error */
    CHECK(clif_net_run(sim, 0, 40.0, &rec) == CLIF_E_CAPACITY);
    clif_net_sim_free(sim);

    table[0] = 2.0; /* delay < d_min */
    CHECK(clif_net_sim_create(&net, 1, NULL, &st, &bad) == NULL && st == CLIF_E_DELAY);
    table[0] = 3.0;
    tgt[0] = 7; /* out of range */
    CHECK(clif_net_sim_create(&net, 1, NULL, &st, &bad) == NULL && st == CLIF_E_TARGET);
    tgt[0] = 1;
    wo[0] = NAN;
    CHECK(clif_net_sim_create(&net, 1, NULL, &st, &bad) == NULL && st == CLIF_E_VALUE);
    post[0] = 2;
    CHECK(clif_net_csr_from_coo(2, 1, pre, post, w, d, row, tgt, wo, dout, work, &bad)
          == CLIF_E_TARGET && bad == 0);
}

/* Run net on T threads to t_mid, then to t_end; spikes into (t, i). */
static size_t run_split(const clif_net *net, size_t T, uint64_t jitter, double t_mid,
                        double t_end, double *t, int64_t *i, size_t cap)
{
    clif_net_record rec;
    memset(&rec, 0, sizeof rec);
    rec.record_spikes = 1;
    rec.max_spikes = cap;
    clif_status st;
    size_t bad;
    clif_net_sim *sim = clif_net_sim_create(net, T, NULL, &st, &bad);
    CHECK(sim != NULL);
    if (!sim)
        return 0;
    clif__net_sim_jitter(sim, jitter);
    pthread_t th[8];
    job jobs[8];
    for (int r = 0; r < 2; ++r) {
        for (size_t k = 0; k < T; ++k) {
            jobs[k].sim = sim;
            jobs[k].tid = k;
            jobs[k].t = r ? t_end : t_mid;
            jobs[k].rec = &rec;
            pthread_create(&th[k], NULL, run_thread, &jobs[k]);
        }
        for (size_t k = 0; k < T; ++k) {
            pthread_join(th[k], NULL);
            CHECK(jobs[k].st == CLIF_OK);
        }
    }
    size_t n = clif_net_sim_n_spikes(sim);
    CHECK(n <= cap);
    clif_net_sim_spikes(sim, t, i, 1);
    clif_net_sim_free(sim);
    return n;
}

/* A random test network: n neurons (P, drive I, external Poisson rate and
 * weight), m synapses between uniform random pairs, weights uniform in
 * [-1.5, 3.45) mV or, with ei, 0.3 mV from the first 80% and -1.2 mV from
 * the rest, delays uniform over the nd of table.  Arrays malloc'd into *a
 * (free_net). */
typedef struct tnet {
    clif_params *ps;
    double *I, *rate, *wext;
    int32_t *pre, *post, *tgt;
    float *w, *wo;
    uint16_t *d, *dout;
    uint64_t *row, *work;
} tnet;

static clif_net random_net(tnet *a, size_t n, size_t m, uint32_t x, const double *table,
                           size_t nd, double d_min, double I, double rate, double wext, int ei)
{
    a->ps = malloc(n * sizeof *a->ps);
    a->I = malloc(n * sizeof(double));
    a->rate = malloc(n * sizeof(double));
    a->wext = malloc(n * sizeof(double));
    a->pre = malloc(m * sizeof(int32_t));
    a->post = malloc(m * sizeof(int32_t));
    a->tgt = malloc(m * sizeof(int32_t));
    a->w = malloc(m * sizeof(float));
    a->wo = malloc(m * sizeof(float));
    a->d = malloc(m * sizeof(uint16_t));
    a->dout = malloc(m * sizeof(uint16_t));
    a->row = malloc((n + 1) * sizeof(uint64_t));
    a->work = malloc((2 * m + n + 1) * sizeof(uint64_t));
    for (size_t k = 0; k < n; ++k) {
        a->ps[k] = P;
        a->I[k] = I;
        a->rate[k] = rate;
        a->wext[k] = wext;
    }
    for (size_t e = 0; e < m; ++e) {
        x = x * 1664525u + 1013904223u; a->pre[e] = (int32_t)((x >> 8) % n);
        x = x * 1664525u + 1013904223u; a->post[e] = (int32_t)((x >> 8) % n);
        x = x * 1664525u + 1013904223u;
        a->w[e] = ei ? ((size_t)a->pre[e] < n * 4 / 5 ? 0.3f : -1.2f)
                     : (float)((x >> 8) % 100) * 0.05f - 1.5f;
        x = x * 1664525u + 1013904223u; a->d[e] = (uint16_t)((x >> 8) % nd);
    }
    size_t bad;
    CHECK(clif_net_csr_from_coo(n, m, a->pre, a->post, a->w, a->d, a->row, a->tgt, a->wo,
                                a->dout, a->work, &bad) == CLIF_OK);
    for (size_t j = 0; j < n; ++j)
        for (uint64_t e = a->row[j] + 1; e < a->row[j + 1]; ++e)
            CHECK(a->tgt[e - 1] <= a->tgt[e]);
    clif_net net = {n, a->ps, a->I, a->rate, a->wext, a->row, a->tgt, a->wo, a->dout,
                    table, nd, d_min, 0, 42, 0, NULL, NULL};
    return net;
}

static void free_net(tnet *a)
{
    free(a->ps); free(a->I); free(a->rate); free(a->wext); free(a->pre); free(a->post);
    free(a->tgt); free(a->w); free(a->wo); free(a->d); free(a->dout); free(a->row);
    free(a->work);
}

/* The network of random_net on 1 thread in one run and on T threads split
 * at t_mid (jitter: boundaries moved at random every window) give the same
 * spikes bit for bit, at least min_spikes of them. */
static void same_spikes(size_t n, size_t m, uint32_t seed, const double *table, size_t nd,
                        double d_min, double I, double rate, double wext, int ei, size_t T,
                        uint64_t jitter, double t_mid, double t_end, size_t min_spikes)
{
    enum { CAP = 200000 };
    static double t1[CAP], t2[CAP];
    static int64_t i1[CAP], i2[CAP];
    tnet a;
    clif_net net = random_net(&a, n, m, seed, table, nd, d_min, I, rate, wext, ei);
    size_t n1 = run_split(&net, 1, 0, t_end, t_end, t1, i1, CAP);
    size_t n2 = run_split(&net, T, jitter, t_mid, t_end, t2, i2, CAP);
    CHECK(n1 >= min_spikes && n1 == n2);
    CHECK(memcmp(t1, t2, n1 * sizeof *t1) == 0 && memcmp(i1, i2, n1 * sizeof *i1) == 0);
    free_net(&a);
}

static void threads(void)
{
    /* several delays, one block; 2 threads, split mid-window */
    static const double table3[3] = {1.0, 1.5, 2.5};
    same_spikes(200, 4000, 12345, table3, 3, 1.0, 1.0, 800.0, 1.0, 0, 2, 0, 77.7, 200.0, 100);
    /* one delay, many blocks of targets; 3 threads whose boundaries jump at
     * random every window */
    static const double table1[1] = {1.5};
    same_spikes(3000, 90000, 777, table1, 1, 1.5, 0.0, 3000.0, 0.6, 1, 3, 99, 31.1, 120.0, 1000);
}

/* Rows of one weight (E/I rows of random_net's ei) take phase C's path
 * that reads no weights.  The same network with a zero-weight synapse added
 * to every other row (which then takes the general path, and a 0 mV synapse
 * delivers nothing) gives the same spikes bit for bit; with one delay (all
 * pulses fresh) and with three (ring slots), on 1 and 2 threads. */
static void one_weight_rows(const double *table, size_t nd, double d_min, size_t T)
{
    enum { CAP = 200000 };
    static double t1[CAP], t2[CAP];
    static int64_t i1[CAP], i2[CAP];
    const size_t n = 1500, m = 45000, mz = n / 2;
    tnet a, b;
    clif_net net = random_net(&a, n, m, 4242, table, nd, d_min, 0.0, 3000.0, 0.6, 1);
    clif_net net2 = random_net(&b, n, m + mz, 4242, table, nd, d_min, 0.0, 3000.0, 0.6, 1);
    /* b: a's synapses (its first m draws are a's), then zeros from even rows */
    for (size_t z = 0; z < mz; ++z) {
        b.pre[m + z] = (int32_t)(2 * z);
        b.post[m + z] = (int32_t)((7 * z) % n);
        b.w[m + z] = 0.0f;
        b.d[m + z] = (uint16_t)(z % nd);
    }
    size_t bad;
    CHECK(clif_net_csr_from_coo(n, m + mz, b.pre, b.post, b.w, b.d, b.row, b.tgt, b.wo, b.dout,
                                b.work, &bad) == CLIF_OK);
    size_t n1 = run_split(&net, 1, 0, 150.0, 150.0, t1, i1, CAP);
    size_t n2 = run_split(&net2, T, 0, 61.3, 150.0, t2, i2, CAP);
    CHECK(n1 >= 1000 && n1 == n2);
    CHECK(memcmp(t1, t2, n1 * sizeof *t1) == 0 && memcmp(i1, i2, n1 * sizeof *i1) == 0);
    free_net(&a);
    free_net(&b);
}

/* A current model in a network: neuron 0 fires under DC, each spike
 * arriving 3 ms later at neuron 1 as a psc pulse of 2 nA.  Neuron 1's
 * spikes must be those of clif_model_advance over the same pulses (one
 * neuron, no network), bit for bit; V samples as clif_model_potential's. */
static void psc_chain(int model, int mixed)
{
    /* mixed: neuron 0 is delta (model_of), its spikes the delta kernel's */
    uint8_t model_of[2] = {CLIF_MODEL_DELTA, (uint8_t)model};
    static const clif_params P2 = {20.0, 20.0, -70.0, -50.0, -70.0, 2.0};
    clif_params ps[2] = {P2, P2};
    clif_syn_params syn[2] = {{0.5, 0.5}, {0.5, 0.5}};
    double I[2] = {1.3, 0.0}, table[1] = {3.0};
    int32_t pre[1] = {0}, post[1] = {1}, tgt[1];
    float w[1] = {model == CLIF_MODEL_PSC_EXP ? 60.0f : 25.0f}, wo[1];
    uint16_t d[1] = {0}, dout[1];
    uint64_t row[3], work[4];
    size_t bad = 9;
    CHECK(clif_net_csr_from_coo(2, 1, pre, post, w, d, row, tgt, wo, dout, work, &bad) == CLIF_OK);
    clif_net net = {2, ps, I, NULL, NULL, row, tgt, wo, dout, table, 1, 3.0, 0, 1, model, syn,
                    mixed ? model_of : NULL};
    clif_status st;
    clif_net_sim *sim = clif_net_sim_create(&net, 1, NULL, &st, &bad);
    CHECK(sim != NULL && st == CLIF_OK);
    if (!sim)
        return;
    clif_net_record rec;
    memset(&rec, 0, sizeof rec);
    rec.record_spikes = 1;
    rec.max_spikes = 1000;
    CHECK(clif_net_run(sim, 0, 300.0, &rec) == CLIF_OK);
    size_t ns = clif_net_sim_n_spikes(sim);
    double t[1000];
    int64_t idx[1000];
    clif_net_sim_spikes(sim, t, idx, 1);
    double in_t[1000], in_w[1000], out1[1000];
    size_t n_in = 0, n1 = 0;
    for (size_t k = 0; k < ns; ++k)
        if (idx[k] == 0) {
            in_t[n_in] = t[k];
            in_w[n_in++] = (double)w[0];
        } else {
            out1[n1++] = t[k];
        }
    CHECK(n_in > 5 && n1 > 2);
    if (mixed) {
        clif_exact_state e;
        clif_exact_init(&e, 0.0, -70.0);
        clif_drive dI = {1.3, 0.0, 0.0, 0.0};
        double ref0[1000];
        size_t n0 = 0, nx = 0;
        CHECK(clif_exact_advance(&P2, &dI, &e, 300.0, NULL, NULL, 0, &nx, 0, ref0, 1000, &n0)
              == CLIF_OK);
        int same0 = n0 == n_in;
        for (size_t k = 0; same0 && k < n0; ++k)
            same0 = ref0[k] == in_t[k];
        CHECK(same0);
    }
    for (size_t k = 0; k < n_in; ++k)
        in_t[k] += 3.0;
    clif_model_state s;
    clif_model_init(&s, 0.0, -70.0);
    clif_drive d0 = {0.0, 0.0, 0.0, 0.0};
    double ref[1000];
    size_t nr = 0, next = 0;
    CHECK(clif_model_advance(model, &P2, &syn[1], &d0, &s, 300.0, in_t, in_w, NULL, n_in, &next, 0,
                             ref, 1000, &nr) == CLIF_OK);
    CHECK(nr == n1);
    int same = nr == n1;
    for (size_t k = 0; same && k < nr; ++k)
        same = ref[k] == out1[k];
    CHECK(same);
    clif_net_sim_free(sim);
    net.refractory_input = CLIF_REFRACTORY_INTEGRATE;
    CHECK(clif_net_sim_create(&net, 1, NULL, &st, &bad) == NULL && st == CLIF_E_MODEL);
    net.refractory_input = 0;
    syn[1].tau_syn_in = -1.0;
    CHECK(clif_net_sim_create(&net, 1, NULL, &st, &bad) == NULL && st == CLIF_E_TAU_SYN
          && bad == 1);
}

int main(void)
{
    psc_chain(CLIF_MODEL_PSC_EXP, 0);
    psc_chain(CLIF_MODEL_PSC_ALPHA, 0);
    psc_chain(CLIF_MODEL_PSC_EXP, 1);
    psc_chain(CLIF_MODEL_PSC_ALPHA, 1);
    chain();
    threads();
    static const double table1[1] = {1.5}, table3[3] = {1.0, 1.5, 2.5};
    one_weight_rows(table1, 1, 1.5, 1);
    one_weight_rows(table1, 1, 1.5, 2);
    one_weight_rows(table3, 3, 1.0, 2);
    CTEST_END();
}
