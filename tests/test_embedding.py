"""The embedding contract, exercised the way a host uses it:

- examples/embed_c: a C program built with make against src_c alone (no
  Python), stepping a population with the stepping API and a noisy one with
  the stochastic integrator;
- examples/embed_cython: an extension built against the installed clif with
  ``cimport clif.cython_api`` only, whose stepped runs must give the same
  spikes as clif.simulate (to 1e-12 ms; in fact bit for bit), also for the
  synaptic-current models (model_step, model_advance), and
  clif.simulate_noisy (same seed: identical)."""
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import clif

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
PARAMS = dict(tau_m=20.0, R_m=20.0, E_L=-70.0, V_th=-50.0, V_reset=-70.0, t_ref=2.0)


def _env():
    # The subprocess must import the same clif as this test (installed, or
    # built in place in a source tree).
    env = dict(os.environ)
    parent = os.path.dirname(os.path.dirname(clif.__file__))
    env["PYTHONPATH"] = os.pathsep.join([parent, env.get("PYTHONPATH", "")])
    return env


@pytest.mark.skipif(not (shutil.which("make") and shutil.which("cc")),
                    reason="needs make and a C compiler")
def test_c_host_example_builds_without_python_and_runs(tmp_path):
    res = subprocess.run(["make", "-s", "-C", os.path.join(EXAMPLES, "embed_c"),
                          f"BUILD={tmp_path}", "run"], capture_output=True, text=True)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert out.count(" ok\n") == 5 and out.rstrip().endswith("ok")
    assert "psc_exp:" in out and "noisy:" in out


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    pytest.importorskip("Cython")
    build = tmp_path_factory.mktemp("embed_cython")
    for name in ("setup.py", "clif_embed_demo.pyx"):
        shutil.copy(os.path.join(EXAMPLES, "embed_cython", name), build)
    res = subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"],
                         cwd=build, capture_output=True, text=True, env=_env())
    assert res.returncode == 0, res.stdout + res.stderr
    sys.path.insert(0, str(build))
    try:
        import clif_embed_demo
        yield clif_embed_demo
    finally:
        sys.path.remove(str(build))


def _sorted(t, i):
    order = np.lexsort((i, t))
    return t[order], i[order]


def test_cython_extension_sees_the_same_abi(demo):
    import clif.cython_api  # noqa: F401
    assert demo.abi() == 3


@pytest.mark.parametrize("h", [0.1, 0.25, 1.0])
def test_stepping_api_matches_simulate(demo, h):
    rng = np.random.default_rng(11)
    n, t_stop = 5, 300.0
    I_e = np.array([0.9, 1.2, 1.5, 2.0, 3.0])
    pt = np.sort(rng.uniform(0.0, t_stop, 400))
    pt[10] = pt[9]                        # coincident pulses
    pt[20] = 50.0                         # a pulse on a grid point
    pt = np.sort(pt)
    pi = rng.integers(0, n, pt.size).astype(np.int64)
    pw = rng.uniform(-2.0, 8.0, pt.size)
    t, i = demo.step_exact(PARAMS, I_e, t_stop, h, pt, pi, pw)
    ref = clif.simulate(t_stop, n=n, I_e=I_e, pulses=(pt, pi, pw),
                        **{k: v for k, v in PARAMS.items() if k != "R_m"})
    t, i = _sorted(t, i)
    assert len(ref) > 50
    assert np.array_equal(i, ref.senders)
    assert np.max(np.abs(t - ref.times)) <= 1e-12
    assert np.array_equal(t, ref.times)   # in fact bit for bit


def _psc_inputs(h, n, seed):
    """Pulses for a current-model run ending on the grid point nearest 300
    ms: random ones, some on grid points, a coincident pair; weights [nA]."""
    t_stop = round(300.0 / h) * h          # the host's last grid point, k * h
    rng = np.random.default_rng(seed)
    pt = rng.uniform(0.0, t_stop, 300)
    pt[:6] = np.array([10, 41, 77, 120, 155, 250]) // h * h
    pt[10] = pt[9]
    pt = np.sort(pt)
    pi = rng.integers(0, n, pt.size).astype(np.int64)
    pw = rng.uniform(-0.6, 1.5, pt.size)
    ports = (rng.uniform(size=pt.size) < 0.3).astype(np.uint8)
    return t_stop, pt, pi, pw, ports


@pytest.mark.parametrize("model, with_ports", [("psc_exp", False), ("psc_alpha", True)])
@pytest.mark.parametrize("h", [0.1, 0.37, 1.0])
def test_model_stepping_matches_simulate(demo, model, with_ports, h):
    n = 4
    I_e = np.array([0.9, 1.05, 1.2, 1.5])       # nA; rheobase 1.0 nA
    syn = dict(tau_syn_ex=2.0, tau_syn_in=5.0)  # ms
    t_stop, pt, pi, pw, ports = _psc_inputs(h, n, 3)
    pulses = (pt, pi, pw, ports) if with_ports else (pt, pi, pw)
    ref = clif.simulate(t_stop, n=n, model=model, I_e=I_e, pulses=pulses, **syn,
                        **{k: v for k, v in PARAMS.items() if k != "R_m"})
    assert len(ref) > 25
    t, i = demo.step_model(model, PARAMS, syn, I_e, t_stop, h, pt, pi, pw,
                           ports if with_ports else None)
    t, i = _sorted(t, i)
    assert np.array_equal(i, ref.senders) and np.array_equal(t, ref.times)
    # An event-driven host: one model_advance per neuron over the whole run.
    for j in range(n):
        mine = pi == j
        got = demo.advance_model(model, PARAMS, syn, I_e[j], t_stop, pt[mine], pw[mine],
                                 ports[mine] if with_ports else None)
        assert np.array_equal(got, ref.times[ref.senders == j])


def test_model_stepping_delta_is_exact_stepping(demo):
    rng = np.random.default_rng(4)
    pt = np.sort(rng.uniform(0.0, 100.0, 200))
    pi = rng.integers(0, 3, pt.size).astype(np.int64)
    pw = rng.uniform(-2.0, 8.0, pt.size)
    I_e = np.array([0.9, 1.2, 2.0])
    a = demo.step_exact(PARAMS, I_e, 100.0, 0.25, pt, pi, pw)
    b = demo.step_model("delta", PARAMS, {}, I_e, 100.0, 0.25, pt, pi, pw)
    assert len(a[0]) > 10
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_model_errors_reach_the_host(demo):
    none = (np.empty(0), np.empty(0, dtype=np.int64), np.empty(0))
    with pytest.raises(ValueError, match="unknown model"):
        demo.step_model("psc_cond", PARAMS, {}, np.ones(1), 10.0, 0.1, *none)
    with pytest.raises(ValueError, match="tau_syn"):
        demo.step_model("psc_exp", PARAMS, dict(tau_syn_ex=0.0), np.ones(1), 10.0, 0.1, *none)
    # A port other than 0 or 1: the C status, naming the neuron.
    with pytest.raises(RuntimeError, match="neuron 0"):
        demo.step_model("psc_exp", PARAMS, {}, np.ones(1), 10.0, 0.1, np.array([1.0]),
                        np.zeros(1, dtype=np.int64), np.array([0.5]), np.array([2]))


def test_stochastic_stepping_matches_simulate_noisy(demo):
    I_e = np.linspace(0.8, 1.6, 40)
    t, i = demo.step_noisy(PARAMS, I_e, 5.0, 200.0, 0.1, 2024)
    ref = clif.simulate_noisy(200.0, n=40, I_e=I_e, sigma=5.0, dt=0.1, seed=2024,
                              **{k: v for k, v in PARAMS.items() if k != "R_m"})
    t, i = _sorted(t, i)
    assert len(ref) > 100
    assert np.array_equal(t, ref.times) and np.array_equal(i, ref.senders)
    other = clif.simulate_noisy(200.0, n=40, I_e=I_e, sigma=5.0, dt=0.1, seed=2025,
                                **{k: v for k, v in PARAMS.items() if k != "R_m"})
    assert not (len(other) == len(ref) and np.array_equal(other.times, ref.times))


def test_bad_parameters_reach_the_host_as_status_codes(demo):
    with pytest.raises(ValueError, match="tau_m"):
        demo.step_exact(dict(PARAMS, tau_m=-1.0), np.ones(1), 10.0, 0.1, np.empty(0),
                        np.empty(0, dtype=np.int64), np.empty(0))


def test_get_include_has_every_public_header():
    inc = clif.get_include()
    for h in ("clif.h", "clif_exact.h", "clif_noise.h", "clif_step.h", "clif_model.h"):
        assert os.path.isfile(os.path.join(inc, h)), h
    pkg = os.path.dirname(clif.__file__)
    for pxd in ("_clif.pxd", "cython_api.pxd"):
        assert os.path.isfile(os.path.join(pkg, pxd)), pxd


# ---- the stepping API against references that share no code with clif -------

@pytest.mark.parametrize("h", [0.1, 0.37])
def test_stepping_api_matches_the_plain_python_reference(demo, h):
    # tests/reference_exact.py: event by event in plain Python (a grid-free
    # closed form between events, bisection to 1e-13 ms), not clif_exact_run.
    from reference_exact import simulate_reference
    rng = np.random.default_rng(23)
    n, t_stop = 3, 150.0
    I_e = np.array([0.95, 1.3, 2.2])
    pt = np.sort(np.round(rng.uniform(0.0, t_stop, 90), 3))
    pi = rng.integers(0, n, pt.size).astype(np.int64)
    pw = 0.731 * rng.integers(-4, 12, pt.size)   # off the threshold lattice
    t, i = _sorted(*demo.step_exact(PARAMS, I_e, t_stop, h, pt, pi, pw))
    assert len(t) > 15
    for j in range(n):
        mine = pi == j
        ref = simulate_reference(t_stop, I_e=I_e[j], pulses=list(zip(pt[mine], pw[mine])),
                                 **PARAMS)
        np.testing.assert_allclose(t[i == j], ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize("model", ["psc_exp", "psc_alpha"])
def test_model_stepping_matches_the_matrix_exponential_reference(demo, model):
    # tests/reference_psc.py: expm of the linear system in fixed point, a
    # certified dyadic search; no closed form of V, no clif code.
    from reference_psc import simulate_psc_reference
    n, h = 2, 0.37
    I_e = np.array([1.05, 1.4])
    syn = dict(tau_syn_ex=2.0, tau_syn_in=5.0)
    t_stop, pt, pi, pw, ports = _psc_inputs(h, n, 8)
    keep = pt < 80.0                                   # the reference is slow
    pt, pi, pw, ports = pt[keep], pi[keep], pw[keep], ports[keep]
    t_stop = round(80.0 / h) * h
    t, i = _sorted(*demo.step_model(model, PARAMS, syn, I_e, t_stop, h, pt, pi, pw, ports))
    assert len(t) > 4
    for j in range(n):
        mine = pi == j
        ref = simulate_psc_reference(t_stop, model=model, I_e=I_e[j], **syn, **PARAMS,
                                     pulses=list(zip(pt[mine], pw[mine], ports[mine].astype(int))))
        np.testing.assert_allclose(t[i == j], np.array(ref, dtype=float), rtol=0, atol=1e-9)


def test_only_public_headers_are_installed():
    inc = clif.get_include()
    if os.path.basename(inc) != "include":
        pytest.skip("a source-tree build: get_include() is src_c itself")
    names = sorted(os.listdir(inc))
    assert "clif.h" in names
    assert all(n.startswith("clif") and n.endswith(".h") for n in names), names
    assert "clif_test_hooks.h" not in names and not any("_impl" in n for n in names), names
