# cython: language_level=3
"""Implementation of clif/cython_api.pxd: thin forwards to the C core, so
that other extensions call it through Cython's function-pointer table
without linking clif's C code themselves."""
from libc.stdint cimport uint8_t, uint64_t, int64_t
from clif cimport _clif as c
from clif cimport _common


cdef unsigned int version() noexcept nogil:
    return c.clif_version()


cdef unsigned int abi_version() noexcept nogil:
    return c.clif_abi_version()


cdef const char *strerror(clif_status status) noexcept nogil:
    return c.clif_strerror(status)


cdef void fill_params(clif_params *p, double tau_m, double R_m, double E_L, double V_th,
                      double V_reset, double t_ref) noexcept nogil:
    _common.fill_params(p, tau_m, R_m, E_L, V_th, V_reset, t_ref)


cdef clif_status check_params(const clif_params *p) noexcept nogil:
    return c.clif_check_params(p)


cdef double isi(const clif_params *p, double current) noexcept nogil:
    return c.clif_isi(p, current)


cdef double rate(const clif_params *p, double current) noexcept nogil:
    return c.clif_rate(p, current)


cdef double rheobase(const clif_params *p) noexcept nogil:
    return c.clif_rheobase(p)


cdef double current_for_rate(const clif_params *p, double f) noexcept nogil:
    return c.clif_current_for_rate(p, f)


cdef double summation_peak(double V1, double dt, double tau_m) noexcept nogil:
    return c.clif_summation_peak(V1, dt, tau_m)


cdef double cutoff_frequency(const clif_params *p, double I0, double I_dc) noexcept nogil:
    return c.clif_cutoff_frequency(p, I0, I_dc)


cdef double free_potential(const clif_params *p, double t, double current,
                           double V0) noexcept nogil:
    return c.clif_free_potential(p, t, current, V0)


cdef void exact_init(clif_exact_state *s, double t, double V) noexcept nogil:
    c.clif_exact_init(s, t, V)


cdef double exact_potential(const clif_params *p, const clif_drive *d,
                            const clif_exact_state *s, double t) noexcept nogil:
    return c.clif_exact_potential(p, d, s, t)


cdef void exact_rebase(const clif_params *p, const clif_drive *d,
                       clif_exact_state *s) noexcept nogil:
    c.clif_exact_rebase(p, d, s)


cdef clif_status exact_advance(const clif_params *p, const clif_drive *d, clif_exact_state *s,
                               double t_end, const double *pulse_t, const double *pulse_w,
                               size_t n_pulses, size_t *next, int refractory_input,
                               double *spikes, size_t capacity, size_t *n_spikes) noexcept nogil:
    return c.clif_exact_advance(p, d, s, t_end, pulse_t, pulse_w, n_pulses, next,
                                refractory_input, spikes, capacity, n_spikes)


cdef clif_status exact_step(size_t begin, size_t end, const clif_params *params,
                            size_t params_stride, clif_drive *drive, clif_exact_state *state,
                            double t0, double h, const clif_step_input *input,
                            int refractory_input, double *spike_dt, int64_t *spike_i,
                            size_t capacity, size_t *n_spikes, size_t *resume) noexcept nogil:
    return c.clif_exact_step(begin, end, params, params_stride, drive, state, t0, h, input,
                             refractory_input, spike_dt, spike_i, capacity, n_spikes, resume)


cdef int model_find(const char *name) noexcept nogil:
    return c.clif_model_find(name)


cdef clif_status check_syn_params(int model, const clif_syn_params *q) noexcept nogil:
    return c.clif_check_syn_params(model, q)


cdef void model_init(clif_model_state *s, double t, double V) noexcept nogil:
    c.clif_model_init(s, t, V)


cdef double model_potential(int model, const clif_params *p, const clif_syn_params *q,
                            const clif_drive *d, const clif_model_state *s, double t,
                            double *y_out) noexcept nogil:
    return c.clif_model_potential(model, p, q, d, s, t, y_out)


cdef void model_rebase(int model, const clif_params *p, const clif_syn_params *q,
                       const clif_drive *d, clif_model_state *s) noexcept nogil:
    c.clif_model_rebase(model, p, q, d, s)


cdef clif_status model_advance(int model, const clif_params *p, const clif_syn_params *q,
                               const clif_drive *d, clif_model_state *s, double t_end,
                               const double *pulse_t, const double *pulse_w,
                               const uint8_t *pulse_port, size_t n_pulses, size_t *next,
                               int refractory_input, double *spikes, size_t capacity,
                               size_t *n_spikes) noexcept nogil:
    return c.clif_model_advance(model, p, q, d, s, t_end, pulse_t, pulse_w, pulse_port,
                                n_pulses, next, refractory_input, spikes, capacity, n_spikes)


cdef clif_status model_step(int model, size_t begin, size_t end, const clif_params *params,
                            size_t params_stride, const clif_syn_params *syn, size_t syn_stride,
                            clif_drive *drive, clif_model_state *state, double t0, double h,
                            const clif_step_input *input, const uint8_t *pulse_port,
                            int refractory_input, double *spike_dt, int64_t *spike_i,
                            size_t capacity, size_t *n_spikes, size_t *resume) noexcept nogil:
    return c.clif_model_step(model, begin, end, params, params_stride, syn, syn_stride, drive,
                             state, t0, h, input, pulse_port, refractory_input, spike_dt,
                             spike_i, capacity, n_spikes, resume)


cdef clif_status noise_prepare(const clif_params *p, double I_e, double sigma, double I0,
                               double omega, double dt, clif_noise_prop *out) noexcept nogil:
    return c.clif_noise_prepare(p, I_e, sigma, I0, omega, dt, out)


cdef clif_status noise_run(size_t n, const clif_noise_prop *prop, clif_noise_state *state,
                           const clif_noise_drive *drive, double dt, clif_noise_method method,
                           uint64_t seed, uint64_t neuron0, int64_t step_stop,
                           clif_noise_spikes *spikes,
                           const clif_noise_record *record) noexcept nogil:
    return c.clif_noise_run(n, prop, state, drive, dt, method, seed, neuron0, step_stop,
                            spikes, record)


cdef clif_status rng_normal(uint64_t seed, uint64_t stream, uint64_t start, size_t n,
                            double *out) noexcept nogil:
    return c.clif_rng_normal(seed, stream, start, n, out)


cdef clif_status rng_uniform(uint64_t seed, uint64_t stream, uint64_t start, size_t n,
                             double *out) noexcept nogil:
    return c.clif_rng_uniform(seed, stream, start, n, out)
