import csv
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import clif
from clif import cli
from _fakes import FakePopulation

HAS_EXACT = hasattr(clif, "simulate")
HAS_NOISY = hasattr(clif, "simulate_noisy")


def run(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code, err, *words):
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for w in words:
        assert w in err, err


@pytest.mark.parametrize("argv", [[], ["demo"], ["fi"], ["simulate"], ["bench"]])
def test_help(argv, capsys):
    code, out, _ = run(argv + ["--help"], capsys)
    assert code == 0 and out.startswith("usage: clif")


def test_no_command_prints_help_and_fails(capsys):
    code, out, _ = run([], capsys)
    assert code == 2 and "demo" in out and "simulate" in out


def test_number_lists_and_ranges():
    np.testing.assert_allclose(cli.numbers("0:1:0.1"), np.linspace(0, 1, 11), atol=1e-15)
    assert cli.numbers("0:0.95:0.5").tolist() == [0.0, 0.5]     # stop off the grid
    assert cli.numbers("2.5").tolist() == [2.5] and cli.numbers("1,-2").tolist() == [1, -2]
    for bad in ("1:2", "a", "1:0:1", "0:1:0", "0:1:-1"):
        with pytest.raises(Exception):
            cli.numbers(bad)


def test_fi_csv_matches_the_closed_form(capsys):
    code, out, _ = run(["fi", "--I", "0:4:0.5", "--tau-m", "10"], capsys)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    I = np.array([float(r["I_nA"]) for r in rows])
    assert I.tolist() == [0.5 * k for k in range(9)]
    np.testing.assert_array_equal([float(r["rate_Hz"]) for r in rows], clif.rate(I, tau_m=10.0))
    assert rows[0]["isi_ms"] == "inf" and float(rows[-1]["isi_ms"]) == clif.isi(4.0, tau_m=10.0)


def test_fi_json_has_params_and_null_for_no_spikes(capsys):
    code, out, _ = run(["fi", "--I", "0.5,3", "--R-m", "40", "--C-m", "0.5", "--format",
                        "json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["params"]["tau_m"] == 20.0 and doc["params"]["R_m"] == 40.0
    assert doc["isi_ms"][0] is None and doc["rate_Hz"][1] == clif.rate(3.0, R_m=40, C_m=0.5)


def test_fi_sigma(capsys):
    theory = pytest.importorskip("clif.theory")
    code, out, _ = run(["fi", "--I", "0.8", "--sigma", "5", "--format", "json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["rate_Hz"] == [0.0]
    assert doc["siegert_Hz"][0] == pytest.approx(theory.siegert_rate(0.8, 5.0), rel=1e-12)
    assert doc["siegert_Hz"][0] > 0 and 0 < doc["cv"][0] < 1.5


@pytest.mark.parametrize("argv, words", [
    (["fi", "--tau-m", "-1"], ["tau_m"]),
    (["fi", "--V-reset", "-40"], ["V_reset"]),
    (["fi", "--I", "1:x:2"], ["--I", "1:x:2"]),
    (["fi", "--format", "xml"], ["xml"]),
    (["simulate", "--I-e", "1"], ["--t-stop"]),
    (["simulate", "--t-stop", "-5"], ["--t-stop"]),
    (["simulate", "--t-stop", "10", "-o", "spikes.txt"], [".npz or .csv"]),
    (["simulate", "--t-stop", "10", "-o", "/no/such/dir/s.npz"], ["no such folder"]),
    (["simulate", "--t-stop", "10.05", "--sigma", "1", "--dt", "0.1"], ["multiple of --dt"]),
    (["bench", "--bench-dir", "/no/such/bench"], ["--bench-dir", "source tree"]),
    (["nonsense"], ["nonsense"]),
])
def test_user_mistakes_are_one_line_and_exit_2(argv, words, capsys):
    code, _, err = run(argv, capsys)
    one_line_error(code, err, *words)


def test_demo_table_and_figure(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "demo.png"
    code, out, _ = run(["demo", "--out", str(png)], capsys)
    assert code == 0 and "closed form" in out and str(png) in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    row = next(l.split() for l in out.splitlines() if l.split()[:1] == ["2"])
    assert float(row[1]) == pytest.approx(clif.rate(2.0), rel=1e-3)
    if HAS_EXACT:      # the exact simulation's rate from its ISIs equals the closed form
        assert float(row[2]) == pytest.approx(clif.rate(2.0), rel=1e-3)
    else:
        assert "not in this build" in out


def test_demo_no_plot(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["demo", "--no-plot"], capsys)
    assert code == 0 and "figure" not in out and not list(tmp_path.iterdir())


def _fake_exact(monkeypatch, **fake_kw):
    made = []

    def factory(**kw):
        made.append(kw)
        return FakePopulation(kw["n"], **fake_kw)
    monkeypatch.setattr(clif, "Population", factory, raising=False)
    return made


def test_simulate_writes_npz_and_csv(tmp_path, capsys, monkeypatch):
    made = _fake_exact(monkeypatch, period=10.0)
    npz, csv_path = tmp_path / "s.npz", tmp_path / "s.csv"
    code, out, _ = run(["simulate", "--t-stop", "100", "--n", "2", "--I-e", "1.5",
                        "--tau-m", "10", "-o", str(npz)], capsys)
    assert code == 0 and made[-1]["I_e"] == 1.5 and made[-1]["tau_m"] == 10.0
    s = clif.Spikes.from_dict(np.load(npz))
    assert s == FakePopulation(2, period=10.0).run(100.0)
    assert "15 spikes" in out                      # 10 + 5
    code, out, _ = run(["simulate", "--t-stop", "100", "--n", "2", "-o", str(csv_path)], capsys)
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "time_ms,sender" and len(lines) == 16
    assert lines[1:4] == ["0,0", "0,1", "10,0"]


def test_simulate_ctrl_c_reports_and_saves_what_was_done(tmp_path, capsys, monkeypatch):
    _fake_exact(monkeypatch, period=1.0, interrupt_at_call=3)
    npz = tmp_path / "s.npz"
    code, out, err = run(["simulate", "--t-stop", "1000", "--n", "1", "-o", str(npz)], capsys)
    s = clif.Spikes.from_dict(np.load(npz))
    assert code == 130 and "interrupted at t = " in err and 0 < s.t_stop < 1000.0
    assert f"to {s.t_stop:g} ms" in out and len(s) == int(np.ceil(s.t_stop))


@pytest.mark.skipif(not HAS_EXACT, reason="clif.simulate not in this build")
def test_simulate_exact_equals_the_library(tmp_path, capsys):
    npz = tmp_path / "s.npz"
    code, out, _ = run(["simulate", "--t-stop", "500", "--I-e", "0.5,1.5,3", "-o", str(npz)],
                       capsys)
    assert code == 0
    assert clif.Spikes.from_dict(np.load(npz)) == clif.simulate(500.0, I_e=[0.5, 1.5, 3.0])


@pytest.mark.skipif(not HAS_EXACT, reason="clif.simulate not in this build")
def test_spike_limit_is_a_user_error(capsys, monkeypatch):
    from clif import _exact
    monkeypatch.setattr(clif, "Population", None, raising=False)
    delattr(clif, "Population")                    # one call, no chunks
    real = clif.simulate
    monkeypatch.setattr(clif, "simulate", lambda *a, **k: real(*a, max_spikes=10, **k))
    code, _, err = run(["simulate", "--t-stop", "100", "--I-e", "5"], capsys)
    one_line_error(code, err)
    assert issubclass(_exact.SpikeLimitError, Exception)


@pytest.mark.skipif(not HAS_NOISY, reason="clif.simulate_noisy not in this build")
def test_simulate_noisy_equals_the_library_with_its_seed(tmp_path, capsys):
    npz = tmp_path / "s.npz"
    code, out, _ = run(["simulate", "--t-stop", "300", "--n", "20", "--I-e", "0.9", "--sigma",
                        "4", "--seed", "5", "-o", str(npz)], capsys)
    s = clif.Spikes.from_dict(np.load(npz))
    assert code == 0 and s.seed == 5 and "seed 5" in out
    assert s == clif.simulate_noisy(300.0, sigma=4.0, n=20, I_e=0.9, seed=5)


def test_python_dash_m_clif(tmp_path):
    # Run outside the source tree (whose clif/ has no compiled modules), with
    # the clif under test on the path (installed, or built in place).
    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(
        os.path.abspath(clif.__file__)))}
    p = subprocess.run([sys.executable, "-m", "clif", "fi", "--I", "2"], capture_output=True,
                       text=True, cwd=tmp_path, env=env)
    assert p.returncode == 0 and p.stdout.splitlines()[1].startswith("2,")
    p = subprocess.run([sys.executable, "-m", "clif", "fi", "--t-ref", "-1"],
                       capture_output=True, text=True, cwd=tmp_path, env=env)
    assert p.returncode == 2 and "t_ref" in p.stderr and "Traceback" not in p.stderr
