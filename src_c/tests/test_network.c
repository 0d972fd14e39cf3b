/* C tests of src_c/network.c: a 2-neuron chain against the closed form, CSR
 * building, bad input, and 1 vs 2 threads bit for bit (and 3 threads whose
 * block boundaries move at random every window). */
#include "clif.h"
#include "ctest.h"
#include "network_impl.h"

#include <pthread.h>
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
    clif_net net = {2, ps, I, NULL, NULL, row, tgt, wo, dout, table, 1, 3.0, 0, 1};
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

#define N 200
#define M 4000
static void threads(void)
{
    static clif_params ps[N];
    static double I[N], rate[N], wext[N], table[3] = {1.0, 1.5, 2.5};
    static int32_t pre[M], post[M], tgt[M];
    static float w[M], wo[M];
    static uint16_t d[M], dout[M];
    static uint64_t row[N + 1], work[2 * M + N + 1];
    uint32_t x = 12345;
    for (size_t k = 0; k < N; ++k) {
        ps[k] = P;
        I[k] = 1.0;
        rate[k] = 800.0;
        wext[k] = 1.0;
    }
    for (size_t e = 0; e < M; ++e) {
        x = x * 1664525u + 1013904223u; pre[e] = (int32_t)((x >> 8) % N);
        x = x * 1664525u + 1013904223u; post[e] = (int32_t)((x >> 8) % N);
        x = x * 1664525u + 1013904223u; w[e] = (float)((x >> 8) % 100) * 0.05f - 1.5f;
        x = x * 1664525u + 1013904223u; d[e] = (uint16_t)((x >> 8) % 3);
    }
    size_t bad;
    CHECK(clif_net_csr_from_coo(N, M, pre, post, w, d, row, tgt, wo, dout, work, &bad) == CLIF_OK);
    for (size_t j = 0; j < N; ++j)
        for (uint64_t e = row[j] + 1; e < row[j + 1]; ++e)
            CHECK(tgt[e - 1] <= tgt[e]);
    clif_net net = {N, ps, I, rate, wext, row, tgt, wo, dout, table, 3, 1.0, 0, 42};
    static double t1[100000], t2[100000];
    static int64_t i1[100000], i2[100000];
    size_t n1, n2;
    clif_net_record rec;
    memset(&rec, 0, sizeof rec);
    rec.record_spikes = 1;
    rec.max_spikes = 100000;
    clif_status st;
    clif_net_sim *a = clif_net_sim_create(&net, 1, NULL, &st, &bad);
    CHECK(clif_net_run(a, 0, 200.0, &rec) == CLIF_OK);
    n1 = clif_net_sim_n_spikes(a);
    clif_net_sim_spikes(a, t1, i1, 1);
    clif_net_sim_free(a);
    /* 2 threads, split into two runs at 77.7 ms (mid-window) */
    clif_net_sim *b = clif_net_sim_create(&net, 2, NULL, &st, &bad);
    pthread_t th[2];
    job jobs[2];
    for (int r = 0; r < 2; ++r) {
        for (size_t k = 0; k < 2; ++k) {
            jobs[k].sim = b;
            jobs[k].tid = k;
            jobs[k].t = r ? 200.0 : 77.7;
            jobs[k].rec = &rec;
            pthread_create(&th[k], NULL, run_thread, &jobs[k]);
        }
        for (size_t k = 0; k < 2; ++k) {
            pthread_join(th[k], NULL);
            CHECK(jobs[k].st == CLIF_OK);
        }
    }
    n2 = clif_net_sim_n_spikes(b);
    clif_net_sim_spikes(b, t2, i2, 1);
    clif_net_sim_free(b);
    CHECK(n1 > 100 && n1 == n2);
    CHECK(memcmp(t1, t2, n1 * sizeof *t1) == 0 && memcmp(i1, i2, n1 * sizeof *i1) == 0);
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

/* One delay, many blocks of targets: 3 threads whose boundaries jump at
 * random every window give the 1-thread spikes bit for bit. */
#define NJ 3000
#define MJ 90000
static void jittered(void)
{
    static clif_params ps[NJ];
    static double I[NJ], rate[NJ], wext[NJ], table[1] = {1.5};
    static int32_t pre[MJ], post[MJ], tgt[MJ];
    static float w[MJ], wo[MJ];
    static uint16_t d[MJ], dout[MJ];
    static uint64_t row[NJ + 1], work[2 * MJ + NJ + 1];
    uint32_t x = 777;
    for (size_t k = 0; k < NJ; ++k) {
        ps[k] = P;
        I[k] = 0.0;
        rate[k] = 3000.0;
        wext[k] = 0.6;
    }
    for (size_t e = 0; e < MJ; ++e) {
        x = x * 1664525u + 1013904223u; pre[e] = (int32_t)((x >> 8) % NJ);
        x = x * 1664525u + 1013904223u; post[e] = (int32_t)((x >> 8) % NJ);
        w[e] = pre[e] < 2400 ? 0.3f : -1.2f;
        d[e] = 0;
    }
    size_t bad;
    CHECK(clif_net_csr_from_coo(NJ, MJ, pre, post, w, d, row, tgt, wo, dout, work, &bad)
          == CLIF_OK);
    clif_net net = {NJ, ps, I, rate, wext, row, tgt, wo, dout, table, 1, 1.5, 0, 7};
    static double t1[200000], t2[200000];
    static int64_t i1[200000], i2[200000];
    size_t n1 = run_split(&net, 1, 0, 31.1, 120.0, t1, i1, 200000);
    size_t n2 = run_split(&net, 3, 99, 31.1, 120.0, t2, i2, 200000);
    CHECK(n1 > 1000 && n1 == n2);
    CHECK(memcmp(t1, t2, n1 * sizeof *t1) == 0 && memcmp(i1, i2, n1 * sizeof *i1) == 0);
}

int main(void)
{
    jittered();
    chain();
    threads();
    CTEST_END();
}
