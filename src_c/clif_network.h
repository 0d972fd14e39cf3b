/* clif_network.h -- networks of exact LIF neurons with delayed synapses,
 * delta pulses or synaptic currents (src_c/network.c).  Included by clif.h; do not include directly.
 *
 * Time is cut into windows [k d_min, (k+1) d_min) (k counted, never summed).
 * No spike emitted inside a window arrives inside it (every delay is >=
 * d_min), so within a window the neurons are independent: each one is
 * advanced with clif_exact_advance over its time-sorted incoming pulses (and
 * its external Poisson events), exactly as clif_exact_run would.  After the
 * window its spikes are sorted by (time, sender) and delivered into ring
 * buffers of future windows with exact arrival times t_spike + delay.
 *
 * Canonical order.  The pulses a neuron receives in a window are ordered by
 * (arrival time, spike time, sender, position of the synapse in the sender's
 * row); clif_exact_advance adds same-time pulses in this order before the
 * threshold decides.  External Poisson events come after synaptic pulses of
 * the same time.  None of this depends on the number of threads, so results
 * are bit-identical whatever n_threads.
 *
 * Zero-weight synapses deliver nothing (a 0 mV pulse changes no V, but
 * re-anchoring the neuron at it would change the rounding of later spike
 * times), so zero weights give exactly the independent neurons' spikes.
 *
 * Rounding at a window edge: t_spike + delay may round to just below the
 * next window's start when delay == d_min; such an arrival is moved to the
 * window's start (at most an ulp of t).
 *
 * External Poisson input of neuron g (rate nu [Hz], weight w [mV]): event
 * times t_j = t_{j-1} + E_j * 1000 / nu (t_0 = the start time), with
 * E_j = clif_rng_exponential(seed, CLIF_NET_EXT_STREAM + g, j - 1, 1, .), the
 * -log u_j of clif_rng_uniform's u_j -- so the train can be reproduced
 * outside the network.  At most 2^52 events per neuron (CLIF_E_SIZE).
 *
 * Threads.  clif_net_run is called concurrently by n_threads host threads
 * (tid 0..n_threads-1, the n_threads given to clif_net_sim_create); they
 * synchronise with a barrier inside the sim (pthreads; it spins up to
 * ~100 us before sleeping when n_threads <= CPUs).  In each window thread
 * tid owns a contiguous range of whole blocks of neurons (targets): it
 * integrates them and writes the pulses addressed to them, so no two
 * threads write the same memory.  Between windows the ranges move to follow
 * each thread's measured speed; a block's pulse buffers belong to the block,
 * so nothing is copied, and the results do not depend on the ranges.
 *
 * Memory.  The sim allocates (malloc) its state at creation and grows its
 * pulse and spike buffers geometrically between events when they fill; a
 * failed allocation is CLIF_E_NOMEM, never a crash.  The connectivity is the
 * caller's (read only).  Per synapse: int32 target, float32 weight, uint16
 * delay index = 10 bytes, plus 8 bytes per neuron of row offsets.  The
 * sim's own state: ~64 bytes per neuron (its V anchor, external-input
 * counters, row weight, V_inf, run cursor).  Pulses
 * in flight: one run per neuron per ring slot (floor(max delay / d_min) + 3
 * slots), 12 bytes per pulse, the runs of a block of neurons (64-4096) in a
 * slot sized by the block's longest: about 12 x N x slots x (typical most
 * pulses one neuron of a block receives in one window) bytes.
 */
#ifndef CLIF_NETWORK_H
#define CLIF_NETWORK_H
#ifdef __cplusplus
extern "C" {
#endif

/* Stream offset of the external Poisson input (see above). */
#define CLIF_NET_EXT_STREAM ((uint64_t)1 << 62)
/* At most this many distinct delay values (uint16 delay indices). */
#define CLIF_NET_MAX_DELAYS 65535
/* The highest external Poisson rate [Hz] per neuron (a mean interval of
 * 1 ns): past it the sum of intervals stops advancing in double precision
 * at long simulated times, and no model needs more. */
#define CLIF_NET_MAX_EXT_RATE 1e9

/* The network: the caller owns it all and must keep it alive and unchanged
 * while a sim uses it (clif_net_sim_create checks it and notes which rows
 * have a single weight; phase C then reads no weights for them). */
typedef struct clif_net {
    size_t n;                   /* neurons */
    const clif_params *params;  /* n parameter sets */
    const double *I_e;          /* n constant currents [nA] */
    const double *ext_rate;     /* n external Poisson rates [Hz] (NULL: none) */
    const double *ext_weight;   /* n external weights [mV] */
    const uint64_t *row;        /* n + 1 offsets of each presynaptic neuron's row */
    const int32_t *target;      /* row[n] targets, ascending within a row */
    const float *weight;        /* row[n] weights [mV] */
    const uint16_t *delay;      /* row[n] indices into delay_table */
    const double *delay_table;  /* n_delays delays [ms], each >= d_min */
    size_t n_delays;
    double d_min;               /* window length [ms], > 0 */
    int refractory_input;       /* CLIF_REFRACTORY_DROP or _INTEGRATE */
    uint64_t seed;              /* key of the external Poisson streams */
    /* The neurons' model (clif_model.h; CLIF_MODEL_DELTA: 0, the layout of
     * ABI 1) and, for the current models, n synaptic parameter sets (NULL
     * allowed when every neuron is delta).  Weights (synaptic and
     * external) are in the unit of the target neuron's model: mV for
     * delta, nA for the current models, whose receptor is the weight's
     * sign; refractory_input must be CLIF_REFRACTORY_DROP when any neuron
     * has a current model. */
    int model;
    const clif_syn_params *syn;
    /* ABI 3: n per-neuron model ids (NULL: every neuron has `model`), so
     * populations of different models share one network. */
    const uint8_t *model_of;
} clif_net;

/* What a run records (all optional).  Owned by the caller. */
typedef struct clif_net_record {
    /* Spikes: of the neurons with spike_mask[i] != 0 (spike_mask NULL: all),
     * kept inside the sim (clif_net_sim_spikes) up to max_spikes in total;
     * one more is CLIF_E_CAPACITY (the run stops after the window; nothing is
     * dropped silently). record_spikes == 0: none. */
    int record_spikes;
    const uint8_t *spike_mask;
    size_t max_spikes;
    /* Population spike counts: neuron i belongs to population pop_of[i] <
     * n_pops; a spike at t adds 1 to counts[b * n_pops + pop] with b =
     * floor((t - bin_t0) / bin_width) when 0 <= b < n_bins (pop_of NULL: none). */
    const int32_t *pop_of;
    size_t n_pops;
    double bin_t0, bin_width;
    size_t n_bins;
    int64_t *counts;
    /* Membrane potential of neurons V_index[0..n_V) (strictly ascending) at
     * times sample_t[0..n_samples) (sorted, within the run): V[q * n_V + r]
     * is V of neuron V_index[r] at sample_t[q] (before events at that time). */
    size_t n_V;
    const int64_t *V_index;
    size_t n_samples;
    const double *sample_t;
    double *V;
} clif_net_record;

typedef struct clif_net_sim clif_net_sim;

/* Check the network (parameters, targets, delays, weights, I_e, external
 * input) and create a simulation at time t_start (a multiple of nothing in
 * particular; windows stay on the grid k d_min) with V = V0[i] (NULL: E_L).
 * Returns NULL with *status set on failure; *bad receives the offending
 * neuron or synapse index where there is one. */
clif_net_sim *clif_net_sim_create(const clif_net *net, size_t n_threads, const double *V0,
                                  clif_status *status, size_t *bad);
void clif_net_sim_free(clif_net_sim *sim);

/* Advance the network to t_stop (>= the sim's time).  Called by every
 * thread tid in 0..n_threads-1 concurrently (or once with tid 0 when
 * n_threads == 1); all calls return the same status.  After an error other
 * than CLIF_E_CAPACITY the sim should be freed. */
clif_status clif_net_run(clif_net_sim *sim, size_t tid, double t_stop, const clif_net_record *rec);

/* Current time; neuron states (n of them, read only): the delta part of
 * every model's, and (NULL when every neuron is delta) the full states (y = 0 for delta neurons). */
double clif_net_sim_time(const clif_net_sim *sim);
const clif_exact_state *clif_net_sim_states(const clif_net_sim *sim);
const clif_model_state *clif_net_sim_model_states(const clif_net_sim *sim);
/* Recorded spikes so far, sorted by (time, sender); take them with
 * clear != 0 to empty the buffer. */
size_t clif_net_sim_n_spikes(const clif_net_sim *sim);
void clif_net_sim_spikes(clif_net_sim *sim, double *t, int64_t *i, int clear);
/* Statistics: pulses delivered (synaptic events) and external events. */
void clif_net_sim_counters(const clif_net_sim *sim, uint64_t *syn_events, uint64_t *ext_events);

/* Distributed runs (MPI or any other transport; the core stays free of it).
 * With an exchange set, thread 0 calls it once per window, after the
 * window's own spikes are sorted and before they are recorded and
 * delivered: it receives this process's status and spikes (sorted by
 * (time, sender); none when status != CLIF_OK) and must return, through
 * *n_out, *t_out, *i_out, the spikes of all processes for the window
 * (any order: they are sorted again), in a buffer it owns and keeps
 * alive until its next call.  Its return value is the window's status
 * (it should return an error when any process failed, so all stop
 * together).  Every process must hold the same network shape (n, delays,
 * d_min) and run to the same t_stop; each integrates only the neurons it
 * owns and holds only the synapses onto them (the others are the caller's
 * to keep silent: no drive, no input).  fn NULL: none (the default). */
typedef clif_status (*clif_net_exchange_fn)(void *ctx, clif_status status, size_t n,
                                            const double *t, const int64_t *i, size_t *n_out,
                                            const double **t_out, const int64_t **i_out);
void clif_net_sim_set_exchange(clif_net_sim *sim, clif_net_exchange_fn fn, void *ctx);

/* Interruption (Ctrl-C in a host): flag, owned by the host and NULL by
 * default, is read by thread 0 after every min-delay window (so after at
 * most one window's work).  Once it is nonzero the run finishes that window,
 * delivers its spikes and returns CLIF_E_INTERRUPTED from every thread:
 * the sim then stands at a window boundary exactly as a run to
 * clif_net_sim_time() would have left it (spikes recorded so far kept), and
 * a later clif_net_run continues with the same bits as an uninterrupted
 * run.  Clear the flag before running on.  Set it from any thread or a
 * signal handler (it is only ever read). */
void clif_net_sim_set_stop(clif_net_sim *sim, const volatile int *flag);

/* Spike sources: n_src presynaptic nodes that are not neurons (recorded
 * trains, Poisson generators, stimuli), numbered n .. n + n_src - 1 as
 * senders; their rows follow the neurons' in net->row, which must then
 * hold n + n_src + 1 offsets (their synapses are checked here, once per
 * change of n_src; targets are neurons).  Their spikes, t[k] of source
 * src[k] in [0, n_src), sorted by (t, src), each t >= the sim's time and
 * finite, replace those of an earlier call; the caller keeps the arrays
 * alive and unchanged until the next call or the sim's end (a host can
 * give each run only the spikes before its t_stop).  A source's spike at t
 * is delivered like a neuron's: at t + delay, after a neuron's spike of
 * the same time.  It is not recorded (the host knows it).  Every process
 * of a distributed run must pass the same spikes.  *bad (may be NULL):
 * the offending row, synapse or spike.  CLIF_E_TARGET, _TIME, _UNSORTED,
 * _DELAY, _VALUE, _SIZE, _NULL, _NOMEM. */
clif_status clif_net_sim_set_sources(clif_net_sim *sim, size_t n_src, size_t n_spikes,
                                     const double *t, const int64_t *src, size_t *bad);

/* Connectivity building blocks (single-threaded, no allocation: the caller
 * passes the work space).
 * clif_net_csr_from_coo: counting sort of m synapses (pre, post, weight,
 * delay index) by pre into row (n + 1), target, weight_out, delay_out, then
 * each row by target (stable: multapses keep their input order).  work:
 * max(n + 1, longest row) uint64.  CLIF_E_TARGET if an index is out of
 * [0, n) (*bad = its position). */
clif_status clif_net_csr_from_coo(size_t n, size_t m, const int32_t *pre, const int32_t *post,
                                  const float *weight, const uint16_t *delay, uint64_t *row,
                                  int32_t *target, float *weight_out, uint16_t *delay_out,
                                  uint64_t *work, size_t *bad);
/* Sort rows [begin, end) by target in place (stable).  work: 2 * longest
 * row uint64. */
clif_status clif_net_csr_sort_rows(size_t begin, size_t end, const uint64_t *row,
                                   int32_t *target, float *weight, uint16_t *delay,
                                   uint64_t *work);

#ifdef __cplusplus
}
#endif
#endif /* CLIF_NETWORK_H */
