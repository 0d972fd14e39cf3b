"""Compare a candidate simulator's spikes with a reference (clif's exact ones).

:func:`compare` matches the two trains of every neuron one to one within a
tolerance and reports the missed and extra spikes, the timing errors of the
matched ones, the rate error and, for networks, the first time the two runs
disagree.  :func:`convergence` turns comparisons at several step sizes into
an error-vs-dt table and its fitted order.  :func:`as_spikes` reads the
formats other tools produce (clif Spikes, NWB-style Units dicts, NEST
spike_recorder events, Brian2 SpikeMonitors, Neo segments/blocks, CSV/NPZ).

The matching
------------
On a line, an optimal matching can always be taken non-crossing (swapping two
crossed pairs never increases ``|a - b|`` summed, and keeps both within the
tolerance), so it is an alignment of the two sorted trains: a dynamic
programme over prefixes, like an edit distance, where a step either matches
``a[i]`` with ``b[j]`` (allowed when ``|a[i] - b[j]| <= tol``), or leaves one
unmatched.  Optimal means: the most matches, and among those the least total
``|a - b|``.  Only the cells with ``b[j]`` inside ``a[i]``'s window can
change the value (outside it a row is flat), so each row stores just its
window: the work is ``O(len(a) + len(b) + sum of window widths)``, linear in
the spike count when a tolerance window holds a bounded number of spikes.
"""
import csv
import math
import os

import numpy as np

from clif.spikes import Spikes

__all__ = ["compare", "match", "convergence", "as_spikes", "Comparison"]


# ---- matching ----------------------------------------------------------------

def _better(c1, e1, c2, e2):
    return c1 > c2 or (c1 == c2 and e1 < e2)


def match(a, b, tol, work=None):
    """Optimal one-to-one matching of two sorted spike trains within ``tol``.

    Parameters
    ----------
    a, b : array_like of float
        Sorted spike times [ms] (reference and candidate).
    tol : float
        Largest ``|a[i] - b[j]|`` a matched pair may have [ms], >= 0.
    work : list, optional
        If given, the number of dynamic-programme cells visited is appended
        (to show the linear cost without timing).

    Returns
    -------
    ia, ib : ndarray of int64
        Indices of the matched pairs, increasing in both (``a[ia[k]]`` is
        matched with ``b[ib[k]]``): the most pairs possible, and among
        those the least total ``|a - b|``.
    """
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    tol = float(tol)
    if not (math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be finite and >= 0 ms; got {tol!r}")
    for name, x in (("a", a), ("b", b)):
        if x.size and (not np.all(np.isfinite(x)) or np.any(np.diff(x) < 0)):
            raise ValueError(f"{name} must be finite spike times sorted in time")
    n, m = a.size, b.size
    if n == 0 or m == 0:
        if work is not None:
            work.append(0)
        return np.empty(0, np.int64), np.empty(0, np.int64)
    # Row i (prefix a[:i+1]) is stored on j in [lo[i], hi[i]] (prefix lengths
    # of b); left of lo it equals row i-1, right of hi it is flat.
    lo = np.searchsorted(b, a - tol, side="left")
    hi = np.searchsorted(b, a + tol, side="right")
    bl = b.tolist()
    al = a.tolist()
    rows = []         # per i: (lo, cnt list, err list, choice list)
    prev = None       # (lo, hi, cnt, err)
    cells = 0

    def prev_at(j):
        # Row i-1 at prefix length j (j >= lo[i] >= lo[i-1]).
        if prev is None:
            return 0, 0.0
        plo, phi, pc, pe = prev
        k = min(j, phi) - plo
        return pc[k], pe[k]

    for i in range(n):
        L, H = int(lo[i]), int(hi[i])
        cnt = [0] * (H - L + 1)
        err = [0.0] * (H - L + 1)
        ch = [0] * (H - L + 1)   # 0: skip a[i]; 1: skip b[j-1]; 2: match a[i]-b[j-1]
        ai = al[i]
        for k in range(H - L + 1):
            j = L + k
            c, e = prev_at(j)
            choice = 0
            if k > 0:
                c1, e1 = cnt[k - 1], err[k - 1]
                if _better(c1, e1, c, e):
                    c, e, choice = c1, e1, 1
                # b[j-1] lies in a[i]'s window for every j in (L, H].
                c2, e2 = prev_at(j - 1)
                c2, e2 = c2 + 1, e2 + abs(ai - bl[j - 1])
                if _better(c2, e2, c, e):
                    c, e, choice = c2, e2, 2
            cnt[k], err[k], ch[k] = c, e, choice
        cells += H - L + 1
        rows.append((L, ch))
        prev = (L, H, cnt, err)
    if work is not None:
        work.append(cells)
    # Trace back from (n, m): right of the last row's window it is flat.
    ia, ib = [], []
    j = min(m, int(hi[-1]))
    i = n - 1
    while i >= 0 and j > 0:
        L, ch = rows[i]
        H = L + len(ch) - 1
        j = min(j, H)
        if j < L:        # row i equals row i-1 here: a[i] unmatched
            i -= 1
            continue
        c = ch[j - L]
        if c == 0:
            i -= 1
        elif c == 1:
            j -= 1
        else:
            ia.append(i)
            ib.append(j - 1)
            i -= 1
            j -= 1
    return np.array(ia[::-1], np.int64), np.array(ib[::-1], np.int64)


# ---- reading other tools' output ----------------------------------------------------

def _from_trains(trains, t_start, t_stop):
    times = np.concatenate([np.asarray(t, float) for t in trains]) if trains else np.empty(0)
    senders = np.concatenate([np.full(len(t), k, np.int64) for k, t in enumerate(trains)]) \
        if trains else np.empty(0, np.int64)
    return Spikes(times, senders, len(trains), t_stop, t_start)


def _read_csv(path, n, t_stop):
    times, senders = [], []
    with open(path, newline="") as fh:
        for row in csv.reader(fh):
            if not row or row[0].startswith("#"):
                continue
            try:
                t, s = float(row[0]), int(float(row[1]))
            except ValueError:
                continue  # a header line
            times.append(t)
            senders.append(s)
    senders = np.asarray(senders, np.int64)
    if n is None:
        n = int(senders.max()) + 1 if senders.size else 0
    return Spikes(times, senders, n, _stop(t_stop, np.asarray(times, float)))


def as_spikes(obj, *, n=None, t_stop=None, t_start=0.0, first_id=None):
    """Read spikes from the formats simulators and tools write, as clif Spikes [ms].

    Parameters
    ----------
    obj
        Any of: a :class:`clif.Spikes`; a ``Spikes.to_dict()`` dict or
        ``.npz`` (keys ``times`` [ms], ``senders``, ``n``, ...); an
        NWB-style Units dict (``spike_times`` [s], ``spike_times_index``);
        NEST ``spike_recorder`` events (``{"times": [ms], "senders": node
        ids}``, see ``first_id``); a Brian2 ``SpikeMonitor`` (``.i``, ``.t_``
        [s]) or a dict ``{"i": ..., "t": [s]}``; a Neo ``Segment`` or
        ``Block`` (``.spiketrains`` in any time unit, neuron ``k`` = the
        train's ``source_index`` annotation or its position); a list of
        per-neuron arrays [ms]; a path to ``.csv`` (rows ``time_ms, sender``,
        a header allowed) or ``.npz``.
    n : int, optional
        Number of neurons (default: from the data, else 1 + the largest sender).
    t_stop, t_start : float, optional
        The recorded interval [ms] (default: from the data, else the last spike).
    first_id : int, optional
        NEST node id of neuron 0 (default 1, NEST's first id after
        ``ResetKernel``); subtracted from ``senders`` of an events dict.

    Returns
    -------
    clif.Spikes
    """
    if isinstance(obj, Spikes):
        return obj
    if isinstance(obj, (str, os.PathLike)):
        path = os.fspath(obj)
        if path.endswith(".csv"):
            return _read_csv(path, n, t_stop)
        with np.load(path) as d:
            return as_spikes(dict(d), n=n, t_stop=t_stop, t_start=t_start, first_id=first_id)
    if hasattr(obj, "segments"):          # neo.Block
        trains = [st for seg in obj.segments for st in seg.spiketrains]
        return _neo(trains, n, t_stop, t_start)
    if hasattr(obj, "spiketrains"):       # neo.Segment
        return _neo(list(obj.spiketrains), n, t_stop, t_start)
    if hasattr(obj, "i") and hasattr(obj, "t_"):   # brian2.SpikeMonitor
        return _indexed(np.asarray(obj.t_) * 1000.0, np.asarray(obj.i), n, t_stop, t_start)
    if isinstance(obj, dict) or hasattr(obj, "keys"):
        d = obj
        if "spike_times" in d and "spike_times_index" in d:   # NWB Units
            st = np.asarray(d["spike_times"], float) * 1000.0
            idx = np.asarray(d["spike_times_index"], np.int64)
            starts = np.concatenate(([0], idx[:-1]))
            trains = [st[s:e] for s, e in zip(starts, idx)]
            if t_stop is None and "obs_intervals" in d and len(idx):
                t_stop = float(np.max(np.asarray(d["obs_intervals"])) * 1000.0)
            return _from_trains(trains, t_start, _stop(t_stop, st))
        if "times" in d and "senders" in d:
            if "n" in d and first_id is None:                # Spikes.to_dict()
                s = Spikes.from_dict(d)
                return s if n is None else Spikes(s.times, s.senders, n, s.t_stop, s.t_start)
            off = 1 if first_id is None else int(first_id)   # NEST events
            return _indexed(np.asarray(d["times"], float),
                            np.asarray(d["senders"], np.int64) - off, n, t_stop, t_start)
        if "i" in d and "t" in d:                             # Brian2 arrays [s]
            return _indexed(np.asarray(d["t"], float) * 1000.0, np.asarray(d["i"]), n,
                            t_stop, t_start)
        raise ValueError(f"cannot read spikes from a dict with keys {sorted(d)}")
    if isinstance(obj, (list, tuple)):
        return _from_trains([np.asarray(t, float) for t in obj], t_start,
                            _stop(t_stop, np.concatenate([np.asarray(t, float).ravel()
                                                          for t in obj] or [np.empty(0)])))
    raise TypeError(f"cannot read spikes from {type(obj).__name__}")


def _stop(t_stop, times):
    if t_stop is not None:
        return float(t_stop)
    # Just past the last spike, which is kept by the ``times < t_stop`` rule.
    return float(np.nextafter(np.max(times), np.inf)) if np.size(times) else 0.0


def _indexed(times, senders, n, t_stop, t_start):
    senders = np.asarray(senders, np.int64)
    if senders.size and senders.min() < 0:
        raise ValueError("senders below 0 after subtracting first_id: pass first_id= "
                         "(the node id of neuron 0)")
    if n is None:
        n = int(senders.max()) + 1 if senders.size else 0
    return Spikes(times, senders, n, _stop(t_stop, times), t_start)


def _neo(trains, n, t_stop, t_start):
    arrs, idx = [], []
    for k, st in enumerate(trains):
        ms = np.asarray(st.rescale("ms").magnitude, float) if hasattr(st, "rescale") \
            else np.asarray(st, float)
        arrs.append(ms)
        idx.append(int(getattr(st, "annotations", {}).get("source_index", k)))
        if t_stop is None and hasattr(st, "t_stop"):
            ts = st.t_stop.rescale("ms").magnitude if hasattr(st.t_stop, "rescale") \
                else st.t_stop
            t_stop = float(ts)
    size = (max(idx) + 1 if idx else 0) if n is None else n
    per = [np.empty(0)] * size
    for k, t in zip(idx, arrs):
        per[k] = t
    return _from_trains(per, t_start, _stop(t_stop, np.concatenate(arrs or [np.empty(0)])))


# ---- comparing -------------------------------------------------------------------------

class Comparison:
    """The result of :func:`compare`.

    Attributes
    ----------
    tol : float
        Matching tolerance [ms].
    n_reference, n_candidate, n_matched, n_missed, n_extra : int
        Spike counts: reference, candidate, matched pairs, reference spikes
        left unmatched (missed) and candidate spikes left unmatched (extra).
    errors : ndarray
        Timing error ``candidate - reference`` of every matched pair [ms],
        grouped by neuron, in time order.
    neurons : ndarray of int64
        The neuron of each entry of ``errors``.
    missed, extra : clif.Spikes
        The unmatched reference / candidate spikes.
    rate_error : ndarray
        Candidate minus reference rate of each neuron [Hz].
    first_divergence : float
        Earliest time [ms] of a missed or extra spike (``inf`` if none): in a
        network, where the two runs part ways.
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)

    @property
    def max_abs_error(self):
        """Largest ``|error|`` of the matched pairs [ms] (0 when none)."""
        return float(np.max(np.abs(self.errors))) if self.errors.size else 0.0

    @property
    def mean_abs_error(self):
        """Mean ``|error|`` of the matched pairs [ms] (NaN when none)."""
        return float(np.mean(np.abs(self.errors))) if self.errors.size else math.nan

    def summary(self):
        """The scalar results as a JSON-ready dict."""
        fd = self.first_divergence
        e = np.abs(self.errors)
        return {"tol_ms": self.tol, "n_reference": self.n_reference,
                "n_candidate": self.n_candidate, "n_matched": self.n_matched,
                "n_missed": self.n_missed, "n_extra": self.n_extra,
                "mean_abs_error_ms": self.mean_abs_error if e.size else None,
                "median_abs_error_ms": float(np.median(e)) if e.size else None,
                "max_abs_error_ms": self.max_abs_error,
                "rate_error_Hz": float(np.mean(np.abs(self.rate_error))) if self.rate_error.size
                else 0.0,
                "first_divergence_ms": None if math.isinf(fd) else fd}

    def __repr__(self):
        return (f"Comparison(matched={self.n_matched}/{self.n_reference}, missed="
                f"{self.n_missed}, extra={self.n_extra}, max|err|={self.max_abs_error:.3g} ms)")


def compare(reference, candidate, *, tol=1.0, n=None, t_stop=None, work=None):
    """Match a candidate's spikes to a reference's, neuron by neuron.

    Parameters
    ----------
    reference, candidate
        Anything :func:`as_spikes` reads (neuron ``k`` of one is neuron ``k``
        of the other).
    tol : float, optional
        Matching tolerance [ms] (default 1): a pair further apart than this
        counts as one missed and one extra spike.
    n : int, optional
        Number of neurons (default: the larger of the two).
    t_stop : float, optional
        Compare spikes before this time [ms] only (default: the earlier
        ``t_stop`` of the two), as simulators disagree on whether the
        interval is ``[0, T)`` or ``[0, T]``.
    work : list, optional
        Collects the matcher's cell counts (see :func:`match`).

    Returns
    -------
    Comparison
    """
    ref = as_spikes(reference)
    cand = as_spikes(candidate)
    n = max(ref.n, cand.n) if n is None else int(n)
    if t_stop is None:
        t_stop = min(ref.t_stop, cand.t_stop)
    t_stop = float(t_stop)
    errs, neur, miss_t, miss_s, ext_t, ext_s, rate_err = [], [], [], [], [], [], []
    n_ref = n_cand = 0
    dur = t_stop - ref.t_start
    ra, ba = _trains(ref, n, t_stop), _trains(cand, n, t_stop)
    for k in range(n):
        a, b = ra[k], ba[k]
        n_ref += a.size
        n_cand += b.size
        ia, ib = match(a, b, tol, work)
        errs.append(b[ib] - a[ia])
        neur.append(np.full(ia.size, k, np.int64))
        ma = np.ones(a.size, bool)
        ma[ia] = False
        mb = np.ones(b.size, bool)
        mb[ib] = False
        miss_t.append(a[ma])
        miss_s.append(np.full(int(ma.sum()), k, np.int64))
        ext_t.append(b[mb])
        ext_s.append(np.full(int(mb.sum()), k, np.int64))
        rate_err.append((b.size - a.size) * 1000.0 / dur if dur > 0 else math.nan)
    missed = Spikes(np.concatenate(miss_t), np.concatenate(miss_s), n, t_stop, ref.t_start)
    extra = Spikes(np.concatenate(ext_t), np.concatenate(ext_s), n, t_stop, ref.t_start)
    first = min([math.inf] + [float(x.times[0]) for x in (missed, extra) if len(x)])
    errors = np.concatenate(errs)
    return Comparison(tol=float(tol), n_reference=n_ref, n_candidate=n_cand,
                      n_matched=int(errors.size), n_missed=len(missed), n_extra=len(extra),
                      errors=errors, neurons=np.concatenate(neur), missed=missed, extra=extra,
                      rate_error=np.asarray(rate_err), first_divergence=float(first))


def _trains(s, n, t_stop):
    keep = s.times < t_stop
    t, snd = s.times[keep], s.senders[keep]
    order = np.argsort(snd, kind="stable")
    t, snd = t[order], snd[order]
    edges = np.searchsorted(snd, np.arange(n + 1))
    return [t[edges[k]:edges[k + 1]] for k in range(n)]


def convergence(reference, candidates, *, tol=1.0, metric="max_abs_error"):
    """Error of a candidate as a function of its step size, and the order.

    Parameters
    ----------
    reference
        The exact spikes (anything :func:`as_spikes` reads).
    candidates : dict
        ``{dt [ms]: candidate spikes}``.
    tol : float
        Matching tolerance [ms].
    metric : {"max_abs_error", "mean_abs_error"}
        The timing error summarised per dt.

    Returns
    -------
    dict
        ``dt`` (sorted, ms), ``error`` [ms], ``n_missed``, ``n_extra`` (per
        dt), ``order``: the least-squares slope of ``log error`` against
        ``log dt`` over the dts with a positive error (NaN with fewer than
        two), and ``comparisons`` ({dt: Comparison}).
    """
    if metric not in ("max_abs_error", "mean_abs_error"):
        raise ValueError(f"metric must be 'max_abs_error' or 'mean_abs_error'; got {metric!r}")
    dts = sorted(float(d) for d in candidates)
    if any(not (math.isfinite(d) and d > 0) for d in dts):
        raise ValueError("every dt must be finite and > 0 ms")
    byf = {float(k): v for k, v in candidates.items()}
    comps = {d: compare(reference, byf[d], tol=tol) for d in dts}
    err = [getattr(comps[d], metric) for d in dts]
    ok = [(d, e) for d, e in zip(dts, err) if e > 0 and math.isfinite(e)]
    order = math.nan
    if len(ok) >= 2:
        x = np.log([d for d, _ in ok])
        y = np.log([e for _, e in ok])
        order = float(np.polyfit(x, y, 1)[0])
    return {"dt": dts, "error": err, "n_missed": [comps[d].n_missed for d in dts],
            "n_extra": [comps[d].n_extra for d in dts], "order": order,
            "comparisons": comps}


# ---- report ----------------------------------------------------------------------------

def report(entries, path, *, title="clif reference comparison", figures=True):
    """Write a Markdown (``.md``) or HTML (``.html``) report of comparisons.

    Parameters
    ----------
    entries : list of dict
        Each ``{"simulator": str, "problem": str, "dt": float [ms],
        "comparison": Comparison}``, optionally ``"reference"`` and
        ``"candidate"`` (Spikes) for a raster where they diverge.
    path : str
        ``out.md`` or ``out.html``; PNG figures go next to it
        (``<stem>_error_vs_dt.png``, ``<stem>_raster_<k>.png``) when
        matplotlib is installed and ``figures`` is true.

    Returns
    -------
    dict
        ``rows`` (the table's values) and ``orders`` ({(simulator, problem):
        fitted convergence order of the max timing error in dt}).
    """
    html = str(path).endswith(".html")
    folder = os.path.dirname(os.path.abspath(path))
    stem = os.path.splitext(os.path.basename(path))[0]
    rows, groups = [], {}
    for e in entries:
        c = e["comparison"]
        s = c.summary()
        row = dict(simulator=e["simulator"], problem=e["problem"], dt=float(e["dt"]),
                   n_reference=s["n_reference"], n_matched=s["n_matched"],
                   n_missed=s["n_missed"], n_extra=s["n_extra"],
                   max_abs_error_ms=s["max_abs_error_ms"],
                   mean_abs_error_ms=s["mean_abs_error_ms"],
                   first_divergence_ms=s["first_divergence_ms"])
        rows.append(row)
        groups.setdefault((e["simulator"], e["problem"]), []).append(row)
    orders = {}
    for key, rs in groups.items():
        pts = [(r["dt"], r["max_abs_error_ms"]) for r in rs if r["max_abs_error_ms"] > 0]
        orders[key] = (float(np.polyfit(np.log([p[0] for p in pts]),
                                        np.log([p[1] for p in pts]), 1)[0])
                       if len({p[0] for p in pts}) >= 2 else math.nan)
    images = []
    if figures:
        images = _figures(entries, groups, folder, stem)
    fmt = lambda x: "-" if x is None or (isinstance(x, float) and math.isnan(x)) else (  # noqa
        f"{x:.3g}" if isinstance(x, float) else str(x))
    head = ["simulator", "problem", "dt [ms]", "spikes", "matched", "missed", "extra",
            "max abs err [ms]", "mean abs err [ms]", "first divergence [ms]"]
    keys = ["simulator", "problem", "dt", "n_reference", "n_matched", "n_missed", "n_extra",
            "max_abs_error_ms", "mean_abs_error_ms", "first_divergence_ms"]
    body = [[fmt(r[k]) for k in keys] for r in rows]
    ohead = ["simulator", "problem", "order (max abs err vs dt)"]
    obody = [[s, p, fmt(o)] for (s, p), o in orders.items()]
    if html:
        def tab(h, b):
            return ("<table><tr>" + "".join(f"<th>{x}</th>" for x in h) + "</tr>"
                    + "".join("<tr>" + "".join(f"<td>{x}</td>" for x in r) + "</tr>" for r in b)
                    + "</table>")
        text = (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
                f"<h1>{title}</h1>" + tab(head, body) + "<h2>Convergence order</h2>"
                + tab(ohead, obody) + "".join(f"<p><img src='{i}'></p>" for i in images)
                + "</body></html>\n")
    else:
        def tab(h, b):
            return "\n".join(["| " + " | ".join(h) + " |", "|" + "---|" * len(h)]
                             + ["| " + " | ".join(r) + " |" for r in b])
        text = (f"# {title}\n\nTiming error = candidate - reference (clif, exact); "
                f"unmatched spikes are missed (reference) or extra (candidate).\n\n"
                + tab(head, body) + "\n\n## Convergence order\n\n" + tab(ohead, obody)
                + "\n" + "".join(f"\n![{i}]({i})\n" for i in images))
    with open(path, "w") as fh:
        fh.write(text)
    return {"rows": rows, "orders": orders, "images": images}


def _figures(entries, groups, folder, stem):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    images = []
    fig, ax = plt.subplots(figsize=(8, 4.5))
    # Colour = problem, marker and line = simulator: 20+ curves stay legible.
    sims = list(dict.fromkeys(sim for sim, _ in groups))
    probs = list(dict.fromkeys(prob for _, prob in groups))
    cmap = plt.get_cmap("tab10" if len(probs) <= 10 else "tab20")
    styles = ["o-", "s--", "^:", "D-.", "v-", "x--"]
    for (sim, prob), rs in groups.items():
        pts = sorted((r["dt"], r["max_abs_error_ms"]) for r in rs if r["max_abs_error_ms"] > 0)
        if pts:
            ax.loglog(*zip(*pts), styles[sims.index(sim) % len(styles)],
                      color=cmap(probs.index(prob) % cmap.N), label=f"{sim}: {prob}", ms=4)
    ax.set_xlabel("dt [ms]")
    ax.set_ylabel("max |spike time error| [ms]")
    if ax.lines:
        ax.legend(fontsize=6, loc="center left", bbox_to_anchor=(1.01, 0.5))
    name = f"{stem}_error_vs_dt.png"
    fig.tight_layout()
    fig.savefig(os.path.join(folder, name), dpi=110)
    plt.close(fig)
    images.append(name)
    k = 0
    for e in entries:
        c = e["comparison"]
        if "reference" not in e or "candidate" not in e or math.isinf(c.first_divergence):
            continue
        ref, cand = as_spikes(e["reference"]), as_spikes(e["candidate"])
        t0 = c.first_divergence
        lo, hi = t0 - 20.0, t0 + 20.0
        fig, ax = plt.subplots(figsize=(6, 3))
        for s, mk, col, lab in ((ref, "|", "k", "reference (clif)"),
                                (cand, "x", "r", e["simulator"])):
            m = (s.times >= lo) & (s.times < hi)
            ax.plot(s.times[m], s.senders[m], mk, color=col, label=lab, ms=8)
        ax.axvline(t0, color="0.6", lw=0.8)
        ax.set_xlabel("t [ms]")
        ax.set_ylabel("neuron")
        ax.set_title(f"{e['problem']}, dt = {e['dt']:g} ms: first divergence at {t0:.3f} ms",
                     fontsize=8)
        ax.legend(fontsize=6)
        name = f"{stem}_raster_{k}.png"
        fig.tight_layout()
        fig.savefig(os.path.join(folder, name), dpi=110)
        plt.close(fig)
        images.append(name)
        k += 1
        if k >= 8:   # enough to see where things part
            break
    return images


# ---- command line (``clif compare ...``, wired in clif/cli.py) ------------------------------

def add_parser(sub):
    """Add the ``compare`` subcommand to an argparse subparsers object."""
    c = sub.add_parser(
        "compare", help="compare spikes with clif's exact ones: files, or a reference "
        "problem run in NEST/Brian2 at several dt; a report",
        description="Either REFERENCE CANDIDATE (files: .npz, .csv, NWB-style _units.json) "
        "or --problem NAME --simulator {nest,brian2} --dt ...: match spikes per neuron "
        "within --tol and report missed/extra spikes and timing errors.")
    c.add_argument("files", nargs="*", metavar="FILE")
    c.add_argument("--problem", nargs="+", metavar="NAME", help="reference problem(s)")
    c.add_argument("--simulator", nargs="+", default=["nest"],
                   help="nest, nest:<model> (e.g. nest:iaf_psc_delta_ps) or brian2")
    c.add_argument("--dt", nargs="+", type=float, default=[0.1, 0.01], metavar="MS")
    c.add_argument("--tol", type=float, default=2.0, metavar="MS",
                   help="matching tolerance [ms] (default %(default)s)")
    c.add_argument("--report", metavar="OUT", help="OUT.md (PNG figures beside) or OUT.html")
    c.set_defaults(func=_cli)


def _load_any(path):
    if str(path).endswith(".json"):
        import json
        with open(path) as fh:
            return as_spikes(json.load(fh))
    return as_spikes(path)


def _cli(args):
    import json
    entries = []
    if args.files:
        if len(args.files) != 2 or args.problem:
            raise ValueError("give two files (REFERENCE CANDIDATE) or --problem, not both")
        ref, cand = (_load_any(f) for f in args.files)
        c = compare(ref, cand, tol=args.tol)
        entries.append(dict(simulator=args.files[1], problem=args.files[0], dt=math.nan,
                            comparison=c, reference=ref, candidate=cand))
    elif args.problem:
        from clif import reference
        for name in args.problem:
            ref = reference.run(name).spikes
            for sim in args.simulator:
                simname, _, model = sim.partition(":")
                for dt in args.dt:
                    cand = reference.run_external(name, simname, dt, model=model or None)
                    entries.append(dict(simulator=sim, problem=name, dt=dt,
                                        comparison=compare(ref, cand, tol=args.tol),
                                        reference=ref, candidate=cand))
    else:
        raise ValueError("give REFERENCE CANDIDATE files or --problem NAME")
    for e in entries:
        print(json.dumps({"simulator": e["simulator"], "problem": e["problem"], "dt": e["dt"],
                          **e["comparison"].summary()}))
    if args.report:
        rep = report(entries, args.report)
        print(f"report: {args.report} ({len(rep['images'])} figures)")
    return 0
