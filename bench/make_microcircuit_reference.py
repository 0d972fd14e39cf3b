"""Writes tests/microcircuit_nest_reference.json: NEST iaf_psc_exp runs of the
reduced microcircuit (scale 0.05, k_scale 0.1, Poisson input) for several
seeds, each a fresh process of bench/nest_microcircuit.py; records per
population the mean and SD over seeds of the rate over t_sim after t_warm.

    python bench/make_microcircuit_reference.py [--seeds 5] [--t-sim 500]"""
import argparse, json, os, subprocess, sys
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--seeds", type=int, default=5)
ap.add_argument("--t-warm", type=float, default=100.0)
ap.add_argument("--t-sim", type=float, default=500.0)
ap.add_argument("--nest-python", default=os.environ.get("CLIF_NEST_PYTHON", "/opt/venv-nest/bin/python"))
a = ap.parse_args()
runs = []
for s in range(1, a.seeds + 1):
    out = subprocess.run([a.nest_python, os.path.join(here, "nest_microcircuit.py"), "0.05", "0.1",
                          "poisson", str(s), "--t-warm", str(a.t_warm), "--t-sim", str(a.t_sim)],
                         capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    runs.append(json.loads(out)); print(out, flush=True)
names = list(runs[0]["rates"])
ref = dict(how="bench/make_microcircuit_reference.py: NEST " + "iaf_psc_exp, resolution 0.1 ms, "
           "poisson_generator, seeds 1..%d (nest.rng_seed), rates over [t_warm, t_warm + t_sim)" % a.seeds,
           scale=0.05, k_scale=0.1, input="poisson", t_warm=a.t_warm, t_sim=a.t_sim, n_seeds=a.seeds,
           rates={k: [float(np.mean([r["rates"][k] for r in runs])),
                      float(np.std([r["rates"][k] for r in runs], ddof=1))] for k in names},
           runs=[r["rates"] for r in runs])
json.dump(ref, open(os.path.join(here, "..", "tests", "microcircuit_nest_reference.json"), "w"), indent=1)
