import os
import shutil
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import run_all  # noqa: E402

from clif import cli  # noqa: E402

FAKE = '''import json, os, sys
quick = "--quick" in sys.argv
os.makedirs("results", exist_ok=True)
json.dump({"benchmark": "fake", "date": "2026-01-01", "machine": {"cpu": "TestCPU", "cores": 2},
           "results": {"speedup_vs_numpy": 4.0 if quick else 8.0, "wall_s": 1.0}},
          open("results/fake.json", "w"))
'''


def test_ratios_picks_ratio_keys_and_labels_list_items():
    doc = {"arrays": [{"n": 1000, "speedup_vs_numpy": 5.0, "clif_s": 0.1}],
           "peers": {"brian2": {"ratio": 120.0}}, "flag": True}
    assert run_all.ratios(doc) == [("arrays[n=1000].speedup_vs_numpy", 5.0),
                                   ("peers.brian2.ratio", 120.0)]
    assert run_all.ratios({"summary": [{"measure": "x", "value": 2}], "ratio": 9}) == [("x", 2)]


def test_update_readme_replaces_only_between_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{run_all.START}\nold\n{run_all.END}\noutro\n")
    run_all.update_readme(str(readme), "TABLE1")
    run_all.update_readme(str(readme), "TABLE2")
    assert readme.read_text() == f"intro\n{run_all.START}\nTABLE2\n{run_all.END}\noutro\n"
    fresh = tmp_path / "NEW.md"
    run_all.update_readme(str(fresh), "T")
    assert fresh.read_text().count(run_all.START) == 1 and "T" in fresh.read_text()


@pytest.fixture
def bench_dir(tmp_path):
    shutil.copy(os.path.join(ROOT, "bench", "run_all.py"), tmp_path)
    (tmp_path / "bench_fake.py").write_text(FAKE)
    (tmp_path / "README.md").write_text(f"# B\n{run_all.START}\n{run_all.END}\n")
    return tmp_path


def test_clif_bench_runs_every_benchmark_and_writes_the_table(bench_dir, capsys):
    code = cli.main(["bench", "--bench-dir", str(bench_dir), "--quick"])
    out = capsys.readouterr().out
    assert code == 0 and "| fake | speedup_vs_numpy | 4 | 2026-01-01 | 1 |" in out
    text = (bench_dir / "README.md").read_text()
    assert "| fake | speedup_vs_numpy | 4 |" in text and "Machine 1: TestCPU, 2 cores" in text
    assert "wall_s" not in text


def test_benchmarks_without_quick_mode_or_results_are_named(bench_dir, capsys):
    (bench_dir / "bench_plain.py").write_text("import sys\nassert sys.argv[1:] == []\n")
    assert cli.main(["bench", "--bench-dir", str(bench_dir), "--quick", "--no-readme"]) == 0
    captured = capsys.readouterr()
    assert "no results file from bench_plain.py" in captured.err
    assert "=== bench_plain.py: exit 0" in captured.out
    assert "=== bench_fake.py --quick" in captured.out
    assert f"{run_all.START}\n{run_all.END}" in (bench_dir / "README.md").read_text()


def test_bench_only_unknown_name(bench_dir, capsys):
    assert cli.main(["bench", "--bench-dir", str(bench_dir), "--only", "nope"]) == 2
    assert "no benchmark nope" in capsys.readouterr().err
