"""Benchmark of exact event-driven simulation (issue 3): the f-I curve by
simulation.

100,000 LIF neurons (tau_m 20 ms, R_m 20 MOhm, E_L = V_reset = -70 mV,
V_th = -50 mV, t_ref 2 ms), 1 s of constant drive whose currents give rates
spread evenly over 0-200 Hz, all spikes recorded.  clif against time-stepped
simulation: a vectorised NumPy loop (exact propagator per step, threshold on
the grid, as NEST's iaf_psc_delta) at dt = 0.1 and 0.01 ms, Brian2 (cython)
at dt = 0.1 ms, and NEST iaf_psc_delta / iaf_psc_delta_ps at dt = 0.1 ms when
installed.  Prints wall time, the largest ISI error [ms] and ISI-rate error
[Hz] against clif.isi / clif.rate, and the ratio to clif.  Then the per-call
overhead of a small call (1 neuron, 1 s, ~50 Hz).

Run:  python bench/bench_exact.py [--n N] [--skip-slow] [--quick] [--reuse-peers]

--quick: 10,000 neurons, clif and the NumPy loop only (for bench/run_all.py).
--reuse-peers: take Brian2/NEST/NumPy figures from the last full run's
bench/results/exact.json (same --n) instead of rerunning them (~1 min).
Writes bench/results/exact.json (bench/_harness.write_results).
"""
import json
import argparse
import os
import platform
import sys
import time

import numpy as np

# run from a source checkout with an in-place build as well as installed
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import clif  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402
import clif.params  # noqa: E402

P = dict(tau_m=20.0, R_m=20.0, E_L=-70.0, V_th=-50.0, V_reset=-70.0, t_ref=2.0)
T_STOP = 1000.0


def errors(times, senders, n, I):
    """Max |ISI - clif.isi| [ms] and max |1000/mean ISI - clif.rate| [Hz] over
    neurons with >= 2 spikes; also whether any neuron's count is off by > 1
    from the closed form."""
    times = np.asarray(times, dtype=np.float64)
    senders = np.asarray(senders, dtype=np.int64)
    order = np.lexsort((times, senders))
    t, s = times[order], senders[order]
    same = s[1:] == s[:-1]
    d = np.diff(t)[same]
    who = s[1:][same]
    T = clif.isi(I, **P)
    isi_err = float(np.max(np.abs(d - T[who]))) if d.size else float("nan")
    counts = np.bincount(s, minlength=n)
    sums = np.bincount(who, weights=d, minlength=n)
    k = counts - 1
    ok = k >= 1
    rate_est = 1000.0 * k[ok] / sums[ok]
    rate_err = float(np.max(np.abs(rate_est - clif.rate(I[ok], **P))))
    return isi_err, rate_err, int(counts.sum())


def run_clif(I, n_threads, order="time"):
    t0 = time.perf_counter()
    s = clif.simulate(T_STOP, I_e=I, n_threads=n_threads, order=order, **P)
    return time.perf_counter() - t0, s.times, s.senders


def run_numpy(I, dt):
    """Time-stepped with the exact one-step propagator; step count is an
    integer, times are k * dt."""
    n = I.size
    V = np.full(n, P["E_L"])
    V_inf = P["E_L"] + P["R_m"] * I
    prop = np.exp(-dt / P["tau_m"])
    ref_steps = int(round(P["t_ref"] / dt))
    ref = np.zeros(n, dtype=np.int64)
    steps = int(round(T_STOP / dt))
    out_t, out_i = [], []
    t0 = time.perf_counter()
    for k in range(1, steps + 1):
        active = ref == 0
        V = np.where(active, V_inf + (V - V_inf) * prop, V)
        np.subtract(ref, 1, out=ref, where=~active)
        fired = np.flatnonzero(V >= P["V_th"])
        if fired.size:
            out_t.append(np.full(fired.size, k * dt))
            out_i.append(fired)
            V[fired] = P["V_reset"]
            ref[fired] = ref_steps
    wall = time.perf_counter() - t0
    times = np.concatenate(out_t) if out_t else np.empty(0)
    senders = np.concatenate(out_i) if out_i else np.empty(0, np.int64)
    return wall, times, senders


def run_brian2(I, dt=0.1):
    import brian2 as b2
    b2.prefs.codegen.target = "cython"
    b2.prefs.logging.console_log_level = "ERROR"

    def build(n, Ivals, duration):
        b2.start_scope()
        b2.defaultclock.dt = dt * b2.ms
        eqs = "dv/dt = (-(v - E_L) + R*I_in)/tau : volt (unless refractory)\nI_in : amp"
        G = b2.NeuronGroup(n, eqs, threshold="v >= V_th", reset="v = V_reset",
                           refractory=P["t_ref"] * b2.ms, method="exact",
                           namespace=dict(E_L=P["E_L"] * b2.mV, R=P["R_m"] * b2.Mohm,
                                          tau=P["tau_m"] * b2.ms, V_th=P["V_th"] * b2.mV,
                                          V_reset=P["V_reset"] * b2.mV))
        G.v = P["E_L"] * b2.mV
        G.I_in = Ivals * b2.nA
        M = b2.SpikeMonitor(G)
        net = b2.Network(G, M)
        return net, M

    # Brian2 compiles (and caches) code per group size: warm it up at the
    # full size so that the timed run measures simulation only.
    net, M = build(I.size, I, 1.0)
    net.run(1.0 * b2.ms)
    net, M = build(I.size, I, T_STOP)
    t0 = time.perf_counter()
    net.run(T_STOP * b2.ms)
    wall = time.perf_counter() - t0
    return wall, np.asarray(M.t / b2.ms), np.asarray(M.i, dtype=np.int64)


def small_brian2(I1):
    import brian2 as b2
    t0 = time.perf_counter()
    b2.start_scope()
    b2.defaultclock.dt = 0.1 * b2.ms
    G = b2.NeuronGroup(1, "dv/dt = (-(v - E_L) + R*I_in)/tau : volt (unless refractory)\n"
                       "I_in : amp",
                       threshold="v >= V_th", reset="v = V_reset", refractory=2 * b2.ms,
                       method="exact",
                       namespace=dict(E_L=-70 * b2.mV, R=20 * b2.Mohm, tau=20 * b2.ms,
                                      V_th=-50 * b2.mV, V_reset=-70 * b2.mV))
    G.v = -70 * b2.mV
    G.I_in = I1 * b2.nA
    M = b2.SpikeMonitor(G)
    b2.Network(G, M).run(T_STOP * b2.ms)
    return time.perf_counter() - t0


def run_nest(I, model, dt=0.1):
    import nest
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": dt, "local_num_threads": 1})
    # NEST units: pA, pF; C_m = tau_m / R_m = 1 nF = 1000 pF
    G = nest.Create(model, I.size, params={
        "tau_m": P["tau_m"], "C_m": 1000.0 * P["tau_m"] / P["R_m"], "E_L": P["E_L"],
        "V_th": P["V_th"], "V_reset": P["V_reset"], "t_ref": P["t_ref"], "V_m": P["E_L"]})
    G.I_e = I * 1000.0
    rec = nest.Create("spike_recorder")
    nest.Connect(G, rec)
    t0 = time.perf_counter()
    nest.Simulate(T_STOP)
    wall = time.perf_counter() - t0
    ev = rec.get("events")
    first = G.tolist()[0]
    return wall, np.asarray(ev["times"], float), np.asarray(ev["senders"], np.int64) - first


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=None, help="neurons (default 100,000)")
    ap.add_argument("--skip-slow", action="store_true",
                    help="skip NumPy dt = 0.01 ms (a few minutes) and NEST")
    ap.add_argument("--quick", action="store_true",
                    help="10,000 neurons, no Brian2/NEST/NumPy dt = 0.01 ms")
    ap.add_argument("--reuse-peers", action="store_true",
                    help="peers' figures from the last bench/results/exact.json")
    ap.add_argument("--repeat", type=int, default=5, help="clif runs per row (median)")
    ap.add_argument("--numpy-fine-n", type=int, default=10_000,
                    help="neurons for NumPy at dt = 0.01 ms (time scaled to --n)")
    args = ap.parse_args()
    n = args.n or (10_000 if args.quick else 100_000)
    slow = not (args.skip_slow or args.quick)
    I = clif.current_for_rate(np.linspace(0.0, 200.0, n), **P)
    mach = _harness.machine()
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    print(f"clif {clif.__version__}, numpy {np.__version__}, python {platform.python_version()}, "
          f"{mach['cpu']}, {os.cpu_count()} cores, load {load:.1f}")
    print(f"f-I curve: {n} neurons, {T_STOP:g} ms, rates 0-200 Hz\n")
    rows = []

    old = {}
    path = os.path.join(_harness.HERE, "results", "exact.json")
    if args.reuse_peers and os.path.exists(path):
        with open(path) as fh:
            doc = json.load(fh)["results"]
        if doc.get("n") == n:
            old = {r["name"]: r for r in doc["rows"] if not r["name"].startswith("clif")}

    clif.simulate(10.0, I_e=I[:1000], **P)  # warm up imports and pages
    for nt, order in ((1, "time"), (2, "time"), (1, "neuron")):
        runs = [run_clif(I, nt, order) for _ in range(args.repeat)]
        runs.sort(key=lambda r: r[0])
        med = runs[len(runs) // 2]
        label = f"clif exact, {nt} thread{'s' if nt > 1 else ''}, order={order}"
        rows.append((f"{label} (median of {args.repeat})", med[0],
                     *errors(med[1], med[2], n, I)))
    t_clif = rows[0][1]

    def peer(name, fn):
        if name in old:
            r = old[name]
            rows.append((name + " [cached]", r["wall_s"], r["max_isi_err_ms"],
                         r["max_rate_err_hz"], r["spikes"]))
            return
        try:
            r = fn()
        except ImportError as exc:
            print(f"{name}: not available ({exc})")
            return
        rows.append((name, *r))

    def scaled_numpy(dt, m):
        idx = np.linspace(0, n - 1, m).astype(int)
        r = run_numpy(I[idx], dt)
        return (r[0] * n / m, *errors(r[1], r[2], m, I[idx]))

    peer("NumPy time-stepped dt=0.1", lambda: (lambda r: (r[0], *errors(r[1], r[2], n, I)))(
        run_numpy(I, 0.1)))
    if slow:
        m = min(args.numpy_fine_n, n)
        peer(f"NumPy dt=0.01 ({m} neurons, time x{n / m:g})", lambda: scaled_numpy(0.01, m))
    if not args.quick:
        peer("Brian2 cython dt=0.1 (compiled, warm)",
             lambda: (lambda r: (r[0], *errors(r[1], r[2], n, I)))(run_brian2(I)))
    if slow:
        for model in ("iaf_psc_delta", "iaf_psc_delta_ps"):
            peer(f"NEST {model} dt=0.1",
                 lambda: (lambda r: (r[0], *errors(r[1], r[2], n, I)))(run_nest(I, model)))

    print(f"{'simulator':52s} {'wall [s]':>9s} {'x clif':>8s} {'max ISI err [ms]':>17s} "
          f"{'max rate err [Hz]':>18s} {'spikes':>10s}")
    for name, wall, ie, re_, ns in rows:
        print(f"{name:52s} {wall:9.3f} {wall / t_clif:8.1f} {ie:17.3g} {re_:18.3g} {ns:10d}")

    I1 = float(clif.current_for_rate(50.0, **P))
    per = _harness.median_time(lambda: clif.simulate(T_STOP, I_e=I1, **P), repeat=7,
                               min_time=0.2)
    per_pop = _harness.median_time(lambda: clif.params.population(None, None, I1, **P),
                                   repeat=7, min_time=0.1)
    print(f"\nsmall call (1 neuron, 1 s, 50 Hz): clif.simulate {per * 1e6:.1f} us per call "
          f"(clif.params.population {per_pop * 1e6:.1f} us)")
    brian_small = None
    if not args.quick:
        try:
            small_brian2(I1)
            brian_small = small_brian2(I1)
            print(f"small call: Brian2 {brian_small:.3f} s (warm cache)")
        except ImportError:
            pass

    results = {"n": n, "t_stop_ms": T_STOP, "load": load,
               "rows": [{"name": r[0], "wall_s": r[1], "x_clif": r[1] / t_clif,
                         "max_isi_err_ms": r[2], "max_rate_err_hz": r[3], "spikes": r[4]}
                        for r in rows],
               "small_call_us": per * 1e6, "population_us": per_pop * 1e6,
               "small_call_brian2_s": brian_small}
    summary = []
    for r in rows[1:]:
        summary.append({"measure": f"{r[0]} / clif (time order, 1 thread), n={n}",
                        "value": r[1] / t_clif})
    summary.append({"measure": "clif small call [us]", "value": per * 1e6})
    results["summary"] = summary
    print("wrote", _harness.write_results("exact", results))


if __name__ == "__main__":
    sys.exit(main())
