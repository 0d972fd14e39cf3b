# cython: language_level=3
"""The closed forms as NumPy ufuncs over the C core's strided loops.

These are private building blocks: they take every parameter positionally and
do not validate (invalid parameter sets give NaN).  clif.closed_form wraps
them with keyword parameters and validation.  Being real ufuncs, they
broadcast, take out=, and work on dask arrays through __array_ufunc__; NumPy
releases the GIL around their loops.
"""
cimport numpy as cnp
from libc.stddef cimport ptrdiff_t
from clif._clif cimport (clif_isi_strided, clif_rate_strided, clif_current_for_rate_strided,
                         clif_cutoff_frequency_strided, clif_free_potential_strided,
                         clif_summation_peak_strided)

cnp.import_array()
cnp.import_ufunc()

# npy_intp and ptrdiff_t are the same type on every platform NumPy supports;
# the loops below only reinterpret the pointers.

cdef void _isi_loop(char **args, cnp.npy_intp *dims, cnp.npy_intp *steps, void *data) noexcept nogil:
    clif_isi_strided(<ptrdiff_t>dims[0], args, <const ptrdiff_t *>steps)

cdef void _rate_loop(char **args, cnp.npy_intp *dims, cnp.npy_intp *steps, void *data) noexcept nogil:
    clif_rate_strided(<ptrdiff_t>dims[0], args, <const ptrdiff_t *>steps)

cdef void _cfr_loop(char **args, cnp.npy_intp *dims, cnp.npy_intp *steps, void *data) noexcept nogil:
    clif_current_for_rate_strided(<ptrdiff_t>dims[0], args, <const ptrdiff_t *>steps)

cdef void _cutoff_loop(char **args, cnp.npy_intp *dims, cnp.npy_intp *steps, void *data) noexcept nogil:
    clif_cutoff_frequency_strided(<ptrdiff_t>dims[0], args, <const ptrdiff_t *>steps)

cdef void _free_loop(char **args, cnp.npy_intp *dims, cnp.npy_intp *steps, void *data) noexcept nogil:
    clif_free_potential_strided(<ptrdiff_t>dims[0], args, <const ptrdiff_t *>steps)

cdef void _sum_loop(char **args, cnp.npy_intp *dims, cnp.npy_intp *steps, void *data) noexcept nogil:
    clif_summation_peak_strided(<ptrdiff_t>dims[0], args, <const ptrdiff_t *>steps)

# NumPy keeps pointers to these tables for the lifetime of the ufuncs, so
# they are module-level (static) C arrays.
cdef cnp.PyUFuncGenericFunction _f_isi[1]
cdef cnp.PyUFuncGenericFunction _f_rate[1]
cdef cnp.PyUFuncGenericFunction _f_cfr[1]
cdef cnp.PyUFuncGenericFunction _f_cutoff[1]
cdef cnp.PyUFuncGenericFunction _f_free[1]
cdef cnp.PyUFuncGenericFunction _f_sum[1]
cdef void *_no_data[1]
cdef char _types8[8]
cdef char _types7[7]
cdef char _types4[4]

_f_isi[0] = _isi_loop
_f_rate[0] = _rate_loop
_f_cfr[0] = _cfr_loop
_f_cutoff[0] = _cutoff_loop
_f_free[0] = _free_loop
_f_sum[0] = _sum_loop
_no_data[0] = NULL
cdef int _k
for _k in range(8):
    _types8[_k] = cnp.NPY_DOUBLE
for _k in range(7):
    _types7[_k] = cnp.NPY_DOUBLE
for _k in range(4):
    _types4[_k] = cnp.NPY_DOUBLE


isi = cnp.PyUFunc_FromFuncAndData(
    _f_isi, _no_data, _types8, 1, 7, 1, cnp.PyUFunc_None, b"isi",
    b"isi(I, tau_m, R_m, E_L, V_th, V_reset, t_ref) -> ISI [ms]; unvalidated", 0)
rate = cnp.PyUFunc_FromFuncAndData(
    _f_rate, _no_data, _types8, 1, 7, 1, cnp.PyUFunc_None, b"rate",
    b"rate(I, tau_m, R_m, E_L, V_th, V_reset, t_ref) -> rate [Hz]; unvalidated", 0)
current_for_rate = cnp.PyUFunc_FromFuncAndData(
    _f_cfr, _no_data, _types8, 1, 7, 1, cnp.PyUFunc_None, b"current_for_rate",
    b"current_for_rate(f, tau_m, R_m, E_L, V_th, V_reset, t_ref) -> I [nA]; unvalidated", 0)
cutoff_frequency = cnp.PyUFunc_FromFuncAndData(
    _f_cutoff, _no_data, _types7, 1, 6, 1, cnp.PyUFunc_None, b"cutoff_frequency",
    b"cutoff_frequency(I0, I_dc, tau_m, R_m, E_L, V_th) -> Hz; unvalidated", 0)
free_potential = cnp.PyUFunc_FromFuncAndData(
    _f_free, _no_data, _types7, 1, 6, 1, cnp.PyUFunc_None, b"free_potential",
    b"free_potential(t, I, V0, tau_m, R_m, E_L) -> mV; unvalidated", 0)
summation_peak = cnp.PyUFunc_FromFuncAndData(
    _f_sum, _no_data, _types4, 1, 3, 1, cnp.PyUFunc_None, b"summation_peak",
    b"summation_peak(V1, dt, tau_m) -> mV; unvalidated", 0)
