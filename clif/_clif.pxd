# cython: language_level=3
# The C declarations of src_c/clif.h, shared by every Cython module of clif
# (one place, so the Cython view of the C API cannot drift between modules).
from libc.stddef cimport ptrdiff_t

cdef extern from "clif.h" nogil:
    int CLIF_VERSION_MAJOR
    int CLIF_VERSION_MINOR
    int CLIF_VERSION_PATCH
    int CLIF_ABI_VERSION
    unsigned int clif_version()
    unsigned int clif_abi_version()

    ctypedef enum clif_status:
        CLIF_OK
        CLIF_E_TAU_M
        CLIF_E_R_M
        CLIF_E_E_L
        CLIF_E_V_TH
        CLIF_E_V_RESET
        CLIF_E_T_REF
        CLIF_E_NULL
        CLIF_E_SIZE
        CLIF_E_TIME
        CLIF_E_UNSORTED
        CLIF_E_TARGET
        CLIF_E_VALUE
        CLIF_E_CAPACITY
        CLIF_E_DT
        CLIF_E_SIGMA
        CLIF_E_NOCONVERGE
        CLIF_E_DELAY
        CLIF_E_FREQ
        CLIF_E_INTERRUPTED
        CLIF_E_NOMEM
        CLIF_E_TAU_SYN
        CLIF_E_MODEL
        CLIF_E__COUNT

    const char *clif_strerror(clif_status status)

    ctypedef struct clif_params:
        double tau_m
        double R_m
        double E_L
        double V_th
        double V_reset
        double t_ref

    clif_status clif_check_params(const clif_params *p)

    double clif_isi(const clif_params *p, double current)
    double clif_rate(const clif_params *p, double current)
    double clif_rheobase(const clif_params *p)
    double clif_current_for_rate(const clif_params *p, double f)
    double clif_summation_peak(double V1, double dt, double tau_m)
    double clif_cutoff_frequency(const clif_params *p, double I0, double I_dc)
    double clif_free_potential(const clif_params *p, double t, double current, double V0)

    void clif_isi_strided(ptrdiff_t n, char **args, const ptrdiff_t *steps)
    void clif_rate_strided(ptrdiff_t n, char **args, const ptrdiff_t *steps)
    void clif_current_for_rate_strided(ptrdiff_t n, char **args, const ptrdiff_t *steps)
    void clif_cutoff_frequency_strided(ptrdiff_t n, char **args, const ptrdiff_t *steps)
    void clif_free_potential_strided(ptrdiff_t n, char **args, const ptrdiff_t *steps)
    void clif_summation_peak_strided(ptrdiff_t n, char **args, const ptrdiff_t *steps)

# ---- noise + RNG (src_c/clif_noise.h) -------------------------------------
from libc.stdint cimport uint32_t, uint64_t, int64_t

cdef extern from "clif.h" nogil:
    uint64_t CLIF_RNG_INDEX_LIMIT
    void clif_philox4x32_10(const uint32_t *ctr, const uint32_t *key, uint32_t *out)
    clif_status clif_rng_normal(uint64_t seed, uint64_t stream, uint64_t start, size_t n,
                                double *out)
    clif_status clif_rng_uniform(uint64_t seed, uint64_t stream, uint64_t start, size_t n,
                                 double *out)
    clif_status clif_rng_exponential(uint64_t seed, uint64_t stream, uint64_t start, size_t n,
                                     double *out)

    ctypedef enum clif_noise_method:
        CLIF_NOISE_EXACT
        CLIF_NOISE_EULER

    ctypedef struct clif_noise_state:
        double V
        int64_t step
        int64_t ref_step
        double ref_frac

    ctypedef struct clif_noise_prop:
        double V_th
        double sigma

    clif_status clif_noise_prepare(const clif_params *p, double I_e, double sigma, double I0,
                                   double omega, double dt, clif_noise_prop *out)

    ctypedef struct clif_noise_drive:
        size_t n_changes
        const int64_t *change_step
        const double *change_value
        ptrdiff_t ld
        int sine
        double omega
        double phase

    ctypedef struct clif_noise_spikes:
        double *times
        int64_t *senders
        size_t capacity
        size_t count

    ctypedef struct clif_noise_record:
        size_t n
        const int64_t *index
        int64_t every
        int64_t base
        double *out
        size_t rows

    clif_status clif_noise_run(size_t n, const clif_noise_prop *prop, clif_noise_state *state,
                               const clif_noise_drive *drive, double dt,
                               clif_noise_method method, uint64_t seed, uint64_t neuron0,
                               int64_t step_stop, clif_noise_spikes *spikes,
                               const clif_noise_record *record)

    int64_t CLIF_NOISE_PSC_STEP_LIMIT
    ctypedef struct clif_noise_psc_state:
        double V
        double I_s
        int64_t step
        int64_t ref_step
        double ref_frac

    ctypedef struct clif_noise_psc_span:
        double d
        double e1, p, e2
        double S_vv, S_vi, S_ii
        double c_ii, c_vi, c_vv
        double k_vi

    ctypedef struct clif_noise_psc_prop:
        double V_th
        double q
        clif_noise_psc_span step

    clif_status clif_noise_psc_prepare(const clif_params *p, double I_e, double sigma,
                                       double tau_s, double dt, clif_noise_psc_prop *out)
    clif_status clif_noise_psc_span_fill(const clif_noise_psc_prop *prop, double d,
                                         clif_noise_psc_span *out)
    clif_status clif_noise_psc_run(size_t n, const clif_noise_psc_prop *prop,
                                   clif_noise_psc_state *state, const clif_noise_drive *drive,
                                   double dt, uint64_t seed, uint64_t neuron0,
                                   int64_t step_stop, clif_noise_spikes *spikes,
                                   const clif_noise_record *record)

# ---- exact event-driven simulation (src_c/clif_exact.h) ----------------------
from libc.stdint cimport int64_t

cdef extern from "clif.h" nogil:
    enum:
        CLIF_REFRACTORY_DROP
        CLIF_REFRACTORY_INTEGRATE

    ctypedef struct clif_drive:
        double I_dc
        double I0
        double f
        double phase

    ctypedef struct clif_exact_state:
        double t
        double t0
        double V0
        double t_ref_end

    void clif_exact_init(clif_exact_state *s, double t, double V)
    double clif_exact_potential(const clif_params *p, const clif_drive *d,
                                const clif_exact_state *s, double t)
    void clif_exact_rebase(const clif_params *p, const clif_drive *d, clif_exact_state *s)
    clif_status clif_exact_advance(const clif_params *p, const clif_drive *d,
                                   clif_exact_state *s, double t_end, const double *pulse_t,
                                   const double *pulse_w, size_t n_pulses, size_t *next,
                                   int refractory_input, double *spikes, size_t capacity,
                                   size_t *n_spikes)

    ctypedef struct clif_exact_pop:
        size_t n
        const double *tau_m
        const double *R_m
        const double *E_L
        const double *V_th
        const double *V_reset
        const double *t_ref
        const double *I_e
        const double *I_step0
        size_t n_changes
        const double *change_t
        const double *change_I
        size_t change_row
        size_t change_col
        const double *sine_I0
        const double *sine_f
        const double *sine_phase
        const size_t *pulse_off
        const double *pulse_t
        const double *pulse_w
        size_t n_samples
        const double *sample_t
        double *sample_V
        int refractory_input

    ctypedef struct clif_exact_cursor:
        size_t pulse
        size_t change
        size_t sample

    clif_status clif_exact_run(const clif_exact_pop *pop, size_t begin, size_t end, double t_end,
                               clif_exact_state *state, clif_exact_cursor *cursor,
                               double *spike_t, int64_t *spike_i, size_t capacity,
                               size_t *n_spikes, size_t *resume)

    ctypedef struct clif_spike:
        double t
        int64_t i

    clif_status clif_spike_sort(size_t n, double *t, int64_t *i, double t_lo, double t_hi,
                                clif_spike *work, size_t *bins, size_t n_bins)

    clif_status clif_exact_run_counted(const clif_exact_pop *pop, size_t begin, size_t end,
                                       double t_end, clif_exact_state *state,
                                       clif_exact_cursor *cursor, double *spike_t,
                                       size_t *counts, size_t capacity, size_t *n_spikes,
                                       size_t *resume)

    ctypedef struct clif_merge_src:
        double next
        size_t pos
        size_t end
        int64_t id

    clif_status clif_spike_merge(size_t n, const double *t, const size_t *start,
                                 const size_t *count, double t_lo, double t_hi, double *out_t,
                                 int64_t *out_i, clif_merge_src *src, clif_spike *scratch,
                                 size_t scratch_cap, size_t *bins, size_t n_bins)

# ---- the model seam (src_c/clif_model.h) -------------------------------------
from libc.stdint cimport uint8_t

cdef extern from "clif.h" nogil:
    enum:
        CLIF_MODEL_DELTA
        CLIF_MODEL_PSC_EXP
        CLIF_MODEL_PSC_ALPHA
        CLIF_MODEL__COUNT
        CLIF_MODEL_MAX_Y

    ctypedef struct clif_syn_params:
        double tau_syn_ex
        double tau_syn_in

    ctypedef struct clif_model_state:
        double t
        double t0
        double V0
        double t_ref_end
        double y[4]

    ctypedef struct clif_model_info:
        const char *name
        int id
        int n_y
        int n_ports
        const char *const *y_names
        const char *const *y_units
        const char *weight_unit

    const clif_model_info *clif_model_get(int model)
    int clif_model_find(const char *name)
    clif_status clif_check_syn_params(int model, const clif_syn_params *q)
    void clif_model_init(clif_model_state *s, double t, double V)
    double clif_model_potential(int model, const clif_params *p, const clif_syn_params *q,
                                const clif_drive *d, const clif_model_state *s, double t,
                                double *y_out)
    void clif_model_rebase(int model, const clif_params *p, const clif_syn_params *q,
                           const clif_drive *d, clif_model_state *s)
    clif_status clif_model_advance(int model, const clif_params *p, const clif_syn_params *q,
                                   const clif_drive *d, clif_model_state *s, double t_end,
                                   const double *pulse_t, const double *pulse_w,
                                   const uint8_t *pulse_port, size_t n_pulses, size_t *next,
                                   int refractory_input, double *spikes, size_t capacity,
                                   size_t *n_spikes)

    ctypedef struct clif_model_pop:
        clif_exact_pop base
        int model
        const double *tau_syn_ex
        const double *tau_syn_in
        const uint8_t *pulse_port
        double *sample_y

    clif_status clif_model_run_counted(const clif_model_pop *pop, size_t begin, size_t end,
                                       double t_end, clif_model_state *state,
                                       clif_exact_cursor *cursor, double *spike_t,
                                       size_t *counts, size_t capacity, size_t *n_spikes,
                                       size_t *resume)

# ---- stepping API for clock-driven hosts (src_c/clif_step.h) ------------------
cdef extern from "clif.h" nogil:
    ctypedef struct clif_step_input:
        const size_t *change_off
        const double *change_t
        const double *change_I
        const size_t *pulse_off
        const double *pulse_t
        const double *pulse_w

    clif_status clif_exact_step(size_t begin, size_t end, const clif_params *params,
                                size_t params_stride, clif_drive *drive,
                                clif_exact_state *state, double t0, double h,
                                const clif_step_input *input, int refractory_input,
                                double *spike_dt, int64_t *spike_i, size_t capacity,
                                size_t *n_spikes, size_t *resume)

    clif_status clif_model_step(int model, size_t begin, size_t end, const clif_params *params,
                                size_t params_stride, const clif_syn_params *syn,
                                size_t syn_stride, clif_drive *drive, clif_model_state *state,
                                double t0, double h, const clif_step_input *input,
                                const uint8_t *pulse_port, int refractory_input,
                                double *spike_dt, int64_t *spike_i, size_t capacity,
                                size_t *n_spikes, size_t *resume)

# ---- networks (src_c/clif_network.h) -----------------------------------------
from libc.stdint cimport int32_t, uint16_t, uint8_t

cdef extern from "clif.h" nogil:
    uint64_t CLIF_NET_EXT_STREAM
    int CLIF_NET_MAX_DELAYS
    double CLIF_NET_MAX_EXT_RATE

    ctypedef struct clif_net:
        size_t n
        const clif_params *params
        const double *I_e
        const double *ext_rate
        const double *ext_weight
        const uint64_t *row
        const int32_t *target
        const float *weight
        const uint16_t *delay
        const double *delay_table
        size_t n_delays
        double d_min
        int refractory_input
        uint64_t seed
        int model
        const clif_syn_params *syn
        const uint8_t *model_of

    ctypedef struct clif_net_record:
        int record_spikes
        const uint8_t *spike_mask
        size_t max_spikes
        const int32_t *pop_of
        size_t n_pops
        double bin_t0
        double bin_width
        size_t n_bins
        int64_t *counts
        size_t n_V
        const int64_t *V_index
        size_t n_samples
        const double *sample_t
        double *V

    ctypedef struct clif_net_sim:
        pass

    clif_net_sim *clif_net_sim_create(const clif_net *net, size_t n_threads, const double *V0,
                                      clif_status *status, size_t *bad)
    void clif_net_sim_free(clif_net_sim *sim)
    clif_status clif_net_run(clif_net_sim *sim, size_t tid, double t_stop,
                             const clif_net_record *rec)
    double clif_net_sim_time(const clif_net_sim *sim)
    const clif_exact_state *clif_net_sim_states(const clif_net_sim *sim)
    const clif_model_state *clif_net_sim_model_states(const clif_net_sim *sim)
    size_t clif_net_sim_n_spikes(const clif_net_sim *sim)
    void clif_net_sim_spikes(clif_net_sim *sim, double *t, int64_t *i, int clear)
    void clif_net_sim_counters(const clif_net_sim *sim, uint64_t *syn_events,
                               uint64_t *ext_events)
    ctypedef clif_status (*clif_net_exchange_fn)(void *ctx, clif_status status, size_t n,
                                                 const double *t, const int64_t *i,
                                                 size_t *n_out, const double **t_out,
                                                 const int64_t **i_out) noexcept
    void clif_net_sim_set_exchange(clif_net_sim *sim, clif_net_exchange_fn fn, void *ctx)
    void clif_net_sim_set_stop(clif_net_sim *sim, const volatile int *flag)
    clif_status clif_net_sim_set_sources(clif_net_sim *sim, size_t n_src, size_t n_spikes,
                                         const double *t, const int64_t *src, size_t *bad)
    clif_status clif_net_csr_from_coo(size_t n, size_t m, const int32_t *pre,
                                      const int32_t *post, const float *weight,
                                      const uint16_t *delay, uint64_t *row, int32_t *target,
                                      float *weight_out, uint16_t *delay_out, uint64_t *work,
                                      size_t *bad)
    clif_status clif_net_csr_sort_rows(size_t begin, size_t end, const uint64_t *row,
                                       int32_t *target, float *weight, uint16_t *delay,
                                       uint64_t *work)
