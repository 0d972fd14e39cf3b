# cython: language_level=3, boundscheck=False, wraparound=False
"""Cython layer of the stochastic integrator and the RNG (src_c/noise.c,
src_c/rng.c): numpy buffers in, the GIL released around every C call, C
status codes turned into exceptions.  Validation of user input happens in
clif/noise.py; what reaches the C core is checked once more there.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport uint32_t, uint64_t, int64_t
from clif._clif cimport (clif_status, clif_params, CLIF_OK, CLIF_E_CAPACITY,
                         clif_philox4x32_10, clif_rng_normal, clif_rng_uniform,
                         clif_rng_exponential,
                         clif_noise_method, clif_noise_state, clif_noise_prop,
                         clif_noise_prepare, clif_noise_drive, clif_noise_spikes,
                         clif_noise_record, clif_noise_run, CLIF_RNG_INDEX_LIMIT,
                         clif_noise_psc_state, clif_noise_psc_prop, clif_noise_psc_span,
                         clif_noise_psc_prepare, clif_noise_psc_span_fill, clif_noise_psc_run,
                         CLIF_NOISE_PSC_STEP_LIMIT)
from clif._common cimport raise_status, fill_params
from clif._common import SpikeLimitError

cnp.import_array()

# Internal hooks of rng.c, for the tests: one named code path (0 portable,
# 1 AVX2+FMA, 2 AVX-512) of the exponential variates.
cdef extern from "clif_test_hooks.h" nogil:
    int clif__explog_words_isa(int isa, const uint64_t *w, size_t n, double *out)
    int clif__exponentials_isa(int isa, uint64_t seed, uint64_t stream, uint64_t k0, size_t n,
                               double *out)

    # ... and of clif's own expm1 (src_c/expm1.c), which the exact kernel uses.
    void clif__expm1_batch(const double *x, size_t n, double *out)
    int clif__expm1_batch_isa(int isa, const double *x, size_t n, double *out)

    # The one dispatch switch (src_c/cpu.c): every kernel's path at once.
    int clif__cpu_force(int isa)

INDEX_LIMIT = int(CLIF_RNG_INDEX_LIMIT)
#: numpy twin of clif_noise_state (same layout: 4 x 8 bytes)
STATE_DTYPE = np.dtype([("V", "f8"), ("step", "i8"), ("ref_step", "i8"), ("ref_frac", "f8")])
assert STATE_DTYPE.itemsize == sizeof(clif_noise_state)
#: numpy twin of clif_noise_psc_state (the colored-noise model: I_s [nA] too)
PSC_STATE_DTYPE = np.dtype([("V", "f8"), ("I_s", "f8"), ("step", "i8"), ("ref_step", "i8"),
                            ("ref_frac", "f8")])
assert PSC_STATE_DTYPE.itemsize == sizeof(clif_noise_psc_state)
PSC_STEP_LIMIT = int(CLIF_NOISE_PSC_STEP_LIMIT)


def psc_span(double tau_m, double R_m, double sigma, double tau_s, double d):
    """Test hook: the colored-noise model's propagators over a span d [ms]
    (src_c/noise_psc.c), in (Y = V - mu [mV], I_s [nA]): a dict with the mean
    propagator ``e1, p, e2`` and the covariance ``S_vv, S_vi, S_ii``."""
    cdef clif_params p
    cdef clif_noise_psc_prop pr
    cdef clif_noise_psc_span sp
    fill_params(&p, tau_m, R_m, 0.0, 1.0, 0.0, 0.0)
    raise_status(clif_noise_psc_prepare(&p, 0.0, sigma, tau_s, d, &pr), "psc_span")
    raise_status(clif_noise_psc_span_fill(&pr, d, &sp), "psc_span")
    return dict(e1=sp.e1, p=sp.p, e2=sp.e2, S_vv=sp.S_vv, S_vi=sp.S_vi, S_ii=sp.S_ii)


def philox4x32_10(ctr, key):
    """Raw Philox4x32-10 block: 4 uint32 counter words, 2 key words -> 4 words."""
    cdef uint32_t c[4]
    cdef uint32_t k[2]
    cdef uint32_t o[4]
    for j in range(4):
        c[j] = int(ctr[j])
    for j in range(2):
        k[j] = int(key[j])
    clif_philox4x32_10(c, k, o)
    return np.array([o[0], o[1], o[2], o[3]], dtype=np.uint32)


def rng_fill(str kind, uint64_t seed, uint64_t stream, uint64_t start, Py_ssize_t n):
    """Numbers start .. start+n-1 of a stream ('normal', 'uniform' or
    'exponential')."""
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] o = out
    cdef double *ptr = &o[0] if n > 0 else NULL
    cdef clif_status st
    cdef int which
    if kind == "normal":
        which = 0
    elif kind == "uniform":
        which = 1
    elif kind == "exponential":
        which = 2
    else:
        raise ValueError(f"unknown kind {kind!r}")
    with nogil:
        if which == 0:
            st = clif_rng_normal(seed, stream, start, <size_t>n, ptr)
        elif which == 1:
            st = clif_rng_uniform(seed, stream, start, <size_t>n, ptr)
        else:
            st = clif_rng_exponential(seed, stream, start, <size_t>n, ptr)
    raise_status(st, f"clif.random.{kind}")
    return out


def _explog_words(int isa, words):
    """Test hook: -log(u) for u = the uniform of each given uint64 word,
    on code path isa (0 portable, 1 AVX2+FMA, 2 AVX-512); None where this
    CPU or build lacks the path."""
    w = np.ascontiguousarray(words, dtype=np.uint64)
    cdef Py_ssize_t n = w.shape[0]
    out = np.empty(n, dtype=np.float64)
    cdef const uint64_t[::1] wv = w
    cdef double[::1] o = out
    cdef int rc
    if n == 0:
        return out
    with nogil:
        rc = clif__explog_words_isa(isa, &wv[0], <size_t>n, &o[0])
    return None if rc else out


def _exponentials_isa(int isa, uint64_t seed, uint64_t stream, uint64_t start, Py_ssize_t n):
    """Test hook: clif.random.exponential's numbers on code path isa (as
    _explog_words; no range checks: the caller keeps start + n <= 2**52)."""
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] o = out
    cdef double *ptr = &o[0] if n > 0 else NULL
    cdef int rc
    with nogil:
        rc = clif__exponentials_isa(isa, seed, stream, start, <size_t>n, ptr)
    return None if rc else out


def _force_isa(int isa):
    """Test hook: make every vectorised kernel (closed form, expm1, random
    streams, noise, network) take code path isa (0 portable, 1 AVX2+FMA,
    2 AVX-512), or the best one below it that this CPU and build have; -1
    goes back to the detected features.  Returns the path now in effect: a
    test that asked for isa and got less must skip.  Process-wide; call it
    between runs, not while a kernel runs in another thread."""
    return clif__cpu_force(isa)


def _expm1(int isa, x):
    """Test hook: clif's expm1 (src_c/expm1.c) of each value of x, on code
    path isa (0 portable, i.e. the scalar clif__expm1; 1 AVX2; 2 AVX-512;
    -1 the dispatching clif__expm1_batch); None where this CPU or build
    lacks the path."""
    xa = np.ascontiguousarray(x, dtype=np.float64)
    cdef Py_ssize_t n = xa.shape[0]
    out = np.empty(n, dtype=np.float64)
    cdef const double[::1] xv = xa
    cdef double[::1] o = out
    cdef int rc = 0
    if n == 0:
        return out
    with nogil:
        if isa == -1:
            clif__expm1_batch(&xv[0], <size_t>n, &o[0])
        else:
            rc = clif__expm1_batch_isa(isa, &xv[0], <size_t>n, &o[0])
    return None if rc else out


cdef class Engine:
    """N neurons' propagators and state; advances contiguous chunks of them.

    All arrays are per neuron, float64, length n (validated by the caller).
    """
    cdef readonly object prop_buf, state, steps, values
    cdef readonly Py_ssize_t n
    cdef readonly double dt
    cdef readonly object omega, phase
    cdef readonly int method, sine, ld, psc
    cdef readonly uint64_t seed, neuron0

    def __init__(self, dict arrays, sigma, I0, omega, phase, double dt,
                 int method, uint64_t seed, uint64_t neuron0, V0, change_steps,
                 change_values, int64_t step0=0, tau_syn=None):
        """tau_syn: None for white noise (clif_noise_run), else per-neuron
        tau_s [ms] of the colored-noise model (clif_noise_psc_run)."""
        cdef Py_ssize_t i, n = arrays["tau_m"].shape[0]
        self.n = n
        self.psc = tau_syn is not None
        cdef size_t psize = sizeof(clif_noise_psc_prop) if self.psc else sizeof(clif_noise_prop)
        self.prop_buf = np.zeros(n * psize, dtype=np.uint8)
        cdef unsigned char[::1] pb = self.prop_buf
        cdef clif_noise_prop *prop = <clif_noise_prop *>&pb[0] if n else NULL
        cdef clif_noise_psc_prop *pprop = <clif_noise_psc_prop *>&pb[0] if n else NULL
        cdef const double[::1] tau = arrays["tau_m"], R = arrays["R_m"], EL = arrays["E_L"]
        cdef const double[::1] th = arrays["V_th"], vr = arrays["V_reset"], tr = arrays["t_ref"]
        cdef const double[::1] Ie = arrays["I_e"], sg = sigma, i0 = I0
        omega = np.ascontiguousarray(np.broadcast_to(omega, (n,)), dtype=np.float64)
        phase = np.ascontiguousarray(np.broadcast_to(phase, (n,)), dtype=np.float64)
        cdef const double[::1] om = omega
        cdef const double[::1] ts = tau_syn if self.psc else I0
        cdef int psc = self.psc
        cdef clif_params p
        cdef clif_status st = CLIF_OK
        with nogil:
            for i in range(n):
                fill_params(&p, tau[i], R[i], EL[i], th[i], vr[i], tr[i])
                if psc:
                    st = clif_noise_psc_prepare(&p, Ie[i], sg[i], ts[i], dt, &pprop[i])
                else:
                    st = clif_noise_prepare(&p, Ie[i], sg[i], i0[i], om[i], dt, &prop[i])
                if st != CLIF_OK:
                    break
        if st != CLIF_OK:
            raise_status(st, f"neuron {i}")
        self.state = np.zeros(n, dtype=PSC_STATE_DTYPE if self.psc else STATE_DTYPE)
        self.state["V"] = V0
        self.state["step"] = step0
        self.state["ref_step"] = step0
        self.dt, self.omega, self.phase = dt, omega, phase
        self.sine = bool(np.any(I0 != 0.0))
        self.method, self.seed, self.neuron0 = method, seed, neuron0
        self.steps = np.ascontiguousarray(change_steps, dtype=np.int64)
        self.values = np.ascontiguousarray(change_values, dtype=np.float64)
        self.ld = 0 if self.values.ndim == 1 else n

    def run_chunk(self, Py_ssize_t c0, Py_ssize_t c1, int64_t step_stop, rec_index,
                  int64_t every, rec_out, Py_ssize_t capacity, Py_ssize_t max_spikes):
        """Advance neurons [c0, c1) to step_stop.  rec_index: sorted local
        indices within the chunk, rec_out: their rows.  Returns (times,
        senders) with senders relative to c0.  Grows its buffer on
        CLIF_E_CAPACITY; raises SpikeLimitError past max_spikes (-1: none).

        The kernel shares one sine (frequency, phase) per call, so that it
        tables sin and cos once per step for all its neurons: neurons whose
        sines differ are advanced in runs of equal (omega, phase), one call
        each.  A neuron's arithmetic is the same in any run, so the result
        does not depend on how the neurons are grouped."""
        if not self.sine or c1 - c0 <= 1:
            return self._run_part(c0, c1, step_stop, rec_index, every, rec_out, capacity,
                                  max_spikes)
        om = self.omega[c0:c1]
        ph = self.phase[c0:c1]
        m = c1 - c0 - 1   # (no negative indices: this module turns wraparound off)
        cut = np.flatnonzero((om[1:] != om[:m]) | (ph[1:] != ph[:m])) + 1
        if cut.size == 0:
            return self._run_part(c0, c1, step_stop, rec_index, every, rec_out, capacity,
                                  max_spikes)
        bounds = [0] + cut.tolist() + [c1 - c0]
        ri_all = np.asarray(rec_index, dtype=np.int64)
        out_all = np.asarray(rec_out)
        parts_t, parts_s = [], []
        total = 0
        for a, b in zip(bounds[:len(bounds) - 1], bounds[1:]):
            cols = np.flatnonzero((ri_all >= a) & (ri_all < b))
            out = np.empty((out_all.shape[0], cols.size), dtype=np.float64)
            left = -1 if max_spikes < 0 else max_spikes - total
            t, snd = self._run_part(c0 + a, c0 + b, step_stop, ri_all[cols] - a, every, out,
                                    max(1, capacity * (b - a) // (c1 - c0)), left)
            if cols.size:
                out_all[:, cols] = out
            parts_t.append(t)
            parts_s.append(snd + a)
            total += t.shape[0]
        return np.concatenate(parts_t), np.concatenate(parts_s)

    def _run_part(self, Py_ssize_t c0, Py_ssize_t c1, int64_t step_stop, rec_index,
                  int64_t every, double[:, ::1] rec_out, Py_ssize_t capacity,
                  Py_ssize_t max_spikes):
        cdef unsigned char[::1] pb = self.prop_buf
        cdef clif_noise_prop *prop = <clif_noise_prop *>&pb[0]
        cdef clif_noise_psc_prop *pprop = <clif_noise_psc_prop *>&pb[0]
        cdef cnp.ndarray sarr = self.state
        cdef clif_noise_state *state = <clif_noise_state *>cnp.PyArray_DATA(sarr)
        cdef clif_noise_psc_state *pstate = <clif_noise_psc_state *>cnp.PyArray_DATA(sarr)
        cdef int psc = self.psc
        cdef const int64_t[::1] cs = self.steps
        cdef const double[::1] cv = self.values.reshape(-1)
        cdef clif_noise_drive dr
        dr.n_changes = cs.shape[0]
        dr.change_step = &cs[0] if cs.shape[0] else NULL
        dr.change_value = (&cv[0] + (c0 if self.ld else 0)) if cs.shape[0] else NULL
        dr.ld = self.ld
        dr.sine = self.sine
        dr.omega = self.omega[c0] if c1 > c0 else 0.0
        dr.phase = self.phase[c0] if c1 > c0 else 0.0
        cdef const int64_t[::1] ri = np.ascontiguousarray(rec_index, dtype=np.int64)
        cdef clif_noise_record rec
        rec.n = ri.shape[0]
        rec.index = &ri[0] if rec.n else NULL
        rec.every = every
        rec.base = (pstate[c0].step if psc else state[c0].step) if c1 > c0 else 0
        rec.out = &rec_out[0, 0] if rec.n else NULL
        rec.rows = rec_out.shape[0]
        cdef clif_noise_spikes sp
        cdef clif_status st
        cdef double[::1] tb
        cdef int64_t[::1] sb
        parts_t, parts_s = [], []
        total = 0
        while True:
            times = np.empty(max(capacity, 1), dtype=np.float64)
            senders = np.empty(max(capacity, 1), dtype=np.int64)
            tb = times
            sb = senders
            sp.times = &tb[0]
            sp.senders = &sb[0]
            sp.capacity = capacity
            sp.count = 0
            with nogil:
                if psc:
                    st = clif_noise_psc_run(<size_t>(c1 - c0), pprop + c0, pstate + c0, &dr,
                                            self.dt, self.seed, self.neuron0 + <uint64_t>c0,
                                            step_stop, &sp, &rec)
                else:
                    st = clif_noise_run(<size_t>(c1 - c0), prop + c0, state + c0, &dr, self.dt,
                                        <clif_noise_method>self.method, self.seed,
                                        self.neuron0 + <uint64_t>c0, step_stop, &sp, &rec)
            parts_t.append(times[:sp.count])
            parts_s.append(senders[:sp.count])
            total += sp.count
            if 0 <= max_spikes < total:
                raise SpikeLimitError(
                    0, f"more than max_spikes={max_spikes} spikes ({total} in neurons "
                    f"[{c0}, {c1}) alone); raise max_spikes, or simulate fewer neurons or a "
                    "shorter time")
            if st == CLIF_OK:
                break
            if st != CLIF_E_CAPACITY:
                raise_status(st, "simulate_noisy")
            capacity = 2 * capacity + 1024
        if len(parts_t) == 1:
            return parts_t[0], parts_s[0]
        return np.concatenate(parts_t), np.concatenate(parts_s)
