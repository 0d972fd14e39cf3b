/* Micro-benchmark of clif__exponentials (src_c/rng.c), the network's
 * external-Poisson intervals, against the scalar way it replaces (one
 * clif__block per two draws + libm log, as network.c's ext_interval did).
 * Not part of the Python benchmark runner; build and run from the root:
 *
 *   make -C src_c BUILD=/tmp/clifb CFLAGS="-std=c99 -O3 -ffp-contract=off \
 *        -fno-math-errno -fno-trapping-math" all
 *   cc -std=c99 -O3 -ffp-contract=off -Isrc_c bench/rng_exponential.c \
 *        /tmp/clifb/libclif.a -lm -o /tmp/rng_exponential && /tmp/rng_exponential
 *
 * Small n: 2048 streams x 32 consecutive calls of n values each (the
 * network's pattern: one neuron's batch at a time).  Large n: one call of
 * 1e6.  ns per variate, best of 7 rounds; the ways alternate within each
 * round so that frequency drift hits them alike. */
#define _POSIX_C_SOURCE 199309L
#include "clif.h"
#include "rng_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void scalar_way(uint64_t seed, uint64_t stream, uint64_t k0, size_t n, double *out)
{
    uint64_t w[2], blk = 0;
    for (size_t j = 0; j < n; ++j) {
        uint64_t k = k0 + j;
        if (blk != (k >> 1) + 1) {
            clif__block(seed, stream, CLIF_P_UNIFORM, k >> 1, w);
            blk = (k >> 1) + 1;
        }
        out[j] = -log(clif__u01(w[k & 1]));
    }
}

static int isa;
static void isa_way(uint64_t s, uint64_t st, uint64_t k0, size_t n, double *o)
{
    clif__exponentials_isa(isa, s, st, k0, n, o);
}

typedef void (*way)(uint64_t, uint64_t, uint64_t, size_t, double *);
static volatile double sink;

static double time_small(way f, size_t n, unsigned odd)
{
    static double out[4096];
    double acc = 0, t0 = now();
    for (uint64_t g = 0; g < 2048; ++g)
        for (uint64_t c = 0; c < 32; ++c) {
            f(42, 1000 + g, c * n + odd, n, out);
            acc += out[n - 1];
        }
    sink = acc;
    return (now() - t0) / (2048.0 * 32 * (double)n) * 1e9;
}

static double time_big(way f, size_t n, double *out)
{
    double t0 = now();
    f(42, 7, 0, n, out);
    sink = out[n - 1];
    return (now() - t0) / (double)n * 1e9;
}

int main(void)
{
    enum { NW = 5, NC = 6, BIG = 1000000 };
    static const char *names[NW] = {"scalar Philox + libm log", "clif__exponentials",
                                    "  portable path", "  AVX2 path", "  AVX-512 path"};
    static const char *cols[NC] = {"n=16", "n=32", "n=32 odd k0", "n=64", "n=256", "n=1e6"};
    double best[NW][NC];
    double *out = malloc(BIG * sizeof *out);
    int have[NW] = {1, 1, 1, 1, 1};
    for (int v = 2; v < NW; ++v)
        have[v] = clif__exponentials_isa(v - 2, 1, 1, 0, 1, out) == 0;
    for (int v = 0; v < NW; ++v)
        for (int c = 0; c < NC; ++c)
            best[v][c] = INFINITY;
    for (int round = 0; round < 7; ++round)
        for (int v = 0; v < NW; ++v) {
            if (!have[v])
                continue;
            way f = v == 0 ? scalar_way : v == 1 ? clif__exponentials : isa_way;
            isa = v - 2;
            double t[NC] = {time_small(f, 16, 0), time_small(f, 32, 0), time_small(f, 32, 1),
                            time_small(f, 64, 0), time_small(f, 256, 0), time_big(f, BIG, out)};
            for (int c = 0; c < NC; ++c)
                if (t[c] < best[v][c])
                    best[v][c] = t[c];
        }
    printf("ns per variate (best of 7)\n%-26s", "");
    for (int c = 0; c < NC; ++c)
        printf(" %11s", cols[c]);
    printf("\n");
    for (int v = 0; v < NW; ++v) {
        if (!have[v])
            continue;
        printf("%-26s", names[v]);
        for (int c = 0; c < NC; ++c)
            printf(" %11.2f", best[v][c]);
        printf("\n");
    }
    free(out);
    return 0;
}
