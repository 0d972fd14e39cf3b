# cython: language_level=3, boundscheck=False, wraparound=False
"""Network runs of the exact kernel (src_c/network.c).

clif.network validates and lays out the inputs; this module checks dtypes
and shapes once more (the core reads raw pointers), owns the C simulation
object, and runs clif_net_run on n_threads Python threads without the GIL
(they synchronise inside the core, so results do not depend on n_threads).
"""
import signal
import threading
import time

import numpy as np
cimport numpy as cnp
from cpython.exc cimport PyErr_CheckSignals
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint64_t
from clif._clif cimport (clif_status, clif_params, clif_exact_state, clif_net, clif_net_record,
                         clif_net_sim, clif_net_sim_create, clif_net_sim_free, clif_net_run,
                         clif_net_sim_time, clif_net_sim_states, clif_net_sim_model_states,
                         clif_net_sim_n_spikes, clif_model_state, clif_syn_params,
                         clif_net_sim_spikes, clif_net_sim_counters, clif_net_csr_from_coo,
                         clif_net_csr_sort_rows, clif_net_sim_set_exchange, clif_net_sim_set_stop,
                         clif_net_sim_set_sources,
                         CLIF_OK, CLIF_E_CAPACITY, CLIF_E_TARGET, CLIF_E_INTERRUPTED,
                         CLIF_NET_EXT_STREAM, CLIF_NET_MAX_DELAYS)
from clif._common cimport raise_status
from clif._common import ClifError, SpikeLimitError

cnp.import_array()

EXT_STREAM = CLIF_NET_EXT_STREAM
MAX_DELAYS = CLIF_NET_MAX_DELAYS
from clif._clif cimport CLIF_NET_MAX_EXT_RATE
#: The highest external Poisson rate [Hz] per neuron (see clif_network.h).
MAX_EXT_RATE = CLIF_NET_MAX_EXT_RATE


def _need(a, dtype, shape, name):
    if not (isinstance(a, np.ndarray) and a.dtype == dtype and a.flags.c_contiguous
            and (shape is None or a.shape == shape)):
        raise TypeError(f"{name}: internal error, need a C-contiguous {np.dtype(dtype)} array "
                        f"of shape {shape}")
    return a


cdef void *_p(object a):
    return NULL if a is None else cnp.PyArray_DATA(a)


def csr_from_coo(Py_ssize_t n, pre, post, weight, delay):
    """CSR (row, target, weight, delay) of m synapses given as int32 pre,
    post, float32 weight, uint16 delay index; rows sorted by target
    (stable).  Raises IndexError naming the first synapse out of range."""
    cdef Py_ssize_t m = pre.shape[0]
    _need(pre, np.int32, (m,), "pre")
    _need(post, np.int32, (m,), "post")
    _need(weight, np.float32, (m,), "weight")
    _need(delay, np.uint16, (m,), "delay")
    row = np.empty(n + 1, dtype=np.uint64)
    target = np.empty(m, dtype=np.int32)
    w_out = np.empty(m, dtype=np.float32)
    d_out = np.empty(m, dtype=np.uint16)
    longest = int(np.bincount(pre, minlength=1).max()) if m else 0
    work = np.empty(max(n + 1, 2 * longest, 1), dtype=np.uint64)
    cdef size_t bad = 0
    cdef clif_status st
    cdef void *pp = _p(pre)
    cdef void *pq = _p(post)
    cdef void *pw = _p(weight)
    cdef void *pd = _p(delay)
    cdef void *qr = _p(row)
    cdef void *qt = _p(target)
    cdef void *qw = _p(w_out)
    cdef void *qd = _p(d_out)
    cdef void *wk = _p(work)
    with nogil:
        st = clif_net_csr_from_coo(n, m, <int32_t *>pp, <int32_t *>pq, <float *>pw,
                                   <uint16_t *>pd, <uint64_t *>qr, <int32_t *>qt, <float *>qw,
                                   <uint16_t *>qd, <uint64_t *>wk, &bad)
    if st == CLIF_E_TARGET:
        raise IndexError(f"synapse {bad}: pre or post index out of [0, {n})")
    raise_status(st, "building the connectivity")
    return row, target, w_out, d_out


def sort_rows(row, target, weight, delay, Py_ssize_t begin=0, Py_ssize_t end=-1):
    """Sort rows [begin, end) of a CSR by target in place (stable)."""
    cdef Py_ssize_t n = row.shape[0] - 1
    if end < 0:
        end = n
    _need(row, np.uint64, None, "row")
    _need(target, np.int32, None, "target")
    _need(weight, np.float32, None, "weight")
    _need(delay, np.uint16, None, "delay")
    if end <= begin:
        return
    longest = int(np.diff(row[begin:end + 1]).max())
    work = np.empty(max(2 * longest, 1), dtype=np.uint64)
    cdef void *pr = _p(row)
    cdef void *pt = _p(target)
    cdef void *pw = _p(weight)
    cdef void *pd = _p(delay)
    cdef void *wk = _p(work)
    cdef clif_status st
    with nogil:
        st = clif_net_csr_sort_rows(begin, end, <uint64_t *>pr, <int32_t *>pt, <float *>pw,
                                    <uint16_t *>pd, <uint64_t *>wk)
    raise_status(st, "sorting rows")


class RankFailed(ClifError):
    """Another MPI rank of a distributed run failed (its message is attached)."""


class _Exchange:
    """The per-window spike exchange of a distributed run over an mpi4py
    communicator: one Allgather of (status, count) and one Allgatherv of
    the packed (time, sender) float64 pairs (senders < 2**53 are exact)."""

    def __init__(self, comm):
        self.comm = comm
        self.size = comm.Get_size()
        self.head = np.empty((self.size, 2), dtype=np.int64)
        self.buf = np.empty(0, dtype=np.float64)
        self.t = self.i = np.empty(0)
        self.seconds = 0.0   # wall time inside the collectives
        self.windows = 0
        self.error = None    # a Python exception raised inside the callback
        self.failed = None   # (rank, status) of the first rank that failed
        self.interrupt = False   # set by the main thread on Ctrl-C (any thread exchanges)

    def _on_sigint(self, signum, frame):
        self.interrupt = True

    def __call__(self, int status, times, senders):
        from mpi4py import MPI
        import time
        t0 = time.perf_counter()
        n = times.shape[0]
        mine = np.array([status, n], dtype=np.int64)
        self.comm.Allgather(mine, self.head)
        counts = 2 * self.head[:, 1]
        total = int(counts.sum())
        if self.buf.shape[0] < total:
            self.buf = np.empty(max(total, 2 * self.buf.shape[0]), dtype=np.float64)
        send = np.empty(2 * n, dtype=np.float64)
        send[0::2] = times
        send[1::2] = senders
        displ = np.zeros(self.size, dtype=np.int64)
        np.cumsum(counts[:-1], out=displ[1:])
        self.comm.Allgatherv(send, [self.buf, counts, displ, MPI.DOUBLE])
        self.seconds += time.perf_counter() - t0
        self.windows += 1
        bad = np.flatnonzero(self.head[:, 0])
        if bad.size:   # a rank that failed itself reports its own error
            r = self.comm.Get_rank() if status else int(bad[0])
            self.failed = (r, int(self.head[r, 0]))
            return self.failed[1]
        g = self.buf[:total]
        self.t = np.ascontiguousarray(g[0::2])
        self.i = g[1::2].astype(np.int64)
        return 0


cdef clif_status _exchange_cb(void *ctx, clif_status status, size_t n, const double *t,
                              const int64_t *i, size_t *n_out, const double **t_out,
                              const int64_t **i_out) noexcept with gil:
    ex = <object>ctx
    try:
        if status == CLIF_OK:
            PyErr_CheckSignals()   # Ctrl-C: stop every rank together
            if ex.interrupt:       # seen by the main thread while this one runs
                raise KeyboardInterrupt
    except BaseException as e:
        ex.error = e
        status = CLIF_E_INTERRUPTED
    try:
        ts = np.asarray(<double[:n]>t) if n else np.empty(0)
        ss = np.asarray(<int64_t[:n]>i) if n else np.empty(0, dtype=np.int64)
        st = ex(int(status), ts, ss)
    except BaseException as e:
        # The collectives themselves failed: the other ranks may be waiting
        # inside one, so only an abort can free them.
        import sys
        print(f"clif: MPI exchange failed ({e!r}); aborting all ranks", file=sys.stderr)
        ex.comm.Abort(1)
        return CLIF_E_INTERRUPTED
    if st != 0:
        return <clif_status>st
    n_out[0] = ex.t.shape[0]
    t_out[0] = <const double *>cnp.PyArray_DATA(ex.t)
    i_out[0] = <const int64_t *>cnp.PyArray_DATA(ex.i)
    return CLIF_OK


cdef class Sim:
    """One network simulation (a clif_net_sim and the arrays it reads)."""
    cdef clif_net net
    cdef clif_net_sim *sim
    cdef clif_net_record rec
    cdef readonly Py_ssize_t n, n_threads, n_src
    cdef volatile int stop   # Ctrl-C seen by the main thread: the kernel's stop flag
    cdef object keep, rec_keep, src_keep
    cdef public object exchange

    def __cinit__(self):
        self.sim = NULL

    def __init__(self, params, I_e, ext_rate, ext_weight, row, target, weight, delay,
                 delay_table, double d_min, int refractory_input, uint64_t seed,
                 Py_ssize_t n_threads, V0, *, int model=0, syn=None, model_of=None,
                 Py_ssize_t n_src=0):
        cdef Py_ssize_t n = I_e.shape[0]
        self.n = n
        self.n_src = n_src
        _need(params, np.float64, (n, 6), "params")
        _need(I_e, np.float64, (n,), "I_e")
        if ext_rate is not None:
            _need(ext_rate, np.float64, (n,), "ext_rate")
            _need(ext_weight, np.float64, (n,), "ext_weight")
        _need(row, np.uint64, (n + n_src + 1,), "row")   # the sources' rows follow
        m = int(row[n + n_src])
        _need(target, np.int32, None, "target")
        _need(weight, np.float32, None, "weight")
        _need(delay, np.uint16, None, "delay")
        if target.shape[0] < m or weight.shape[0] < m or delay.shape[0] < m:
            raise TypeError("connectivity: internal error, arrays shorter than row[-1]")
        _need(delay_table, np.float64, None, "delay_table")
        if V0 is not None:
            _need(V0, np.float64, (n,), "V0")
        if syn is not None:
            _need(syn, np.float64, (n, 2), "syn")
        if model_of is not None:
            _need(model_of, np.uint8, (n,), "model_of")
        self.keep = (params, I_e, ext_rate, ext_weight, row, target, weight, delay,
                     delay_table, V0, syn, model_of)
        self.net.n = n
        self.net.params = <const clif_params *>_p(params)
        self.net.I_e = <const double *>_p(I_e)
        self.net.ext_rate = <const double *>_p(ext_rate)
        self.net.ext_weight = <const double *>_p(ext_weight)
        self.net.row = <const uint64_t *>_p(row)
        self.net.target = <const int32_t *>_p(target)
        self.net.weight = <const float *>_p(weight)
        self.net.delay = <const uint16_t *>_p(delay)
        self.net.delay_table = <const double *>_p(delay_table)
        self.net.n_delays = delay_table.shape[0]
        self.net.d_min = d_min
        self.net.refractory_input = refractory_input
        self.net.seed = seed
        self.net.model = model
        self.net.syn = <const clif_syn_params *>_p(syn)
        self.net.model_of = <const uint8_t *>_p(model_of)
        cdef clif_status st = CLIF_OK
        cdef size_t bad = 0
        cdef const double *v0 = <const double *>_p(V0)
        with nogil:
            self.sim = clif_net_sim_create(&self.net, n_threads, v0, &st, &bad)
        if self.sim == NULL:
            raise_status(st, f"network check failed at index {bad}")
        self.n_threads = max(1, min(n_threads, n))
        self.stop = 0
        clif_net_sim_set_stop(self.sim, &self.stop)
        if n_src:
            self.set_sources(np.empty(0), np.empty(0, dtype=np.int64))

    def set_sources(self, t, src):
        """The spike sources' spikes from now on (see clif_net_sim_set_sources):
        float64 times [ms] and int64 source indices in [0, n_src), sorted by
        (time, source); kept alive here until the next call."""
        cdef Py_ssize_t k = t.shape[0]
        _need(t, np.float64, (k,), "t")
        _need(src, np.int64, (k,), "src")
        cdef size_t bad = 0
        cdef clif_status st = clif_net_sim_set_sources(
            self.sim, self.n_src, k, <const double *>_p(t), <const int64_t *>_p(src), &bad)
        raise_status(st, f"spike sources: check failed at index {bad}")
        self.src_keep = (t, src)

    def set_exchange(self, comm):
        """Exchange every window's spikes with the other ranks of the
        mpi4py communicator comm (see clif_net_sim_set_exchange)."""
        self.exchange = _Exchange(comm)
        clif_net_sim_set_exchange(self.sim, _exchange_cb, <void *>self.exchange)

    def __dealloc__(self):
        if self.sim != NULL:
            clif_net_sim_free(self.sim)
            self.sim = NULL

    @property
    def t(self):
        return clif_net_sim_time(self.sim)

    def states(self):
        """(n, 4) copy of the neuron states (t, t0, V0, t_ref_end)."""
        out = np.empty((self.n, 4), dtype=np.float64)
        cdef const clif_exact_state *s = clif_net_sim_states(self.sim)
        cdef double[:, ::1] o = out
        cdef Py_ssize_t i
        for i in range(self.n):
            o[i, 0] = s[i].t
            o[i, 1] = s[i].t0
            o[i, 2] = s[i].V0
            o[i, 3] = s[i].t_ref_end
        return out

    def model_states(self):
        """(n, 8) copy of the full model states (t, t0, V0, t_ref_end, y[4]),
        or None when every neuron is delta."""
        cdef const clif_model_state *s = clif_net_sim_model_states(self.sim)
        if s == NULL:
            return None
        out = np.empty((self.n, 8), dtype=np.float64)
        cdef double[:, ::1] o = out
        cdef Py_ssize_t i, j
        for i in range(self.n):
            o[i, 0] = s[i].t
            o[i, 1] = s[i].t0
            o[i, 2] = s[i].V0
            o[i, 3] = s[i].t_ref_end
            for j in range(4):
                o[i, 4 + j] = s[i].y[j]
        return out

    def counters(self):
        cdef uint64_t a = 0, b = 0
        clif_net_sim_counters(self.sim, &a, &b)
        return int(a), int(b)

    def _threads(self, double t_stop, list status):
        if self.exchange is not None and self.n_threads == 1:
            # Distributed: Ctrl-C goes through the exchange, so that every
            # rank stops at the same window.
            self._thread(0, t_stop, status)
            return
        # The kernel runs in worker threads even for one, so that the main
        # thread stays free to take Ctrl-C: it then sets the stop flag, the
        # kernel stops after the current window (consistent state, see
        # clif_net_sim_set_stop) and the interrupt is re-raised.
        # The main thread waits in short sleeps, not in Thread.join: a join
        # interrupted by KeyboardInterrupt can return early on a later call
        # while the thread still runs (CPython gh-90882).
        done = [False] * self.n_threads
        ts = [threading.Thread(target=self._thread, args=(j, t_stop, status, done))
              for j in range(self.n_threads)]
        interrupted = False
        self.stop = 0
        started = 0
        while started < len(ts) or not all(done):
            try:
                # Started inside the try: Ctrl-C between two starts must
                # still stop the ones already running.
                while started < len(ts):
                    ts[started].start()
                    started += 1
                time.sleep(0.005)
                # The signal may have gone to a kernel thread: then the
                # sleep is not interrupted and compiled code never looks at
                # the pending handler, so look here.
                PyErr_CheckSignals()
            except KeyboardInterrupt:
                interrupted = True
                if self.exchange is None:
                    self.stop = 1
                else:
                    self.exchange.interrupt = True
        for t in ts[:started]:
            t.join()
        self.stop = 0
        if interrupted and self.exchange is None:
            raise KeyboardInterrupt

    def _thread(self, Py_ssize_t tid, double t_stop, list out, list done=None):
        cdef clif_status st
        with nogil:
            st = clif_net_run(self.sim, tid, t_stop, &self.rec)
        out[tid] = st
        if done is not None:
            done[tid] = True

    def run(self, double t_stop, *, bint record_spikes=True, spike_mask=None,
            Py_ssize_t max_spikes=0, pop_of=None, Py_ssize_t n_pops=0, double bin_t0=0.0,
            double bin_width=1.0, counts=None, V_index=None, sample_t=None, V=None):
        """Advance to t_stop; returns the recorded spikes (times, senders)
        of this run.  counts (n_bins, n_pops) int64 and V (n_samples, n_V)
        float64 are filled in place."""
        cdef clif_net_record *r = &self.rec
        r.record_spikes = record_spikes
        r.spike_mask = <const uint8_t *>_p(spike_mask)
        r.max_spikes = max_spikes
        r.pop_of = <const int32_t *>_p(pop_of)
        r.n_pops = n_pops
        r.bin_t0 = bin_t0
        r.bin_width = bin_width
        r.counts = <int64_t *>_p(counts)
        r.n_bins = 0 if counts is None else counts.shape[0]
        r.n_V = 0 if V_index is None else V_index.shape[0]
        r.V_index = <const int64_t *>_p(V_index)
        r.n_samples = 0 if sample_t is None else sample_t.shape[0]
        r.sample_t = <const double *>_p(sample_t)
        r.V = <double *>_p(V)
        if spike_mask is not None:
            _need(spike_mask, np.uint8, (self.n,), "spike_mask")
        if pop_of is not None:
            _need(pop_of, np.int32, (self.n,), "pop_of")
            _need(counts, np.int64, (r.n_bins, n_pops), "counts")
        if V_index is not None:
            _need(V_index, np.int64, None, "V_index")
            _need(sample_t, np.float64, None, "sample_t")
            _need(V, np.float64, (r.n_samples, r.n_V), "V")
        self.rec_keep = (spike_mask, pop_of, counts, V_index, sample_t, V)
        status = [0] * self.n_threads
        ex = self.exchange
        old_int = None
        if ex is not None:
            ex.interrupt = False
        if (ex is not None and threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
            # Ctrl-C only sets a flag, read by whichever thread exchanges at
            # its next window: a KeyboardInterrupt inside a collective would
            # leave the other ranks waiting in it.
            old_int = signal.signal(signal.SIGINT, ex._on_sigint)
        try:
            self._threads(t_stop, status)
        except KeyboardInterrupt:
            # Stopped at a window boundary (self.t): this call's recorded
            # spikes and counts are dropped with it, so that a run from
            # self.t on records exactly what an uninterrupted run records
            # from there.
            self._take_spikes()
            self.rec_keep = None
            raise
        finally:
            if old_int is not None:
                signal.signal(signal.SIGINT, old_int)
        self.rec_keep = None
        st = status[0]
        if ex is not None:
            if ex.failed is None and ex.error is None:
                # Closing exchange: a failure after this rank's last exchange
                # (recording, or Ctrl-C after the last window) reaches the
                # others at their next window or their own closing exchange,
                # so no rank waits forever.
                if st == CLIF_OK and ex.interrupt:
                    st = CLIF_E_INTERRUPTED
                    ex.error = KeyboardInterrupt()
                ex(int(st), np.empty(0), np.empty(0, dtype=np.int64))
                ex.windows -= 1
                if ex.failed is not None and ex.failed[0] == ex.comm.Get_rank():
                    ex.failed = None
        if ex is not None and ex.error is not None:
            e, ex.error = ex.error, None
            raise e
        if ex is not None and ex.failed is not None and ex.failed[0] != ex.comm.Get_rank():
            rank, code = ex.failed
            ex.failed = None
            raise RankFailed(int(code), f"MPI rank {rank} failed in the network run "
                             f"(status {code}); every rank stopped at the same window")
        if st == CLIF_E_CAPACITY:
            raise SpikeLimitError(int(st), f"the run records more than max_spikes={max_spikes} "
                                  "spikes (16 bytes each); pass a larger max_spikes, record "
                                  "fewer neurons or a shorter time")
        raise_status(<clif_status>st, "network run")
        return self._take_spikes()

    def _take_spikes(self):
        cdef size_t k = clif_net_sim_n_spikes(self.sim)
        times = np.empty(k, dtype=np.float64)
        senders = np.empty(k, dtype=np.int64)
        clif_net_sim_spikes(self.sim, <double *>_p(times), <int64_t *>_p(senders), 1)
        return times, senders
