"""clif.Network under mpiexec: spikes bit-identical to one process (issue 16)."""
import os
import shutil
import subprocess
import sys

import pytest

mpi4py = pytest.importorskip("mpi4py", reason="mpi4py (the [mpi] extra) is not installed")
MPIEXEC = shutil.which("mpiexec") or os.path.join(os.path.dirname(sys.executable), "mpiexec")
if not os.path.exists(MPIEXEC):
    pytest.skip("no mpiexec (install the [mpi] extra: mpi4py + mpich)", allow_module_level=True)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "tests", "_mpi_script.py")


def _run(n, *args, timeout=60):
    env = dict(os.environ, PYTHONPATH=ROOT)
    cmd = ([MPIEXEC, "-n", str(n)] if n else []) + [sys.executable, SCRIPT, *map(str, args)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    return [ln for ln in out.stdout.splitlines() if ln.startswith(("DIGEST", "ERR", "NOERR"))]


@pytest.mark.parametrize("kind", ["brunel", "brunel_exp", "connectome"])
def test_spikes_equal_one_process(kind):
    ref = _run(0, kind, 100, 1)
    assert ref and int(ref[0].split()[1]) > 1000   # the network is active
    for ranks, threads in [(2, 1), (3, 2)]:
        assert _run(ranks, kind, 100, threads) == ref, (ranks, threads)


def test_local_build_equals_global_build():
    ref = _run(0, "local", 100, 1, "global")
    assert _run(2, "local", 100, 1, "local") == ref
    assert _run(2, "local", 100, 1, "global") == ref


def test_error_on_one_rank_reaches_all():
    # Rank 1 asks for a spike limit the run exceeds: every rank raises
    # (the subprocess timeout proves nothing hangs).
    assert _run(2, "fail", 100, 1) == ["ERR SpikeLimitError"] * 2
