# cython: language_level=3
"""clif's C-level API for other Cython extensions.

    from clif.cython_api cimport rate, clif_params, fill_params

Every function here is ``noexcept nogil`` and is reached through a function
pointer that Cython fetches when the cimporting module is imported: the
cimporting extension does not link against clif's C code, it only needs
``clif.get_include()`` on its include path (for clif.h, which declares the
structs).  The signatures are frozen by tests/test_cython_abi.py; a change is
an ABI change and bumps CLIF_ABI_VERSION.
"""
from libc.stddef cimport ptrdiff_t
from libc.stdint cimport uint8_t, uint64_t, int64_t
# The structs and enums are clif.h's; cimport them from here or clif._clif.
from clif._clif cimport (clif_params, clif_status, clif_drive, clif_exact_state,
                         clif_step_input, clif_noise_prop, clif_noise_state, clif_noise_drive,
                         clif_noise_spikes, clif_noise_record, clif_noise_method,
                         clif_syn_params, clif_model_state,
                         CLIF_OK, CLIF_E_CAPACITY, CLIF_E_MODEL, CLIF_E_TAU_SYN,
                         CLIF_REFRACTORY_DROP, CLIF_REFRACTORY_INTEGRATE, CLIF_NOISE_EXACT,
                         CLIF_NOISE_EULER, CLIF_MODEL_DELTA, CLIF_MODEL_PSC_EXP,
                         CLIF_MODEL_PSC_ALPHA, CLIF_MODEL_MAX_Y)

# Version of the C core this module was built with (CLIF_VERSION_HEX /
# CLIF_ABI_VERSION): a host compares them with the macros it compiled with.
cdef unsigned int version() noexcept nogil
cdef unsigned int abi_version() noexcept nogil
cdef const char *strerror(clif_status status) noexcept nogil

# Parameters: fill a struct, validate it (CLIF_OK or the first bad field).
cdef void fill_params(clif_params *p, double tau_m, double R_m, double E_L, double V_th,
                      double V_reset, double t_ref) noexcept nogil
cdef clif_status check_params(const clif_params *p) noexcept nogil

# Closed forms (units: ms, mV, nA, Hz; NaN for invalid parameters).
cdef double isi(const clif_params *p, double current) noexcept nogil
cdef double rate(const clif_params *p, double current) noexcept nogil
cdef double rheobase(const clif_params *p) noexcept nogil
cdef double current_for_rate(const clif_params *p, double f) noexcept nogil
cdef double summation_peak(double V1, double dt, double tau_m) noexcept nogil
cdef double cutoff_frequency(const clif_params *p, double I0, double I_dc) noexcept nogil
cdef double free_potential(const clif_params *p, double t, double current,
                           double V0) noexcept nogil

# Exact event-driven kernel, one neuron (clif_exact.h).
cdef void exact_init(clif_exact_state *s, double t, double V) noexcept nogil
cdef double exact_potential(const clif_params *p, const clif_drive *d,
                            const clif_exact_state *s, double t) noexcept nogil
cdef void exact_rebase(const clif_params *p, const clif_drive *d,
                       clif_exact_state *s) noexcept nogil
cdef clif_status exact_advance(const clif_params *p, const clif_drive *d, clif_exact_state *s,
                               double t_end, const double *pulse_t, const double *pulse_w,
                               size_t n_pulses, size_t *next, int refractory_input,
                               double *spikes, size_t capacity, size_t *n_spikes) noexcept nogil

# Stepping API for clock-driven hosts (clif_step.h).
cdef clif_status exact_step(size_t begin, size_t end, const clif_params *params,
                            size_t params_stride, clif_drive *drive, clif_exact_state *state,
                            double t0, double h, const clif_step_input *input,
                            int refractory_input, double *spike_dt, int64_t *spike_i,
                            size_t capacity, size_t *n_spikes, size_t *resume) noexcept nogil

# Synaptic-current models on one seam (clif_model.h; ABI 3): model is a
# CLIF_MODEL_* id (model_find("psc_exp") gives it by name, -1 if unknown);
# weights are mV for delta, nA for the current models; pulse_port NULL routes
# a pulse by its weight's sign (>= 0: excitatory, port 0).  syn may be NULL
# for delta.  model_step is exact_step for any model (clif_step.h).
cdef int model_find(const char *name) noexcept nogil
cdef clif_status check_syn_params(int model, const clif_syn_params *q) noexcept nogil
cdef void model_init(clif_model_state *s, double t, double V) noexcept nogil
cdef double model_potential(int model, const clif_params *p, const clif_syn_params *q,
                            const clif_drive *d, const clif_model_state *s, double t,
                            double *y_out) noexcept nogil
cdef void model_rebase(int model, const clif_params *p, const clif_syn_params *q,
                       const clif_drive *d, clif_model_state *s) noexcept nogil
cdef clif_status model_advance(int model, const clif_params *p, const clif_syn_params *q,
                               const clif_drive *d, clif_model_state *s, double t_end,
                               const double *pulse_t, const double *pulse_w,
                               const uint8_t *pulse_port, size_t n_pulses, size_t *next,
                               int refractory_input, double *spikes, size_t capacity,
                               size_t *n_spikes) noexcept nogil
cdef clif_status model_step(int model, size_t begin, size_t end, const clif_params *params,
                            size_t params_stride, const clif_syn_params *syn, size_t syn_stride,
                            clif_drive *drive, clif_model_state *state, double t0, double h,
                            const clif_step_input *input, const uint8_t *pulse_port,
                            int refractory_input, double *spike_dt, int64_t *spike_i,
                            size_t capacity, size_t *n_spikes, size_t *resume) noexcept nogil

# Stochastic integrator and its RNG (clif_noise.h); one grid step of a noisy
# population is noise_run(..., step_stop = state.step + 1, ...).
cdef clif_status noise_prepare(const clif_params *p, double I_e, double sigma, double I0,
                               double omega, double dt, clif_noise_prop *out) noexcept nogil
cdef clif_status noise_run(size_t n, const clif_noise_prop *prop, clif_noise_state *state,
                           const clif_noise_drive *drive, double dt, clif_noise_method method,
                           uint64_t seed, uint64_t neuron0, int64_t step_stop,
                           clif_noise_spikes *spikes,
                           const clif_noise_record *record) noexcept nogil
cdef clif_status rng_normal(uint64_t seed, uint64_t stream, uint64_t start, size_t n,
                            double *out) noexcept nogil
cdef clif_status rng_uniform(uint64_t seed, uint64_t stream, uint64_t start, size_t n,
                             double *out) noexcept nogil
