/* The stepping API for clock-driven hosts: one grid step of a population on
 * top of the single-neuron kernels (see clif_step.h).  clif_exact_step and
 * clif_model_step share one step loop: a delta neuron's clif_exact_state is
 * the first four fields of a clif_model_state, so the loop works on the
 * latter and the delta model runs exact.c's kernel on them (the same calls
 * as before the models existed, so the same bits). */
#include "clif.h"
#include "models/models_impl.h"

#include <math.h>

/* A neuron prepared for its step, reused by the next neuron when it has the
 * same parameters (stride 0): a current model's propagator costs far more
 * than a step without events. */
typedef struct step_model {
    int model;
    clif__neuron_model nm;
    const clif_params *p; /* what nm was prepared for; NULL: nothing */
    const clif_syn_params *q;
} step_model;

static clif_status prepare(step_model *m, const clif_params *p, const clif_syn_params *q)
{
    if (m->p == p && m->q == q)
        return CLIF_OK;
    m->p = NULL;
    clif_status st = clif_check_params(p);
    if (st == CLIF_OK)
        st = clif__nm_setup(&m->nm, m->model, p, q);
    if (st == CLIF_OK) {
        m->p = p;
        m->q = q;
    }
    return st;
}

/* One neuron's step on copies of its state and drive (the caller keeps
 * them only on success: the step is atomic). */
static clif_status step_one(step_model *m, const clif_params *p, const clif_syn_params *q,
                            clif_drive *d, clif_model_state *s, double t1,
                            const double *change_t, const double *change_I, size_t n_changes,
                            const double *pulse_t, const double *pulse_w,
                            const uint8_t *pulse_port, size_t n_pulses, int refractory_input,
                            double *spikes, size_t capacity, size_t *count)
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
        clif_status st;
        /* Checked where the kernel's first advance used to check them, so
         * the status of a step with several faults is unchanged. */
        if (c == 0 && (st = prepare(m, p, q)) != CLIF_OK)
            return st;
        size_t k = 0;
        st = clif__nm_advance(&m->nm, p, d, s, seg_end, pulse_t, pulse_w, pulse_port, n_pulses,
                              &next_pulse, refractory_input, spikes + *count,
                              capacity - *count, &k);
        *count += k;
        if (st != CLIF_OK)
            return st;
        if (c >= n_changes)
            return CLIF_OK;
        clif__nm_rebase(&m->nm, p, d, s);
        d->I_dc = change_I[c];
    }
}

/* The loop behind both entry points: exactly one of exact and model is the
 * host's state array. */
static clif_status step_pop(int model, size_t begin, size_t end, const clif_params *params,
                            size_t params_stride, const clif_syn_params *syn, size_t syn_stride,
                            clif_drive *drive, clif_exact_state *exact, clif_model_state *model_s,
                            double t0, double h, const clif_step_input *input,
                            const uint8_t *pulse_port, int refractory_input, double *spike_dt,
                            int64_t *spike_i, size_t capacity, size_t *n_spikes, size_t *resume)
{
    if (!n_spikes || !resume)
        return CLIF_E_NULL;
    *n_spikes = 0;
    *resume = begin;
    if (begin > end)
        return CLIF_E_SIZE;
    if (begin == end)
        return CLIF_OK;
    if (!params || !drive || !(exact || model_s) || !input
        || (capacity && (!spike_dt || !spike_i)))
        return CLIF_E_NULL;
    if (!(isfinite(t0) && t0 >= 0.0))
        return CLIF_E_TIME;
    if (!(isfinite(h) && h > 0.0) || !isfinite(t0 + h))
        return CLIF_E_DT;
    const double t1 = t0 + h;
    step_model m;
    m.model = model;
    m.p = NULL;
    m.q = NULL;
    size_t count = 0;
    for (size_t i = begin; i < end; ++i) {
        *resume = i;
        clif_model_state s;
        if (exact) {
            clif_model_init(&s, 0.0, 0.0);
            s.t = exact[i].t;
            s.t0 = exact[i].t0;
            s.V0 = exact[i].V0;
            s.t_ref_end = exact[i].t_ref_end;
        } else {
            s = model_s[i];
        }
        if (s.t != t0)
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
        clif_drive d = drive[i];
        size_t k = 0;
        clif_status st = step_one(&m, params + i * params_stride,
                                  syn ? syn + i * syn_stride : NULL, &d, &s, t1,
                                  nc ? input->change_t + c0 : NULL,
                                  nc ? input->change_I + c0 : NULL, nc,
                                  nq ? input->pulse_t + q0 : NULL,
                                  nq ? input->pulse_w + q0 : NULL,
                                  nq && pulse_port ? pulse_port + q0 : NULL, nq, refractory_input,
                                  spike_dt + count, capacity - count, &k);
        if (st != CLIF_OK) {
            /* Atomic per neuron: the host's state and drive are untouched. */
            *n_spikes = count;
            return st;
        }
        drive[i] = d;
        if (exact) {
            exact[i].t = s.t;
            exact[i].t0 = s.t0;
            exact[i].V0 = s.V0;
            exact[i].t_ref_end = s.t_ref_end;
        } else {
            model_s[i] = s;
        }
        for (size_t j = 0; j < k; ++j) {
            spike_dt[count + j] -= t0;
            spike_i[count + j] = (int64_t)i;
        }
        count += k;
        *n_spikes = count;
    }
    *resume = end;
    return CLIF_OK;
}

clif_status clif_exact_step(size_t begin, size_t end, const clif_params *params,
                            size_t params_stride, clif_drive *drive, clif_exact_state *state,
                            double t0, double h, const clif_step_input *input,
                            int refractory_input, double *spike_dt, int64_t *spike_i,
                            size_t capacity, size_t *n_spikes, size_t *resume)
{
    return step_pop(CLIF_MODEL_DELTA, begin, end, params, params_stride, NULL, 0, drive, state,
                    NULL, t0, h, input, NULL, refractory_input, spike_dt, spike_i, capacity,
                    n_spikes, resume);
}

clif_status clif_model_step(int model, size_t begin, size_t end, const clif_params *params,
                            size_t params_stride, const clif_syn_params *syn, size_t syn_stride,
                            clif_drive *drive, clif_model_state *state, double t0, double h,
                            const clif_step_input *input, const uint8_t *pulse_port,
                            int refractory_input, double *spike_dt, int64_t *spike_i,
                            size_t capacity, size_t *n_spikes, size_t *resume)
{
    return step_pop(model, begin, end, params, params_stride, syn, syn_stride, drive, NULL,
                    state, t0, h, input, pulse_port, refractory_input, spike_dt, spike_i,
                    capacity, n_spikes, resume);
}
