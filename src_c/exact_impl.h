/* Internal (not installed, not public): entry points of exact.c for other
 * translation units of the core. */
#ifndef CLIF_EXACT_IMPL_H
#define CLIF_EXACT_IMPL_H

#include "clif.h"

/* clif_exact_advance without its pointer and clif_check_params checks, for
 * callers that validated p (and the pointers) once up front, as
 * clif_net_sim_create does.  Otherwise the same code: the same floating-point
 * operations in the same order, so the same bits.  pulse_e (NULL: none)
 * may hold, for k >= 1, clif__expm1(-(pulse_t[k] - pulse_t[k-1]) / tau_m)
 * computed ahead in bulk; it is used where that is the value needed. */
clif_status clif__exact_advance_trusted(const clif_params *p, const clif_drive *d,
                                        clif_exact_state *s, double t_end, const double *pulse_t,
                                        const double *pulse_w, const double *pulse_e,
                                        size_t n_pulses, size_t *next, int refractory_input,
                                        double *spikes, size_t capacity, size_t *n_spikes);

/* The V_inf of clif_exact_advance's subthreshold fast path for (p, d), or
 * NaN where that path never applies (a sinusoidal or suprathreshold drive,
 * or an invalid one).  The fast paths below take it precomputed, since a
 * network's drive is constant (computing it per call was ~3% of a run). */
double clif__exact_fast_vinf(const clif_params *p, const clif_drive *d);

/* The subthreshold fast path of clif_exact_advance for two neurons side by
 * side (see exact.c): neuron j has parameters p[j] and a drive d[j] whose
 * clif__exact_fast_vinf is vinf[j] (NaN: the lane takes no step).  A
 * clif__exact_advance_trusted call per neuron (with d[j]), from next[j],
 * then finishes the advance to t_end, unless done[j] says the neuron is
 * already there (every event stepped, no spike).  Only a
 * speed-up: the result is that of the two advance calls alone, bit for
 * bit.  trusted: the caller vouches that the events from next[j] on are in
 * order, in [s[j]->t, t_end), non-negative, of finite weight, and that
 * pe[j][k] = clif__expm1(-(pt[j][k] - pt[j][k - 1]) / tau_m) from k =
 * next[j] on, with s[j]->t0 in place of pt[j][next[j] - 1]; then a step tests
 * only the threshold. */
void clif__exact_fast2(const clif_params *const p[2], const double vinf[2],
                       clif_exact_state *const s[2], double t_end, const double *const pt[2],
                       const double *const pw[2], const double *const pe[2], const size_t n[2],
                       size_t next[2], int trusted, int done[2]);

/* The trusted lean steps of clif__exact_fast2 for four neurons side by side
 * over their common prefix of events (the same bits); pe[j] must be given,
 * as for trusted.  Then clif__exact_fast2 (trusted) per pair, from next[j],
 * goes on. */
void clif__exact_lean4(const clif_params *const p[4], const double vinf[4],
                       clif_exact_state *const s[4], double t_end, const double *const pt[4],
                       const double *const pw[4], const double *const pe[4], const size_t n[4],
                       size_t next[4]);

#endif
