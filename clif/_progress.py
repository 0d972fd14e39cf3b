"""Progress reports and clean interruption for long simulations.

The simulators' C kernels run a whole call without returning to Python, so
progress is reported between *chunks in time*: a resumable population
(``clif.Population`` for the exact simulator, ``clif.NoisyPopulation`` for
the noisy one; anything with ``t`` and ``run(until, **kw) -> Spikes``) is
advanced in slices sized to last about ``interval`` seconds each, and the
slices are joined.  Both simulators guarantee that a split run gives the
same spikes as an unsplit one, so chunking changes nothing but the wall
time (one extra Python call per slice).

The hook a simulator can expose is ``progress=callable``::

    def simulate(t_stop, ..., progress=None):
        pop = Population(...)
        if progress is None:
            return pop.run(t_stop)            # no cost when absent
        return _progress.run_chunked(pop, t_stop, progress)

``progress(t, t_stop)`` is called with the time reached [ms] after each
slice, i.e. at most about 1/``interval`` times a second.  Ctrl-C between or
inside slices raises :class:`SimulationInterrupted`, a ``KeyboardInterrupt``
carrying the spikes simulated so far.
"""
import math
import sys
import time

import numpy as np

from clif.spikes import Spikes


class SimulationInterrupted(KeyboardInterrupt):
    """Ctrl-C during a chunked run.  ``partial`` holds the spikes of the
    completed slices (``partial.t_stop`` is the time reached), or None if
    not even the first slice finished."""

    def __init__(self, partial):
        super().__init__("simulation interrupted")
        self.partial = partial


def run_chunked(pop, t_stop, progress=None, *, interval=0.2, **run_kwargs):
    """Advance ``pop`` to ``t_stop`` [ms] in slices, reporting progress.

    Parameters
    ----------
    pop : resumable population
        Has ``t`` [ms] and ``run(until, **run_kwargs) -> Spikes``; a grid
        simulator also has ``dt`` [ms] and slice ends are kept on its grid.
    t_stop : float
        End time [ms].
    progress : callable, optional
        ``progress(t, t_stop)`` after each slice.
    interval : float
        Target wall time of a slice [s]: the first slice is small, later
        ones are scaled from the measured speed.
    **run_kwargs
        Passed to every ``pop.run`` call (``record``, ``n_threads`` ...).
        Inputs tied to absolute times (pulses, current changes) must be
        given to the population beforehand, not here.

    Returns
    -------
    Spikes
        The whole run; V samples in ``extra`` are joined along time.

    Raises
    ------
    SimulationInterrupted
        On Ctrl-C, with the spikes of the finished slices.
    """
    t0 = float(pop.t)
    t_stop = float(t_stop)
    grid = getattr(pop, "dt", None)
    span = t_stop - t0
    step = span / 1000.0 if span > 0 else 0.0  # a first slice of 0.1 % to time the speed
    parts = []
    try:
        while pop.t < t_stop:
            until = min(t_stop, pop.t + step)
            if grid:
                until = min(t_stop, grid * max(1, round(until / grid)))
                if until <= pop.t:
                    until = min(t_stop, pop.t + grid)
            start = time.perf_counter()
            parts.append(pop.run(until, **run_kwargs))
            took = time.perf_counter() - start
            if progress is not None:
                progress(float(pop.t), t_stop)
            done = parts[-1].t_stop - parts[-1].t_start
            # Aim for `interval` seconds per slice, growing at most 10x at a
            # time and never below the first slice (at most ~1000 slices).
            step = max(span / 1000.0,
                       done * min(10.0, interval / took) if took > 0 else 10.0 * done)
    except KeyboardInterrupt:
        raise SimulationInterrupted(join_in_time(parts) if parts else None) from None
    return join_in_time(parts) if parts else pop.run(t_stop, **run_kwargs)


def join_in_time(parts):
    """One :class:`Spikes` from consecutive runs of the same population.

    ``extra`` arrays with a time axis first (``'V'``, ``'t'``) are
    concatenated; other ``extra`` entries and the final ``state`` come from
    the last part.
    """
    parts = list(parts)
    for a, b in zip(parts[:-1], parts[1:]):
        if a.n != b.n or not math.isclose(a.t_stop, b.t_start, rel_tol=0, abs_tol=1e-9):
            raise ValueError("parts must be consecutive runs of one population")
    last = parts[-1]
    extra = dict(last.extra)
    for key in ("V", "t"):
        if all(key in p.extra for p in parts):
            extra[key] = np.concatenate([p.extra[key] for p in parts], axis=0)
    times = np.concatenate([p.times for p in parts])
    senders = np.concatenate([p.senders for p in parts])
    # Each part is sorted and later parts start later, so the join is sorted.
    return Spikes(times, senders, last.n, last.t_stop, parts[0].t_start, seed=last.seed,
                  state=last.state, sort=False, extra=extra)


class ProgressLine:
    """A ``progress`` callback that draws one self-overwriting line on a
    stream (stderr), only once a run has lasted ``delay`` seconds, and at
    most every ``every`` seconds."""

    def __init__(self, label="simulating", stream=None, delay=1.0, every=0.2):
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.delay, self.every = delay, every
        self.start = time.perf_counter()
        self._last = -math.inf
        self.shown = False

    def __call__(self, t, t_stop):
        now = time.perf_counter()
        elapsed = now - self.start
        if elapsed < self.delay or now - self._last < self.every:
            return
        self._last = now
        frac = t / t_stop if t_stop > 0 else 1.0
        left = elapsed * (1.0 - frac) / frac if frac > 0 else math.inf
        self.stream.write(f"\r{self.label}: {t:.6g} / {t_stop:.6g} ms ({100 * frac:5.1f} %), "
                          f"{elapsed:.1f} s elapsed, ~{left:.0f} s left ")
        self.stream.flush()
        self.shown = True

    def close(self):
        """End the line (if one was drawn) so later output starts clean."""
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
