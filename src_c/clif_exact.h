/* clif_exact.h -- exact event-driven simulation (src_c/exact.c).
 * Included by clif.h; do not include directly.
 *
 * Two floors, so that later features reuse the lower one unchanged:
 *
 *   clif_exact_advance  ONE neuron from its current time to t_end under one
 *                       drive (constant + sine current) and a sorted list of
 *                       delta pulses.  This is what a clock-driven host calls
 *                       once per grid step, and what an event-driven network
 *                       calls once per min-delay window.
 *   clif_exact_run      a population (per-neuron parameter arrays,
 *                       piecewise-constant current changes, pulses grouped
 *                       by target, V samples): the Python path.  It only
 *                       cuts the time axis at changes and samples and calls
 *                       clif_exact_advance.
 *
 * Semantics (all times absolute, in ms):
 *   - A call covers the half-open interval [state.t, t_end): pulses, current
 *     changes and spikes at exactly t_end belong to the next call.  Splitting
 *     an interval at any point (same inputs) gives bit-identical spikes,
 *     because the state keeps the last event (t0, V0) as its anchor and V is
 *     always computed from that anchor, never from the split point.  A drive
 *     change is itself an event: clif_exact_rebase moves the anchor.
 *   - V >= V_th (reached continuously, set by a pulse, or at the anchor) is a
 *     spike at that time.  Pulses at the same time are all added before the
 *     threshold is checked.
 *   - Refractoriness is the half-open window [t*, t* + t_ref): V is held at
 *     V_reset.  A pulse arriving in it is dropped (CLIF_REFRACTORY_DROP, as
 *     NEST and Brian2 do) or, with CLIF_REFRACTORY_INTEGRATE, added at the
 *     window's end after decaying from its arrival: w exp(-(t*+t_ref-t)/tau_m)
 *     (NEST iaf_psc_delta's refractory_input).  The drive (currents) does not
 *     act during the window in either mode.  A pulse at exactly t* + t_ref is
 *     outside the window.
 *   - Sinusoidal drive: V has a closed form; crossings are found on cells of
 *     at most 1/16 period anchored at t0, certified crossing-free by a bound
 *     on |V''| (see exact.c), and otherwise refined by bisection and solved
 *     with a bracketing (Illinois) root finder to ~1e-13 ms.
 */
#ifndef CLIF_EXACT_H
#define CLIF_EXACT_H
#ifdef __cplusplus
extern "C" {
#endif

/* What happens to pulses inside the refractory window. */
enum { CLIF_REFRACTORY_DROP = 0, CLIF_REFRACTORY_INTEGRATE = 1 };

/* The current a neuron receives: I(t) = I_dc + I0 sin(2 pi f t / 1000 + phase),
 * t absolute [ms].  I_dc [nA] is the whole constant part (bias, piecewise step,
 * DC of the sine); I0 [nA]; f [Hz] (0: the sine term is the constant
 * I0 sin(phase)); phase [rad]. */
typedef struct clif_drive {
    double I_dc;
    double I0;
    double f;
    double phase;
} clif_drive;

/* What evolves.  Between events V(t) follows the closed form from the anchor
 * (t0, V0) under the drive; while t < t_ref_end the neuron is refractory and
 * V is V_reset (then t0 == t_ref_end and V0 is V_reset plus any integrated
 * refractory input). */
typedef struct clif_exact_state {
    double t;         /* time the neuron has been advanced to [ms] */
    double t0;        /* time of the last event that set V [ms] */
    double V0;        /* V at t0 [mV] */
    double t_ref_end; /* end of the refractory window [ms] (<= t: not refractory) */
} clif_exact_state;

/* A neuron at time t with potential V, not refractory.  V >= V_th makes it
 * fire at t on the next advance. */
void clif_exact_init(clif_exact_state *s, double t, double V);

/* V [mV] at time t >= s->t assuming no event in [s->t, t): V_reset inside
 * the refractory window, the closed form from the anchor otherwise.  NaN for
 * t < s->t0 outside the window. */
double clif_exact_potential(const clif_params *p, const clif_drive *d,
                            const clif_exact_state *s, double t);

/* Move the anchor to s->t, under drive d.  Call it before changing a
 * neuron's drive (the old drive defines V up to now).  A no-op while
 * refractory: V at the window's end does not depend on the drive. */
void clif_exact_rebase(const clif_params *p, const clif_drive *d, clif_exact_state *s);

/* Advance one neuron from s->t to t_end under drive d.
 *
 * Pulses: times pulse_t[*next..n_pulses) (sorted, >= s->t) with weights
 * pulse_w [mV]; *next is advanced past every pulse before t_end.
 * Spike times are written to spikes[0..capacity); *n_spikes receives how
 * many were written.
 *
 * Returns CLIF_OK with s->t == t_end; CLIF_E_CAPACITY when a spike was found
 * and the buffer is full: the state and *next then stand just before that
 * spike, so calling again with more room continues exactly (nothing lost,
 * nothing recomputed differently); CLIF_E_TIME / CLIF_E_UNSORTED /
 * CLIF_E_VALUE for a bad pulse (state valid up to it); CLIF_E_FREQ for a bad
 * drive; CLIF_E_NOCONVERGE if the root finder fails (not expected). */
clif_status clif_exact_advance(const clif_params *p, const clif_drive *d, clif_exact_state *s,
                               double t_end, const double *pulse_t, const double *pulse_w,
                               size_t n_pulses, size_t *next, int refractory_input,
                               double *spikes, size_t capacity, size_t *n_spikes);

/* A population's inputs: struct of arrays, each of length n unless said. */
typedef struct clif_exact_pop {
    size_t n;
    const double *tau_m, *R_m, *E_L, *V_th, *V_reset, *t_ref;
    const double *I_e;        /* constant current [nA] (bias + sine DC) */
    /* Piecewise-constant current added to I_e: I_step0[i] (NULL: 0) until
     * change_t[0], then value (j, i) = change_I[j*change_row + i*change_col]
     * from change_t[j] on.  change_t sorted, shared by all neurons. */
    const double *I_step0;
    size_t n_changes;
    const double *change_t, *change_I;
    size_t change_row, change_col;
    /* Sine (all NULL: none): amplitude [nA], frequency [Hz], phase [rad]. */
    const double *sine_I0, *sine_f, *sine_phase;
    /* Pulses grouped by target: neuron i's are [pulse_off[i], pulse_off[i+1])
     * (pulse_off has n+1 entries; NULL: no pulses), each group time-sorted. */
    const size_t *pulse_off;
    const double *pulse_t, *pulse_w;
    /* V samples: V at sample_t[q] (sorted) goes to sample_V[q*n + i]. */
    size_t n_samples;
    const double *sample_t;
    double *sample_V;
    int refractory_input;
} clif_exact_pop;

/* Per-neuron progress through the inputs of one clif_exact_run call
 * (zero it before the first call; indices are relative to the neuron's own
 * pulse group). */
typedef struct clif_exact_cursor {
    size_t pulse, change, sample;
} clif_exact_cursor;

/* Advance neurons [begin, end) of pop to t_end, neuron after neuron.
 * Spikes are appended neuron-major (each neuron's in time order) as
 * (spike_t, spike_i) to buffers of capacity `capacity`; *n_spikes receives
 * the count.  On CLIF_E_CAPACITY, *resume is the neuron to restart from
 * (call again with begin = *resume and fresh room; state and cursor hold the
 * exact progress).  Parameters are checked with clif_check_params per neuron
 * (status of the first bad one, *resume naming it). */
clif_status clif_exact_run(const clif_exact_pop *pop, size_t begin, size_t end, double t_end,
                           clif_exact_state *state, clif_exact_cursor *cursor,
                           double *spike_t, int64_t *spike_i, size_t capacity,
                           size_t *n_spikes, size_t *resume);

/* As clif_exact_run, but without senders: counts[i] (length pop->n, zeroed
 * by the caller) is increased by the number of spikes of neuron i written,
 * so the output is neuron-major runs of counts[i] times each (a neuron's run
 * can straddle two buffers when CLIF_E_CAPACITY interrupts it). */
clif_status clif_exact_run_counted(const clif_exact_pop *pop, size_t begin, size_t end,
                                   double t_end, clif_exact_state *state,
                                   clif_exact_cursor *cursor, double *spike_t, size_t *counts,
                                   size_t capacity, size_t *n_spikes, size_t *resume);

/* Sort spikes (t[k], i[k]) in place by time, then sender, using a work
 * buffer of n clif_spike and n_bins >= 2 counters (2^16 + 2^12 is plenty).
 * Times in [t_lo, t_hi] are bucketed (others are still sorted, only
 * slower).  Linear time for spread-out spikes, O(k log k) for clumps of k
 * (nearly) simultaneous spikes; no allocation. */
typedef struct clif_spike {
    double t;
    int64_t i;
} clif_spike;

clif_status clif_spike_sort(size_t n, double *t, int64_t *i, double t_lo, double t_hi,
                            clif_spike *work, size_t *bins, size_t n_bins);

/* Work entry of clif_spike_merge (one per neuron). */
typedef struct clif_merge_src {
    double next;
    size_t pos, end;
    int64_t id;
} clif_merge_src;

/* Merge neuron-major spike lists into one list sorted by time, then sender:
 * neuron i's spikes are t[start[i] .. start[i] + count[i]), sorted by time
 * (as clif_exact_run_counted writes them), all in [t_lo, t_hi] up to the
 * last slice, which takes any time.  out_t / out_i receive the sum of
 * count entries.  Work: src (n entries), scratch (scratch_cap >= total
 * pairs; only the largest time slice is touched, so an untouched
 * allocation costs no memory), bins (n_bins >= 2 counters).
 *
 * Method: the time axis is cut into slices of about max(2^16, 4 x firing
 * neurons) spikes; each slice is gathered from the neurons' cursors (one
 * sweep over the neurons that still have spikes) into scratch, then counting
 * sorted by fine time bin into its place in the output, ties by sender
 * (stable: gathered in sender order).  Linear in spikes plus slices x
 * neurons, and everything but the output stays in cache. */
clif_status clif_spike_merge(size_t n, const double *t, const size_t *start,
                             const size_t *count, double t_lo, double t_hi, double *out_t,
                             int64_t *out_i, clif_merge_src *src, clif_spike *scratch,
                             size_t scratch_cap, size_t *bins, size_t n_bins);

#ifdef __cplusplus
}
#endif
#endif /* CLIF_EXACT_H */
