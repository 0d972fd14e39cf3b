"""clif.Network: closed forms, clif.simulate, an event-by-event reference,
thread and split invariance, Brunel mean field, bad input."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import clif
from clif.network import Network, brunel, brunel_prediction, random_connectome, EXT_STREAM
from reference_network import simulate_network_reference

P = dict(tau_m=10.0, R_m=10.0, E_L=-65.0, V_th=-50.0, V_reset=-65.0, t_ref=2.0)


def first_spike(I, V0=P["E_L"]):
    """Closed-form time to threshold from V0 under constant I (ms)."""
    V_inf = P["E_L"] + P["R_m"] * I
    return P["tau_m"] * math.log((V_inf - V0) / (V_inf - P["V_th"]))


# ---- chains against closed forms --------------------------------------------

def test_two_neuron_chain_closed_form():
    I0 = 2.0
    net = Network(seed=0)
    a = net.add_population(1, I_e=I0, **P)
    b = net.add_population(1, **P)
    net.connect(a, b, weight=20.0, delay=3.0)  # 20 mV > 15 mV to threshold
    sp = net.run(60.0).spikes
    t_a = sp.times[sp.senders == 0]
    t_b = sp.times[sp.senders == 1]
    T1 = first_spike(I0)
    isi = float(clif.isi(I0, **P))
    expect_a = T1 + isi * np.arange(t_a.size)
    np.testing.assert_allclose(t_a, expect_a, rtol=1e-12)
    assert t_a.size == int((60.0 - T1) // isi) + 1
    # b fires at each arrival, bit for bit: arrival = t_a + delay.
    arrivals = t_a + 3.0
    np.testing.assert_array_equal(t_b, arrivals[arrivals < 60.0])


def test_three_neuron_chain_subthreshold_pulse():
    # 0 drives 1 (suprathreshold pulse); 1 kicks 2, which is driven above
    # rheobase but starts far below: 2's first spike is the closed-form time
    # to threshold from V(t_arrival) + w.
    I0, I2 = 2.0, 1.6
    net = Network(seed=0)
    net.add_population(1, I_e=I0, **P)
    net.add_population(1, **P)
    net.add_population(1, I_e=I2, V0=-90.0, **P)
    net.connect([0, 1], [1, 2], weight=[20.0, 5.0], delay=[1.5, 2.0])
    sp = net.run(26.0).spikes
    t0 = first_spike(I0)
    t1 = t0 + 1.5
    ta = t1 + 2.0
    V_inf2 = P["E_L"] + P["R_m"] * I2
    V_a = V_inf2 + (-90.0 - V_inf2) * math.exp(-ta / P["tau_m"]) + 5.0
    t2 = ta + first_spike(I2, V0=V_a)
    assert t2 < 26.0 < 2 * t0 + float(clif.isi(I0, **P))
    assert sp.senders.tolist() == [0, 1, 2]
    np.testing.assert_allclose(sp.times, [t0, t1, t2], rtol=1e-12)


# ---- against clif.simulate --------------------------------------------------

def test_zero_weights_equal_independent_neurons():
    rng = np.random.default_rng(1)
    n = 40
    I = rng.uniform(0.5, 3.0, n)
    net = Network(seed=0)
    net.add_population(n, I_e=I, **P)
    pre, post = rng.integers(0, n, 300), rng.integers(0, n, 300)
    net.connect(pre, post, 0.0, rng.choice([1.0, 2.5], 300))
    got = net.run(200.0, n_threads=2).spikes
    ref = clif.simulate(200.0, n=n, I_e=I, **P)
    np.testing.assert_array_equal(got.times, ref.times)
    np.testing.assert_array_equal(got.senders, ref.senders)


def test_known_pulse_train_matches_simulate():
    # Sources 0..4 are driven by currents and receive nothing: their spikes
    # are those of clif.simulate.  Targets 5..9 receive only from sources, so
    # their input is a known pulse train (plus external Poisson events whose
    # times follow from the documented stream) -> clif.simulate with pulses.
    rng = np.random.default_rng(2)
    ns, nt, T = 5, 5, 300.0
    I_s = rng.uniform(1.6, 3.0, ns)
    I_t = rng.uniform(0.0, 1.4, nt)
    ext_rate, ext_w = 400.0, 1.25
    net = Network(seed=7)
    net.add_population(ns, I_e=I_s, **P)
    net.add_population(nt, I_e=I_t, ext_rate=ext_rate, ext_weight=ext_w, **P)
    m = 30
    pre = rng.integers(0, ns, m)
    post = rng.integers(ns, ns + nt, m)
    w = rng.uniform(-4.0, 9.0, m).astype(np.float32).astype(float)
    d = rng.choice([1.0, 1.75, 4.0], m)
    net.connect(pre, post, w, d)
    got = net.run(T, n_threads=2).spikes

    src = clif.simulate(T, n=ns, I_e=I_s, **P)
    pt, tg, pw, order_key = [], [], [], []
    for k in range(m):
        ts = src.times[src.senders == pre[k]]
        a = ts + d[k]
        a = a[a < T]
        pt.append(a)
        tg.append(np.full(a.size, post[k] - ns))
        pw.append(np.full(a.size, w[k]))
    # External events: t_j = t_{j-1} + E_j * 1000 / rate, E_j the documented
    # unit exponentials (-log u_j) of the neuron's stream.
    for i in range(nt):
        g = ns + i
        E = clif.random.exponential(20000, net.seed, stream=EXT_STREAM + g, start=0)
        t = 0.0
        ts = []
        for x in E:
            t += x * (1000.0 / ext_rate)
            if t >= T:
                break
            ts.append(t)
        pt.append(np.array(ts))
        tg.append(np.full(len(ts), i))
        pw.append(np.full(len(ts), ext_w))
    ref = clif.simulate(T, n=nt, I_e=I_t, pulses=(np.concatenate(pt), np.concatenate(tg),
                                                 np.concatenate(pw)), **P)
    sel = got.senders >= ns
    assert sel.sum() > 20
    np.testing.assert_array_equal(got.times[sel], ref.times)
    np.testing.assert_array_equal(got.senders[sel] - ns, ref.senders)
    np.testing.assert_array_equal(got.times[~sel], src.times)


# ---- against the event-by-event reference (hypothesis) -----------------------

@settings(max_examples=40, deadline=None)
@given(st.data())
def test_random_small_networks_match_reference(data):
    n = data.draw(st.integers(1, 6))
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    I = rng.uniform(0.0, 2.6, n)
    m = data.draw(st.integers(0, 3 * n))
    pre, post = rng.integers(0, n, m), rng.integers(0, n, m)
    w = rng.uniform(-10.0, 16.0, m).astype(np.float32).astype(float)
    if data.draw(st.booleans()):
        # one weight per sender (Dale's law): phase C's rows of one weight
        w = rng.uniform(-10.0, 16.0, n).astype(np.float32).astype(float)[pre]
    d = rng.choice([0.5, 1.0, 1.5, 2.25, 3.0], m)
    mode = data.draw(st.sampled_from(["drop", "integrate"]))
    T = 120.0
    net = Network(seed=0, refractory_input=mode)
    net.add_population(n, I_e=I, **P)
    net.connect(pre, post, w, d)
    got = net.run(T).spikes
    ref = simulate_network_reference(T, n, [P] * n, list(I),
                                     list(zip(pre.tolist(), post.tolist(), w.tolist(),
                                              d.tolist())), refractory_input=mode)
    # Independent formulas (log vs log1p, exp vs expm1) agree to rounding;
    # every spike (sender and count) must be the same.
    assert got.senders.tolist() == [s for _, s in ref]
    np.testing.assert_allclose(got.times, [t for t, _ in ref], rtol=0, atol=1e-9)


def test_same_time_pulses_summed_before_threshold():
    # Two sources fire at the same time; +20 and -10 arrive together: the sum
    # (10 mV) stays below threshold, whatever the order.
    net = Network(seed=0)
    net.add_population(2, I_e=2.0, **P)
    net.add_population(1, **P)
    net.connect([0, 1], [2, 2], [20.0, -10.0], 1.0)
    sp = net.run(30.0).spikes
    assert 2 not in sp.senders.tolist()


# ---- invariance ----------------------------------------------------------------

def test_threads_and_splits_bit_identical():
    net = random_connectome(1500, 60, seed=5, delay=(1.0, 3.0), w_E=0.4)
    a = net.run(150.0, n_threads=1)
    net2 = random_connectome(1500, 60, seed=5, delay=(1.0, 3.0), w_E=0.4)
    b = net2.run(150.0, n_threads=2)
    net3 = random_connectome(1500, 60, seed=5, delay=(1.0, 3.0), w_E=0.4)
    parts = [net3.run(t, n_threads=2).spikes for t in (33.3, 33.3, 100.05, 150.0)]
    assert len(a.spikes) > 1000
    for other in (b.spikes,):
        np.testing.assert_array_equal(a.spikes.times, other.times)
        np.testing.assert_array_equal(a.spikes.senders, other.senders)
    np.testing.assert_array_equal(a.spikes.times, np.concatenate([p.times for p in parts]))
    np.testing.assert_array_equal(a.spikes.senders, np.concatenate([p.senders for p in parts]))


def test_uniform_delay_splits_and_blocks_bit_identical():
    # Delay == d_min: every pulse arrives in the next window (the fused
    # phase C -> A path); 2500 neurons span several target blocks; stops
    # inside windows move unread fresh pulses into the ring.
    def make():
        return brunel(2500, 0.1, 5.0, 2.0, 0.2, 1.5, seed=3)
    a = make().run(60.0, n_threads=1).spikes
    net = make()
    parts = [net.run(t, n_threads=3).spikes for t in (0.7, 0.7, 2.25, 31.0, 31.4, 60.0)]
    assert len(a) > 1000
    np.testing.assert_array_equal(a.times, np.concatenate([p.times for p in parts]))
    np.testing.assert_array_equal(a.senders, np.concatenate([p.senders for p in parts]))


def test_random_connectome_initial_potentials():
    V = lambda net: net.run(0.5, record_V=np.arange(300), V_dt=0.25).V[0]
    v = V(random_connectome(300, 20, seed=1))
    assert v.min() >= 0.0 and v.max() < 20.0 and np.unique(v).size == 300
    np.testing.assert_array_equal(v, V(random_connectome(300, 20, seed=1)))
    np.testing.assert_array_equal(V(random_connectome(300, 20, seed=1, V0=0.0)), 0.0)
    with pytest.raises(ValueError, match="V0"):
        random_connectome(300, 20, seed=1, V0="rest")


def test_recording_rates_and_V():
    net = brunel(1000, seed=2)
    res = net.run(100.0, record_spikes=[0, 5, 999], rate_bin=10.0, record_V=[3, 7], V_dt=0.5)
    assert set(res.spikes.senders.tolist()) <= {0, 5, 999}
    full = brunel(1000, seed=2).run(100.0)
    keep = np.isin(full.spikes.senders, [0, 5, 999])
    np.testing.assert_array_equal(res.spikes.times, full.spikes.times[keep])
    n_E = len(net.populations["E"])
    e_count = np.sum(full.spikes.senders < n_E)
    np.testing.assert_allclose(res.rates["E"].sum() * 10.0 / 1000.0 * n_E, e_count)
    assert res.V.shape == (200, 2) and np.all(np.isfinite(res.V))
    assert np.all(res.V <= 20.0)


def test_spike_limit_is_an_error():
    net = brunel(1000, seed=2)
    with pytest.raises(clif.network.SpikeLimitError, match="max_spikes"):
        net.run(100.0, max_spikes=10)


# ---- Brunel mean field ------------------------------------------------------------

def test_brunel_rate_matches_siegert_fixed_point():
    # N = 4000 (C_E = 320), g = 5, eta = 1.2, 500 ms after a 100 ms transient:
    # about 1.6e5 spikes.  Poisson counting error of the mean rate is ~0.3%,
    # but the rate fluctuates with the network's collective oscillation and
    # the diffusion approximation neglects shot noise and finite-size
    # correlations (~epsilon): 5% covers these (measured: 0.4%).
    net = brunel(4000, g=5.0, eta=1.2, seed=3)
    res = net.run(600.0)
    p = net.brunel_params
    m = res.spikes.times >= 100.0
    rate = m.sum() / 4000 / 0.5
    nu, cv = brunel_prediction(p["C_E"], p["C_I"], 5.0, 1.2, 0.1)
    assert abs(rate - nu) < 0.05 * nu
    sub = clif.Spikes(res.spikes.times[m], res.spikes.senders[m], 4000, 600.0, 100.0)
    cv_sim = np.nanmean(sub.cv())
    # Irregular (CV well above a regular oscillator's ~0) but below the
    # stationary prediction: networks this small oscillate collectively
    # (~100-170 Hz, population-rate SD ~3x Poisson), which locks spikes to
    # the rhythm.  Documented as a known gap; bound it loosely.
    assert 0.4 * cv < cv_sim < 1.2 * cv


def test_brunel_prediction_matches_noisy_single_neuron():
    # The prediction's CV is the white-noise model's: check it against
    # external Poisson input at the same mu, sigma (shot noise J = 0.5 mV).
    kw = dict(tau_m=20.0, R_m=1.0, E_L=0.0, V_th=20.0, V_reset=10.0, t_ref=2.0)
    net = Network(seed=5)
    net.add_population(200, I_e=19.7 - 47.2, ext_rate=4720.0, ext_weight=0.5, **kw)
    sp = net.run(3000.0).spikes
    rate = len(sp) / 200 / 3.0
    assert abs(rate - clif.siegert_rate(19.7, 4.86, **kw)) < 0.08 * rate
    assert abs(np.nanmean(sp.cv()) - clif.isi_cv(19.7, 4.86, **kw)) < 0.05


# ---- building ---------------------------------------------------------------------

def test_sparse_matrix_equals_arrays():
    import scipy.sparse as sp
    rng = np.random.default_rng(3)
    n = 30
    W = sp.random(n, n, density=0.2, random_state=4, format="csr") * 20.0
    I = rng.uniform(1.0, 2.5, n)
    a = Network(seed=0)
    a.add_population(n, I_e=I, **P)
    a.connect_sparse(W, delay=1.5)
    coo = W.tocoo()
    b = Network(seed=0)
    b.add_population(n, I_e=I, **P)
    b.connect(coo.row, coo.col, coo.data, 1.5)
    sa, sb = a.run(100.0).spikes, b.run(100.0).spikes
    assert sa == sb and len(sa) > 0


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(pre=[0], post=[0], weight=1.0, delay=-1.0), ValueError, "delay"),
    (dict(pre=[0], post=[0], weight=1.0, delay=0.0), ValueError, "delay"),
    (dict(pre=[0], post=[0], weight=1.0, delay=0.5), ValueError, "d_min"),
    (dict(pre=[0], post=[3], weight=1.0, delay=1.0), IndexError, "post"),
    (dict(pre=[-1], post=[0], weight=1.0, delay=1.0), IndexError, "pre"),
    (dict(pre=[0], post=[1], weight=np.nan, delay=1.0), ValueError, "weight"),
    (dict(pre=[0], post=[1], weight=1.0, delay=np.nan), ValueError, "delay"),
    (dict(pre=[0, 1], post=[1], weight=[1.0, 2.0, 3.0], delay=1.0), ValueError, "weight"),
    (dict(pre=[0.5], post=[1], weight=1.0, delay=1.0), TypeError, "pre"),
])
def test_bad_connections(kwargs, exc, match):
    net = Network(seed=0, d_min=1.0)
    net.add_population(3, **P)
    with pytest.raises(exc, match=match):
        net.connect(**kwargs)


def test_bad_populations_and_runs():
    net = Network(seed=0)
    with pytest.raises(ValueError, match="ext_rate"):
        net.add_population(2, ext_rate=-1.0, **P)
    with pytest.raises(ValueError, match="V_reset"):
        net.add_population(2, V_reset=-40.0, **{k: v for k, v in P.items() if k != "V_reset"})
    with pytest.raises(ValueError, match="d_min"):
        Network(d_min=0.0)
    with pytest.raises(ValueError, match="no neurons"):
        Network().run(10.0)
    net.add_population(2, **P)
    net.run(10.0)
    with pytest.raises(ValueError, match="until"):
        net.run(5.0)
    with pytest.raises(RuntimeError, match="reset"):
        net.connect([0], [1], 1.0, 1.0)


def test_record_spikes_is_the_name_record_deprecated():
    def make():
        return clif.network.brunel(N=200, epsilon=0.1, eta=2.0, g=5.0, seed=2)
    a = make().run(50.0, record_spikes=[3, 150]).spikes
    with pytest.warns(DeprecationWarning, match="record= is deprecated.*use record_spikes="):
        b = make().run(50.0, record=[3, 150]).spikes
    assert a == b and len(a) > 0 and set(a.senders.tolist()) <= {3, 150}
    with pytest.raises(TypeError, match="deprecated name of record_spikes="):
        make().run(1.0, record=None, record_spikes=[0])
