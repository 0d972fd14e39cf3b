/* Micro-benchmark of clif__expm1 / clif__expm1_batch (src_c/expm1_impl.h,
 * src_c/expm1.c) against libm's expm1.  Not part of the Python benchmark
 * runner; build and run from the root (the core's flags, baseline x86-64):
 *
 *   make -C src_c BUILD=/tmp/clifb CFLAGS="-std=c99 -O3 -ffp-contract=off \
 *        -fno-math-errno -fno-trapping-math" all
 *   cc -std=c99 -O3 -ffp-contract=off -fno-math-errno -fno-trapping-math \
 *        -Isrc_c bench/expm1.c /tmp/clifb/libclif.a -lm -o /tmp/bexpm1 && /tmp/bexpm1
 *
 * 1. The exact kernel's loop (exact.c, subthreshold constant drive): per
 *    pulse V = V + (V - V_inf) expm1(-(t[k] - t0) / tau) + w[k], with its
 *    stop tests; 4096 pulses, gaps drawn from two distributions.  "batch +
 *    loop": x in blocks of 64 through clif__expm1_batch, then the loop
 *    with the precomputed values.  ns per pulse.
 * 2. Throughput on independent values: out[j] = expm1(x[j]); n = 64
 *    (4096 calls over 64 rotating arrays, L1-resident) and n = 1e6.
 *    ns per value.
 * Best of 9 rounds; the ways alternate within a round.
 *
 * On the development machine (Xeon, Emerald Rapids, ~3.5 GHz; GCC 12):
 * kernel loop libm 5.3 / clif__expm1 6.7 / batch + loop 4.6 ns per pulse
 * (the same loop with expm1 replaced by a multiply: 3.1); independent
 * values libm 4.3, clif__expm1 3.9, AVX2 batch 1.45, AVX-512 batch 0.95 ns
 * per value.  The scalar clif__expm1 is ~52 instructions per call against
 * libm's ~41 (call included) for this accuracy without fma; the kernel
 * loop issues ~3.9 instructions per cycle either way, so the count decides
 * there, while alone clif's is faster (lower latency, no division). */
#define _POSIX_C_SOURCE 199309L
#include "expm1_impl.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint64_t rs = 0x9E3779B97F4A7C15ULL;
static double urand(void)
{
    rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
    return ((double)(rs >> 11) + 0.5) * 0x1p-53;
}

static volatile double sink;
enum { NP = 4096, BLK = 64 };
static const double TAU = 15.0, V_INF = -60.0, V_TH = 1e9;

#define KERNEL(EXPM1)                                                                  \
    double V = -65.0, t0 = t[0], tn = t[0];                                           \
    const double t_end = INFINITY;                                                    \
    for (size_t k = 1; k < n; ++k) {                                                  \
        double tq = t[k], wq = w[k];                                                  \
        if (!(tq < t_end) || !(tq >= tn) || !isfinite(wq) || (V >= V_TH && tq > tn)) \
            break;                                                                    \
        V = V + (V - V_INF) * EXPM1(-(tq - t0) / TAU) + wq;                           \
        t0 = tn = tq;                                                                 \
    }                                                                                 \
    return V;

static double kernel_libm(const double *t, const double *w, size_t n) { KERNEL(expm1) }
static double kernel_clif(const double *t, const double *w, size_t n) { KERNEL(clif__expm1) }

/* The precomputed way: x and e in blocks of BLK, then the same loop. */
static double kernel_batch(const double *t, const double *w, size_t n)
{
    double V = -65.0, t0 = t[0], tn = t[0];
    const double t_end = INFINITY;
    double xb[BLK], eb[BLK];
    size_t k = 1;
    while (k < n) {
        size_t m = n - k < BLK ? n - k : BLK;
        for (size_t i = 0; i < m; ++i)
            xb[i] = -(t[k + i] - t[k + i - 1]) / TAU;
        clif__expm1_batch(xb, m, eb);
        for (size_t i = 0; i < m; ++i, ++k) {
            double tq = t[k], wq = w[k];
            if (!(tq < t_end) || !(tq >= tn) || !isfinite(wq) || (V >= V_TH && tq > tn))
                return V;
            V = V + (V - V_INF) * eb[i] + wq;
            t0 = tn = tq;
        }
    }
    (void)t0;
    return V;
}

typedef double (*kern)(const double *, const double *, size_t);

static double time_kernel(kern f, const double *t, const double *w)
{
    double t0 = now(), acc = 0;
    for (int r = 0; r < 200; ++r)
        acc += f(t, w, NP);
    sink = acc;
    return (now() - t0) / (200.0 * (NP - 1)) * 1e9;
}

static int isa;
static void libm_way(const double *x, size_t n, double *o)
{
    for (size_t j = 0; j < n; ++j)
        o[j] = expm1(x[j]);
}
static void clif_way(const double *x, size_t n, double *o)
{
    for (size_t j = 0; j < n; ++j)
        o[j] = clif__expm1(x[j]);
}
static void isa_way(const double *x, size_t n, double *o)
{
    clif__expm1_batch_isa(isa, x, n, o);
}
typedef void (*way)(const double *, size_t, double *);

static double time_small(way f, const double *x)
{
    static double out[64 * BLK];
    double t0 = now(), acc = 0;
    for (int r = 0; r < 64; ++r)
        for (int a = 0; a < 64; ++a) {
            f(x + a * BLK, BLK, out + a * BLK);
            acc += out[a * BLK + BLK - 1];
        }
    sink = acc;
    return (now() - t0) / (64.0 * 64 * BLK) * 1e9;
}

static double time_big(way f, const double *x, size_t n, double *out)
{
    double t0 = now();
    f(x, n, out);
    sink = out[n - 1];
    return (now() - t0) / (double)n * 1e9;
}

int main(void)
{
    enum { BIG = 1000000, NR = 9 };
    double *t = malloc(NP * sizeof *t), *w = malloc(NP * sizeof *w);
    double *t2 = malloc(NP * sizeof *t2);
    double *x = malloc(BIG * sizeof *x), *out = malloc(BIG * sizeof *out);
    /* gaps: (a) exponential, mean 0.5 ms (x ~ -0.03); (b) dt/tau
     * log-uniform over [1e-6, 1] */
    t[0] = t2[0] = 0.0;
    for (int k = 1; k < NP; ++k) {
        t[k] = t[k - 1] - 0.5 * log(urand());
        t2[k] = t2[k - 1] + TAU * exp(log(1e-6) * urand());
        w[k] = 0.1 * (urand() - 0.45);
    }
    for (int j = 0; j < BIG; ++j)
        x[j] = -exp(log(1e-6) * urand()); /* log-uniform in [-1, -1e-6] */
    static const char *kn[3] = {"libm expm1", "clif__expm1", "batch(64) + loop"};
    kern kf[3] = {kernel_libm, kernel_clif, kernel_batch};
    double kb[3][2];
    static const char *wn[5] = {"libm expm1 loop", "clif__expm1 loop", "batch, portable",
                                "batch, AVX2", "batch, AVX-512"};
    way wf[5] = {libm_way, clif_way, isa_way, isa_way, isa_way};
    int have[5] = {1, 1, 1, 1, 1};
    for (int v = 2; v < 5; ++v)
        have[v] = clif__expm1_batch_isa(v - 2, x, 1, out) == 0;
    double tb[5][2];
    for (int v = 0; v < 3; ++v)
        kb[v][0] = kb[v][1] = INFINITY;
    for (int v = 0; v < 5; ++v)
        tb[v][0] = tb[v][1] = INFINITY;
    for (int round = 0; round < NR; ++round) {
        for (int v = 0; v < 3; ++v) {
            double a = time_kernel(kf[v], t, w), b = time_kernel(kf[v], t2, w);
            if (a < kb[v][0]) kb[v][0] = a;
            if (b < kb[v][1]) kb[v][1] = b;
        }
        for (int v = 0; v < 5; ++v) {
            if (!have[v])
                continue;
            isa = v - 2;
            double a = time_small(wf[v], x), b = time_big(wf[v], x, BIG, out);
            if (a < tb[v][0]) tb[v][0] = a;
            if (b < tb[v][1]) tb[v][1] = b;
        }
    }
    printf("kernel loop, ns per pulse (best of %d)   gaps exp(0.5 ms)  x log-unif [-1,-1e-6]\n", NR);
    for (int v = 0; v < 3; ++v)
        printf("  %-36s %10.2f %16.2f\n", kn[v], kb[v][0], kb[v][1]);
    printf("independent values, ns per value         n = 64     n = 1e6\n");
    for (int v = 0; v < 5; ++v)
        if (have[v])
            printf("  %-36s %10.2f %10.2f\n", wn[v], tb[v][0], tb[v][1]);
    free(t); free(t2); free(w); free(x); free(out);
    return 0;
}
