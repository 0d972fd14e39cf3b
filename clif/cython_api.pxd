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
from clif._clif cimport clif_params, clif_status

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
