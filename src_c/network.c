/* Networks of exact LIF neurons with delayed delta synapses (declarations
 * and semantics in clif_network.h).
 *
 * One window, per thread (neurons [lo, hi): whole blocks of targets, the
 * boundaries moved between windows to even out the threads' times):
 *   A  every owned neuron is advanced with the exact kernel over its pulses
 *      of this window (its run in the window's ring slot, stably sorted by
 *      time on first use) merged with its external events.
 *   B  (thread 0) the window's spikes of all threads are sorted by (time,
 *      sender), recorded, counted.
 *   C  each thread walks that list and appends, for every synapse whose
 *      target it owns, the pulse to that target's run in the ring slot of
 *      its arrival window.
 * Barriers separate A|B and B|C; C of one window and A of the next touch
 * only the thread's own buffers, so they need none.
 *
 * A ring slot (R per block of targets) holds one fixed-capacity run per
 * target (times and weights in two arrays, run li at li * cap), so a pulse
 * is written once, where its target will read it: no partition pass.  A
 * full run doubles its slot's capacity (the block's runs move; amortised).
 * The memory of a slot is thus (targets of the block) x (largest run of any
 * of them in one window) x 12 bytes.
 *
 * The only allocations are at creation and geometric growth of buffers
 * when they fill (amortised, not per event); failures are CLIF_E_NOMEM.
 */
#define _POSIX_C_SOURCE 200809L
#include "clif.h"
#include "models/models_impl.h"
#include "exact_impl.h"
#include "rng_impl.h"
#include "expm1_impl.h"
#include "network_impl.h"

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* One ring slot of one block of targets: the pulses that arrive in one
 * window, as a run per target (li = target - block start) in push order. */
typedef struct tslot {
    double *t;   /* arrival times [ms]: run li is t[li * cap .. li * cap + n[li]) */
    float *w;    /* weights [mV], same layout */
    uint32_t *n; /* run lengths */
    size_t cap;
} tslot;

typedef struct tstate {
    size_t lo, hi;     /* this window's neurons: whole blocks (s->bb) */
    double busy;       /* seconds of work in the last window (balancing) */
    double speed;      /* its blocks per second, smoothed */
    double *tt;        /* sort scratch */
    float *tw;
    size_t cap_tt;
    double *mt, *mw;   /* merged synaptic + external pulses of a chunk of neurons */
    size_t cap_m;
    size_t *moff;      /* their offsets (blk + 1) */
    double *xt;        /* a chunk's external event times (draw_ext) */
    size_t *xoff;      /* their offsets (blk + 1) */
    double *ra, *rd;   /* a run's times and weights between sentinels (merge) */
    size_t cap_r;
    size_t cap_x;
    double *xe;        /* the chunk's unit exponential intervals */
    size_t cap_xe;
    double *xe2;       /* a further batch of one neuron's */
    size_t cap_xe2;
    uint64_t *xst, *xk0; /* the chunk's draw requests (clif__exponentials_multi) */
    size_t *xn;
    double **xout;
    size_t cap_xr, cap_xr2;
    double *ma, *me;   /* the kernel's decay exponents and expm1s between events */
    size_t cap_me;
    clif__model_basis *mb; /* a current-model neuron's propagator pieces between events */
    size_t cap_mb;
    double *sb;        /* spike times of one neuron from one advance */
    size_t cap_sb;
    double *st;        /* this window's spikes (neuron-major) */
    int64_t *si;
    size_t n_s, cap_s;
    double *arr;       /* phase C: arrival time and ring slot per (spike, delay) */
    size_t *slot;
    size_t cap_arr;
    uint64_t *pos, *end; /* phase C: each spike's unread synapses of the block */
    size_t cap_pos;
    float *xw;         /* phase C: each spike's row weight (s->roww) */
    size_t cap_xw;
    tslot fresh;       /* phase C -> A: the next window's pulses of one block */
    size_t q0;         /* first V sample not before the window */
    int trusted;       /* a chunk's gathered events are as fast2 trusts */
    uint64_t syn_events, ext_events;
    clif_status status;
    /* The threads' tstates lie side by side and are written per neuron
     * (counters) and per window: keep them off each other's cache lines. */
    char pad[128];
} tstate;

struct clif_net_sim {
    clif_net net;
    size_t T, R;
    clif_exact_state *s;
    /* current models: full states, prepared propagators, neuron -> prop */
    clif_model_state *ms;
    clif__model_prop *mp;
    uint32_t *mpi;
    double *ext_next;
    uint64_t *ext_ctr;
    tstate *th;
    int64_t k;   /* current window */
    double t;    /* current time, in [k d_min, (k+1) d_min) */
    double *wt;  /* the window's spikes, sorted */
    int64_t *wi;
    size_t wn, wcap;
    size_t blk;  /* phase C target block (above) */
    size_t nb;   /* blocks: neurons [b blk, min(n, (b + 1) blk)) */
    tslot *ring; /* R slots per block: ring[b R + r] */
    uint32_t *cur; /* next pulse per neuron in the current window's run */
    float *roww; /* per row: its one weight, or NaN where they differ */
    double *vinf; /* per neuron: clif__exact_fast_vinf of its constant drive */
    size_t *bb;  /* thread j owns blocks [bb[j], bb[j + 1]) this window */
    uint64_t jitter; /* tests: nonzero moves the boundaries at random */
    clif_spike *work;
    size_t workcap;
    size_t *bins;
    double *rt; /* recorded spikes */
    int64_t *ri;
    size_t rn, rcap;
    clif_status status;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t count;
    unsigned gen;
    int spin;    /* barrier: spin before sleeping (T <= CPUs) */
    clif_net_exchange_fn xfn; /* distributed runs: the host's exchange */
    void *xctx;
    const volatile int *stop; /* clif_net_sim_set_stop: the host's flag, or NULL */
    int stopping;             /* thread 0 saw *stop at this window's end */
    /* spike sources (clif_net_sim_set_sources): rows n .. n + n_src - 1 */
    size_t n_src, src_n;
    const double *src_t;
    const int64_t *src_i;
};

/* Phase C goes over the window's spikes once per block of s->blk owned
 * targets (rows are sorted by target, so each spike's segment of a block
 * follows that of the previous block).  The write positions of a block's
 * runs then stay in cache, where one pass over all targets would miss on
 * nearly every pulse (successive pulses to one run lie ~N pulses apart).
 * A run still receives its pulses in spike order, then row order.
 * Block size: with one delay every pulse goes to the fresh runs, reused
 * block after block from cache, so blocks are small (64 targets on Brunel
 * N = 10k: 1.1x faster than 1024), holding ~4 synapses of an average row
 * (4 N / K targets for mean out-degree K).  With several delays most
 * pulses go to ring slots anyway, and longer segments (32 N / K) keep the
 * row reads sequential (N = 50k, K = 2615, 41 delays: 128 targets 18.0 s,
 * 1024-2048 15.4 s). */

#define N_BINS 4098

/* Grow *p (of element size sz, capacity *cap) to hold need elements. */
static int grow(void **p, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap)
        return 1;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * sz);
    if (!q)
        return 0;
    *p = q;
    *cap = c;
    return 1;
}

/* Two arrays sharing one capacity: grow both or fail (then neither cap
 * changes, though one may have moved, which is harmless). */
static int grow2(void **a, void **b, size_t *cap, size_t need, size_t sa, size_t sb)
{
    if (need <= *cap)
        return 1;
    size_t c = *cap ? *cap : 16, ca;
    while (c < need)
        c *= 2;
    ca = *cap;
    if (!grow(a, &ca, c, sa))
        return 0;
    ca = *cap;
    if (!grow(b, &ca, c, sb))
        return 0;
    *cap = c;
    return 1;
}

static double now_s(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0.0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#define CLIF_CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define CLIF_CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CLIF_CPU_RELAX() ((void)0)
#endif

#if defined(__GNUC__)
#define CLIF_PREFETCH(p) __builtin_prefetch(p)
#else
#define CLIF_PREFETCH(p) ((void)0)
#endif

static void barrier(clif_net_sim *s)
{
    if (s->T == 1)
        return;
#if defined(__GNUC__)
    /* Spin a little (up to ~100 us) before sleeping: the windows are short
     * (a few ms) and the threads arrive close together, and waking a
     * sleeping thread costs tens of microseconds (more under a hypervisor),
     * twice per window (Brunel 16 Hz, 2 threads: 6% of the run).  No
     * spinning when there are more threads than CPUs. */
    unsigned gen = __atomic_load_n(&s->gen, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&s->count, 1, __ATOMIC_ACQ_REL) == s->T) {
        __atomic_store_n(&s->count, 0, __ATOMIC_RELAXED);
        pthread_mutex_lock(&s->mu);
        __atomic_store_n(&s->gen, gen + 1, __ATOMIC_RELEASE);
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        return;
    }
    if (s->spin) {
        double until = now_s() + 1e-4;
        for (unsigned k = 1;; ++k) {
            if (__atomic_load_n(&s->gen, __ATOMIC_ACQUIRE) != gen)
                return;
            CLIF_CPU_RELAX();
            if (k % 64 == 0 && now_s() > until)
                break;
        }
    }
    pthread_mutex_lock(&s->mu);
    while (__atomic_load_n(&s->gen, __ATOMIC_ACQUIRE) == gen)
        pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
#else
    pthread_mutex_lock(&s->mu);
    unsigned gen = s->gen;
    if (++s->count == s->T) {
        s->count = 0;
        s->gen++;
        pthread_cond_broadcast(&s->cv);
    } else {
        while (gen == s->gen)
            pthread_cond_wait(&s->cv, &s->mu);
    }
    pthread_mutex_unlock(&s->mu);
#endif
}

static double win_start(const clif_net_sim *s, int64_t k) { return (double)k * s->net.d_min; }

static int64_t window_of(double t, double d_min)
{
    int64_t k = (int64_t)floor(t / d_min);
    if ((double)k * d_min > t)
        --k;
    else if ((double)(k + 1) * d_min <= t)
        ++k;
    return k;
}

/* ---- creation ------------------------------------------------------- */

/* Checks the network; fills roww[j] (when given), row j's one weight (NaN
 * where its weights differ: weights are finite, so NaN marks it), in the
 * same pass over the synapses.  Rows of one weight (Dale's law with one
 * weight per population: Brunel, random_connectome) let phase C read no
 * weights, half the row bytes it streams from memory. */
static int model_of(const clif_net *net, size_t i)
{
    return net->model_of ? (int)net->model_of[i] : net->model;
}

/* Rows [j0, j1) of the connectivity: targets in [0, n), finite weights,
 * delays in the table; roww[j - j0] (when given) receives row j's one
 * weight, NaN where its weights differ (weights are finite, so NaN marks it). */
static clif_status check_rows(const clif_net *net, size_t j0, size_t j1, size_t *bad,
                              float *roww)
{
    for (size_t j = j0; j < j1; ++j) {
        const uint64_t r0 = net->row[j], r1 = net->row[j + 1];
        *bad = j;
        if (r1 < r0)
            return CLIF_E_SIZE;
        float w = r0 < r1 ? net->weight[r0] : 0.0f;
        for (uint64_t e = r0; e < r1; ++e) {
            *bad = (size_t)e;
            if (net->target[e] < 0 || (size_t)net->target[e] >= net->n)
                return CLIF_E_TARGET;
            if (!isfinite(net->weight[e]))
                return CLIF_E_VALUE;
            if (net->delay[e] >= net->n_delays)
                return CLIF_E_DELAY;
            if (net->weight[e] != w)
                w = NAN;
        }
        if (roww)
            roww[j - j0] = w;
    }
    return CLIF_OK;
}

static clif_status check_net(const clif_net *net, size_t *bad, float *roww)
{
    *bad = 0;
    if (!net->params || !net->I_e || !net->row || (net->row[net->n] && (!net->target
        || !net->weight || !net->delay)) || (net->n_delays && !net->delay_table)
        || (net->ext_rate && !net->ext_weight))
        return CLIF_E_NULL;
    if (!(isfinite(net->d_min) && net->d_min > 0.0))
        return CLIF_E_DELAY;
    if (net->n == 0 || net->n > (size_t)INT32_MAX || net->n_delays > CLIF_NET_MAX_DELAYS)
        return CLIF_E_SIZE;
    for (size_t d = 0; d < net->n_delays; ++d)
        if (!(isfinite(net->delay_table[d]) && net->delay_table[d] >= net->d_min)) {
            *bad = d;
            return CLIF_E_DELAY;
        }
    for (size_t i = 0; i < net->n; ++i) {
        *bad = i;
        const int m = model_of(net, i);
        if (m < 0 || m >= CLIF_MODEL__COUNT
            || (m != CLIF_MODEL_DELTA && net->refractory_input != CLIF_REFRACTORY_DROP))
            return CLIF_E_MODEL;
        if (m != CLIF_MODEL_DELTA && !net->syn)
            return CLIF_E_NULL;
        clif_status st = clif_check_params(&net->params[i]);
        if (st == CLIF_OK && m != CLIF_MODEL_DELTA)
            st = clif_check_syn_params(m, &net->syn[i]);
        if (st != CLIF_OK)
            return st;
        if (!isfinite(net->I_e[i]))
            return CLIF_E_VALUE;
        if (net->ext_rate && !(net->ext_rate[i] >= 0.0
                               && net->ext_rate[i] <= CLIF_NET_MAX_EXT_RATE
                               && isfinite(net->ext_weight[i])))
            return CLIF_E_VALUE;
        if (net->row[i + 1] < net->row[i])
            return CLIF_E_SIZE;
    }
    if (net->row[0] != 0)
        return CLIF_E_SIZE;
    clif_status st = check_rows(net, 0, net->n, bad, roww);
    if (st != CLIF_OK)
        return st;
    *bad = 0;
    return CLIF_OK;
}

static void free_ring(clif_net_sim *s)
{
    if (!s->ring)
        return;
    for (size_t r = 0; r < s->nb * s->R; ++r) {
        free(s->ring[r].t); free(s->ring[r].w); free(s->ring[r].n);
    }
    free(s->ring);
}

void clif_net_sim_free(clif_net_sim *s)
{
    if (!s)
        return;
    if (s->th) {
        for (size_t j = 0; j < s->T; ++j) {
            tstate *t = &s->th[j];
            free(t->fresh.t); free(t->fresh.w); free(t->fresh.n);
            free(t->tt); free(t->tw); free(t->mt); free(t->mw); free(t->xt); free(t->xe); free(t->xe2); free(t->xoff);
            free(t->xst); free(t->xk0); free(t->xn); free(t->xout);
            free(t->ma); free(t->me); free(t->mb); free(t->moff); free(t->ra); free(t->rd);
            free(t->sb); free(t->st); free(t->si); free(t->arr); free(t->slot);
            free(t->pos); free(t->end); free(t->xw);
        }
        free(s->th);
    }
    free_ring(s);
    free(s->cur); free(s->bb); free(s->roww); free(s->vinf);
    free(s->s); free(s->ms); free(s->mp); free(s->mpi); free(s->ext_next); free(s->ext_ctr);
    free(s->wt); free(s->wi); free(s->work); free(s->bins); free(s->rt); free(s->ri);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}

/* Neurons in the block starting at neuron b0. */
static size_t block_size(const clif_net_sim *s, size_t b0)
{
    return s->net.n - b0 < s->blk ? s->net.n - b0 : s->blk;
}

/* Each thread's neurons from the block boundaries. */
static void set_ranges(clif_net_sim *s)
{
    for (size_t j = 0; j < s->T; ++j) {
        size_t lo = s->bb[j] * s->blk, hi = s->bb[j + 1] * s->blk;
        s->th[j].lo = lo < s->net.n ? lo : s->net.n;
        s->th[j].hi = hi < s->net.n ? hi : s->net.n;
    }
}

/* Between windows (thread 0, the others wait): move the block boundaries
 * so that each thread's share follows its measured speed (blocks per second
 * of work, smoothed), which evens out the time the threads wait at the
 * barrier when the cores run at different speeds or the work is uneven.
 * The data of a block (its ring slots, cur) belong to the block, so moving
 * a boundary copies nothing, and the results do not depend on it. */
static void rebalance(clif_net_sim *s)
{
    const size_t T = s->T, nb = s->nb;
    if (T == 1 || nb <= T)
        return;
    if (s->jitter) { /* tests: boundaries at random, at least a block each */
        size_t acc = 0;
        for (size_t j = 0; j < T; ++j) {
            s->jitter = s->jitter * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t left = nb - acc - (T - j - 1);
            size_t take = j + 1 == T ? left : 1 + (size_t)((s->jitter >> 33) % left);
            s->bb[j] = acc;
            acc += take;
        }
        s->bb[T] = nb;
        set_ranges(s);
        return;
    }
    double total = 0.0;
    for (size_t j = 0; j < T; ++j) {
        tstate *t = &s->th[j];
        size_t blocks = s->bb[j + 1] - s->bb[j];
        if (!(t->busy > 0.0))
            return; /* no timing (a clock without resolution): keep the split */
        double v = (double)blocks / t->busy;
        t->speed = t->speed > 0.0 ? 0.75 * t->speed + 0.25 * v : v;
        total += t->speed;
    }
    double acc = 0.0;
    for (size_t j = 1; j < T; ++j) {
        acc += s->th[j - 1].speed;
        double want = floor((double)nb * acc / total + 0.5);
        size_t b = want < 1.0 ? 1 : (size_t)want;
        if (b < s->bb[j - 1] + 1)
            b = s->bb[j - 1] + 1;
        if (b > nb - (T - j))
            b = nb - (T - j);
        s->bb[j] = b;
    }
    set_ranges(s);
}

void clif__net_sim_jitter(clif_net_sim *s, uint64_t seed)
{
    if (s)
        s->jitter = seed;
}

clif_net_sim *clif_net_sim_create(const clif_net *net, size_t n_threads, const double *V0,
                                  clif_status *status, size_t *bad)
{
    size_t dummy;
    if (!bad)
        bad = &dummy;
    if (!status || !net) {
        if (status)
            *status = CLIF_E_NULL;
        return NULL;
    }
    /* (an n beyond INT32_MAX is refused by check_net before roww is used) */
    float *roww = net->n - 1 < (size_t)INT32_MAX ? malloc(net->n * sizeof *roww) : NULL;
    *status = check_net(net, bad, roww);
    if (*status == CLIF_OK && !roww)
        *status = CLIF_E_NOMEM;
    if (*status != CLIF_OK) {
        free(roww);
        return NULL;
    }
    if (n_threads == 0 || n_threads > net->n)
        n_threads = n_threads == 0 ? 1 : net->n;
    clif_net_sim *s = calloc(1, sizeof *s);
    if (!s) {
        free(roww);
        *status = CLIF_E_NOMEM;
        return NULL;
    }
    s->roww = roww;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->net = *net;
    s->T = n_threads;
    {
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        s->spin = ncpu > 0 && n_threads <= (size_t)ncpu;
    }
    double dmax = net->d_min;
    for (size_t d = 0; d < net->n_delays; ++d)
        dmax = fmax(dmax, net->delay_table[d]);
    /* Arrivals land at most floor(dmax / d_min) + 1 windows ahead (+1 for
     * rounding); the slot being read is never written. */
    double r = floor(dmax / net->d_min) + 3.0;
    if (!(r < 1e7)) {
        *status = CLIF_E_DELAY;
        clif_net_sim_free(s);
        return NULL;
    }
    s->R = (size_t)r;
    size_t n = net->n;
    {
        double K = (double)net->row[n] / (double)n;
        double want = (net->n_delays > 1 ? 32.0 : 4.0) * (double)n / fmax(K, 1.0);
        s->blk = 64;
        while ((double)s->blk < want && s->blk < 4096)
            s->blk *= 2;
    }
    s->s = malloc(n * sizeof *s->s);
    s->th = calloc(s->T, sizeof *s->th);
    s->bins = malloc((N_BINS + 1) * sizeof *s->bins);
    if (net->ext_rate) {
        s->ext_next = malloc(n * sizeof *s->ext_next);
        s->ext_ctr = calloc(n, sizeof *s->ext_ctr);
    }
    s->nb = (n + s->blk - 1) / s->blk;
    s->ring = calloc(s->nb * s->R, sizeof *s->ring);
    s->cur = calloc(n, sizeof *s->cur);
    s->bb = malloc((s->T + 1) * sizeof *s->bb);
    s->vinf = malloc(n * sizeof *s->vinf);
    int cur_model = 0;
    for (size_t i = 0; i < n && !cur_model; ++i)
        cur_model = model_of(net, i) != CLIF_MODEL_DELTA;
    if (cur_model) {
        s->ms = malloc(n * sizeof *s->ms);
        s->mpi = malloc(n * sizeof *s->mpi);
        s->mp = malloc(n * sizeof *s->mp);
    }
    int ok = s->s && s->th && s->bins && (!net->ext_rate || (s->ext_next && s->ext_ctr))
             && s->ring && s->cur && s->bb && s->vinf
             && (!cur_model || (s->ms && s->mpi && s->mp));
    /* Neurons with the parameters of the one before share its propagator
     * (populations: one prepared per population, not per neuron). */
    for (size_t i = 0, np = 0; ok && cur_model && i < n; ++i) {
        const int m = model_of(net, i);
        s->mpi[i] = 0;
        if (m == CLIF_MODEL_DELTA)
            continue;
        const clif_params *p = &net->params[i];
        if (i && model_of(net, i - 1) == m && memcmp(p, &net->params[i - 1], sizeof *p) == 0
            && net->I_e[i] == net->I_e[i - 1]
            && memcmp(&net->syn[i], &net->syn[i - 1], sizeof net->syn[i]) == 0) {
            s->mpi[i] = s->mpi[i - 1];
            continue;
        }
        clif_drive d = {net->I_e[i], 0.0, 0.0, 0.0};
        clif__model_ops[m].prepare(p, &net->syn[i], &s->mp[np]);
        clif__model_ops[m].drive(&s->mp[np], &d);
        s->mpi[i] = (uint32_t)np++;
    }
    for (size_t i = 0; ok && i < n; ++i) {
        clif_drive d = {net->I_e[i], 0.0, 0.0, 0.0};
        s->vinf[i] = clif__exact_fast_vinf(&net->params[i], &d);
    }
    /* Runs get their storage with their first pulse (cap 0 until then). */
    for (size_t b = 0; ok && b < s->nb; ++b)
        for (size_t r = 0; ok && r < s->R; ++r)
            ok = (s->ring[b * s->R + r].n = calloc(block_size(s, b * s->blk),
                                                   sizeof *s->ring[0].n)) != NULL;
    for (size_t j = 0; ok && j <= s->T; ++j)
        s->bb[j] = s->nb * j / s->T;
    for (size_t j = 0; ok && j < s->T; ++j) {
        tstate *t = &s->th[j];
        t->fresh.n = calloc(s->blk, sizeof *t->fresh.n);
        t->moff = malloc((s->blk + 1) * sizeof *t->moff);
        t->xoff = malloc((s->blk + 1) * sizeof *t->xoff);
        ok = t->fresh.n && t->moff && t->xoff;
    }
    if (ok)
        set_ranges(s);
    if (!ok) {
        *status = CLIF_E_NOMEM;
        clif_net_sim_free(s);
        return NULL;
    }
    s->t = 0.0;
    s->k = 0;
    for (size_t i = 0; i < n; ++i) {
        clif_exact_init(&s->s[i], 0.0, V0 ? V0[i] : net->params[i].E_L);
        if (s->ms)
            clif_model_init(&s->ms[i], 0.0, s->s[i].V0);
        if (!isfinite(s->s[i].V0)) {
            *bad = i;
            *status = CLIF_E_VALUE;
            clif_net_sim_free(s);
            return NULL;
        }
        if (net->ext_rate) {
            s->ext_next[i] = INFINITY;
            if (net->ext_rate[i] > 0.0) {
                double e0;
                clif__exponentials(net->seed, CLIF_NET_EXT_STREAM + i, 0, 1, &e0);
                s->ext_next[i] = e0 * (1000.0 / net->ext_rate[i]);
                s->ext_ctr[i] = 1;
            }
        }
    }
    return s;
}

double clif_net_sim_time(const clif_net_sim *s) { return s->t; }
const clif_exact_state *clif_net_sim_states(const clif_net_sim *s) { return s->s; }
const clif_model_state *clif_net_sim_model_states(const clif_net_sim *s) { return s->ms; }
size_t clif_net_sim_n_spikes(const clif_net_sim *s) { return s->rn; }

void clif_net_sim_spikes(clif_net_sim *s, double *t, int64_t *i, int clear)
{
    if (s->rn) {
        memcpy(t, s->rt, s->rn * sizeof *t);
        memcpy(i, s->ri, s->rn * sizeof *i);
    }
    if (clear)
        s->rn = 0;
}

void clif_net_sim_counters(const clif_net_sim *s, uint64_t *syn, uint64_t *ext)
{
    uint64_t a = 0, b = 0;
    for (size_t j = 0; j < s->T; ++j) {
        a += s->th[j].syn_events;
        b += s->th[j].ext_events;
    }
    if (syn)
        *syn = a;
    if (ext)
        *ext = b;
}

/* ---- phase A ---------------------------------------------------------- */

/* Stable rank sort of (t, w)[0..n) into (tt, tw): each element's rank
 * counted with compares (elements before it count when <=, after it when
 * <, so equal times keep their order).  Short runs with several delays are
 * pulses of several source windows in random order; insertion sort lost a
 * mispredicted branch per element there, these compares have no branch and
 * vectorise (AVX2: 2x faster than insertion sort for 12-48 elements). */
#define RANK_SORT_BODY                                                          \
    for (size_t q = 0; q < n; ++q) {                                            \
        const double a = t[q];                                                  \
        size_t r = 0;                                                           \
        for (size_t j = 0; j < q; ++j)                                          \
            r += t[j] <= a;                                                     \
        for (size_t j = q + 1; j < n; ++j)                                      \
            r += t[j] < a;                                                      \
        tt[r] = a;                                                              \
        tw[r] = w[q];                                                           \
    }
#ifdef CLIF__X86
CLIF__T_AVX2 static void rank_sort_avx2(const double *t, const float *w,
                                                            size_t n, double *tt, float *tw)
{
    RANK_SORT_BODY
}
#endif
#undef RANK_SORT_BODY

/* Stable sort of the run (t, w)[0..n) by t; (tt, tw) hold n. */
static void sort_run(double *t, float *w, size_t n, double *tt, float *tw)
{
    size_t i;
    for (i = 1; i < n && t[i - 1] <= t[i]; ++i)
        ;
    if (i >= n)
        return;
#ifdef CLIF__X86
    if (n <= 48 && (clif__cpu() & CLIF_CPU_AVX2)) {
        rank_sort_avx2(t, w, n, tt, tw);
        memcpy(t, tt, n * sizeof *t);
        memcpy(w, tw, n * sizeof *w);
        return;
    }
#endif
    if (n <= 32) {
        for (; i < n; ++i) {
            double a = t[i];
            float b = w[i];
            size_t j = i;
            for (; j > 0 && t[j - 1] > a; --j) {
                t[j] = t[j - 1];
                w[j] = w[j - 1];
            }
            t[j] = a;
            w[j] = b;
        }
        return;
    }
    /* bottom-up merge sort, ping-ponging between (t, w) and (tt, tw) */
    double *xt = t, *yt = tt;
    float *xw = w, *yw = tw;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t p = lo, q = mid, o = lo;
            while (p < mid && q < hi) {
                size_t f = xt[p] <= xt[q], s = f ? p++ : q++;
                yt[o] = xt[s];
                yw[o++] = xw[s];
            }
            for (; p < mid; ++p, ++o) {
                yt[o] = xt[p];
                yw[o] = xw[p];
            }
            for (; q < hi; ++q, ++o) {
                yt[o] = xt[q];
                yw[o] = xw[q];
            }
        }
        double *zt = xt; xt = yt; yt = zt;
        float *zw = xw; xw = yw; yw = zw;
    }
    if (xt != t) {
        memcpy(t, xt, n * sizeof *t);
        memcpy(w, xw, n * sizeof *w);
    }
}

/* Double the capacity of every run of a slot (nl runs), keeping them. */
static clif_status grow_slot(tslot *sl, size_t nl)
{
    /* 8 times an odd number (8, 24, 56, 120, ...): runs then start an odd
     * number of cache lines (times) or half lines (weights) apart, spread
     * over the L1 sets.  With a power of two, 64 runs 2 KB apart fell in
     * 2 of the 64 sets, and phase C's appends missed L1 on every run. */
    size_t cap = sl->cap ? 2 * sl->cap + 8 : 8;
    if (cap > UINT32_MAX || nl > SIZE_MAX / sizeof(double) / cap)
        return CLIF_E_NOMEM;
    double *t = malloc(nl * cap * sizeof *t);
    float *w = malloc(nl * cap * sizeof *w);
    if (!t || !w) {
        free(t);
        free(w);
        return CLIF_E_NOMEM;
    }
    for (size_t li = 0; li < nl && sl->cap; ++li) {
        memcpy(t + li * cap, sl->t + li * sl->cap, sl->n[li] * sizeof *t);
        memcpy(w + li * cap, sl->w + li * sl->cap, sl->n[li] * sizeof *w);
    }
    free(sl->t);
    free(sl->w);
    sl->t = t;
    sl->w = w;
    sl->cap = cap;
    return CLIF_OK;
}

/* Append the pulse (t, w) to run li of slot sl (of nl runs). */
static inline clif_status put(tslot *sl, size_t nl, size_t li, double t, float w)
{
    uint32_t c = sl->n[li];
    if (c == sl->cap) {
        clif_status st = grow_slot(sl, nl);
        if (st != CLIF_OK)
            return st;
    }
    size_t o = li * sl->cap + c;
    sl->t[o] = t;
    sl->w[o] = w;
    sl->n[li] = c + 1;
    return CLIF_OK;
}


/* f ? a : b without a branch */
static inline double sel(size_t f, double a, double b)
{
    uint64_t m = (uint64_t)0 - (uint64_t)f;
    return clif__dbl((clif__bits(a) & m) | (clif__bits(b) & ~m));
}

/* After one advance of neuron i that wrote ns spikes to th->sb with status
 * st: append them to the thread's window list; on CLIF_E_CAPACITY grow
 * th->sb and return it (the caller advances again), else return st. */
static clif_status take_spikes(tstate *th, size_t i, size_t ns, clif_status st)
{
    if (!grow2((void **)&th->st, (void **)&th->si, &th->cap_s, th->n_s + ns, sizeof(double),
               sizeof(int64_t)))
        return CLIF_E_NOMEM;
    for (size_t q = 0; q < ns; ++q) {
        th->st[th->n_s] = th->sb[q];
        th->si[th->n_s++] = (int64_t)i;
    }
    if (st == CLIF_E_CAPACITY
        && !grow((void **)&th->sb, &th->cap_sb, th->cap_sb + 1, sizeof(double)))
        return CLIF_E_NOMEM;
    return st;
}

/* Advance neuron i to t_hi over pulses (pt, pw)[0..np), appending its spikes
 * to the thread's window list. */
static clif_status advance(clif_net_sim *s, tstate *th, size_t i, const clif_drive *d,
                           double t_hi, const double *pt, const double *pw, const double *pe,
                           size_t np, size_t *next)
{
    const clif_params *p = &s->net.params[i];
    for (;;) {
        size_t ns = 0;
        /* Parameters were checked by clif_net_sim_create. */
        clif_status st = clif__exact_advance_trusted(p, d, &s->s[i], t_hi, pt, pw, np > 1 ? pe : NULL, np,
                                                     next,
                                                     s->net.refractory_input, th->sb,
                                                     th->cap_sb, &ns);
        if ((st = take_spikes(th, i, ns, st)) != CLIF_E_CAPACITY)
            return st;
    }
}

/* advance() for a current model: its prepared propagator, the same pulses;
 * the delta part of its state is mirrored into s->s (gather reads it). */
static clif_status advance_model(clif_net_sim *s, tstate *th, size_t i, double t_hi,
                                 const double *pt, const double *pw, const clif__model_basis *mb,
                                 size_t np, size_t *next)
{
    if (model_of(&s->net, i) == CLIF_MODEL_DELTA) {
        /* a delta neuron beside current-model ones: the delta kernel */
        clif_drive d = {s->net.I_e[i], 0.0, 0.0, 0.0};
        clif_status st = advance(s, th, i, &d, t_hi, pt, pw, NULL, np, next);
        s->ms[i].t = s->s[i].t;
        s->ms[i].t0 = s->s[i].t0;
        s->ms[i].V0 = s->s[i].V0;
        s->ms[i].t_ref_end = s->s[i].t_ref_end;
        return st;
    }
    const clif__model_prop *pr = &s->mp[s->mpi[i]];
    clif_model_state *ms = &s->ms[i];
    for (;;) {
        size_t ns = 0;
        clif_status st = clif__model_ops[model_of(&s->net, i)].advance(
            pr, ms, t_hi, pt, pw, NULL, mb, np, next, th->sb, th->cap_sb, &ns);
        s->s[i].t = ms->t;
        s->s[i].t0 = ms->t0;
        s->s[i].V0 = ms->V0;
        s->s[i].t_ref_end = ms->t_ref_end;
        if ((st = take_spikes(th, i, ns, st)) != CLIF_E_CAPACITY)
            return st;
    }
}

static double potential_model(const clif_net_sim *s, size_t i, double t)
{
    if (model_of(&s->net, i) == CLIF_MODEL_DELTA) {
        clif_drive d = {s->net.I_e[i], 0.0, 0.0, 0.0};
        return clif_exact_potential(&s->net.params[i], &d, &s->s[i], t);
    }
    const clif__model_prop *pr = &s->mp[s->mpi[i]];
    return clif__model_ops[model_of(&s->net, i)].potential(pr, &s->ms[i], t, NULL);
}

/* How many unit intervals to draw for neuron i's next batch, starting at
 * its interval c at time x: the expected number up to t_hi plus 2 sd and 1
 * (a second batch in ~1-3% of windows; 3 sd and 8 drew twice the intervals
 * used on Brunel, and 1.5 sd and 4 drew 4.7x those used in 0.1 ms windows
 * (the microcircuit), where the + 4 dominates); the unused ones are drawn
 * again next window (counter-based, so the same numbers, whatever the
 * batch).  CLIF_E_SIZE past 2^52 events. */
static clif_status ext_batch(const clif_net *net, size_t i, uint64_t c, double x, double t_hi,
                             size_t *want)
{
    double mu = (t_hi - x) / (1000.0 / net->ext_rate[i]);
    size_t w = mu < 4000.0 ? (size_t)(mu + 2.0 * sqrt(mu) + 1.0) : 4096;
    if (c >= CLIF_RNG_INDEX_LIMIT)
        return CLIF_E_SIZE;
    *want = w > CLIF_RNG_INDEX_LIMIT - c ? (size_t)(CLIF_RNG_INDEX_LIMIT - c) : w;
    return CLIF_OK;
}

/* The external events before t_hi of the owned neurons [c0, c1) (a chunk):
 * neuron i's at th->xt + th->xoff[i - c0] + 1 .., between sentinels -inf
 * and +inf, so xoff[i - c0 + 1] - xoff[i - c0] - 2 of them.  All first
 * batches of intervals are drawn before any is summed into times: a draw
 * is a Philox chain of ~80 cycles' latency and a sum a chain of adds, and
 * neighbouring neurons' chains overlap only when their code lies close
 * (one neuron at a time, draw then sum, the core waited on each). */
static clif_status draw_ext(clif_net_sim *s, tstate *th, size_t c0, size_t c1, double t_hi)
{
    const clif_net *net = &s->net;
    const size_t m = c1 - c0;
    size_t tot = 0;
    for (size_t i = c0; i < c1; ++i) {
        size_t want = 0;
        const double x = net->ext_rate ? s->ext_next[i] : INFINITY;
        clif_status st;
        if (x < t_hi && (st = ext_batch(net, i, s->ext_ctr[i], x, t_hi, &want)) != CLIF_OK)
            return st;
        th->xoff[i - c0] = tot;
        tot += want;
    }
    th->xoff[m] = tot;
    if (!grow((void **)&th->xe, &th->cap_xe, tot, sizeof(double))
        || !grow((void **)&th->xt, &th->cap_x, tot + 2 * m, sizeof(double)))
        return CLIF_E_NOMEM;
    if (!grow2((void **)&th->xst, (void **)&th->xk0, &th->cap_xr, m, sizeof(uint64_t),
               sizeof(uint64_t))
        || !grow2((void **)&th->xn, (void **)&th->xout, &th->cap_xr2, m, sizeof(size_t),
                  sizeof(double *)))
        return CLIF_E_NOMEM;
    size_t nr = 0;
    for (size_t i = c0; i < c1; ++i)
        if (th->xoff[i - c0 + 1] > th->xoff[i - c0]) {
            th->xst[nr] = CLIF_NET_EXT_STREAM + i;
            th->xk0[nr] = s->ext_ctr[i];
            th->xn[nr] = th->xoff[i - c0 + 1] - th->xoff[i - c0];
            th->xout[nr++] = th->xe + th->xoff[i - c0];
        }
    clif__exponentials_multi(net->seed, nr, th->xst, th->xk0, th->xn, th->xout);
    size_t o = 0, w0 = 0;
    for (size_t i = c0; i < c1; ++i) {
        const size_t w1 = th->xoff[i - c0 + 1];
        double *xt = th->xt;
        th->xoff[i - c0] = o;
        xt[o++] = -INFINITY;
        double x = net->ext_rate ? s->ext_next[i] : INFINITY;
        if (x < t_hi) {
            const double scale = 1000.0 / net->ext_rate[i];
            uint64_t c = s->ext_ctr[i];
            const double *xe = th->xe + w0;
            size_t want = w1 - w0, j = 0, nx = 0;
            for (; j < want && x < t_hi; ++j) {
                xt[o + nx++] = x;
                x += xe[j] * scale;
            }
            c += j;
            while (x < t_hi) { /* the first batch fell short */
                clif_status st = ext_batch(net, i, c, x, t_hi, &want);
                if (st != CLIF_OK)
                    return st;
                if (!grow((void **)&th->xe2, &th->cap_xe2, want, sizeof(double))
                    || !grow((void **)&th->xt, &th->cap_x, /* and room for the rest */
                             o + nx + want + 1 + (tot - w1) + 2 * (c1 - i), sizeof(double)))
                    return CLIF_E_NOMEM;
                xt = th->xt;
                clif__exponentials(net->seed, CLIF_NET_EXT_STREAM + i, c, want, th->xe2);
                for (j = 0; j < want && x < t_hi; ++j) {
                    xt[o + nx++] = x;
                    x += th->xe2[j] * scale;
                }
                c += j;
            }
            s->ext_next[i] = x;
            s->ext_ctr[i] = c;
            th->ext_events += nx;
            o += nx;
        }
        xt[o++] = INFINITY;
        w0 = w1;
    }
    th->xoff[m] = o;
    return CLIF_OK;
}

/* The events of owned neuron i over [.., t_hi) of window k appended to
 * th->mt/mw at *o (advanced): its unread run in the window's slot sl, or in
 * the fresh runs fr at fi (see phase_a), merged with its external events
 * (draw_ext); and at th->ma the arguments of the kernel's expm1s between
 * successive events (phase_a takes the expm1s into th->me). */
static clif_status gather(clif_net_sim *s, tstate *th, size_t i, tslot *sl, size_t b0,
                          tslot *fr, size_t fi, int last, double t_hi, size_t *o)
{
    clif_status st;
    const clif_net *net = &s->net;
    size_t li = i - b0;
    if (fr && fr->n[fi] && (!last || sl->n[li])) {
        /* Both kinds, or a window that does not end here: append the
         * fresh run to the slot's (keeping push order), use that. */
        const double *ft = fr->t + fi * fr->cap;
        const float *fw = fr->w + fi * fr->cap;
        size_t nf = fr->n[fi];
        for (size_t q = 0; q < nf; ++q)
            if ((st = put(sl, block_size(s, b0), li, ft[q], fw[q])) != CLIF_OK)
                return st;
        fr->n[fi] = 0;
    }
    tslot *src = sl;
    size_t ri = li;
    if (fr && fr->n[fi]) { /* only fresh pulses: read them in place */
        src = fr;
        ri = fi;
    }
    size_t a = src == sl ? s->cur[i] : 0, b = src->n[ri], e = a;
    const double *rt = NULL; /* the unread part of the run */
    const float *rw = NULL;
    if (b) {
        double *t = src->t + ri * src->cap;
        float *w = src->w + ri * src->cap;
        /* First use in this window: sort.  With one delay a run is in
         * order already (arrival = spike time + the delay, nudged up to
         * the window start, pushed in spike order), so no check; were it
         * not, the sign test on the decay arguments below would see it and
         * the kernel would reject the pulses as unsorted. */
        if (a == 0 && b > 1 && net->n_delays > 1) {
            if (!grow2((void **)&th->tt, (void **)&th->tw, &th->cap_tt, b, sizeof(double),
                       sizeof(float)))
                return CLIF_E_NOMEM;
            sort_run(t, w, b, th->tt, th->tw);
        }
        if (last)
            e = b; /* the whole run lies before t_hi */
        else
            while (e < b && t[e] < t_hi)
                ++e;
        rt = t + a;
        rw = w + a;
    }
    th->syn_events += e - a;
    if (last) {
        s->cur[i] = 0;
        src->n[ri] = 0; /* its pulses are copied below, before any push */
    } else {
        s->cur[i] = (uint32_t)e; /* src is sl here */
    }
    size_t np = e - a;
    const size_t x0 = th->xoff[li], nx = th->xoff[li + 1] - x0 - 2;
    if (nx) {
        /* Its external events (draw_ext), merged behind same-time synaptic
         * pulses. */
        if (!grow2((void **)&th->mt, (void **)&th->mw, &th->cap_m, *o + np + nx,
                   sizeof(double), sizeof(double)))
            return CLIF_E_NOMEM;
        /* Merge, at equal times the synaptic pulse first: the smallest
         * events from the front and, in the same loop, the largest from
         * the back (ties: external last), two independent chains.  The
         * streams interleave at random, so a branch would mispredict
         * about every other event: select instead.  Both streams sit
         * between sentinels -inf and +inf (the run copied, with its
         * weights widened), so no index needs a bounds test. */
        const double wx = net->ext_weight[i];
        double *mt = th->mt + *o, *mw = th->mw + *o;
        size_t o = np + nx;
        const double *xs = th->xt + x0; /* between sentinels */
        if (np == 0) {
            for (size_t v = 0; v < nx; ++v) {
                mt[v] = xs[v + 1];
                mw[v] = wx;
            }
        } else {
            if (!grow2((void **)&th->ra, (void **)&th->rd, &th->cap_r, np + 2, sizeof(double),
                       sizeof(double)))
                return CLIF_E_NOMEM;
            double *ra = th->ra, *rd = th->rd;
            ra[0] = -INFINITY;
            ra[np + 1] = INFINITY;
            for (size_t u = 0; u < np; ++u) {
                ra[u + 1] = rt[u];
                rd[u + 1] = (double)rw[u];
            }
            const double *A = ra + 1, *AW = rd + 1, *B = xs + 1;
            size_t u = 0, v = 0, h = o / 2;
            ptrdiff_t ub = (ptrdiff_t)np - 1, vb = (ptrdiff_t)nx - 1; /* back heads */
            for (size_t q = 0; q < h; ++q) {
                double ta = A[u], tb = B[v];
                size_t f = ta <= tb;
                mt[q] = sel(f, ta, tb);
                mw[q] = sel(f, AW[u], wx);
                u += f;
                v += 1 - f;
                double sa = A[ub], sb = B[vb];
                size_t g = sb >= sa;
                mt[o - 1 - q] = sel(g, sb, sa);
                mw[o - 1 - q] = sel(g, wx, AW[ub]);
                ub -= (ptrdiff_t)(1 - g);
                vb -= (ptrdiff_t)g;
            }
            if (o & 1) { /* the middle one */
                double ta = A[u], tb = B[v];
                size_t f = ta <= tb;
                mt[h] = sel(f, ta, tb);
                mw[h] = sel(f, AW[u], wx);
            }
        }
        np = np + nx;
    } else if (np) {
        if (!grow2((void **)&th->mt, (void **)&th->mw, &th->cap_m, *o + np, sizeof(double),
                   sizeof(double)))
            return CLIF_E_NOMEM;
        for (size_t u = 0; u < np; ++u) {
            th->mt[*o + u] = rt[u];
            th->mw[*o + u] = (double)rw[u];
        }
    }
    if (np) {
        /* What clif__exact_fast2 is told to trust (th->trusted): the
         * events lie in [s.t, t_hi), in order (the sign bits below), with
         * finite times and weights (by construction; checked at creation). */
        const double *pt = th->mt + *o;
        unsigned bad = !(pt[0] >= s->s[i].t) | !(pt[np - 1] < t_hi);
        /* The arguments of the kernel's decay factors between successive
         * events, and from the neuron's anchor t0 to the first: phase_a
         * takes their expm1s in bulk (vectorised), and the kernel uses
         * them where it would compute them (the same argument, so the same
         * bits). */
        if (!grow2((void **)&th->ma, (void **)&th->me, &th->cap_me, *o + np, sizeof(double),
                   sizeof(double)))
            return CLIF_E_NOMEM;
        pt = th->mt + *o;
        const double tau = net->params[i].tau_m;
        double *ma = th->ma + *o;
        ma[0] = -(pt[0] - s->s[i].t0) / tau;
        uint64_t neg = ~(uint64_t)0;
        for (size_t q = 1; q < np; ++q) {
            double a = -(pt[q] - pt[q - 1]) / tau;
            ma[q] = a;
            neg &= clif__bits(a); /* in order: every a is <= -0 (times are finite) */
        }
        bad |= !(neg >> 63);
        th->trusted &= !bad;
    }
    *o += np;
    return CLIF_OK;
}

/* Neurons i and i + 1 of the chunk starting at c0 (gathered events at
 * th->moff), from their events next0 and next1, to t_hi: side by side as
 * far as the fast path goes, then each through the kernel. */
static clif_status step_pair(clif_net_sim *s, tstate *th, size_t i, size_t c0, double t_hi,
                             size_t next0, size_t next1)
{
    const clif_net *net = &s->net;
    const double *mt = th->mt, *mw = th->mw, *me = th->me;
    size_t a = th->moff[i - c0], np = th->moff[i - c0 + 1] - a;
    size_t b = th->moff[i - c0 + 1], nb = th->moff[i - c0 + 2] - b;
    clif_drive d = {net->I_e[i], 0.0, 0.0, 0.0}, d2 = {net->I_e[i + 1], 0.0, 0.0, 0.0};
    const clif_params *pp[2] = {&net->params[i], &net->params[i + 1]};
    clif_exact_state *ss[2] = {&s->s[i], &s->s[i + 1]};
    const double *tt[2] = {mt + a, mt + b}, *ww[2] = {mw + a, mw + b};
    const double *ee[2] = {(me ? me + a : NULL), (me ? me + b : NULL)};
    size_t nn[2] = {np, nb}, nx[2] = {next0, next1};
    int done[2];
    clif_status st;
    clif__exact_fast2(pp, s->vinf + i, ss, t_hi, tt, ww, ee, nn, nx, th->trusted, done);
    size_t next = nx[0];
    if (!done[0] && (st = advance(s, th, i, &d, t_hi, mt + a, mw + a, ee[0], np, &next))
                        != CLIF_OK)
        return st;
    next = nx[1];
    if (!done[1] && (st = advance(s, th, i + 1, &d2, t_hi, mt + b, mw + b, ee[1], nb, &next))
                        != CLIF_OK)
        return st;
    return CLIF_OK;
}

/* Advance the owned neurons [i0, i1) over [t_lo, t_hi) of window k.  Their
 * pulses are their runs in the window's ring slot and, when fr is given,
 * the fresh runs in fr (run i - i0; pushed after the slot's, in this
 * thread's phase C of window k - 1, just before).  In chunks of s->blk
 * neurons: first their events are gathered, then they are advanced, two
 * at a time through the subthreshold fast path. */
static clif_status phase_a(clif_net_sim *s, tstate *th, int64_t k, double t_lo, double t_hi,
                           const clif_net_record *rec, size_t i0, size_t i1, tslot *fr)
{
    clif_status st;
    const clif_net *net = &s->net;
    const size_t rs = (size_t)(k % (int64_t)s->R);
    /* The window ends here: its runs are spent (every pulse of slot k
     * arrives before (k + 1) d_min), so the slot is emptied for reuse. */
    const int last = t_hi == win_start(s, k + 1);
    size_t vr = 0; /* next recorded-V neuron */
    size_t nV = rec ? rec->n_V : 0, nq = rec ? rec->n_samples : 0;
    while (vr < nV && (size_t)rec->V_index[vr] < i0)
        ++vr;
    while (th->q0 < nq && rec->sample_t[th->q0] < t_lo)
        th->q0++;
    for (size_t c0 = i0; c0 < i1; c0 += s->blk) {
        size_t c1 = i1 - c0 > s->blk ? c0 + s->blk : i1, o = 0;
        /* chunks are blocks (i0 is a block start) */
        tslot *sl = &s->ring[(c0 / s->blk) * s->R + rs];
        th->trusted = 1;
        if ((st = draw_ext(s, th, c0, c1, t_hi)) != CLIF_OK)
            return st;
        for (size_t i = c0; i < c1; ++i) {
            th->moff[i - c0] = o;
            if ((st = gather(s, th, i, sl, c0, fr, i - i0, last, t_hi, &o)) != CLIF_OK)
                return st;
        }
        th->moff[c1 - c0] = o;
        if (s->ms) {
            /* Current models (and delta neurons beside them): each
             * neuron over its events, cut at its samples (splitting does
             * not change spikes). */
            for (size_t i = c0; i < c1; ++i) {
                size_t a = th->moff[i - c0], np = th->moff[i - c0 + 1] - a, next = 0;
                const clif__model_basis *mb = NULL;
                const int m = model_of(net, i);
                if (np > 1 && m != CLIF_MODEL_DELTA) {
                    if (!grow((void **)&th->mb, &th->cap_mb, np, sizeof *th->mb))
                        return CLIF_E_NOMEM;
                    clif__model_ops[m].bases(&s->mp[s->mpi[i]], th->mt + a, np, th->mb);
                    mb = th->mb;
                }
                if (vr < nV && (size_t)rec->V_index[vr] == i) {
                    for (size_t q = th->q0; q < nq && rec->sample_t[q] < t_hi; ++q) {
                        double tq = rec->sample_t[q];
                        if (tq < s->s[i].t)
                            return CLIF_E_TIME;
                        if ((st = advance_model(s, th, i, tq, th->mt + a, th->mw + a, mb, np, &next))
                            != CLIF_OK)
                            return st;
                        rec->V[q * nV + vr] = potential_model(s, i, tq);
                    }
                    ++vr;
                }
                if ((st = advance_model(s, th, i, t_hi, th->mt + a, th->mw + a, mb, np, &next))
                    != CLIF_OK)
                    return st;
            }
            continue;
        }
        /* the chunk's expm1s in one batch (elementwise: the same bits as
         * per neuron, without a call per neuron) */
        if (o)
            clif__expm1_batch(th->ma, o, th->me);
        const double *mt = th->mt, *mw = th->mw, *me = th->me;
        for (size_t i = c0; i < c1; ++i) {
            size_t a = th->moff[i - c0], np = th->moff[i - c0 + 1] - a, next = 0;
            clif_drive d = {net->I_e[i], 0.0, 0.0, 0.0};
            int rec_i = vr < nV && (size_t)rec->V_index[vr] == i;
            if (rec_i) {
                /* Cut the run at the samples: splitting does not change
                 * spikes. */
                for (size_t q = th->q0; q < nq && rec->sample_t[q] < t_hi; ++q) {
                    double tq = rec->sample_t[q];
                    if (tq < s->s[i].t)
                        return CLIF_E_TIME;
                    if ((st = advance(s, th, i, &d, tq, mt + a, mw + a, (me ? me + a : NULL), np, &next))
                        != CLIF_OK)
                        return st;
                    rec->V[q * nV + vr] = clif_exact_potential(&net->params[i], &d, &s->s[i],
                                                               tq);
                }
                ++vr;
            } else if (i + 3 < c1 && th->trusted && me
                       && !(vr < nV && (size_t)rec->V_index[vr] <= i + 3)) {
                /* i .. i + 3 side by side over their common events, then
                 * as two pairs */
                const clif_params *pp[4];
                clif_exact_state *ss[4];
                const double *tt[4], *ww[4], *ee[4];
                size_t nn[4], nx[4] = {0, 0, 0, 0};
                for (int j = 0; j < 4; ++j) {
                    size_t aj = th->moff[i - c0 + (size_t)j];
                    pp[j] = &net->params[i + (size_t)j];
                    ss[j] = &s->s[i + (size_t)j];
                    tt[j] = mt + aj;
                    ww[j] = mw + aj;
                    ee[j] = me + aj;
                    nn[j] = th->moff[i - c0 + (size_t)j + 1] - aj;
                }
                clif__exact_lean4(pp, s->vinf + i, ss, t_hi, tt, ww, ee, nn, nx);
                if ((st = step_pair(s, th, i, c0, t_hi, nx[0], nx[1])) != CLIF_OK
                    || (st = step_pair(s, th, i + 2, c0, t_hi, nx[2], nx[3])) != CLIF_OK)
                    return st;
                i += 3;
                continue;
            } else if (i + 1 < c1 && !(vr < nV && (size_t)rec->V_index[vr] == i + 1)) {
                if ((st = step_pair(s, th, i, c0, t_hi, 0, 0)) != CLIF_OK)
                    return st;
                ++i;
                continue;
            }
            if ((st = advance(s, th, i, &d, t_hi, mt + a, mw + a, (me ? me + a : NULL), np, &next))
                != CLIF_OK)
                return st;
        }
    }
    return CLIF_OK;
}

/* ---- phase B (thread 0) ------------------------------------------------- */

static clif_status exchange(clif_net_sim *s, clif_status st0, double t_lo, double t_hi);

/* Records the window's spikes (s->wt, s->wi: the neurons' only). */
static clif_status record(clif_net_sim *s, const clif_net_record *rec)
{
    const size_t total = s->wn;
    if (!rec)
        return CLIF_OK;
    if (rec->pop_of && rec->counts && rec->n_bins) {
        for (size_t x = 0; x < total; ++x) {
            double b = floor((s->wt[x] - rec->bin_t0) / rec->bin_width);
            if (b >= 0.0 && b < (double)rec->n_bins)
                rec->counts[(size_t)b * rec->n_pops + (size_t)rec->pop_of[s->wi[x]]]++;
        }
    }
    if (rec->record_spikes) {
        size_t add = 0;
        for (size_t x = 0; x < total; ++x)
            add += !rec->spike_mask || rec->spike_mask[s->wi[x]];
        if (s->rn + add > rec->max_spikes)
            return CLIF_E_CAPACITY;
        if (!grow2((void **)&s->rt, (void **)&s->ri, &s->rcap, s->rn + add, sizeof(double),
                   sizeof(int64_t)))
            return CLIF_E_NOMEM;
        for (size_t x = 0; x < total; ++x)
            if (!rec->spike_mask || rec->spike_mask[s->wi[x]]) {
                s->rt[s->rn] = s->wt[x];
                s->ri[s->rn++] = s->wi[x];
            }
    }
    return CLIF_OK;
}

/* First source spike at or after t (sorted by time). */
static size_t src_lower(const clif_net_sim *s, double t)
{
    size_t lo = 0, hi = s->src_n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->src_t[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Merges the sources' spikes of [t_lo, t_hi) (senders n + i) into the
 * window's sorted list, from the back: a source follows the neurons at
 * the same time (its sender is larger), the canonical (time, sender)
 * order.  Found by bisection each window, so a run may stop and resume
 * anywhere (and every process of a distributed run adds the same). */
static clif_status add_sources(clif_net_sim *s, double t_lo, double t_hi)
{
    if (!s->src_n)
        return CLIF_OK;
    const size_t a = src_lower(s, t_lo), b = src_lower(s, t_hi);
    if (a == b)
        return CLIF_OK;
    const size_t wn = s->wn, add = b - a;
    if (!grow2((void **)&s->wt, (void **)&s->wi, &s->wcap, wn + add, sizeof(double),
               sizeof(int64_t)))
        return CLIF_E_NOMEM;
    const int64_t n = (int64_t)s->net.n;
    size_t x = wn, y = b, o = wn + add;
    while (y > a) {
        const double ty = s->src_t[y - 1];
        if (x > 0 && s->wt[x - 1] > ty) { /* neurons first at a tie */
            --o; --x;
            s->wt[o] = s->wt[x];
            s->wi[o] = s->wi[x];
        } else {
            --o; --y;
            s->wt[o] = ty;
            s->wi[o] = n + s->src_i[y];
        }
    }
    s->wn = wn + add;
    return CLIF_OK;
}

static clif_status phase_b(clif_net_sim *s, clif_status st0, double t_lo, double t_hi,
                           const clif_net_record *rec)
{
    if (st0 != CLIF_OK)
        return s->xfn ? exchange(s, st0, t_lo, t_hi) : st0;
    size_t total = 0;
    for (size_t j = 0; j < s->T; ++j)
        total += s->th[j].n_s;
    if (!grow2((void **)&s->wt, (void **)&s->wi, &s->wcap, total, sizeof(double),
               sizeof(int64_t)))
        return phase_b(s, CLIF_E_NOMEM, t_lo, t_hi, rec);
    size_t o = 0;
    for (size_t j = 0; j < s->T; ++j) {
        if (!s->th[j].n_s)
            continue;
        memcpy(s->wt + o, s->th[j].st, s->th[j].n_s * sizeof(double));
        memcpy(s->wi + o, s->th[j].si, s->th[j].n_s * sizeof(int64_t));
        o += s->th[j].n_s;
    }
    s->wn = total;
    if (total > 1) {
        if (!grow((void **)&s->work, &s->workcap, total, sizeof(clif_spike)))
            return phase_b(s, CLIF_E_NOMEM, t_lo, t_hi, rec);
        clif_status st = clif_spike_sort(total, s->wt, s->wi, t_lo, t_hi, s->work, s->bins,
                                         N_BINS);
        if (st != CLIF_OK)
            return phase_b(s, st, t_lo, t_hi, rec);
    }
    if (s->xfn) {
        clif_status st = exchange(s, CLIF_OK, t_lo, t_hi);
        if (st != CLIF_OK)
            return st;
    }
    clif_status st = record(s, rec);
    return st == CLIF_OK ? add_sources(s, t_lo, t_hi) : st;
}

/* ---- phase C -------------------------------------------------------------- */

static size_t lower_bound(const int32_t *a, size_t lo, size_t hi, int32_t x)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* lower_bound on [lo, hi) starting from the guess g in [lo, hi]: the
 * bracket widens from g (8, 16, ... entries) before the bisection.  Rows
 * are sorted targets spread over [0, n), so a guess by proportion lands
 * within a line or two of the answer, where a bisection of a row of
 * thousands would miss the cache on nearly every probe. */
static size_t lower_bound_near(const int32_t *a, size_t lo, size_t hi, int32_t x, size_t g)
{
    size_t l = g, r = g, step = 8;
    while (r < hi && a[r] < x) { /* the answer lies beyond r */
        l = r + 1;
        r = hi - r > step ? r + step : hi;
        step *= 2;
    }
    step = 8;
    while (l > lo && a[l - 1] >= x) { /* ... or before l */
        r = l - 1;
        l = l - lo > step ? l - step : lo;
        step *= 2;
    }
    return lower_bound(a, l, r, x);
}

/* The synapses [*r0, *r1) of the window's spike x (none for a row of zero
 * weights: they deliver nothing); returns the row's one weight (NaN: not
 * one). */
static float spike_row(const clif_net_sim *s, size_t x, size_t *r0, size_t *r1)
{
    size_t j = (size_t)s->wi[x];
    *r0 = (size_t)s->net.row[j];
    *r1 = s->roww[j] == 0.0f ? *r0 : (size_t)s->net.row[j + 1];
    return s->roww[j];
}

/* Where in the row [r0, r1) the targets below t start, guessed by
 * proportion (targets spread over [0, n)). */
static size_t row_guess(const clif_net_sim *s, size_t r0, size_t r1, int32_t t)
{
    return r0 + (size_t)((double)(r1 - r0) * ((double)t / (double)s->net.n));
}

/* Ring index and (possibly nudged) arrival time of a pulse at t. */
static clif_status place(const clif_net_sim *s, int64_t k, double *t, size_t *slot)
{
    int64_t ka = window_of(*t, s->net.d_min);
    if (ka <= k) { /* t_spike + d_min rounded below the next window */
        ka = k + 1;
        *t = fmax(*t, win_start(s, ka));
    }
    if (ka - k >= (int64_t)s->R)
        return CLIF_E_DELAY;
    *slot = (size_t)(ka % (int64_t)s->R);
    return CLIF_OK;
}

/* Per window, before the blocks: each spike's synapses onto this thread's
 * targets, and (few delays) its arrival time and slot per delay. */
static clif_status phase_c_prepare(clif_net_sim *s, tstate *th, int64_t k)
{
    const clif_net *net = &s->net;
    const int32_t lo = (int32_t)th->lo, hi = (int32_t)th->hi;
    const size_t nd = net->n_delays, wn = s->wn;
    clif_status st;
    if (!grow2((void **)&th->pos, (void **)&th->end, &th->cap_pos, wn, sizeof(uint64_t),
               sizeof(uint64_t)))
        return CLIF_E_NOMEM;
    if (!grow((void **)&th->xw, &th->cap_xw, wn, sizeof(float)))
        return CLIF_E_NOMEM;
    if (nd <= 64 && !grow2((void **)&th->arr, (void **)&th->slot, &th->cap_arr, wn * nd,
                           sizeof(double), sizeof(size_t)))
        return CLIF_E_NOMEM;
    /* With several threads each spike's row is cut at this thread's
     * targets [lo, hi): first guess the cuts by proportion and ask for
     * their lines (all spikes' misses overlap), then find them. */
    const int cut = s->T > 1;
    for (size_t x = 0; cut && x < wn; ++x) {
        size_t r0, r1;
        spike_row(s, x, &r0, &r1);
        CLIF_PREFETCH(&net->target[row_guess(s, r0, r1, lo)]);
        CLIF_PREFETCH(&net->target[row_guess(s, r0, r1, hi)]);
    }
    for (size_t x = 0; x < wn; ++x) {
        size_t r0, r1;
        th->xw[x] = spike_row(s, x, &r0, &r1);
        if (cut && r0 < r1) {
            size_t g1 = row_guess(s, r0, r1, hi);
            r0 = lower_bound_near(net->target, r0, r1, lo, row_guess(s, r0, r1, lo));
            r1 = lower_bound_near(net->target, r0, r1, hi, g1 > r0 ? g1 : r0);
        }
        th->pos[x] = r0;
        th->end[x] = r1;
        if (nd <= 64 && r0 < r1) {
            for (size_t d = 0; d < nd; ++d) {
                double a = s->wt[x] + net->delay_table[d];
                if ((st = place(s, k, &a, &th->slot[x * nd + d])) != CLIF_OK)
                    return st;
                th->arr[x * nd + d] = a;
            }
        }
    }
    return CLIF_OK;
}

/* One spike's synapses [*e, r1) onto targets below b_hi, one delay, all
 * arriving at ta in the fresh runs fr (run: target - f_lo): the Brunel
 * case.  hom: the row's weights are all cw (not read).  The appends spell
 * out put() (called only to grow): calling it for every pulse measured
 * 10-25% slower on Brunel. */
CLIF__INLINE clif_status deliver_fresh(clif_net_sim *s, size_t *e, size_t r1, int32_t f_lo,
                                       int32_t b_hi, tslot *fr, double ta, int hom, float cw)
{
    const int32_t *target = s->net.target;
    const float *weight = s->net.weight;
    size_t q = *e;
    clif_status st = CLIF_OK;
    /* the slot's arrays in locals: stores through them cannot then be
     * taken to change them (reloaded only after put() may move them) */
    double *ft = fr->t;
    float *fw = fr->w;
    uint32_t *fn = fr->n;
    size_t cap = fr->cap;
    for (; q < r1 && target[q] < b_hi; ++q) {
        float w = hom ? cw : weight[q];
        size_t li = (size_t)(target[q] - f_lo);
        uint32_t c = fn[li];
        if (c == cap) {
            if (w != 0.0f && (st = put(fr, s->blk, li, ta, w)) != CLIF_OK)
                break;
            ft = fr->t;
            fw = fr->w;
            cap = fr->cap;
            continue;
        }
        /* A zero weight is written but not counted (overwritten by the
         * next pulse): no branch on it.  (A row of zeros is skipped.) */
        size_t o = li * cap + c;
        ft[o] = ta;
        fw[o] = w;
        fn[li] = c + (hom || w != 0.0f);
    }
    *e = q;
    return st;
}

/* The same with up to 64 delays: arrival time arr[d] in ring slot
 * slot[d] (the fresh runs fr when that is fslot and fr is given). */
CLIF__INLINE clif_status deliver_delays(clif_net_sim *s, size_t *e, size_t r1, int32_t f_lo,
                                        int32_t b_hi, tslot *ring, size_t nl, tslot *fr,
                                        size_t fslot, const double *arr, const size_t *slot,
                                        int hom, float cw)
{
    const int32_t *target = s->net.target;
    const float *weight = s->net.weight;
    const uint16_t *delay = s->net.delay;
    size_t q = *e;
    clif_status st = CLIF_OK;
    for (; q < r1 && target[q] < b_hi; ++q) {
        float w = hom ? cw : weight[q];
        if (!hom && w == 0.0f)
            continue;
        uint16_t d = delay[q];
        tslot *sl = &ring[slot[d]];
        size_t li = (size_t)(target[q] - f_lo), n = nl;
        if (fr && slot[d] == fslot) {
            sl = fr;
            n = s->blk;
        }
        uint32_t c = sl->n[li];
        if (c == sl->cap) { /* full: put grows the slot */
            if ((st = put(sl, n, li, arr[d], w)) != CLIF_OK)
                break;
            continue;
        }
        size_t o = li * sl->cap + c;
        sl->t[o] = arr[d];
        sl->w[o] = w;
        sl->n[li] = c + 1;
    }
    *e = q;
    return st;
}

/* The window's pulses onto the owned targets below b_hi (from where the
 * previous block stopped).  Pulses arriving in ring slot fslot go to the
 * fresh runs fr (run: target - f_lo) when fr is given. */
static clif_status phase_c_block(clif_net_sim *s, tstate *th, int64_t k, int32_t f_lo,
                                 int32_t b_hi, tslot *fr, size_t fslot)
{
    const clif_net *net = &s->net;
    const size_t nl = block_size(s, (size_t)f_lo), nd = net->n_delays;
    tslot *ring = &s->ring[((size_t)f_lo / s->blk) * s->R];
    const int32_t *target = net->target;
    const float *weight = net->weight;
    const uint16_t *delay = net->delay;
    clif_status st = CLIF_OK;
    for (size_t x = 0; x < s->wn; ++x) {
        size_t e = (size_t)th->pos[x], r1 = (size_t)th->end[x];
        const float cw = th->xw[x];
        const int hom = cw == cw;
        /* Each spike's segment of the block starts on a line not yet in
         * cache (the ~200 rows are too many streams for the hardware
         * prefetcher): ask for the segment 8 spikes ahead (Brunel 16 Hz,
         * 2 threads: ~5%). */
        if (x + 8 < s->wn) {
            CLIF_PREFETCH(&target[th->pos[x + 8]]);
            if (!(th->xw[x + 8] == th->xw[x + 8]))
                CLIF_PREFETCH(&weight[th->pos[x + 8]]);
        }
        if (nd == 1 && fr && th->slot[x] == fslot) {
            /* one delay, arriving in the next window (Brunel): all fresh */
            st = hom ? deliver_fresh(s, &e, r1, f_lo, b_hi, fr, th->arr[x], 1, cw)
                     : deliver_fresh(s, &e, r1, f_lo, b_hi, fr, th->arr[x], 0, 0.0f);
        } else if (nd <= 64) {
            const double *arr = th->arr + x * nd;
            const size_t *slot = th->slot + x * nd;
            st = hom ? deliver_delays(s, &e, r1, f_lo, b_hi, ring, nl, fr, fslot, arr, slot, 1,
                                      cw)
                     : deliver_delays(s, &e, r1, f_lo, b_hi, ring, nl, fr, fslot, arr, slot, 0,
                                      0.0f);
        } else {
            for (; e < r1 && target[e] < b_hi; ++e) {
                if (weight[e] == 0.0f)
                    continue;
                double a = s->wt[x] + net->delay_table[delay[e]];
                size_t sl;
                if ((st = place(s, k, &a, &sl)) != CLIF_OK)
                    return st;
                if (fr && sl == fslot)
                    st = put(fr, s->blk, (size_t)(target[e] - f_lo), a, weight[e]);
                else
                    st = put(&ring[sl], nl, (size_t)(target[e] - f_lo), a, weight[e]);
                if (st != CLIF_OK)
                    return st;
            }
        }
        if (st != CLIF_OK)
            return st;
        th->pos[x] = e;
    }
    return CLIF_OK;
}

/* Phase C of window k alone (the run stops after it). */
static clif_status phase_c(clif_net_sim *s, tstate *th, int64_t k)
{
    clif_status st = phase_c_prepare(s, th, k);
    for (int32_t b = (int32_t)th->lo, hi = (int32_t)th->hi; st == CLIF_OK && b < hi;) {
        int32_t b0 = b;
        b = (size_t)(hi - b) > s->blk ? b + (int32_t)s->blk : hi;
        st = phase_c_block(s, th, k, b0, b, NULL, 0);
    }
    return st;
}

/* Phase C of window k and phase A of window k + 1 ([t_lo, t_hi)), block by
 * block: a block's pulses for window k + 1 go to the thread's fresh runs,
 * and its neurons read them at once, from cache. */
static clif_status phase_ca(clif_net_sim *s, tstate *th, int64_t k, double t_lo, double t_hi,
                            const clif_net_record *rec)
{
    th->n_s = 0;
    clif_status st = phase_c_prepare(s, th, k);
    size_t fslot = (size_t)((k + 1) % (int64_t)s->R);
    for (int32_t b = (int32_t)th->lo, hi = (int32_t)th->hi; st == CLIF_OK && b < hi;) {
        int32_t b0 = b;
        b = (size_t)(hi - b) > s->blk ? b + (int32_t)s->blk : hi;
        if ((st = phase_c_block(s, th, k, b0, b, &th->fresh, fslot)) != CLIF_OK)
            break;
        st = phase_a(s, th, k + 1, t_lo, t_hi, rec, (size_t)b0, (size_t)b, &th->fresh);
    }
    return st;
}

/* The host's exchange (clif_net_sim_set_exchange): the window's spikes of
 * every process replace this one's, in canonical order. */
static clif_status exchange(clif_net_sim *s, clif_status st0, double t_lo, double t_hi)
{
    size_t gn = 0;
    const double *gt = NULL;
    const int64_t *gi = NULL;
    clif_status st = s->xfn(s->xctx, st0, st0 == CLIF_OK ? s->wn : 0, s->wt, s->wi, &gn, &gt,
                            &gi);
    if (st != CLIF_OK)
        return st;
    if (gn && (!gt || !gi))
        return CLIF_E_NULL;
    for (size_t x = 0; x < gn; ++x)
        if (gi[x] < 0 || (uint64_t)gi[x] >= s->net.n || !(gt[x] >= t_lo && gt[x] < t_hi))
            return CLIF_E_TARGET;
    if (!grow2((void **)&s->wt, (void **)&s->wi, &s->wcap, gn, sizeof(double), sizeof(int64_t)))
        return CLIF_E_NOMEM;
    memcpy(s->wt, gt, gn * sizeof(double));
    memcpy(s->wi, gi, gn * sizeof(int64_t));
    s->wn = gn;
    if (gn > 1) {
        if (!grow((void **)&s->work, &s->workcap, gn, sizeof(clif_spike)))
            return CLIF_E_NOMEM;
        return clif_spike_sort(gn, s->wt, s->wi, t_lo, t_hi, s->work, s->bins, N_BINS);
    }
    return CLIF_OK;
}

clif_status clif_net_sim_set_sources(clif_net_sim *s, size_t n_src, size_t n_spikes,
                                     const double *t, const int64_t *src, size_t *bad)
{
    size_t dummy;
    if (!bad)
        bad = &dummy;
    *bad = 0;
    if (!s || (n_spikes && (!t || !src)))
        return CLIF_E_NULL;
    const clif_net *net = &s->net;
    if (n_src > (size_t)INT32_MAX - net->n)
        return CLIF_E_SIZE;
    if (n_src != s->n_src) {
        /* The new rows: checked once (the caller keeps them unchanged). */
        if (n_src && net->row[net->n + n_src] > net->row[net->n]
            && (!net->target || !net->weight || !net->delay))
            return CLIF_E_NULL;
        float *rw = realloc(s->roww, (net->n + n_src) * sizeof *rw);
        if (!rw)
            return CLIF_E_NOMEM;
        s->roww = rw;
        clif_status st = check_rows(net, net->n, net->n + n_src, bad, rw + net->n);
        if (st != CLIF_OK) {
            s->n_src = 0;
            s->src_n = 0;
            return st;
        }
        s->n_src = n_src;
    }
    for (size_t k = 0; k < n_spikes; ++k) {
        *bad = k;
        if (src[k] < 0 || (uint64_t)src[k] >= n_src)
            return CLIF_E_TARGET;
        if (!(isfinite(t[k]) && t[k] >= s->t))
            return CLIF_E_TIME;
        if (k && (t[k] < t[k - 1] || (t[k] == t[k - 1] && src[k] < src[k - 1])))
            return CLIF_E_UNSORTED;
    }
    *bad = 0;
    s->src_n = n_spikes;
    s->src_t = t;
    s->src_i = src;
    return CLIF_OK;
}

void clif_net_sim_set_exchange(clif_net_sim *s, clif_net_exchange_fn fn, void *ctx)
{
    if (s) {
        s->xfn = fn;
        s->xctx = ctx;
    }
}

void clif_net_sim_set_stop(clif_net_sim *s, const volatile int *flag)
{
    if (s)
        s->stop = flag;
}

/* ---- the run ------------------------------------------------------------- */

clif_status clif_net_run(clif_net_sim *s, size_t tid, double t_stop, const clif_net_record *rec)
{
    if (!s || tid >= s->T)
        return CLIF_E_NULL;
    /* Every thread reads the same s->t here (written by thread 0 only between
     * barriers), so all take the same decisions. */
    if (!(isfinite(t_stop) && t_stop >= s->t))
        return CLIF_E_TIME;
    tstate *th = &s->th[tid];
    th->q0 = 0;
    th->status = CLIF_OK;
    if (rec && rec->n_V && (!rec->V_index || !rec->V))
        return CLIF_E_NULL;
    /* Phase C of a window is done together with phase A of the next when
     * the run goes on (phase_ca), else alone after the loop. */
    int pend = 0;
    int64_t kc = 0;
    while (s->t < t_stop) {
        int64_t k = s->k;
        double t_lo = s->t, t_next = win_start(s, k + 1);
        double t_hi = fmin(t_next, t_stop);
        double w0 = now_s();
        if (pend) {
            th->status = phase_ca(s, th, kc, t_lo, t_hi, rec);
        } else {
            th->n_s = 0;
            th->status = phase_a(s, th, k, t_lo, t_hi, rec, th->lo, th->hi, NULL);
        }
        pend = 0;
        th->busy = now_s() - w0;
        barrier(s);
        if (tid == 0) {
            clif_status st = CLIF_OK;
            for (size_t j = 0; j < s->T && st == CLIF_OK; ++j)
                st = s->th[j].status;
            if (st == CLIF_OK || s->xfn)
                st = phase_b(s, st, t_lo, t_hi, rec);
            s->status = st;
            s->t = t_hi;
            if (t_hi == t_next)
                s->k = k + 1;
            if (st == CLIF_OK)
                rebalance(s);
            /* Read once, by one thread, so that every thread leaves the
             * loop at the same window. */
            s->stopping = st == CLIF_OK && s->stop && *s->stop;
        }
        barrier(s);
        if (s->status != CLIF_OK)
            return s->status;
        pend = 1;
        kc = k;
        /* Stop only after a whole window, and deliver it below: the sim is
         * then exactly where a run to s->t would have left it, so the next
         * run continues with the same bits. */
        if (s->stopping)
            break;
    }
    if (pend)
        th->status = phase_c(s, th, kc);
    barrier(s);
    if (tid == 0) {
        clif_status st = CLIF_OK;
        for (size_t j = 0; j < s->T && st == CLIF_OK; ++j)
            st = s->th[j].status;
        if (st == CLIF_OK && s->stopping)
            st = CLIF_E_INTERRUPTED;
        s->stopping = 0;
        s->status = st;
    }
    barrier(s);
    return s->status;
}

/* ---- connectivity -------------------------------------------------------- */

static void sort_keys(uint64_t *a, uint64_t *b, size_t n)
{
    size_t i;
    for (i = 1; i < n && a[i - 1] <= a[i]; ++i)
        ;
    if (i >= n)
        return;
    uint64_t *x = a, *y = b;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t p = lo, q = mid, o = lo;
            while (p < mid && q < hi)
                y[o++] = x[p] <= x[q] ? x[p++] : x[q++];
            while (p < mid)
                y[o++] = x[p++];
            while (q < hi)
                y[o++] = x[q++];
        }
        uint64_t *z = x; x = y; y = z;
    }
    if (x != a)
        memcpy(a, x, n * sizeof *a);
}

clif_status clif_net_csr_sort_rows(size_t begin, size_t end, const uint64_t *row,
                                   int32_t *target, float *weight, uint16_t *delay,
                                   uint64_t *work)
{
    if (!row || !target || !weight || !delay || !work)
        return CLIF_E_NULL;
    for (size_t j = begin; j < end; ++j) {
        size_t r0 = (size_t)row[j], L = (size_t)(row[j + 1] - row[j]);
        size_t i;
        for (i = 1; i < L && target[r0 + i - 1] <= target[r0 + i]; ++i)
            ;
        if (i >= L)
            continue;
        if ((uint64_t)L > UINT32_MAX)
            return CLIF_E_SIZE;
        /* key = target << 32 | position: unique, so the sort is stable */
        for (i = 0; i < L; ++i)
            work[i] = ((uint64_t)(uint32_t)target[r0 + i] << 32) | (uint64_t)i;
        sort_keys(work, work + L, L);
        uint64_t *packed = work + L;
        for (i = 0; i < L; ++i) {
            uint32_t wb;
            memcpy(&wb, &weight[r0 + i], sizeof wb);
            packed[i] = ((uint64_t)wb << 16) | delay[r0 + i];
        }
        for (i = 0; i < L; ++i) {
            uint64_t pk = packed[work[i] & 0xffffffffu];
            uint32_t wb = (uint32_t)(pk >> 16);
            target[r0 + i] = (int32_t)(work[i] >> 32);
            memcpy(&weight[r0 + i], &wb, sizeof wb);
            delay[r0 + i] = (uint16_t)(pk & 0xffffu);
        }
    }
    return CLIF_OK;
}

clif_status clif_net_csr_from_coo(size_t n, size_t m, const int32_t *pre, const int32_t *post,
                                  const float *weight, const uint16_t *delay, uint64_t *row,
                                  int32_t *target, float *weight_out, uint16_t *delay_out,
                                  uint64_t *work, size_t *bad)
{
    if (!row || !work || (m && (!pre || !post || !weight || !delay || !target || !weight_out
                                || !delay_out)))
        return CLIF_E_NULL;
    size_t dummy;
    if (!bad)
        bad = &dummy;
    memset(row, 0, (n + 1) * sizeof *row);
    for (size_t e = 0; e < m; ++e) {
        if (pre[e] < 0 || (size_t)pre[e] >= n || post[e] < 0 || (size_t)post[e] >= n) {
            *bad = e;
            return CLIF_E_TARGET;
        }
        row[(size_t)pre[e] + 1]++;
    }
    for (size_t j = 0; j < n; ++j)
        row[j + 1] += row[j];
    if (n)
        memcpy(work, row, n * sizeof *work);
    for (size_t e = 0; e < m; ++e) {
        size_t p = (size_t)work[pre[e]]++;
        target[p] = post[e];
        weight_out[p] = weight[e];
        delay_out[p] = delay[e];
    }
    return clif_net_csr_sort_rows(0, n, row, target, weight_out, delay_out, work);
}
