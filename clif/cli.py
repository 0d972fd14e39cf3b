"""The ``clif`` command line (``clif demo``, ``python -m clif demo``)."""
import argparse
import sys

import numpy as np


class UsageError(Exception):
    """A user mistake: reported as one line on stderr with exit code 2."""


def _demo(args):
    import clif

    n = clif.LIF()
    rheo = n.rheobase()
    cap = 1000.0 / n.t_ref
    print(f"clif {clif.__version__}: the f-I curve of the default LIF neuron")
    print(f"  tau_m = {n.tau_m:g} ms, R_m = {n.R_m:g} MOhm, C_m = {n.C_m:g} nF, "
          f"E_L = {n.E_L:g} mV, V_th = {n.V_th:g} mV, V_reset = {n.V_reset:g} mV, "
          f"t_ref = {n.t_ref:g} ms")
    print(f"  rheobase = {rheo:g} nA (0 Hz at or below it); cap 1/t_ref = {cap:g} Hz")
    print()
    print(f"  {'I [nA]':>8}  {'rate [Hz]':>10}  {'ISI [ms]':>10}")
    currents = np.array([0.5, 1.0, 1.01, 1.1, 1.5, 2.0, 3.0, 5.0, 10.0, 100.0, 1e4])
    for I, f, T in zip(currents, n.rate(currents), n.isi(currents)):
        print(f"  {I:8g}  {f:10.4f}  {T:10.4f}")
    print()
    return 0


def build_parser():
    p = argparse.ArgumentParser(prog="clif", description="Leaky integrate-and-fire neurons.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    d = sub.add_parser("demo", help="show the package working: the f-I curve, three ways")
    d.set_defaults(func=_demo)
    return p


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except (UsageError, ValueError, TypeError) as exc:
        print(f"clif {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"clif {args.command}: interrupted", file=sys.stderr)
        return 130
