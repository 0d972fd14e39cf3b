"""Spike sources in clif.Network (given trains and Poisson generators):
delta networks against the plain-Python event-by-event reference, current
models against the composed single-neuron kernels (bit for bit), the
Poisson trains against their documented construction and their rate,
threads / splits, bad input."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import clif
from clif.network import Network, Sources
from reference_network import simulate_network_reference
from test_network_psc import P, delivered, single_neuron_spikes


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_delta_networks_with_sources_match_reference(data):
    n = data.draw(st.integers(1, 5))
    k = data.draw(st.integers(1, 4))           # sources
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    I = rng.uniform(0.0, 1.8, n)
    trains = [np.sort(np.round(rng.uniform(0, 80.0, rng.integers(0, 12)), 1)) for _ in range(k)]
    if data.draw(st.booleans()) and trains[0].size:
        trains[0] = np.sort(np.concatenate([trains[0], trains[0][:2]]))   # repeated times
    m, ms = data.draw(st.integers(0, 2 * n)), data.draw(st.integers(1, 3 * n))
    pre, post = rng.integers(0, n, m), rng.integers(0, n, m)
    spre, spost = rng.integers(0, k, ms), rng.integers(0, n, ms)
    w = rng.uniform(-10.0, 16.0, m).astype(np.float32).astype(float)
    sw = rng.uniform(-8.0, 14.0, ms).astype(np.float32).astype(float)
    d = rng.choice([0.5, 1.0, 1.5, 2.25], m)
    sd = rng.choice([0.5, 0.75, 2.0], ms)
    T = 100.0
    net = Network(seed=0)
    net.add_population(n, I_e=I, **P)
    src = net.add_spike_source(trains)
    net.connect(pre, post, w, d)
    net.connect(src[spre], spost, sw, sd)
    got = net.run(T, n_threads=data.draw(st.sampled_from([1, 2]))).spikes
    syn = list(zip(pre.tolist(), post.tolist(), w.tolist(), d.tolist()))
    syn += list(zip((n + spre).tolist(), spost.tolist(), sw.tolist(), sd.tolist()))
    spk = sorted((float(t), j) for j, tr in enumerate(trains) for t in tr)
    ref = simulate_network_reference(T, n, [P] * n, list(I), syn, sources=spk)
    assert got.senders.tolist() == [s for _, s in ref]
    np.testing.assert_allclose(got.times, [t for t, _ in ref], rtol=0, atol=1e-9)


@pytest.mark.parametrize("model", ["psc_exp", "psc_alpha"])
def test_current_models_with_sources_equal_composed_kernels(model):
    # Each neuron's spikes are clif.simulate's over the pulses that the
    # network's spikes and the sources' spikes deliver to it.
    n, k, T = 6, 3, 200.0
    rng = np.random.default_rng(4)
    syn_kw = dict(tau_syn_ex=2.0, tau_syn_in=5.0)
    net = Network(seed=3)
    net.add_population(n, model=model, I_e=rng.uniform(0.5, 1.4, n), **syn_kw, **P)
    trains = [np.sort(rng.uniform(0, T, 40)) for _ in range(k)]
    src = net.add_spike_source(trains)
    pre, post = rng.integers(0, n, 20), rng.integers(0, n, 20)
    w = rng.uniform(-1.5, 3.0, 20).astype(np.float32)
    d = rng.choice([0.5, 1.25, 3.0], 20)
    spre, spost = rng.integers(0, k, 12), rng.integers(0, n, 12)
    sw = rng.uniform(-2.0, 4.0, 12).astype(np.float32)
    net.connect(pre, post, w, d)
    net.connect(src[spre], spost, sw, 1.0)
    got = net.run(T).spikes
    assert got.times.size > 20
    # The sources as senders n + j after the neurons (the canonical order).
    st_t = np.concatenate(trains)
    st_i = np.repeat(np.arange(n, n + k), [tr.size for tr in trains])
    allsp = clif.Spikes(np.concatenate([got.times, st_t]), np.concatenate([got.senders, st_i]),
                        n + k, T)
    syn = (np.concatenate([pre, n + spre]), np.concatenate([post, spost]),
           np.concatenate([w, sw]).astype(float), np.concatenate([d, np.full(12, 1.0)]))
    pulses = delivered(allsp, syn, n + k, T)
    for i in range(n):
        ref = single_neuron_spikes(T, i, model, net._pars[0]["I_e"][i], pulses[i], ([], []),
                                   syn_kw)
        np.testing.assert_array_equal(got.times[got.senders == i], ref)


def _poisson_reference(seed, k, first, n, rate, start, stop, T):
    # The documented construction, written out: per 1000 ms block, PCG64
    # from SeedSequence(seed, spawn_key=(0x5352435F, k, block)), Poisson
    # counts per source then uniform times.
    out = [[] for _ in range(n)]
    for b in range(int(np.ceil(min(T, stop) / 1000.0))):
        lo, hi = max(1000.0 * b, start), min(1000.0 * (b + 1), stop)
        rng = np.random.Generator(np.random.PCG64(
            np.random.SeedSequence(seed, spawn_key=(0x5352435F, k, b))))
        c = rng.poisson(rate * max(hi - lo, 0.0) / 1000.0, size=n)
        u = lo + (hi - lo) * rng.random(int(c.sum()))
        for j, tt in zip(np.repeat(np.arange(n), c), u):
            if tt < T:
                out[j].append(tt)
    return [np.sort(x) for x in out]


def test_poisson_sources_are_the_documented_trains_and_split_freely():
    # One neuron per source, weight = threshold gap: the neuron fires at
    # each arrival outside its refractory time, so its spikes reveal the
    # train; runs split anywhere and any threads give the same bits.
    T, n, rate = 2300.0, 5, 20.0
    p = dict(P, t_ref=0.0)

    def build():
        net = Network(seed=11)
        net.add_population(2)                       # another population first
        pop = net.add_population(n, **p)
        net.add_poisson_source(3, 5.0, name="other")
        src = net.add_poisson_source(n, rate, start=100.0, stop=2100.0, name="drive")
        net.connect(src, pop, weight=p["V_th"] - p["E_L"] + 1.0, delay=1.0)
        return net, pop

    net, pop = build()
    one = net.run(T).spikes
    ref = _poisson_reference(11, 1, 3, n, rate, 100.0, 2100.0, T)
    for j in range(n):
        np.testing.assert_allclose(one.times[one.senders == pop[j]], ref[j] + 1.0, rtol=0,
                                   atol=1e-12)
    net2, _ = build()
    parts = [net2.run(t, n_threads=2).spikes for t in (0.5, 999.95, 1000.0, 1717.0, T)]
    np.testing.assert_array_equal(np.concatenate([s.times for s in parts]), one.times)
    np.testing.assert_array_equal(np.concatenate([s.senders for s in parts]), one.senders)


def test_poisson_source_rate():
    # 200 sources x 10 Hz x 10 s: 20,000 expected spikes, sd 141; 4 sd
    # (two-sided 99.994%) with the fixed seed.
    net = Network(seed=5)
    pop = net.add_population(200, t_ref=0.0)
    src = net.add_poisson_source(200, 10.0)
    net.connect(src, pop, weight=25.0, delay=0.5)   # each arrival is a spike
    c = net.run(10000.5).spikes.times.size
    assert abs(c - 20000) < 4 * np.sqrt(20000)


def test_sources_under_threads_are_bit_identical():
    res = []
    for threads in (1, 2):
        net = clif.network.brunel(N=1000, seed=2, eta=0.0)
        src = net.add_poisson_source(1000, 20000.0)
        exc = net.populations["E"]
        net.connect(src[: len(exc)], np.asarray(exc), weight=0.1, delay=1.5)
        res.append(net.run(200.0, n_threads=threads).spikes)
    assert res[0].times.size > 100
    np.testing.assert_array_equal(res[0].times, res[1].times)
    np.testing.assert_array_equal(res[0].senders, res[1].senders)


def test_bad_sources_input():
    net = Network(seed=0)
    a = net.add_population(2)
    with pytest.raises(ValueError, match=r"trains\[0\].*sorted"):
        net.add_spike_source([[3.0, 1.0]])
    with pytest.raises(ValueError, match=r"trains\[1\].*>= 0"):
        net.add_spike_source([[1.0], [-1.0]])
    with pytest.raises(ValueError, match="finite"):
        net.add_spike_source([[np.nan]])
    with pytest.raises(TypeError, match="one per source"):
        net.add_spike_source(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="rate"):
        net.add_poisson_source(2, -1.0)
    with pytest.raises(ValueError, match="start"):
        net.add_poisson_source(2, 1.0, start=5.0, stop=1.0)
    src = net.add_spike_source([[1.0]], name="s")
    assert isinstance(src, Sources) and len(src) == 1
    with pytest.raises(ValueError, match="already used"):
        net.add_spike_source([[1.0]], name="s")
    with pytest.raises(TypeError, match="receive no synapses"):
        net.connect(a, src, 1.0, 1.0)
    with pytest.raises(IndexError):
        net.connect(src[[0, 1]], a, 1.0, 1.0)
