/* rng_impl.h -- private inline pieces of the generator, shared by rng.c and
 * noise.c so that the integrator draws exactly the numbers the public
 * functions return (a testable identity), without a call per number.
 *
 * Philox4x32-10 (Salmon, Moraes, Dror, Shaw 2011, "Parallel random numbers:
 * as easy as 1, 2, 3"): a bijection of a 128-bit counter under a 64-bit key.
 * clif's layout: key = seed; counter = (index lo32, index hi24 | purpose<<24,
 * stream lo32, stream hi32), where stream = global neuron index and index =
 * step (or position in a public array).  Each (seed, stream, purpose, index)
 * names its own 128 bits, so nothing depends on the order of evaluation:
 * threads, neuron chunks and split runs all see the same numbers. */
#ifndef CLIF_RNG_IMPL_H
#define CLIF_RNG_IMPL_H
#include <math.h>
#include <stdint.h>

#include "rng_ziggurat.h"
#include "cpu_impl.h"

/* Purposes (top byte of counter word 1).  New ones may be added; the values
 * of existing ones are frozen, since they define the streams. */
enum {
    CLIF_P_NORMAL = 0,   /* the k-th standard normal: word k&1 of block k>>1 */
    CLIF_P_BRIDGE = 1,   /* per step: bridge uniform, crossing-time draws */
    CLIF_P_ZIGFB = 2,    /* per index: ziggurat rejections of normal k */
    CLIF_P_SUBSTEP = 3,  /* per step: normals for the part-steps after a reset */
    CLIF_P_UNIFORM = 4   /* the k-th public uniform: word k&1 of block k>>1 */
};

static inline void clif__philox(const uint32_t in[4], uint32_t k0, uint32_t k1, uint32_t out[4])
{
    uint32_t c0 = in[0], c1 = in[1], c2 = in[2], c3 = in[3];
    for (int r = 0; r < 10; ++r) {
        uint64_t p0 = (uint64_t)0xD2511F53u * c0;
        uint64_t p1 = (uint64_t)0xCD9E8D57u * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        c1 = (uint32_t)p1;
        c3 = (uint32_t)p0;
        c0 = n0;
        c2 = n2;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

/* The two 64-bit words of block (purpose, index) of a stream. */
static inline void clif__block(uint64_t seed, uint64_t stream, unsigned purpose, uint64_t index,
                               uint64_t w[2])
{
    uint32_t c[4] = {(uint32_t)index, (uint32_t)(index >> 32) | ((uint32_t)purpose << 24),
                     (uint32_t)stream, (uint32_t)(stream >> 32)};
    uint32_t o[4];
    clif__philox(c, (uint32_t)seed, (uint32_t)(seed >> 32), o);
    w[0] = (uint64_t)o[0] | ((uint64_t)o[1] << 32);
    w[1] = (uint64_t)o[2] | ((uint64_t)o[3] << 32);
}

/* Uniform on (0, 1) from the top 53 bits: the midpoints (j + 1/2) 2^-53, so
 * log() never sees 0 and 1 - u is exact. */
static inline double clif__u01(uint64_t w) { return ((double)(w >> 11) + 0.5) * 0x1.0p-53; }

/* A sequential source of words for draws whose number is not fixed
 * (ziggurat rejections, crossing times).  Lane j of sub-stream (purpose,
 * index) is block (purpose + 16 (1 + j mod 15), index + 2^52 ((j div 15) mod
 * 16)): purposes are < 16 and indices < 2^52, so no lane meets a block used
 * for anything else.  240 lanes (480 words) before the sequence repeats,
 * where a ziggurat needs 1.02 words on average and a crossing 3. */
typedef struct clif__sub {
    uint64_t seed, stream, index;
    unsigned purpose, lane, have;
    uint64_t w[2];
} clif__sub;

static inline void clif__sub_init(clif__sub *s, uint64_t seed, uint64_t stream, unsigned purpose,
                                  uint64_t index)
{
    s->seed = seed; s->stream = stream; s->purpose = purpose; s->index = index;
    s->lane = 0; s->have = 0;
}

/* The next word of a sub-stream (lanes as described above clif__sub; a
 * lane's words are taken w[1] first, then w[0]). */
static inline uint64_t clif__sub_next(clif__sub *s)
{
    if (!s->have) {
        unsigned j = s->lane++;
        clif__block(s->seed, s->stream, s->purpose + 16u * (1u + j % 15u),
                    s->index + ((uint64_t)((j / 15u) % 16u) << 52), s->w);
        s->have = 2;
    }
    return s->w[--s->have];
}

static inline double clif__sub_u01(clif__sub *s) { return clif__u01(clif__sub_next(s)); }

/* x with its sign bit flipped when bit is 1. */
static inline double clif__flip_sign(double x, uint64_t bit)
{
    union { double d; uint64_t u; } v;
    v.d = x;
    v.u ^= bit << 63;
    return v.d;
}

/* Ziggurat (Marsaglia & Tsang 2000), 256 layers, 52-bit abscissae, with an
 * exact tail (Marsaglia 1964) and exact wedges: exact in distribution up to
 * the 2^-52 resolution of the abscissae.  w is the first word; rejections
 * draw further words from fb. */
static inline double clif__zig_slow(uint64_t w, clif__sub *fb)
{
    for (;;) {
        unsigned i = (unsigned)(w & 0xff);
        uint64_t neg = (w >> 8) & 1, rabs = w >> 12;
        double x = (double)rabs * clif_zig_w[i];
        if (rabs < clif_zig_k[i])
            return neg ? -x : x;
        if (i == 0) {
            for (;;) {
                double a = -log(clif__sub_u01(fb)) * CLIF_ZIG_INV_R;
                double b = -log(clif__sub_u01(fb));
                if (b + b > a * a)
                    return neg ? -(CLIF_ZIG_R + a) : CLIF_ZIG_R + a;
            }
        }
        if (clif_zig_f[i] + clif__sub_u01(fb) * (clif_zig_f[i + 1] - clif_zig_f[i])
            < exp(-0.5 * x * x))
            return neg ? -x : x;
        w = clif__sub_next(fb);
    }
}

/* Normal number `index` of a stream: the fast path inline, rejections in
 * the sub-stream (CLIF_P_ZIGFB, index). */
static inline double clif__zig(uint64_t w, uint64_t seed, uint64_t stream, uint64_t index)
{
    unsigned i = (unsigned)(w & 0xff);
    uint64_t rabs = w >> 12;
    if (rabs < clif_zig_k[i]) {
        /* The sign is a random bit: a branch on it would be mispredicted
         * half the time, so flip the sign bit instead (same result as
         * neg ? -x : x, -0.0 included). */
        return clif__flip_sign((double)(int64_t)rabs * clif_zig_w[i], (w >> 8) & 1);
    }
    clif__sub fb;
    clif__sub_init(&fb, seed, stream, CLIF_P_ZIGFB, index);
    return clif__zig_slow(w, &fb);
}

/* A normal from a sub-stream (all words from it). */
static inline double clif__sub_normal(clif__sub *s)
{
    uint64_t w = clif__sub_next(s);
    return clif__zig_slow(w, s);
}

/* Batched, vectorisable versions (rng.c): Philox over several counters at
 * once runs at the multiplier's throughput instead of its latency.
 * clif__normals(seed, stream, k0, n, z): z[j] = normal number k0 + j of the
 * stream, identical to clif_rng_normal; n <= CLIF__BATCH. */
#define CLIF__BATCH 256
void clif__philox_words(uint64_t seed, uint64_t stream, unsigned purpose, uint64_t index0,
                        size_t nblocks, uint64_t *w);
void clif__normals(uint64_t seed, uint64_t stream, uint64_t k0, size_t n, double *z);
/* One named path of clif__philox_words, for the tests that check every path
 * gives the portable one's bits.  Returns -1 where the CPU (or the build)
 * lacks it, else 0; isa is a CLIF__ISA_* code (cpu_impl.h). */
int clif__philox_words_isa(int isa, uint64_t seed, uint64_t stream, unsigned purpose,
                           uint64_t index0, size_t nblocks, uint64_t *w);
/* The ziggurat fast pass of clif__normals on one named path: z[j] for the
 * words accepted at once, the positions of the others in rej[] (room for
 * n); returns their number, or -1 when the path is missing. */
long clif__zig_fast_isa(int isa, const uint64_t *w, size_t n, double *z, uint32_t *rej);
/* Exponential variates: out[j] = -log(u) for u = clif__u01(word k0 + j) of
 * purpose CLIF_P_UNIFORM, the u of clif_rng_uniform(seed, stream, k0 + j),
 * with clif's own logarithm (rng.c): at most 1 ulp from the correctly
 * rounded -log(u), the same bits on every path; u = 1 (probability 2^-53)
 * gives +0.  Any n, any k0 (odd too) with k0 + n <= CLIF_RNG_INDEX_LIMIT; no
 * alignment asked of out, no scratch, nothing written past out[n - 1];
 * thread-safe (no state).  Vectorised (AVX-512 / AVX2+FMA, chosen at run
 * time) with Philox and the logarithm in registers, sized to n: small n
 * (16..64, the network's batches) costs little more than its own blocks. */
void clif__exponentials(uint64_t seed, uint64_t stream, uint64_t k0, size_t n, double *out);
/* clif__exponentials for m requests at once: out[j][0 .. n[j]) the values
 * from word k0[j] of stream[j], bit for bit as m calls would give.  Small
 * requests (the network's: one per neuron and window) run side by side,
 * a vector lane each, where one call's Philox latency would leave the core
 * idle.  The out[j] must not overlap. */
void clif__exponentials_multi(uint64_t seed, size_t m, const uint64_t *stream,
                              const uint64_t *k0, const size_t *n, double *const *out);
/* Its one-path variants for the tests: clif_test_hooks.h. */
#include "clif_test_hooks.h"
#endif
