"""A stand-in resumable population for testing the chunked runner and the
CLI without the simulators: neuron i fires at every multiple of
``period * (i + 1)`` ms (an exact, split-invariant rule)."""
import numpy as np

from clif.spikes import Spikes


class FakePopulation:
    def __init__(self, n=None, *, period=1.0, dt=None, interrupt_at_call=None, **ignored):
        self.n = 3 if n is None else n
        self.period = period
        if dt is not None:
            self.dt = dt
        self.t = 0.0
        self.calls = []
        self.interrupt_at_call = interrupt_at_call

    def run(self, until, **kw):
        self.calls.append((until, kw))
        if len(self.calls) == self.interrupt_at_call:
            raise KeyboardInterrupt
        if getattr(self, "dt", None):
            k = until / self.dt
            assert abs(k - round(k)) < 1e-9, f"{until} is off the grid"
        times, senders = [], []
        for i in range(self.n):
            p = self.period * (i + 1)
            k = np.arange(np.ceil(self.t / p), np.ceil(until / p))
            times.append(k * p)
            senders.append(np.full(k.size, i))
        s = Spikes(np.concatenate(times), np.concatenate(senders), self.n, until, self.t)
        self.t = until
        return s
