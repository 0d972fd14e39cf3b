"""clif.Network under mpiexec: spikes bit-identical to one process (issue 16)."""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

mpi4py = pytest.importorskip("mpi4py", reason="mpi4py (the [mpi] extra) is not installed")
MPIEXEC = shutil.which("mpiexec") or os.path.join(os.path.dirname(sys.executable), "mpiexec")
if not os.path.exists(MPIEXEC):
    pytest.skip("no mpiexec (install the [mpi] extra: mpi4py + mpich)", allow_module_level=True)

import clif  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "tests", "_mpi_script.py")
# The ranks must import the clif this test imported (installed, or built in
# place), not the source tree's uncompiled copy.
CLIF_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(clif.__file__)))


def _run(n, *args, timeout=60, rc=0):
    env = dict(os.environ, PYTHONPATH=CLIF_PARENT)
    cmd = ([MPIEXEC, "-n", str(n)] if n else []) + [sys.executable, SCRIPT, *map(str, args)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    assert (out.returncode == 0) == (rc == 0), out.stderr[-2000:]
    # The ranks' lines may run together in mpiexec's output.
    return re.findall(r"DIGEST \d+ [0-9a-f]{64}|ERR (?:[A-Z][a-z]+)+|NOERR", out.stdout)


@pytest.mark.parametrize("kind", ["brunel", "brunel_spread", "brunel_exp", "connectome",
                                  "sources"])
def test_spikes_equal_one_process(kind):
    ref = _run(0, kind, 100, 1)
    assert ref and int(ref[0].split()[1]) > 1000   # the network is active
    for ranks, threads in [(2, 1), (3, 2)]:
        assert _run(ranks, kind, 100, threads) == ref, (ranks, threads)


@pytest.mark.parametrize("kind", ["share_brunel", "share_connectome"])
def test_generators_build_only_the_ranks_share(kind):
    """brunel and random_connectome under mpiexec never hold the whole
    network on a rank: the shares add up to the one-process synapse count
    and none is more than 45 % of it at 3 ranks (balanced: ~1/3 each)."""
    def shares(n):
        env = dict(os.environ, PYTHONPATH=CLIF_PARENT)
        cmd = ([MPIEXEC, "-n", str(n)] if n > 1 else []) + [sys.executable, SCRIPT, kind,
                                                          "0", "1"]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
        assert out.returncode == 0, out.stderr[-2000:]
        return {int(r): int(m) for r, m in re.findall(r"SHARE (\d+) (\d+)", out.stdout)}
    (whole,) = shares(1).values()
    part = shares(3)
    assert sorted(part) == [0, 1, 2]
    assert sum(part.values()) == whole
    assert max(part.values()) < 0.45 * whole, part


def test_local_build_equals_global_build():
    ref = _run(0, "local", 100, 1, "global")
    assert _run(2, "local", 100, 1, "local") == ref
    assert _run(2, "local", 100, 1, "global") == ref


def test_error_on_one_rank_reaches_all():
    # Rank 1 asks for a spike limit the run exceeds: every rank raises
    # (the subprocess timeout proves nothing hangs).
    assert _run(2, "fail", 100, 1) == ["ERR SpikeLimitError"] * 2


def test_bad_input_on_one_rank_raises_on_all():
    # Rank 1 passes an invalid rate_bin: it raises ValueError, rank 0 learns
    # of it at run() entry (before any exchange) instead of waiting.
    got = sorted(_run(2, "badinput", 100, 1, rc=3))
    assert got == ["ERR RankFailed", "ERR ValueError"]


def test_failure_after_an_exchange_reaches_all():
    # Rank 1 alone exceeds its spike limit while recording (after a
    # window's exchange); rank 0 stops at its next window.
    got = sorted(_run(2, "recfail", 100, 1, rc=3))
    assert got == ["ERR RankFailed", "ERR SpikeLimitError"]


@pytest.mark.parametrize("threads", [1, 2])
def test_ctrl_c_stops_every_rank(threads):
    # SIGINT to mpiexec's process group mid-run (the exchange runs on a
    # worker thread with 2 threads): every process is gone within seconds.
    env = dict(os.environ, PYTHONPATH=CLIF_PARENT)
    cmd = [MPIEXEC, "-n", "2", sys.executable, SCRIPT, "sigint", 10**6, threads]
    p = subprocess.Popen(list(map(str, cmd)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env, start_new_session=True)
    try:
        t0 = time.monotonic()
        while "RUNNING" not in p.stdout.readline():
            assert time.monotonic() - t0 < 30 and p.poll() is None
        time.sleep(1.0)
        os.killpg(p.pid, signal.SIGINT)
        out, err = p.communicate(timeout=10)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
    assert p.returncode != 0
    assert "ERR KeyboardInterrupt" in out, err[-2000:]
