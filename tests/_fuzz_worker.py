"""Worker process for tests/test_fuzz.py: reads pickled cases (target name,
args, kwargs) from stdin, runs each, writes one pickled verdict per case.
A crash or hang kills only this process; the parent restarts it."""
import os
import pickle
import struct
import sys

import numpy as np

import clif

#: docs/errors.md's rules: the exceptions a caller may get for bad input.
OK_ERRORS = (clif.ClifError, ValueError, TypeError, IndexError, OverflowError,
             NotImplementedError)


def _domain_nan(name, args, kw):
    """NaN the docstring promises for inputs outside the function's domain
    (current_for_rate: rates no current gives, f < 0 or f >= 1000/t_ref)."""
    if name == "_spikes" and len(args) == 3 and args[2] == "rates":
        try:  # Spikes.rates: NaN over an empty interval, as documented
            return float(args[0][3]) == 0.0
        except (TypeError, ValueError, IndexError):
            return False
    if name != "current_for_rate" or not args:
        return False
    try:
        f = np.asarray(args[0], dtype=float)
        t_ref = np.asarray(kw.get("t_ref", 2.0), dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return bool(np.any((f < 0) | (f >= 1000.0 / t_ref)))
    except (TypeError, ValueError):
        return False


def _target(name):
    obj = clif
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def _network(pops, conns, until, run_kw):
    net = clif.Network(seed=1)
    for n, kw in pops:
        net.add_population(n, **kw)
    for args in conns:
        net.connect(*args)
    return net.run(until, **run_kw)


def _population(init_kw, until, run_kw, noisy=False):
    pop = (clif.NoisyPopulation if noisy else clif.Population)(**init_kw)
    return pop.run(until, **run_kw)


def _spikes(args, kw, method):
    s = clif.Spikes(*args, **kw)
    return getattr(s, method)() if method else s


#: Closed forms are ufuncs (DESIGN.md section 2): NaN in gives NaN out, as numpy's do.
UFUNC_LIKE = {"rate", "isi", "rheobase", "current_for_rate", "siegert_rate", "isi_cv",
              "theory.siegert_rate_psc", "theory.isi_cv_psc", "theory.psp", "theory.psp_peak",
              "theory.weight_for_psp"}


def _has_nan(x):
    if isinstance(x, dict):
        return any(_has_nan(v) for v in x.values())
    if isinstance(x, (list, tuple)):
        return any(_has_nan(v) for v in x)
    try:
        a = np.asarray(x)
        return a.dtype.kind in "fc" and bool(np.any(np.isnan(a)))
    except Exception:
        return False


def _sleep(t):  # for the harness's own test of its timeout
    import time
    time.sleep(t)


SPECIAL = {"_sleep": _sleep, "_network": _network, "_population": _population, "_spikes": _spikes}


def _check(res, path="result"):
    """No silent NaN anywhere in the output; spikes finite, sorted, in range."""
    if isinstance(res, clif.Spikes):
        t, s = np.asarray(res.times), np.asarray(res.senders)
        if t.size and not np.all(np.isfinite(t)):
            return f"{path}: non-finite spike times"
        if s.size and (s.min() < 0 or s.max() >= res.n):
            return f"{path}: sender outside [0, n)"
        return None
    if isinstance(res, dict):
        for k, v in res.items():
            m = _check(v, f"{path}[{k!r}]")
            if m:
                return m
        return None
    if isinstance(res, (tuple, list)):
        for k, v in enumerate(res):
            m = _check(v, f"{path}[{k}]")
            if m:
                return m
        return None
    if hasattr(res, "spikes") and isinstance(getattr(res, "spikes"), clif.Spikes):
        return _check(res.spikes, path + ".spikes")
    try:
        a = np.asarray(res)
    except Exception:
        return None
    if a.dtype.kind in "fc" and np.any(np.isnan(a)):
        return f"{path}: NaN in the output"
    return None


def main():
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    while True:
        head = inp.read(4)
        if len(head) < 4:
            return
        name, args, kw = pickle.loads(inp.read(struct.unpack("<I", head)[0]))
        try:
            f = SPECIAL.get(name) or _target(name)
            res = f(*args, **kw)
            msg = _check(res)
            if msg and ((name in UFUNC_LIKE and (_has_nan(args) or _has_nan(kw)))
                        or _domain_nan(name, args, kw)):
                msg = None
            verdict = ("bad", msg) if msg else ("ok", None)
        except OK_ERRORS as e:
            verdict = ("error", f"{type(e).__name__}: {e}")
        except BaseException as e:  # MemoryError, RuntimeWarning-as-error, ...
            verdict = ("bad", f"{type(e).__name__}: {e}")
        blob = pickle.dumps(verdict)
        out.write(struct.pack("<I", len(blob)) + blob)
        out.flush()


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
