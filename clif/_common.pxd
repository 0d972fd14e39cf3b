# cython: language_level=3
# Helpers every Cython module of clif shares: status -> exception, and the
# parameter check over (broadcast) arrays.
from clif._clif cimport clif_status, clif_params

cdef int raise_status(clif_status status, str context=*) except -1
cdef int fill_params(clif_params *p, double tau_m, double R_m, double E_L, double V_th,
                     double V_reset, double t_ref) noexcept nogil
