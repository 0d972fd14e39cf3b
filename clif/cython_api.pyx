# cython: language_level=3
"""Implementation of clif/cython_api.pxd: thin forwards to the C core, so
that other extensions call it through Cython's function-pointer table
without linking clif's C code themselves."""
from clif cimport _clif as c


cdef unsigned int version() noexcept nogil:
    return c.clif_version()


cdef unsigned int abi_version() noexcept nogil:
    return c.clif_abi_version()


cdef const char *strerror(clif_status status) noexcept nogil:
    return c.clif_strerror(status)


cdef void fill_params(clif_params *p, double tau_m, double R_m, double E_L, double V_th,
                      double V_reset, double t_ref) noexcept nogil:
    p.tau_m = tau_m
    p.R_m = R_m
    p.E_L = E_L
    p.V_th = V_th
    p.V_reset = V_reset
    p.t_ref = t_ref


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
