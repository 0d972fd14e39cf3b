"""Robustness at the edges: spike limits, state kept on errors (issue 20)."""


import numpy as np
import pytest

import clif
import clif.noise
from clif.network import brunel


def _same(a, b):
    np.testing.assert_array_equal(a.times, b.times)
    np.testing.assert_array_equal(a.senders, b.senders)


def test_noisy_spike_limit_keeps_state():
    # The issue's example: the limit raises, and nothing of the run is lost.
    pop = clif.NoisyPopulation(sigma=3.0, n=4, I_e=1.2, seed=5)
    with pytest.raises(clif.SpikeLimitError, match="max_spikes=5"):
        pop.run(200.0, max_spikes=5)
    assert pop.t == 0.0
    again = pop.run(200.0)
    ref = clif.NoisyPopulation(sigma=3.0, n=4, I_e=1.2, seed=5).run(200.0)
    assert len(ref.times) > 5
    _same(again, ref)


def test_noisy_pieces_are_bitwise_equal(monkeypatch):
    one = clif.NoisyPopulation(sigma=3.0, n=4, I_e=1.2, seed=7).run(100.0, record_V=[0, 3])
    monkeypatch.setattr(clif.noise, "_PIECE", 37)  # 9 steps a piece for n=4
    many = clif.NoisyPopulation(sigma=3.0, n=4, I_e=1.2, seed=7).run(100.0, record_V=[0, 3])
    assert len(one.times) > 0
    _same(one, many)
    np.testing.assert_array_equal(one.extra["V"], many.extra["V"])


def test_simulate_noisy_huge_run_stops_quickly():
    # 4e15 steps would take years and the old buffer 58 TiB; the limit must
    # end it within the first piece (a hang would show as CI's timeout).
    with pytest.raises(clif.SpikeLimitError, match="max_spikes=10"):
        clif.simulate_noisy(4e14, n=1, sigma=5.0, I_e=2.0, dt=0.1, seed=1, max_spikes=10)


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


@pytest.mark.parametrize("senders, n", [([-0.9, 1.7], 3), ([0, 1], 3.9), ([0, 1], "3")])
def test_spikes_rejects_non_integral_senders_and_n(senders, n):
    with pytest.raises(TypeError, match="senders|n must"):
        clif.Spikes([1.0, 2.0], senders, n=n, t_stop=10.0)


def test_spikes_issue_example_is_a_type_error():
    with pytest.raises(TypeError):
        clif.Spikes([1.0, 2.0], [-0.9, 1.7], n=3.9, t_stop=float("inf"))


@pytest.mark.parametrize("times, senders, kw, match", [
    ([1.0, 10.5], [0, 1], dict(t_stop=10.0), "times must lie"),
    ([-0.5], [0], dict(t_stop=10.0), "times must lie"),
    ([float("nan")], [0], dict(t_stop=10.0), "times must lie"),
    ([1.0], [0], dict(t_stop=float("inf")), "finite"),
    ([1.0], [0], dict(t_stop=10.0, t_start=float("-inf")), "finite"),
    ([1.0], [0], dict(t_stop=1.0, t_start=2.0), "t_start <= t_stop"),
    ([1.0], [3], dict(t_stop=10.0), r"senders must lie in \[0, n=3\)"),
    ([1.0], [-1], dict(t_stop=10.0), r"senders must lie"),
])
def test_spikes_rejects_values_out_of_range(times, senders, kw, match):
    with pytest.raises(ValueError, match=match):
        clif.Spikes(times, senders, n=3, **kw)


def test_spikes_accepts_valid_input():
    s = clif.Spikes([2.0, 1.0], np.array([1.0, 2.0]), n=np.int64(3), t_stop=10.0)
    np.testing.assert_array_equal(s.times, [1.0, 2.0])
    np.testing.assert_array_equal(s.senders, [2, 1])
    assert s.senders.dtype == np.int64 and s.n == 3


# --- Up-front guards: absurd work or memory from small inputs is a ValueError
# naming the parameter, never a hang, a bare MemoryError or swapping.

def _two_neurons(*delays):
    net = clif.Network()
    net.add_population(2)
    for k, d in enumerate(delays):
        net.connect([k % 2], [(k + 1) % 2], 0.1, d)
    return net


def test_network_absurd_window_count_is_refused():
    # 20 ms in windows of 1e-15 ms: 2e16 windows (centuries of work).
    net = _two_neurons(1e-15)
    with pytest.raises(ValueError, match=r"2e\+16 windows of d_min = 1e-15"):
        net.run(20.0)
    assert net.t == 0.0
    # The same network over a span it can do runs (0.5e-9 ms: 5e5 windows).
    assert net.run(5e-10).spikes.times.size == 0


def test_network_delay_ratio_names_both_delays():
    net = _two_neurons(1e-15, 1.5)
    with pytest.raises(ValueError, match=r"longest delay \(1.5 ms\) is 1.5e\+15 windows"):
        net.run(1.0)


@pytest.mark.parametrize("kw, name", [({"rate_bin": 1e-12}, "rate_bin"),
                                      ({"record_V": [0], "V_dt": 1e-12}, "V_dt")])
def test_network_recording_memory_is_checked_up_front(kw, name):
    net = _two_neurons(1.0)
    with pytest.raises(ValueError, match=rf"^{name}: 1e\+15 .* PiB, more than the bound"):
        net.run(1000.0, **kw)
    assert net.t == 0.0


def test_recording_bound_follows_clif_max_bytes(monkeypatch):
    # 1000 ms at 1 ms bins: 1000 x 8 bytes. A bound of 4000 bytes refuses it,
    # one of 8000 lets it through: the check is the real byte count.
    net = _two_neurons(1.0)
    monkeypatch.setenv("CLIF_MAX_BYTES", "4000")
    with pytest.raises(ValueError, match="rate_bin: 1e\\+03 bins .* 7.81 KiB"):
        net.run(1000.0, rate_bin=1.0)
    monkeypatch.setenv("CLIF_MAX_BYTES", "8000")
    assert net.run(1000.0, rate_bin=1.0).rates is not None


@pytest.mark.parametrize("make", [lambda n: clif.simulate(10.0, n=n),
                                  lambda n: clif.Population(n=n),
                                  lambda n: clif.simulate(10.0, n=n, I_e=np.ones(1))])
def test_huge_population_is_a_value_error_naming_n(make, monkeypatch):
    monkeypatch.setenv("CLIF_MAX_BYTES", str(2**30))   # the same on every machine
    with pytest.raises(ValueError, match=r"^n: 2147483647 neurons needs 384 GiB"):
        make(2**31 - 1)


def test_noisy_messages_name_the_callers_argument():
    # NoisyPopulation.run takes `until`, simulate_noisy `t_stop` (issue 15).
    pop = clif.NoisyPopulation(sigma=1.0, n=2, seed=1)
    for bad, what in ((0.05, "multiples of dt"), (-1.0, ">= the time reached"),
                      (float("nan"), "a finite time")):
        with pytest.raises(ValueError, match=rf"^until must be {what}"):
            pop.run(bad)
    with pytest.raises(ValueError, match=r"^t_stop must be multiples of dt"):
        clif.simulate_noisy(0.05, sigma=1.0)


@pytest.mark.parametrize("call", [
    lambda k: clif.simulate(1.0, n=2, n_threads=k),
    lambda k: clif.Population(n=2).run(1.0, n_threads=k),
    lambda k: clif.simulate_noisy(1.0, sigma=1.0, n_threads=k),
    lambda k: _two_neurons(1.0).run(1.0, n_threads=k)])
def test_one_thread_policy(call):
    # One rule for n_threads everywhere (issue 15): an int in [1, 1024].
    for bad in (0, 1025):
        with pytest.raises(ValueError, match=r"^n_threads must lie in \[1, 1024\]"):
            call(bad)
    for bad in (1.5, True, "2"):
        with pytest.raises(TypeError, match="^n_threads must be an int"):
            call(bad)
