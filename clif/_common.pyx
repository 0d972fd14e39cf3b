# cython: language_level=3, boundscheck=False, wraparound=False
"""Status codes to exceptions, and validation of parameter sets through the C
core's one validator (clif_check_params)."""
import numpy as np
cimport numpy as cnp
from clif._clif cimport (clif_status, clif_params, clif_check_params, clif_strerror,
                         CLIF_OK, CLIF_E_NULL, CLIF_E_CAPACITY, CLIF_E_NOMEM,
                         CLIF_E_INTERRUPTED, CLIF_E_NOCONVERGE, CLIF_E__COUNT)

cnp.import_array()

# The order of clif_params' fields, which is also the order of the codes
# CLIF_E_TAU_M .. CLIF_E_T_REF.
PARAM_NAMES = ("tau_m", "R_m", "E_L", "V_th", "V_reset", "t_ref")


class ClifError(RuntimeError):
    """A failure inside the C core that is not the caller's bad input."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class SpikeLimitError(ClifError, OverflowError):
    """A run would produce more spikes than ``max_spikes`` allows.

    Raised by every simulator (simulate, Population, simulate_noisy,
    NoisyPopulation, Network.run, the dask sweeps); resumable objects keep
    their state, so nothing is lost.  It is also an OverflowError, which the
    noisy simulators raised before."""

    def __init__(self, status, message):
        super().__init__(status, message)


def strerror(int status):
    """Message of a C status code."""
    return clif_strerror(<clif_status>status).decode()


cdef int raise_status(clif_status status, str context=None) except -1:
    if status == CLIF_OK:
        return 0
    msg = clif_strerror(status).decode()
    if context:
        msg = f"{context}: {msg}"
    if status == CLIF_E_NOMEM:
        raise MemoryError(msg)
    if status in (CLIF_E_CAPACITY, CLIF_E_INTERRUPTED, CLIF_E_NOCONVERGE, CLIF_E_NULL) \
            or status >= CLIF_E__COUNT:
        raise ClifError(int(status), msg)
    raise ValueError(msg)


cdef int fill_params(clif_params *p, double tau_m, double R_m, double E_L, double V_th,
                     double V_reset, double t_ref) noexcept nogil:
    p.tau_m = tau_m
    p.R_m = R_m
    p.E_L = E_L
    p.V_th = V_th
    p.V_reset = V_reset
    p.t_ref = t_ref
    return 0


def check_params(tau_m, R_m, E_L, V_th, V_reset, t_ref):
    """Validate one parameter set or a broadcastable family of them.

    Every element goes through clif_check_params.  Raises ValueError naming
    the first offending parameter, its valid range, the value and (for arrays)
    the index.
    """
    cdef clif_params p
    cdef clif_status st
    cdef Py_ssize_t i, n
    cdef const double[::1] a0, a1, a2, a3, a4, a5
    if (type(tau_m) is float and type(R_m) is float and type(E_L) is float
            and type(V_th) is float and type(V_reset) is float and type(t_ref) is float):
        fill_params(&p, tau_m, R_m, E_L, V_th, V_reset, t_ref)
        st = clif_check_params(&p)
        if st != CLIF_OK:
            _raise_param(st, (tau_m, R_m, E_L, V_th, V_reset, t_ref), None)
        return
    arrs = np.broadcast_arrays(*[np.asarray(x, dtype=np.float64)
                                 for x in (tau_m, R_m, E_L, V_th, V_reset, t_ref)])
    shape = arrs[0].shape
    flat = [np.ascontiguousarray(a).reshape(-1) for a in arrs]
    a0, a1, a2, a3, a4, a5 = flat
    n = a0.shape[0]
    with nogil:
        st = CLIF_OK
        for i in range(n):
            fill_params(&p, a0[i], a1[i], a2[i], a3[i], a4[i], a5[i])
            st = clif_check_params(&p)
            if st != CLIF_OK:
                break
    if st != CLIF_OK:
        idx = np.unravel_index(i, shape) if shape else None
        _raise_param(st, tuple(float(f[i]) for f in flat), idx)


def _raise_param(clif_status st, values, idx):
    cdef int k = <int>st - 1
    msg = clif_strerror(st).decode()
    if 0 <= k < 6:
        got = f"got {PARAM_NAMES[k]}={values[k]!r}"
        if PARAM_NAMES[k] == "V_reset":
            got += f" with V_th={values[3]!r}"
        elif PARAM_NAMES[k] == "R_m":
            got += f" (tau_m={values[0]!r})"
        elif PARAM_NAMES[k] == "V_th":
            got += f" (E_L={values[2]!r})"
        msg = f"{msg}; {got}"
    if idx is not None:
        msg += f" at index {tuple(int(j) for j in idx)}"
    raise ValueError(msg)
