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


/* ---- colored noise: exponential synaptic current (src_c/noise_psc.c) --- */
/* Model psc_exp with white noise on its synaptic current, I_s [nA]:
 *   tau_m dV   = (-(V - E_L) + R_m (I_e + I(t) + I_s)) dt,
 *   tau_s dI_s = -I_s dt + (sigma sqrt(tau_m) / R_m) dW,
 * tau_s = tau_syn_ex of psc_exp.  In s = R_m I_s [mV] the noise is
 * tau_s ds = -s dt + sigma sqrt(tau_m) dW, which tends to the white-noise
 * model above (s dt -> sigma sqrt(tau_m) dW) as tau_s -> 0: sigma keeps its
 * meaning, and the rate is continuous with the delta case.  Stationary:
 * Var V = (sigma^2/2) tau_m / (tau_m + tau_s), Var s = sigma^2 tau_m /
 * (2 tau_s), Cov(V, s) = Var V.  Spike at V >= V_th, then V = V_reset for
 * t_ref while I_s keeps evolving (as NEST's iaf_psc_exp).
 *
 * Bit-stream contract (in addition to the one above): grid step k of neuron
 * g takes normals 2k and 2k + 1 of stream g (both words of block (0, k));
 * the crossing search draws from the sub-stream (purpose 1, k), the
 * part-steps after a refractory end inside the step from (purpose 3, k).
 * The grid values of I_s use normal 2k only, so they do not depend on V,
 * the threshold or the spikes.  Steps must stay below 2^51. */
#define CLIF_NOISE_PSC_STEP_LIMIT ((int64_t)1 << 51)
/* Bisection levels of the crossing search below one step: intervals of
 * dt / 2^j, j = 0 .. CLIF_NOISE_PSC_LEVELS - 1. */
#define CLIF_NOISE_PSC_LEVELS 7

/* What evolves, one per neuron.  A fresh neuron: {V0, I_s0, step0, step0, 0}. */
typedef struct clif_noise_psc_state {
    double V;         /* V at grid point `step` [mV]; V_reset while refractory */
    double I_s;       /* synaptic current at grid point `step` [nA] */
    int64_t step;     /* grid point reached */
    int64_t ref_step; /* refractory until grid point ref_step ... */
    double ref_frac;  /* ... plus ref_frac * dt, 0 <= ref_frac < 1 */
} clif_noise_psc_state;

/* One bisection level: the interval [l, l + H] split at its midpoint m.
 * X = (Y, I_s) with Y = V - mu (mu the constant drive).  Given X_l and X_r,
 * X_m ~ N(Phi_h X_l + G (X_r - Phi X_l), C), Phi_h / Phi the propagators
 * over H/2 / H, G = Sigma_h Phi_h^T Sigma^-1, C = Sigma_h - G Phi_h Sigma_h. */
typedef struct clif_noise_psc_level {
    double H;                /* interval length [ms] */
    double he1, hp, he2;     /* Phi_h: Y' = he1 Y + hp I_s, I_s' = he2 I_s */
    double e1, p, e2;        /* Phi over H */
    double g[4];             /* G, row-major: (Y, I_s) rows, (Y, I_s) columns */
    double l_vv, l_iv, l_ii; /* Cholesky factor of C, V first */
} clif_noise_psc_level;

/* Propagators of a span of length d (a step: d = dt), in (Y [mV], I_s [nA]). */
typedef struct clif_noise_psc_span {
    double d;           /* [ms] */
    double e1, p, e2;   /* mean: Y' = e1 Y + p I_s, I_s' = e2 I_s */
    double S_vv, S_vi, S_ii; /* covariance of the step's noise [mV^2, mV nA, nA^2] */
    double c_ii, c_vi, c_vv; /* its Cholesky factor, I_s first: I_s' = e2 I_s +
                              * c_ii z0, Y' = e1 Y + p I_s + c_vi z0 + c_vv z1 */
    double k_vi;        /* S_vi / S_ii: E[Y' | I_s'] - E[Y'] per nA of I_s' */
    clif_noise_psc_level lev[CLIF_NOISE_PSC_LEVELS];
} clif_noise_psc_span;

typedef struct clif_noise_psc_prop {
    double V_th, V_reset, tau_m, tau_s, sigma, R_m;
    double mu0;      /* E_L + R_m I_e [mV] */
    double q;        /* sigma^2 tau_m / tau_s^2: diffusion of s = R_m I_s [mV^2/ms] */
    double t_ref_dt; /* t_ref / dt */
    clif_noise_psc_span step; /* the grid step, d = dt */
} clif_noise_psc_prop;

/* Validates (clif_check_params, CLIF_E_DT, CLIF_E_SIGMA, CLIF_E_VALUE for a
 * non-finite I_e, CLIF_E_TAU_SYN for tau_s not finite and > 0 or a noise
 * intensity sigma^2 tau_m / tau_s^2 that overflows) and fills *out. */
clif_status clif_noise_psc_prepare(const clif_params *p, double I_e, double sigma, double tau_s,
                                   double dt, clif_noise_psc_prop *out);

/* Propagators of the linear state over a span of length d [ms] (the step's
 * are in clif_noise_psc_prop.step): exposed for tests and hosts.
 * Errors: CLIF_E_NULL, CLIF_E_DT (d not finite and > 0). */
clif_status clif_noise_psc_span_fill(const clif_noise_psc_prop *prop, double d,
                                     clif_noise_psc_span *out);

/* As clif_noise_run (same drive, spikes, record and error contract) for the
 * colored-noise model.  The piecewise-constant current enters the membrane
 * directly, like I_e; a sine drive is CLIF_E_MODEL; CLIF_E_SIZE for
 * step_stop > CLIF_NOISE_PSC_STEP_LIMIT. */
clif_status clif_noise_psc_run(size_t n, const clif_noise_psc_prop *prop,
                               clif_noise_psc_state *state, const clif_noise_drive *drive,
                               double dt, uint64_t seed, uint64_t neuron0, int64_t step_stop,
                               clif_noise_spikes *spikes, const clif_noise_record *record);

#ifdef __cplusplus
}
#endif
#endif /* CLIF_NOISE_H */
