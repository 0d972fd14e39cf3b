"""Benchmark of the stochastic integrator (not a test).

10,000 neurons x 1 s at dt = 0.1 ms (1e8 neuron-steps), sigma = 5 mV, drive
15 and 25 mV above rest (I = 0.75 and 1.25 nA; tau_m = 20 ms, R_m = 20 MOhm,
E_L = V_reset = -70, V_th = -50 mV, t_ref = 2 ms).  Each simulator starts
from V = E_L; the rate error against siegert_rate is measured after a 200 ms
warm-up (so 1.2 s are simulated; the timing is normalised to 1e8 steps).
Single thread everywhere.  Peers are skipped when not importable.

Run: python setup.py -q build_ext --inplace && python bench/bench_noise.py [-rN] [which...]
-rN repeats every measurement N times, interleaved (clif, peers, clif, ...),
and ends with the medians and clif exact's speed ratios over each peer from
the same run: on a shared machine the load changes within a run, so single
figures and ratios between them are unreliable.
"""
import collections
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, ".")
import os  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import write_results  # noqa: E402
import clif  # noqa: E402
from clif.theory import siegert_rate  # noqa: E402

N, DT, WARM, T = 10_000, 0.1, 200.0, 1000.0
TAU, R, EL, TH, VR, TREF, SIG = 20.0, 20.0, -70.0, -50.0, -70.0, 2.0, 5.0
STEPS = int(round((WARM + T) / DT))
RESULTS = collections.defaultdict(list)  # (name, I) -> [M neuron-steps/s]
RNG = []  # (numpy ns, clif ns) per normal
ERR = {}  # (name, I) -> rate error against Siegert [%], last run
# The same rates from the process's CPU time (time.process_time; every
# peer runs single-threaded): less sensitive to other jobs taking the CPU
# away mid-run than wall time, though not to their cache and memory traffic.
CPU = collections.defaultdict(list)


class Clock:
    def __enter__(self):
        self.w, self.c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.w
        self.cpu = time.process_time() - self.c


def report(name, I, wall, count, cpu=None):
    nu = siegert_rate(I, SIG, tau_m=TAU, R_m=R, E_L=EL, V_th=TH, V_reset=VR, t_ref=TREF)
    rate = count / N / (T / 1000)
    rate_ns = N * STEPS / wall
    print(f"{name:22s} I={I:4.2f}  {wall:7.2f} s  {rate_ns / 1e6:7.1f} M neuron-steps/s  "
          f"rate {rate:7.3f} Hz  err {100 * (rate / nu - 1):+6.2f} %", flush=True)
    RESULTS[(name, I)].append(rate_ns / 1e6)
    ERR[(name, I)] = 100 * (rate / nu - 1)
    if cpu:
        CPU[(name, I)].append(N * STEPS / cpu / 1e6)


def bench_clif(I, method):
    pop = clif.NoisyPopulation(sigma=SIG, n=N, I_e=I, dt=DT, method=method, seed=1,
                               tau_m=TAU, R_m=R, E_L=EL, V_th=TH, V_reset=VR, t_ref=TREF)
    with Clock() as c:
        pop.run(WARM)
        sp = pop.run(WARM + T)
    report(f"clif {method}", I, c.wall, len(sp), c.cpu)


def bench_numpy(I):
    rng = np.random.default_rng(1)
    V = np.full(N, EL)
    ref = np.zeros(N, dtype=np.int64)
    nref = int(round(TREF / DT))
    a, s = DT / TAU, SIG * np.sqrt(DT / TAU)
    mu = EL + R * I
    count = 0
    c = Clock().__enter__()
    for k in range(STEPS):
        active = ref == 0
        V = np.where(active, V + (mu - V) * a + s * rng.standard_normal(N), V)
        ref = np.maximum(ref - 1, 0)
        spk = V >= TH
        if k * DT >= WARM:
            count += int(spk.sum())
        V[spk] = VR
        ref[spk] = nref
    c.__exit__()
    report("numpy euler", I, c.wall, count, c.cpu)


def bench_numba(I):
    try:
        import numba
    except ImportError:
        print("numba: not installed")
        return

    @numba.njit(cache=False)
    def run(V, ref, mu, a, s, nref, steps, warm_steps, seed):
        np.random.seed(seed)
        count = 0
        for k in range(steps):
            for i in range(V.size):
                if ref[i] > 0:
                    ref[i] -= 1
                    continue
                V[i] += (mu - V[i]) * a + s * np.random.standard_normal()
                if V[i] >= TH:
                    V[i] = VR
                    ref[i] = nref
                    if k >= warm_steps:
                        count += 1
        return count

    V = np.full(N, EL)
    ref = np.zeros(N, dtype=np.int64)
    args = (EL + R * I, DT / TAU, SIG * np.sqrt(DT / TAU), int(round(TREF / DT)))
    run(V.copy(), ref.copy(), *args, 10, 5, 1)  # compile
    with Clock() as c:
        cnt = run(V, ref, *args, STEPS, int(round(WARM / DT)), 1)
    report("numba euler", I, c.wall, cnt, c.cpu)


def bench_brian2(I):
    try:
        import brian2 as b2
    except ImportError:
        print("brian2: not installed")
        return
    b2.start_scope()
    b2.prefs.codegen.target = "cython"
    b2.defaultclock.dt = DT * b2.ms
    eqs = f"dv/dt = (-(v - ({EL})*mV) + {R * I}*mV)/({TAU}*ms) + {SIG}*mV*sqrt(2/({TAU}*ms))*xi/sqrt(2) : volt (unless refractory)"
    G = b2.NeuronGroup(N, eqs, threshold=f"v >= {TH}*mV", reset=f"v = {VR}*mV",
                       refractory=TREF * b2.ms, method="euler")
    G.v = EL * b2.mV
    M = b2.SpikeMonitor(G)
    b2.run(1 * b2.ms)  # compile
    with Clock() as c:
        b2.run(WARM * b2.ms)
        n0 = M.num_spikes
        b2.run(T * b2.ms)
    report("brian2 (cython)", I, c.wall, M.num_spikes - n0, c.cpu)


def bench_nest(I):
    try:
        import nest
    except ImportError:
        print("nest: not installed")
        return
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.resolution = DT
    nest.local_num_threads = 1
    # iaf_psc_delta with C_m = 1 nF = 1000 pF, current in pA; noise_generator
    # current SD chosen so that sigma (Siegert convention) = 5 mV:
    # sigma_I = sigma * C_m * sqrt(2 / (tau_m dt)) for a step-wise constant
    # white-noise current of step dt.
    C = TAU / R * 1000.0
    neu = nest.Create("iaf_psc_delta", N, params=dict(
        C_m=C, tau_m=TAU, E_L=EL, V_th=TH, V_reset=VR, t_ref=TREF, V_m=EL, I_e=I * 1000.0))
    std = SIG * C * np.sqrt(2.0 / (TAU * DT)) / np.sqrt(2.0)
    ng = nest.Create("noise_generator", params=dict(std=std, dt=DT))
    nest.Connect(ng, neu)
    sr = nest.Create("spike_recorder", params=dict(start=WARM))
    nest.Connect(neu, sr)
    with Clock() as c:
        nest.Simulate(WARM + T)
    report("nest iaf_psc_delta", I, c.wall, sr.n_events, c.cpu)


def bench_rng():
    g = np.random.default_rng(1)
    n = 10_000_000
    best = {}
    for _ in range(3):
        t0 = time.perf_counter(); g.standard_normal(n); a = time.perf_counter() - t0
        t0 = time.perf_counter(); clif.random.normal(n, 1); b = time.perf_counter() - t0
        best["numpy"] = min(best.get("numpy", 1e9), a)
        best["clif"] = min(best.get("clif", 1e9), b)
    print(f"RNG normals: numpy Generator.standard_normal {best['numpy'] / n * 1e9:.2f} ns, "
          f"clif.random.normal {best['clif'] / n * 1e9:.2f} ns "
          f"({best['numpy'] / best['clif']:.2f}x)", flush=True)
    RNG.append((best["numpy"] / n * 1e9, best["clif"] / n * 1e9))


def summary():
    if RNG:
        a, b = statistics.median(r[0] for r in RNG), statistics.median(r[1] for r in RNG)
        print(f"\nRNG medians: numpy {a:.2f} ns, clif {b:.2f} ns per normal ({a / b:.2f}x)")
    for title, res in (("wall time", RESULTS), ("CPU time", CPU)):
        print(f"\nmedians [M neuron-steps/s] from {title}, and clif exact / peer "
              "(ratio of medians):")
        for I in (0.75, 1.25):
            ref = res.get(("clif exact", I))
            for (name, J), v in res.items():
                if J != I:
                    continue
                line = f"  {name:22s} I={I:4.2f}  median {statistics.median(v):7.1f}  (n={len(v)})"
                if ref and name != "clif exact":
                    line += f"  clif exact is {statistics.median(ref) / statistics.median(v):5.2f}x"
                print(line)

def save():
    """bench/results/noise.json, with clif exact's same-run ratios as the summary."""
    med = {f"{n} I={I}": statistics.median(v) for (n, I), v in RESULTS.items()}
    summary_rows = []
    for I in (0.75, 1.25):
        ref = RESULTS.get(("clif exact", I))
        for (name, J), v in RESULTS.items():
            if J == I and ref and name != "clif exact":
                summary_rows.append({"measure": f"clif exact vs {name}, I={I} nA (wall)",
                                     "value": statistics.median(ref) / statistics.median(v)})
        if ("clif exact", I) in ERR:
            summary_rows.append({"measure": f"clif exact rate error vs Siegert, I={I} nA [%]",
                                 "value": ERR[("clif exact", I)]})
    if RNG:
        a, b = statistics.median(r[0] for r in RNG), statistics.median(r[1] for r in RNG)
        summary_rows.append({"measure": "clif.random.normal vs numpy standard_normal",
                             "value": a / b})
    write_results("noise", {"M_neuron_steps_per_s_wall": med,
                            "rate_error_percent": {f"{n} I={I}": e for (n, I), e in ERR.items()},
                            "summary": summary_rows})


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--quick" in args:   # the runner's fast pass: no slow peers
        args.remove("--quick")
        args = args or ["rng", "clif", "numpy"]
    reps = 1
    for a in list(args):
        if a.startswith("-r"):
            reps = int(a[2:])
            args.remove(a)
    which = args or ["rng", "clif", "numpy", "numba", "brian2", "nest"]
    for _ in range(reps):
        if "rng" in which:
            bench_rng()
        for I in (0.75, 1.25):
            if "clif" in which:
                bench_clif(I, "exact")
                bench_clif(I, "euler")
            if "numpy" in which:
                bench_numpy(I)
            if "numba" in which:
                bench_numba(I)
            if "brian2" in which:
                bench_brian2(I)
            if "nest" in which:
                bench_nest(I)
            if "clif" in which:
                bench_clif(I, "exact")
    summary()
    save()
