"""NEST and Brian2 against clif's exact reference suite (clif.reference).

For each simulator/model, problem and resolution dt in {0.1, 0.01, 0.001}
ms the problem runs in a fresh process (clif.reference.run_external: NEST in
/opt/venv-nest or $CLIF_NEST_PYTHON, Brian2 in /tmp/venv-brian2 or
$CLIF_BRIAN2_PYTHON, found as bench_psc.nest_python finds NEST) and its spikes
are matched to clif's exact ones (clif.compare, tol 2 ms).  Writes
bench/results/reference.json, a Markdown report with the error-vs-dt figure
(docs/img/reference_error_vs_dt.png), and prints the table.

    python bench/bench_reference.py [--dt 0.1 0.01 0.001] [--sims nest:iaf_psc_delta ...]
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import clif  # noqa: E402
from clif import reference  # noqa: E402
from clif.compare import compare, report  # noqa: E402
from _harness import write_results  # noqa: E402

DELTA = ["fi_dc", "rheobase_edge", "pulse_summation", "coincident_threshold",
         "refractory_drop", "refractory_integrate", "sine_cutoff", "network_small"]
PROBLEMS = {"nest:iaf_psc_delta": DELTA,
            "nest:iaf_psc_delta_ps": [p for p in DELTA if p != "refractory_integrate"],
            "nest:iaf_psc_exp": ["psc_exp_grazing"],
            "nest:iaf_psc_exp_ps": ["psc_exp_grazing"],
            "brian2": ["fi_dc", "pulse_summation", "coincident_threshold", "refractory_drop",
                       "network_small", "psc_exp_grazing"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dt", nargs="+", type=float, default=[0.1, 0.01, 0.001])
    ap.add_argument("--sims", nargs="+", default=list(PROBLEMS))
    ap.add_argument("--tol", type=float, default=2.0)
    a = ap.parse_args()
    entries, out = [], []
    for sim in a.sims:
        name, _, model = sim.partition(":")
        if reference.interpreter(name) is None:
            print(f"skip {sim}: not installed")
            continue
        for prob in PROBLEMS[sim]:
            ref = reference.run(prob).spikes
            for dt in a.dt:
                t0 = time.perf_counter()
                try:
                    cand = reference.run_external(prob, name, dt, model=model or None)
                except Exception as exc:  # a run that fails is reported, not hidden
                    print(f"{sim} {prob} dt={dt}: FAILED {str(exc)[-200:]}")
                    continue
                c = compare(ref, cand, tol=a.tol)
                wall = time.perf_counter() - t0
                entries.append(dict(simulator=sim, problem=prob, dt=dt, comparison=c,
                                    reference=ref, candidate=cand))
                out.append(dict(simulator=sim, problem=prob, dt=dt, wall_s=wall,
                                **c.summary()))
                s = c.summary()
                print(f"{sim:22s} {prob:22s} dt={dt:<6g} matched {s['n_matched']}/"
                      f"{s['n_reference']} missed {s['n_missed']} extra {s['n_extra']} "
                      f"max|err| {s['max_abs_error_ms']:.3g} ms ({wall:.1f} s)", flush=True)
    path = write_results("reference", out)
    tmp = tempfile.mkdtemp()
    rep = report(entries, os.path.join(tmp, "reference.md"))
    img = os.path.join(os.path.dirname(HERE), "docs", "img", "reference_error_vs_dt.png")
    if rep["images"]:
        shutil.copy(os.path.join(tmp, rep["images"][0]), img)
    print("orders:", {f"{k[0]} {k[1]}": round(v, 2) for k, v in rep["orders"].items()})
    print(f"results: {path}; report: {tmp}/reference.md; figure: {img}")


if __name__ == "__main__":
    main()
