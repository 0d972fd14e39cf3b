/* clif_noise.h -- counter-based RNG and the stochastic integrator
 * (src_c/rng.c, src_c/noise.c).  Included by clif.h; do not include directly.
 *
 * Model: tau_m dV = (-(V - E_L) + R_m I(t)) dt + sigma sqrt(tau_m) dW, so the
 * free membrane's stationary SD is sigma / sqrt(2) (the Siegert / NEST
 * siegert_neuron convention; in the form dV = ... dt + s dW, s = sigma /
 * sqrt(tau_m)).  Spike at V >= V_th, then V = V_reset for t_ref. */
#ifndef CLIF_NOISE_H
#define CLIF_NOISE_H
#ifdef __cplusplus
extern "C" {
#endif

/* ---- random numbers (src_c/rng.c) -------------------------------------- */
/* Philox4x32-10 of Salmon et al. (2011), bit-compatible with Random123. */
void clif_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* Bit-stream contract (frozen: changing any of it changes every result).
 * Block (seed, stream, purpose, index) = Philox4x32-10 with key
 * (seed lo32, seed hi32) and counter (index lo32, index bits 32..55 |
 * purpose << 24, stream lo32, stream hi32); its words are
 * w0 = out0 | out1 << 32 and w1 = out2 | out3 << 32.
 * - Normal k of a stream: word k & 1 of block (purpose 0, k >> 1) fed to a
 *   256-layer ziggurat (layer = bits 0..7, sign = bit 8, magnitude = bits
 *   12..63 times the layer's width); a rejected word continues in the
 *   sub-stream (purpose 2, index k), whose lane j is block (2 + 16 (1 + j
 *   mod 15), k + 2^52 ((j div 15) mod 16)), words taken w1 then w0.
 * - Uniform k of a stream: ((word >> 11) + 1/2) 2^-53 of word k & 1 of
 *   block (purpose 4, k >> 1).
 * - Integrator, neuron g (global index), grid step k: the step's normal is
 *   normal k of stream g; the bridge test and crossing time draw from the
 *   sub-stream (purpose 1, k), the part-steps after a reset inside the step
 *   from (purpose 3, k); the first bridge uniform is word w1 of block
 *   (17, k).  So results depend on (seed, g, k) only.
 * Every code path (portable C, AVX2, AVX-512, chosen at run time) gives
 * these exact bits and, in the integrator, the same floating-point
 * operations in the same order; src_c/tests check each path the CPU has. */

/* Indices (positions in a stream, grid steps) must stay below this. */
#define CLIF_RNG_INDEX_LIMIT ((uint64_t)1 << 52)

/* Numbers start .. start+n-1 of stream `stream` under key `seed`.  Any
 * (seed, stream, index) always gives the same number, so a stream can be
 * filled in any pieces, in any order, by any number of threads.
 * Normals: 256-layer ziggurat (exact tail and wedges) fed by Philox.
 * Uniforms: on (0, 1), the midpoints (j + 1/2) 2^-53.
 * The integrator's noise for neuron g at step k is clif_rng_normal(seed, g,
 * k, 1, .), so the numbers it uses can be reproduced outside it.
 * Errors: CLIF_E_NULL, CLIF_E_SIZE (start + n > CLIF_RNG_INDEX_LIMIT). */
clif_status clif_rng_normal(uint64_t seed, uint64_t stream, uint64_t start, size_t n,
                            double *out);
clif_status clif_rng_uniform(uint64_t seed, uint64_t stream, uint64_t start, size_t n,
                             double *out);
/* Unit-rate exponential variates of the uniform stream: out[j] = -log(u_j),
 * u_j = number start + j of clif_rng_uniform(seed, stream, ...), computed
 * with clif's own vectorised logarithm (at most 1 ulp from the correctly
 * rounded value, the same bits on every CPU; 0 for u = 1).  This is the
 * stream of the network's external Poisson input (clif_network.h).  Same
 * arguments and errors as clif_rng_uniform. */
clif_status clif_rng_exponential(uint64_t seed, uint64_t stream, uint64_t start, size_t n,
                                 double *out);

/* ---- stochastic integrator (src_c/noise.c) ----------------------------- */
typedef enum clif_noise_method {
    /* Exact OU step, Brownian-bridge crossing test between grid points with
     * the crossing time sampled inside the step, refractory end at its exact
     * time inside a step. */
    CLIF_NOISE_EXACT = 0,
    /* Euler-Maruyama, threshold checked on the grid, spike time at the end of
     * the step, refractory period round(t_ref / dt) steps. */
    CLIF_NOISE_EULER = 1
} clif_noise_method;

/* What evolves, one per neuron.  A fresh neuron: {V0, step0, step0, 0}. */
typedef struct clif_noise_state {
    double V;         /* V at grid point `step` [mV]; V_reset while refractory */
    int64_t step;     /* the grid point (t = step * dt) this neuron has reached */
    int64_t ref_step; /* refractory until grid point ref_step ... */
    double ref_frac;  /* ... plus ref_frac * dt, 0 <= ref_frac < 1 */
} clif_noise_state;

/* Propagators, one per neuron, derived by clif_noise_prepare from the
 * parameters, drive, sigma and dt; recompute them when any of these change. */
typedef struct clif_noise_prop {
    double V_th, V_reset, tau_m, sigma;
    double mu0;      /* E_L + R_m I_e [mV] */
    double R_m;
    double E;        /* exp(-dt / tau_m) */
    double sd;       /* sigma sqrt((1 - E^2) / 2): SD of one exact step [mV] */
    double bridge;   /* 2 / (sigma^2 sinh(dt / tau_m)); 0 when sigma == 0 */
    double Tbm;      /* expm1(2 dt / tau_m): the step in the bridge's time scale */
    double eh;       /* exp(dt / tau_m) */
    double e_a;      /* Euler: dt / tau_m */
    double e_sd;     /* Euler: sigma sqrt(dt / tau_m) */
    double t_ref_dt; /* t_ref / dt */
    int64_t n_ref;   /* Euler: refractory steps, round(t_ref / dt) */
    double sA, sB;   /* sine: V_p(t) = sA sin(w t + phase) + sB cos(w t + phase) */
    double RI0;      /* sine: R_m I0 [mV] (Euler) */
} clif_noise_prop;

/* Validates (clif_check_params, then CLIF_E_DT, CLIF_E_SIGMA, CLIF_E_VALUE for
 * a non-finite I_e or I0, CLIF_E_FREQ for omega) and fills *out.  I0 [nA] and
 * omega [rad/ms] describe the sinusoidal current I0 sin(omega t + phase);
 * I0 = 0 for none. */
clif_status clif_noise_prepare(const clif_params *p, double I_e, double sigma, double I0,
                               double omega, double dt, clif_noise_prop *out);

/* Time-dependent drive shared by a call (NULL: none). */
typedef struct clif_noise_drive {
    /* Piecewise-constant current: value j applies from grid step
     * change_step[j] (non-decreasing) until the next change; 0 before the
     * first.  Neuron i's value j is change_value[j * ld + i] [nA]; ld = 0
     * shares one value among all neurons. */
    size_t n_changes;
    const int64_t *change_step;
    const double *change_value;
    ptrdiff_t ld;
    /* Sinusoid: angular frequency [rad/ms] and phase [rad]; amplitudes are in
     * the propagators.  sine = 0: none. */
    int sine;
    double omega, phase;
} clif_noise_drive;

/* Spikes out: caller-owned arrays of `capacity`; `count` is advanced. */
typedef struct clif_noise_spikes {
    double *times;    /* [ms] */
    int64_t *senders; /* local neuron index, 0 .. n-1 */
    size_t capacity, count;
} clif_noise_spikes;

/* Optional V traces: V of neurons index[0..n) (strictly increasing local
 * indices) at the grid points m with m % every == 0 and base < m, row
 * m / every - base / every - 1 of out (rows x n, row-major). */
typedef struct clif_noise_record {
    size_t n;
    const int64_t *index;
    int64_t every, base;
    double *out;
    size_t rows;
} clif_noise_record;

/* Advance neurons 0..n-1 (global indices neuron0 + i, which key their
 * random streams) from their own state[i].step to grid point step_stop.
 * Spikes are appended to *spikes in an unspecified order (neither by time
 * nor grouped by neuron: neurons are stepped in lockstep groups).
 * CLIF_E_CAPACITY: the buffer is full; every neuron's state is consistent
 * (at a grid point, all its spikes up to there stored), so the caller may
 * empty or grow the buffer and call again with the same arguments: the
 * result is identical to one uninterrupted call.  Results depend only on
 * (seed, neuron0 + i, step), never on n, chunking or how [0, step_stop) is
 * split into calls.  A clock-driven host may call it with step_stop =
 * step + 1 to advance one grid step.  Thread-safe; no allocation.
 * Other errors (nothing advanced): CLIF_E_NULL, CLIF_E_DT, CLIF_E_SIZE
 * (step_stop >= CLIF_RNG_INDEX_LIMIT, record rows too few), CLIF_E_TIME
 * (a state step < 0 or > step_stop), CLIF_E_VALUE (non-finite V or current),
 * CLIF_E_UNSORTED (change steps), CLIF_E_TARGET (record indices). */
clif_status clif_noise_run(size_t n, const clif_noise_prop *prop, clif_noise_state *state,
                           const clif_noise_drive *drive, double dt, clif_noise_method method,
                           uint64_t seed, uint64_t neuron0, int64_t step_stop,
                           clif_noise_spikes *spikes, const clif_noise_record *record);

#ifdef __cplusplus
}
#endif
#endif /* CLIF_NOISE_H */
