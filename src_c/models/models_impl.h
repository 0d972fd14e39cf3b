/* Internal: the entry points each model file gives model.c (the dispatch
 * behind clif_model.h).  A new model adds its file, these three functions
 * and a row in model.c's table. */
#ifndef CLIF_MODELS_IMPL_H
#define CLIF_MODELS_IMPL_H

#include "../clif.h"

/* A model's prepared propagator, opaque to the callers (each model checks
 * at compile time that its own fits). */
typedef struct clif__model_prop {
    double d[32];
} clif__model_prop;

/* The propagator's state-independent pieces over one interval between
 * pulses (opaque likewise): computed for a neuron's pulses in one loop
 * whose iterations do not depend on each other, so their transcendentals
 * overlap, instead of one after another inside the event loop. */
typedef struct clif__model_basis {
    double d[10];
} clif__model_basis;

#define CLIF__MODEL_DECL(m)                                                                  \
    clif_status clif__##m##_advance(const clif_params *p, const clif_syn_params *q,          \
                                    const clif_drive *d, clif_model_state *s, double t_end,  \
                                    const double *pulse_t, const double *pulse_w,            \
                                    const uint8_t *pulse_port, size_t n_pulses, size_t *next, \
                                    int refractory_input, double *spikes, size_t capacity,   \
                                    size_t *n_spikes);                                       \
    double clif__##m##_potential(const clif_params *p, const clif_syn_params *q,             \
                                 const clif_drive *d, const clif_model_state *s, double t,   \
                                 double *y_out);                                             \
    void clif__##m##_rebase(const clif_params *p, const clif_syn_params *q,                  \
                            const clif_drive *d, clif_model_state *s);                       \
    /* the same with the propagator prepared once: prepare (checked         \
     * parameters), then drive (CLIF_OK or the drive's error) */            \
    void clif__##m##_prepare(const clif_params *p, const clif_syn_params *q,                 \
                             clif__model_prop *pr);                                          \
    clif_status clif__##m##_drive(clif__model_prop *pr, const clif_drive *d);                \
    /* out[k] for the interval pulse_t[k-1] -> pulse_t[k] (out[0]: none) */ \
    void clif__##m##_bases(const clif__model_prop *pr, const double *pulse_t, size_t n,      \
                           clif__model_basis *out);                                          \
    /* bases: NULL, or clif__##m##_bases of pulse_t[0..n_pulses); the same \
     * bits either way */                                                   \
    clif_status clif__##m##_advance_prep(const clif__model_prop *pr, clif_model_state *s,    \
                                         double t_end, const double *pulse_t,                \
                                         const double *pulse_w, const uint8_t *pulse_port,   \
                                         const clif__model_basis *bases, size_t n_pulses,    \
                                         size_t *next, double *spikes, size_t capacity,      \
                                         size_t *n_spikes);                                  \
    double clif__##m##_potential_prep(const clif__model_prop *pr, const clif_model_state *s, \
                                      double t, double *y_out);                              \
    void clif__##m##_rebase_prep(const clif__model_prop *pr, clif_model_state *s);

CLIF__MODEL_DECL(psc_exp)
CLIF__MODEL_DECL(psc_alpha)

/* The current models' prepared entry points, by id (model.c; row 0, delta,
 * is empty): the one dispatch of the drivers (population loop, stepping,
 * network), called per neuron segment, never per event. */
typedef struct clif__prep_ops {
    void (*prepare)(const clif_params *, const clif_syn_params *, clif__model_prop *);
    clif_status (*drive)(clif__model_prop *, const clif_drive *);
    clif_status (*advance)(const clif__model_prop *, clif_model_state *, double, const double *,
                           const double *, const uint8_t *, const clif__model_basis *, size_t,
                           size_t *, double *, size_t, size_t *);
    void (*bases)(const clif__model_prop *, const double *, size_t, clif__model_basis *);
    double (*potential)(const clif__model_prop *, const clif_model_state *, double, double *);
    void (*rebase)(const clif__model_prop *, clif_model_state *);
} clif__prep_ops;

extern const clif__prep_ops clif__model_ops[CLIF_MODEL__COUNT];

/* One neuron of any model, prepared for repeated advances by the drivers
 * that cut its time axis (the population loop, the stepping API): delta
 * goes through exact.c, the current models through their propagator,
 * prepared once here rather than at every segment.  The same kernels as
 * clif_model_advance, so the same bits. */
typedef struct clif__neuron_model {
    int model;
    clif_syn_params q;
    clif__model_prop pr; /* current models: the propagator, drive of the last advance */
} clif__neuron_model;

/* Set up for parameters p (already checked) and q (may be NULL for delta):
 * CLIF_E_MODEL, CLIF_E_NULL or clif_check_syn_params's code. */
clif_status clif__nm_setup(clif__neuron_model *nm, int model, const clif_params *p,
                           const clif_syn_params *q);
/* clif_model_advance's semantics and statuses after its checks. */
clif_status clif__nm_advance(clif__neuron_model *nm, const clif_params *p, const clif_drive *d,
                             clif_model_state *s, double t_end, const double *pulse_t,
                             const double *pulse_w, const uint8_t *pulse_port, size_t n_pulses,
                             size_t *next, int refractory_input, double *spikes,
                             size_t capacity, size_t *n_spikes);
/* V and y at s->t under the drive of the last clif__nm_advance. */
double clif__nm_potential(const clif__neuron_model *nm, const clif_params *p,
                          const clif_drive *d, const clif_model_state *s, double *y_out);
/* clif_model_rebase under the drive of the last clif__nm_advance. */
void clif__nm_rebase(const clif__neuron_model *nm, const clif_params *p, const clif_drive *d,
                     clif_model_state *s);

#endif
