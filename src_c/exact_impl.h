/* Internal (not installed, not public): entry points of exact.c for other
 * translation units of the core. */
#ifndef CLIF_EXACT_IMPL_H
#define CLIF_EXACT_IMPL_H

#include "clif.h"

/* clif_exact_advance without its pointer and clif_check_params checks, for
 * callers that validated p (and the pointers) once up front, as
 * clif_net_sim_create does.  Otherwise the same code: the same floating-point
 * operations in the same order, so the same bits. */
clif_status clif__exact_advance_trusted(const clif_params *p, const clif_drive *d,
                                        clif_exact_state *s, double t_end, const double *pulse_t,
                                        const double *pulse_w, size_t n_pulses, size_t *next,
                                        int refractory_input, double *spikes, size_t capacity,
                                        size_t *n_spikes);

#endif
