"""clif.Network with synaptic-current models (psc_exp, psc_alpha, mixed with
delta): the network's spikes are those of the single-neuron kernels over
the pulses the network's own spikes deliver (bit for bit), the certified
single-neuron kernel is checked against the mpmath reference, threads and
splits are bit-identical, Brunel with exponential currents against the
Fourcaud-Brunel mean field, bad input."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import clif
from clif.network import Network, brunel, brunel_prediction, EXT_STREAM
from reference_psc import simulate_psc_reference

P = dict(tau_m=10.0, R_m=10.0, E_L=-65.0, V_th=-50.0, V_reset=-65.0, t_ref=2.0)


def ext_times(seed, g, rate, T):
    """External Poisson times of global neuron g (the documented stream)."""
    E = clif.random.exponential(int(3 * rate * T / 1000.0) + 50, seed,
                                stream=EXT_STREAM + g, start=0)
    t = np.cumsum(E * (1000.0 / rate))
    assert t[-1] >= T
    return t[t < T]


def delivered(spikes, syn, n, T):
    """Per target: (times, weights) of the pulses the spikes deliver, in the
    network's canonical order (arrival, spike time, sender, position in
    the sender's row after a stable sort by target)."""
    pre, post, w, d = syn
    rows = {}
    for k in np.argsort(post, kind="stable"):
        rows.setdefault(int(pre[k]), []).append(k)
    order = np.lexsort((spikes.senders, spikes.times))
    out = [[] for _ in range(n)]
    for j in order:
        t, s = float(spikes.times[j]), int(spikes.senders[j])
        for pos, k in enumerate(rows.get(s, [])):
            a = t + float(d[k])
            if a < T:
                out[int(post[k])].append((a, t, s, pos, float(w[k])))
    return [sorted(x) for x in out]


def single_neuron_spikes(T, i, model, I_e, pulses, ext, syn_kw):
    """clif.simulate of neuron i alone over its delivered and external
    pulses (external after synaptic ones of the same time)."""
    t = np.array([p[0] for p in pulses] + list(ext[0]), dtype=float)
    w = np.array([p[4] for p in pulses] + list(ext[1]), dtype=float)
    rank = np.concatenate([np.zeros(len(pulses)), np.ones(len(ext[0]))])
    o = np.lexsort((rank, t))
    kw = dict(syn_kw) if model != "delta" else {}
    sp = clif.simulate(T, n=1, I_e=I_e, model=model,
                       pulses=(t[o], np.zeros(t.size, dtype=np.int64), w[o]), **kw, **P)
    return sp.times


MODELS = ["delta", "psc_exp", "psc_alpha"]
SCALE = {"delta": 6.0, "psc_exp": 4.0, "psc_alpha": 2.0}  # mV / nA giving a few-mV PSP


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_recurrent_networks_equal_composed_single_neuron_kernels(data):
    # Random recurrent networks of 1-3 populations of any models: every
    # neuron's spikes must be clif.simulate's over the pulses the network's
    # own spikes deliver to it (and its external Poisson events).  Delays
    # >= d_min make this self-consistency determine the run, so it checks
    # delivery, ordering, units and the per-neuron model dispatch exactly.
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_pops = data.draw(st.integers(1, 3))
    models = [data.draw(st.sampled_from(MODELS)) for _ in range(n_pops)]
    net = Network(seed=seed % 1000)
    pops, T = [], 150.0
    for m in models:
        k = int(rng.integers(1, 4))
        syn_kw = dict(tau_syn_ex=float(rng.choice([0.5, 2.0, 10.0])),
                      tau_syn_in=float(rng.choice([1.0, 5.0])))
        I = rng.uniform(0.5, 2.2, k)
        rate = float(rng.choice([0.0, 300.0]))
        wx = SCALE[m] * 0.5
        r = net.add_population(k, model=m, I_e=I, ext_rate=rate, ext_weight=wx,
                               **(syn_kw if m != "delta" else {}), **P)
        pops.append((r, m, I, syn_kw, rate, wx))
    n = net.n
    model_of = [m for r, m, *_ in pops for _ in r]
    nsyn = int(rng.integers(0, 4 * n + 1))
    pre = rng.integers(0, n, nsyn)
    post = rng.integers(0, n, nsyn)
    scale = np.array([SCALE[model_of[j]] for j in post])
    w = (rng.uniform(-1.5, 2.5, nsyn) * scale).astype(np.float32).astype(float)
    d = rng.choice([1.0, 1.5, 2.25], nsyn)
    net.connect(pre, post, w, d)
    got = net.run(T, n_threads=int(rng.integers(1, 3))).spikes
    pulses = delivered(got, (pre, post, w, d), n, T)
    for r, m, I, syn_kw, rate, wx in pops:
        for j, i in enumerate(r):
            ext = ((ext_times(net.seed, i, rate, T), None) if rate > 0 else ([], None))
            ext = (ext[0], [np.float64(wx)] * len(ext[0]))
            ref = single_neuron_spikes(T, i, m, I[j], pulses[i], ext, syn_kw)
            np.testing.assert_array_equal(got.times[got.senders == i], ref,
                                          err_msg=f"neuron {i} ({m})")


def test_chain_against_the_mpmath_reference():
    # A driven delta neuron feeds a psc_exp and a psc_alpha neuron: their
    # spikes against the independent high-precision reference (no clif code).
    net = Network(seed=0)
    net.add_population(1, I_e=2.0, **P)
    net.add_population(1, model="psc_exp", tau_syn_ex=2.0, tau_syn_in=2.0, **P)
    net.add_population(1, model="psc_alpha", tau_syn_ex=1.0, tau_syn_in=1.0, **P)
    net.connect([0, 0], [1, 2], [15.0, 14.0], [1.5, 2.0])
    sp = net.run(100.0).spikes
    src = sp.times[sp.senders == 0]
    assert src.size > 5
    for i, model, w, d, tau in ((1, "psc_exp", 15.0, 1.5, 2.0), (2, "psc_alpha", 14.0, 2.0, 1.0)):
        a = src + d
        a = a[a < 100.0]
        ref = simulate_psc_reference(100.0, model=model, pulses=[(t, w) for t in a.tolist()],
                                     tau_syn_ex=tau, tau_syn_in=tau, I_e=0.0, **P)
        ref = np.array([float(x) for x in ref])
        mine = sp.times[sp.senders == i]
        assert mine.size == len(ref) and mine.size > 2
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-12)


def test_model_states_carry_the_synaptic_currents():
    # One pulse of 2 nA at t = 1 ms (delay 1 ms from a spike at 0) on a
    # psc_exp neuron: at 6 ms I_ex = 2 e^{-5/tau}, I_in = 0; the delta
    # neuron's y stays 0.
    net = Network(seed=0)
    net.add_population(1, V0=-49.0, **P)           # fires at t = 0
    net.add_population(1, model="psc_exp", tau_syn_ex=3.0, **P)
    net.connect(0, 1, 2.0, 1.0)
    net.run(6.0)
    s = net._sim.model_states()
    np.testing.assert_allclose(s[1, 0], 6.0)
    # the anchor is the pulse time; y is the anchor's state
    assert s[1, 1] == 1.0
    np.testing.assert_allclose(s[1, 4], 2.0, rtol=1e-15)
    assert s[1, 5] == 0.0 and np.all(s[0, 4:] == 0.0)


def test_threads_splits_and_V_bit_identical():
    def make():
        return brunel(2500, 0.1, 5.0, 2.0, 0.1, 1.5, model="psc_exp", seed=3)
    a = make().run(80.0, n_threads=1, record_V=[4, 2000], V_dt=0.25)
    b = make().run(80.0, n_threads=2, record_V=[4, 2000], V_dt=0.25)
    net = make()
    parts = [net.run(t, n_threads=2).spikes for t in (17.3, 41.0, 80.0)]
    assert len(a.spikes) > 1000
    assert a.spikes == b.spikes
    np.testing.assert_array_equal(a.V, b.V)
    np.testing.assert_array_equal(a.spikes.times, np.concatenate([p.times for p in parts]))
    np.testing.assert_array_equal(a.spikes.senders, np.concatenate([p.senders for p in parts]))
    # recording V does not change spikes
    assert a.spikes == make().run(80.0).spikes


def test_V_samples_equal_the_single_neuron_potential():
    net = Network(seed=1)
    net.add_population(1, I_e=2.0, **P)
    net.add_population(1, model="psc_alpha", tau_syn_ex=2.0, **P)
    net.connect(0, 1, 1.5, 1.0)
    res = net.run(40.0, record_V=[1], V_dt=0.5)
    src = res.spikes.times[res.spikes.senders == 0] + 1.0
    src = src[src < 40.0]
    sp = clif.simulate(40.0, n=1, model="psc_alpha", tau_syn_ex=2.0,
                       pulses=(src, np.zeros(src.size, dtype=int), np.full(src.size, 1.5)),
                       sample_times=res.V_times, **P)
    np.testing.assert_allclose(res.V[:, 0], sp.extra["V"][:, 0], rtol=0, atol=1e-12)


def test_brunel_psc_exp_weights_and_rate():
    # Weights are the PSP-peak ones (J = 0.1 mV at tau_syn 0.5 ms, C_m 250
    # pF: 54.96 pA, NEST's brunel_exp example).  Rate against the
    # Fourcaud-Brunel mean field: N = 4000, eta = 1.2, 500 ms after 100 ms:
    # the diffusion approximation and the first-order synaptic correction
    # (tau_syn / tau_m = 0.025) leave a few percent; 8% covers them
    # (measured: 28.21 Hz against 28.36 Hz, 0.5%; the delta theory says 24.2).
    net = brunel(4000, g=5.0, eta=1.2, model="psc_exp", tau_syn=0.5, seed=3)
    p = net.brunel_params
    assert p["model"] == "psc_exp" and abs(p["w"] - 0.054960) < 1e-5
    peak = clif.theory.psp_peak(p["w"], model="psc_exp", tau_syn=0.5, tau_m=20.0, C_m=0.25)
    np.testing.assert_allclose(peak, 0.1, rtol=1e-12)
    res = net.run(600.0)
    m = res.spikes.times >= 100.0
    rate = m.sum() / 4000 / 0.5
    nu, cv = brunel_prediction(p["C_E"], p["C_I"], 5.0, 1.2, 0.1, model="psc_exp",
                               tau_syn=0.5)
    assert abs(rate - nu) < 0.08 * nu, (rate, nu)


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match="tau_syn_ex"):
        Network().add_population(2, model="psc_exp", tau_syn_ex=0.0, **P)
    with pytest.raises(ValueError, match="tau_syn_in"):
        Network().add_population(2, model="psc_alpha", tau_syn_in=np.nan, **P)
    with pytest.raises(ValueError, match="model"):
        Network().add_population(2, model="psc_cond", **P)
    with pytest.raises(ValueError, match="delta"):
        Network().add_population(2, tau_syn_ex=1.0, **P)
    with pytest.raises(ValueError, match="refractory_input"):
        Network(refractory_input="integrate").add_population(2, model="psc_exp", **P)
    with pytest.raises(TypeError, match="tau_syn_E"):
        Network().add_population(2, model="psc_exp", tau_syn_ex=1.0, tau_syn_E=1.0, **P)
