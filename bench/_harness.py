"""Shared pieces of the benchmarks: timing by medians, the machine's
description, and writing bench/results/<name>.json.  Benchmarks are scripts,
never tests: speed is shown here, not asserted."""
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def median_time(fn, repeat=7, warmup=1, min_time=0.0):
    """Median wall time of ``fn()`` in seconds over ``repeat`` runs.  With
    ``min_time``, a run calls ``fn`` as many times as needed to last that long
    (for microsecond-scale calls) and reports the time per call."""
    for _ in range(warmup):
        fn()
    inner = 1
    if min_time:
        while True:
            t0 = time.perf_counter()
            for _ in range(inner):
                fn()
            if time.perf_counter() - t0 >= min_time:
                break
            inner *= 2
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    times.sort()
    return times[len(times) // 2]


def machine():
    """A short description of the machine and the software versions."""
    cpu = platform.processor() or platform.machine()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    import numpy
    info = {"cpu": cpu, "cores": os.cpu_count(), "python": sys.version.split()[0],
            "numpy": numpy.__version__, "platform": platform.platform()}
    try:
        import clif
        info["clif"] = clif.__version__
    except ImportError:
        pass
    return info


def write_results(name, results):
    """Write ``bench/results/<name>.json`` and return its path."""
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    path = os.path.join(HERE, "results", f"{name}.json")
    with open(path, "w") as fh:
        json.dump({"benchmark": name, "machine": machine(), "date": time.strftime("%Y-%m-%d"),
                   "results": results}, fh, indent=2, default=float)
    return path


def table(rows, headers):
    """Format rows (lists of str) as an aligned plain-text table."""
    widths = [max(len(str(r[i])) for r in [headers] + rows) for i in range(len(headers))]
    fmt = "  ".join("{:>%d}" % w for w in widths)
    return "\n".join([fmt.format(*headers)] + [fmt.format(*map(str, r)) for r in rows])
