/* Internal: the entry points of a psc model file (models_impl.h), written
 * once for psc_exp.c and psc_alpha.c.  The including file defines PSC_FN
 * (the template's names) and PSC_API (the exported ones) after including
 * psc_impl.h. */
#include "models_impl.h"

#include <string.h>

typedef char PSC_FN(fits)[sizeof(psc_prop) <= sizeof(clif__model_prop) ? 1 : -1];
typedef char PSC_FN(basis_fits)[sizeof(psc_basis) <= sizeof(clif__model_basis) ? 1 : -1];

clif_status PSC_API(advance)(const clif_params *p, const clif_syn_params *q,
                             const clif_drive *d, clif_model_state *s, double t_end,
                             const double *pulse_t, const double *pulse_w,
                             const uint8_t *pulse_port, size_t n_pulses, size_t *next,
                             int refractory_input, double *spikes, size_t capacity,
                             size_t *n_spikes)
{
    return PSC_FN(advance)(p, q, d, s, t_end, pulse_t, pulse_w, pulse_port, n_pulses, next,
                           refractory_input, spikes, capacity, n_spikes);
}

double PSC_API(potential)(const clif_params *p, const clif_syn_params *q, const clif_drive *d,
                          const clif_model_state *s, double t, double *y_out)
{
    return PSC_FN(potential)(p, q, d, s, t, y_out);
}

void PSC_API(rebase)(const clif_params *p, const clif_syn_params *q, const clif_drive *d,
                     clif_model_state *s)
{
    PSC_FN(rebase)(p, q, d, s);
}

/* The opaque blob holds a psc_prop (copied, so no aliasing question). */
static psc_prop PSC_FN(unwrap)(const clif__model_prop *pr)
{
    psc_prop p;
    memcpy(&p, pr, sizeof p);
    return p;
}

void PSC_API(prepare)(const clif_params *p, const clif_syn_params *q, clif__model_prop *pr)
{
    psc_prop x;
    PSC_FN(make_syn)(p, q, &x);
    memcpy(pr, &x, sizeof x);
}

clif_status PSC_API(drive)(clif__model_prop *pr, const clif_drive *d)
{
    psc_prop x = PSC_FN(unwrap)(pr);
    clif_status st = PSC_FN(set_drive)(&x, d);
    memcpy(pr, &x, sizeof x);
    return st;
}

void PSC_API(bases)(const clif__model_prop *pr, const double *pulse_t, size_t n,
                    clif__model_basis *out)
{
    psc_prop x = PSC_FN(unwrap)(pr);
    PSC_FN(pulse_bases)(&x, pulse_t, n, (psc_basis *)(void *)out);
}

clif_status PSC_API(advance_prep)(const clif__model_prop *pr, clif_model_state *s,
                                  double t_end, const double *pulse_t, const double *pulse_w,
                                  const uint8_t *pulse_port, const clif__model_basis *bases,
                                  size_t n_pulses, size_t *next, double *spikes,
                                  size_t capacity, size_t *n_spikes)
{
    psc_prop x = PSC_FN(unwrap)(pr);
    return PSC_FN(advance_prep)(&x, s, t_end, pulse_t, pulse_w, pulse_port,
                                (const psc_basis *)(const void *)bases, n_pulses, next, spikes,
                                capacity, n_spikes);
}

double PSC_API(potential_prep)(const clif__model_prop *pr, const clif_model_state *s, double t,
                               double *y_out)
{
    psc_prop x = PSC_FN(unwrap)(pr);
    return PSC_FN(potential_prep)(&x, s, t, y_out);
}

void PSC_API(rebase_prep)(const clif__model_prop *pr, clif_model_state *s)
{
    psc_prop x = PSC_FN(unwrap)(pr);
    PSC_FN(rebase_prep)(&x, s);
}
