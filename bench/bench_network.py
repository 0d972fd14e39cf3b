"""Brunel (2000) network benchmark: clif vs NEST (iaf_psc_delta) vs Brian2.

The same network everywhere: N neurons (80% E), fixed in-degree C_E =
epsilon N_E, C_I = epsilon N_I, J = 0.1 mV, g, eta, delay D, tau_m 20 ms,
t_ref 2 ms, theta 20 mV, V_reset 10 mV, external Poisson input C_E nu_ext
per neuron.  Each simulator runs in its own subprocess (separate memory and
threads); build time and simulate time are reported separately.

    python bench/bench_network.py [--N 10000] [--T 1000] [--configs "5,2;6,1.5"] [--no-peers]
                                  [--repeat 3]
    python bench/bench_network.py --connectome [--N 200000 --K 2615 --T 1000 --g 6]
    python bench/bench_network.py --mpi [--N 10000 --T 1000 --repeat 3]

--mpi (issue 16): Brunel (g = 5, eta = 2) as 1 rank x 1 and x 2 threads, 2
ranks x 1 thread and 3 ranks x 1 thread under mpiexec (3 ranks oversubscribe
a 2-core machine: their exchange time is an upper bound), and NEST x 2
threads (the PyPI wheel has no MPI), interleaved; each clif MPI run reports
the wall time spent inside the exchange collectives.  A scaling model is
fitted from them (see mpi_model) and printed with its assumptions.

--repeat R runs R rounds over all simulators in turn and keeps each one's
least time (all times are in simulate_s_all): on a shared machine a slow
spell then costs every simulator alike.  The connectome runs at g = 6 by
default, about 4 Hz ("a few Hz").

NEST works on a 0.1 ms grid (spike times rounded to it); Brian2 too (dt =
0.1 ms, exact linear integration); clif's spike times are exact.
"""
import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from _harness import write_results  # noqa: E402


def run_clif(a):
    import numpy as np
    import clif
    from clif.network import brunel, brunel_prediction
    t0 = time.perf_counter()
    net = brunel(a.N, a.epsilon, a.g, a.eta, 0.1, a.D, seed=1)
    build = time.perf_counter() - t0
    res = net.run(a.T, n_threads=a.threads, record_spikes="all")
    p = net.brunel_params
    nu, cv = brunel_prediction(p["C_E"], p["C_I"], a.g, a.eta, 0.1)
    return dict(sim="clif", threads=a.threads, build_s=build,
                simulate_s=res.wall_time, rate_Hz=len(res.spikes) / a.N / a.T * 1000,
                synapses=net.n_synapses, syn_events=res.synaptic_events,
                ext_events=res.external_events,
                events_per_s=(res.synaptic_events + res.external_events) / res.wall_time,
                siegert_rate_Hz=nu, maxrss_MiB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def run_clif_mpi(a):
    """One Brunel run on every rank of the mpiexec job; rank 0 reports."""
    from clif.network import brunel
    t0 = time.perf_counter()
    net = brunel(a.N, a.epsilon, a.g, a.eta, 0.1, a.D, seed=1)
    build = time.perf_counter() - t0
    res = net.run(a.T, n_threads=a.threads, record_spikes="all")
    ranks = 1 if net.comm is None else net.comm.Get_size()
    ex = net._sim.exchange
    out = dict(sim=f"clif-mpi", ranks=ranks, threads=a.threads, build_s=build,
               simulate_s=res.wall_time, rate_Hz=len(res.spikes) / a.N / a.T * 1000,
               syn_events=res.synaptic_events, ext_events=res.external_events,
               exchange_s=ex.seconds if ex is not None else 0.0,
               windows=ex.windows if ex is not None else int(round(a.T / a.D)),
               spikes=len(res.spikes),
               maxrss_MiB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    if net.comm is not None:
        from mpi4py import MPI
        out["exchange_s"] = net.comm.allreduce(out["exchange_s"], op=MPI.MAX)
        out["maxrss_MiB"] = net.comm.allreduce(out["maxrss_MiB"], op=MPI.MAX)
        if net.comm.Get_rank() != 0:
            return None
    return out


def run_idle(a):
    """The per-window cost of visiting the neurons: N unconnected neurons
    without input for T ms in windows of D (no events at all)."""
    import clif
    net = clif.Network(d_min=a.D, seed=1)
    net.add_population(a.N, E_L=0.0, V_th=20.0, V_reset=10.0)
    res = net.run(a.T, n_threads=1, record_spikes=None)
    w = a.T / a.D
    return dict(sim="clif-idle", threads=1, simulate_s=res.wall_time, windows=w,
                s_per_neuron_window=res.wall_time / (w * a.N))


def mpi_model(runs, a, connectome=None):
    """T(P) = E c_e / P + W (N c_N + x(P)): E events and W windows per run,
    c_e seconds per event per core (from 1 rank x 1 thread, less the idle
    part), c_N seconds per neuron and window (every rank visits all N
    neurons each window today), x(P) = x1 (P - 1) the exchange per window
    (fitted through the measured ranks' exchange time per window; the
    collectives of an Allgather grow at least linearly in bytes with P).
    Returns the fitted constants and, for the connectome-like network of
    bench --connectome, the cores for 10x and 1x real time."""
    one = next(r for r in runs if r["sim"] == "clif-mpi" and r["ranks"] == 1
               and r["threads"] == 1)
    idle = next(r for r in runs if r["sim"] == "clif-idle")
    c_N = idle["s_per_neuron_window"]
    W = a.T / a.D
    E = one["syn_events"] + one["ext_events"]
    c_e = (one["simulate_s"] - W * a.N * c_N) / E
    xs = [(r["ranks"], r["exchange_s"] / r["windows"]) for r in runs
          if r["sim"] == "clif-mpi" and r["ranks"] > 1 and r["windows"]]
    # Oversubscribed ranks (more than the cores) time the scheduler, not
    # the exchange: they are reported but not fitted.
    cores = os.cpu_count() or 1
    fit = [(P, x) for P, x in xs if P <= cores] or xs
    x1 = sum(x / (P - 1) for P, x in fit) / len(fit) if fit else float("nan")
    model = dict(c_e_s=c_e, c_N_s=c_N, x1_s=x1, exchange_per_window_s=dict(xs),
                 fitted_ranks=[P for P, _ in fit])
    pred = {P: E * c_e / P + W * (a.N * c_N + x1 * (P - 1)) for P in (1, 2, 3)}
    model["brunel_predicted_s"] = pred
    if connectome:
        # Per-event cost of the big network itself (cache misses make it
        # dearer than Brunel's): its measured run, on all its threads.
        cE = connectome["syn_events"] + connectome["ext_events"]
        Tb = connectome["T_ms"] / 1000.0
        ce_big = connectome["simulate_s"] * connectome["threads"] / cE
        Wb = connectome["T_ms"] / connectome["d_min"]
        Nb = connectome["N"]

        model["connectome"] = dict(c_e_s=ce_big, N=Nb, events=cE, windows=Wb)
        # Today every rank visits all N neurons each window (N c_N per
        # rank); "own neurons only" is the same with N / P (not built).  The
        # exchange per window grows as x1 (P - 1) (pessimistic: a ring
        # Allgather's steps) or as x1 log2(P) (a tree's latency).
        variants = [(f"{who}_{grow}", own, grow) for who, own in
                    (("today", False), ("own_neurons_only", True)) for grow in ("linear", "log")]
        for tag, own, grow in variants:
            def T(P, own=own, grow=grow):
                x = x1 * ((P - 1) if grow == "linear" else math.log2(P))
                return cE * ce_big / P + Wb * (Nb * c_N / (P if own else 1) + x)
            hit = {g: next((P for P in range(1, 4097) if T(P) <= g * Tb), None)
                   for g in (10.0, 1.0)}
            best = min(range(1, 4097), key=T)
            model["connectome"][tag] = dict(cores_for_10x=hit[10.0], cores_for_1x=hit[1.0],
                                            best_cores=best, best_x_real_time=T(best) / Tb,
                                            at_32_cores_x_real_time=T(32) / Tb)
    return model


def mpi_main(a):
    a.g, a.eta = 5.0, 2.0
    base = [f"--{k}={getattr(a, k)}" for k in ("N", "epsilon", "g", "eta", "D", "T", "K", "w_E")]
    mpiexec = os.environ.get("MPIEXEC") or os.path.join(os.path.dirname(sys.executable),
                                                        "mpiexec")
    jobs = [(1, 1), (1, 2), (2, 1), (3, 1), ("nest", 2), ("idle", 1)]
    best = {}
    for _ in range(a.repeat):
        for ranks, th in jobs:
            if ranks == "nest" and a.no_peers:
                continue
            one = {"nest": "nest", "idle": "idle"}.get(ranks, "clif-mpi")
            exe = sys.executable
            if one == "nest":   # NEST lives in its own venv (bench_psc.nest_python finds it)
                from clif.reference import interpreter
                exe = interpreter("nest")
                if exe is None:
                    continue
            cmd = [exe, __file__] + base + [f"--one={one}", f"--threads={th}"]
            if isinstance(ranks, int) and ranks > 1:
                cmd = [mpiexec, "-n", str(ranks)] + cmd
            p = subprocess.run(cmd, capture_output=True, text=True)
            line = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
            if not line:
                print(f"{ranks} x{th} failed:\n{p.stderr[-2000:]}")
                continue
            r = json.loads(line[0][7:])
            print(json.dumps(r), flush=True)
            k = (ranks, th)
            times = best.get(k, {}).get("simulate_s_all", []) + [r["simulate_s"]]
            if k not in best or r["simulate_s"] < best[k]["simulate_s"]:
                best[k] = r
            best[k]["simulate_s_all"] = times
    runs = list(best.values())
    conn = None
    cpath = os.path.join(HERE, "results", "network_connectome.json")
    if os.path.exists(cpath):
        with open(cpath) as fh:
            c = json.load(fh)["results"]["runs"][0]
        conn = dict(c, T_ms=1000.0, d_min=1.0)   # bench --connectome: T = 1 s, delays 1-5 ms
    model = mpi_model(runs, a, conn)
    print(json.dumps(model, indent=1, default=float))
    ref = best.get((1, 2))
    for k, r in sorted(best.items(), key=str):
        if ref:
            print(f"{k}: simulate {r['simulate_s']:.2f} s; 1 rank x 2 threads / this = "
                  f"{ref['simulate_s'] / r['simulate_s']:.2f}")
    write_results("network_mpi", dict(args=vars(a), runs=runs, model=model))


def run_nest(a):
    import nest
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": a.threads, "rng_seed": 1,
                          "print_time": False})
    N_E = int(0.8 * a.N)
    N_I = a.N - N_E
    C_E, C_I = int(a.epsilon * N_E), int(a.epsilon * N_I)
    J = 0.1
    nu_thr = 20.0 / (J * C_E * 20.0) * 1000.0
    t0 = time.perf_counter()
    pars = {"C_m": 1.0, "tau_m": 20.0, "t_ref": 2.0, "E_L": 0.0, "V_reset": 10.0,
            "V_m": 0.0, "V_th": 20.0}
    E = nest.Create("iaf_psc_delta", N_E, params=pars)
    I = nest.Create("iaf_psc_delta", N_I, params=pars)
    noise = nest.Create("poisson_generator", params={"rate": a.eta * nu_thr * C_E})
    rec = nest.Create("spike_recorder")
    nest.Connect(noise, E + I, syn_spec={"weight": J, "delay": a.D})
    nest.Connect(E, E + I, {"rule": "fixed_indegree", "indegree": C_E},
                 {"weight": J, "delay": a.D})
    nest.Connect(I, E + I, {"rule": "fixed_indegree", "indegree": C_I},
                 {"weight": -a.g * J, "delay": a.D})
    nest.Connect(E + I, rec)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    nest.Simulate(a.T)
    sim = time.perf_counter() - t0
    n = rec.get("n_events")
    return dict(sim="nest", threads=a.threads, build_s=build, simulate_s=sim,
                rate_Hz=n / a.N / a.T * 1000, maxrss_MiB=resource.getrusage(
                    resource.RUSAGE_SELF).ru_maxrss / 1024)


def run_brian2(a):
    import brian2 as b2
    from brian2 import ms, mV, Hz
    b2.prefs.codegen.target = "cython"
    b2.seed(1)
    N_E = int(0.8 * a.N)
    N_I = a.N - N_E
    C_E, C_I = int(a.epsilon * N_E), int(a.epsilon * N_I)
    J = 0.1 * mV
    nu_thr = 20.0 / (0.1 * C_E * 20.0) * 1000.0
    t0 = time.perf_counter()
    b2.defaultclock.dt = 0.1 * ms
    G = b2.NeuronGroup(a.N, "dv/dt = -v / (20*ms) : volt (unless refractory)",
                       threshold="v > 20*mV", reset="v = 10*mV", refractory=2 * ms,
                       method="exact")
    G.v = 0 * mV
    S = b2.Synapses(G, G, "w : volt", on_pre="v_post += w", delay=a.D * ms)
    import numpy as np
    rng = np.random.default_rng(1)
    post = np.repeat(np.arange(a.N), C_E + C_I)
    pre = np.concatenate([rng.integers(0, N_E, (a.N, C_E)), rng.integers(N_E, a.N, (a.N, C_I))],
                         axis=1).ravel()
    S.connect(i=pre, j=post)
    S.w = np.tile(np.r_[np.full(C_E, 0.1), np.full(C_I, -a.g * 0.1)], a.N) * mV
    P = b2.PoissonInput(G, "v", C_E, a.eta * nu_thr * Hz, weight=J)
    M = b2.SpikeMonitor(G)
    net = b2.Network(G, S, P, M)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    net.run(a.T * ms)
    sim = time.perf_counter() - t0
    return dict(sim="brian2", threads=1, build_s=build, simulate_s=sim,
                rate_Hz=M.num_spikes / a.N / a.T * 1000, maxrss_MiB=resource.getrusage(
                    resource.RUSAGE_SELF).ru_maxrss / 1024)


def run_connectome(a):
    import clif
    from clif.network import random_connectome
    t0 = time.perf_counter()
    last = [0.0]

    def progress(done, total, stage):
        if time.perf_counter() - last[0] > 10 or done >= total:
            last[0] = time.perf_counter()
            print(f"  {stage}: {done}/{total} ({time.perf_counter() - t0:.0f} s)",
                  file=sys.stderr, flush=True)
    net = random_connectome(a.N, a.K, seed=1, w_E=a.w_E, g=a.g, progress=progress)
    build = time.perf_counter() - t0
    res = net.run(a.T, n_threads=a.threads, progress=progress, rate_bin=10.0)
    return dict(sim="clif-connectome", threads=a.threads, N=a.N, synapses=net.n_synapses,
                build_s=build, simulate_s=res.wall_time,
                rate_Hz=len(res.spikes) / a.N / a.T * 1000,
                syn_events=res.synaptic_events, ext_events=res.external_events,
                maxrss_MiB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def run_nest_connectome(a):
    """NEST on the very network of run_connectome (its CSR, delays, initial
    potentials and external rate; NEST's own Poisson draws), connected in
    chunks of 10M synapses from arrays."""
    import numpy as np
    import nest
    from clif.network import random_connectome
    net = random_connectome(a.N, a.K, seed=1, w_E=a.w_E, g=a.g)
    row, tgt, w, d = net._csr
    table = np.empty(len(net._delays))
    for v, i in net._delays.items():
        table[i] = v
    par = {k: np.concatenate([p[k] for p in net._pars]) for k in ("V0", "ext_rate", "ext_weight")}
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus({"resolution": 0.1, "local_num_threads": a.threads, "rng_seed": 1,
                          "print_time": False})
    t0 = time.perf_counter()
    pop = nest.Create("iaf_psc_delta", a.N, params={
        "C_m": 1.0, "tau_m": 20.0, "t_ref": 2.0, "E_L": 0.0, "V_reset": 10.0, "V_th": 20.0})
    pop.V_m = par["V0"]
    gen = nest.Create("poisson_generator", params={"rate": float(par["ext_rate"][0])})
    nest.Connect(gen, pop, syn_spec={"weight": float(par["ext_weight"][0]), "delay": 0.1})
    pre = np.repeat(np.arange(a.N, dtype=np.int64), np.diff(row.astype(np.int64)))
    first = pop[0].global_id
    step = 10_000_000
    for s0 in range(0, pre.size, step):
        s1 = min(pre.size, s0 + step)
        nest.Connect(pre[s0:s1] + first, tgt[s0:s1].astype(np.int64) + first, "one_to_one",
                     syn_spec={"weight": w[s0:s1].astype(float), "delay": table[d[s0:s1]]})
        print(f"  nest connect {s1}/{pre.size} ({time.perf_counter() - t0:.0f} s)",
              file=sys.stderr, flush=True)
    del pre
    rec = nest.Create("spike_recorder")
    nest.Connect(pop, rec)
    build = time.perf_counter() - t0
    t0 = time.perf_counter()
    nest.Simulate(a.T)
    sim = time.perf_counter() - t0
    n = rec.get("n_events")
    return dict(sim="nest-connectome", threads=a.threads, N=a.N, synapses=int(row[-1]),
                build_s=build, simulate_s=sim, rate_Hz=n / a.N / a.T * 1000,
                maxrss_MiB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--N", type=int, default=None,
                    help="neurons (default 10000; 200000 with --connectome)")
    ap.add_argument("--epsilon", type=float, default=0.1)
    ap.add_argument("--g", type=float, default=None,
                    help="relative inhibition (default 5; 6 with --connectome)")
    ap.add_argument("--eta", type=float, default=2.0)
    ap.add_argument("--configs", default="5,2;6,1.5",
                    help="';'-separated 'g,eta' pairs (default: Brunel's AI state, ~43 Hz, "
                         "and a low-rate one, ~16 Hz)")
    ap.add_argument("--D", type=float, default=1.5)
    ap.add_argument("--T", type=float, default=1000.0)
    ap.add_argument("--K", type=float, default=2615.0)
    ap.add_argument("--w_E", type=float, default=0.1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--one", choices=["clif", "nest", "brian2", "connectome", "nest-connectome",
                                      "clif-mpi", "idle"])
    ap.add_argument("--mpi", action="store_true", help="ranks x threads and the scaling model")
    ap.add_argument("--no-peers", action="store_true", help="clif only (NEST/Brian2 skipped)")
    ap.add_argument("--quick", action="store_true", help="N = 2000, 200 ms, clif only")
    ap.add_argument("--connectome", action="store_true")
    ap.add_argument("--nest-connectome", action="store_true",
                    help="with --connectome: NEST on the same network too (it needs ~50 bytes "
                         "per synapse: use --N 50000 or less on 24 GiB)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="rounds over all simulators; each one's least time is kept")
    a = ap.parse_args()
    conn = a.connectome or a.one in ("connectome", "nest-connectome")
    if a.N is None:
        a.N = 200000 if conn else 10000
    if a.g is None:
        a.g = 6.0 if conn else 5.0
    if a.quick:
        a.N, a.T, a.no_peers = 2000, 200.0, True
    if a.one:
        out = {"clif": run_clif, "nest": run_nest, "brian2": run_brian2,
               "connectome": run_connectome, "nest-connectome": run_nest_connectome,
               "clif-mpi": run_clif_mpi, "idle": run_idle}[a.one](a)
        if out is not None:
            print("RESULT " + json.dumps(out, default=float))
        return
    if a.mpi:
        return mpi_main(a)
    if a.connectome:
        configs = [(a.g, a.eta)]
    else:
        configs = [tuple(float(v) for v in c.split(",")) for c in a.configs.split(";")]
        if a.quick:
            configs = configs[:1]
    results = []
    rows = []
    for g, eta in configs:
        a.g, a.eta = g, eta
        base = [sys.executable, __file__] + [f"--{k}={getattr(a, k)}" for k in
                                             ("N", "epsilon", "g", "eta", "D", "T", "K", "w_E")]
        if a.connectome:
            jobs = [("connectome", 2)]
            if a.nest_connectome:
                jobs.append(("nest-connectome", 2))
        else:
            jobs = [("clif", 1), ("clif", 2)]
            if not a.no_peers:
                jobs += [("nest", 1), ("nest", 2), ("brian2", 1)]
        runs = []
        # Rounds of all jobs in turn, each job's best (least) time kept: a
        # shared machine's slow spells then hit every simulator alike.
        best = {}
        for rnd in range(a.repeat):
            for sim, th in jobs:
                p = subprocess.run(base + [f"--one={sim}", f"--threads={th}"],
                                   capture_output=True, text=True)
                line = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
                if not line:
                    print(f"{sim} x{th} failed:\n{p.stderr[-2000:]}")
                    continue
                r = json.loads(line[0][7:])
                r.update(g=g, eta=eta)
                print(json.dumps(r), flush=True)
                old = best.get((sim, th))
                times = (old["simulate_s_all"] if old else []) + [r["simulate_s"]]
                if old is None or r["simulate_s"] < old["simulate_s"]:
                    best[(sim, th)] = r
                best[(sim, th)]["simulate_s_all"] = times
        runs = [best[j] for j in jobs if j in best]
        results += runs
        cc = {r["sim"]: r for r in runs if r.get("sim", "").endswith("connectome")}
        if len(cc) == 2:
            c, n = cc["clif-connectome"], cc["nest-connectome"]
            rows.append({"measure": f"nest x2 / clif x2 (simulate time; connectome N={a.N}, "
                                    f"{c['synapses'] / 1e6:.0f}M synapses, "
                                    f"{c['rate_Hz']:.1f} vs {n['rate_Hz']:.1f} Hz)",
                         "value": n["simulate_s"] / c["simulate_s"]})
        clif_t = {r["threads"]: r for r in runs if r.get("sim") == "clif"}
        if not clif_t:
            continue
        tag = f"g={g:g}, eta={eta:g}, {clif_t[min(clif_t)]['rate_Hz']:.0f} Hz"
        # peer time / clif time on the same number of threads (> 1: clif faster)
        for r in runs:
            if r.get("sim") in ("nest", "brian2") and r.get("threads") in clif_t:
                c = clif_t[r["threads"]]
                rows.append({"measure": f"{r['sim']} x{r['threads']} / clif x{c['threads']} "
                                        f"(simulate time; {tag})",
                             "value": r["simulate_s"] / c["simulate_s"]})
        if 1 in clif_t:
            for r in runs:
                if r.get("sim") == "nest" and r.get("threads") == 2:
                    rows.append({"measure": f"nest x2 / clif x1 (simulate time; {tag})",
                                 "value": r["simulate_s"] / clif_t[1]["simulate_s"]})
    name = "network" if not a.connectome else (
        "network_connectome_nest" if a.nest_connectome else "network_connectome")
    write_results(name, dict(args=vars(a), runs=results, summary=rows))


if __name__ == "__main__":
    main()
