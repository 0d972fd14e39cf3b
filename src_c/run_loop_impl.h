/* Internal: the population loop shared by every model (clif_exact_run* in
 * exact.c for delta, clif_model_run_counted in model.c for the others):
 * neuron after neuron, the time axis cut at current changes and V samples,
 * each piece handed to the model's one-neuron advance.  A template; define
 *   RUN_FN            the function's name
 *   RUN_POP, RUN_STATE  the population and state types
 *   RUN_BASE(pop)     its clif_exact_pop (an expression)
 *   RUN_NEURON(pop, i, p)  per-neuron setup after clif_check_params: a
 *                     statement that may `return` a status
 *   RUN_ADVANCE(pop, p, d, s, t_end, off, np, cur, out, cap, k)
 *   RUN_SAMPLE(pop, p, d, s, q, i)   record sample q of neuron i at s->t
 *   RUN_REBASE(pop, p, d, s)
 */
static clif_status RUN_FN(const RUN_POP *mpop, size_t begin, size_t end, double t_end,
                          RUN_STATE *state, clif_exact_cursor *cursor, double *spike_t,
                          int64_t *spike_i, size_t *counts, size_t capacity, size_t *n_spikes,
                          size_t *resume)
{
    const clif_exact_pop *pop = RUN_BASE(mpop);
    if (!pop->tau_m || !pop->R_m || !pop->E_L || !pop->V_th || !pop->V_reset || !pop->t_ref
        || !pop->I_e || (pop->n_changes && (!pop->change_t || !pop->change_I))
        || (pop->sine_I0 && (!pop->sine_f || !pop->sine_phase))
        || (pop->pulse_off && pop->pulse_off[pop->n] > 0 && (!pop->pulse_t || !pop->pulse_w))
        || (pop->n_samples && (!pop->sample_t || !pop->sample_V)))
        return CLIF_E_NULL;
    *n_spikes = 0;
    *resume = begin;
    if (end > pop->n || begin > end)
        return CLIF_E_SIZE;
    int sine = pop->sine_I0 != NULL;
    size_t count = 0;
    for (size_t i = begin; i < end; ++i) {
        *resume = i;
        clif_params p = {pop->tau_m[i], pop->R_m[i], pop->E_L[i], pop->V_th[i],
                         pop->V_reset[i], pop->t_ref[i]};
        clif_status st = clif_check_params(&p);
        if (st != CLIF_OK)
            return st;
        RUN_NEURON(mpop, i, &p);
        RUN_STATE *s = &state[i];
        clif_exact_cursor *cur = &cursor[i];
        size_t off = pop->pulse_off ? pop->pulse_off[i] : 0;
        size_t np = pop->pulse_off ? pop->pulse_off[i + 1] - off : 0;
        for (;;) {
            size_t j = cur->change;
            clif_drive d;
            d.I_dc = pop->I_e[i] + (j == 0 ? (pop->I_step0 ? pop->I_step0[i] : 0.0)
                                        : pop->change_I[(j - 1) * pop->change_row
                                                        + i * pop->change_col]);
            d.I0 = sine ? pop->sine_I0[i] : 0.0;
            d.f = sine ? pop->sine_f[i] : 0.0;
            d.phase = sine ? pop->sine_phase[i] : 0.0;
            double seg = t_end;
            if (j < pop->n_changes && pop->change_t[j] < seg)
                seg = pop->change_t[j];
            if (cur->sample < pop->n_samples && pop->sample_t[cur->sample] < seg)
                seg = pop->sample_t[cur->sample];
            size_t k = 0;
            st = RUN_ADVANCE(mpop, &p, &d, s, seg, off, np, cur, spike_t + count,
                             capacity - count, &k);
            if (spike_i)
                for (size_t m = 0; m < k; ++m)
                    spike_i[count + m] = (int64_t)i;
            else
                counts[i] += k;
            count += k;
            *n_spikes = count;
            if (st != CLIF_OK)
                return st;
            /* Samples see V before the events at their own time. */
            while (cur->sample < pop->n_samples && pop->sample_t[cur->sample] <= s->t) {
                if (pop->sample_t[cur->sample] < s->t)
                    return CLIF_E_UNSORTED;
                RUN_SAMPLE(mpop, &p, &d, s, cur->sample, i);
                ++cur->sample;
            }
            if (s->t >= t_end)
                break;
            if (j < pop->n_changes && pop->change_t[j] <= s->t) {
                RUN_REBASE(mpop, &p, &d, s);
                ++cur->change;
            }
        }
    }
    *resume = end;
    return CLIF_OK;
}
