/* The stepping API for clock-driven hosts: one grid step of a population on
 * top of the exact single-neuron kernel (see clif_step.h). */
#include "clif.h"

#include <math.h>

/* One neuron's step; on failure the caller restores the saved state. */
static clif_status step_one(const clif_params *p, clif_drive *d, clif_exact_state *s, double t1,
                            const double *change_t, const double *change_I, size_t n_changes,
                            const double *pulse_t, const double *pulse_w, size_t n_pulses,
                            int refractory_input, double *spikes, size_t capacity, size_t *count)
{
    const double t0 = s->t;
    size_t next_pulse = 0;
    *count = 0;
    /* Pulses outside the step belong to another one: the kernel would take
     * early ones as unsorted and never reach late ones. */
    if (n_pulses && !(pulse_t[0] >= t0 && pulse_t[n_pulses - 1] < t1))
        return CLIF_E_TIME;
    for (size_t c = 0;; ++c) {
        /* Segment up to the next change (or the step's end). */
        double seg_end = t1;
        if (c < n_changes) {
            if (!(change_t[c] >= t0 && change_t[c] < t1))
                return CLIF_E_TIME;
            if (c > 0 && change_t[c] < change_t[c - 1])
                return CLIF_E_UNSORTED;
            if (!isfinite(change_I[c]))
                return CLIF_E_VALUE;
            seg_end = change_t[c];
        }
        size_t k = 0;
        clif_status st = clif_exact_advance(p, d, s, seg_end, pulse_t, pulse_w, n_pulses,
                                            &next_pulse, refractory_input, spikes + *count,
                                            capacity - *count, &k);
        *count += k;
        if (st != CLIF_OK)
            return st;
        if (c >= n_changes)
            return CLIF_OK;
        clif_exact_rebase(p, d, s);
        d->I_dc = change_I[c];
    }
}

clif_status clif_exact_step(size_t begin, size_t end, const clif_params *params,
                            size_t params_stride, clif_drive *drive, clif_exact_state *state,
                            double t0, double h, const clif_step_input *input,
                            int refractory_input, double *spike_dt, int64_t *spike_i,
                            size_t capacity, size_t *n_spikes, size_t *resume)
{
    if (!n_spikes || !resume)
        return CLIF_E_NULL;
    *n_spikes = 0;
    *resume = begin;
    if (begin > end)
        return CLIF_E_SIZE;
    if (begin == end)
        return CLIF_OK;
    if (!params || !drive || !state || !input || (capacity && (!spike_dt || !spike_i)))
        return CLIF_E_NULL;
    if (!(isfinite(t0) && t0 >= 0.0))
        return CLIF_E_TIME;
    if (!(isfinite(h) && h > 0.0) || !isfinite(t0 + h))
        return CLIF_E_DT;
    const double t1 = t0 + h;
    size_t count = 0;
    for (size_t i = begin; i < end; ++i) {
        *resume = i;
        clif_exact_state *s = &state[i];
        clif_drive *d = &drive[i];
        if (s->t != t0)
            return CLIF_E_TIME;
        const size_t c0 = input->change_off ? input->change_off[i] : 0;
        const size_t nc = input->change_off ? input->change_off[i + 1] - c0 : 0;
        const size_t q0 = input->pulse_off ? input->pulse_off[i] : 0;
        const size_t nq = input->pulse_off ? input->pulse_off[i + 1] - q0 : 0;
        if ((input->change_off && input->change_off[i + 1] < c0)
            || (input->pulse_off && input->pulse_off[i + 1] < q0))
            return CLIF_E_SIZE;
        if ((nc && (!input->change_t || !input->change_I))
            || (nq && (!input->pulse_t || !input->pulse_w)))
            return CLIF_E_NULL;
        /* Atomic per neuron: a failure restores what the host had. */
        const clif_exact_state saved_s = *s;
        const clif_drive saved_d = *d;
        size_t k = 0;
        clif_status st = step_one(params + i * params_stride, d, s, t1,
                                  nc ? input->change_t + c0 : NULL,
                                  nc ? input->change_I + c0 : NULL, nc,
                                  nq ? input->pulse_t + q0 : NULL,
                                  nq ? input->pulse_w + q0 : NULL, nq, refractory_input,
                                  spike_dt + count, capacity - count, &k);
        if (st != CLIF_OK) {
            *s = saved_s;
            *d = saved_d;
            *n_spikes = count;
            return st;
        }
        for (size_t m = 0; m < k; ++m) {
            spike_dt[count + m] -= t0;
            spike_i[count + m] = (int64_t)i;
        }
        count += k;
        *n_spikes = count;
    }
    *resume = end;
    return CLIF_OK;
}
