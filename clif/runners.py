"""Set a :mod:`clif.reference` problem up in another simulator and run it.

This file imports neither clif nor anything but numpy and the simulator, so
it runs as a script in the simulator's own interpreter (NEST and Brian2
often live in their own virtual environments); copy it out of the package
first, or run it with ``runpy`` from another folder, since ``clif/random.py``
would shadow the standard library's ``random`` for a script run in place::

    cp clif/runners.py /tmp/ && cd /tmp
    /opt/venv-nest/bin/python runners.py nest iaf_psc_delta 0.01 def.json out.npz
    /tmp/venv-brian2/bin/python runners.py brian2 - 0.01 def.json out.npz

``def.json`` is ``clif.reference.definition(name)`` as JSON; ``out.npz`` gets
``times`` [ms] and ``senders`` (0-based).  :func:`clif.reference.run_external`
does this from Python.

Conventions (as bench/bench_psc.py's NEST runner): NEST takes C_m in pF and
currents in pA; a pulse at time t is sent by a spike_generator at ``t - d``
over a connection of delay ``d = dt`` (NEST's least delay), so it arrives at
t (on-grid models: in the step that holds t); precise (``_ps``) models get
precise spike times.  A sine is NEST's ``ac_generator`` with its phase
advanced by the same delay.  Brian2 uses ``method="exact"`` under constant
drive and ``"euler"`` under a sine or noise; pulses inside the refractory
window are dropped with ``int(not_refractory_post)``; Brian2 has no
``refractory_input="integrate"`` (its pulses would be added undecayed), so
that problem is run with the jump allowed during refractoriness and so
differs by design.

PyNN hook: :func:`run_pynn` takes any PyNN simulator module (``pyNN.nest``,
or clif's own PyNN backend once it exists, e.g. ``clif.pynn``) and builds the
problem with PyNN's standard API only.
"""
import json
import math
import sys

import numpy as np

DELTA_MODELS = ("iaf_psc_delta", "iaf_psc_delta_ps")
NEST_MODELS = {"delta": DELTA_MODELS, "psc_exp": ("iaf_psc_exp", "iaf_psc_exp_ps"),
               "psc_alpha": ("iaf_psc_alpha", "iaf_psc_alpha_ps")}


def _pulses_by_target(d):
    out = [[] for _ in range(d["n"])]
    for t, k, w in d.get("pulses") or []:
        out[int(k)].append((float(t), float(w)))
    for lst in out:
        lst.sort(key=lambda p: p[0])
    return out


def run_nest(d, model, dt):
    """Run definition ``d`` in NEST with ``model`` at resolution ``dt`` [ms].

    Returns ``(times [ms], senders 0-based)`` of the spikes in ``[0, t_stop)``.
    """
    import nest
    if d["kind"] == "noisy":
        raise ValueError("noisy problems are compared by rate; NEST's noise_generator "
                         "is not white noise (docs/conventions.md)")
    if model not in NEST_MODELS[d["model"]]:
        raise ValueError(f"problem {d['name']!r} (model {d['model']!r}) needs one of "
                         f"{NEST_MODELS[d['model']]}; got {model!r}")
    try:
        nest.verbosity = nest.VerbosityLevel.ERROR
    except AttributeError:
        nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": dt, "print_time": False, "rng_seed": 1})
    p = d["params"]
    st = {"tau_m": p["tau_m"], "C_m": 1000.0 * p["tau_m"] / p["R_m"], "E_L": p["E_L"],
          "V_th": p["V_th"], "V_reset": p["V_reset"], "t_ref": p["t_ref"],
          "V_m": p["E_L"] if d.get("V0") is None else d["V0"]}
    if d["model"] != "delta":
        st.update(tau_syn_ex=p["tau_syn_ex"], tau_syn_in=p["tau_syn_in"])
    elif model == "iaf_psc_delta":   # the _ps model has it read-only (False)
        st["refractory_input"] = d["refractory_input"] == "integrate"
    elif d["refractory_input"] == "integrate":
        raise ValueError(f"{model} has no refractory_input: it cannot run {d['name']!r}")
    n = d["n"]
    pop = nest.Create(model, n, params=st)
    I = np.asarray(d["I_e"], float) * np.ones(n)
    sine = d.get("sine")
    if sine:
        I = I + sine.get("I_dc", 0.0)
    pop.set(I_e=[1000.0 * float(x) for x in I])
    w_scale = 1.0 if d["model"] == "delta" else 1000.0   # mV, or nA -> pA
    if sine:
        f = np.broadcast_to(np.asarray(sine["f"], float), (n,))
        for k in range(n):
            ph = float(sine.get("phase", 0.0)) + 2.0 * math.pi * f[k] * dt / 1000.0
            ac = nest.Create("ac_generator", params={
                "amplitude": 1000.0 * float(np.broadcast_to(sine["I0"], (n,))[k]),
                "frequency": float(f[k]), "phase": math.degrees(ph), "offset": 0.0})
            nest.Connect(ac, pop[k], syn_spec={"delay": dt})
    if d["kind"] == "single" and d.get("pulses"):
        ps = model.endswith("_ps")
        for k, lst in enumerate(_pulses_by_target(d)):
            if not lst:
                continue
            g = nest.Create("spike_generator", params={
                "precise_times": ps, "allow_offgrid_times": not ps,
                "spike_times": [t - dt for t, _ in lst],
                "spike_weights": [w_scale * w for _, w in lst]})
            nest.Connect(g, pop[k], syn_spec={"weight": 1.0, "delay": dt})
    if d["kind"] == "network":
        for pre, post, w, dl in d["synapses"]:
            nest.Connect(pop[int(pre)], pop[int(post)],
                         syn_spec={"weight": w_scale * w, "delay": dl})
    rec = nest.Create("spike_recorder", params={"time_in_steps": False})
    nest.Connect(pop, rec)
    nest.Simulate(float(d["t_stop"]))
    ev = rec.get("events")
    t = np.asarray(ev["times"], float)
    s = np.asarray(ev["senders"], np.int64) - pop[0].global_id
    keep = t < d["t_stop"]   # NEST runs [0, T], the suite [0, T)
    return t[keep], s[keep]


def run_brian2(d, dt, target="cython"):
    """Run definition ``d`` in Brian2 at ``dt`` [ms] (codegen ``target``).

    Returns ``(times [ms], senders)``.
    """
    import brian2 as b2
    from brian2 import ms, mV, nA, Mohm
    b2.prefs.codegen.target = target
    b2.prefs.logging.console_log_level = "ERROR"
    b2.start_scope()
    b2.defaultclock.dt = dt * ms
    p, n, model = d["params"], d["n"], d["model"]
    sine, noisy = d.get("sine"), d["kind"] == "noisy"
    drive = "Ib"
    if sine:
        drive = "(Ib + I0 * sin(2 * pi * f * t + ph))"
    noise = " + sigma * xi / sqrt(tau)" if noisy else ""
    syn_term = {"delta": "", "psc_exp": " + R * Is", "psc_alpha": " + R * Is"}[model]
    eqs = (f"dv/dt = (-(v - E_L) + R * {drive}{syn_term}) / tau{noise} : volt (unless refractory)\n"
           "Ib : amp\nI0 : amp\nf : Hz\nph : 1\n")
    if model == "psc_exp":
        eqs += "dIs/dt = -Is / tau_s : amp\n"
    elif model == "psc_alpha":
        eqs += "dIs/dt = (x - Is) / tau_s : amp\ndx/dt = -x / tau_s : amp\n"
    ns = dict(E_L=p["E_L"] * mV, R=p["R_m"] * Mohm, tau=p["tau_m"] * ms,
              V_th=p["V_th"] * mV, V_reset=p["V_reset"] * mV,
              tau_s=p.get("tau_syn_ex", 1.0) * ms, sigma=d.get("sigma", 0.0) * mV)
    method = "euler" if (sine or noisy) else "exact"
    G = b2.NeuronGroup(n, eqs, threshold="v >= V_th", reset="v = V_reset",
                       refractory=p["t_ref"] * ms, method=method, namespace=ns)
    G.v = (p["E_L"] if d.get("V0") is None else d["V0"]) * mV
    G.Ib = np.broadcast_to(np.asarray(d["I_e"], float), (n,)) * nA
    if sine:
        G.Ib = (np.broadcast_to(np.asarray(d["I_e"], float), (n,)) + sine.get("I_dc", 0.0)) * nA
        G.I0 = np.broadcast_to(np.asarray(sine["I0"], float), (n,)) * nA
        G.f = np.broadcast_to(np.asarray(sine["f"], float), (n,)) * b2.Hz
        G.ph = np.broadcast_to(np.asarray(sine.get("phase", 0.0), float), (n,))
    if model == "delta":
        unit = mV
        on_pre = ("v_post += w" if d.get("refractory_input") == "integrate"
                  else "v_post += w * int(not_refractory_post)")
    elif model == "psc_exp":
        unit, on_pre = nA, "Is_post += w"
    else:
        unit, on_pre = nA, "x_post += w * exp(1.0)"   # alpha of peak w at t = tau_s
    objs = [G]
    if d["kind"] == "single" and d.get("pulses"):
        pl = np.array(d["pulses"], float)
        S = b2.SpikeGeneratorGroup(len(pl), np.arange(len(pl)), pl[:, 0] * ms)
        C = b2.Synapses(S, G, "w : " + ("volt" if unit is mV else "amp"), on_pre=on_pre,
                        namespace=ns)
        C.connect(i=np.arange(len(pl)), j=pl[:, 1].astype(int))
        C.w = pl[:, 2] * unit
        objs += [S, C]
    if d["kind"] == "network":
        sy = np.array(d["synapses"], float)
        C = b2.Synapses(G, G, "w : volt", on_pre=on_pre, namespace=ns)
        C.connect(i=sy[:, 0].astype(int), j=sy[:, 1].astype(int))
        C.w = sy[:, 2] * mV
        C.delay = sy[:, 3] * ms
        objs += [C]
    M = b2.SpikeMonitor(G)
    net = b2.Network(*objs, M)
    if noisy:
        b2.seed(d["seed"])
    net.run(d["t_stop"] * ms)
    return np.asarray(M.t_) * 1000.0, np.asarray(M.i, np.int64)


def run_pynn(d, sim, dt):
    """Run definition ``d`` through a PyNN simulator module ``sim`` (the hook
    for ``pyNN.nest``, ``pyNN.brian2`` or clif's own PyNN backend).

    Only PyNN's standard API is used: ``IF_curr_delta`` / ``IF_curr_exp`` /
    ``IF_curr_alpha`` cells, ``SpikeSourceArray`` inputs, ``FromListConnector``.
    Returns ``(times [ms], senders)``.
    """
    p, n = d["params"], d["n"]
    if d.get("sine") or d["kind"] == "noisy":
        raise ValueError("run_pynn covers the DC, pulse and network problems")
    if d.get("refractory_input") == "integrate":
        raise ValueError(f"PyNN's standard cells drop input during refractoriness: they "
                         f"cannot run {d['name']!r} (refractory_input='integrate')")
    sim.setup(timestep=dt, min_delay=dt)
    cell = {"delta": "IF_curr_delta", "psc_exp": "IF_curr_exp",
            "psc_alpha": "IF_curr_alpha"}[d["model"]]
    cp = dict(tau_m=p["tau_m"], cm=p["tau_m"] / p["R_m"], v_rest=p["E_L"],
              v_thresh=p["V_th"], v_reset=p["V_reset"], tau_refrac=p["t_ref"],
              i_offset=list(np.broadcast_to(np.asarray(d["I_e"], float), (n,))))
    if d["model"] != "delta":
        cp.update(tau_syn_E=p["tau_syn_ex"], tau_syn_I=p["tau_syn_in"])
    pop = sim.Population(n, getattr(sim, cell)(**cp))
    pop.initialize(v=p["E_L"] if d.get("V0") is None else d["V0"])
    pop.record("spikes")
    if d["kind"] == "single" and d.get("pulses"):
        pl = d["pulses"]
        src = sim.Population(len(pl), sim.SpikeSourceArray(
            spike_times=[[t - dt] for t, _, _ in pl]))
        # PyNN's sign convention: current-based inhibitory weights are negative.
        for rt in ("excitatory", "inhibitory"):
            conns = [(i, int(k), w, dt) for i, (t, k, w) in enumerate(pl)
                     if (w >= 0) == (rt == "excitatory")]
            if conns:
                sim.Projection(src, pop, sim.FromListConnector(conns), receptor_type=rt)
    if d["kind"] == "network":
        for rt in ("excitatory", "inhibitory"):
            conns = [(int(a), int(b), w, dl) for a, b, w, dl in d["synapses"]
                     if (w >= 0) == (rt == "excitatory")]
            if conns:
                sim.Projection(pop, pop, sim.FromListConnector(conns), receptor_type=rt)
    sim.run(d["t_stop"])
    seg = pop.get_data("spikes").segments[0]
    times, senders = [], []
    for k, st in enumerate(seg.spiketrains):
        t = np.asarray(st.rescale("ms").magnitude, float)
        times.append(t)
        senders.append(np.full(t.size, int(st.annotations.get("source_index", k))))
    sim.end()
    t = np.concatenate(times) if times else np.empty(0)
    s = np.concatenate(senders).astype(np.int64) if senders else np.empty(0, np.int64)
    keep = t < d["t_stop"]
    return t[keep], s[keep]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 5:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    sim, model, dt, dpath, out = argv
    with open(dpath) as fh:
        d = json.load(fh)
    if sim == "nest":
        t, s = run_nest(d, model, float(dt))
    elif sim == "brian2":
        t, s = run_brian2(d, float(dt))
    else:
        raise SystemExit(f"unknown simulator {sim!r} (nest, brian2)")
    np.savez(out, times=t, senders=s, n=d["n"], t_start=0.0, t_stop=float(d["t_stop"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
