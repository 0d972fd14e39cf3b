"""Stochastic simulation of LIF populations with white noise.

``tau_m dV = (-(V - E_L) + R_m I(t)) dt + sigma sqrt(tau_m) dW``: sigma [mV]
in the Siegert / NEST convention (the free membrane's stationary SD is
``sigma / sqrt(2)``; in the form ``dV = ... dt + s dW``, ``s = sigma /
sqrt(tau_m)``).

``model="psc_exp"`` puts the same noise on an exponential synaptic current
instead (colored noise on V, src_c/noise_psc.c):
``tau_m dV = (-(V - E_L) + R_m (I(t) + I_s)) dt``,
``tau_syn dI_s = -I_s dt + (sigma sqrt(tau_m) / R_m) dW``, which tends to
the white-noise model as ``tau_syn -> 0``.

The C kernel (src_c/noise.c) draws every random number from a counter-based
generator keyed by (seed, global neuron index, step): results are
bit-identical whatever ``n_threads``, however the neurons are chunked and
however a run is split into calls.
"""
import concurrent.futures

import numpy as np

from clif import _noise
from clif import models as _models
from clif.params import (UNSET, as_indices, as_int, as_max_spikes, as_real, as_sine,
                         as_threads, per_neuron, population, renamed)
from clif.random import INDEX_LIMIT, resolve_seed
from clif.spikes import Spikes

from clif._common import SpikeLimitError

_METHODS = {"exact": 0, "euler": 1}
# Neuron-steps per piece of a run: tens of ms of work, so Ctrl-C (Python
# raises KeyboardInterrupt once the C call returns) is seen promptly.
_PIECE = 2_000_000
_NOISE_MODELS = ("delta", "psc_exp")
_SYN_NAMES = {name for s in _models.MODELS.values() for p in s.params for name in (p.name, p.pynn)}


def _noise_model(model, method, sine, n, syn):
    """The model spec and, for psc_exp, tau_syn [ms] per neuron (None for
    delta); ``syn``: the synaptic keywords given."""
    spec = _models.get(model)
    if spec.name not in _NOISE_MODELS:
        raise ValueError(f"model must be one of {list(_NOISE_MODELS)} for the noisy simulator; "
                         f"got {spec.name!r}")
    taus = _models.split_params(spec, n, dict(syn))
    if spec.name == "delta":
        return spec, None
    if "tau_syn_in" in syn or "tau_syn_I" in syn:
        raise ValueError("the noise enters the excitatory synapse, tau_syn_ex (PyNN tau_syn_E); "
                         "tau_syn_in has no effect in the noisy simulator")
    if method != "exact":
        raise ValueError(f"method={method!r} is not available for model='psc_exp' "
                         "(only 'exact')")
    if sine is not None:
        raise NotImplementedError("a sine drive is not available for model='psc_exp' in the "
                                  "noisy simulator yet; use model='delta', or a "
                                  "piecewise-constant current (current=...)")
    return spec, taus["tau_syn_ex"]


def _to_step(name, t, dt):
    """A time on the dt grid as a step index (times must sit on the grid, to
    1e-9 relative, so that nothing is shifted silently)."""
    k = np.rint(np.asarray(t, dtype=np.float64) / dt)
    if np.any(np.abs(k * dt - t) > 1e-9 * np.maximum(1.0, np.abs(t))):
        raise ValueError(f"{name} must be multiples of dt={dt} ms (the grid); got {t!r}")
    return k.astype(np.int64)


class NoisyPopulation:
    """N LIF neurons with white noise (on V, or on a psc_exp synaptic current),
    resumable: ``run(t1); run(t2)`` gives exactly the spikes of ``run(t2)``.

    Parameters are those of :func:`simulate_noisy` (without ``t_stop`` and the
    per-call options ``record_V``, ``V_dt``, ``n_threads``,
    ``max_spikes``).

    Attributes
    ----------
    t : float
        Time reached [ms].
    seed : int
        The seed in use.
    model : str
        ``'delta'`` (white noise on V) or ``'psc_exp'`` (on the synaptic
        current; :attr:`I_s` reads it).
    """

    def __init__(self, *, sigma, n=None, neuron=None, dt=0.1, method="exact", seed=None,
                 I_e=None, V0=None, current=None, sine=None, neuron_offset=0, model="delta",
                 **params):
        dt = as_real("dt", dt)
        if not (np.ndim(dt) == 0 and np.isfinite(dt) and dt > 0):
            raise ValueError(f"dt must be a finite scalar > 0 (ms); got dt={dt!r}")
        if method not in _METHODS:
            raise ValueError(f"method must be one of {sorted(_METHODS)}; got {method!r}")
        syn = {k: params.pop(k) for k in list(params) if k in _SYN_NAMES}
        n, arr = population(n, neuron, I_e, **params)
        spec, tau_syn = _noise_model(model, method, sine, n, syn)
        sig = per_neuron("sigma", sigma, n, "mV", lo=0.0)
        V0 = arr["E_L"] if V0 is None else per_neuron("V0", V0, n, "mV")
        I0 = np.zeros(n)
        omega = phase = np.zeros(n)
        if sine is not None:
            I0, f, phase, I_dc = as_sine(sine, n)
            omega = 2.0 * np.pi * f / 1000.0  # Hz -> rad/ms
            arr["I_e"] = arr["I_e"] + I_dc
        steps = np.zeros(0, np.int64)
        values = np.zeros(0)
        if current is not None:
            if not (isinstance(current, (tuple, list)) and len(current) == 2):
                raise TypeError("current must be a pair (change_times [ms], values [nA]); got "
                                f"{type(current).__name__}")
            ct = as_real("current times", current[0])
            ct = np.atleast_1d(np.asarray(ct, dtype=np.float64))
            values = np.asarray(as_real("current values", current[1]), dtype=np.float64)
            if ct.ndim != 1 or values.shape not in ((ct.size,), (ct.size, n)):
                raise ValueError(f"current values must have shape (k,) or (k, n) = "
                                 f"({ct.size}, {n}) for k={ct.size} change times; "
                                 f"got {values.shape}")
            if not (np.all(np.isfinite(ct)) and np.all(ct >= 0)):
                raise ValueError("current change times must be finite and >= 0 (ms)")
            if np.any(np.diff(ct) < 0):
                raise ValueError("current change times must be sorted (non-decreasing)")
            if not np.all(np.isfinite(values)):
                raise ValueError("current values must be finite (nA)")
            steps = _to_step("current change times", ct, dt)
        self.neuron_offset = as_int("neuron_offset", neuron_offset, 0, 2**64 - n)
        self.seed = resolve_seed(seed)
        self.n, self.dt, self.method = n, float(dt), method
        self.model = spec.name
        self._E_L = arr["E_L"]
        self._engine = _noise.Engine(arr, sig, I0, omega, phase, float(dt),
                                     _METHODS[method], self.seed, self.neuron_offset, V0,
                                     steps, values, tau_syn=tau_syn)
        self._V0 = V0.copy()

    @property
    def step(self):
        """Grid step reached."""
        return int(self._engine.state["step"][0])

    @property
    def t(self):
        """Time reached [ms] (``step * dt``)."""
        return self.step * self.dt

    @property
    def V(self):
        """Membrane potentials at ``t`` [mV] (a copy)."""
        return self._engine.state["V"].copy()

    @property
    def I_s(self):
        """Synaptic currents at ``t`` [nA] (a copy; model psc_exp only)."""
        if self.model != "psc_exp":
            raise AttributeError(f"I_s exists for model='psc_exp' only; this is {self.model!r}")
        return self._engine.state["I_s"].copy()

    def _every(self, V_dt, record_every, stacklevel=4):
        """Steps between two V samples, from ``V_dt`` [ms] or the deprecated
        ``record_every`` [steps]."""
        if record_every is not UNSET:
            every = renamed("V_dt", V_dt, "record_every", record_every, stacklevel=stacklevel)
            return as_int("record_every", every, 1)
        if V_dt is None:
            return 1
        V_dt = as_real("V_dt", V_dt)
        k = round(V_dt / self.dt) if np.ndim(V_dt) == 0 and np.isfinite(V_dt) else 0
        if not (k >= 1 and abs(k * self.dt - V_dt) <= 1e-9 * V_dt):
            raise ValueError(f"V_dt must be a positive multiple of dt={self.dt} ms; got "
                             f"{V_dt!r}")
        return int(k)

    def run(self, until, *, record_V=None, V_dt=None, n_threads=1, max_spikes=None,
            record=UNSET, record_every=UNSET, _name="until"):
        """Advance to time ``until`` [ms] (a multiple of dt).

        Parameters
        ----------
        until : float
            End time [ms], >= :attr:`t`.
        record_V : array_like of int, optional
            Neurons whose V [mV] is returned in ``extra['V']`` (shape
            ``(samples, len(record_V))``) at the times ``extra['t']`` [ms]:
            the grid points in ``(t, until]`` that are multiples of ``V_dt``
            (as :meth:`clif.Network.run`'s ``record_V``).
        V_dt : float, optional
            Sampling interval of the traces [ms], a multiple of dt (default:
            dt, every step).
        record, record_every : deprecated
            The old names of ``record_V`` and of ``V_dt / dt`` (in steps);
            they still work for one release, with a DeprecationWarning.
        n_threads : int, optional
            Threads over contiguous chunks of neurons; results do not
            depend on it.
        max_spikes : int, optional
            Raise clif.SpikeLimitError (an OverflowError) rather than store
            more spikes than this; the state is then unchanged.  Default
            (None): ``clif.params.default_max_spikes()``, about 1/128 of
            physical memory in spikes, within [10^6, 10^9].

        Returns
        -------
        Spikes
            Spikes in ``[t, until)`` (``seed``: the seed; ``state``: the
            final per-neuron state, a structured array).
        """
        # _name: the argument's name in the caller's signature (simulate_noisy: t_stop).
        until = as_real(_name, until)
        if not (np.ndim(until) == 0 and np.isfinite(until)):
            raise ValueError(f"{_name} must be a finite time (ms); got {until!r}")
        k1 = int(_to_step(_name, until, self.dt))
        k0 = self.step
        if k1 < k0:
            raise ValueError(f"{_name} must be >= the time reached, {self.t} ms; got {until}")
        if k1 >= INDEX_LIMIT:
            raise ValueError(f"{_name} / dt must be < 2**52 steps; got {k1}")
        if self.model == "psc_exp" and k1 > _noise.PSC_STEP_LIMIT:
            raise ValueError(f"{_name} / dt must be <= 2**51 steps for model='psc_exp' (two "
                             f"normals a step); got {k1}")
        record_V = renamed("record_V", record_V, "record", record)
        every = self._every(V_dt, record_every)
        n_threads = as_threads(n_threads)
        max_spikes = as_max_spikes(max_spikes)
        n = self.n
        if record_V is None:
            rec = np.zeros(0, np.int64)
        else:
            rec = as_indices("record_V", record_V, n)
        uniq, inv = np.unique(rec, return_inverse=True)
        rows = k1 // every - k0 // every
        n_chunks = min(n_threads, n)
        bounds = [n * j // n_chunks for j in range(n_chunks + 1)]
        # Bounded pieces of about _PIECE neuron-steps (tens of ms) so Ctrl-C
        # is seen between them; the noise is keyed by (seed, neuron, step),
        # so the pieces do not change a bit.  Any exception (the spike limit,
        # KeyboardInterrupt) restores the state: nothing is lost.
        span = max(1, _PIECE // max(n, 1))
        saved = self._engine.state.copy()
        parts_t, parts_s, parts_v = [], [], []
        got = 0
        try:
            ka = k0
            while ka < k1:
                kb = min(k1, ka + span)
                left = max_spikes - got
                # ~20 Hz guess, capped by the limit; run_chunk grows it
                # geometrically when short.
                est = int(n * (kb - ka) * self.dt * 0.02) // n_chunks + 1024
                if left >= 0:
                    est = min(est, left + 1)
                rows = kb // every - ka // every
                jobs = []
                for c0, c1 in zip(bounds[:-1], bounds[1:]):
                    sel = uniq[(uniq >= c0) & (uniq < c1)]
                    jobs.append((c0, c1, sel - c0, np.empty((rows, sel.size))))

                def work(job, kb=kb, est=est, left=left):
                    c0, c1, sel, out = job
                    return self._engine.run_chunk(c0, c1, kb, sel, every, out, est, left)

                if n_chunks > 1:
                    with concurrent.futures.ThreadPoolExecutor(n_chunks) as ex:
                        results = list(ex.map(work, jobs))
                else:
                    results = [work(jobs[0])]
                parts_t += [r[0] for r in results]
                parts_s += [r[1] + j[0] for r, j in zip(results, jobs)]
                got += sum(len(r[0]) for r in results)
                if got > max_spikes:
                    raise SpikeLimitError(
                        0, f"more than max_spikes={max_spikes} spikes (at least {got} by "
                        f"t = {kb * self.dt} ms); raise max_spikes, "
                        "or simulate fewer neurons or a shorter time")
                if rec.size:
                    parts_v.append(np.concatenate([j[3] for j in jobs], axis=1))
                ka = kb
        except BaseException:
            self._engine.state[...] = saved
            raise
        times = np.concatenate(parts_t) if parts_t else np.zeros(0)
        senders = np.concatenate(parts_s) if parts_s else np.zeros(0, np.int64)
        extra = {}
        if rec.size:
            V = (np.vstack(parts_v) if parts_v else np.empty((0, uniq.size)))[:, inv]
            extra["V"] = V
            extra["t"] = (np.arange(k0 // every + 1, k1 // every + 1) * every) * self.dt
        return Spikes(times, senders, n, k1 * self.dt, k0 * self.dt, seed=self.seed,
                      state=self._engine.state.copy(), extra=extra)


def simulate_noisy(t_stop, *, sigma, n=None, neuron=None, dt=0.1, method="exact", seed=None,
                   I_e=None, V0=None, current=None, sine=None, record_V=None, V_dt=None,
                   n_threads=1, neuron_offset=0, max_spikes=None, model="delta",
                   record=UNSET, record_every=UNSET, **params):
    """Simulate N LIF neurons driven by white noise, on V or on a synaptic
    current.

    ``model="delta"`` (default): ``tau_m dV = (-(V - E_L) + R_m I(t)) dt +
    sigma sqrt(tau_m) dW``; spike at ``V >= V_th``, then ``V = V_reset`` for
    ``t_ref``.

    ``model="psc_exp"``: the noise is low-pass filtered by the exponential
    synaptic current ``I_s`` [nA] of the psc_exp model, with ``tau_s =
    tau_syn_ex``:

    ``tau_m dV = (-(V - E_L) + R_m (I(t) + I_s)) dt``,
    ``tau_s dI_s = -I_s dt + (sigma sqrt(tau_m) / R_m) dW``,

    i.e. ``s = R_m I_s`` [mV] obeys ``tau_s ds = -s dt + sigma sqrt(tau_m)
    dW`` (the model of :func:`clif.theory.siegert_rate_psc`); as ``tau_s ->
    0``, ``s dt -> sigma sqrt(tau_m) dW``: the delta model, so sigma keeps its
    meaning and the rate is continuous in tau_s.  Stationary free membrane:
    ``Var V = (sigma^2/2) tau_m/(tau_m + tau_s)``, ``Var I_s = sigma^2
    tau_m / (2 tau_s R_m^2)``.  During the dead time ``I_s`` keeps evolving
    (NEST's ``iaf_psc_exp``).  Each step propagates (V, I_s) exactly (a 2-D
    Ornstein-Uhlenbeck step, two normals); V is C^1, and crossings between
    grid points are searched by bisection with midpoints drawn from the exact
    bridge, to ``dt/64``, then the first root of the cubic Hermite
    interpolant of (V, dV/dt); the spike time is that root.  Only
    ``method='exact'``, no ``sine``; ``current`` enters the membrane like
    ``I_e``.  ``I_s`` starts at 0 (``.I_s`` of :class:`NoisyPopulation`
    reads it).

    Parameters
    ----------
    t_stop : float
        Duration [ms], a multiple of ``dt``.
    sigma : float or array_like
        Noise amplitude [mV], >= 0, scalar or per neuron (free membrane SD
        ``sigma / sqrt(2)``).
    n, neuron, I_e, **params
        As :func:`clif.params.population`: ``tau_m`` [ms], ``C_m`` [nF],
        ``R_m`` [MOhm], ``E_L, V_th, V_reset`` [mV], ``t_ref`` [ms], bias
        ``I_e`` [nA]; scalars or per-neuron arrays.
    dt : float
        Grid step [ms].
    method : {'exact', 'euler'}
        'exact': exact Ornstein-Uhlenbeck steps, a Brownian-bridge test for
        crossings between grid points with the spike time sampled inside the
        step, refractory end at its exact time (rates match the Siegert
        formula at any dt).  'euler': Euler-Maruyama with threshold checks on
        the grid, spikes at the step's end, refractory ``round(t_ref/dt)``
        steps (what most simulators do; biased low by O(sqrt(dt))).
    seed : None, int, SeedSequence or Generator
        See :func:`clif.random.resolve_seed`; the seed used is ``.seed`` of
        the result.
    V0 : float or array_like, optional
        Initial V [mV]; default ``E_L``.
    current : (change_times, values), optional
        Piecewise-constant current [nA]: ``values[j]`` (shape ``(k,)``, or
        ``(k, n)`` per neuron) from ``change_times[j]`` [ms, multiples of dt]
        to the next change; 0 before the first.
    sine : dict, optional
        ``I0`` [nA], ``f`` [Hz] (>= 0), ``phase`` [rad] (default 0) and
        ``I_dc`` [nA] (default 0), each a scalar or per neuron (as in
        :func:`clif.simulate`): a current ``I_dc + I0 sin(2 pi f t / 1000 +
        phase)``.  The exact method integrates it exactly (the periodic
        particular solution).  Neurons with equal ``(f, phase)`` share one
        sine table per step; each distinct pair costs a sin and a cos per
        step.
    record_V : array_like of int, optional
        Neurons whose V traces [mV] are returned (``extra['V']``, shape
        ``(samples, len(record_V))``, at ``extra['t']`` [ms], including t = 0).
    V_dt : float, optional
        Sampling interval of the traces [ms], a multiple of ``dt`` (default
        ``dt``).
    record, record_every : deprecated
        The old names of ``record_V`` and of ``V_dt / dt`` (in steps): they
        still work for one release, with a DeprecationWarning.
    n_threads : int
        Threads over contiguous chunks of neurons (results do not depend on
        it).
    neuron_offset : int
        Global index of neuron 0: neuron i draws the random stream of
        ``neuron_offset + i``, so simulating neurons ``[a, b)`` of a larger
        population with ``neuron_offset=a`` reproduces their spikes exactly.
    max_spikes : int, optional
        Raise clif.SpikeLimitError (an OverflowError) instead of storing
        more spikes (never truncates).  Default (None):
        ``clif.params.default_max_spikes()``, about 1/128 of physical memory
        in spikes, within [10^6, 10^9].
    model : {'delta', 'psc_exp'} or ModelSpec
        Where the noise enters (see above).  psc_exp takes ``tau_syn_ex``
        [ms] (PyNN ``tau_syn_E``; default 2 ms, :mod:`clif.models`), finite
        and > 0.

    Returns
    -------
    Spikes
        With ``seed`` set, ``state`` the final per-neuron state.

    Examples
    --------
    >>> import clif
    >>> sp = clif.simulate_noisy(1000.0, sigma=5.0, n=100, I_e=0.9, seed=1)
    >>> sp.seed
    1
    """
    pop = NoisyPopulation(sigma=sigma, n=n, neuron=neuron, dt=dt, method=method, seed=seed,
                          I_e=I_e, V0=V0, current=current, sine=sine,
                          neuron_offset=neuron_offset, model=model, **params)
    record_V = renamed("record_V", record_V, "record", record)
    every = pop._every(V_dt, record_every)
    sp = pop.run(t_stop, _name="t_stop", record_V=record_V, V_dt=every * pop.dt,
                 n_threads=n_threads, max_spikes=max_spikes)
    if "V" in sp.extra:  # prepend the initial state
        idx = np.asarray(record_V, dtype=np.int64).reshape(-1)
        sp.extra["V"] = np.vstack([pop._V0[idx][None, :], sp.extra["V"]])
        sp.extra["t"] = np.concatenate(([0.0], sp.extra["t"]))
    return sp
