"""The spike-train result type shared by every simulator."""
import numpy as np


class Spikes:
    """Spikes of a population: two parallel arrays sorted by time, then sender.

    Parameters
    ----------
    times : array_like of float
        Spike times [ms].
    senders : array_like of int
        Index of the neuron that fired each spike, in ``[0, n)``.
    n : int
        Number of neurons in the population (silent ones included).
    t_stop : float
        End of the simulated interval [ms].
    t_start : float, optional
        Start of the simulated interval [ms] (default 0).
    seed : int or None, optional
        The seed the run used (stochastic simulators), so it can be repeated.
    state : object, optional
        The simulator's final state (to resume a run), if it returned one.
    sort : bool, optional
        Sort by (time, sender); skip only when the input is known sorted.

    Attributes
    ----------
    times : ndarray of float64
    senders : ndarray of int64
    """

    __slots__ = ("times", "senders", "n", "t_start", "t_stop", "seed", "state", "extra")

    def __init__(self, times, senders, n, t_stop, t_start=0.0, seed=None, state=None,
                 sort=True, extra=None):
        times = np.asarray(times, dtype=np.float64).reshape(-1)
        raw = np.asarray(senders).reshape(-1)
        # Truncating 1.7 to sender 1 would silently relabel spikes.
        if raw.size and raw.dtype.kind not in "iub":
            if raw.dtype.kind != "f" or not np.all(raw == np.round(raw)):
                raise TypeError(f"senders must be integers; got dtype {raw.dtype}")
        senders = raw.astype(np.int64)
        if times.shape != senders.shape:
            raise ValueError(f"times and senders must have the same length; "
                             f"got {times.size} and {senders.size}")
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
            if not (isinstance(n, (float, np.floating)) and float(n).is_integer()):
                raise TypeError(f"n must be an integer; got {n!r}")
        n = int(n)
        if n < 0:
            raise ValueError(f"n must be >= 0; got {n}")
        t_start, t_stop = float(t_start), float(t_stop)
        if not (np.isfinite(t_start) and np.isfinite(t_stop) and t_start <= t_stop):
            raise ValueError(f"t_start and t_stop must be finite with t_start <= t_stop; "
                             f"got {t_start}, {t_stop}")
        # Closed at t_stop: the Euler noisy scheme stamps a spike at the end
        # of its step, which can be t_stop itself.
        if times.size and not np.all((times >= t_start) & (times <= t_stop)):
            raise ValueError(f"times must lie in [t_start={t_start}, t_stop={t_stop}] "
                             f"(NaN is not allowed)")
        if senders.size and (senders.min() < 0 or senders.max() >= n):
            raise ValueError(f"senders must lie in [0, n={n})")
        if sort and times.size:
            order = np.lexsort((senders, times))
            times, senders = times[order], senders[order]
        self._assign(times, senders, n, t_stop, t_start, seed, state, extra)

    def _assign(self, times, senders, n, t_stop, t_start, seed, state, extra):
        self.times = times
        self.senders = senders
        self.n = n
        self.t_start = float(t_start)
        self.t_stop = float(t_stop)
        self.seed = seed
        self.state = state
        self.extra = {} if extra is None else extra

    @classmethod
    def _trusted(cls, times, senders, n, t_stop, t_start=0.0, seed=None, state=None,
                 extra=None):
        """For simulators whose output is already valid (float64/int64 1-D
        arrays of equal length, senders in [0, n), in the promised order):
        skips the checks and conversions of ``__init__``."""
        self = cls.__new__(cls)
        self._assign(times, senders, n, t_stop, t_start, seed, state, extra)
        return self

    def __len__(self):
        return self.times.size

    def __repr__(self):
        return (f"Spikes({self.times.size} spikes from {self.n} neurons, "
                f"t = [{self.t_start:g}, {self.t_stop:g}) ms"
                + (f", seed={self.seed}" if self.seed is not None else "") + ")")

    @property
    def duration(self):
        """Length of the simulated interval [ms]."""
        return self.t_stop - self.t_start

    def counts(self):
        """Number of spikes of each neuron (int64 array of length n)."""
        return np.bincount(self.senders, minlength=self.n).astype(np.int64)

    def rates(self):
        """Mean rate of each neuron over the run [Hz]; NaN over an empty
        interval (``duration == 0``: no time to count over, as 0/0)."""
        if self.duration <= 0:
            return np.full(self.n, np.nan)
        return self.counts() * (1000.0 / self.duration)

    def _by_neuron(self):
        order = np.argsort(self.senders, kind="stable")  # keeps time order per neuron
        t = self.times[order]
        bounds = np.concatenate(([0], np.cumsum(self.counts())))
        return t, bounds

    def isi(self, neuron=None):
        """Interspike intervals [ms].

        Parameters
        ----------
        neuron : int, optional
            One neuron's index.  Without it, a list of n arrays, one per neuron.
        """
        if neuron is not None:
            neuron = int(neuron)
            if not 0 <= neuron < self.n:
                raise IndexError(f"neuron must lie in [0, {self.n}); got {neuron}")
            return np.diff(self.times[self.senders == neuron])
        t, bounds = self._by_neuron()
        return [np.diff(t[bounds[i]:bounds[i + 1]]) for i in range(self.n)]

    def isi_all(self):
        """All ISIs of all neurons in one flat array [ms] (for histograms)."""
        t, bounds = self._by_neuron()
        d = np.diff(t)
        keep = np.ones(d.size, dtype=bool)
        # Drop the differences that straddle two neurons.
        edges = bounds[1:-1] - 1
        keep[edges[(edges >= 0) & (edges < d.size)]] = False
        return d[keep]

    def cv(self):
        """Coefficient of variation of each neuron's ISIs (NaN with < 2 ISIs)."""
        out = np.full(self.n, np.nan)
        for i, d in enumerate(self.isi()):
            if d.size >= 2:
                out[i] = d.std() / d.mean()
        return out

    def select(self, neurons):
        """The spikes of the given neurons, renumbered 0..len(neurons)-1."""
        neurons = np.asarray(neurons, dtype=np.int64).reshape(-1)
        if neurons.size and (neurons.min() < 0 or neurons.max() >= self.n):
            raise IndexError(f"neurons must lie in [0, {self.n})")
        lut = np.full(self.n, -1, dtype=np.int64)
        lut[neurons] = np.arange(neurons.size)
        new = lut[self.senders]
        keep = new >= 0
        return Spikes(self.times[keep], new[keep], neurons.size, self.t_stop, self.t_start,
                      self.seed, sort=False)

    @classmethod
    def concatenate(cls, parts, offsets=None):
        """Join the spikes of several populations (or chunks of one) into one.

        Parameters
        ----------
        parts : sequence of Spikes
            All with the same ``t_start``/``t_stop``.
        offsets : sequence of int, optional
            Global index of each part's neuron 0; default: parts laid end to end.
        """
        parts = list(parts)
        if not parts:
            raise ValueError("need at least one Spikes to concatenate")
        if offsets is None:
            offsets = np.concatenate(([0], np.cumsum([p.n for p in parts])[:-1]))
        offsets = [int(o) for o in offsets]
        n = max(o + p.n for o, p in zip(offsets, parts))
        t_start, t_stop = parts[0].t_start, parts[0].t_stop
        for p in parts:
            if p.t_start != t_start or p.t_stop != t_stop:
                raise ValueError("all parts must cover the same interval")
        times = np.concatenate([p.times for p in parts])
        senders = np.concatenate([p.senders + o for o, p in zip(offsets, parts)])
        return cls(times, senders, n, t_stop, t_start, parts[0].seed)

    def to_arrays(self):
        """``(times, senders)`` as plain NumPy arrays."""
        return self.times, self.senders

    def to_dict(self):
        """Plain arrays and scalars, e.g. for ``np.savez(path, **s.to_dict())``.

        Keys ``times`` [ms], ``senders``, ``n``, ``t_start``, ``t_stop`` [ms],
        and ``seed`` when the run had one; :meth:`from_dict` reverses it.
        """
        d = {"times": self.times, "senders": self.senders, "n": self.n,
             "t_start": self.t_start, "t_stop": self.t_stop}
        if self.seed is not None:
            d["seed"] = self.seed
        return d

    @classmethod
    def from_dict(cls, d):
        """Rebuild from :meth:`to_dict`'s keys (a dict or a loaded ``.npz``)."""
        seed = d["seed"] if "seed" in d else None
        if seed is not None:
            seed = int(np.asarray(seed))
        return cls(d["times"], d["senders"], int(np.asarray(d["n"])),
                   float(np.asarray(d["t_stop"])), float(np.asarray(d["t_start"])), seed=seed)

    def to_nwb_dict(self):
        """The NWB ``Units`` table layout (plain arrays, no pynwb needed).

        Returns
        -------
        dict
            ``id`` (0..n-1), ``spike_times`` [s] grouped by unit, each
            unit's times sorted, ``spike_times_index`` (end of each unit's
            slice in ``spike_times``, NWB's ragged-array index) and
            ``obs_intervals`` [s], shape ``(n, 1, 2)``.  Note NWB's seconds.
        """
        t, bounds = self._by_neuron()
        interval = np.array([[self.t_start, self.t_stop]]) / 1000.0
        return {"id": np.arange(self.n, dtype=np.int64), "spike_times": t / 1000.0,
                "spike_times_index": bounds[1:].astype(np.int64),
                "obs_intervals": np.broadcast_to(interval, (self.n, 1, 2)).copy()}

    def to_neo(self):
        """A ``neo.Segment`` with one ``SpikeTrain`` [ms] per neuron (as PyNN
        returns them), each annotated with its ``source_index``.

        Raises
        ------
        ImportError
            When neo is not installed (``pip install neo``).
        """
        try:
            import neo
            import quantities as pq
        except ImportError as exc:
            raise ImportError("Spikes.to_neo() needs neo: pip install neo") from exc
        seg = neo.Segment(name="clif")
        t, bounds = self._by_neuron()
        for i in range(self.n):
            st = neo.SpikeTrain(t[bounds[i]:bounds[i + 1]], units=pq.ms,
                                t_start=self.t_start * pq.ms, t_stop=self.t_stop * pq.ms)
            st.annotate(source_index=i)
            seg.spiketrains.append(st)
        if self.seed is not None:
            seg.annotate(seed=self.seed)
        return seg

    def __eq__(self, other):
        if not isinstance(other, Spikes):
            return NotImplemented
        return (self.n == other.n and self.t_start == other.t_start
                and self.t_stop == other.t_stop
                and np.array_equal(self.times, other.times)
                and np.array_equal(self.senders, other.senders))

    __hash__ = None
