"""Robustness at the edges: spike limits, state kept on errors (issue 20)."""

import time

import numpy as np
import pytest

import clif
import clif.noise
from clif.network import brunel


def _same(a, b):
    np.testing.assert_array_equal(a.times, b.times)
    np.testing.assert_array_equal(a.senders, b.senders)


def test_noisy_spike_limit_keeps_state():
    # The example: the limit raises, and nothing of the run is lost.
    pop = clif.NoisyPopulation(sigma=3.0, n=4, I_e=1.2, seed=5)
    with pytest.raises(clif.SpikeLimitError, match="max_spikes=5"):
        pop.run(200.0, max_spikes=5)
    assert pop.t == 0.0
    again = pop.run(200.0)
    ref = clif.NoisyPopulation(sigma=3.0, n=4, I_e=1.2, seed=5).run(200.0)
    assert len(ref.times) > 5
    _same(again, ref)


def test_noisy_pieces_are_bitwise_equal(monkeypatch):
    one = clif.NoisyPopulation(sigma=3.0, n=4, I_e=1.2, seed=7).run(100.0, record=[0, 3])
    monkeypatch.setattr(clif.noise, "_PIECE", 37)  # 9 steps a piece for n=4
    many = clif.NoisyPopulation(sigma=3.0, n=4, I_e=1.2, seed=7).run(100.0, record=[0, 3])
    assert len(one.times) > 0
    _same(one, many)
    np.testing.assert_array_equal(one.extra["V"], many.extra["V"])


def test_simulate_noisy_huge_run_stops_quickly():
    # 4e15 steps would take years; the limit must end it within the first piece.
    t0 = time.perf_counter()
    with pytest.raises(clif.SpikeLimitError, match="max_spikes=10"):
        clif.simulate_noisy(4e14, n=1, sigma=5.0, I_e=2.0, dt=0.1, seed=1, max_spikes=10)
    assert time.perf_counter() - t0 < 30.0  # generous; a hang is the failure


def test_one_spike_limit_class_for_every_simulator():
    from clif import _exact, _network
    assert _exact.SpikeLimitError is clif.SpikeLimitError
    assert _network.SpikeLimitError is clif.SpikeLimitError
    assert clif.network.SpikeLimitError is clif.SpikeLimitError
    assert issubclass(clif.SpikeLimitError, clif.ClifError)
    assert issubclass(clif.SpikeLimitError, OverflowError)
    with pytest.raises(clif.SpikeLimitError):
        clif.simulate(1000.0, n=3, I_e=2.0, max_spikes=5)
    with pytest.raises(clif.SpikeLimitError):
        clif.simulate_noisy(1000.0, n=3, sigma=3.0, I_e=2.0, seed=1, max_spikes=5)
    with pytest.raises(clif.SpikeLimitError):
        brunel(200, seed=2).run(100.0, max_spikes=10)
