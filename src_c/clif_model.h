/* clif_model.h -- neuron/synapse models on one seam (src_c/model.c and
 * src_c/models/<model>.c).  Included by clif.h; do not include directly.
 *
 * A model is the membrane tau_m V' = -(V - E_L) + R_m (I(t) + I_syn(t)) of
 * clif_params (threshold, reset, refractoriness as in clif_exact.h) plus
 * its synaptic state y, which an input pulse of weight w on a port changes:
 *
 *   CLIF_MODEL_DELTA      no y; a pulse adds w [mV] to V (clif_exact.h).
 *   CLIF_MODEL_PSC_EXP    y = (I_ex, I_in) [nA], I_x' = -I_x / tau_syn_x; a
 *                         pulse adds w [nA] to I_x (NEST iaf_psc_exp).
 *   CLIF_MODEL_PSC_ALPHA  y = (I_ex, J_ex, I_in, J_in) [nA, nA/ms],
 *                         I_x' = -I_x / tau_x + J_x, J_x' = -J_x / tau_x; a
 *                         pulse adds w e / tau_x to J_x, so a lone pulse
 *                         gives I_x = w (e/tau_x) t e^{-t/tau_x}, peak w at
 *                         t = tau_x (NEST iaf_psc_alpha).
 *
 * Ports: 0 = excitatory, 1 = inhibitory.  Without explicit ports a pulse
 * goes by the sign of its weight: w >= 0 to port 0, w < 0 to port 1
 * (NEST's rule).  Delta has one port (0) and ignores the sign.
 *
 * Semantics of the current models (the same interval, anchor, capacity and
 * same-time rules as clif_exact_advance):
 *   - Between events the state follows its exact solution from the anchor
 *     (t0, V0, y): expm1-based propagators with the tau_syn == tau_m limit
 *     taken analytically (no division by tau_syn - tau_m anywhere).
 *   - A pulse changes y, never V, so V reaches V_th continuously.  The
 *     first crossing in each interval between events is found by a
 *     certified search: an interval is declared crossing-free only by a
 *     bound proving V < V_th on all of it (first the monotone/unimodal
 *     pieces of the solution, then cells with a bound on |V''|), so no
 *     excursion above threshold between two events is missed; crossings
 *     are then located by a bracketing root finder to one ulp (the end of
 *     the final one-ulp bracket nearer the root, so long chains of spikes
 *     do not drift late).
 *   - Refractoriness [t*, t* + t_ref): V is held at V_reset while y keeps
 *     decaying and receiving pulses (as NEST); the window's end is an event
 *     that moves the anchor to (t* + t_ref, V_reset, y there).
 *     refractory_input must be CLIF_REFRACTORY_DROP (it only applies to
 *     delta pulses; CLIF_E_MODEL otherwise).
 *   - The drive is I_dc; a sine (I0 != 0) is CLIF_E_MODEL for now.
 *   - Splitting a run at any time gives the same spikes bit for bit, except
 *     where the maximum of V between two events is within rounding
 *     (~1e-15 mV) of V_th, where the certificate's verdict may depend on
 *     the split.
 */
#ifndef CLIF_MODEL_H
#define CLIF_MODEL_H
#ifdef __cplusplus
extern "C" {
#endif

typedef enum clif_model_id {
    CLIF_MODEL_DELTA = 0,
    CLIF_MODEL_PSC_EXP = 1,
    CLIF_MODEL_PSC_ALPHA = 2,
    CLIF_MODEL__COUNT /* number of models; not a model */
} clif_model_id;

/* Most synaptic state variables of any model. */
#define CLIF_MODEL_MAX_Y 4

/* Synaptic parameters of the current models (ignored by delta). */
typedef struct clif_syn_params {
    double tau_syn_ex; /* [ms], > 0 */
    double tau_syn_in; /* [ms], > 0 */
} clif_syn_params;

/* A model's state: the first four fields are clif_exact_state's (same
 * meaning), y the synaptic state at the anchor t0 (unused entries 0). */
typedef struct clif_model_state {
    double t, t0, V0, t_ref_end;
    double y[CLIF_MODEL_MAX_Y];
} clif_model_state;

/* What a host (or the Python layer) needs to know of a model. */
typedef struct clif_model_info {
    const char *name;               /* "delta", "psc_exp", "psc_alpha" */
    int id;                         /* its clif_model_id */
    int n_y;                        /* synaptic state variables */
    int n_ports;                    /* receptor ports */
    const char *const *y_names;     /* n_y names ("I_ex", ...) */
    const char *const *y_units;     /* n_y units ("nA", "nA/ms") */
    const char *weight_unit;        /* "mV" (delta) or "nA" */
} clif_model_info;

/* The model's description, or NULL for an unknown id. */
const clif_model_info *clif_model_get(int model);
/* The id of a model by name, or -1. */
int clif_model_find(const char *name);

/* The one validation of a model's synaptic parameters (CLIF_OK for delta
 * whatever q holds; CLIF_E_MODEL for an unknown model; CLIF_E_TAU_SYN). */
clif_status clif_check_syn_params(int model, const clif_syn_params *q);

/* A neuron at time t with potential V, not refractory, y = 0. */
void clif_model_init(clif_model_state *s, double t, double V);

/* V [mV] at time t >= s->t assuming no event in [s->t, t); y_out (may be
 * NULL) receives the model's n_y synaptic variables at t.  NaN (and NaN
 * y_out) for invalid input. */
double clif_model_potential(int model, const clif_params *p, const clif_syn_params *q,
                            const clif_drive *d, const clif_model_state *s, double t,
                            double *y_out);

/* Move the anchor to s->t under drive d (before changing the drive). */
void clif_model_rebase(int model, const clif_params *p, const clif_syn_params *q,
                       const clif_drive *d, clif_model_state *s);

/* Advance one neuron from s->t to t_end: clif_exact_advance for any model.
 * pulse_w in the model's weight unit; pulse_port (NULL: by sign) holds 0 or
 * 1 per pulse (CLIF_E_MODEL otherwise, and for ports given to delta other
 * than 0).  Status and resumption as clif_exact_advance. */
clif_status clif_model_advance(int model, const clif_params *p, const clif_syn_params *q,
                               const clif_drive *d, clif_model_state *s, double t_end,
                               const double *pulse_t, const double *pulse_w,
                               const uint8_t *pulse_port, size_t n_pulses, size_t *next,
                               int refractory_input, double *spikes, size_t capacity,
                               size_t *n_spikes);

/* A population of one model: clif_exact_pop plus the model's parts. */
typedef struct clif_model_pop {
    clif_exact_pop base;              /* pulse_w in the model's weight unit */
    int model;
    const double *tau_syn_ex, *tau_syn_in; /* n each (may be NULL for delta) */
    const uint8_t *pulse_port;        /* laid out as base.pulse_t; NULL: by sign */
    /* Synaptic state at the samples (NULL: not recorded): the model's
     * variable v of neuron i at sample q goes to sample_y[(q * n_y + v) * n + i]. */
    double *sample_y;
} clif_model_pop;

/* clif_exact_run_counted for any model (same buffers, resumption and
 * statuses); parameters are checked per neuron by clif_check_params and
 * clif_check_syn_params. */
clif_status clif_model_run_counted(const clif_model_pop *pop, size_t begin, size_t end,
                                   double t_end, clif_model_state *state,
                                   clif_exact_cursor *cursor, double *spike_t, size_t *counts,
                                   size_t capacity, size_t *n_spikes, size_t *resume);

#ifdef __cplusplus
}
#endif
#endif /* CLIF_MODEL_H */
