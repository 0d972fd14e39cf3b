"""Networks of exact LIF neurons with delayed synapses: delta pulses or
synaptic currents (``model=`` per population, :mod:`clif.models`).

``clif.Network`` -> ``clif._network`` -> ``src_c/network.c``, which advances
every neuron with the exact single-neuron kernel of :func:`clif.simulate`
(``clif_exact_advance``, or the current models' ``clif_model_advance``)
window by window.

Weights are in the unit of the *target* neuron's model: mV for ``delta``
(a pulse moves V), nA for ``psc_exp`` / ``psc_alpha`` (a pulse adds to the
synaptic current of the receptor given by the weight's sign, NEST's rule;
NEST writes pA).  During refractoriness the synaptic currents keep decaying
and taking input; only V is held.

How it works
------------
Time is cut into windows of length ``d_min`` (the smallest delay).  No spike
emitted inside a window arrives inside it, so within a window the neurons
are independent: each integrates its time-sorted incoming pulses exactly.
The window's spikes are then delivered with exact arrival times
``t_spike + delay`` to ring buffers of later windows.  Spike times are
exact to rounding, as in :func:`clif.simulate`; same-time pulses on one
neuron are all added before the threshold decides, in the canonical order
(arrival time, spike time, sender, synapse position), so runs are
bit-identical whatever ``n_threads``.  Refractoriness and same-time rules
are those of :func:`clif.simulate`.

Storage: CSR by presynaptic neuron with int32 targets, float32 weights [mV or nA]
(the simulation uses exactly the float32 values) and uint16 indices into a
table of distinct delays [ms] (at most 65535 distinct values; round delays to
a resolution if you have more): 10 bytes per synapse plus 8 per neuron.

External Poisson input (rate [Hz], weight [mV or nA] per neuron) has exact event
times: neuron ``g``'s ``j``-th interval is ``E_j * 1000 / rate`` with
``E_j = clif.random.exponential(1, seed, stream=clif.network.EXT_STREAM + g,
start=j)[0]`` (``-log(u_j)`` of the uniform stream, with clif's own
vectorised logarithm; counter-based, so independent of threads).  White noise
(``sigma``) is not supported in networks: it needs a time grid and so
cannot give exact spike times; use Poisson input (the diffusion limit of
many small Poisson inputs is the white-noise model of
:func:`clif.siegert_rate`).

Spike sources (:meth:`Network.add_spike_source`, :meth:`Network.add_poisson_source`)
are presynaptic nodes that are not neurons: given spike trains or exact
Poisson trains, delivered like a neuron's spikes (``t + delay``, every delay
>= ``d_min``; after a neuron's spike of the same time), not part of the
results.

Units: ms, mV, nA, nF, MOhm; rates in Hz.
"""
import numbers
import sys
import time

import numpy as np

from clif import _network
from clif._network import MAX_EXT_RATE  # noqa: F401  (public: add_population's bound)
from clif import models as _models
from clif.params import (UNSET, as_indices, as_int, as_max_spikes, as_threads, check_bytes,
                         population, refractory_code, renamed)
from clif.random import resolve_seed
from clif.spikes import Spikes

__all__ = ["Network", "NetworkResult", "Sources", "brunel", "brunel_prediction", "random_connectome",
           "SpikeLimitError", "EXT_STREAM"]

EXT_STREAM = _network.EXT_STREAM
SpikeLimitError = _network.SpikeLimitError
_PARAM_ORDER = ("tau_m", "R_m", "E_L", "V_th", "V_reset", "t_ref")


#: Up-front bounds on the work one run may be asked for (see Network.run).
_MAX_WINDOWS = 1e10
_MAX_DELAY_RATIO = 1e7   # the C core's ring-buffer bound (network.c)


def _real(name, x):
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(x).__name__}")
    return float(x)


def _per_synapse(name, x, m, unit):
    """``x`` as finite float64, a scalar or one value per synapse (m)."""
    a = np.asarray(x, dtype=np.float64)
    if a.ndim > 1 or (a.ndim == 1 and a.size not in (1, m)):
        raise ValueError(f"{name} must be a scalar or have one value per synapse ({m}); "
                         f"got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite ({unit}); got NaN or inf")
    return a


def _indices(name, x, n):
    return as_indices(name, x, n, "the network's neurons").astype(np.int32)


def _progress_stderr(done, total, stage):
    sys.stderr.write(f"\rclif.network {stage}: {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


class Sources:
    """Spike sources of a :class:`Network` (from :meth:`Network.add_spike_source`
    or :meth:`Network.add_poisson_source`): presynaptic nodes that are not
    neurons.  Pass one (or a part of one: ``src[3]``, ``src[:10]``,
    ``src[[0, 4]]``) as ``pre`` to :meth:`Network.connect`.  Their index
    space is separate from the neurons' (``indices``: positions among all of
    the network's sources); their spikes are inputs, not results, and do
    not appear in :class:`NetworkResult`."""

    def __init__(self, name, indices):
        self.name = name
        self.indices = np.asarray(indices, dtype=np.int32)

    def __len__(self):
        return self.indices.size

    def __getitem__(self, k):
        sub = self.indices[k]
        return Sources(self.name, np.atleast_1d(sub))

    def __repr__(self):
        return f"Sources({self.name!r}, n={len(self)})"


_SRC_KEY = 0x5352435F   # "SRC_": the Poisson sources' SeedSequence spawn key
_SRC_BLOCK = 1000.0     # ms: Poisson sources are drawn in blocks of this length


class NetworkResult:
    """What :meth:`Network.run` returns.

    Attributes
    ----------
    spikes : clif.Spikes
        Recorded spikes (global neuron indices; ``spikes.n`` = network size).
    rate_times : ndarray or None
        Left edges of the rate bins [ms].
    rates : dict of str -> ndarray or None
        Population rates [Hz] per bin (spikes / (size * bin width)).
    V_times : ndarray or None
        Sample times [ms]; ``V`` (n_samples, n_recorded) [mV], columns in the
        order of ``V_neurons``.
    V_neurons : ndarray or None
    seed : int
    wall_time : float
        Seconds of the run (not counting the build).
    synaptic_events, external_events : int
        Pulses delivered from recurrent synapses and from external Poisson
        input during this run.
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self):
        return (f"NetworkResult({len(self.spikes)} spikes, t=[{self.spikes.t_start}, "
                f"{self.spikes.t_stop}) ms, {self.wall_time:.3g} s)")


class Network:
    """A network of LIF populations with delayed delta or current synapses, simulated
    with exact spike times.

    Parameters
    ----------
    seed : None, int, SeedSequence or Generator
        Key of every random stream (external Poisson input, generators).
    d_min : float, optional
        Window length [ms] (> 0); every delay must be >= d_min.  Default: the
        smallest delay in the network (1 ms if there are no synapses).
    refractory_input : {"drop", "integrate"}
        Fate of pulses arriving during refractoriness (see clif.simulate).

    Examples
    --------
    >>> import clif
    >>> net = clif.Network(seed=1)
    >>> a = net.add_population(1, I_e=1.5)          # fires regularly
    >>> b = net.add_population(1)                   # silent unless driven
    >>> net.connect(a, b, weight=25.0, delay=2.0)    # 25 mV: b fires 2 ms after a
    >>> res = net.run(100.0)
    >>> res.spikes.counts().tolist()
    [4, 4]
    """

    def __init__(self, seed=None, d_min=None, refractory_input="drop", comm="auto"):
        self.seed = resolve_seed(seed)
        self.comm = _mpi_comm(comm)
        if d_min is not None:
            d_min = _real("d_min", d_min)
            if not (np.isfinite(d_min) and d_min > 0):
                raise ValueError(f"d_min must be finite and > 0 ms; got {d_min}")
        self.d_min = d_min
        refractory_code(refractory_input)
        self.refractory_input = refractory_input
        self.n = 0
        self.populations = {}  # name -> range
        self._pars = []        # per population: dict of arrays
        self._models = []      # per population: model name
        self._chunks = []      # (pre int32, post int32, weight float32, delay index uint16)
        self._csr = None       # (row, target, weight, delay index) given directly
        self._delays = {}      # delay value -> index
        self.n_sources = 0
        self.sources = {}      # name -> Sources
        self._src_chunks = []  # (source index int32, post, weight, delay index)
        self._src_arrays = []  # (times, source index): given trains
        self._src_poisson = [] # (first, n, rate [Hz], start, stop [ms], key)
        self._src_cache = {}
        self._sim = None
        self._sim_threads = None
        self.build_time = 0.0

    # ---- building ----------------------------------------------------------
    def _frozen(self):
        if self._sim is not None:
            raise RuntimeError("the network has been run; call reset() before changing it")

    def add_population(self, n, *, model="delta", neuron=None, I_e=None, V0=None,
                       ext_rate=0.0, ext_weight=0.0, name=None, **params):
        """Add ``n`` neurons; returns their global indices (a ``range``).

        Parameters
        ----------
        n : int
        model : {"delta", "psc_exp", "psc_alpha"}
            The neurons' synapse model (:mod:`clif.models`).  It sets the
            unit of every weight *onto* these neurons: mV for ``"delta"``,
            nA for the current models (whose receptor is the weight's sign:
            ``w >= 0`` excitatory, NEST's rule).  Populations of different
            models may share a network.
        tau_syn_ex, tau_syn_in : float or array_like
            Synaptic time constants [ms] of the current models (PyNN's
            ``tau_syn_E``/``tau_syn_I`` accepted; default 2 ms).
        neuron : clif.LIF, optional
            Parameters as an object (else keywords ``tau_m`` [ms], ``C_m``
            [nF], ``R_m`` [MOhm], ``E_L``, ``V_th``, ``V_reset`` [mV],
            ``t_ref`` [ms], scalars or per neuron).
        I_e : float or array_like
            Constant current [nA].
        V0 : float or array_like, optional
            Initial V [mV] (default ``E_L``).
        ext_rate : float or array_like
            External Poisson input rate [Hz] per neuron (0: none), in
            ``[0, 1e9]`` (``clif.network.MAX_EXT_RATE``).
        ext_weight : float or array_like
            Its weight (any sign) in the model's unit: [mV] for delta, [nA]
            for the current models.
        name : str, optional
            Population name (default ``"pop<k>"``), the key of the rates.
        """
        self._frozen()
        n = as_int("n", n, 1, 2**31 - 1 - self.n)
        spec = _models.get(model)
        syn_kw = _models.take_syn_kwargs(params)
        n, par = population(n, neuron, I_e, **params)
        syn = _models.split_params(spec, n, syn_kw)
        if spec.current_based and self.refractory_input != "drop":
            raise ValueError(f"refractory_input={self.refractory_input!r} applies to delta "
                             f"pulses only; model={spec.name!r} needs refractory_input='drop' "
                             "(its synaptic currents keep integrating input during "
                             "refractoriness)")
        par["model"] = np.full(n, spec.id, dtype=np.uint8)
        for p in _models.MODELS["psc_exp"].params:
            par[p.name] = syn.get(p.name, np.full(n, p.default))
        for key, val, unit in (("V0", V0, "mV"), ("ext_rate", ext_rate, "Hz"),
                               ("ext_weight", ext_weight, spec.weight_unit)):
            if val is None:
                par[key] = par["E_L"].copy()
                continue
            a = np.asarray(val, dtype=np.float64)
            if a.ndim > 1 or (a.ndim == 1 and a.size not in (1, n)):
                raise ValueError(f"{key} must be a scalar or have length {n}; got shape {a.shape}")
            a = np.ascontiguousarray(np.broadcast_to(a, (n,)))
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{key} must be finite ({unit})")
            par[key] = a
        bad = (par["ext_rate"] < 0) | (par["ext_rate"] > _network.MAX_EXT_RATE)
        if np.any(bad):
            raise ValueError(f"ext_rate must lie in [0, {_network.MAX_EXT_RATE:g}] Hz (a mean "
                             f"interval of 1 ns at most); got {par['ext_rate'][bad][0]:g}")
        name = f"pop{len(self._pars)}" if name is None else str(name)
        if name in self.populations:
            raise ValueError(f"population name {name!r} is already used")
        r = range(self.n, self.n + n)
        self.populations[name] = r
        self._pars.append(par)
        self._models.append(spec.name)
        self.n += n
        return r

    def _add_sources(self, n, name):
        n = as_int("n", n, 1, 2**31 - 1 - self.n_sources)
        name = f"src{len(self.sources)}" if name is None else str(name)
        if name in self.sources or name in self.populations:
            raise ValueError(f"name {name!r} is already used")
        src = Sources(name, np.arange(self.n_sources, self.n_sources + n))
        self.sources[name] = src
        self.n_sources += n
        return src

    def add_spike_source(self, trains, *, name=None):
        """Add spike sources that emit given spike times (NEST's
        ``spike_generator``, PyNN's ``SpikeSourceArray``).

        Parameters
        ----------
        trains : sequence of array_like
            One array of spike times [ms] per source: finite, >= 0, sorted
            (repeats allowed: a repeated time delivers the pulse twice).
        name : str, optional
            Default ``"src<k>"``.

        Returns
        -------
        Sources
            The new sources, to pass as ``pre`` to :meth:`connect`.  A source
            spike at ``t`` arrives at ``t + delay`` exactly, after a neuron's
            spike of the same time (canonical order).
        """
        self._frozen()
        if isinstance(trains, np.ndarray) and trains.ndim == 1 and trains.dtype != object:
            raise TypeError("trains must be a sequence of arrays (one per source); for one "
                            "source pass [times]")
        trains = [np.asarray(tr, dtype=np.float64).reshape(-1) for tr in trains]
        for k, tr in enumerate(trains):
            if tr.size and not (np.all(np.isfinite(tr)) and tr.min() >= 0.0):
                raise ValueError(f"trains[{k}]: spike times must be finite and >= 0 ms")
            if np.any(np.diff(tr) < 0):
                raise ValueError(f"trains[{k}]: spike times must be sorted (ms)")
        src = self._add_sources(len(trains), name)
        t = np.concatenate(trains) if trains else np.empty(0)
        i = np.repeat(src.indices.astype(np.int64), [tr.size for tr in trains])
        o = np.lexsort((i, t))
        self._src_arrays.append((np.ascontiguousarray(t[o]), np.ascontiguousarray(i[o])))
        return src

    def add_poisson_source(self, n, rate, *, start=0.0, stop=np.inf, name=None):
        """Add ``n`` independent Poisson spike sources (NEST's
        ``poisson_generator`` with one output per target group, PyNN's
        ``SpikeSourcePoisson``) of ``rate`` [Hz] in ``[start, stop)`` [ms].

        The spike times are exact (continuous, not on a grid) and fixed by
        the network's seed: they are drawn in blocks of 1000 ms, each from
        numpy's PCG64 seeded with ``SeedSequence(seed, spawn_key=(0x5352435F,
        k, block))`` (``k``: this call's position among the Poisson sources),
        so they do not depend on threads, MPI ranks or how a run is split.
        Each source's spikes reach all its targets (one train per source).

        Returns
        -------
        Sources
        """
        self._frozen()
        rate = _real("rate", rate)
        if not (np.isfinite(rate) and rate >= 0):
            raise ValueError(f"rate must be finite and >= 0 Hz; got {rate}")
        start, stop = _real("start", start), _real("stop", stop)
        if not (np.isfinite(start) and start >= 0 and stop >= start) or np.isnan(stop):
            raise ValueError(f"need 0 <= start <= stop (ms, stop may be inf); got start="
                             f"{start}, stop={stop}")
        src = self._add_sources(n, name)
        self._src_poisson.append((int(src.indices[0]), len(src), rate, start, stop,
                                  len(self._src_poisson)))
        return src

    def _poisson_block(self, g, b):
        key = (g, b)
        if key not in self._src_cache:
            first, n, rate, start, stop, k = self._src_poisson[g]
            lo, hi = max(b * _SRC_BLOCK, start), min((b + 1) * _SRC_BLOCK, stop)
            rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(
                self.seed, spawn_key=(_SRC_KEY, k, b))))
            cnt = rng.poisson(rate * max(hi - lo, 0.0) / 1000.0, size=n)
            t = lo + (hi - lo) * rng.random(int(cnt.sum()))
            i = np.repeat(np.arange(first, first + n, dtype=np.int64), cnt)
            if len(self._src_cache) > 64:
                self._src_cache.clear()
            self._src_cache[key] = (t, i)
        return self._src_cache[key]

    def _source_spikes(self, t0, t1):
        """All sources' spikes in [t0, t1), sorted by (time, source)."""
        ts, xs = [], []
        for t, i in self._src_arrays:
            a, b = np.searchsorted(t, [t0, t1], "left")
            ts.append(t[a:b])
            xs.append(i[a:b])
        for g, (_, _, rate, start, stop, _) in enumerate(self._src_poisson):
            lo, hi = max(t0, start), min(t1, stop)
            if rate == 0 or hi <= lo:
                continue
            for b in range(int(lo // _SRC_BLOCK), int(np.ceil(hi / _SRC_BLOCK))):
                t, i = self._poisson_block(g, b)
                sel = (t >= t0) & (t < t1)
                ts.append(t[sel])
                xs.append(i[sel])
        t = np.concatenate(ts) if ts else np.empty(0)
        i = np.concatenate(xs) if xs else np.empty(0, dtype=np.int64)
        o = np.lexsort((i, t))
        return np.ascontiguousarray(t[o]), np.ascontiguousarray(i[o], dtype=np.int64)

    def _delay_index(self, delay, m):
        d = _per_synapse("delay", delay, m, "ms")
        if np.any(d <= 0):
            raise ValueError(f"delay must be > 0 ms; got {float(d[d <= 0].flat[0])!r}")
        if self.d_min is not None and np.any(d < self.d_min):
            raise ValueError(f"delay must be >= d_min = {self.d_min} ms; got "
                             f"{float(d[d < self.d_min].flat[0])!r}")
        uniq, inv = np.unique(d, return_inverse=True)
        new = [v for v in uniq.tolist() if v not in self._delays]
        if len(self._delays) + len(new) > _network.MAX_DELAYS:
            raise ValueError(f"more than {_network.MAX_DELAYS} distinct delays; round the "
                             "delays to a resolution (e.g. np.round(delay, 3))")
        for v in new:
            self._delays[v] = len(self._delays)
        table = np.array([self._delays[v] for v in uniq.tolist()], dtype=np.uint16)
        idx = table[inv.reshape(-1)]
        return np.ascontiguousarray(np.broadcast_to(idx, (m,)) if idx.size == 1 else idx)

    @staticmethod
    def _weights(weight, m):
        w = _per_synapse("weight", weight, m, "mV")
        if np.any(np.abs(w) > np.finfo(np.float32).max):
            raise ValueError("weight does not fit float32")
        return np.ascontiguousarray(np.broadcast_to(w.astype(np.float32), (m,)))

    def connect(self, pre, post, weight, delay):
        """Add synapses ``pre[k] -> post[k]`` (global indices) with weights
        (stored as float32; [mV] onto delta neurons, [nA] onto current-model
        neurons) and delays [ms] (scalars broadcast).
        Multapses and autapses are allowed.  ``pre`` may be :class:`Sources`
        (all of them or a part: ``src[k]``, ``src[a:b]``)."""
        self._frozen()
        if isinstance(post, Sources):
            raise TypeError("post must be neuron indices; spike sources receive no synapses")
        from_src = isinstance(pre, Sources)
        pre = pre.indices if from_src else _indices("pre", pre, self.n)
        post = _indices("post", post, self.n)
        if pre.size == 1 and post.size > 1:
            pre = np.full(post.size, pre[0], dtype=np.int32)
        if post.size == 1 and pre.size > 1:
            post = np.full(pre.size, post[0], dtype=np.int32)
        if pre.shape != post.shape:
            raise ValueError(f"pre and post must have the same length; got {pre.size} and "
                             f"{post.size}")
        m = pre.size
        w = self._weights(weight, m)
        d = self._delay_index(delay, m)
        (self._src_chunks if from_src else self._chunks).append((pre, post, w, d))
        return m

    def connect_sparse(self, matrix, delay, pre=None, post=None):
        """Add the synapses of a scipy.sparse matrix: entry ``[i, j]`` is the
        weight [mV or nA, the target's model's unit] from presynaptic ``pre[i]`` to postsynaptic ``post[j]``
        (default: global indices ``i``, ``j``); explicit zeros are synapses.
        ``delay`` [ms] is one value for the projection or one per stored
        entry (in COO order)."""
        import scipy.sparse as sp
        if not sp.issparse(matrix):
            raise TypeError(f"matrix must be a scipy.sparse matrix; got {type(matrix).__name__}")
        coo = matrix.tocoo()
        rows = np.arange(self.n) if pre is None else pre if isinstance(pre, Sources) else \
            np.asarray(pre)
        cols = np.arange(self.n) if post is None else np.asarray(post)
        if coo.shape[0] > len(rows) or coo.shape[1] > len(cols):
            raise IndexError(f"matrix of shape {coo.shape} does not fit the pre/post neurons "
                             f"({len(rows)}, {len(cols)})")
        return self.connect(rows[coo.row], cols[coo.col], coo.data, delay)

    def set_csr(self, row, target, weight, delay, progress=None):
        """Set the whole connectivity as a CSR by presynaptic neuron: row
        offsets (n + 1), targets, weights [the target's model's unit] and delays [ms] (scalar or per
        synapse).  Rows need not be sorted (they are sorted by target, stably)."""
        self._frozen()
        row = np.ascontiguousarray(row, dtype=np.uint64)
        if row.shape != (self.n + 1,) or row[0] != 0 or np.any(np.diff(row.astype(np.int64)) < 0):
            raise ValueError(f"row must be {self.n + 1} non-decreasing offsets from 0")
        m = int(row[-1])
        target = np.asarray(target)
        if target.shape != (m,):
            raise ValueError(f"target must have row[-1] = {m} entries; got {target.shape}")
        if target.dtype != np.int32:
            target = _indices("target", target, self.n)
        elif m and (target.min() < 0 or target.max() >= self.n):
            raise IndexError(f"target must lie in [0, {self.n})")
        w = self._weights(weight, m)
        d = self._delay_index(delay, m)
        _network.sort_rows(row, target, w, d)
        self._csr = (row, target, w, d)

    def reset(self):
        """Forget the simulation state (the next run starts at t = 0)."""
        self._sim = None

    @property
    def n_synapses(self):
        m = sum(c[0].size for c in self._chunks + self._src_chunks)
        return m + (int(self._csr[0][-1]) if self._csr is not None else 0)

    def _finalize(self, n_threads, progress):
        t0 = time.perf_counter()
        if self.n == 0:
            raise ValueError("the network has no neurons; add_population first")
        ns = self.n_sources
        if (self._chunks or self._src_chunks or self._csr is None
                or self._csr[0].size != self.n + ns + 1):
            chunks = list(self._chunks)
            chunks += [(p + np.int32(self.n), q, w, d) for p, q, w, d in self._src_chunks]
            if self._csr is not None:
                row, tgt, w, d = self._csr
                pre = np.repeat(np.arange(row.size - 1, dtype=np.int32),
                                np.diff(row.astype(np.int64)))
                chunks.insert(0, (pre, tgt, w, d))
            cat = [np.concatenate([c[k] for c in chunks]) if chunks else
                   np.empty(0, dtype=dt) for k, dt in
                   enumerate((np.int32, np.int32, np.float32, np.uint16))]
            if progress:
                progress(0, 1, "build")
            self._csr = _network.csr_from_coo(self.n + ns, *cat)
            self._chunks, self._src_chunks = [], []
            if progress:
                progress(1, 1, "build")
        table = np.empty(len(self._delays), dtype=np.float64)
        for v, i in self._delays.items():
            table[i] = v
        d_min = self.d_min
        if d_min is None:
            d_min = float(table.min()) if table.size else 1.0
        if table.size and table.min() < d_min:
            raise ValueError(f"delay must be >= d_min = {d_min} ms; got {table.min()!r}")
        if table.size and not table.max() / d_min < _MAX_DELAY_RATIO:
            # The ring buffer holds one slot per window up to the longest delay.
            raise ValueError(f"the longest delay ({float(table.max())!r} ms) is "
                             f"{table.max() / d_min:.3g} windows of d_min = {d_min!r} ms; "
                             f"clif supports < {_MAX_DELAY_RATIO:.0e} (raise the shortest "
                             "delay or set a larger d_min)")
        par = {k: np.concatenate([p[k] for p in self._pars]) for k in self._pars[0]}
        params = np.ascontiguousarray(np.stack([par[k] for k in _PARAM_ORDER], axis=1))
        ext = par["ext_rate"]
        has_ext = bool(np.any(ext > 0))
        row, tgt, w, d = self._csr
        model_of = par["model"]
        model = int(model_of[0])
        uniform = bool(np.all(model_of == model))
        syn = None
        if np.any(model_of != _models.MODELS["delta"].id):
            syn = np.ascontiguousarray(np.stack([par["tau_syn_ex"], par["tau_syn_in"]], axis=1))
        I_e, V0 = par["I_e"], par["V0"]
        if self.comm is not None:
            row, tgt, w, d, I_e, ext, V0 = self._local_part(row, tgt, w, d, I_e, ext, V0, par)
        self._sim = _network.Sim(params, I_e, ext if has_ext else None,
                                 par["ext_weight"] if has_ext else None, row, tgt, w, d, table,
                                 d_min, refractory_code(self.refractory_input), self.seed,
                                 n_threads, V0, model=model, syn=syn,
                                 model_of=None if uniform else model_of, n_src=ns)
        if self.comm is not None:
            self._sim.set_exchange(self.comm)
        self._sim_threads = n_threads
        self._d_min_used = d_min
        self.build_time += time.perf_counter() - t0

    def local_range(self):
        """This MPI rank's neurons ``[lo, hi)`` (all neurons without MPI).

        Ranks own contiguous ranges balanced by incoming synapses (of the
        connectivity built so far on this rank, which must then be the same
        on every rank); a rank stores and integrates only its neurons and the
        synapses onto them.  Fixed at the first call or the first run."""
        if getattr(self, "_range", None) is None:
            if self.comm is None or self.comm.Get_size() == 1:
                self._range = (0, self.n)
            else:
                tg = [c[1] for c in self._chunks]
                if self._csr is not None:
                    tg.append(self._csr[1])
                ind = np.bincount(np.concatenate(tg), minlength=self.n) if tg else \
                    np.zeros(self.n, np.int64)
                self._set_range(ind)
        return self._range

    def _set_range(self, indegree):
        """Fix this rank's range from the in-degree of every neuron (what a
        generator knows, or counts, before it builds only its share)."""
        if self.comm is None or self.comm.Get_size() == 1:
            self._range = (0, self.n)
            return self._range
        cum = np.cumsum(np.asarray(indegree, dtype=np.float64) + 1.0)   # +1: neurons cost too
        K, r = self.comm.Get_size(), self.comm.Get_rank()
        cuts = np.searchsorted(cum, cum[-1] * np.arange(K + 1) / K)
        cuts[0], cuts[-1] = 0, self.n
        self._range = (int(cuts[r]), int(cuts[r + 1]))
        return self._range

    def _local_part(self, row, tgt, w, d, I_e, ext, V0, par):
        # Keep only the synapses onto this rank's neurons; the other neurons
        # stay in the arrays (indices are global) but get no drive, start at
        # rest and receive nothing, so they never spike here.
        lo, hi = self.local_range()
        out = np.ones(self.n, dtype=bool)
        out[lo:hi] = False
        I_e, ext, V0 = I_e.copy(), ext.copy(), V0.copy()
        I_e[out] = 0.0
        ext[out] = 0.0
        V0[out] = par["E_L"][out]
        if tgt.size == 0 or (int(tgt.min()) >= lo and int(tgt.max()) < hi):
            # Built locally already (generators, local connect): no copy.
            return row, tgt, w, d, I_e, ext, V0
        keep = (tgt >= lo) & (tgt < hi)
        cs = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
        r = row.astype(np.int64)
        cnt = cs[r[1:]] - cs[r[:-1]]
        row2 = np.zeros(row.size, dtype=np.uint64)   # the sources' rows too
        np.cumsum(cnt, out=row2[1:])
        return (row2, np.ascontiguousarray(tgt[keep]), np.ascontiguousarray(w[keep]),
                np.ascontiguousarray(d[keep]), I_e, ext, V0)

    # ---- running -------------------------------------------------------------
    @property
    def t(self):
        """Current time [ms] (0 before the first run)."""
        return 0.0 if self._sim is None else self._sim.t

    def run(self, until, *, record_spikes="all", rate_bin=None, record_V=None, V_dt=1.0,
            n_threads=1, max_spikes=None, progress=None, record=UNSET):
        """Advance the network to ``until`` [ms] (runs resume where the last
        ended; splitting a run gives bit-identical spikes).

        Parameters
        ----------
        until : float
            End time [ms].
        record_spikes : "all", None or array_like of int
            Neurons whose spikes are recorded.
        rate_bin : float, optional
            Bin width [ms] of the population rates (all neurons count,
            whatever ``record_spikes``).
        record_V : array_like of int, optional
            A few neurons whose V [mV] is sampled every ``V_dt`` ms from the
            run's start (V before events at the sample time).
        n_threads : int
            Threads (results are identical whatever the number).  Changing it
            between runs restarts nothing but needs a new simulation object,
            so it only applies from the first run after :meth:`reset`.
        max_spikes : int, optional
            Bound on recorded spikes (16 bytes each; default None:
            ``clif.params.default_max_spikes()``, about 1/128 of physical
            memory in spikes, within [10^6, 10^9]): a run exceeding it
            raises SpikeLimitError (nothing is dropped silently).
            Rates cost 8 bytes per bin and population, V 8 bytes per sample.
        progress : callable or True, optional
            ``progress(done, total, stage)`` during the build and every
            ~5% of the run; ``True`` prints a line to stderr.
        record : deprecated
            The old name of ``record_spikes`` (it meant V traces in
            simulate_noisy): still accepted for one release, with a
            DeprecationWarning.

        Returns
        -------
        NetworkResult
        """
        record = renamed("record_spikes", record_spikes, "record", record, default="all")
        if self.comm is None:
            return self._run(until, record, rate_bin, record_V, V_dt, n_threads, max_spikes,
                             progress)
        self._agreed = False
        try:
            return self._run(until, record, rate_bin, record_V, V_dt, n_threads, max_spikes,
                             progress)
        except Exception as e:
            if not self._agreed:   # failed before the first collective: tell the others
                self._agree(e, None)
            raise

    def _agree(self, err, until):
        # Every rank agrees on its inputs before the first collective, so bad
        # input on one rank raises on all instead of leaving them waiting.
        self._agreed = True
        msg = None if err is None else f"{type(err).__name__}: {err}"
        got = self.comm.allgather((msg, until))
        if err is not None:
            raise err
        for r, (m, _) in enumerate(got):
            if m is not None:
                raise _network.RankFailed(-1, f"MPI rank {r} failed before the network run "
                                          f"({m}); every rank stopped")
        if len({u for _, u in got}) > 1:
            raise ValueError(f"until must be the same on every MPI rank; got "
                             f"{[u for _, u in got]} ms")

    def _run(self, until, record, rate_bin, record_V, V_dt, n_threads, max_spikes, progress):
        if progress is True:
            progress = _progress_stderr
        n_threads = as_threads(n_threads)
        if self._sim is None:
            self._finalize(n_threads, progress)
        sim = self._sim
        t_start = sim.t
        until = _real("until", until)
        if not (np.isfinite(until) and until >= t_start):
            raise ValueError(f"until must be finite and >= the current time {t_start} ms; "
                             f"got {until}")
        max_spikes = as_max_spikes(max_spikes)
        windows = (until - t_start) / self._d_min_used
        if not windows <= _MAX_WINDOWS:
            raise ValueError(f"run({until!r}) from t = {t_start!r} ms is {windows:.3g} windows "
                             f"of d_min = {self._d_min_used!r} ms (the shortest delay), more "
                             f"than {_MAX_WINDOWS:.0e} (hours of work at the least); use longer "
                             "delays (set d_min), or run(until) in several calls if meant")
        mask = None
        if record is None:
            rec_spikes = False
        elif isinstance(record, str):
            if record != "all":
                raise ValueError(f"record_spikes must be 'all', None or neuron indices; got "
                                 f"{record!r}")
            rec_spikes = True
        else:
            rec_spikes = True
            mask = np.zeros(self.n, dtype=np.uint8)
            mask[_indices("record_spikes", record, self.n)] = 1
        pop_of = counts = None
        names = list(self.populations)
        if rate_bin is not None:
            rate_bin = _real("rate_bin", rate_bin)
            if not (np.isfinite(rate_bin) and rate_bin > 0):
                raise ValueError(f"rate_bin must be > 0 ms; got {rate_bin}")
            n_bins = np.ceil((until - t_start) / rate_bin)
            check_bytes("rate_bin", 8.0 * n_bins * len(names),
                        f"{n_bins:.3g} bins of {rate_bin!r} ms x {len(names)} populations")
            n_bins = int(n_bins)
            pop_of = np.concatenate([np.full(len(r), k, dtype=np.int32)
                                     for k, r in enumerate(self.populations.values())])
            counts = np.zeros((n_bins, len(names)), dtype=np.int64)
        V_index = sample_t = V = None
        if record_V is not None:
            V_index = np.asarray(_indices("record_V", record_V, self.n), dtype=np.int64)
            if np.any(np.diff(V_index) <= 0):
                raise ValueError("record_V must be strictly increasing neuron indices")
            V_dt = _real("V_dt", V_dt)
            if not (np.isfinite(V_dt) and V_dt > 0):
                raise ValueError(f"V_dt must be > 0 ms; got {V_dt}")
            n_samples = np.ceil((until - t_start) / V_dt) + 1
            check_bytes("V_dt", 8.0 * n_samples * (V_index.size + 2),
                        f"{n_samples:.3g} samples every {V_dt!r} ms x {V_index.size} neurons")
            k = np.arange(int(n_samples))
            sample_t = t_start + k * V_dt
            sample_t = np.ascontiguousarray(sample_t[sample_t < until])
            V = np.full((sample_t.size, V_index.size), np.nan)
        if self.comm is not None:
            self._agree(None, until)
            from mpi4py import MPI   # the limit acts after the exchange: one for all ranks
            max_spikes = self.comm.allreduce(max_spikes, op=MPI.MIN)
        # Advance in pieces only to report progress: splitting is exact.
        pieces = [until]
        if progress and until > t_start:
            pieces = list(np.linspace(t_start, until, 21)[1:])
        all_t, all_i = [], []
        w0 = time.perf_counter()
        ev0 = sim.counters()
        done = 0
        for p in pieces:
            if self.n_sources:   # this piece's source spikes (the sim keeps no copy)
                sim.set_sources(*self._source_spikes(sim.t, p))
            if sample_t is None:
                ts, ss = sim.run(p, record_spikes=rec_spikes, spike_mask=mask,
                                 max_spikes=max_spikes - done, pop_of=pop_of, n_pops=len(names),
                                 bin_t0=t_start, bin_width=rate_bin or 1.0, counts=counts)
            else:
                sel = slice(np.searchsorted(sample_t, sim.t, "left"),
                            np.searchsorted(sample_t, p, "left"))
                ts, ss = self._run_piece(sim, p, rec_spikes, mask, max_spikes - done, pop_of,
                                         names, t_start, rate_bin, counts, V_index, sample_t,
                                         V, sel)
            done += ts.size
            all_t.append(ts)
            all_i.append(ss)
            if progress:
                progress(round(p - t_start, 6), round(until - t_start, 6), "run [ms]")
        wall = time.perf_counter() - w0
        ev1 = sim.counters()
        if self.comm is not None:
            from mpi4py import MPI
            ev0 = self.comm.allreduce(np.array(ev0, dtype=np.int64), op=MPI.SUM)
            ev1 = self.comm.allreduce(np.array(ev1, dtype=np.int64), op=MPI.SUM)
            if V is not None:   # each V from the rank that owns the neuron
                lo, hi = self.local_range()
                own = (V_index >= lo) & (V_index < hi)
                V = self.comm.allreduce(np.where(own, V, 0.0), op=MPI.SUM)
        times = np.concatenate(all_t)
        senders = np.concatenate(all_i)
        spikes = Spikes(times, senders, self.n, until, t_start=t_start, seed=self.seed,
                        sort=False)
        rates = None
        rate_times = None
        if counts is not None:
            rate_times = t_start + np.arange(counts.shape[0]) * rate_bin
            width = np.minimum(rate_bin, until - rate_times)
            rates = {nm: counts[:, k] / (len(self.populations[nm]) * width) * 1000.0
                     for k, nm in enumerate(names)}
        return NetworkResult(spikes=spikes, rates=rates, rate_times=rate_times, V=V,
                             V_times=sample_t, V_neurons=V_index, seed=self.seed,
                             wall_time=wall, synaptic_events=ev1[0] - ev0[0],
                             external_events=ev1[1] - ev0[1], d_min=self._d_min_used)

    @staticmethod
    def _run_piece(sim, p, rec_spikes, mask, max_spikes, pop_of, names, t_start, rate_bin,
                   counts, V_index, sample_t, V, sel):
        st = np.ascontiguousarray(sample_t[sel])
        Vp = np.empty((st.size, V_index.size))
        out = sim.run(p, record_spikes=rec_spikes, spike_mask=mask, max_spikes=max_spikes,
                      pop_of=pop_of, n_pops=len(names), bin_t0=t_start,
                      bin_width=rate_bin or 1.0, counts=counts, V_index=V_index, sample_t=st,
                      V=Vp)
        V[sel] = Vp
        return out


def _mpi_comm(comm):
    """The mpi4py communicator of a distributed run, or None (one process).
    "auto": MPI.COMM_WORLD when started by mpiexec with more than one rank."""
    import os
    if comm is None:
        return None
    if isinstance(comm, str):
        if comm != "auto":
            raise ValueError(f"comm must be 'auto', None or an mpi4py communicator; got {comm!r}")
        size = os.environ.get("PMI_SIZE") or os.environ.get("OMPI_COMM_WORLD_SIZE")
        if not size or int(size) <= 1:
            return None
        from mpi4py import MPI
        comm = MPI.COMM_WORLD
    return comm if comm.Get_size() > 1 else None


# ---- generators --------------------------------------------------------------

def brunel(N=10000, epsilon=0.1, g=5.0, eta=2.0, J=0.1, D=1.5, *, D_spread=0.0,
           D_resolution=0.1, f_E=0.8, tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=10.0,
           model="delta", tau_syn=0.5, C_m=None, seed=None, progress=None):
    """The sparse balanced network of Brunel (2000), model A.

    ``N_E = f_E N`` excitatory and ``N_I = N - N_E`` inhibitory LIF neurons
    (rest 0 mV, threshold ``theta``, reset ``V_reset``, ``tau_m``,
    ``t_ref``); every neuron receives exactly ``C_E = epsilon N_E``
    excitatory synapses of weight ``J`` [mV] and ``C_I = epsilon N_I``
    inhibitory ones of weight ``-g J`` from uniformly drawn presynaptic
    neurons (multapses and autapses allowed, as NEST's ``fixed_indegree``),
    all with delay ``D`` [ms]; plus external Poisson input of rate ``C_E
    nu_ext`` with weight ``J``, ``nu_ext = eta nu_thr``, ``nu_thr = theta /
    (J C_E tau_m)`` (the C_E external synapses of the paper merged into one
    Poisson process).  ``D_spread > 0`` draws each delay uniformly from
    ``D + k D_resolution``, ``0 <= k <= D_spread / D_resolution`` (spread
    delays damp the fast oscillations of small networks; the stationary
    mean-field prediction does not depend on delays).

    With ``model="psc_exp"`` or ``"psc_alpha"`` the synapses are currents
    with time constant ``tau_syn`` [ms] (both receptors) and every weight
    is the current whose PSP peaks at ``J`` (inhibitory: ``-g J``) [mV],
    ``w = clif.theory.weight_for_psp(J, ...)`` [nA] (NEST's convention in
    its Brunel examples); ``nu_thr`` keeps ``J`` the PSP peak.  ``C_m``
    [nF] (default 1 nF for delta, where it plays no role, 0.25 nF =
    NEST's 250 pF for the current models) only scales the weights in nA:
    the potentials and spikes do not depend on it.  The weights used are
    in ``net.brunel_params["w"]`` [nA or mV]; the mean-field rate is
    :func:`brunel_prediction` with the same ``model`` and ``tau_syn``.

    Returns
    -------
    Network
        Populations ``"E"`` and ``"I"``.
    """
    N = as_int("N", N, 2)
    spec = _models.get(model)
    N_E = int(round(f_E * N))
    N_I = N - N_E
    C_E, C_I = int(round(epsilon * N_E)), int(round(epsilon * N_I))
    nu_thr = theta / (J * C_E * tau_m) * 1000.0  # Hz
    net = Network(seed=seed, d_min=D)
    if C_m is None:
        # Delta: C_m plays no role (no currents) but must be valid.
        C_m = 0.25 if spec.current_based else 1.0
    kw = dict(tau_m=tau_m, C_m=C_m, E_L=0.0, V_th=theta, V_reset=V_reset, t_ref=t_ref,
              model=spec.name)
    w_E = J
    if spec.current_based:
        from clif.theory import weight_for_psp
        w_E = float(weight_for_psp(J, model=spec.name, tau_syn=tau_syn, tau_m=tau_m, C_m=C_m))
        kw.update(tau_syn_ex=tau_syn, tau_syn_in=tau_syn)
    kw.update(ext_rate=C_E * eta * nu_thr, ext_weight=w_E)
    net.add_population(N_E, name="E", **kw)
    net.add_population(N_I, name="I", **kw)
    rng = np.random.default_rng(np.random.SeedSequence(net.seed, spawn_key=(1,)))
    C = C_E + C_I
    t0 = time.perf_counter()
    # Under MPI each rank keeps only the synapses onto its own neurons
    # [lo, hi) (every in-degree is C, so the range is known up front); it
    # still draws the whole stream, in chunks, so its share is bit for bit
    # the one-process network's.
    lo, hi = net._set_range(np.full(N, C))
    n_loc = hi - lo
    # In-degree is fixed: draw, per postsynaptic neuron, C_E excitatory then
    # C_I inhibitory sources, in post-major order; the CSR build sorts them.
    pre = np.empty(n_loc * C, dtype=np.int32)
    pre2 = pre.reshape(n_loc, C)
    step = max(1, 2_000_000 // C)
    for a in range(0, N, step):
        b = min(N, a + step)
        e = rng.integers(0, N_E, size=(b - a, C_E), dtype=np.int32)
        i = rng.integers(N_E, N, size=(b - a, C_I), dtype=np.int32)
        a2, b2 = max(a, lo), min(b, hi)
        if a2 < b2:
            pre2[a2 - lo:b2 - lo, :C_E] = e[a2 - a:b2 - a]
            pre2[a2 - lo:b2 - lo, C_E:] = i[a2 - a:b2 - a]
        if progress:
            progress(b, N, "brunel connectivity")
    post = np.repeat(np.arange(lo, hi, dtype=np.int32), C)
    w = np.tile(np.concatenate([np.full(C_E, w_E, np.float32),
                                np.full(C_I, -g * w_E, np.float32)]), n_loc)
    n_d = int(round(D_spread / D_resolution)) + 1 if D_spread > 0 else 1
    net._delays = {float(D + k * D_resolution): k for k in range(n_d)}
    # One draw of all N C delay indices (2 bytes each: chunked draws of
    # small integers would give other numbers), of which this rank keeps its own.
    d = (rng.integers(0, n_d, size=N * C, dtype=np.uint16)[lo * C:hi * C].copy() if n_d > 1
         else np.zeros(n_loc * C, dtype=np.uint16))
    net._csr = _network.csr_from_coo(N, pre, post, w, d)
    net.build_time = time.perf_counter() - t0
    net.brunel_params = dict(N=N, N_E=N_E, N_I=N_I, C_E=C_E, C_I=C_I, g=g, eta=eta, J=J, D=D,
                             tau_m=tau_m, t_ref=t_ref, theta=theta, V_reset=V_reset,
                             nu_thr=nu_thr, model=spec.name, w=w_E, C_m=C_m,
                             tau_syn=tau_syn if spec.current_based else None)
    return net


def brunel_prediction(C_E, C_I, g, eta, J, tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=10.0,
                      *, model="delta", tau_syn=0.5):
    """Self-consistent mean-field rate [Hz] and ISI CV of the Brunel (2000)
    network in the diffusion approximation (``model="psc_exp"``: the
    network of :func:`brunel` with that model, ``J`` the PSP peak [mV], by
    :func:`clif.theory.brunel_rate_psc`, the Fourcaud-Brunel treatment of
    the synaptic filter with time constant ``tau_syn`` [ms]).  Delta:

    ``mu = C_E J tau (nu_ext + nu (1 - g gamma))``,
    ``sigma^2 = C_E J^2 tau (nu_ext + nu (1 + g^2 gamma))``, ``gamma =
    C_I / C_E``, rates per ms, ``nu = Siegert(mu, sigma)``, solved by
    bisection on ``nu - Siegert(nu)`` (monotone in the inhibition-dominated
    regime ``g gamma > 1``).
    """
    if _models.get(model).current_based:
        from clif.theory import brunel_rate_psc
        return brunel_rate_psc(C_E, C_I, g, eta, J, tau_m, t_ref, theta, V_reset,
                               tau_syn=tau_syn, model=model)
    from scipy.optimize import brentq
    from clif.theory import siegert_rate, isi_cv
    gamma = C_I / C_E
    nu_thr = theta / (J * C_E * tau_m)  # 1/ms
    nu_ext = eta * nu_thr
    kw = dict(tau_m=tau_m, R_m=1.0, E_L=0.0, V_th=theta, V_reset=V_reset, t_ref=t_ref)

    def musig(nu):
        mu = C_E * J * tau_m * (nu_ext + nu * (1 - g * gamma))
        sig = np.sqrt(C_E * J * J * tau_m * (nu_ext + nu * (1 + g * g * gamma)))
        return mu, sig

    def f(nu):
        mu, sig = musig(nu)
        return float(siegert_rate(mu, sig, **kw)) / 1000.0 - nu

    nu = brentq(f, 0.0, 1.0 / t_ref, xtol=1e-12)
    mu, sig = musig(nu)
    return nu * 1000.0, float(isi_cv(mu, sig, **kw))


def random_connectome(N, mean_in_degree, *, w_E=0.2, g=5.0, f_E=0.8, delay=(1.0, 5.0),
                      delay_resolution=0.1, ext_rate=None, ext_weight=None, tau_m=20.0,
                      t_ref=2.0, theta=20.0, V_reset=10.0, V0="uniform", seed=None,
                      progress=None):
    """A random connectome-like network: ``N`` neurons (``f_E`` excitatory),
    each presynaptic neuron projecting to ``Binomial(N, mean_in_degree / N)``
    targets drawn uniformly (with replacement) (so the mean in- and out-degree is ``mean_in_degree``),
    weights ``w_E`` (excitatory) and ``-g w_E`` (inhibitory) [mV], delays
    uniform in ``delay`` [ms] rounded to ``delay_resolution``, Brunel-type
    neurons driven by external Poisson input (default: ``ext_weight = w_E``
    and a rate putting the mean drive 10% above threshold, ``1.1 theta /
    (w_E tau_m)``).  The CSR is generated row by row in chunks, never as
    (pre, post) pairs, so it needs ~10 bytes per synapse.

    ``V0`` [mV]: the initial potentials, by default ``"uniform"`` on
    ``[0, theta)`` (from ``seed``), so that the network starts near its
    asynchronous state rather than with every neuron at rest and firing
    its first spike in one synchronous volley; a float or an array of ``N``
    values sets them instead (``0.0``: all at rest).
    """
    N = as_int("N", N, 2)
    K = _real("mean_in_degree", mean_in_degree)
    if not 0 <= K <= N:
        raise ValueError(f"mean_in_degree must lie in [0, N]; got {K}")
    N_E = int(round(f_E * N))
    if ext_weight is None:
        ext_weight = w_E
    if ext_rate is None:
        ext_rate = 1.1 * theta / (ext_weight * tau_m) * 1000.0
    net = Network(seed=seed, d_min=delay[0])
    kw = dict(tau_m=tau_m, C_m=1.0, E_L=0.0, V_th=theta, V_reset=V_reset, t_ref=t_ref,
              ext_rate=ext_rate, ext_weight=ext_weight)
    if isinstance(V0, str):
        if V0 != "uniform":
            raise ValueError(f"V0 must be 'uniform', a float or an array of N values; got {V0!r}")
        V0 = np.random.default_rng(np.random.SeedSequence(net.seed, spawn_key=(4,))).uniform(
            0.0, theta, N)
    V0 = np.broadcast_to(np.asarray(V0, dtype=float), (N,))
    net.add_population(N_E, name="E", V0=V0[:N_E], **kw)
    net.add_population(N - N_E, name="I", V0=V0[N_E:], **kw)
    t0 = time.perf_counter()
    ss = np.random.SeedSequence(net.seed, spawn_key=(2,))
    rng = np.random.default_rng(ss)
    deg = rng.binomial(N, K / N, size=N)
    row = np.zeros(N + 1, dtype=np.uint64)
    np.cumsum(deg, out=row[1:])
    lo_d, hi_d = delay
    n_steps = int(round((hi_d - lo_d) / delay_resolution))
    table = lo_d + np.arange(n_steps + 1) * delay_resolution
    net._delays = {float(v): i for i, v in enumerate(table)}
    chunk = max(1, int(20_000_000 // max(K, 1)))

    def rows(a, b, sort=True):
        # Rows [a, b): targets uniform with replacement (multapses have
        # probability ~K/N per synapse), sorted within each row; each chunk
        # has its own stream, so any rank can draw any chunk.
        crng = np.random.default_rng(np.random.SeedSequence(net.seed, spawn_key=(3, a)))
        L = int(row[b] - row[a])
        tg = crng.integers(0, N, size=L, dtype=np.int32)
        if not sort:
            return tg
        r = (row[a:b + 1] - row[a]).astype(np.uint64)
        w = np.repeat(np.where(np.arange(a, b) < N_E, np.float32(w_E),
                               np.float32(-g * w_E)), deg[a:b])
        dl = crng.integers(0, n_steps + 1, size=L, dtype=np.uint16)
        _network.sort_rows(r, tg, w, dl)  # in C, without the GIL
        return r, tg, w, dl

    if net.comm is None or net.comm.Get_size() == 1:
        m = int(row[-1])
        target = np.empty(m, dtype=np.int32)
        weight = np.empty(m, dtype=np.float32)
        dly = np.empty(m, dtype=np.uint16)
        for a in range(0, N, chunk):
            b = min(N, a + chunk)
            r0, r1 = int(row[a]), int(row[b])
            _, target[r0:r1], weight[r0:r1], dly[r0:r1] = rows(a, b)
            if progress:
                progress(b, N, "connectome rows")
        net._csr = (row, target, weight, dly)
    else:
        # Under MPI: a first pass counts every neuron's in-degree (O(N)
        # memory) to balance the ranks as local_range would; the second
        # keeps only the synapses onto this rank's neurons.
        indeg = np.zeros(N, dtype=np.int64)
        for a in range(0, N, chunk):
            indeg += np.bincount(rows(a, min(N, a + chunk), sort=False), minlength=N)
        lo, hi = net._set_range(indeg)
        cnt = np.zeros(N, dtype=np.int64)
        parts = []
        for a in range(0, N, chunk):
            b = min(N, a + chunk)
            r, tg, w, dl = rows(a, b)
            keep = (tg >= lo) & (tg < hi)
            cs = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
            ri = r.astype(np.int64)
            cnt[a:b] = cs[ri[1:]] - cs[ri[:-1]]
            parts.append((tg[keep], w[keep], dl[keep]))
            if progress:
                progress(b, N, "connectome rows (this rank's)")
        row_loc = np.zeros(N + 1, dtype=np.uint64)
        np.cumsum(cnt, out=row_loc[1:])
        # Gather the pieces into arrays whose pages are touched only as each
        # piece is copied and freed: the peak stays ~one copy of the share.
        m = int(row_loc[-1])
        arrays = [np.empty(m, dtype=dt) for dt in (np.int32, np.float32, np.uint16)]
        at = 0
        while parts:
            piece = parts.pop(0)
            for k in range(3):
                arrays[k][at:at + piece[k].size] = piece[k]
            at += piece[0].size
        net._csr = (row_loc, *arrays)
    net.build_time = time.perf_counter() - t0
    return net


# The Potjans & Diesmann (2014) microcircuit lives in its own module.
from clif.microcircuit import microcircuit  # noqa: E402
__all__.append("microcircuit")
