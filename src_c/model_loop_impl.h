/* Internal: the event loop of one neuron for a model whose pulses change
 * its synaptic state (the current models), compiled into each model's file
 * so that the hooks inline (no call through a pointer per event).  The
 * interval, refractory, same-time and capacity-resume rules are written
 * here once; see clif_model.h for them.
 *
 * The including file defines MODEL_FN(name), MODEL_PROP (with fields V_reset
 * and t_ref), MODEL_BASIS, MODEL_NY and the hooks
 *   MODEL_FN(make_prop)(p, q, d, &pr)           -> clif_status
 *   MODEL_FN(find_crossing)(&pr, s, h, hint, &tc, &bh) first V >= V_th in [s->t, h)
 *                                               (hint: the basis at h - t0 if
 *                                               its s matches, or NULL)
 *   MODEL_FN(move_anchor)(&pr, s, t, refractory, cached basis or NULL)
 *   MODEL_FN(receive)(&pr, y, w, port), MODEL_FN(receive_reg) (the same sums,
 *                                               without indexing y by port)
 *   MODEL_FN(clear_to)(&pr, V0, y, basis)       1 if find_crossing would find
 *                                               nothing by its quick bound
 *   MODEL_FN(basis), MODEL_FN(V_at), MODEL_FN(y_at)
 */

static clif_status MODEL_FN(check_pulse)(double t_now, double tp, double w, const uint8_t *port,
                                         size_t k)
{
    if (!(isfinite(tp) && tp >= 0.0))
        return CLIF_E_TIME;
    if (tp < t_now)
        return CLIF_E_UNSORTED;
    if (!isfinite(w))
        return CLIF_E_VALUE;
    if (port && port[k] > 1)
        return CLIF_E_MODEL;
    return CLIF_OK;
}

CLIF__INLINE int MODEL_FN(port_of)(const uint8_t *port, size_t k, double w)
{
    return port ? (int)port[k] : (w < 0.0);
}

/* The window's end is an event: the anchor moves there with V = V_reset. */
CLIF__INLINE void MODEL_FN(leave_window)(const MODEL_PROP *pr, clif_model_state *s)
{
    if (s->t0 < s->t_ref_end) {
        MODEL_FN(move_anchor)(pr, s, s->t_ref_end, 1, NULL);
        s->V0 = pr->V_reset;
    }
}

/* The advance with the propagator prepared (MODEL_FN(make_prop)): a network
 * prepares it once per neuron, not per window. */
static clif_status MODEL_FN(advance_prep)(const MODEL_PROP *pp, clif_model_state *s,
                                          double t_end, const double *pulse_t,
                                          const double *pulse_w, const uint8_t *pulse_port,
                                          const MODEL_BASIS *bases, size_t n_pulses,
                                          size_t *next, double *spikes, size_t capacity,
                                          size_t *n_spikes)
{
    *n_spikes = 0;
    clif_status st = CLIF_OK;
    const MODEL_PROP pr = *pp;
    if (!(isfinite(t_end) && t_end >= s->t) || !isfinite(s->t) || !isfinite(s->t0)
        || !isfinite(s->t_ref_end))
        return CLIF_E_TIME;
    if (!isfinite(s->V0))
        return CLIF_E_VALUE;
    for (int m = 0; m < MODEL_NY; ++m)
        if (!isfinite(s->y[m]))
            return CLIF_E_VALUE;
    size_t k = *next;
    while (s->t < t_end) {
        if (bases && s->t == s->t0 && s->t >= s->t_ref_end) {
            /* The common case, in registers: the anchor at the last
             * pulse, the next pulse's basis precomputed and a quick bound
             * clearing the interval.  Each step is the general loop's
             * (find_crossing finds nothing, move_anchor with its hint),
             * so the bits are the same; anything else falls through. */
            double t0 = s->t0, V0 = s->V0, y[MODEL_NY];
            for (int m = 0; m < MODEL_NY; ++m)
                y[m] = s->y[m];
            size_t k0 = k;
            for (; k < n_pulses; ++k) {
                double tp = pulse_t[k];
                const MODEL_BASIS *bb = &bases[k];
                if (!(tp < t_end && bb->s == tp - t0)
                    || MODEL_FN(check_pulse)(t0, tp, pulse_w[k], pulse_port, k) != CLIF_OK
                    || !MODEL_FN(clear_to)(&pr, V0, y, bb))
                    break;
                double yn[MODEL_NY];
                V0 = MODEL_FN(V_at)(&pr, V0, y, bb);
                MODEL_FN(y_at)(y, bb, yn);
                for (int m = 0; m < MODEL_NY; ++m)
                    y[m] = yn[m];
                MODEL_FN(receive_reg)(&pr, y, pulse_w[k],
                                      MODEL_FN(port_of)(pulse_port, k, pulse_w[k]));
                t0 = tp;
            }
            if (k != k0) {
                s->t = s->t0 = t0;
                s->V0 = V0;
                for (int m = 0; m < MODEL_NY; ++m)
                    s->y[m] = y[m];
                continue;
            }
        }
        if (s->t < s->t_ref_end) {
            /* Refractory: V is held at V_reset, the synaptic state keeps
             * evolving and takes every pulse. */
            double stop = fmin(s->t_ref_end, t_end);
            for (; k < n_pulses && pulse_t[k] < stop; ++k) {
                if ((st = MODEL_FN(check_pulse)(s->t, pulse_t[k], pulse_w[k], pulse_port, k))
                    != CLIF_OK)
                    goto out;
                MODEL_FN(move_anchor)(&pr, s, pulse_t[k], 1, NULL);
                MODEL_FN(receive)(&pr, s->y, pulse_w[k],
                                  MODEL_FN(port_of)(pulse_port, k, pulse_w[k]));
                s->t = pulse_t[k];
            }
            s->t = stop;
            continue;
        }
        MODEL_FN(leave_window)(&pr, s);
        double tp = INFINITY;
        if (k < n_pulses) {
            tp = pulse_t[k];
            if ((st = MODEL_FN(check_pulse)(s->t, tp, pulse_w[k], pulse_port, k)) != CLIF_OK)
                goto out;
        }
        double h = tp < t_end ? tp : t_end;
        double tc;
        MODEL_BASIS bh;
        const MODEL_BASIS *hint = bases && tp < t_end ? &bases[k] : NULL;
        if ((st = MODEL_FN(find_crossing)(&pr, s, h, hint, &tc, &bh)) != CLIF_OK)
            goto out;
        if (tc < h) {
            /* Stop before committing anything, so a retry is exact. */
            if (*n_spikes == capacity) {
                st = CLIF_E_CAPACITY;
                goto out;
            }
            spikes[(*n_spikes)++] = tc;
            MODEL_FN(move_anchor)(&pr, s, tc, 1, NULL);
            s->V0 = pr.V_reset;
            s->t = tc;
            s->t_ref_end = tc + pr.t_ref;
            continue;
        }
        if (tp < t_end) {
            /* One pulse at a time; coincident pulses see h == s->t, so all
             * are taken before the threshold decides. */
            MODEL_FN(move_anchor)(&pr, s, tp, 0, &bh);
            MODEL_FN(receive)(&pr, s->y, pulse_w[k], MODEL_FN(port_of)(pulse_port, k, pulse_w[k]));
            s->t = tp;
            ++k;
            continue;
        }
        s->t = t_end;
    }
out:
    *next = k;
    return st;
}

static clif_status MODEL_FN(advance)(const clif_params *p, const clif_syn_params *q,
                                     const clif_drive *d, clif_model_state *s, double t_end,
                                     const double *pulse_t, const double *pulse_w,
                                     const uint8_t *pulse_port, size_t n_pulses, size_t *next,
                                     int refractory_input, double *spikes, size_t capacity,
                                     size_t *n_spikes)
{
    *n_spikes = 0;
    if (refractory_input != CLIF_REFRACTORY_DROP)
        return CLIF_E_MODEL;
    MODEL_PROP pr;
    clif_status st = MODEL_FN(make_prop)(p, q, d, &pr);
    if (st != CLIF_OK)
        return st;
    return MODEL_FN(advance_prep)(&pr, s, t_end, pulse_t, pulse_w, pulse_port, NULL, n_pulses,
                                  next, spikes, capacity, n_spikes);
}

static double MODEL_FN(potential_prep)(const MODEL_PROP *pp, const clif_model_state *s,
                                       double t, double *y_out)
{
    clif_model_state c = *s;
    const MODEL_PROP pr = *pp;
    if (!(t >= c.t0)) {
        if (y_out)
            for (int m = 0; m < MODEL_NY; ++m)
                y_out[m] = NAN;
        return NAN;
    }
    double V;
    if (t < c.t_ref_end) {
        MODEL_FN(move_anchor)(&pr, &c, t, 1, NULL);
        V = pr.V_reset;
    } else {
        MODEL_FN(leave_window)(&pr, &c);
        MODEL_FN(move_anchor)(&pr, &c, t, 0, NULL);
        V = c.V0;
    }
    if (y_out)
        for (int m = 0; m < MODEL_NY; ++m)
            y_out[m] = c.y[m];
    return V;
}

static double MODEL_FN(potential)(const clif_params *p, const clif_syn_params *q,
                                  const clif_drive *d, const clif_model_state *s, double t,
                                  double *y_out)
{
    MODEL_PROP pr;
    if (MODEL_FN(make_prop)(p, q, d, &pr) != CLIF_OK) {
        if (y_out)
            for (int m = 0; m < MODEL_NY; ++m)
                y_out[m] = NAN;
        return NAN;
    }
    return MODEL_FN(potential_prep)(&pr, s, t, y_out);
}

static void MODEL_FN(rebase_prep)(const MODEL_PROP *pr, clif_model_state *s)
{
    if (s->t < s->t_ref_end) {
        MODEL_FN(move_anchor)(pr, s, s->t, 1, NULL);
        return;
    }
    MODEL_FN(leave_window)(pr, s);
    MODEL_FN(move_anchor)(pr, s, s->t, 0, NULL);
}

static void MODEL_FN(rebase)(const clif_params *p, const clif_syn_params *q,
                             const clif_drive *d, clif_model_state *s)
{
    MODEL_PROP pr;
    if (MODEL_FN(make_prop)(p, q, d, &pr) != CLIF_OK)
        return;
    MODEL_FN(rebase_prep)(&pr, s);
}
