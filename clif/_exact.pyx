# cython: language_level=3, boundscheck=False, wraparound=False
"""Population runs of the exact event-driven kernel (src_c/exact.c).

clif.simulate validates and lays out the inputs; this module checks their
shapes and dtypes once more (the kernel reads raw pointers), splits the
neurons into contiguous chunks, runs clif_exact_run_counted on each without the GIL
in a thread pool, grows the spike buffers on CLIF_E_CAPACITY (the kernel
stops exactly before the spike that did not fit, so resuming loses nothing),
and merges the neuron-major spike lists into (time, sender) order
(clif_spike_merge).  The result does not depend on the number of threads:
each neuron is integrated by the same code from the same inputs, and the
order is a function of the (time, sender) pairs only.
"""
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np
cimport numpy as cnp
from libc.stdint cimport int64_t
from libc.stdint cimport uint8_t
from clif._clif cimport (clif_status, clif_exact_pop, clif_exact_state, clif_exact_cursor,
                         clif_exact_run_counted, clif_spike,
                         clif_merge_src, clif_spike_merge, CLIF_OK,
                         CLIF_E_CAPACITY, clif_model_pop, clif_model_state,
                         clif_model_run_counted, clif_model_get, clif_model_info,
                         CLIF_MODEL_DELTA, CLIF_MODEL__COUNT, CLIF_MODEL_MAX_Y)
from clif._common cimport raise_status
from clif._common import ClifError, SpikeLimitError

cnp.import_array()

from cpython.exc cimport PyErr_CheckSignals
from time import perf_counter as _clock

# Work per kernel call between two looks at Ctrl-C (seconds), and the most
# spikes one call may write (a single busy neuron is sliced too).
_CALL_S = 0.01
_SLICE = 1 << 16

if np.dtype(np.uintp).itemsize != sizeof(size_t):
    raise ImportError("clif._exact needs numpy.uintp to be size_t")

#: Fields of clif_exact_state, the columns of a state array.
STATE_FIELDS = ("t", "t0", "V0", "t_ref_end")
#: Columns of a clif_model_state array (the model's y names fill the rest).
MODEL_STATE_COLUMNS = 4 + CLIF_MODEL_MAX_Y


def model_info(int model):
    """(name, y_names, y_units, weight_unit) of a C model id."""
    cdef const clif_model_info *m = clif_model_get(model)
    if m == NULL:
        raise ValueError(f"unknown model id {model}")
    return (m.name.decode(), tuple(m.y_names[k].decode() for k in range(m.n_y)),
            tuple(m.y_units[k].decode() for k in range(m.n_y)), m.weight_unit.decode())


def model_count():
    return CLIF_MODEL__COUNT


def state_dtype(int model):
    """The structured dtype of one neuron's state row for a model: the
    fields of clif_model_state named after the model's variables (the
    anchor's synaptic state), padding names for the unused ones."""
    name, y_names, _, _ = model_info(model)
    if model == CLIF_MODEL_DELTA:
        return np.dtype([(f, np.float64) for f in STATE_FIELDS])
    fields = list(STATE_FIELDS) + list(y_names)
    fields += [f"_pad{k}" for k in range(MODEL_STATE_COLUMNS - len(fields))]
    return np.dtype([(f, np.float64) for f in fields])


cdef const double *_ptr(object a, Py_ssize_t size, str name) except? NULL:
    if a is None:
        return NULL
    if not (isinstance(a, np.ndarray) and a.dtype == np.float64 and a.flags.c_contiguous):
        raise TypeError(f"{name}: internal error, need a C-contiguous float64 array")
    if a.size < size:
        raise ValueError(f"{name}: internal error, need at least {size} elements")
    return <const double *>cnp.PyArray_DATA(a)


class _Budget:
    """Spike slots left under max_spikes, shared by the chunks' threads."""

    def __init__(self, limit):
        self.left = limit
        self.limit = limit
        self.lock = threading.Lock()

    def take(self, want):
        with self.lock:
            got = min(want, self.left)
            self.left -= got
            return got

    def give(self, k):
        with self.lock:
            self.left += k


cdef class _Job:
    cdef clif_model_pop mpop
    cdef int model
    cdef object keep
    cdef void *state
    cdef clif_exact_cursor *cursor
    cdef size_t *counts
    cdef double t_end
    cdef public bint stop

    def chunk(self, Py_ssize_t begin, Py_ssize_t end, first, budget):
        """Run neurons [begin, end) into ``first`` (a float64 buffer already
        taken from the budget, or None), then into fresh blocks while the
        kernel runs out of room; returns the list of filled time blocks.
        Spikes are neuron-major; ``self.counts`` receives how many per
        neuron.

        The kernel is called on groups of neurons and on slices of at most
        _SLICE spikes, sized so that one call is ~_CALL_S of work: between
        calls the main thread checks for signals and every thread for
        ``self.stop``, so Ctrl-C is answered in a fraction of a second.
        Neurons are independent and the kernel resumes exactly where a call
        ended, so the grouping does not change a bit of the result."""
        cdef clif_status st
        cdef size_t b = begin, n_out = 0, resume = 0, cap, used, room, g_end
        cdef size_t group = 1
        cdef double[::1] tb
        cdef double dummy = 0.0
        cdef double *ptr
        cdef bint main = threading.current_thread() is threading.main_thread()
        blocks = []
        total = 0
        while True:
            if first is not None:
                t_arr, first = first, None
                cap = t_arr.shape[0]
            else:
                cap = budget.take(max(total, 64))  # doubling overall
                if cap == 0:
                    raise SpikeLimitError(
                        0, f"the run produces more than max_spikes={budget.limit} spikes "
                        "(16 bytes each); pass a larger max_spikes or a shorter t_stop")
                t_arr = np.empty(cap, dtype=np.float64)
            if cap:
                tb = t_arr
            used = 0
            while True:
                g_end = min(<size_t>end, b + group)
                room = min(cap - used, <size_t>_SLICE)
                ptr = &tb[used] if cap else &dummy
                t0 = _clock()
                with nogil:
                    if self.model == CLIF_MODEL_DELTA:
                        st = clif_exact_run_counted(&self.mpop.base, b, g_end, self.t_end,
                                                    <clif_exact_state *>self.state, self.cursor,
                                                    ptr, self.counts, room, &n_out, &resume)
                    else:
                        st = clif_model_run_counted(&self.mpop, b, g_end, self.t_end,
                                                    <clif_model_state *>self.state, self.cursor,
                                                    ptr, self.counts, room, &n_out, &resume)
                dt = _clock() - t0
                used += n_out
                if st == CLIF_E_CAPACITY:
                    b = resume
                elif st != CLIF_OK:
                    budget.give(cap - used)
                    raise_status(st, f"neuron {resume}")
                else:
                    b = g_end
                    # Grow or shrink the group towards ~_CALL_S per call.
                    if dt < _CALL_S / 4 and group < (<size_t>1 << 40):
                        group *= 2
                    elif dt > _CALL_S and group > 1:
                        group //= 2
                if self.stop:
                    budget.give(cap - used)
                    raise KeyboardInterrupt
                if main:
                    PyErr_CheckSignals()
                if b == <size_t>end or (st == CLIF_E_CAPACITY and used == cap):
                    break
            budget.give(cap - used)
            blocks.append(t_arr[:used])
            total += used
            if b == <size_t>end and st == CLIF_OK:
                return blocks


def run(dict par, state, cursor, double t_end, *, double t_start=0.0, I_step0=None, change_t=None, change_I=None,
        bint change_per_neuron=False, sine=None, pulse_off=None, pulse_t=None, pulse_w=None,
        sample_t=None, sample_V=None, int refractory_input=0, int n_threads=1,
        max_spikes=10**8, estimate=None, order="time", int model=0, tau_syn=None,
        pulse_port=None, sample_y=None):
    """Advance every neuron to ``t_end``; ``state`` (n, 4) float64 for delta,
    (n, MODEL_STATE_COLUMNS) for the other models, and ``cursor`` (n, 3)
    uintp are updated in place.  Returns ``(times, senders)`` sorted by
    time, then sender (``order="neuron"``: neuron by neuron, each neuron's
    in time order).  ``estimate`` (per neuron, int64) sizes the first spike
    buffers.  Current models take ``tau_syn`` = (tau_syn_ex, tau_syn_in)
    arrays, ``pulse_port`` (uint8, laid out as pulse_t, or None: by sign)
    and ``sample_y`` (m, n_y, n) for their synaptic state at the samples."""
    cdef Py_ssize_t n = par["tau_m"].shape[0], k = 0, m = 0
    cdef _Job job = _Job()
    cdef Py_ssize_t cols = 4 if model == CLIF_MODEL_DELTA else MODEL_STATE_COLUMNS
    cdef const uint8_t[::1] portv
    if not 0 <= model < CLIF_MODEL__COUNT:
        raise ValueError(f"model: internal error, unknown id {model}")
    if not (isinstance(state, np.ndarray) and state.dtype == np.float64
            and state.shape == (n, cols) and state.flags.c_contiguous):
        raise TypeError(f"state: internal error, need a C-contiguous (n, {cols}) float64 array")
    if not (isinstance(cursor, np.ndarray) and cursor.dtype == np.uintp
            and cursor.shape == (n, 3) and cursor.flags.c_contiguous):
        raise TypeError("cursor: internal error, need a C-contiguous (n, 3) uintp array")
    keep = [par, state, cursor, I_step0, change_t, change_I, sine, pulse_off, pulse_t,
            pulse_w, sample_t, sample_V, tau_syn, pulse_port, sample_y]
    job.keep = keep
    job.model = model
    job.mpop.model = model
    job.mpop.tau_syn_ex = job.mpop.tau_syn_in = NULL
    job.mpop.pulse_port = NULL
    job.mpop.sample_y = NULL
    if model != CLIF_MODEL_DELTA:
        if tau_syn is None:
            raise TypeError("tau_syn: internal error, current models need it")
        job.mpop.tau_syn_ex = _ptr(tau_syn[0], n, "tau_syn_ex")
        job.mpop.tau_syn_in = _ptr(tau_syn[1], n, "tau_syn_in")
        if pulse_port is not None and pulse_t is not None:
            if not (isinstance(pulse_port, np.ndarray) and pulse_port.dtype == np.uint8
                    and pulse_port.shape == pulse_t.shape):
                raise TypeError("pulse_port: internal error, need uint8 laid out as pulse_t")
            if pulse_port.shape[0]:
                portv = pulse_port
                job.mpop.pulse_port = &portv[0]
    elif pulse_port is not None:
        raise TypeError("pulse_port: internal error, delta takes no ports")
    job.state = cnp.PyArray_DATA(state)
    job.cursor = <clif_exact_cursor *>cnp.PyArray_DATA(cursor)
    job.t_end = t_end
    job.mpop.base.n = n
    job.mpop.base.tau_m = _ptr(par["tau_m"], n, "tau_m")
    job.mpop.base.R_m = _ptr(par["R_m"], n, "R_m")
    job.mpop.base.E_L = _ptr(par["E_L"], n, "E_L")
    job.mpop.base.V_th = _ptr(par["V_th"], n, "V_th")
    job.mpop.base.V_reset = _ptr(par["V_reset"], n, "V_reset")
    job.mpop.base.t_ref = _ptr(par["t_ref"], n, "t_ref")
    job.mpop.base.I_e = _ptr(par["I_e"], n, "I_e")
    job.mpop.base.I_step0 = _ptr(I_step0, n, "I_step0")
    if change_t is not None and change_t.shape[0]:
        k = change_t.shape[0]
        job.mpop.base.n_changes = k
        job.mpop.base.change_t = _ptr(change_t, k, "change_t")
        job.mpop.base.change_I = _ptr(change_I, k * (n if change_per_neuron else 1), "change_I")
        job.mpop.base.change_row = n if change_per_neuron else 1
        job.mpop.base.change_col = 1 if change_per_neuron else 0
    else:
        job.mpop.base.n_changes = 0
        job.mpop.base.change_t = NULL
        job.mpop.base.change_I = NULL
        job.mpop.base.change_row = job.mpop.base.change_col = 0
    if sine is not None:
        job.mpop.base.sine_I0 = _ptr(sine[0], n, "sine I0")
        job.mpop.base.sine_f = _ptr(sine[1], n, "sine f")
        job.mpop.base.sine_phase = _ptr(sine[2], n, "sine phase")
    else:
        job.mpop.base.sine_I0 = job.mpop.base.sine_f = job.mpop.base.sine_phase = NULL
    if pulse_off is not None:
        if not (pulse_off.dtype == np.uintp and pulse_off.shape == (n + 1,)
                and pulse_off.flags.c_contiguous and pulse_off[n] <= pulse_t.shape[0]
                and pulse_t.shape == pulse_w.shape):
            raise TypeError("pulses: internal error in the grouped layout")
        job.mpop.base.pulse_off = <const size_t *>cnp.PyArray_DATA(pulse_off)
        job.mpop.base.pulse_t = _ptr(pulse_t, 0, "pulse times")
        job.mpop.base.pulse_w = _ptr(pulse_w, 0, "pulse weights")
    else:
        job.mpop.base.pulse_off = NULL
        job.mpop.base.pulse_t = job.mpop.base.pulse_w = NULL
    if sample_t is not None and sample_t.shape[0]:
        m = sample_t.shape[0]
        if not (isinstance(sample_V, np.ndarray) and sample_V.shape == (m, n)):
            raise TypeError("sample_V: internal error, need an (m, n) array")
        job.mpop.base.n_samples = m
        job.mpop.base.sample_t = _ptr(sample_t, m, "sample_times")
        job.mpop.base.sample_V = <double *>_ptr(sample_V, m * n, "sample_V")
        if sample_y is not None and model != CLIF_MODEL_DELTA:
            if not (isinstance(sample_y, np.ndarray) and sample_y.ndim == 3
                    and sample_y.shape[0] == m and sample_y.shape[2] == n):
                raise TypeError("sample_y: internal error, need an (m, n_y, n) array")
            job.mpop.sample_y = <double *>_ptr(sample_y, sample_y.size, "sample_y")
    else:
        job.mpop.base.n_samples = 0
        job.mpop.base.sample_t = NULL
        job.mpop.base.sample_V = NULL
    job.mpop.base.refractory_input = refractory_input

    n_threads = max(1, min(int(n_threads), n))
    budget = _Budget(int(max_spikes))
    counts = np.zeros(n, dtype=np.uintp)
    keep.append(counts)
    job.counts = <size_t *>cnp.PyArray_DATA(counts)
    bounds = [(n * c) // n_threads for c in range(n_threads + 1)]
    # First buffers: one allocation cut into a piece per chunk, sized from
    # the estimate (usually exact for constant drive, so a single block).
    if estimate is None:
        want = [64] * n_threads
    elif n_threads == 1:
        want = [int(np.sum(estimate))]
    else:
        cum = np.concatenate(([0], np.cumsum(estimate)))
        want = [int(cum[bounds[c + 1]] - cum[bounds[c]]) for c in range(n_threads)]
    got = [budget.take(w) for w in want]
    buf = np.empty(sum(got), dtype=np.float64)
    if n_threads == 1:
        parts = [job.chunk(0, n, buf, budget)]
        base = [0]
    else:
        base = [0]
        for g in got:
            base.append(base[len(base) - 1] + g)
        firsts = [buf[base[c]:base[c + 1]] for c in range(n_threads)]
        with ThreadPoolExecutor(n_threads) as ex:
            futs = [ex.submit(job.chunk, bounds[c], bounds[c + 1], firsts[c], budget)
                    for c in range(n_threads)]
            try:
                # Poll rather than block in f.result(): a signal delivered to
                # a worker thread would not wake the main thread's wait, and
                # compiled code checks for pending handlers only when told.
                pending = futs
                while pending:
                    pending = wait(pending, timeout=0.005).not_done
                    PyErr_CheckSignals()
                parts = [f.result() for f in futs]
            except BaseException:
                # Ctrl-C (or an error in one chunk): the other chunks stop
                # at their next call instead of running to t_end.
                job.stop = True
                raise
    single = all(len(part) == 1 for part in parts)
    if order == "neuron" or n == 1:
        if n_threads == 1 and single:
            times = parts[0][0]
        else:
            times = np.concatenate([blk for part in parts for blk in part])
        if n == 1:
            senders = np.zeros(times.shape[0], dtype=np.int64)
        else:
            senders = np.repeat(np.arange(n, dtype=np.int64), counts.astype(np.int64))
        return times, senders
    if single:
        # Each chunk's spikes lie in one piece of buf: neuron i's start is
        # its chunk's base plus the counts before it in the chunk.
        start = np.empty(n, dtype=np.uintp)
        for c in range(n_threads):
            seg = counts[bounds[c]:bounds[c + 1]]
            start[bounds[c]:bounds[c + 1]] = int(base[c]) + np.cumsum(seg) - seg
        src = buf
    else:
        src = np.concatenate([blk for part in parts for blk in part])
        start = np.cumsum(counts) - counts
    return merge_spikes(src, start, counts, t_start, t_end)


def merge_spikes(src, start, counts, double t_lo, double t_hi):
    """Neuron-major runs (neuron i: ``src[start[i]:start[i] + counts[i]]``,
    time-sorted) merged into ``(times, senders)`` sorted by (time, sender)."""
    cdef Py_ssize_t n = counts.shape[0]
    cdef size_t total = int(counts.sum()), nb = 2**17 + 2
    cdef clif_status st
    times = np.empty(total, dtype=np.float64)
    senders = np.empty(total, dtype=np.int64)
    if total == 0:
        return times, senders
    cdef double[::1] tv = src
    cdef double[::1] ot = times
    cdef int64_t[::1] oi = senders
    cdef size_t[::1] sv = start
    cdef size_t[::1] cv = counts
    work = np.empty(4 * max(n, 1), dtype=np.float64)  # n clif_merge_src
    # only the largest time slice of it is ever touched
    scratch = np.empty(2 * total, dtype=np.float64)
    bins = np.empty(nb, dtype=np.uintp)
    cdef clif_merge_src *w = <clif_merge_src *>cnp.PyArray_DATA(work)
    cdef clif_spike *sc = <clif_spike *>cnp.PyArray_DATA(scratch)
    cdef size_t *bp = <size_t *>cnp.PyArray_DATA(bins)
    with nogil:
        st = clif_spike_merge(n, &tv[0], &sv[0], &cv[0], t_lo, t_hi, &ot[0], &oi[0], w, sc,
                              total, bp, nb)
    raise_status(st, "ordering spikes")
    return times, senders
