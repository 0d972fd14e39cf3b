"""clif.rate against the same formula in NumPy and against a bare np.log
(the floor: one log per element), single thread, medians of several runs.

    python bench/bench_closed_form.py [--quick]
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import machine, median_time, table, write_results  # noqa: E402

import clif  # noqa: E402

TAU, R, E_L, V_TH, V_RESET, T_REF = 20.0, 20.0, -70.0, -50.0, -70.0, 2.0


def numpy_rate(I):
    """The f-I curve as a user would write it in NumPy."""
    V_inf = E_L + R * I
    with np.errstate(divide="ignore", invalid="ignore"):
        T = T_REF + TAU * np.log((V_inf - V_RESET) / (V_inf - V_TH))
        return np.where(V_inf > V_TH, 1000.0 / T, 0.0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, 1e6 only")
    args = ap.parse_args(argv)
    sizes = [10**6] if args.quick else [10**6, 10**7]
    repeat = 3 if args.quick else 9
    rng = np.random.default_rng(0)
    results, rows = [], []
    for n in sizes:
        I = rng.uniform(0.0, 10.0, n)           # 0 .. 10x rheobase, ~20 % silent
        out = np.empty_like(I)
        # Same numbers (NumPy loses digits just above rheobase, hence 1e-9).
        assert np.allclose(clif.rate(I), numpy_rate(I), rtol=1e-9, atol=0)
        t_clif = median_time(lambda: clif.rate(I, out=out), repeat)
        t_np = median_time(lambda: numpy_rate(I), repeat)
        t_log = median_time(lambda: np.log(I, out=out), repeat)
        results.append({"n": n, "clif_s": t_clif, "numpy_expr_s": t_np, "np_log_s": t_log,
                        "speedup_vs_numpy": t_np / t_clif, "ratio_to_np_log": t_clif / t_log})
        rows.append([f"{n:.0e}", f"{t_clif * 1e3:.2f}", f"{t_np * 1e3:.2f}", f"{t_log * 1e3:.2f}",
                     f"{t_np / t_clif:.2f}x", f"{t_clif / t_log:.2f}x"])
    t_scalar = median_time(lambda: clif.rate(2.0), repeat=7, min_time=0.05)
    n_obj = clif.LIF()
    t_method = median_time(lambda: n_obj.rate(2.0), repeat=7, min_time=0.05)
    print("clif.rate, single thread, median of", repeat, "runs;", machine()["cpu"])
    print(table(rows, ["n", "clif [ms]", "NumPy expr [ms]", "np.log [ms]",
                       "clif vs NumPy", "clif / np.log"]))
    print(f"scalar call clif.rate(2.0): {t_scalar * 1e6:.2f} us; LIF().rate(2.0): "
          f"{t_method * 1e6:.2f} us")
    path = write_results("closed_form", {"arrays": results, "scalar_call_s": t_scalar,
                                         "method_call_s": t_method})
    print("wrote", os.path.relpath(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
