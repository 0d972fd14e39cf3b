/* clif_step.h -- the stepping API for clock-driven hosts (src_c/step.c).
 * Included by clif.h; do not include directly.
 *
 * A host simulator with a global time grid (NEST, a GPU code, a game loop)
 * advances clif neurons one grid step [t0, t0 + h) at a time.  Inside a step
 * the current may change at precise offsets and delta pulses may arrive at
 * precise offsets; spikes come back with their exact offsets inside the step,
 * as NEST's precise-timing models report them.  The host owns every buffer
 * and every state; nothing is allocated.
 *
 * Deterministic neurons: clif_exact_step below, on top of the exact kernel
 * (clif_exact_advance).  Stepping a neuron through a run on any grid gives
 * bit for bit the spike times clif_exact_run (clif.simulate) gives for the
 * same inputs, because V is always computed from the last event, never from
 * a grid point.
 *
 * Synaptic-current models: clif_model_step below is clif_exact_step for any
 * model of clif_model.h (its state, synaptic parameters and ports); stepped
 * through a run it gives bit for bit the spikes of clif_model_advance over
 * the same inputs (clif_model_run_counted, clif.simulate(model=...)).
 *
 * Noisy neurons: clif_noise_run (clif_noise.h) with step_stop = step + 1 is
 * the stochastic stepping call: the counter-based RNG makes a run stepped one
 * grid point at a time identical to the run in one call.  Spike times there
 * are absolute; the offset is t - step * dt.
 */
#ifndef CLIF_STEP_H
#define CLIF_STEP_H
#ifdef __cplusplus
extern "C" {
#endif

/* What arrives inside one step, per neuron, as CSR groups: absolute times
 * [ms] in [t0, t0 + h), each group sorted.  (Absolute rather than offsets:
 * the host usually has them, and t0 + offset would round.)  Any NULL *_off:
 * nothing of that kind this step. */
typedef struct clif_step_input {
    /* Current changes: neuron i's are [change_off[i], change_off[i+1]); from
     * change_t[k] on the neuron's constant current is change_I[k] [nA] (the
     * drive's I_dc is replaced).  change_off has end + 1 entries. */
    const size_t *change_off;
    const double *change_t;
    const double *change_I;
    /* Pulses: neuron i's are [pulse_off[i], pulse_off[i+1]), at pulse_t[k]
     * with weight pulse_w[k] in the model's unit ([mV] for delta, the only
     * model of clif_exact_step; [nA] for the current models). */
    const size_t *pulse_off;
    const double *pulse_t;
    const double *pulse_w;
} clif_step_input;

/* Advance neurons [begin, end) by the step [t0, t0 + h).
 *
 * params: one clif_params per neuron, params[i * params_stride] (stride 0:
 * one set shared by all).  drive[i] and state[i]: the host's, updated in
 * place; every state[i].t must equal t0 (CLIF_E_TIME otherwise).  Current
 * changes rebase the neuron at their time, as clif_exact_run does.
 *
 * Spikes are appended as (offset from t0 [ms], neuron index) to
 * spike_dt/spike_i (the offset t - t0 is exact: t0 is 0 or at least h), neuron after neuron, each neuron's in time order;
 * *n_spikes receives the count.  A neuron's step is atomic: when its spikes
 * do not fit, its state and drive are left as they were at t0, *resume names
 * it, and CLIF_E_CAPACITY is returned; call again from begin = *resume with
 * more room.  Other failures (bad parameters, times, pulses) also leave the
 * failing neuron as it was and name it in *resume: CLIF_E_TIME (a state not
 * at t0, a change or pulse outside the step), CLIF_E_UNSORTED, CLIF_E_VALUE,
 * parameter codes.  At most
 * ceil(h / t_ref) + 1 spikes per neuron and step are possible when t_ref > 0
 * and no pulse arrives.  Thread-safe for disjoint neuron ranges. */
clif_status clif_exact_step(size_t begin, size_t end, const clif_params *params,
                            size_t params_stride, clif_drive *drive, clif_exact_state *state,
                            double t0, double h, const clif_step_input *input,
                            int refractory_input, double *spike_dt, int64_t *spike_i,
                            size_t capacity, size_t *n_spikes, size_t *resume);

/* clif_exact_step for any model (ABI 3).
 *
 * model: a clif_model_id.  syn: one clif_syn_params per neuron,
 * syn[i * syn_stride] (stride 0: shared; may be NULL for delta).  state[i]:
 * the host's clif_model_state (clif_model_init), every state[i].t == t0.
 * pulse_port (NULL: by the weight's sign, w >= 0 excitatory, as NEST) holds
 * one receptor port per pulse, laid out as input->pulse_t (0 = excitatory,
 * 1 = inhibitory; delta takes only 0).  Weights: [mV] for delta, [nA] for
 * the current models.  Current changes rebase the neuron at their time, as
 * clif_model_run_counted does.  For the current models the synaptic
 * currents keep decaying and take pulses during the refractory window, and
 * refractory_input must be CLIF_REFRACTORY_DROP.
 *
 * Spikes, atomicity, *resume and the statuses are clif_exact_step's, plus
 * clif_model_advance's for the model: CLIF_E_MODEL (unknown model, a port
 * other than 0 or 1, or 1 for delta, refractory_input not DROP for a current
 * model, a sine drive for a current model), CLIF_E_NULL (syn NULL for a
 * current model), CLIF_E_TAU_SYN; each names the neuron in *resume.  A
 * neuron's propagator is prepared once per call, and only once for a run of
 * neurons that share their (params, syn) by stride 0: for psc_alpha that
 * preparation costs more than a quiet step.  With model = CLIF_MODEL_DELTA
 * it gives clif_exact_step's results bit for bit (and leaves y as it is). */
clif_status clif_model_step(int model, size_t begin, size_t end, const clif_params *params,
                            size_t params_stride, const clif_syn_params *syn, size_t syn_stride,
                            clif_drive *drive, clif_model_state *state, double t0, double h,
                            const clif_step_input *input, const uint8_t *pulse_port,
                            int refractory_input, double *spike_dt, int64_t *spike_i,
                            size_t capacity, size_t *n_spikes, size_t *resume);

#ifdef __cplusplus
}
#endif
#endif /* CLIF_STEP_H */
