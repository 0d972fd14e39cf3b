"""Run every benchmark (bench/bench_*.py) against what is installed, then
print one table of ratios and write it into bench/README.md.

    python bench/run_all.py [--quick] [--only closed_form exact] [--no-readme]
    clif bench [--quick]                       # the same, from anywhere

Each benchmark runs in its own process (a peer such as NEST keeps global
state) as ``python bench/bench_<name>.py [--quick]`` (``--quick`` only to
scripts that mention it) and is expected to write
``bench/results/<name>.json`` through ``_harness.write_results``; the
runner names those that write none.  The table
takes from each results file either its ``"summary"`` entry, a list of
``{"measure": str, "value": number}`` chosen by the benchmark, or else every
number whose key contains ``speedup``, ``ratio`` or ``_vs_``.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
START, END = "<!-- results:start -->", "<!-- results:end -->"
_RATIO_KEYS = ("speedup", "ratio", "_vs_")
_LABEL_KEYS = ("name", "peer", "tool", "method", "n", "dt")


def _clif_path():
    """The folder to put on PYTHONPATH so the benchmarks import the same clif
    as this process: the installed one, else the source tree next to bench/."""
    try:
        import clif
    except ImportError:
        sys.path.insert(0, os.path.dirname(HERE))
        import clif
    return os.path.dirname(os.path.dirname(os.path.abspath(clif.__file__)))


def ratios(data, prefix=""):
    """``[(measure, value)]``: the ratio-like numbers in a results document."""
    if isinstance(data, dict) and prefix == "" and "summary" in data:
        return [(r["measure"], r["value"]) for r in data["summary"]]
    rows = []
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else key
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if any(k in key for k in _RATIO_KEYS):
                    rows.append((path, value))
            else:
                rows.extend(ratios(value, path))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            label = str(i)
            if isinstance(item, dict):
                key = next((k for k in _LABEL_KEYS if k in item), None)
                if key is not None:
                    label = f"{key}={item[key]:g}" if isinstance(item[key], (int, float)) \
                        else f"{key}={item[key]}"
            rows.extend(ratios(item, f"{prefix}[{label}]"))
    return rows


def summary_table(results_dir):
    """The markdown table of every results file in ``results_dir`` and the
    machines they came from."""
    rows, machines = [], []
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        with open(path) as fh:
            doc = json.load(fh)
        m = doc.get("machine", {})
        desc = (f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('platform', '?')}; "
                f"Python {m.get('python', '?')}, NumPy {m.get('numpy', '?')}, "
                f"clif {m.get('clif', '?')}")
        if desc not in machines:
            machines.append(desc)
        name = doc.get("benchmark", os.path.basename(path)[:-5])
        for measure, value in ratios(doc.get("results", {})) or [("(no ratios)", "")]:
            value = f"{value:.3g}" if isinstance(value, (int, float)) else str(value)
            rows.append(f"| {name} | {measure} | {value} | {doc.get('date', '?')} | "
                        f"{machines.index(desc) + 1} |")
    lines = ["| benchmark | measure | value | date | machine |", "| --- | --- | --- | --- | --- |"]
    lines += rows
    lines += [""] + [f"Machine {i + 1}: {d}" for i, d in enumerate(machines)]
    return "\n".join(lines)


def update_readme(readme, table):
    """Put ``table`` between the results markers of ``readme`` (appending
    the markers when absent), leaving the rest of the file as it is."""
    text = open(readme).read() if os.path.exists(readme) else "# Benchmarks\n"
    block = f"{START}\n{table}\n{END}"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Results\n\n" + block + "\n"
    with open(readme, "w") as fh:
        fh.write(text)


def _stamps(folder):
    return {p: os.stat(p).st_mtime_ns for p in glob.glob(os.path.join(folder, "*.json"))}


def main(argv=None, bench_dir=HERE):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="pass --quick to every benchmark")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="only bench_NAME.py")
    ap.add_argument("--no-readme", action="store_true", help="leave bench/README.md alone")
    args = ap.parse_args(argv)
    scripts = sorted(glob.glob(os.path.join(bench_dir, "bench_*.py")))
    names = [os.path.basename(s)[len("bench_"):-3] for s in scripts]
    if args.only:
        unknown = set(args.only) - set(names)
        if unknown:
            print(f"run_all: error: no benchmark {', '.join(sorted(unknown))} "
                  f"(have: {', '.join(names)})", file=sys.stderr)
            return 2
        scripts = [s for s, n in zip(scripts, names) if n in args.only]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [_clif_path(), env.get("PYTHONPATH")]))
    failed, silent = [], []
    results_dir = os.path.join(bench_dir, "results")
    for script in scripts:
        name = os.path.basename(script)
        with open(script) as fh:
            # A benchmark without a quick mode runs in full rather than choke on the flag.
            quick = args.quick and "--quick" in fh.read()
        print(f"=== {name}" + (" --quick" if quick else ""), flush=True)
        t0, before = time.perf_counter(), _stamps(results_dir)
        proc = subprocess.run([sys.executable, script] + (["--quick"] if quick else []),
                              env=env, cwd=bench_dir)
        print(f"=== {name}: exit {proc.returncode}, {time.perf_counter() - t0:.1f} s\n",
              flush=True)
        fresh = _stamps(results_dir).items() - before.items()
        if proc.returncode:
            failed.append(name)
        elif not fresh:
            silent.append(name)
    table = summary_table(results_dir)
    print(table)
    if not args.no_readme:
        readme = os.path.join(bench_dir, "README.md")
        update_readme(readme, table)
        print(f"\nwrote the table into {readme}")
    if silent:
        print(f"no results file from {', '.join(silent)} (a benchmark should end with "
              "_harness.write_results(name, results))", file=sys.stderr)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
