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

#endif
