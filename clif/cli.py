"""The ``clif`` command line (also ``python -m clif``).

    clif demo                          the f-I curve three ways, and a figure
    clif fi --I 0:5:0.5 --sigma 2      an f-I curve as CSV or JSON
    clif simulate --n 100 --t-stop 1000 --I-e 1.5 -o spikes.npz
    clif simulate --t-stop 100 --model psc_exp --tau-syn-ex 0.5 --pulses in.csv
    clif bench --quick                 every benchmark, one table of ratios

User mistakes (bad numbers, invalid parameters, unwritable files) are one
line on stderr and exit code 2; Ctrl-C exits with 130 after reporting what
was simulated.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

#: Exit codes.
USAGE, INTERRUPTED = 2, 130


class UsageError(Exception):
    """A user mistake: reported as one line on stderr with exit code 2."""


class _Parser(argparse.ArgumentParser):
    # argparse prints the whole usage before its error; one line is enough
    # (``--help`` has the rest).
    def error(self, message):
        self.exit(USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def numbers(text):
    """Parse ``"start:stop:step"`` (stop included when on the grid),
    ``"a,b,c"`` or ``"a"`` into a float64 array."""
    try:
        if ":" in text:
            parts = [float(x) for x in text.split(":")]
            if len(parts) != 3:
                raise ValueError
            start, stop, step = parts
            if not (math.isfinite(start) and math.isfinite(stop) and step > 0
                    and math.isfinite(step)) or stop < start:
                raise argparse.ArgumentTypeError(
                    f"range {text!r} needs start <= stop and a step > 0")
            count = int(math.floor((stop - start) / step * (1 + 1e-12))) + 1
            if count > 10**7:
                raise argparse.ArgumentTypeError(f"range {text!r} has {count} points "
                                                 "(at most 10^7)")
            return start + step * np.arange(count)
        return np.array([float(x) for x in text.split(",")])
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number, a list a,b,c or a range start:stop:step") from None


def _neuron_options():
    p = _Parser(add_help=False)
    g = p.add_argument_group("neuron parameters (defaults: clif.LIF())")
    for flag, dest, unit in [("--tau-m", "tau_m", "ms"), ("--C-m", "C_m", "nF"),
                             ("--R-m", "R_m", "MOhm"), ("--E-L", "E_L", "mV"),
                             ("--V-th", "V_th", "mV"), ("--V-reset", "V_reset", "mV"),
                             ("--t-ref", "t_ref", "ms")]:
        g.add_argument(flag, dest=dest, type=float, metavar=unit.upper(),
                       help=f"{dest} [{unit}]")
    return p


def _params(args):
    return {k: getattr(args, k) for k in ("tau_m", "C_m", "R_m", "E_L", "V_th", "V_reset",
                                          "t_ref") if getattr(args, k) is not None}


MODELS = ("delta", "psc_exp", "psc_alpha")
_WEIGHT_UNIT = {"delta": "mV", "psc_exp": "nA", "psc_alpha": "nA"}


def positive_times(text):
    """Parse synaptic time constants [ms] like :func:`numbers` and check that
    each is finite and > 0."""
    a = numbers(text)
    if a.size == 0 or not np.all(np.isfinite(a) & (a > 0)):
        raise argparse.ArgumentTypeError(f"{text!r}: a time constant must be finite and "
                                         "> 0 ms")
    return a


def _model_options(what):
    """The parent parser of ``--model``, ``--tau-syn-ex``, ``--tau-syn-in``;
    ``what`` completes the group's description."""
    p = _Parser(add_help=False)
    g = p.add_argument_group(
        "synapse model", "what an input does: delta pulses jump V by their weight [mV]; "
        "psc_exp / psc_alpha add an exponential / alpha current of peak weight [nA] "
        "(NEST iaf_psc_exp / iaf_psc_alpha, PyNN IF_curr_exp / IF_curr_alpha) with time "
        f"constants tau_syn_ex, tau_syn_in [ms] (default 2 ms). {what}")
    g.add_argument("--model", choices=MODELS, default="delta",
                   help="synapse model (default %(default)s)")
    for flag, dest, kind in [("--tau-syn-ex", "tau_syn_ex", "excitatory (weight >= 0)"),
                             ("--tau-syn-in", "tau_syn_in", "inhibitory (weight < 0)")]:
        g.add_argument(flag, dest=dest, type=positive_times, metavar="MS",
                       help=f"{kind} synaptic time constant [ms], > 0; psc models only")
    return p


def _model_params(args):
    """``{"model": ..., "tau_syn_ex": ..., ...}`` for clif.simulate; the
    time constants as a float, or an array when given per neuron.  Time
    constants with ``--model delta`` are a usage error."""
    given = [(flag, dest) for flag, dest in [("--tau-syn-ex", "tau_syn_ex"),
                                             ("--tau-syn-in", "tau_syn_in")]
             if getattr(args, dest, None) is not None]
    if args.model == "delta":
        if given:
            raise UsageError(f"{given[0][0]} applies to --model psc_exp or psc_alpha "
                             "(synaptic currents); --model delta has no synaptic time "
                             "constant")
        return {"model": "delta"}
    out = {"model": args.model}
    for _, dest in given:
        a = getattr(args, dest)
        out[dest] = float(a[0]) if a.size == 1 else a
    return out


# --- demo -----------------------------------------------------------------------------------

def _demo(args):
    import clif

    n = clif.LIF()
    sigma = args.sigma
    currents = np.array([0.5, 0.9, 1.0, 1.05, 1.2, 1.5, 2.0, 3.0, 5.0])
    print(f"clif {clif.__version__}: the f-I curve of the default LIF neuron, three ways")
    print(f"  tau_m = {n.tau_m:g} ms, R_m = {n.R_m:g} MOhm, C_m = {n.C_m:g} nF, "
          f"E_L = {n.E_L:g} mV, V_th = {n.V_th:g} mV, V_reset = {n.V_reset:g} mV, "
          f"t_ref = {n.t_ref:g} ms")
    print(f"  rheobase = {n.rheobase():g} nA (no spikes at or below it without noise); "
          f"cap 1/t_ref = {1000.0 / n.t_ref:g} Hz")
    cols = {"I [nA]": currents, "closed form [Hz]": n.rate(currents)}
    notes = []

    from clif import theory

    s = clif.simulate(1000.0, I_e=currents)
    # 1/mean ISI, not count/duration: a 1-s count is quantised to 1 Hz.
    isis = s.isi()
    exact = np.array([1000.0 / d.mean() if d.size else 0.0 for d in isis])
    err = max((np.max(np.abs(d - clif.isi(I))) for d, I in zip(isis, currents) if d.size),
              default=0.0)
    cols["exact sim [Hz]"] = exact
    notes.append(f"exact simulation, 1 s: max |ISI - clif.isi| = {err:.1e} ms")

    cols[f"Siegert s={sigma:g} [Hz]"] = theory.siegert_rate(currents, sigma)
    reps, t_stop = 40, 2000.0
    s = clif.simulate_noisy(t_stop, sigma=sigma, I_e=np.repeat(currents, reps), dt=0.1,
                            seed=args.seed)
    r = s.rates().reshape(currents.size, reps)
    noisy = r.mean(axis=1)
    cols[f"noisy sim s={sigma:g} [Hz]"] = noisy
    notes.append(f"noisy simulation: {reps} neurons x {t_stop / 1000:g} s per current, "
                 f"dt = 0.1 ms, exact OU + bridge, seed {s.seed}; "
                 f"standard error <= {np.max(r.std(axis=1, ddof=1)) / np.sqrt(reps):.2g} Hz")

    sr = theory.stochastic_resonance(np.array([1.0, 2.0, 3.0, 4.5, 6.0, 9.0, 13.0]), I0=0.4,
                                     f=10.0, I_dc=0.5, n=50, t_stop=1000.0, t_warmup=200.0,
                                     seed=args.seed)
    best = sr["sigma"][int(np.argmax(sr["snr"]))]
    notes.append("stochastic resonance, 0.5 nA + 0.4 nA at 10 Hz (subthreshold): SNR "
                 + " ".join(f"{x:.2g}" for x in sr["snr"]) + " for sigma = "
                 + " ".join(f"{x:g}" for x in sr["sigma"]) + f" mV; best {best:g} mV")

    print()
    width = max(len(h) for h in cols) + 1
    print("".join(f"{h:>{width}}" for h in cols))
    for row in zip(*cols.values()):
        print("".join(f"{v:>{width}.4g}" for v in row))
    print()
    for line in notes:
        print("  " + line)

    if not args.no_plot:
        try:
            from clif import plot
            import matplotlib
            matplotlib.use("Agg")  # a file, never a window
        except ImportError:
            print("  no figure: matplotlib is missing (pip install clif[plot])")
            return 0
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, 2, squeeze=False, layout="constrained", figsize=(11.0, 4.0))
        grid = np.linspace(0.0, 5.0, 300)
        plot.fi_curve(grid, sigma=sigma, exact=(currents, exact), noisy=(currents, noisy),
                      ax=axes[0, 0])
        axes[0, 0].set_title("the f-I curve, three ways")
        plot.stochastic_resonance(sr["sigma"], sr["snr"], ylabel="SNR at 10 Hz", ax=axes[0, 1])
        axes[0, 1].set_title("stochastic resonance")
        fig.savefig(args.out, dpi=120)
        plt.close(fig)
        print(f"  figure written to {os.path.abspath(args.out)}")
    return 0


# --- fi -------------------------------------------------------------------------------------

def _fi(args):
    import clif
    from clif import theory

    params = _params(args)
    I = args.I
    tau_syn = _fi_tau_syn(args)
    cols = {"I_nA": I, "rate_Hz": clif.rate(I, **params), "isi_ms": clif.isi(I, **params)}
    if args.sigma is not None and tau_syn is None:
        cols["siegert_Hz"] = theory.siegert_rate(I, args.sigma, **params)
        cols["cv"] = theory.isi_cv(I, args.sigma, **params)
    elif args.sigma is not None:
        cols["siegert_Hz"] = theory.siegert_rate_psc(I, args.sigma, tau_syn, **params)
        cols["cv"] = theory.isi_cv_psc(I, args.sigma, tau_syn, **params)
    if args.format == "json":
        def finite(a):  # JSON has no inf/nan
            return [float(x) if math.isfinite(x) else None for x in np.atleast_1d(a)]
        doc = {"params": clif.LIF(**params).params(), "sigma": args.sigma,
               "model": args.model}
        if tau_syn is not None:
            doc["tau_syn_ex"] = tau_syn
        doc["params"].pop("I_e")
        doc.update({k: finite(v) for k, v in cols.items()})
        json.dump(doc, sys.stdout, indent=1)
        print()
    else:
        print(",".join(cols))
        for row in zip(*(np.atleast_1d(v) for v in cols.values())):
            print(",".join(f"{x:.17g}" for x in row))
    return 0


def _fi_tau_syn(args):
    """The synaptic time constant [ms] of ``fi``'s colored-noise rate, or None
    (delta synapses, or no noise).  A constant current bypasses the synapse,
    so the model matters only with ``--sigma``; options that would change
    nothing are usage errors."""
    _model_params(args)  # --tau-syn-* with --model delta
    given = [f for f, d in [("--tau-syn-ex", "tau_syn_ex"), ("--tau-syn-in", "tau_syn_in")]
             if getattr(args, d) is not None]
    if args.model == "delta":
        return None
    if args.sigma is None:
        if given:
            raise UsageError(f"{given[0]} changes only the noisy rate (--sigma): the f-I "
                             "curve to a constant current is the same for every synapse model")
        return None
    if args.model == "psc_alpha":
        raise UsageError("--sigma with --model psc_alpha: the colored-noise rate "
                         "(Fourcaud & Brunel 2002) is for exponential synapses; use --model "
                         "psc_exp or delta")
    if args.tau_syn_in is not None:
        raise UsageError("--tau-syn-in: the colored-noise rate has one synaptic filter, "
                         "--tau-syn-ex [ms]")
    if args.tau_syn_ex is None:
        from clif import models
        return models.MODELS["psc_exp"].params[0].default
    if args.tau_syn_ex.size != 1:
        raise UsageError("--tau-syn-ex: fi takes one time constant [ms]")
    return float(args.tau_syn_ex[0])


# --- simulate -------------------------------------------------------------------------------

#: Column (CSV) or array (.npz) names of a pulse file.
PULSE_COLUMNS = ("time_ms", "target", "weight_mV | weight_nA", "port (optional)")


def load_pulses(path, model, n, t_stop):
    """Read input pulses for ``clif simulate --pulses``.

    Parameters
    ----------
    path : str
        ``FILE.csv`` with a header line ``time_ms,target,weight_<unit>`` and
        optionally ``,port``, or ``FILE.npz`` with arrays of those names.
        The weight's unit is the model's: ``weight_mV`` for ``"delta"`` (the
        jump of V), ``weight_nA`` for ``"psc_exp"`` and ``"psc_alpha"`` (the
        current's jump, the alpha current's peak).  ``port``: 0 = excitatory,
        1 = inhibitory (current models; default: the weight's sign).
    model : {"delta", "psc_exp", "psc_alpha"}
    n : int
        Number of neurons: targets lie in ``[0, n)``.
    t_stop : float
        End of the run [ms]: times lie in ``[0, t_stop)``.

    Returns
    -------
    tuple
        ``(times [ms], targets, weights[, ports])`` for ``clif.simulate``.

    Raises
    ------
    UsageError
        A missing or malformed file, or values out of range; the message
        starts with ``--pulses PATH``.
    """
    flag = f"--pulses {path}"
    unit = _WEIGHT_UNIT[model]
    if not path.endswith((".csv", ".npz")):
        raise UsageError(f"{flag}: the file must end in .csv or .npz")
    if not os.path.isfile(path):
        raise UsageError(f"{flag}: no such file")
    try:
        if path.endswith(".npz"):
            with np.load(path) as z:
                cols = {k: np.asarray(z[k]).ravel() for k in z.files}
            where = "pulse {}".format
        else:
            import warnings
            with open(path) as fh:
                names = [c.strip() for c in fh.readline().strip().split(",")]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # a header alone: no pulses
                    data = np.loadtxt(fh, delimiter=",", ndmin=2)
            if data.size == 0:
                data = np.zeros((0, len(names)))
            if data.shape[1] != len(names):
                raise UsageError(f"{flag}: {data.shape[1]} columns under a header of "
                                 f"{len(names)} ({','.join(names)})")
            cols = dict(zip(names, data.T))
            where = lambda i: f"line {i + 2}"  # noqa: E731 (1-based, after the header)
    except (ValueError, OSError, EOFError) as exc:
        raise UsageError(f"{flag}: not a pulse file ({exc})") from None
    other = {"mV": "nA", "nA": "mV"}[unit]
    if f"weight_{other}" in cols and f"weight_{unit}" not in cols:
        hint = (" (clif.theory.weight_for_psp converts a PSP peak in mV to a weight in nA)"
                if unit == "nA" else "")
        raise UsageError(f"{flag}: weights in {other} do not fit --model {model}, whose "
                         f"weights are in {unit} (a column weight_{unit}){hint}")
    need = ["time_ms", "target", f"weight_{unit}"]
    missing = [c for c in need if c not in cols]
    if missing:
        raise UsageError(f"{flag}: needs columns {','.join(need)}[,port] (--model {model}: "
                         f"weights in {unit}); missing {','.join(missing)}")
    stray = sorted(set(cols) - set(need) - {"port"})
    if stray:
        raise UsageError(f"{flag}: unknown column(s) {','.join(stray)}")
    t, tg, w = (np.asarray(cols[c], dtype=np.float64) for c in need)
    if not (t.size == tg.size == w.size):
        raise UsageError(f"{flag}: time_ms, target and weight_{unit} differ in length")

    def first(bad):
        return int(np.flatnonzero(bad)[0])
    bad = ~(np.isfinite(t) & (t >= 0) & (t < t_stop))
    if bad.any():
        i = first(bad)
        raise UsageError(f"{flag}: {where(i)}: time {t[i]:g} ms is outside [0, {t_stop:g}) ms")
    bad = ~(np.isfinite(tg) & (tg == np.round(tg)) & (tg >= 0) & (tg < n))
    if bad.any():
        i = first(bad)
        raise UsageError(f"{flag}: {where(i)}: target {tg[i]:g} is not a neuron index in "
                         f"[0, {n}) (--n {n})")
    bad = ~np.isfinite(w)
    if bad.any():
        raise UsageError(f"{flag}: {where(first(bad))}: weight must be finite ({unit})")
    out = (t, tg.astype(np.int64), w)
    if "port" in cols:
        if model == "delta":
            raise UsageError(f"{flag}: a port column applies to --model psc_exp or psc_alpha "
                             "(two receptors); delta pulses have one")
        port = np.asarray(cols["port"], dtype=np.float64)
        bad = ~((port == 0) | (port == 1))
        if port.size != t.size or bad.any():
            i = first(bad) if port.size == t.size else 0
            raise UsageError(f"{flag}: {where(i)}: port must be 0 (ex) or 1 (in)")
        out += (port.astype(np.int64),)
    return out


class _Pulsed:
    """A resumable population fed its pulses slice by slice: the chunked
    runner passes no inputs tied to absolute times, so each ``run(until)``
    gets the pulses in ``[t, until)`` (split runs give the spikes of one)."""

    def __init__(self, pop, pulses):
        order = np.argsort(pulses[0], kind="stable")  # keeps ties in their given order
        self.pop = pop
        self.pulses = tuple(np.ascontiguousarray(a[order]) for a in pulses)

    @property
    def t(self):
        return self.pop.t

    def run(self, until, **kw):
        lo, hi = np.searchsorted(self.pulses[0], [self.pop.t, until], side="left")
        return self.pop.run(until, pulses=tuple(a[lo:hi] for a in self.pulses), **kw)


def _save(spikes, path):
    if path.endswith(".npz"):
        np.savez(path, **spikes.to_dict())
    else:
        with open(path, "w") as fh:
            fh.write("time_ms,sender\n")
            np.savetxt(fh, np.column_stack([spikes.times, spikes.senders]),
                       fmt=["%.17g", "%d"], delimiter=",")


def _summary(s, wall, kind):
    rates = s.rates()
    print(f"{kind}: {s.n} neurons, {s.t_start:g} to {s.t_stop:g} ms, {wall:.3g} s wall time"
          + (f", seed {s.seed}" if s.seed is not None else ""))
    print(f"  {len(s)} spikes; rate [Hz] mean {rates.mean():.4g}, min {rates.min():.4g}, "
          f"max {rates.max():.4g}; {np.count_nonzero(rates == 0)} silent neurons")
    cv = s.cv()
    if np.any(np.isfinite(cv)):
        print(f"  CV of ISIs: mean {np.nanmean(cv):.3g} over {np.count_nonzero(np.isfinite(cv))} "
              "neurons with >= 2 ISIs")


def _simulate(args):
    import clif
    from clif import _progress

    if args.output and not args.output.endswith((".npz", ".csv")):
        raise UsageError(f"-o {args.output}: the file must end in .npz or .csv")
    if args.output and not os.path.isdir(os.path.dirname(os.path.abspath(args.output))):
        raise UsageError(f"-o {args.output}: no such folder")
    if args.t_stop is None or not (args.t_stop > 0 and math.isfinite(args.t_stop)):
        raise UsageError("--t-stop must be a time > 0 ms")
    kw = dict(n=args.n, I_e=args.I_e if args.I_e.size > 1 else float(args.I_e[0]),
              **_params(args))
    syn = _model_params(args)
    pulses = None
    if args.sigma is None:
        kind = "exact simulation"
        if args.model != "delta":
            taus = [f"{k} {v:g} ms" if np.ndim(v) == 0 else f"{k} per neuron"
                    for k, v in syn.items() if k != "model"]
            kind += f" ({', '.join([args.model] + taus)})"
        n = args.n if args.n is not None else args.I_e.size
        for flag, dest in [("--tau-syn-ex", "tau_syn_ex"), ("--tau-syn-in", "tau_syn_in")]:
            if np.size(syn.get(dest, 0.0)) not in (1, n):
                raise UsageError(f"{flag}: {np.size(syn[dest])} values for {n} neurons "
                                 "(give one, or one per neuron)")
        kw.update(syn)
        if args.pulses:
            pulses = load_pulses(args.pulses, args.model, n, args.t_stop)
        pop = clif.Population(n_threads=args.threads, **kw)
        if pulses is not None:
            pop = _Pulsed(pop, pulses)
    else:
        if args.model != "delta":
            raise UsageError(f"--model {args.model} with --sigma: the noisy simulation has "
                             "white-noise input and no synapse model in this build; drop "
                             "--sigma (exact simulation) or use --model delta")
        if args.pulses:
            raise UsageError("--pulses with --sigma: the noisy simulation takes no input "
                             "pulses; drop --sigma for the exact simulation")
        kind = f"noisy simulation (sigma {args.sigma:g} mV, dt {args.dt:g} ms, {args.method})"
        if args.dt > 0 and abs(round(args.t_stop / args.dt) * args.dt - args.t_stop) \
                > 1e-9 * max(1.0, args.t_stop):
            raise UsageError(f"--t-stop {args.t_stop:g} ms must be a multiple of "
                             f"--dt {args.dt:g} ms")
        kw.update(sigma=args.sigma, dt=args.dt, method=args.method, seed=args.seed)
        pop = clif.NoisyPopulation(**kw)
    start = time.perf_counter()
    line = _progress.ProgressLine(kind.split(" (")[0])
    code = 0
    try:
        extra = {"n_threads": args.threads} if args.sigma is not None else {}
        s = _progress.run_chunked(pop, args.t_stop, line, **extra)
    except _progress.SimulationInterrupted as exc:
        line.close()
        if exc.partial is None:
            print("clif simulate: interrupted before any time was simulated", file=sys.stderr)
            return INTERRUPTED
        s = exc.partial
        print(f"clif simulate: interrupted at t = {s.t_stop:g} ms of {args.t_stop:g} ms; "
              "reporting and saving what was simulated", file=sys.stderr)
        code = INTERRUPTED
    line.close()
    _summary(s, time.perf_counter() - start, kind)
    if args.output:
        _save(s, args.output)
        print(f"  spikes written to {args.output}")
    return code


# --- bench ----------------------------------------------------------------------------------

def _bench(args):
    import importlib.util

    import clif

    folder = args.bench_dir or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(clif.__file__))), "bench")
    runner = os.path.join(folder, "run_all.py")
    if not os.path.isfile(runner):
        raise UsageError(f"no benchmarks at {folder} (bench/run_all.py): they live in clif's "
                         "source tree, not in the installed package; pass --bench-dir "
                         "PATH/TO/clif/bench")
    spec = importlib.util.spec_from_file_location("clif_bench_run_all", runner)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    argv = (["--quick"] if args.quick else []) + (["--no-readme"] if args.no_readme else [])
    if args.only:
        argv += ["--only", *args.only]
    return mod.main(argv)


# --- the parser -----------------------------------------------------------------------------

def build_parser():
    p = _Parser(prog="clif", description="Leaky integrate-and-fire neurons: closed forms, "
                "exact and noisy simulation.  Units: ms, mV, nA, nF, MOhm, Hz.")
    from clif import __version__
    p.add_argument("--version", action="version", version=f"clif {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    neuron = _neuron_options()
    fi_model = _model_options("A constant current bypasses the synapse, so the f-I curve is "
                              "the same for every model; with --sigma and --model psc_exp "
                              "siegert_Hz is the rate under noise filtered by the synapse "
                              "(Fourcaud & Brunel 2002, for tau_syn_ex << tau_m).")
    sim_model = _model_options("The model sets the unit of the --pulses weights (mV for "
                               "delta, nA otherwise); exact simulation only (no --sigma). "
                               "Time constants: one value or one per neuron.")

    d = sub.add_parser("demo", help="the f-I curve three ways: closed form, exact and noisy "
                       "simulation against Siegert; a table and a figure")
    d.add_argument("--out", default="clif-demo.png", help="figure file (default: %(default)s)")
    d.add_argument("--no-plot", action="store_true", help="no figure")
    d.add_argument("--sigma", type=float, default=3.0, help="noise [mV] (default %(default)s)")
    d.add_argument("--seed", type=int, default=1, help="seed of the noisy run (default 1)")
    d.set_defaults(func=_demo)

    f = sub.add_parser("fi", parents=[neuron, fi_model],
                       help="an f-I curve to stdout as CSV or JSON",
                       description="Firing rate [Hz] and ISI [ms] against constant current "
                       "[nA] (closed form); with --sigma also the Siegert rate with noise "
                       "(with --model psc_exp: noise filtered by the synapse).")
    f.add_argument("--I", type=numbers, default=numbers("0:5:0.5"), metavar="NA",
                   help="currents [nA]: start:stop:step, a,b,c or one value "
                   "(default 0:5:0.5)")
    f.add_argument("--sigma", type=float, help="noise amplitude [mV]: adds siegert_Hz, cv")
    f.add_argument("--format", choices=("csv", "json"), default="csv")
    f.set_defaults(func=_fi)

    s = sub.add_parser("simulate", parents=[neuron, sim_model],
                       help="simulate a population; spikes to .npz/.csv, summary on stdout",
                       description="Exact event-driven simulation (input --pulses in the "
                       "--model's weight unit), or with --sigma the noisy one.  A progress "
                       "line appears on stderr for runs over a second; Ctrl-C stops and "
                       "reports (and saves) what was simulated.")
    s.add_argument("--t-stop", type=float, required=True, metavar="MS", help="duration [ms]")
    s.add_argument("--n", type=int, help="neurons (default: number of --I-e values)")
    s.add_argument("--I-e", type=numbers, default=np.array([0.0]), metavar="NA",
                   help="bias current [nA]: one value, or one per neuron (a,b,c or "
                   "start:stop:step)")
    s.add_argument("--pulses", metavar="FILE",
                   help="input pulses (exact simulation): FILE.csv with the header "
                   "time_ms,target,weight_mV (--model delta: V jumps by it) or "
                   "time_ms,target,weight_nA (psc_exp, psc_alpha: the current's jump or "
                   "peak), optionally ,port (0 = ex, 1 = in; default the weight's sign), "
                   "or FILE.npz with arrays of those names; times in [0, t_stop) ms, "
                   "targets in [0, n)")
    s.add_argument("--sigma", type=float, metavar="MV", help="noise amplitude [mV] "
                   "(noisy simulation: delta model, no --pulses)")
    s.add_argument("--dt", type=float, default=0.1, metavar="MS",
                   help="step of the noisy simulation [ms] (default %(default)s)")
    s.add_argument("--method", choices=("exact", "euler"), default="exact",
                   help="noisy integrator (default %(default)s)")
    s.add_argument("--seed", type=int, help="seed of the noisy simulation")
    s.add_argument("--threads", type=int, default=1, help="threads (default 1)")
    s.add_argument("-o", "--output", metavar="FILE", help="spikes to FILE.npz or FILE.csv")
    s.set_defaults(func=_simulate)

    b = sub.add_parser("bench", help="run every benchmark in bench/ against the peers "
                       "installed; one table of ratios")
    b.add_argument("--bench-dir", help="the bench/ folder of clif's source tree "
                   "(default: next to the clif package)")
    b.add_argument("--quick", action="store_true", help="smaller, faster runs")
    b.add_argument("--only", nargs="+", metavar="NAME", help="only these (e.g. closed_form)")
    b.add_argument("--no-readme", action="store_true", help="do not update bench/README.md")
    b.set_defaults(func=_bench)

    # Their subcommands live with them (clif.compare the attribute is the function).
    from clif.reference import add_parser as _reference_cli
    from clif.compare import add_parser as _compare_cli
    _reference_cli(sub)
    _compare_cli(sub)
    return p


def main(argv=None):
    """Run the command line; returns the exit code (0, 2 for usage errors,
    130 after Ctrl-C)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a parse error already printed
        return exc.code if isinstance(exc.code, int) else USAGE
    if not getattr(args, "func", None):
        parser.print_help()
        return USAGE
    # Limits the user can change (too many spikes, too little memory) are
    # usage errors too; anything else is a bug and keeps its traceback.
    user_errors = (UsageError, ValueError, TypeError, OverflowError, OSError, MemoryError)
    from clif import SpikeLimitError
    user_errors += (SpikeLimitError,)
    try:
        return args.func(args)
    except user_errors as exc:
        message = str(exc) or type(exc).__name__
        print(f"clif {args.command}: error: {message}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        print(f"\nclif {args.command}: interrupted", file=sys.stderr)
        return INTERRUPTED
