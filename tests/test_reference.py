"""clif.reference: the suite's exact answers against closed forms and the
independent plain-Python references in tests/, its export, and the CLI."""
import json
import math
import os
import sys

import numpy as np
import pytest

import clif
from clif import reference as R
from clif.compare import as_spikes

sys.path.insert(0, os.path.dirname(__file__))
from reference_exact import simulate_reference  # noqa: E402
from reference_network import simulate_network_reference  # noqa: E402


def _per_neuron(s, k):
    return s.times[s.senders == k]


def test_definitions_are_versioned_json():
    assert len(R.names()) == 11
    for name in R.names():
        d = R.definition(name)
        assert d["name"] == name and d["version"] >= 1 and d["t_stop"] > 0
        assert json.loads(json.dumps(d)) == d
    with pytest.raises(ValueError, match="unknown reference problem"):
        R.definition("nope")


@pytest.mark.parametrize("name", ["fi_dc", "rheobase_edge"])
def test_dc_problems_match_the_closed_form_isi(name):
    res = R.run(name)
    d, p = res.definition, res.definition["params"]
    for k, I in enumerate(d["I_e"]):
        t = _per_neuron(res.spikes, k)
        T = float(clif.isi(I, **p))
        if not math.isfinite(T):
            assert t.size == 0
            continue
        assert t[0] == pytest.approx(T - p["t_ref"], rel=1e-12)   # from E_L = V_reset
        np.testing.assert_allclose(np.diff(t), T, rtol=1e-9)
        assert t.size == math.floor((d["t_stop"] - (T - p["t_ref"])) / T) + 1


def test_fi_dc_V_trace_is_the_free_potential():
    res = R.run("fi_dc")
    p = res.definition["params"]
    m = res.V_t < 8.0          # before any spike (3 nA fires first, at 20 ln 1.5 = 8.1 ms)
    I = np.asarray(res.definition["I_e"])
    want = clif.free_potential(res.V_t[m, None], I[None, :], **p)
    np.testing.assert_allclose(res.V[m], want, atol=1e-10)


@pytest.mark.parametrize("name", ["pulse_summation", "coincident_threshold",
                                  "refractory_drop", "refractory_integrate", "sine_cutoff"])
def test_single_neuron_problems_match_the_plain_python_reference(name):
    res = R.run(name)
    d, p = res.definition, res.definition["params"]
    for k in range(d["n"]):
        pulses = [(t, w) for t, j, w in d["pulses"] if j == k]
        sine = None
        if d["sine"]:
            sine = (d["sine"]["I0"], d["sine"]["f"][k], d["sine"]["phase"], d["sine"]["I_dc"])
        want = simulate_reference(d["t_stop"], I_e=d["I_e"][k], pulses=pulses, sine=sine,
                                  refractory_input=d["refractory_input"], h=0.01, **p)
        np.testing.assert_allclose(_per_neuron(res.spikes, k), want, atol=1e-8)


def test_exact_answers_of_the_threshold_problems():
    s = R.run("coincident_threshold").spikes
    assert s.times.tolist() == [10.0, 10.0] and s.senders.tolist() == [0, 3]
    # two pulses summing: the peak of summation_peak decides
    assert float(clif.summation_peak(10.0, 0.001, 20.0)) < 20.0
    drop, integ = R.run("refractory_drop").spikes, R.run("refractory_integrate").spikes
    np.testing.assert_array_equal(_per_neuron(drop, 0), _per_neuron(integ, 0))   # control
    assert _per_neuron(integ, 1)[1] < _per_neuron(drop, 1)[1]   # the kept input fires earlier


@pytest.mark.parametrize("model", ["psc_exp", "psc_alpha"])
def test_grazing_problems_match_the_mpmath_reference(model):
    from reference_psc import simulate_psc_reference
    res = R.run(f"{model}_grazing")
    d, p = res.definition, dict(res.definition["params"])
    # only the just-above ones fire; the just-below ones graze and do not
    assert res.spikes.counts().tolist() == [0, 0, 1, 1]
    for k in (1, 2):   # the two closest to the threshold, within 1e-6 of it
        want = simulate_psc_reference(d["t_stop"], model=model, I_e=d["I_e"][k], V0=d["V0"],
                                      pulses=[(t, w) for t, j, w in d["pulses"] if j == k],
                                      **p)
        np.testing.assert_allclose(_per_neuron(res.spikes, k), [float(x) for x in want],
                                   atol=1e-9)


def test_network_problem_matches_the_event_by_event_reference():
    res = R.run("network_small")
    d = res.definition
    want = simulate_network_reference(d["t_stop"], d["n"], [d["params"]] * d["n"], d["I_e"],
                                      [tuple(s) for s in d["synapses"]])
    got = list(zip(res.spikes.times.tolist(), res.spikes.senders.tolist()))
    assert [k for _, k in got] == [k for _, k in want]
    np.testing.assert_allclose([t for t, _ in got], [t for t, _ in want], atol=1e-9)
    assert res.V.shape == (res.V_t.size, d["n"])


def test_noisy_population_rate_lies_in_the_siegert_band():
    res = R.run("noisy_population")
    e = res.expected
    assert e["siegert_rate_Hz"] == pytest.approx(
        float(clif.siegert_rate(0.9, 4.0, **res.definition["params"])))
    rate = res.spikes.rates().mean()
    lo, hi = e["band_Hz"]          # 99 % band, fixed seed
    assert lo < rate < hi, (rate, e)


def test_export_verify_load_and_formats(tmp_path):
    names = ["coincident_threshold", "network_small"]
    m = R.export(str(tmp_path), names)
    assert set(m["problems"]) == set(names) and R.verify(str(tmp_path)) == []
    for n in names:
        s, d = R.load(str(tmp_path), n)
        assert s == R.run(n).spikes and d == R.definition(n)
        assert as_spikes(str(tmp_path / f"{n}_spikes.csv"), n=s.n,
                             t_stop=s.t_stop) == s
        with open(tmp_path / f"{n}_units.json") as fh:
            assert as_spikes(json.load(fh)) == s
    with open(tmp_path / "coincident_threshold_spikes.csv", "a") as fh:
        fh.write("1.0,0\n")
    assert R.verify(str(tmp_path)) == ["coincident_threshold_spikes.csv"]


def test_cli_reference(tmp_path, capsys):
    from clif.cli import main
    assert main(["reference", "run", "coincident_threshold"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_spikes"] == 2
    assert main(["reference", "export", str(tmp_path), "--only", "fi_dc"]) == 0
    assert main(["reference", "verify", str(tmp_path)]) == 0
    assert main(["reference", "list"]) == 0


def test_nest_runner_precise_model_matches_exactly():
    py = R.interpreter("nest")
    if py is None or not os.path.exists(py):
        pytest.skip("NEST not installed (set CLIF_NEST_PYTHON)")
    ref = R.run("coincident_threshold").spikes
    got = R.run_external("coincident_threshold", "nest", 0.1, model="iaf_psc_delta_ps")
    c = clif.compare(ref, got, tol=1.0)
    assert (c.n_missed, c.n_extra) == (0, 0) and c.max_abs_error < 1e-9
