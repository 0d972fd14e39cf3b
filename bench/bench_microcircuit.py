"""The Potjans & Diesmann (2014) microcircuit: clif (1 and 2 threads) against
NEST iaf_psc_exp and iaf_psc_exp_ps on the same network parameters
(bench/nest_microcircuit.py builds NEST's copy from clif's table), DC and
Poisson input, 0.1 s warm-up then 1 s, counts only (NEST's benchmarking
recipe).  Every run is a fresh process; --repeat R interleaves R rounds and
keeps each configuration's least sim time.  Reported: build time [s], sim
time [s], real-time factor (sim time / 1 s of model time), peak RSS [MiB],
and NEST / clif ratios.

    python bench/bench_microcircuit.py [--scale 0.1] [--k-scale 1] [--repeat 1]
        [--inputs poisson,dc] [--sims clif1,clif2,iaf_psc_exp,iaf_psc_exp_ps]
"""
import argparse, json, os, subprocess, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import machine, table, write_results  # noqa: E402
from bench_psc import nest_python  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CLIF = r"""
import json, resource, sys, time
import clif
from clif.network import microcircuit
from clif.microcircuit import population_rates
scale, k_scale, inp, threads, t_warm, t_sim = sys.argv[1:7]
t0 = time.perf_counter()
net = microcircuit(float(scale), float(k_scale), inp, seed=1)
net.run(0.0, record_spikes=None, n_threads=int(threads))    # finalize (CSR -> simulator)
build = time.perf_counter() - t0
net.run(float(t_warm), record_spikes=None, n_threads=int(threads))
t1 = time.perf_counter()
res = net.run(float(t_warm) + float(t_sim), record_spikes=None, rate_bin=float(t_sim),
              n_threads=int(threads))
sim = time.perf_counter() - t1
print(json.dumps(dict(rates=population_rates(net, res), build_s=build, sim_s=sim,
                      n_synapses=net.n_synapses, n_neurons=net.n,
                      peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""


def run_one(sim, a, inp, npy):
    if sim.startswith("clif"):
        cmd = [sys.executable, "-c", CLIF, str(a.scale), str(a.k_scale), inp, sim[4:],
               str(a.t_warm), str(a.t_sim)]
        env = dict(os.environ, PYTHONPATH=ROOT)
    else:
        cmd = [npy, os.path.join(HERE, "nest_microcircuit.py"), str(a.scale), str(a.k_scale),
               inp, "1", "--model", sim, "--t-warm", str(a.t_warm), "--t-sim", str(a.t_sim)]
        env = dict(os.environ)
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode:
        return {"error": out.stderr[-2000:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--k-scale", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--inputs", default="poisson,dc")
    ap.add_argument("--sims", default="clif1,clif2,iaf_psc_exp,iaf_psc_exp_ps")
    ap.add_argument("--t-warm", type=float, default=100.0)
    ap.add_argument("--t-sim", type=float, default=1000.0)
    ap.add_argument("--nest-python", default=None)
    a = ap.parse_args()
    npy = nest_python(a.nest_python)
    best = {}
    for _ in range(a.repeat):
        for inp in a.inputs.split(","):
            for sim in a.sims.split(","):
                r = run_one(sim, a, inp, npy)
                print(inp, sim, json.dumps(r), flush=True)
                key = (inp, sim)
                if "error" in r or key not in best or r["sim_s"] < best[key]["sim_s"]:
                    best[key] = r
    rows = []
    for (inp, sim), r in best.items():
        if "error" in r:
            rows.append([inp, sim, "error", "", "", "", ""])
            continue
        c = best.get((inp, "clif1"), {})
        ratio = (f"{r['sim_s'] / c['sim_s']:.2f}" if "sim_s" in c else "")
        mem = (f"{r['peak_rss_mib'] / c['peak_rss_mib']:.2f}" if "peak_rss_mib" in c else "")
        rows.append([inp, sim, f"{r['build_s']:.1f}", f"{r['sim_s']:.2f}",
                     f"{r['sim_s'] / (a.t_sim / 1000):.2f}", f"{r['peak_rss_mib']:.0f}",
                     ratio + " / " + mem])
    print(f"scale {a.scale}, k_scale {a.k_scale}; machine {machine()}")
    print(table(rows, ["input", "simulator", "build s", "sim s", "RTF", "peak MiB",
                       "sim / clif1 sim, mem / clif1 mem"]))
    write_results(f"microcircuit_scale{a.scale}", {f"{k[0]}/{k[1]}": v for k, v in best.items()})


if __name__ == "__main__":
    main()
