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
    # the exact simulation's rate from its ISIs equals the closed form
    assert float(row[2]) == pytest.approx(clif.rate(2.0), rel=1e-3)


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


def test_simulate_exact_equals_the_library(tmp_path, capsys):
    npz = tmp_path / "s.npz"
    code, out, _ = run(["simulate", "--t-stop", "500", "--I-e", "0.5,1.5,3", "-o", str(npz)],
                       capsys)
    assert code == 0
    assert clif.Spikes.from_dict(np.load(npz)) == clif.simulate(500.0, I_e=[0.5, 1.5, 3.0])


def test_spike_limit_is_a_user_error(capsys, monkeypatch):
    class Small(clif.Population):                  # a run that hits max_spikes
        def run(self, until, **kw):
            return super().run(until, **dict(kw, max_spikes=10))
    monkeypatch.setattr(clif, "Population", Small)
    code, _, err = run(["simulate", "--t-stop", "100", "--I-e", "5"], capsys)
    one_line_error(code, err)
    assert "max_spikes" in err


def test_simulate_noisy_equals_the_library_with_its_seed(tmp_path, capsys):
    npz = tmp_path / "s.npz"
    code, out, _ = run(["simulate", "--t-stop", "300", "--n", "20", "--I-e", "0.9", "--sigma",
                        "4", "--seed", "5", "-o", str(npz)], capsys)
    s = clif.Spikes.from_dict(np.load(npz))
    assert code == 0 and s.seed == 5 and "seed 5" in out
    assert s == clif.simulate_noisy(300.0, sigma=4.0, n=20, I_e=0.9, seed=5)


# --- synapse models ---------------------------------------------------------------------------

def _pulse_csv(path, pulses, unit):
    with open(path, "w") as fh:
        fh.write(f"time_ms,target,weight_{unit}" + (",port" if len(pulses) == 4 else "") + "\n")
        for row in zip(*pulses):
            fh.write(",".join(repr(float(x)) if i in (0, 2) else str(int(x))
                              for i, x in enumerate(row)) + "\n")
    return str(path)


# Neuron 0: three 1.5-nA pulses 1 ms apart, then an inhibitory one; neuron 1:
# the same excitatory pulses 12 ms apart; neuron 2 none (it fires on I_e).
_PULSES = (np.array([10.0, 11.0, 12.0, 30.0, 10.0, 22.0, 34.0]), np.array([0, 0, 0, 0, 1, 1, 1]),
           np.array([1.5, 1.5, 1.5, -4.0, 1.5, 1.5, 1.5]))


@pytest.mark.parametrize("model", ["psc_exp", "psc_alpha"])
def test_simulate_psc_equals_the_library(model, tmp_path, capsys):
    pulses = _pulse_csv(tmp_path / "in.csv", _PULSES, "nA")
    npz = tmp_path / "s.npz"
    code, out, _ = run(["simulate", "--t-stop", "60", "--n", "3", "--I-e", "0.9,0.9,1.2",
                        "--model", model, "--tau-syn-ex", "3", "--tau-syn-in", "5",
                        "--pulses", pulses, "-o", str(npz)], capsys)
    assert code == 0 and f"({model}, tau_syn_ex 3 ms, tau_syn_in 5 ms)" in out
    got = clif.Spikes.from_dict(np.load(npz))
    want = clif.simulate(60.0, n=3, I_e=[0.9, 0.9, 1.2], model=model, tau_syn_ex=3.0,
                         tau_syn_in=5.0, pulses=_PULSES)
    assert got == want
    assert np.all(want.counts() > 0)
    # The same weights read as delta pulses [mV] fire neither neuron 0 nor 1:
    delta = clif.simulate(60.0, n=3, I_e=[0.9, 0.9, 1.2], pulses=_PULSES)
    assert delta.counts().tolist() == [0, 0, 1] and delta != want


def test_simulate_pulses_npz_ports_and_per_neuron_tau(tmp_path, capsys):
    ports = np.array([0, 0, 0, 1, 1, 0, 0])                   # one ex pulse to the in port
    np.savez(tmp_path / "in.npz", time_ms=_PULSES[0], target=_PULSES[1],
             weight_nA=np.abs(_PULSES[2]), port=ports)
    npz = tmp_path / "s.npz"
    code, _, _ = run(["simulate", "--t-stop", "60", "--n", "3", "--I-e", "0.9",
                      "--model", "psc_exp", "--tau-syn-ex", "1,2,3", "--pulses",
                      str(tmp_path / "in.npz"), "-o", str(npz)], capsys)
    assert code == 0
    want = clif.simulate(60.0, n=3, I_e=0.9, model="psc_exp", tau_syn_ex=[1.0, 2.0, 3.0],
                         pulses=_PULSES[:2] + (np.abs(_PULSES[2]), ports))
    assert clif.Spikes.from_dict(np.load(npz)) == want


def test_simulate_delta_pulses_in_mV(tmp_path, capsys):
    pulses = ([10.0, 15.0, 10.0, 20.0], [0, 0, 1, 1], [12.0, 12.0, 12.0, 12.0])
    npz = tmp_path / "s.npz"
    code, _, _ = run(["simulate", "--t-stop", "100", "--n", "2", "--pulses",
                      _pulse_csv(tmp_path / "in.csv", pulses, "mV"), "-o", str(npz)], capsys)
    s = clif.Spikes.from_dict(np.load(npz))
    assert code == 0 and s == clif.simulate(100.0, n=2, pulses=pulses)
    assert s.times.tolist() == [15.0] and s.senders.tolist() == [0]


def test_simulate_pulses_in_chunks_are_the_pulses_of_each_slice(monkeypatch, capsys,
                                                                 tmp_path):
    made = _fake_exact(monkeypatch, period=10.0)
    calls = []
    real = FakePopulation.run

    def run_with_pulses(self, until, pulses=None, **kw):
        calls.append((self.t, until, pulses))
        return real(self, until, **kw)
    monkeypatch.setattr(FakePopulation, "run", run_with_pulses)
    pulses = ([5.0, 0.0, 99.5, 50.0], [0, 1, 0, 1], [1.0, 2.0, 3.0, 4.0])
    code, _, _ = run(["simulate", "--t-stop", "100", "--n", "2", "--model", "psc_alpha",
                      "--pulses", _pulse_csv(tmp_path / "in.csv", pulses, "nA")], capsys)
    assert code == 0 and made[-1]["model"] == "psc_alpha"
    seen = np.concatenate([c[2][0] for c in calls])
    assert sorted(seen.tolist()) == sorted(pulses[0])       # each pulse exactly once
    for t, until, p in calls:                               # ... in its own slice
        assert np.all((p[0] >= t) & (p[0] < until))


@pytest.mark.parametrize("argv, words", [
    (["simulate", "--t-stop", "10", "--model", "psc_exp", "--tau-syn-ex", "0"],
     ["--tau-syn-ex", "> 0 ms"]),
    (["simulate", "--t-stop", "10", "--model", "psc_exp", "--tau-syn-in", "nan"],
     ["--tau-syn-in", "> 0 ms"]),
    (["simulate", "--t-stop", "10", "--model", "psc_exp", "--tau-syn-ex", "1,x"],
     ["--tau-syn-ex"]),
    (["simulate", "--t-stop", "10", "--model", "psc_beta"], ["--model", "psc_beta"]),
    (["simulate", "--t-stop", "10", "--tau-syn-ex", "2"], ["--tau-syn-ex", "--model delta"]),
    (["simulate", "--t-stop", "10", "--model", "delta", "--tau-syn-in", "2"],
     ["--tau-syn-in", "--model delta"]),
    (["simulate", "--t-stop", "10", "--n", "2", "--model", "psc_exp", "--tau-syn-ex", "1,2,3"],
     ["--tau-syn-ex", "3 values for 2 neurons"]),
    (["simulate", "--t-stop", "10", "--model", "psc_exp", "--sigma", "1"],
     ["--model psc_exp", "--sigma"]),
    (["simulate", "--t-stop", "10", "--pulses", "in.txt"], ["--pulses", ".csv or .npz"]),
    (["simulate", "--t-stop", "10", "--pulses", "/no/such/in.csv"], ["--pulses", "no such file"]),
    (["fi", "--model", "psc_alpha", "--sigma", "2"], ["--model psc_alpha", "psc_exp"]),
    (["fi", "--model", "psc_exp", "--tau-syn-ex", "1"], ["--tau-syn-ex", "--sigma"]),
    (["fi", "--model", "psc_exp", "--sigma", "2", "--tau-syn-in", "1"], ["--tau-syn-in"]),
    (["fi", "--model", "psc_exp", "--sigma", "2", "--tau-syn-ex", "1,2"],
     ["--tau-syn-ex", "one time constant"]),
    (["fi", "--tau-syn-ex", "1", "--sigma", "2"], ["--tau-syn-ex", "--model delta"]),
])
def test_model_mistakes_name_the_option(argv, words, capsys):
    code, _, err = run(argv, capsys)
    one_line_error(code, err, *words)


@pytest.mark.parametrize("model, text, words", [
    ("delta", "time_ms,target,weight_nA\n1,0,1\n", ["weights in nA", "--model delta", "mV"]),
    ("psc_exp", "time_ms,target,weight_mV\n1,0,1\n",
     ["weights in mV", "--model psc_exp", "weight_nA", "weight_for_psp"]),
    ("psc_alpha", "time_ms,target,weight\n1,0,1\n", ["weight_nA", "missing weight_nA"]),
    ("psc_exp", "time_ms,target,weight_nA,delay_ms\n1,0,1,2\n", ["unknown", "delay_ms"]),
    ("psc_exp", "time_ms,target,weight_nA\n1,0,1\n10,0,1\n", ["line 3", "time 10 ms",
                                                                 "[0, 10) ms"]),
    ("psc_exp", "time_ms,target,weight_nA\n1,0,1\n2,3,1\n", ["line 3", "target 3", "[0, 2)"]),
    ("psc_exp", "time_ms,target,weight_nA\n1,0.5,1\n", ["line 2", "target 0.5"]),
    ("psc_exp", "time_ms,target,weight_nA\n1,0,inf\n", ["line 2", "finite (nA)"]),
    ("psc_exp", "time_ms,target,weight_nA\n1,0\n", ["--pulses"]),
    ("psc_exp", "time_ms,target,weight_nA,port\n1,0,1,2\n", ["line 2", "port", "0 (ex)"]),
    ("delta", "time_ms,target,weight_mV,port\n1,0,1,0\n", ["port", "delta"]),
])
def test_bad_pulse_files_name_the_option(model, text, words, tmp_path, capsys):
    path = tmp_path / "in.csv"
    path.write_text(text)
    code, _, err = run(["simulate", "--t-stop", "10", "--n", "2", "--model", model,
                        "--pulses", str(path)], capsys)
    one_line_error(code, err, f"--pulses {path}", *words)


def test_pulse_file_with_a_header_alone_is_no_pulses(tmp_path, capsys):
    path = tmp_path / "in.csv"
    path.write_text("time_ms,target,weight_nA\n")
    assert cli.load_pulses(str(path), "psc_exp", 2, 10.0)[0].size == 0


def test_fi_psc_exp_sigma_is_the_colored_noise_rate(capsys):
    from clif import theory
    code, out, _ = run(["fi", "--I", "0.8,1.5", "--sigma", "4", "--model", "psc_exp",
                        "--tau-syn-ex", "0.5", "--format", "json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["model"] == "psc_exp" and doc["tau_syn_ex"] == 0.5
    np.testing.assert_array_equal(doc["siegert_Hz"],
                                  theory.siegert_rate_psc([0.8, 1.5], 4.0, 0.5))
    assert doc["siegert_Hz"][0] < theory.siegert_rate(0.8, 4.0)   # filtered noise fires less
    # Without noise a constant current bypasses the synapse: the same curve.
    code, out, _ = run(["fi", "--I", "0:3:0.5", "--model", "psc_alpha"], capsys)
    assert code == 0 and out == run(["fi", "--I", "0:3:0.5"], capsys)[1]


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
