"""Exact event-driven simulation of LIF populations.

``clif.simulate`` runs N independent neurons from ``t = 0`` to ``t_stop``;
``clif.Population`` is the same simulation as a resumable object.  Both go
through ``clif._exact`` to the C kernel ``src_c/exact.c``.

Spike times are exact to rounding: between events the membrane follows its
closed form, ``V(t) = V_inf + (V0 - V_inf) e^{-t/tau_m}`` under a constant
current (plus the steady-state sine and its decaying transient under a
sinusoidal current); constant-drive crossings are closed-form
(``tau_m log1p((V_th - V)/(V_inf - V_th))``) and sine crossings are found by
a certified search (a bound on ``|V''|`` proves the cells it skips contain no
crossing) and a bracketing root finder to ~1e-13 ms.  The cost grows with
the number of events (spikes, pulses, current changes, samples), not with
``t_stop / dt``.

Semantics
---------
- Time runs over the half-open ``[t, until)``: inputs and spikes at exactly
  ``until`` belong to the next run.  A neuron whose V is at or above ``V_th``
  at an event (start, pulse, end of refractoriness) fires at that time.
- Pulses arriving at the same time on the same neuron are all added before
  the threshold is checked; a pulse that lifts V to ``V_th`` or above fires
  the neuron at the pulse time.
- Refractoriness is ``[t*, t* + t_ref)``; V is held at ``V_reset`` and the
  currents do not act.  ``refractory_input="drop"`` (default; NEST, Brian2)
  discards pulses arriving inside the window; ``"integrate"`` adds each at
  the window's end, decayed as the free membrane would have decayed it,
  ``w exp(-(t* + t_ref - t_pulse)/tau_m)`` (NEST ``iaf_psc_delta`` with
  ``refractory_input=True``).  A pulse at exactly ``t* + t_ref`` is outside
  the window.

Units: ms, mV, nA, nF, MOhm; rates in Hz.
"""
import numbers

import numpy as np

from clif import _exact
from clif import _closed_form as _cf
from clif import models as _models
from clif.params import (as_indices, as_max_spikes, as_real, as_sine, as_threads, per_neuron,
                         population, refractory_code)
from clif.spikes import Spikes





def _real_array(name, x, ndim=1):
    try:
        a = np.asarray(x)
    except Exception as exc:
        raise TypeError(f"{name} must be an array of real numbers") from exc
    if a.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be real numbers; got dtype {a.dtype}")
    a = np.ascontiguousarray(a, dtype=np.float64)
    if ndim == 1 and a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D; got shape {a.shape}")
    return a


def _pulse_order(pt, tg):
    """The permutation putting pulses in (target, time) order, stable for
    ties (as ``np.lexsort((pt, tg))``), or None when they already are.  The
    sort dominated a pulse-driven run (~170 ns per pulse against a few ns in
    the kernel); inputs that are already grouped by target, or sorted by
    time, are common and need at most a stable sort by target."""
    if pt.size < 2:
        return None
    dtg = np.diff(tg)
    if np.all(dtg >= 0) and np.all((dtg > 0) | (np.diff(pt) >= 0)):
        return None
    if np.all(np.diff(pt) >= 0):
        return np.argsort(tg, kind="stable")  # keeps time order within a target
    return np.lexsort((pt, tg))


def _times(name, x, t, until, closed=False):
    """Sorted, finite times in [t, until) (or [t, until] with ``closed``)."""
    a = _real_array(name, x)
    hi = "]" if closed else ")"
    inside = (a >= t) & ((a <= until) if closed else (a < until))
    if not np.all(np.isfinite(a) & inside):
        bad = a[~(np.isfinite(a) & inside)][0]
        raise ValueError(f"{name} must be finite and lie in [{t!r}, {until!r}{hi} ms; "
                         f"got {bad!r}")
    return a


def _sorted(name, a):
    if a.size > 1 and not np.all(a[1:] >= a[:-1]):
        i = int(np.argmax(a[1:] < a[:-1]))
        raise ValueError(f"{name} must be sorted in non-decreasing order; "
                         f"got {a[i]!r} before {a[i + 1]!r} at index {i}")
    return a


def _check_until(name, until, t):
    if isinstance(until, (bool, np.bool_)) or not isinstance(until, numbers.Real):
        raise TypeError(f"{name} must be a real number (ms); got {type(until).__name__}")
    until = float(until)
    if not (np.isfinite(until) and until >= t):
        raise ValueError(f"{name} must be finite and >= {t!r} ms (the current time); "
                         f"got {until!r}")
    return until


class Population:
    """A population of independent LIF neurons that can be advanced in time,
    fed new inputs, and advanced again.

    Advancing in several runs gives the same spikes, bit for bit, as one run
    over the whole interval with the same inputs: the state keeps the last
    event as its anchor and V is always computed from it.

    Parameters
    ----------
    n : int, optional
        Number of neurons (default: the length of the per-neuron arrays, or 1).
    model : {"delta", "psc_exp", "psc_alpha"}, optional
        The synapse model (see :func:`simulate` and :mod:`clif.models`).
    neuron : clif.LIF, optional
        Parameters as an object, instead of the keywords below.
    I_e : float or array_like, optional
        Constant bias current [nA] (default 0, or ``neuron.I_e``).
    V0 : float or array_like, optional
        Initial membrane potential [mV] (default ``E_L``).  ``V0 >= V_th``
        fires at ``t_start``.
    sine : dict, optional
        Sinusoidal current ``I_dc + I0 sin(2 pi f t / 1000 + phase)`` [nA],
        ``t`` in ms, ``f`` in Hz, phase in rad: ``dict(I0=..., f=...,
        phase=0.0, I_dc=0.0)``, each a scalar or per neuron.  It is fixed
        for the population's life and uses absolute time.
    refractory_input : {"drop", "integrate"}, optional
        Fate of pulses arriving during refractoriness (see
        :mod:`clif.simulate`).
    t_start : float, optional
        Initial time [ms] (default 0).
    n_threads : int, optional
        Threads for :meth:`run` (default 1); results do not depend on it.
    neuron_offset : int, optional
        Global index of neuron 0, for a population that is one chunk of a
        larger one.  Senders and pulse targets stay local (0..n-1); the
        offset is returned in ``spikes.extra["neuron_offset"]`` so that
        ``Spikes.concatenate(parts, offsets=...)`` can rebuild global indices.
    **params
        ``tau_m`` [ms], ``C_m`` [nF], ``R_m`` [MOhm], ``E_L``, ``V_th``,
        ``V_reset`` [mV], ``t_ref`` [ms]: scalars or per-neuron arrays, as
        for :class:`clif.LIF`.

    Attributes
    ----------
    n : int
    t : float
        Current time [ms].
    V : ndarray
        Membrane potential at ``t`` [mV] (``V_reset`` while refractory).
    refractory : ndarray of bool
        Whether each neuron is inside its refractory window at ``t``.
    t_ref_end : ndarray
        End of each neuron's refractory window [ms] (<= ``t`` when not
        refractory).
    I_step : ndarray
        The piecewise-constant current in effect at ``t`` [nA].

    Examples
    --------
    >>> import clif
    >>> pop = clif.Population(3, I_e=[0.5, 1.5, 3.0])
    >>> a = pop.run(500.0)
    >>> b = pop.run(1000.0, current=([600.0], [1.0]))
    >>> a.counts().tolist(), b.counts().tolist()
    ([0, 20, 49], [17, 37, 62])
    """

    def __init__(self, n=None, *, model="delta", neuron=None, I_e=None, V0=None, sine=None,
                 refractory_input="drop", t_start=0.0, n_threads=1, neuron_offset=0,
                 **params):
        spec = self.model = _models.get(model)
        syn_kw = _models.take_syn_kwargs(params)
        self.n, par = population(n, neuron, I_e, **params)
        n = self.n
        self._syn = _models.split_params(spec, n, syn_kw)
        self._sine = None
        if sine is not None and spec.current_based:
            raise NotImplementedError(
                f"a sine drive is not available for model={spec.name!r} yet; use "
                "model='delta', or a piecewise-constant current (current=...)")
        if sine is not None:
            I0, f, phase, I_dc = as_sine(sine, n)
            par["I_e"] = par["I_e"] + I_dc
            self._sine = (I0, f, phase)
        self._par = par
        refractory_code(refractory_input)
        if refractory_input != "drop" and spec.current_based:
            raise ValueError(f"refractory_input={refractory_input!r} applies to delta "
                             f"pulses only: with model={spec.name!r} the synaptic currents "
                             "always take input during refractoriness (as NEST)")
        self.refractory_input = refractory_input
        t_start = _check_until("t_start", t_start, 0.0)
        V0 = par["E_L"] if V0 is None else per_neuron("V0", V0, n, "mV")
        self._state = np.zeros((n, 4 if spec.id == 0 else _exact.MODEL_STATE_COLUMNS))
        self._state[:, 0] = self._state[:, 1] = self._state[:, 3] = t_start
        self._state[:, 2] = V0
        self._t = t_start
        self._I_step = np.zeros(n)
        self.n_threads = self._check_threads(n_threads)
        if isinstance(neuron_offset, (bool, np.bool_)) or not isinstance(
                neuron_offset, numbers.Integral) or neuron_offset < 0:
            raise ValueError(f"neuron_offset must be an int >= 0; got {neuron_offset!r}")
        self.neuron_offset = int(neuron_offset)

    @staticmethod
    def _check_threads(n_threads):
        return as_threads(n_threads)

    @property
    def t(self):
        """Current time [ms]."""
        return self._t

    @property
    def t_ref_end(self):
        """End of each neuron's refractory window [ms] (a copy)."""
        return self._state[:, 3].copy()

    @property
    def refractory(self):
        """Whether each neuron is refractory at ``t`` (bool array)."""
        return self._state[:, 3] > self._t

    @property
    def I_step(self):
        """Piecewise-constant current in effect at ``t`` [nA] (a copy)."""
        return self._I_step.copy()

    @property
    def params(self):
        """Per-neuron parameter arrays (copies), ``I_e`` including the sine's DC,
        and the model's own (``tau_syn_ex``, ``tau_syn_in``)."""
        out = {k: v.copy() for k, v in self._par.items()}
        out.update({k: v.copy() for k, v in self._syn.items()})
        return out

    @property
    def state(self):
        """The neurons' C state (a copy) as a structured array of the model's
        ``state_dtype``: the anchor ``t0``, ``V0`` there, ``t_ref_end`` and,
        for current models, the synaptic state at ``t0``."""
        return self._state.copy().view(self.model.state_dtype()).reshape(self.n)

    def _now(self):
        V = np.empty((1, self.n))
        ny = len(self.model.state)
        y = np.empty((1, ny, self.n)) if ny else None
        _exact.run(self._par, self._state.copy(), np.zeros((self.n, 3), np.uintp), self._t,
                   I_step0=self._I_step, sine=self._sine, sample_t=np.array([self._t]),
                   sample_V=V, **self._model_kw(sample_y=y))
        return V[0], (y[0] if ny else None)

    def _model_kw(self, pulse_port=None, sample_y=None):
        if not self.model.current_based:
            return {}
        return dict(model=self.model.id, pulse_port=pulse_port, sample_y=sample_y,
                    tau_syn=(self._syn["tau_syn_ex"], self._syn["tau_syn_in"]))

    @property
    def V(self):
        """Membrane potential at ``t`` [mV], from the closed form
        (``V_reset`` while refractory)."""
        return self._now()[0]

    def _syn_now(self, name):
        if name not in self.model.state:
            raise AttributeError(f"model={self.model.name!r} has no {name}")
        return self._now()[1][self.model.state.index(name)]

    @property
    def I_ex(self):
        """Excitatory synaptic current at ``t`` [nA] (current models)."""
        return self._syn_now("I_ex")

    @property
    def I_in(self):
        """Inhibitory synaptic current at ``t`` [nA] (current models)."""
        return self._syn_now("I_in")

    def __repr__(self):
        return f"Population(n={self.n}, model={self.model.name!r}, t={self._t:g} ms)"

    def run(self, until, *, current=None, pulses=None, sample_times=None, max_spikes=None,
            n_threads=None, order="time"):
        """Advance to time ``until`` and return the spikes fired in ``[t, until)``.

        Parameters
        ----------
        until : float
            End of this segment [ms], >= the current time ``t``.
        current : (change_times, values), optional
            Piecewise-constant current [nA] added to ``I_e``: from
            ``change_times[j]`` [ms] (sorted, in ``[t, until)``) on, the
            current is ``values[j]``.  ``values`` has shape ``(k,)`` (shared
            by all neurons) or ``(k, n)`` (per neuron).  Before the first
            change the current of the previous segment continues (0 at the
            start).
        pulses : (times, targets, weights[, ports]), optional
            Input pulses: times [ms] in ``[t, until)``, in any order;
            targets, integer neuron indices in ``[0, n)``; weights [mV], the
            jump of V, for delta, [nA] for the current models, whose
            receptor is the weight's sign (>= 0: ex) or ``ports`` (0 = ex,
            1 = in).
        sample_times : array_like, optional
            Sorted times [ms] in ``[t, until]`` at which to evaluate V from
            the closed form (no stepping): ``spikes.extra["V"]`` gets shape
            ``(len(sample_times), n)`` [mV].  A sample sees V before the
            events at its own time (a pulse or spike at exactly that time
            shows in later samples); ``V_reset`` while refractory.
        max_spikes : int, optional
            Most spikes this segment may produce; beyond it
            ``clif.SpikeLimitError`` is raised and the population is
            left unchanged.  Default (None): ``clif.params.default_max_spikes()``,
            about 1/128 of physical memory in spikes, within [10^6, 10^9].
        n_threads : int, optional
            Override the population's thread count for this run.
        order : {"time", "neuron"}, optional
            ``"time"`` (default): spikes sorted by time, then sender.
            ``"neuron"``: neuron by neuron (all of neuron 0's spikes in time
            order, then neuron 1's, ...), which skips the global ordering
            (the most expensive step of large runs); ``counts()``,
            ``rates()`` and ``isi()`` work on either.  The result's
            ``extra["order"]`` says which.

        Returns
        -------
        clif.Spikes
            Spike times [ms] and senders sorted by time, then sender (or
            neuron-major with ``order="neuron"``), with
            ``t_start = t``, ``t_stop = until``, ``state`` this population,
            and ``extra`` holding ``neuron_offset`` (and ``V``,
            ``sample_times`` with samples).

        Raises
        ------
        ValueError, TypeError
            Bad input, naming the argument; the population is then unchanged.
        """
        n, t = self.n, self._t
        until = _check_until("until", until, t)
        if order not in ("time", "neuron"):
            raise ValueError(f"order must be 'time' or 'neuron'; got {order!r}")
        n_threads = self.n_threads if n_threads is None else self._check_threads(n_threads)
        max_spikes = as_max_spikes(max_spikes)
        kw = {}
        I_max = self._I_step
        next_step = self._I_step
        if current is not None:
            if not (isinstance(current, (tuple, list)) and len(current) == 2):
                raise TypeError("current must be a pair (change_times, values)")
            ct = _sorted("current change times",
                         _times("current change times", current[0], t, until))
            cv = _real_array("current values", current[1], np.ndim(current[1]))
            if cv.ndim not in (1, 2) or cv.shape[0] != ct.size or (
                    cv.ndim == 2 and cv.shape[1] != n):
                raise ValueError(f"current values must have shape (k,) or (k, n) with "
                                 f"k={ct.size} change times and n={n}; got {cv.shape}")
            if not np.all(np.isfinite(cv)):
                raise ValueError("current values must be finite (nA)")
            if ct.size:
                kw.update(change_t=ct, change_I=cv, change_per_neuron=cv.ndim == 2)
                I_max = np.maximum(I_max, cv.max(axis=0))
                next_step = np.ascontiguousarray(np.broadcast_to(cv[-1], (n,)))
        n_pulses = 0
        port = None
        wunit = self.model.weight_unit
        if pulses is not None:
            if not (isinstance(pulses, (tuple, list)) and len(pulses) in (3, 4)):
                raise TypeError("pulses must be a triple (times, targets, weights) or, for "
                                "current models, (times, targets, weights, ports)")
            pt = _real_array("pulse times", pulses[0])
            tg = as_indices("pulse targets", pulses[1], n)
            pw = _real_array("pulse weights", pulses[2])
            if not (pt.shape == tg.shape == pw.shape):
                raise ValueError(f"pulse times, targets and weights must have the same "
                                 f"length; got {pt.size}, {tg.size}, {pw.size}")
            pt = _times("pulse times", pt, t, until)
            if not np.all(np.isfinite(pw)):
                raise ValueError(f"pulse weights must be finite ({wunit})")
            if len(pulses) == 4:
                port = _models.ports(self.model, pulses[3], pt.size)
            by_target = _pulse_order(pt, tg)
            n_pulses = np.bincount(tg, minlength=n).astype(np.int64)
            off = np.zeros(n + 1, dtype=np.uintp)
            np.cumsum(n_pulses, out=off[1:])
            if by_target is None:
                kw.update(pulse_off=off, pulse_t=np.ascontiguousarray(pt),
                          pulse_w=np.ascontiguousarray(pw))
            else:
                kw.update(pulse_off=off, pulse_t=np.ascontiguousarray(pt[by_target]),
                          pulse_w=np.ascontiguousarray(pw[by_target]))
                if port is not None:
                    port = np.ascontiguousarray(port[by_target])
        extra = {"neuron_offset": self.neuron_offset, "order": order}
        sample_y = None
        if sample_times is not None:
            st = _sorted("sample_times", _times("sample_times", sample_times, t, until,
                                                closed=True))
            V = np.empty((st.size, n))
            kw.update(sample_t=st, sample_V=V)
            extra.update(V=V, sample_times=st)
            if self.model.current_based:
                y = np.empty((st.size, len(self.model.state), n))
                sample_y = y
                for j, name in enumerate(self.model.state):
                    extra[name] = y[:, j, :]
        # Large runs size their first buffers from the closed-form rate at
        # each neuron's largest current, plus one spike per pulse: usually a
        # single allocation.  Small ones just grow from a small buffer.
        p = self._par
        est = None
        if n >= 256:
            I_top = p["I_e"] + I_max + (np.abs(self._sine[0]) if self._sine else 0.0)
            r = _cf.rate(I_top, p["tau_m"], p["R_m"], p["E_L"], p["V_th"], p["V_reset"],
                         p["t_ref"])
            est = np.minimum(np.ceil(r * ((until - t) / 1000.0)) + 1 + n_pulses,
                             max_spikes).astype(np.int64)
        state = self._state.copy()  # committed only on success
        times, senders = _exact.run(
            p, state, np.zeros((n, 3), np.uintp), until, t_start=t, I_step0=self._I_step,
            sine=self._sine, refractory_input=refractory_code(self.refractory_input),
            n_threads=n_threads, max_spikes=max_spikes, estimate=est, order=order,
            **self._model_kw(pulse_port=port, sample_y=sample_y), **kw)
        self._state = state
        self._t = until
        self._I_step = next_step
        return Spikes._trusted(times, senders, n, until, t_start=t, state=self, extra=extra)


def simulate(t_stop, *, n=None, model="delta", neuron=None, I_e=None, V0=None, current=None,
             pulses=None, sine=None, sample_times=None, refractory_input="drop",
             max_spikes=None, n_threads=1, neuron_offset=0, order="time", **params):
    """Simulate ``n`` independent LIF neurons exactly from 0 to ``t_stop``.

    ``tau_m dV/dt = -(V - E_L) + R_m I(t)``; ``V >= V_th`` fires, then V is
    held at ``V_reset`` for ``t_ref``.  Spike times are exact to rounding
    (see :mod:`clif.simulate` for the method and the event semantics).

    Parameters
    ----------
    t_stop : float
        End of the simulation [ms], > 0; the interval is ``[0, t_stop)``.
    n : int, optional
        Number of neurons (default: the length of per-neuron arrays, or 1).
    model : {"delta", "psc_exp", "psc_alpha"}, optional
        What a pulse does (:mod:`clif.models`): ``"delta"`` (default) moves
        V by its weight [mV]; ``"psc_exp"`` / ``"psc_alpha"`` add an
        exponential / alpha postsynaptic current of peak weight [nA] (NEST
        ``iaf_psc_exp`` / ``iaf_psc_alpha``, PyNN ``IF_curr_exp`` /
        ``IF_curr_alpha``), with time constants ``tau_syn_ex``,
        ``tau_syn_in`` [ms] (default 2.0; PyNN's ``tau_syn_E``,
        ``tau_syn_I`` accepted), scalars or per neuron.
    neuron : clif.LIF, optional
        Parameters as an object, instead of the keywords.
    I_e : float or array_like, optional
        Constant current [nA], scalar or per neuron (default 0).
    V0 : float or array_like, optional
        Initial potential [mV] (default ``E_L``); ``V0 >= V_th`` fires at 0.
    current : (change_times, values), optional
        Piecewise-constant current [nA] added to ``I_e``: 0 until
        ``change_times[0]``, then ``values[j]`` from ``change_times[j]`` [ms]
        (sorted, in ``[0, t_stop)``).  ``values``: shape ``(k,)`` shared, or
        ``(k, n)`` per neuron.
    pulses : (times, targets, weights[, ports]), optional
        Input pulses in any order: times [ms] in ``[0, t_stop)``, integer
        targets in ``[0, n)``, weights [mV for delta, nA for the current
        models].  Current models route a pulse to the excitatory receptor
        when its weight is >= 0 and to the inhibitory one otherwise, unless
        ``ports`` (0 = ex, 1 = in, per pulse) are given.
    sine : dict, optional
        ``dict(I0=..., f=..., phase=0.0, I_dc=0.0)``: the current
        ``I_dc + I0 sin(2 pi f t / 1000 + phase)`` [nA; f in Hz; t in ms],
        scalars or per neuron.
    sample_times : array_like, optional
        Sorted times [ms] in ``[0, t_stop]``; V there [mV] is returned in
        ``spikes.extra["V"]``, shape ``(len(sample_times), n)``, computed from
        the closed form, before the events at the sample's own time.  Current
        models also return their synaptic state there: ``extra["I_ex"]``,
        ``extra["I_in"]`` [nA] (and ``J_ex``, ``J_in`` [nA/ms] for alpha).
    refractory_input : {"drop", "integrate"}, optional
        Delta pulses inside the refractory window are dropped (default) or
        added, decayed, at its end (NEST ``refractory_input``).  Current models
        take only ``"drop"``: their currents keep integrating input during
        refractoriness, V alone is held.
    max_spikes : int, optional
        Raise ``clif.SpikeLimitError`` rather than produce more spikes
        (default None: ``clif.params.default_max_spikes()``, about 1/128 of
        physical memory in spikes, within [10^6, 10^9]).
    n_threads : int, optional
        Threads over contiguous chunks of neurons (default 1); the result is
        identical for every value.
    neuron_offset : int, optional
        Global index of neuron 0 when this call is one chunk of a larger
        population; senders and targets stay local, the offset is returned in
        ``spikes.extra["neuron_offset"]``.
    order : {"time", "neuron"}, optional
        ``"time"`` (default): sorted by time, then sender.  ``"neuron"``:
        neuron-major (each neuron's spikes in time order), skipping the
        global ordering, which dominates large runs; for callers that only
        need counts, rates or per-neuron ISIs.
    **params
        ``tau_m`` [ms], ``C_m`` [nF], ``R_m`` [MOhm], ``E_L``, ``V_th``,
        ``V_reset`` [mV], ``t_ref`` [ms]: scalars or per-neuron arrays; for
        current models ``tau_syn_ex``, ``tau_syn_in`` [ms].

    Returns
    -------
    clif.Spikes
        Times [ms] and senders sorted by time then sender; ``spikes.state``
        is the :class:`Population` at ``t_stop``, ready to ``run`` further.

    Examples
    --------
    >>> import clif
    >>> s = clif.simulate(1000.0, I_e=2.0)
    >>> len(s), bool(abs(s.isi(0)[0] - clif.isi(2.0)) < 1e-12)
    (63, True)
    """
    t_stop = _check_until("t_stop", t_stop, 0.0)
    if t_stop <= 0:
        raise ValueError(f"t_stop must be finite and > 0 ms; got {t_stop!r}")
    pop = Population(n, model=model, neuron=neuron, I_e=I_e, V0=V0, sine=sine,
                     refractory_input=refractory_input, n_threads=n_threads,
                     neuron_offset=neuron_offset, **params)
    return pop.run(t_stop, current=current, pulses=pulses, sample_times=sample_times,
                   max_spikes=max_spikes, order=order)
