"""A suite of canonical LIF problems with exact answers: clif as the yardstick.

Each problem is a small, versioned, JSON-ready definition (parameters,
inputs, duration) from which clif computes the exact spike trains and V
traces.  Other simulators run the same definition (:mod:`clif.runners`) and
:func:`clif.compare.compare` measures how far their spikes are from these.

=========================  ====================================================================
name                       what it probes
=========================  ====================================================================
``fi_dc``                  f-I under constant currents, below and above the rheobase
``rheobase_edge``          currents within 1e-6..1e-2 of the rheobase: very long ISIs
``pulse_summation``        trains of subthreshold delta pulses summing to threshold
``coincident_threshold``   pulses at one time summing exactly to threshold (fires) or not
``refractory_drop``        pulses inside the refractory window are dropped
``refractory_integrate``   ... or added, decayed, at its end (NEST ``refractory_input``)
``sine_cutoff``            sinusoidal drive at 0.8..1.25 times the steady-state cutoff
``psc_exp_grazing``        exponential PSCs whose PSP peak grazes the threshold (+-1e-6, 1e-3)
``psc_alpha_grazing``      the same with alpha PSCs
``network_small``          12 recurrently connected delta neurons (exact spike times)
``noisy_population``       200 noisy neurons; the answer is the Siegert rate and a 99 % band
=========================  ====================================================================

All use ``tau_m = 20 ms, R_m = 20 MOhm (C_m = 1 nF), E_L = V_reset = -70 mV,
V_th = -50 mV, t_ref = 2 ms`` unless the definition says otherwise.  Units:
ms, mV, nA, MOhm; delta weights in mV, PSC weights in nA.
"""
import hashlib
import json
import math
import os

import numpy as np

from clif._version import __version__

#: Version of the suite as a whole; each problem carries its own too.
SUITE_VERSION = 1

_P = dict(tau_m=20.0, R_m=20.0, E_L=-70.0, V_th=-50.0, V_reset=-70.0, t_ref=2.0)


def _f32(x):
    # clif.Network stores weights as float32: definitions hold values it keeps exactly.
    return float(np.float32(x))


def _definitions():
    defs = []

    def add(name, description, **kw):
        d = dict(name=name, version=1, description=description, kind="single",
                 model="delta", params=dict(_P), n=1, I_e=[0.0], pulses=[],
                 sine=None, V0=None, refractory_input="drop", V_dt=0.1)
        d.update(kw)
        defs.append(d)

    add("fi_dc", "f-I under DC: constant currents below, at and above the rheobase (1 nA).",
        n=8, I_e=[0.5, 0.9, 1.0, 1.05, 1.2, 1.5, 2.0, 3.0], t_stop=300.0)
    add("rheobase_edge", "Currents within 1e-6..1e-2 of the rheobase: long ISIs, "
        "V creeping up to threshold.",
        n=5, I_e=[1.0 - 1e-6, 1.0 + 1e-6, 1.0 + 1e-4, 1.0 + 1e-3, 1.0 + 1e-2], t_stop=1000.0)
    # Trains of 4.5 mV pulses from t = 5 ms, spaced 0.5, 1, 2, 4 ms: temporal summation.
    pulses = [[5.0 + k * s, i, 4.5] for i, s in enumerate((0.5, 1.0, 2.0, 4.0))
              for k in range(20)]
    add("pulse_summation", "Subthreshold delta pulses (4.5 mV) every 0.5, 1, 2, 4 ms: "
        "temporal summation to threshold.", n=4, I_e=[0.0] * 4, pulses=pulses, t_stop=100.0)
    add("coincident_threshold",
        "Pulses at one time: 10+10 mV (reaches V_th exactly: fires), 10+9.999 mV (does not), "
        "10 mV then 10 mV 1 us later (does not: decay), 7+7+7 mV (fires).",
        n=4, I_e=[0.0] * 4, t_stop=20.0,
        pulses=[[10.0, 0, 10.0], [10.0, 0, 10.0], [10.0, 1, 10.0], [10.0, 1, 9.999],
                [10.0, 2, 10.0], [10.001, 2, 10.0],
                [10.0, 3, 7.0], [10.0, 3, 7.0], [10.0, 3, 7.0]])
    # I_e = 1.5 nA: first spike at 20 ln 3 = 21.97 ms; refractory until 23.97 ms.
    rpulses = [[22.5, 1, 5.0], [23.0, 1, 5.0], [60.0, 1, 5.0]]
    for mode in ("drop", "integrate"):
        add(f"refractory_{mode}",
            f"DC 1.5 nA with 5 mV pulses inside the first refractory window "
            f"[21.97, 23.97) ms (refractory_input={mode!r}); neuron 0 is the control.",
            n=2, I_e=[1.5, 1.5], pulses=rpulses, refractory_input=mode, t_stop=100.0)
    fc = 13.783222385544802  # Hz: clif.cutoff_frequency(1.0, 0.5) at these parameters
    add("sine_cutoff", "0.5 nA DC + 1 nA sine at 0.8, 0.95, 1.05, 1.25 times the "
        f"steady-state cutoff ({fc:.4f} Hz).", n=4, I_e=[0.0] * 4,
        sine=dict(I0=1.0, I_dc=0.5, f=[fc * r for r in (0.8, 0.95, 1.05, 1.25)], phase=0.0),
        t_stop=500.0, cutoff_Hz=fc)
    for model in ("psc_exp", "psc_alpha"):
        add(f"{model}_grazing",
            f"{model}: bias 0.9 nA (V 2 mV below V_th from the start), one pulse at 10 ms "
            "whose PSP peak is 2 mV times (1 - 1e-3, 1 - 1e-6, 1 + 1e-6, 1 + 1e-3): "
            "grazing crossings.", model=model, n=4, I_e=[0.9] * 4, V0=-52.0,
            params=dict(_P, tau_syn_ex=2.0, tau_syn_in=2.0), t_stop=50.0,
            psp_target_mV=2.0, margins=[-1e-3, -1e-6, 1e-6, 1e-3])
    rng = np.random.default_rng(20261203)
    n = 12
    I_e = [round(float(x), 3) for x in rng.uniform(1.05, 1.8, n)]
    syn = []
    for pre in range(n):
        for post in range(n):
            if pre != post and rng.random() < 0.3:
                w = _f32(round(float(rng.choice([-1, 1]) * rng.uniform(0.5, 2.0)), 3))
                syn.append([pre, post, w, float(rng.choice([1.0, 1.5, 2.0]))])
    defs.append(dict(name="network_small", version=1, kind="network", model="delta",
                     description="12 delta neurons, DC 1.05..1.8 nA, 30 % random "
                     "connections of +-0.5..2 mV with delays 1, 1.5, 2 ms: exact spike times "
                     "of a recurrent network.",
                     params=dict(_P), n=n, I_e=I_e, synapses=syn, t_stop=200.0, V_dt=0.1,
                     refractory_input="drop"))
    defs.append(dict(name="noisy_population", version=1, kind="noisy", model="delta",
                     description="200 neurons, 0.9 nA + white noise sigma = 4 mV: the rate "
                     "is the Siegert rate, within a 99 % band; spikes are one sample "
                     "(seed 12345, dt 0.1 ms, clif's exact method).",
                     params=dict(_P), n=200, I_e=[0.9], sigma=4.0, dt=0.1, method="exact",
                     seed=12345, t_stop=2000.0, V_dt=None, confidence=0.99))
    return {d["name"]: d for d in defs}


_DEFS = _definitions()


def names():
    """Names of the suite's problems, in suite order."""
    return list(_DEFS)


def definition(name):
    """The JSON-ready definition (a fresh dict) of problem ``name``."""
    if name not in _DEFS:
        raise ValueError(f"unknown reference problem {name!r}; choose from {names()}")
    d = json.loads(json.dumps(_DEFS[name]))
    if d["model"] in ("psc_exp", "psc_alpha") and d["kind"] == "single":
        d["pulses"] = [[10.0, i, w] for i, w in enumerate(_grazing_weights(d))]
    return d


def _grazing_weights(d):
    from clif import theory
    p = d["params"]
    return [float(theory.weight_for_psp(d["psp_target_mV"] * (1.0 + m), model=d["model"],
                                        tau_syn=p["tau_syn_ex"], tau_m=p["tau_m"],
                                        R_m=p["R_m"]))
            for m in d["margins"]]


class Result:
    """The exact answer to one problem.

    Attributes
    ----------
    definition : dict
    spikes : clif.Spikes
        Exact spike times [ms].
    V_t : ndarray or None
        Sample times [ms] of ``V``; ``V`` (samples, n) [mV], before the
        events at each sample time.
    expected : dict
        Closed-form answers where they exist (noisy: the Siegert rate [Hz]
        and its band).
    """

    def __init__(self, definition, spikes, V_t=None, V=None, expected=None):
        self.definition, self.spikes, self.V_t, self.V = definition, spikes, V_t, V
        self.expected = expected or {}

    @property
    def name(self):
        return self.definition["name"]

    def __repr__(self):
        return f"Result({self.name!r}, {self.spikes!r})"


def _sim_kwargs(d):
    import clif
    p = dict(d["params"])
    kw = dict(n=d["n"], model=d["model"], I_e=np.asarray(d["I_e"], float),
              refractory_input=d["refractory_input"], **p)
    if d.get("V0") is not None:
        kw["V0"] = d["V0"]
    if d["pulses"]:
        pt = np.array(d["pulses"], float)
        kw["pulses"] = (pt[:, 0], pt[:, 1].astype(np.int64), pt[:, 2])
    if d.get("sine"):
        kw["sine"] = {k: (np.asarray(v, float) if isinstance(v, list) else v)
                      for k, v in d["sine"].items()}
    return clif, kw


def run(name_or_definition):
    """Compute a problem's exact answer with clif.

    Parameters
    ----------
    name_or_definition : str or dict
        A problem name (:func:`names`) or a definition (:func:`definition`).

    Returns
    -------
    Result
    """
    d = definition(name_or_definition) if isinstance(name_or_definition, str) \
        else name_or_definition
    T = float(d["t_stop"])
    if d["kind"] == "single":
        clif, kw = _sim_kwargs(d)
        V_t = np.round(np.arange(0.0, T, d["V_dt"]), 10) if d.get("V_dt") else None
        s = clif.simulate(T, sample_times=V_t, **kw)
        V = s.extra.get("V") if V_t is not None else None
        s.extra = {}
        s.state = None
        return Result(d, s, V_t, V)
    if d["kind"] == "network":
        import clif
        net = clif.Network(seed=0, refractory_input=d["refractory_input"])
        pop = net.add_population(d["n"], model=d["model"], I_e=np.asarray(d["I_e"], float),
                                 **d["params"])
        syn = np.array(d["synapses"], float)
        pre = np.asarray(pop)[syn[:, 0].astype(int)]
        post = np.asarray(pop)[syn[:, 1].astype(int)]
        for dl in np.unique(syn[:, 3]):
            k = syn[:, 3] == dl
            net.connect(pre[k], post[k], weight=syn[k, 2], delay=float(dl))
        res = net.run(T, record_V=np.arange(d["n"]), V_dt=d["V_dt"])
        s = res.spikes
        s.state = None
        return Result(d, s, np.asarray(res.V_times), np.asarray(res.V))
    if d["kind"] == "noisy":
        import clif
        s = clif.simulate_noisy(T, sigma=d["sigma"], n=d["n"], I_e=d["I_e"][0], dt=d["dt"],
                                method=d["method"], seed=d["seed"], **d["params"])
        s.state = None
        s.extra = {}
        return Result(d, s, expected=noisy_expectation(d))
    raise ValueError(f"unknown problem kind {d['kind']!r}")


def noisy_expectation(d):
    """Siegert rate [Hz] of a noisy problem and its ``confidence`` band for
    the population rate of ``n`` neurons over ``t_stop``.

    Each neuron starts at ``V_reset = E_L``, i.e. at a renewal point minus
    the dead time, so its expected count over ``T`` is, asymptotically (Cox
    1962, renewal theory), ``nu T + (CV^2 - 1)/2 + nu t_ref``: a finite-T
    correction of -1.3 % here, larger than the band.  The count's variance is
    ``CV^2 nu T``, so the population rate has SD ``sqrt(CV^2 nu / (n T))``;
    the band is its normal approximation around the corrected mean.
    """
    from scipy.stats import norm
    from clif import theory
    p = d["params"]
    nu = float(theory.siegert_rate(d["I_e"][0], d["sigma"], **p))
    cv = float(theory.isi_cv(d["I_e"][0], d["sigma"], **p))
    T = d["t_stop"] / 1000.0
    sd = math.sqrt(cv * cv * nu / (d["n"] * T))
    mean = nu + ((cv * cv - 1.0) / 2.0 + nu * p["t_ref"] / 1000.0) / T
    z = float(norm.ppf(0.5 + d["confidence"] / 2.0))
    return {"siegert_rate_Hz": nu, "isi_cv": cv, "expected_rate_Hz": mean,
            "rate_sd_Hz": sd, "band_Hz": [mean - z * sd, mean + z * sd],
            "confidence": d["confidence"]}


# ---- export ----------------------------------------------------------------------------

def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def _write_one(res, folder):
    d, s = res.definition, res.spikes
    name = d["name"]
    files = {}
    path = os.path.join(folder, f"{name}.json")
    with open(path, "w") as fh:
        json.dump({"definition": d, "expected": res.expected, "clif_version": __version__,
                   "n_spikes": len(s)}, fh, indent=1, sort_keys=True)
    files[f"{name}.json"] = path
    arrays = dict(s.to_dict())
    if res.V is not None:
        arrays.update(V_t=res.V_t, V=res.V)
    path = os.path.join(folder, f"{name}.npz")
    np.savez_compressed(path, **arrays)
    files[f"{name}.npz"] = path
    path = os.path.join(folder, f"{name}_spikes.csv")
    with open(path, "w") as fh:
        fh.write("time_ms,sender\n")
        for t, k in zip(s.times.tolist(), s.senders.tolist()):
            fh.write(f"{t!r},{k}\n")
    files[f"{name}_spikes.csv"] = path
    nwb = s.to_nwb_dict()
    path = os.path.join(folder, f"{name}_units.json")
    with open(path, "w") as fh:
        json.dump({"description": "NWB Units table layout (seconds)",
                   **{k: v.tolist() for k, v in nwb.items()}}, fh)
    files[f"{name}_units.json"] = path
    return files


def export(folder, problems=None):
    """Write the suite to ``folder``: per problem a JSON definition, an NPZ
    (spikes, and V traces where recorded), a CSV of spikes and an NWB-style
    Units table (JSON), plus ``manifest.json`` with SHA-256 checksums.

    Parameters
    ----------
    folder : str
        Created if missing.
    problems : list of str, optional
        Default: every problem.

    Returns
    -------
    dict
        The manifest.
    """
    os.makedirs(folder, exist_ok=True)
    manifest = {"suite": "clif.reference", "suite_version": SUITE_VERSION,
                "clif_version": __version__, "units": "ms, mV, nA, MOhm; NWB files in s",
                "problems": {}}
    for name in (problems or names()):
        res = run(name)
        files = _write_one(res, folder)
        manifest["problems"][name] = {
            "version": res.definition["version"], "n_spikes": len(res.spikes),
            "files": {f: _sha256(p) for f, p in files.items()}}
    with open(os.path.join(folder, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=1, sort_keys=True)
    return manifest


def verify(folder):
    """Check the files of an exported suite against its manifest's checksums.

    Returns
    -------
    list of str
        The files whose checksum differs or that are missing (empty: all good).
    """
    with open(os.path.join(folder, "manifest.json")) as fh:
        manifest = json.load(fh)
    bad = []
    for entry in manifest["problems"].values():
        for f, digest in entry["files"].items():
            p = os.path.join(folder, f)
            if not os.path.exists(p) or _sha256(p) != digest:
                bad.append(f)
    return bad


def load(folder, name):
    """An exported problem's spikes (clif.Spikes) and definition (dict)."""
    from clif.spikes import Spikes
    with open(os.path.join(folder, f"{name}.json")) as fh:
        meta = json.load(fh)
    with np.load(os.path.join(folder, f"{name}.npz")) as z:
        s = Spikes.from_dict(dict(z))
    return s, meta["definition"]


# ---- other simulators -----------------------------------------------------------------

#: Where the runners look for each simulator's interpreter (first found wins):
#: an environment variable, this interpreter if it imports the simulator, then
#: a conventional virtual environment.
INTERPRETERS = {"nest": ("CLIF_NEST_PYTHON", "nest", "/opt/venv-nest/bin/python"),
                "brian2": ("CLIF_BRIAN2_PYTHON", "brian2", "/tmp/venv-brian2/bin/python")}


def interpreter(simulator):
    """The Python that has ``simulator`` ("nest" or "brian2"), or None."""
    import importlib.util
    import sys
    if simulator not in INTERPRETERS:
        raise ValueError(f"simulator must be one of {sorted(INTERPRETERS)}; got {simulator!r}")
    env, module, venv = INTERPRETERS[simulator]
    if os.environ.get(env):
        return os.environ[env]
    if importlib.util.find_spec(module) is not None:
        return sys.executable
    return venv if os.path.exists(venv) else None


def run_external(problem, simulator, dt, model=None, timeout=600):
    """Run a problem in NEST or Brian2 (in its own interpreter, see
    :data:`INTERPRETERS`) at step ``dt`` [ms]; the spikes as clif.Spikes.

    Parameters
    ----------
    problem : str or dict
        A name or a definition.
    simulator : {"nest", "brian2"}
    dt : float
        The simulator's resolution [ms].
    model : str, optional
        NEST model (e.g. ``"iaf_psc_delta_ps"``; default: the on-grid model
        matching the problem's, see :data:`clif.runners.NEST_MODELS`).

    For PyNN, call :func:`clif.runners.run_pynn` with the simulator module.
    """
    import subprocess
    import tempfile
    from clif import runners
    from clif.spikes import Spikes
    d = definition(problem) if isinstance(problem, str) else problem
    py = interpreter(simulator)
    if py is None:
        raise RuntimeError(f"{simulator} not found: set {INTERPRETERS[simulator][0]} to a "
                           f"Python that imports it")
    if simulator == "nest" and model is None:
        model = runners.NEST_MODELS[d["model"]][0]
    with tempfile.TemporaryDirectory() as tmp:
        dp, out = os.path.join(tmp, "def.json"), os.path.join(tmp, "out.npz")
        with open(dp, "w") as fh:
            json.dump(d, fh)
        # Not ``python runners.py``: that would put clif/ first on sys.path,
        # where clif/random.py shadows the standard library's random.
        argv = [runners.__file__, simulator, model or "-", repr(float(dt)), dp, out]
        code = ("import runpy, sys; sys.argv = " + repr(argv) + "; "
                "runpy.run_path(sys.argv[0], run_name='__main__')")
        r = subprocess.run([py, "-c", code], capture_output=True, text=True,
                           timeout=timeout, cwd=tmp)
        if r.returncode != 0:
            raise RuntimeError(f"{simulator} run of {d['name']!r} failed:\n{r.stderr[-2000:]}")
        with np.load(out) as z:
            return Spikes(z["times"], z["senders"], d["n"], float(d["t_stop"]))


# ---- command line (``clif reference ...``, wired in clif/cli.py) ---------------------------

def add_parser(sub):
    """Add the ``reference`` subcommand to an argparse subparsers object."""
    r = sub.add_parser("reference", help="the suite of exact reference problems: list, "
                       "export, run one",
                       description="clif's exact answers to canonical LIF problems, for "
                       "judging other simulators (docs/reference.md).")
    rs = r.add_subparsers(dest="action", metavar="ACTION")
    rs.add_parser("list", help="the problems and what each probes")
    e = rs.add_parser("export", help="write every problem (JSON, NPZ, CSV, NWB-style Units) "
                      "with a manifest of SHA-256 checksums")
    e.add_argument("dir")
    e.add_argument("--only", nargs="+", metavar="NAME")
    v = rs.add_parser("verify", help="check an exported folder against its manifest")
    v.add_argument("dir")
    x = rs.add_parser("run", help="recompute one problem; summary on stdout")
    x.add_argument("name")
    x.add_argument("-o", "--output", metavar="FILE", help="spikes to FILE.npz or FILE.csv")
    r.set_defaults(func=_cli)


def _cli(args):
    action = getattr(args, "action", None)
    if action in (None, "list"):
        for n in names():
            print(f"{n:22s} v{_DEFS[n]['version']}  {_DEFS[n]['description']}")
        return 0
    if action == "export":
        m = export(args.dir, args.only)
        print(json.dumps({k: v["n_spikes"] for k, v in m["problems"].items()}))
        return 0
    if action == "verify":
        bad = verify(args.dir)
        print("ok" if not bad else "checksum mismatch: " + ", ".join(bad))
        return 0 if not bad else 1
    res = run(args.name)
    s = res.spikes
    out = {"problem": res.name, "version": res.definition["version"], "n_spikes": len(s),
           "counts": s.counts().tolist(), "first_spikes_ms": s.times[:5].tolist()}
    out.update(res.expected)
    if args.output:
        from clif.cli import _save
        _save(s, args.output)
    print(json.dumps(out))
    return 0
