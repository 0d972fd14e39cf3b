"""clif.compare: the spike matcher, the readers, convergence and the report.

The matcher is checked against an independent optimum (scipy's assignment
solver on the full cost matrix), on trains built with known shifts,
deletions and insertions, for symmetry, and for linear work (cells counted,
not timed).  End to end, a forward-Euler grid simulation written here shows
first-order convergence in the report's numbers.
"""
import json
import math
import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import clif
from clif import compare as C  # noqa: F401  (the function)
from clif.compare import as_spikes, convergence, match, report

cmp = clif.compare


def _brute(a, b, tol):
    """Most pairs within tol, then least total |a - b|: a square assignment
    problem where a feasible pair costs |a-b| - BIG and the rest 0."""
    from scipy.optimize import linear_sum_assignment
    n, m = len(a), len(b)
    if n == 0 or m == 0:
        return 0, 0.0
    big = 1e6
    size = n + m
    cost = np.zeros((size, size))
    d = np.abs(np.subtract.outer(a, b))
    cost[:n, :m] = np.where(d <= tol, d - big, 0.0)
    r, c = linear_sum_assignment(cost)
    pairs = [(i, j) for i, j in zip(r, c) if i < n and j < m and d[i, j] <= tol]
    return len(pairs), sum(d[i, j] for i, j in pairs)


trains = st.lists(st.floats(0.0, 20.0, allow_nan=False), max_size=8).map(sorted)


@given(trains, trains, st.floats(0.0, 3.0))
@settings(max_examples=150)
def test_match_is_optimal_against_an_assignment_solver(a, b, tol):
    ia, ib = match(a, b, tol)
    a_, b_ = np.asarray(a), np.asarray(b)
    assert np.all(np.abs(a_[ia] - b_[ib]) <= tol)
    assert len(set(ia.tolist())) == ia.size and len(set(ib.tolist())) == ib.size
    assert np.all(np.diff(ia) > 0) and np.all(np.diff(ib) > 0)
    k, e = _brute(a_, b_, tol)
    assert ia.size == k
    assert np.abs(a_[ia] - b_[ib]).sum() == pytest.approx(e, abs=1e-9)


@given(st.integers(0, 60), st.integers(0, 2**32 - 1))
@settings(max_examples=60)
def test_known_shifts_deletions_insertions_are_recovered_exactly(n, seed):
    rng = np.random.default_rng(seed)
    tol = 0.5
    a = np.cumsum(rng.uniform(4 * tol, 10.0, n))           # gaps > 4 tol
    shift = rng.uniform(-tol / 2, tol / 2, n)
    keep = rng.random(n) < 0.8
    b = (a + shift)[keep]
    # insertions: midway between reference spikes, > tol from all of them
    ins = ((a[1:] + a[:-1]) / 2)[rng.random(max(n - 1, 0)) < 0.3]
    cand = clif.Spikes(np.concatenate([b, ins]), np.zeros(b.size + ins.size, int), 1,
                       t_stop=1e6)
    ref = clif.Spikes(a, np.zeros(n, int), 1, t_stop=1e6)
    c = cmp(ref, cand, tol=tol)
    assert c.n_matched == keep.sum() and c.n_missed == (~keep).sum()
    assert c.n_extra == ins.size
    np.testing.assert_array_equal(np.sort(c.missed.times), np.sort(a[~keep]))
    np.testing.assert_array_equal(np.sort(c.extra.times), np.sort(ins))
    np.testing.assert_allclose(c.errors, shift[keep], atol=1e-12)
    expected_first = min([math.inf] + list(a[~keep]) + list(ins))
    assert c.first_divergence == expected_first


@given(st.lists(trains, min_size=1, max_size=3), st.lists(trains, min_size=1, max_size=3),
       st.floats(0.0, 2.0))
@settings(max_examples=100)
def test_compare_is_symmetric(ra, rb, tol):
    def sp(tr):
        return as_spikes([np.asarray(t) for t in tr], t_stop=100.0)
    A, B = sp(ra), sp(rb)
    ab, ba = cmp(A, B, tol=tol), cmp(B, A, tol=tol)
    assert ab.n_matched == ba.n_matched
    assert (ab.n_missed, ab.n_extra) == (ba.n_extra, ba.n_missed)
    assert np.abs(ab.errors).sum() == pytest.approx(np.abs(ba.errors).sum(), abs=1e-9)
    np.testing.assert_allclose(ab.rate_error, -ba.rate_error)
    if math.isinf(ab.first_divergence):
        assert math.isinf(ba.first_divergence)
    else:
        assert ab.first_divergence == ba.first_divergence


def test_match_work_is_linear_in_the_spike_count():
    rng = np.random.default_rng(3)
    per_spike = []
    for n in (100, 1000, 10000):
        a = np.cumsum(rng.exponential(10.0, n))       # 100 Hz
        b = np.sort(a + rng.normal(0, 0.3, n))
        work = []
        match(a, b, 1.0, work)
        per_spike.append(work[0] / (2 * n))
    # cells per spike stays bounded (window holds ~ 2 tol x rate spikes)
    assert max(per_spike) < 1.5 and max(per_spike) / min(per_spike) < 1.2


def test_match_rejects_bad_input():
    with pytest.raises(ValueError, match="tol"):
        match([1.0], [1.0], -1.0)
    with pytest.raises(ValueError, match="sorted"):
        match([2.0, 1.0], [1.0], 1.0)
    with pytest.raises(ValueError, match="metric"):
        convergence([1.0], {0.1: [1.0]}, metric="rms")


def test_readers_agree(tmp_path):
    s = clif.Spikes([1.0, 2.5, 3.0, 7.25], [0, 2, 0, 1], n=3, t_stop=10.0)
    assert as_spikes(s) is s
    assert as_spikes(s.to_nwb_dict()) == s                   # NWB Units, seconds
    assert as_spikes(s.to_dict()) == s
    nest_ev = {"times": s.times, "senders": s.senders + 5}   # NEST node ids 5, 6, 7
    got = as_spikes(nest_ev, first_id=5, n=3, t_stop=10.0)
    assert got == s
    assert as_spikes({"times": s.times, "senders": s.senders + 1}, n=3, t_stop=10.0) == s

    class Monitor:                                           # brian2.SpikeMonitor's duck
        i = s.senders
        t_ = s.times / 1000.0
    assert as_spikes(Monitor(), n=3, t_stop=10.0) == s
    assert as_spikes({"i": s.senders, "t": s.times / 1000.0}, n=3, t_stop=10.0) == s
    p = tmp_path / "s.csv"
    p.write_text("time_ms,sender\n" + "".join(f"{t!r},{k}\n" for t, k in zip(s.times.tolist(),
                                                                             s.senders)))
    assert as_spikes(str(p), n=3, t_stop=10.0) == s
    np.savez(tmp_path / "s.npz", **s.to_dict())
    assert as_spikes(str(tmp_path / "s.npz")) == s
    assert as_spikes([[1.0, 3.0], [7.25], [2.5]], t_stop=10.0) == s
    with pytest.raises(ValueError, match="first_id"):
        as_spikes({"times": [1.0], "senders": [0]})
    with pytest.raises(TypeError):
        as_spikes(3.0)


def test_neo_reader():
    pytest.importorskip("neo", reason="neo is an optional extra ([pynn])")
    s = clif.Spikes([1.0, 2.5, 3.0], [0, 2, 0], n=3, t_stop=10.0)
    assert as_spikes(s.to_neo()) == s


def _euler_grid(d, dt):
    """Forward Euler on a grid of step dt, threshold checked at grid points,
    refractoriness counted in whole steps: a plain first-order simulator."""
    p = d["params"]
    I = np.asarray(d["I_e"], float)
    steps = int(round(d["t_stop"] / dt))
    ref_steps = int(round(p["t_ref"] / dt))
    V = np.full(I.size, p["E_L"])
    ref = np.zeros(I.size, int)
    times, senders = [], []
    for k in range(1, steps):
        live = ref == 0
        V = np.where(live, V + dt * (-(V - p["E_L"]) + p["R_m"] * I) / p["tau_m"], V)
        ref = np.maximum(ref - 1, 0)
        fired = np.flatnonzero(live & (V >= p["V_th"]))
        times += [k * dt] * fired.size
        senders += fired.tolist()
        V[fired] = p["V_reset"]
        ref[fired] = ref_steps
    return clif.Spikes(times, senders, I.size, d["t_stop"])


def test_end_to_end_euler_converges_at_first_order(tmp_path):
    d = clif.reference.definition("fi_dc")
    d["t_stop"] = 100.0
    ref = clif.reference.run(d).spikes
    cands = {dt: _euler_grid(d, dt) for dt in (0.1, 0.01)}
    conv = convergence(ref, cands, tol=2.0)
    entries = [dict(simulator="euler", problem="fi_dc", dt=dt, comparison=c,
                    reference=ref, candidate=cands[dt])
               for dt, c in conv["comparisons"].items()]
    out = tmp_path / "rep.md"
    rep = report(entries, str(out), figures=False)
    order = rep["orders"][("euler", "fi_dc")]
    assert 0.85 < order < 1.15, order
    assert order == pytest.approx(conv["order"])
    text = out.read_text()
    rows = [r for r in text.splitlines() if r.startswith("| euler | fi_dc |") and r.count("|") == 11]
    errs = {float(r.split("|")[3]): float(r.split("|")[8]) for r in rows}
    assert set(errs) == {0.1, 0.01}
    # the report's numbers: error shrinks ~10x per decade of dt
    assert 7.0 < errs[0.1] / errs[0.01] < 14.0
    assert all(r["n_missed"] == 0 and r["n_extra"] == 0 for r in rep["rows"])


def test_report_html_and_figures(tmp_path):
    pytest.importorskip("matplotlib", reason="figures need matplotlib")
    ref = clif.Spikes([1.0, 5.0, 9.0], [0, 0, 1], 2, 20.0)
    cand = clif.Spikes([1.05, 9.0, 12.0], [0, 1, 1], 2, 20.0)
    c = cmp(ref, cand, tol=1.0)
    assert (c.n_matched, c.n_missed, c.n_extra, c.first_divergence) == (2, 1, 1, 5.0)
    out = tmp_path / "r.html"
    rep = report([dict(simulator="x", problem="p", dt=0.1, comparison=c, reference=ref,
                       candidate=cand)], str(out))
    assert out.read_text().startswith("<html>")
    assert len(rep["images"]) == 2
    assert all(os.path.getsize(tmp_path / i) > 1000 for i in rep["images"])
    json.dumps(c.summary())


def test_cli_compare_files(tmp_path, capsys):
    from clif.cli import main
    a = clif.Spikes([1.0, 5.0], [0, 0], 1, 10.0)
    b = clif.Spikes([1.2, 5.0], [0, 0], 1, 10.0)
    np.savez(tmp_path / "a.npz", **a.to_dict())
    np.savez(tmp_path / "b.npz", **b.to_dict())
    assert main(["compare", str(tmp_path / "a.npz"), str(tmp_path / "b.npz"), "--report",
                 str(tmp_path / "r.md")]) == 0
    line = json.loads(capsys.readouterr().out.splitlines()[0])
    assert line["n_matched"] == 2 and line["max_abs_error_ms"] == pytest.approx(0.2)
    assert main(["compare", str(tmp_path / "a.npz")]) == 2
