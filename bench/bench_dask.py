"""Benchmark of clif.dask scaling (not a test): 1 vs 2 Dask workers.

A noisy population, 20,000 neurons x 1 s at dt = 0.1 ms (2e8 neuron-steps),
sigma = 5 mV, I = 0.9 nA (18 mV above rest, ~19 Hz), method "exact", split
into 8 chunks of 2,500 neurons.  Timed (median of 5 interleaved repeats,
after a warm-up run that also imports clif on the workers):

- one process, ``clif.simulate_noisy`` (the reference; its spikes must equal
  every distributed result);
- one process, ``n_threads=2``;
- ``dask.distributed.LocalCluster`` with 1 and with 2 worker processes, one
  thread each.

Scaling efficiency = T(1 worker) / (2 T(2 workers)).  The machine has 2
cores and may be shared: the load average is printed with the figures, and
so is the CPU time our processes (this one and the workers) got, so that
"cores got" = cpu / wall tells a lack of cores from an overhead.

Run: python setup.py -q build_ext --inplace && python bench/bench_dask.py
"""
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import clif  # noqa: E402
import clif.dask  # noqa: E402
from _harness import machine, table, write_results  # noqa: E402

N, T, DT, CHUNK, REPEAT = 20_000, 1000.0, 0.1, 2_500, 5
KW = dict(sigma=5.0, n=N, I_e=0.9, dt=DT, seed=2024)


def main():
    from distributed import Client, LocalCluster

    # Worker processes import the clif next to this script (an in-place build).
    root = os.path.dirname(HERE)
    os.environ["PYTHONPATH"] = root + os.pathsep + os.environ.get("PYTHONPATH", "")
    load0 = os.getloadavg()
    ref = clif.simulate_noisy(T, **KW)
    rows, results = [], {}

    def record(name, seconds, cpu):
        results[name] = seconds
        results[name + " cpu"] = cpu
        rows.append([name, f"{seconds:.2f}", f"{N * T / DT / seconds / 1e6:.1f}", f"{cpu:.2f}",
                     f"{cpu / seconds:.2f}"])
        print(f"{name:28s} {seconds:6.2f} s  cpu {cpu:6.2f} s", flush=True)

    def timed(fn, client):
        """Wall time and CPU time of our processes (this one and the workers)."""
        clients = [c for c in (client,) if c is not None]
        w0 = [c.run(time.process_time) for c in clients]
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        for c, before in zip(clients, w0):
            after = c.run(time.process_time)
            cpu += sum(after[k] - before[k] for k in after)
        return wall, cpu

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=40) as c1, \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                         dashboard_address=None, silence_logs=40) as c2, \
            Client(c1, set_as_default=False) as one, Client(c2, set_as_default=False) as two:
        runs = {
            "1 process, 1 thread": (lambda: clif.simulate_noisy(T, **KW), None),
            "1 process, n_threads=2": (lambda: clif.simulate_noisy(T, n_threads=2, **KW),
                                       None),
            "dask, 1 worker": (lambda: clif.dask.simulate_noisy(T, chunks=CHUNK, client=one,
                                                               **KW), one),
            "dask, 2 workers": (lambda: clif.dask.simulate_noisy(T, chunks=CHUNK, client=two,
                                                                **KW), two),
        }
        for name in ("dask, 1 worker", "dask, 2 workers"):  # warm-up, and the check
            assert runs[name][0]() == ref, f"{name}: result differs from the one-process run"
        # Interleaved repeats: a burst of load from other jobs hits every
        # configuration alike instead of one of them.
        walls = {name: [] for name in runs}
        cpus = {name: [] for name in runs}
        for _ in range(REPEAT):
            for name, (fn, client) in runs.items():
                wall, cpu = timed(fn, client)
                walls[name].append(wall)
                cpus[name].append(cpu)
        for name in runs:
            record(name, float(np.median(walls[name])), float(np.median(cpus[name])))
    eff = results["dask, 1 worker"] / (2 * results["dask, 2 workers"])
    overhead = results["dask, 1 worker"] / results["1 process, 1 thread"] - 1
    load1 = os.getloadavg()
    print()
    print(table(rows, ["run", "wall [s]", "M neuron-steps/s", "cpu [s]", "cores got"]))
    print(f"\nscaling efficiency 1 -> 2 workers: {100 * eff:.0f} %")
    print(f"dask overhead, 1 worker vs 1 process: {100 * overhead:+.1f} %")
    print(f"{len(ref)} spikes; every distributed result equal to the one-process run")
    print(f"load average before/after: {load0[0]:.2f} / {load1[0]:.2f}; {machine()}")
    results.update(efficiency=eff, overhead=overhead, spikes=len(ref),
                   load_before=load0[0], load_after=load1[0], chunk=CHUNK, n=N, t_stop=T)
    print(write_results("dask", results))


if __name__ == "__main__":
    main()
