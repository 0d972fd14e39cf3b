/* The model seam (clif_model.h): the table of models, the one validation
 * of their synaptic parameters, and the dispatch of the one-neuron and
 * population entry points to the model's own file.  The dispatch is one
 * switch per call (per neuron segment), never per event: the event loop is
 * compiled into each model (model_loop_impl.h). */
#include "clif.h"
#include "models/models_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const delta_y[1] = {""};
static const char *const exp_y[2] = {"I_ex", "I_in"};
static const char *const exp_u[2] = {"nA", "nA"};
static const char *const alpha_y[4] = {"I_ex", "J_ex", "I_in", "J_in"};
static const char *const alpha_u[4] = {"nA", "nA/ms", "nA", "nA/ms"};

static const clif_model_info models[CLIF_MODEL__COUNT] = {
    {"delta", CLIF_MODEL_DELTA, 0, 1, delta_y, delta_y, "mV"},
    {"psc_exp", CLIF_MODEL_PSC_EXP, 2, 2, exp_y, exp_u, "nA"},
    {"psc_alpha", CLIF_MODEL_PSC_ALPHA, 4, 2, alpha_y, alpha_u, "nA"},
};

const clif_model_info *clif_model_get(int model)
{
    if (model < 0 || model >= CLIF_MODEL__COUNT)
        return NULL;
    return &models[model];
}

int clif_model_find(const char *name)
{
    if (!name)
        return -1;
    for (int m = 0; m < CLIF_MODEL__COUNT; ++m)
        if (strcmp(name, models[m].name) == 0)
            return m;
    return -1;
}

clif_status clif_check_syn_params(int model, const clif_syn_params *q)
{
    if (model < 0 || model >= CLIF_MODEL__COUNT)
        return CLIF_E_MODEL;
    if (model == CLIF_MODEL_DELTA)
        return CLIF_OK;
    if (!q)
        return CLIF_E_NULL;
    if (!(isfinite(q->tau_syn_ex) && q->tau_syn_ex > 0.0)
        || !(isfinite(q->tau_syn_in) && q->tau_syn_in > 0.0))
        return CLIF_E_TAU_SYN;
    return CLIF_OK;
}

void clif_model_init(clif_model_state *s, double t, double V)
{
    s->t = t;
    s->t0 = t;
    s->V0 = V;
    s->t_ref_end = t;
    for (int m = 0; m < CLIF_MODEL_MAX_Y; ++m)
        s->y[m] = 0.0;
}

/* Delta runs on exact.c's kernel; its state is the first four fields. */
static void to_exact(const clif_model_state *s, clif_exact_state *e)
{
    e->t = s->t;
    e->t0 = s->t0;
    e->V0 = s->V0;
    e->t_ref_end = s->t_ref_end;
}

static void from_exact(const clif_exact_state *e, clif_model_state *s)
{
    s->t = e->t;
    s->t0 = e->t0;
    s->V0 = e->V0;
    s->t_ref_end = e->t_ref_end;
}

static int has_ports(const uint8_t *port, size_t n)
{
    for (size_t k = 0; port && k < n; ++k)
        if (port[k] != 0)
            return 1;
    return 0;
}

/* The advance behind both entry points, after the pointer checks. */
static clif_status advance(int model, const clif_params *p, const clif_syn_params *q,
                           const clif_drive *d, clif_model_state *s, double t_end,
                           const double *pulse_t, const double *pulse_w,
                           const uint8_t *pulse_port, size_t n_pulses, size_t *next,
                           int refractory_input, double *spikes, size_t capacity,
                           size_t *n_spikes)
{
    switch (model) {
    case CLIF_MODEL_DELTA: {
        if (has_ports(pulse_port, n_pulses))
            return CLIF_E_MODEL;
        clif_exact_state e;
        to_exact(s, &e);
        clif_status st = clif_exact_advance(p, d, &e, t_end, pulse_t, pulse_w, n_pulses, next,
                                            refractory_input, spikes, capacity, n_spikes);
        from_exact(&e, s);
        return st;
    }
    case CLIF_MODEL_PSC_EXP:
        return clif__psc_exp_advance(p, q, d, s, t_end, pulse_t, pulse_w, pulse_port, n_pulses,
                                     next, refractory_input, spikes, capacity, n_spikes);
    case CLIF_MODEL_PSC_ALPHA:
        return clif__psc_alpha_advance(p, q, d, s, t_end, pulse_t, pulse_w, pulse_port,
                                       n_pulses, next, refractory_input, spikes, capacity,
                                       n_spikes);
    default:
        return CLIF_E_MODEL;
    }
}

clif_status clif_model_advance(int model, const clif_params *p, const clif_syn_params *q,
                               const clif_drive *d, clif_model_state *s, double t_end,
                               const double *pulse_t, const double *pulse_w,
                               const uint8_t *pulse_port, size_t n_pulses, size_t *next,
                               int refractory_input, double *spikes, size_t capacity,
                               size_t *n_spikes)
{
    if (!p || !d || !s || !next || !n_spikes || (capacity && !spikes)
        || (n_pulses && (!pulse_t || !pulse_w)) || (model != CLIF_MODEL_DELTA && !q))
        return CLIF_E_NULL;
    *n_spikes = 0;
    clif_status st = clif_check_params(p);
    if (st == CLIF_OK)
        st = clif_check_syn_params(model, q);
    if (st != CLIF_OK)
        return st;
    return advance(model, p, q, d, s, t_end, pulse_t, pulse_w, pulse_port, n_pulses, next,
                   refractory_input, spikes, capacity, n_spikes);
}

double clif_model_potential(int model, const clif_params *p, const clif_syn_params *q,
                            const clif_drive *d, const clif_model_state *s, double t,
                            double *y_out)
{
    if (!p || !d || !s || clif_check_params(p) != CLIF_OK
        || clif_check_syn_params(model, q) != CLIF_OK) {
        const clif_model_info *info = clif_model_get(model);
        for (int m = 0; y_out && info && m < info->n_y; ++m)
            y_out[m] = NAN;
        return NAN;
    }
    switch (model) {
    case CLIF_MODEL_DELTA: {
        clif_exact_state e;
        to_exact(s, &e);
        return clif_exact_potential(p, d, &e, t);
    }
    case CLIF_MODEL_PSC_EXP:
        return clif__psc_exp_potential(p, q, d, s, t, y_out);
    default:
        return clif__psc_alpha_potential(p, q, d, s, t, y_out);
    }
}

void clif_model_rebase(int model, const clif_params *p, const clif_syn_params *q,
                       const clif_drive *d, clif_model_state *s)
{
    if (!p || !d || !s || clif_check_params(p) != CLIF_OK
        || clif_check_syn_params(model, q) != CLIF_OK)
        return;
    switch (model) {
    case CLIF_MODEL_DELTA: {
        clif_exact_state e;
        to_exact(s, &e);
        clif_exact_rebase(p, d, &e);
        from_exact(&e, s);
        return;
    }
    case CLIF_MODEL_PSC_EXP:
        clif__psc_exp_rebase(p, q, d, s);
        return;
    default:
        clif__psc_alpha_rebase(p, q, d, s);
        return;
    }
}

/* ---- population ------------------------------------------------------- */

const clif__prep_ops clif__model_ops[CLIF_MODEL__COUNT] = {
    {NULL, NULL, NULL, NULL, NULL, NULL},
    {clif__psc_exp_prepare, clif__psc_exp_drive, clif__psc_exp_advance_prep,
     clif__psc_exp_bases, clif__psc_exp_potential_prep, clif__psc_exp_rebase_prep},
    {clif__psc_alpha_prepare, clif__psc_alpha_drive, clif__psc_alpha_advance_prep,
     clif__psc_alpha_bases, clif__psc_alpha_potential_prep, clif__psc_alpha_rebase_prep},
};

/* ---- one neuron prepared for a driver (models_impl.h) ---------------- */

clif_status clif__nm_setup(clif__neuron_model *nm, int model, const clif_params *p,
                           const clif_syn_params *q)
{
    nm->model = model;
    nm->q.tau_syn_ex = q ? q->tau_syn_ex : NAN;
    nm->q.tau_syn_in = q ? q->tau_syn_in : NAN;
    if (model < 0 || model >= CLIF_MODEL__COUNT)
        return CLIF_E_MODEL;
    if (model != CLIF_MODEL_DELTA && !q)
        return CLIF_E_NULL;
    clif_status st = clif_check_syn_params(model, &nm->q);
    if (st == CLIF_OK && model != CLIF_MODEL_DELTA)
        clif__model_ops[model].prepare(p, &nm->q, &nm->pr);
    return st;
}

clif_status clif__nm_advance(clif__neuron_model *nm, const clif_params *p, const clif_drive *d,
                             clif_model_state *s, double t_end, const double *pulse_t,
                             const double *pulse_w, const uint8_t *pulse_port, size_t n_pulses,
                             size_t *next, int refractory_input, double *spikes,
                             size_t capacity, size_t *n_spikes)
{
    if (nm->model == CLIF_MODEL_DELTA)
        return advance(CLIF_MODEL_DELTA, p, &nm->q, d, s, t_end, pulse_t, pulse_w, pulse_port,
                       n_pulses, next, refractory_input, spikes, capacity, n_spikes);
    *n_spikes = 0;
    if (refractory_input != CLIF_REFRACTORY_DROP)
        return CLIF_E_MODEL;
    clif_status st = clif__model_ops[nm->model].drive(&nm->pr, d);
    if (st != CLIF_OK)
        return st;
    /* The pulses this call can reach: those before t_end and the first
     * after it (which the loop reads to stop, or rejects); with a few,
     * their propagator pieces are computed first, in one independent loop
     * (see clif__model_basis: the same bits, fewer stalls). */
    size_t k0 = *next, k1 = k0;
    while (k1 < n_pulses && pulse_t[k1] < t_end)
        ++k1;
    size_t m = k1 < n_pulses ? k1 - k0 + 1 : k1 - k0;
    if (m < 4)
        return clif__model_ops[nm->model].advance(&nm->pr, s, t_end, pulse_t, pulse_w, pulse_port, NULL,
                                      n_pulses, next, spikes, capacity, n_spikes);
    clif__model_basis local[64];
    clif__model_basis *mb = m <= 64 ? local : malloc(m * sizeof *mb);
    if (mb)
        clif__model_ops[nm->model].bases(&nm->pr, pulse_t + k0, m, mb);
    size_t kk = 0;
    st = clif__model_ops[nm->model].advance(&nm->pr, s, t_end, pulse_t + k0, pulse_w + k0,
                                pulse_port ? pulse_port + k0 : NULL, mb, m, &kk, spikes,
                                capacity, n_spikes);
    *next = k0 + kk;
    if (mb != local)
        free(mb);
    return st;
}

double clif__nm_potential(const clif__neuron_model *nm, const clif_params *p,
                          const clif_drive *d, const clif_model_state *s, double *y_out)
{
    if (nm->model == CLIF_MODEL_DELTA)
        return clif_model_potential(CLIF_MODEL_DELTA, p, &nm->q, d, s, s->t, y_out);
    return clif__model_ops[nm->model].potential(&nm->pr, s, s->t, y_out);
}

void clif__nm_rebase(const clif__neuron_model *nm, const clif_params *p, const clif_drive *d,
                     clif_model_state *s)
{
    if (nm->model == CLIF_MODEL_DELTA)
        clif_model_rebase(CLIF_MODEL_DELTA, p, &nm->q, d, s);
    else
        clif__model_ops[nm->model].rebase(&nm->pr, s);
}

/* The population's view of a neuron: its parameters and pulse group. */
static clif_status pop_setup(clif__neuron_model *nm, const clif_model_pop *pop, size_t i,
                             const clif_params *p)
{
    clif_syn_params q = {pop->tau_syn_ex ? pop->tau_syn_ex[i] : NAN,
                         pop->tau_syn_in ? pop->tau_syn_in[i] : NAN};
    return clif__nm_setup(nm, pop->model, p, &q);
}

static clif_status pop_advance(clif__neuron_model *nm, const clif_model_pop *pop,
                               const clif_params *p, const clif_drive *d, clif_model_state *s,
                               double t_end, size_t off, size_t np, size_t *next, double *out,
                               size_t cap, size_t *k)
{
    return clif__nm_advance(nm, p, d, s, t_end, pop->base.pulse_t + off, pop->base.pulse_w + off,
                            pop->pulse_port ? pop->pulse_port + off : NULL, np, next,
                            pop->base.refractory_input, out, cap, k);
}

static void pop_sample(const clif__neuron_model *nm, const clif_model_pop *pop,
                       const clif_params *p, const clif_drive *d, const clif_model_state *s,
                       size_t k, size_t i)
{
    size_t n = pop->base.n;
    int ny = models[pop->model].n_y;
    double y[CLIF_MODEL_MAX_Y];
    pop->base.sample_V[k * n + i] = clif__nm_potential(nm, p, d, s, y);
    if (pop->sample_y)
        for (int m = 0; m < ny; ++m)
            pop->sample_y[(k * (size_t)ny + (size_t)m) * n + i] = y[m];
}

#define RUN_FN run_models
#define RUN_POP clif_model_pop
#define RUN_STATE clif_model_state
#define RUN_BASE(pop) (&(pop)->base)
#define RUN_NEURON(pop, i, p)                                                                \
    clif__neuron_model nm_;                                                                  \
    if ((st = pop_setup(&nm_, pop, i, p)) != CLIF_OK)                                        \
        return st
#define RUN_ADVANCE(pop, p, d, s, t_end, off, np, cur, out, cap, k)                          \
    pop_advance(&nm_, pop, p, d, s, t_end, off, np, &(cur)->pulse, out, cap, k)
#define RUN_SAMPLE(pop, p, d, s, q, i) pop_sample(&nm_, pop, p, d, s, q, i)
#define RUN_REBASE(pop, p, d, s) clif__nm_rebase(&nm_, p, d, s)
#include "run_loop_impl.h"

clif_status clif_model_run_counted(const clif_model_pop *pop, size_t begin, size_t end,
                                   double t_end, clif_model_state *state,
                                   clif_exact_cursor *cursor, double *spike_t, size_t *counts,
                                   size_t capacity, size_t *n_spikes, size_t *resume)
{
    if (!pop || !state || !cursor || !n_spikes || !resume || !counts || (capacity && !spike_t))
        return CLIF_E_NULL;
    if (pop->model < 0 || pop->model >= CLIF_MODEL__COUNT)
        return CLIF_E_MODEL;
    if (pop->model != CLIF_MODEL_DELTA && (!pop->tau_syn_ex || !pop->tau_syn_in))
        return CLIF_E_NULL;
    return run_models(pop, begin, end, t_end, state, cursor, spike_t, NULL, counts, capacity,
                      n_spikes, resume);
}
