/* The psc_alpha model (clif_model.h): the current-model template psc_impl.h
 * with PSC_ALPHA = 1. */
#define PSC_ALPHA 1
#define PSC_FN(name) psc_alpha_##name
#include "psc_impl.h"
#include "models_impl.h"

#include <string.h>

clif_status clif__psc_alpha_advance(const clif_params *p, const clif_syn_params *q,
                                 const clif_drive *d, clif_model_state *s, double t_end,
                                 const double *pulse_t, const double *pulse_w,
                                 const uint8_t *pulse_port, size_t n_pulses, size_t *next,
                                 int refractory_input, double *spikes, size_t capacity,
                                 size_t *n_spikes)
{
    return psc_alpha_advance(p, q, d, s, t_end, pulse_t, pulse_w, pulse_port, n_pulses, next,
                            refractory_input, spikes, capacity, n_spikes);
}

double clif__psc_alpha_potential(const clif_params *p, const clif_syn_params *q,
                              const clif_drive *d, const clif_model_state *s, double t,
                              double *y_out)
{
    return psc_alpha_potential(p, q, d, s, t, y_out);
}

void clif__psc_alpha_rebase(const clif_params *p, const clif_syn_params *q, const clif_drive *d,
                         clif_model_state *s)
{
    psc_alpha_rebase(p, q, d, s);
}

typedef char psc_alpha_fits[sizeof(psc_prop) <= sizeof(clif__model_prop) ? 1 : -1];

/* The opaque blob holds a psc_prop (copied, so no aliasing question). */
static psc_prop psc_alpha_unwrap(const clif__model_prop *pr)
{
    psc_prop p;
    memcpy(&p, pr, sizeof p);
    return p;
}

void clif__psc_alpha_prepare(const clif_params *p, const clif_syn_params *q, clif__model_prop *pr)
{
    psc_prop x;
    psc_alpha_make_syn(p, q, &x);
    memcpy(pr, &x, sizeof x);
}

clif_status clif__psc_alpha_drive(clif__model_prop *pr, const clif_drive *d)
{
    psc_prop x = psc_alpha_unwrap(pr);
    clif_status st = psc_alpha_set_drive(&x, d);
    memcpy(pr, &x, sizeof x);
    return st;
}

clif_status clif__psc_alpha_advance_prep(const clif__model_prop *pr, clif_model_state *s,
                                     double t_end, const double *pulse_t, const double *pulse_w,
                                     const uint8_t *pulse_port, size_t n_pulses, size_t *next,
                                     double *spikes, size_t capacity, size_t *n_spikes)
{
    psc_prop x = psc_alpha_unwrap(pr);
    return psc_alpha_advance_prep(&x, s, t_end, pulse_t, pulse_w, pulse_port, n_pulses, next,
                                spikes, capacity, n_spikes);
}

double clif__psc_alpha_potential_prep(const clif__model_prop *pr, const clif_model_state *s,
                                  double t, double *y_out)
{
    psc_prop x = psc_alpha_unwrap(pr);
    return psc_alpha_potential_prep(&x, s, t, y_out);
}

void clif__psc_alpha_rebase_prep(const clif__model_prop *pr, clif_model_state *s)
{
    psc_prop x = psc_alpha_unwrap(pr);
    psc_alpha_rebase_prep(&x, s);
}
