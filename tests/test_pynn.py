"""clif.pynn against clif's own API (identical spikes), clif's mean-field
theory (Brunel rates) and PyNN's error types."""
import numpy as np
import pytest

pytest.importorskip("pyNN", reason="PyNN is not installed (pip install 'clif[pynn]')")
pytest.importorskip("neo", reason="Neo is not installed (pip install 'clif[pynn]')")

import clif  # noqa: E402
import clif.pynn as sim  # noqa: E402
from pyNN import errors  # noqa: E402

CELL = dict(tau_m=15.0, cm=0.25, v_rest=-65.0, v_thresh=-50.0, v_reset=-70.0, tau_refrac=2.0)
CLIF = dict(tau_m=15.0, C_m=0.25, E_L=-65.0, V_th=-50.0, V_reset=-70.0, t_ref=2.0)


@pytest.mark.parametrize("celltype,model", [("IF_curr_exp", "psc_exp"),
                                            ("IF_curr_alpha", "psc_alpha"),
                                            ("IF_curr_delta", "delta")])
def test_feedforward_matches_clif_simulate(celltype, model):
    """SpikeSourceArray -> cells with a DC step: the same pulses through
    clif.simulate give bit-identical spike times and V."""
    rng = np.random.default_rng(3)
    src_t = [np.sort(rng.uniform(0, 190, 40)) for _ in range(3)]
    w = 1.5 if model != "delta" else 4.0   # nA / mV
    syn = {} if model == "delta" else dict(tau_syn_E=3.0, tau_syn_I=6.0)
    sim.setup(timestep=0.5, min_delay=0.5)
    src = sim.Population(3, sim.SpikeSourceArray(spike_times=src_t))
    cells = sim.Population(2, getattr(sim, celltype)(i_offset=0.2, **CELL, **syn))
    conn = [(0, 0, w, 1.0), (1, 0, w, 2.5), (2, 1, w, 0.5), (1, 1, w, 1.5)]
    sim.Projection(src, cells, sim.FromListConnector(conn), sim.StaticSynapse(),
                   receptor_type="excitatory")
    sim.Projection(src, cells, sim.OneToOneConnector(), sim.StaticSynapse(weight=-w, delay=3.0),
                   receptor_type="inhibitory")
    sim.DCSource(amplitude=0.5, start=50.0, stop=120.0).inject_into(cells)
    cells.record(["spikes", "v"])
    sim.run(200.0)
    seg = cells.get_data().segments[0]
    sim.end()
    times, tgt, wts, ports = [], [], [], []
    for pre, post, ww, d in conn:
        times.append(src_t[pre] + d); tgt += [post] * 40; wts += [ww] * 40; ports += [0] * 40
    for k in range(2):
        times.append(src_t[k] + 3.0); tgt += [k] * 40; wts += [-w] * 40; ports += [1] * 40
    times = np.concatenate(times)
    keep = times < 200.0
    pulses = (times[keep], np.array(tgt)[keep], np.array(wts)[keep])
    if model != "delta":
        pulses += (np.array(ports)[keep],)
        syn = dict(tau_syn_ex=3.0, tau_syn_in=6.0)
    sample = np.arange(401) * 0.5
    ref = clif.simulate(200.0, n=2, model=model, I_e=0.2, pulses=pulses,
                        current=([50.0, 120.0], [0.5, 0.0]), sample_times=sample, **CLIF, **syn)
    assert len(ref) > 5
    for k in range(2):
        np.testing.assert_array_equal(np.asarray(seg.spiketrains[k].magnitude),
                                      ref.times[ref.senders == k])
    np.testing.assert_array_equal(np.asarray(seg.analogsignals[0].magnitude), ref.extra["V"])


def _pynn_brunel_script():
    """bench/pynn_brunel.py, the one PyNN Brunel script (run by the tests
    below on clif.pynn and, when installed, pyNN.nest)."""
    import importlib.util
    import os
    path = os.path.join(os.path.dirname(__file__), "..", "bench", "pynn_brunel.py")
    spec = importlib.util.spec_from_file_location("pynn_brunel", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_brunel_rate_matches_mean_field():
    """Asynchronous-irregular Brunel network (g=5, eta=2) through PyNN: the E
    rate lies within 10 % of clif.network.brunel_prediction.  The mean-field
    error at this size (C_E = 200, J = 0.1 mV) is a few percent, and the
    sampling error of the mean over 2000 neurons x 1 s is < 1 % (several
    standard errors inside the bound)."""
    r = _pynn_brunel_script().brunel(sim, N_E=2000, eps=0.1, g=5.0, eta=2.0, J=0.1, D=1.5,
                                     T=1000.0, seed=7)
    rate, se = r["rate"], r["se"]
    pred, _ = clif.network.brunel_prediction(r["C_E"], r["C_I"], 5.0, 2.0, 0.1)
    assert se < 0.02 * pred
    assert abs(rate - pred) < 0.1 * pred, (rate, pred)


def test_recurrent_matches_clif_network():
    """A small recurrent network with Poisson drive via PyNN gives the
    spikes of the same clif.Network built directly."""
    conn = [(0, 1, 12.0, 1.0), (1, 2, 12.0, 1.5), (2, 0, 12.0, 2.0), (1, 0, 5.0, 1.0)]
    sim.setup(timestep=0.1, min_delay=1.0, rng_seed=11)
    p = sim.Population(3, sim.IF_curr_delta(**CELL))
    noise = sim.Population(3, sim.SpikeSourcePoisson(rate=2000.0))
    sim.Projection(p, p, sim.FromListConnector(conn), sim.StaticSynapse())
    sim.Projection(noise, p, sim.OneToOneConnector(), sim.StaticSynapse(weight=1.0, delay=1.0))
    p.record("spikes")
    sim.run(300.0)
    seg = p.get_data().segments[0]
    sim.end()
    net = clif.Network(seed=11, d_min=1.0)
    net.add_population(3, ext_rate=2000.0, ext_weight=1.0, **CLIF)
    a = np.array(conn)
    net.connect(a[:, 0].astype(int), a[:, 1].astype(int), a[:, 2], a[:, 3])
    ref = net.run(300.0).spikes
    assert len(ref) > 20
    for k in range(3):
        np.testing.assert_array_equal(np.asarray(seg.spiketrains[k].magnitude),
                                      ref.times[ref.senders == k])


def test_recurrent_with_spike_sources_matches_clif_network():
    """SpikeSourceArray and a recorded, all-to-all, late-starting
    SpikeSourcePoisson into a recurrent network: the sources' recorded
    spikes are their inputs, and the cells' spikes are those of the same
    clif.Network driven by those trains."""
    conn = [(0, 1, 12.0, 1.0), (1, 2, 12.0, 1.5), (2, 0, 12.0, 2.0)]
    arr_t = [[5.0, 40.0, 40.0, 90.0], [20.0], []]
    sim.setup(timestep=0.1, min_delay=1.0, rng_seed=5)
    p = sim.Population(3, sim.IF_curr_delta(**CELL))
    arr = sim.Population(3, sim.SpikeSourceArray(spike_times=arr_t))
    poi = sim.Population(4, sim.SpikeSourcePoisson(rate=300.0, start=50.0, duration=100.0))
    sim.Projection(p, p, sim.FromListConnector(conn), sim.StaticSynapse())
    sim.Projection(arr, p, sim.OneToOneConnector(), sim.StaticSynapse(weight=16.0, delay=1.0))
    sim.Projection(poi, p, sim.AllToAllConnector(), sim.StaticSynapse(weight=3.0, delay=2.0))
    p.record("spikes")
    poi.record("spikes")
    sim.run(200.0)
    seg = p.get_data().segments[0]
    pin = [np.asarray(x.magnitude) for x in poi.get_data().segments[0].spiketrains]
    sim.end()
    assert sum(x.size for x in pin) > 50 and all(x.min() >= 50.0 for x in pin if x.size)
    net = clif.Network(seed=5, d_min=1.0)
    pop = net.add_population(3, **CLIF)
    a = np.array(conn)
    net.connect(a[:, 0].astype(int), a[:, 1].astype(int), a[:, 2], a[:, 3])
    s1 = net.add_spike_source(arr_t)
    net.connect(s1, np.arange(3), 16.0, 1.0)
    s2 = net.add_spike_source(pin)
    net.connect(s2[np.repeat(np.arange(4), 3)], np.tile(np.arange(3), 4), 3.0, 2.0)
    ref = net.run(200.0).spikes
    assert len(ref) > 10
    for k in range(3):
        np.testing.assert_array_equal(np.asarray(seg.spiketrains[k].magnitude),
                                      ref.times[ref.senders == k])


def test_pynn_error_types():
    sim.setup(timestep=0.1, min_delay=0.5)
    with pytest.raises(errors.NonExistentParameterError):
        sim.IF_curr_exp(tau_bogus=1.0)
    a = sim.Population(2, sim.IF_curr_exp())
    for bad in (-1.0, 0.2):   # negative, < min_delay
        with pytest.raises(errors.ConnectionError):
            sim.Projection(a, a, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1,
                                                                             delay=bad))
    with pytest.raises(NotImplementedError, match="conductance"):
        sim.Population(1, sim.IF_cond_exp())
    with pytest.raises(errors.RecordingError):   # delta synapses have no current
        sim.Population(1, sim.IF_curr_delta()).record("isyn_exc")
    sim.end()


def _nest_python():
    """A Python with pyNN.nest (CLIF_NEST_PYTHON, or /opt/venv-nest), or None."""
    import os
    import subprocess
    for py in (os.environ.get("CLIF_NEST_PYTHON"), "/opt/venv-nest/bin/python"):
        if py and os.path.exists(py):
            ok = subprocess.run([py, "-c", "import pyNN.nest"], capture_output=True,
                                timeout=120)
            if ok.returncode == 0:
                return py
    return None


def test_brunel_script_same_rate_on_pynn_nest():
    """bench/pynn_brunel.py, one PyNN script, on clif.pynn and on pyNN.nest
    (NEST's iaf_psc_delta, dt = 0.1 ms): E rates agree within 1 Hz and lie
    within 5 % of the mean field.  Seen: 73.70 (clif) vs 73.80 Hz (NEST),
    prediction 75.3; clif's seed-to-seed spread is ~0.07 Hz (3 seeds), the
    standard error of each mean 0.03 Hz, so 1 Hz is > 10 sd of either."""
    import json
    import os
    import subprocess
    import sys
    py = _nest_python()
    if py is None:
        pytest.skip("no Python with pyNN.nest (set CLIF_NEST_PYTHON)")
    script = os.path.join(os.path.dirname(__file__), "..", "bench", "pynn_brunel.py")
    out = {}
    for backend, exe in (("clif", sys.executable), ("nest", py)):
        env = dict(os.environ)
        if backend == "clif":
            env["PYTHONPATH"] = os.path.dirname(os.path.dirname(clif.__file__))
        r = subprocess.run([exe, script, "--backend", backend], capture_output=True,
                           text=True, timeout=600, env=env)
        assert r.returncode == 0, r.stderr[-2000:]
        out[backend] = json.loads(r.stdout.strip().splitlines()[-1])
    pred, _ = clif.network.brunel_prediction(200, 50, 5.0, 2.0, 0.1)
    a, b = out["clif"]["rate"], out["nest"]["rate"]
    assert abs(a - b) < 1.0, (a, b)
    assert abs(a - pred) < 0.05 * pred and abs(b - pred) < 0.05 * pred, (a, b, pred)


@pytest.mark.parametrize("name", ["fi_dc", "rheobase_edge", "pulse_summation",
                                  "coincident_threshold", "refractory_drop", "psc_exp_grazing",
                                  "psc_alpha_grazing", "network_small"])
def test_reference_runner_through_pynn_gives_the_exact_answer(name):
    """clif.runners.run_pynn (the PyNN script any backend runs for a
    reference problem) on clif.pynn reproduces the problem's exact spikes
    (the answers are checked against plain-Python / mpmath references in
    test_reference.py): same spikes per neuron, times to 1e-9 ms (the
    sources fire at t - dt with delay dt, one rounding)."""
    from clif import reference as R
    from clif.runners import run_pynn
    d = R.definition(name)
    ref = R.run(name).spikes
    t, s = run_pynn(d, sim, 0.1)
    o, o_ref = np.lexsort((t, s)), np.lexsort((ref.times, ref.senders))
    np.testing.assert_array_equal(s[o], np.asarray(ref.senders)[o_ref])
    np.testing.assert_allclose(t[o], np.asarray(ref.times)[o_ref], rtol=0, atol=1e-9)
    assert t.size > 0


def test_reference_runner_refuses_what_pynn_cannot_express():
    from clif import reference as R
    from clif.runners import run_pynn
    with pytest.raises(ValueError, match="refractory_input='integrate'"):
        run_pynn(R.definition("refractory_integrate"), sim, 0.1)
    with pytest.raises(ValueError, match="DC, pulse and network"):
        run_pynn(R.definition("noisy_population"), sim, 0.1)


def test_projection_without_synapse_type_uses_static_synapse():
    # PyNN's default synapse (common.Projection uses _static_synapse_class).
    sim.setup(timestep=0.1)
    a = sim.Population(1, sim.SpikeSourceArray(spike_times=[1.0]))
    b = sim.Population(1, sim.IF_curr_delta())
    prj = sim.Projection(a, b, sim.AllToAllConnector())
    assert isinstance(prj.synapse_type, sim.StaticSynapse)
    sim.end()
