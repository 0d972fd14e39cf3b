"""Chunked and distributed runs give the one-process result, bit for bit.

The first part needs no Dask: a call cut into neuron ranges with
``clif._chunk.neuron_slice`` and run with ``neuron_offset`` reproduces the
whole call.  The rest runs the same through ``clif.dask`` on the local
scheduler and on a real ``distributed.LocalCluster`` (2 worker processes).
"""
import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import clif
from clif import _chunk

try:
    import dask
    import dask.array as da
except ImportError:  # pragma: no cover - dask is in the test extra
    dask = None
try:
    import distributed
except ImportError:  # pragma: no cover
    distributed = None

needs_dask = pytest.mark.skipif(dask is None, reason="dask not installed")
needs_distributed = pytest.mark.skipif(dask is None or distributed is None,
                                       reason="dask.distributed not installed")

N = 400


def _exact_call():
    rng = np.random.default_rng(1)
    return dict(
        n=N, I_e=rng.uniform(0.5, 3.0, N), tau_m=rng.uniform(10, 30, N),
        V0=rng.uniform(-70, -51, N), t_ref=2.0,
        # Many pulses at shared times on the same targets: the order in which
        # equal-time pulses add must survive the cut.
        pulses=(np.round(rng.uniform(0, 300, 3000), 1), rng.integers(0, N, 3000),
                rng.normal(1.0, 2.0, 3000)),
        current=([50.0, 150.0], rng.uniform(-0.5, 0.5, (2, N))),
        sine=dict(I0=rng.uniform(0, 0.5, N), f=rng.uniform(1, 20, N)),
        sample_times=[0.0, 99.5, 300.0])


def _noisy_call():
    rng = np.random.default_rng(2)
    return dict(
        n=N, sigma=rng.uniform(1, 8, N), seed=12345,
        neuron=clif.LIF(tau_m=rng.uniform(10, 30, N), I_e=rng.uniform(0.6, 1.4, N)),
        current=([0.0, 100.0], rng.uniform(0, 0.3, (2, N))),
        sine=dict(I0=rng.uniform(0, 0.5, N), f=8.0), V0=-60.0,
        record_V=[399, 3, 200, 3, 0])


def _by_hand(fn, kwargs, chunks, t_stop):
    n = kwargs["n"]
    parts = _chunk.bounds(n, chunks)
    runs = [fn(t_stop, **{**_chunk.neuron_slice(kwargs, n, a, b), "n": b - a,
                          "neuron_offset": a}) for a, b in parts]
    return clif.Spikes.concatenate(runs, offsets=[a for a, _ in parts]), runs


@pytest.mark.parametrize("chunks", [1, 37, [150, 250], N])
def test_exact_chunks_by_hand(chunks):
    kw = _exact_call()
    ref = clif.simulate(300.0, **kw)
    got, runs = _by_hand(clif.simulate, kw, chunks, 300.0)
    assert len(ref) > 1000 and got == ref
    V = np.concatenate([r.extra["V"] for r in runs], axis=1)
    assert np.array_equal(V, ref.extra["V"])
    assert runs[-1].extra["neuron_offset"] == _chunk.bounds(N, chunks)[-1][0]


@pytest.mark.parametrize("chunks", [1, 64, [399, 1]])
def test_noisy_chunks_by_hand(chunks):
    kw = _noisy_call()
    ref = clif.simulate_noisy(200.0, **kw)
    got, _ = _by_hand(clif.simulate_noisy, kw, chunks, 200.0)
    assert len(ref) > 1000 and got == ref


@settings(max_examples=25)
@given(cuts=st.lists(st.integers(1, 59), max_size=8, unique=True), seed=st.integers(0, 2**32))
def test_any_partition_gives_the_same_spikes(cuts, seed):
    rng = np.random.default_rng(seed)
    n = 60
    kw = dict(n=n, I_e=rng.uniform(0.0, 2.5, n), V0=rng.uniform(-70, -50, n),
              pulses=(rng.integers(0, 400, 600) * 0.25, rng.integers(0, n, 600),
                      rng.normal(3.0, 3.0, 600)), refractory_input="integrate")
    sizes = np.diff([0] + sorted(cuts) + [n]).tolist()
    assert _by_hand(clif.simulate, kw, sizes, 100.0)[0] == clif.simulate(100.0, **kw)
    nk = dict(n=n, sigma=rng.uniform(0, 10, n), I_e=rng.uniform(0.5, 1.5, n), seed=seed)
    assert _by_hand(clif.simulate_noisy, nk, sizes, 50.0)[0] == clif.simulate_noisy(50.0, **nk)


def test_lif_pickles():
    # Chunks travel to worker processes by pickle.
    import pickle
    nr = _noisy_call()["neuron"]
    back = pickle.loads(pickle.dumps(nr))
    assert back == nr and np.array_equal(back.R_m, nr.R_m) and back.R_m.flags.writeable is False


def test_noisy_chunk_without_offset_differs():
    # The control: a chunk that forgets its global offset draws other numbers.
    kw = {k: v for k, v in _noisy_call().items() if k != "record_V"}
    ref = clif.simulate_noisy(200.0, **kw)
    part = clif.simulate_noisy(200.0, **{**_chunk.neuron_slice(kw, N, 200, N), "n": 200})
    assert part != ref.select(np.arange(200, N))


def test_neuron_slice_pulses_and_record():
    kw = dict(pulses=([1.0, 2.0, 3.0, 4.0], [5, 0, 7, 5], [0.1, 0.2, 0.3, 0.4]),
              record_V=[7, 1, 5], I_e=[1.0], sigma=2.0)
    out = _chunk.neuron_slice(kw, 10, 5, 8)
    assert out["pulses"][0].tolist() == [1.0, 3.0, 4.0]
    assert out["pulses"][1].tolist() == [0, 2, 0]
    assert out["pulses"][2].tolist() == [0.1, 0.3, 0.4]
    assert out["record_V"].tolist() == [2, 0]
    assert out["I_e"].tolist() == [1.0] and out["sigma"] == 2.0
    assert kw["record_V"] == [7, 1, 5]  # the input is left alone


@pytest.mark.parametrize("kw, match", [
    (dict(I_e=np.ones(9)), "I_e must be a scalar or have length n=10"),
    (dict(sigma=np.ones((10, 1))), "sigma must be a scalar or have length"),
    (dict(pulses=([1.0, 2.0], [1], [0.5])), "same length"),
    (dict(current=([0.0], np.ones((1, 9)))), "current values must have shape"),
    (dict(sine=dict(I0=np.ones(3), f=1.0)), "must be a scalar or have length n=10"),
])
def test_neuron_slice_rejects(kw, match):
    with pytest.raises(ValueError, match=match):
        _chunk.neuron_slice(kw, 10, 0, 5)


@pytest.mark.parametrize("kw, match", [
    (dict(pulses=([1.0], [10], [0.5])), r"pulse targets must lie in \[0, 10\) \(neurons\); got 10"),
    (dict(record_V=[-1]), r"record_V must lie in \[0, 10\) \(neurons\); got -1"),
])
def test_neuron_slice_rejects_indices(kw, match):
    with pytest.raises(IndexError, match=match):
        _chunk.neuron_slice(kw, 10, 0, 5)


def test_neuron_slice_rejects_float_targets():
    with pytest.raises(TypeError, match="pulse targets"):
        _chunk.neuron_slice(dict(pulses=([1.0], [1.5], [0.5])), 10, 0, 5)


@pytest.mark.parametrize("n, chunks, expect", [
    (10, 4, [(0, 4), (4, 8), (8, 10)]), (10, 10, [(0, 10)]), (10, 99, [(0, 10)]),
    (5, (2, 3), [(0, 2), (2, 5)]), (3, [1, 1, 1], [(0, 1), (1, 2), (2, 3)])])
def test_bounds(n, chunks, expect):
    assert _chunk.bounds(n, chunks) == expect


@pytest.mark.parametrize("n, chunks, exc", [
    (10, 0, ValueError), (10, -3, ValueError), (10, [5, 4], ValueError),
    (10, [10, 0], ValueError), (10, [], ValueError), (10, [2.5, 7.5], ValueError),
    (0, 3, ValueError), (10, True, TypeError), (10, "5", ValueError),
    (10, 2.0, TypeError)])
def test_bounds_rejects(n, chunks, exc):
    with pytest.raises(exc):
        _chunk.bounds(n, chunks)


# --- clif.dask on the local scheduler ---------------------------------------

@needs_dask
@pytest.mark.parametrize("chunks", [1, 37, [150, 250]])
def test_dask_exact_local(chunks):
    import clif.dask
    kw = _exact_call()
    ref = clif.simulate(300.0, **kw)
    got = clif.dask.simulate(300.0, chunks=chunks, **kw)
    assert got == ref and np.array_equal(got.extra["V"], ref.extra["V"])
    assert got.extra["neuron_offset"] == 0


@needs_dask
@pytest.mark.parametrize("chunks", [64, [100, 300]])
def test_dask_noisy_local(chunks):
    import clif.dask
    kw = _noisy_call()
    ref = clif.simulate_noisy(200.0, **kw)
    got = clif.dask.simulate_noisy(200.0, chunks=chunks, **kw)
    assert got == ref and got.seed == ref.seed == 12345
    assert np.array_equal(got.extra["V"], ref.extra["V"])
    assert np.array_equal(got.extra["t"], ref.extra["t"])


@needs_dask
def test_dask_noisy_seed_resolved_once():
    import clif.dask
    kw = {k: v for k, v in _noisy_call().items() if k != "seed"}
    got = clif.dask.simulate_noisy(100.0, chunks=50, seed=np.random.SeedSequence(9), **kw)
    assert got.seed == clif.random.resolve_seed(np.random.SeedSequence(9))
    assert got == clif.simulate_noisy(100.0, seed=got.seed, **kw)
    # Fresh entropy: one seed for all chunks, so the run can be repeated.
    fresh = clif.dask.simulate_noisy(100.0, chunks=50, **kw)
    assert fresh == clif.simulate_noisy(100.0, seed=fresh.seed, **kw)


@needs_dask
def test_dask_global_offset():
    import clif.dask
    kw = dict(sigma=5.0, I_e=0.9, seed=4, n=300)
    ref = clif.simulate_noisy(100.0, neuron_offset=1000, **kw)
    assert clif.dask.simulate_noisy(100.0, chunks=70, neuron_offset=1000, **kw) == ref


@needs_dask
def test_dask_max_spikes():
    import clif.dask
    # Every chunk (about 310 spikes) keeps within the limit; the whole run
    # (about 3100) does not, and raises what the one-process call raises.
    from clif._exact import SpikeLimitError
    with pytest.raises(SpikeLimitError, match="max_spikes"):
        clif.simulate(500.0, n=100, I_e=2.0, max_spikes=1000)
    with pytest.raises(SpikeLimitError, match="max_spikes"):
        clif.dask.simulate(500.0, n=100, chunks=10, I_e=2.0, max_spikes=1000)
    with pytest.raises(OverflowError, match="max_spikes"):
        clif.dask.simulate_noisy(500.0, sigma=1.0, n=100, chunks=10, I_e=2.0, seed=1,
                                 max_spikes=1000)
    assert len(clif.dask.simulate(500.0, n=100, chunks=10, I_e=2.0, max_spikes=4000)) > 3000


@needs_dask
@pytest.mark.parametrize("bad, exc", [(dict(chunks=0), ValueError),
                                      (dict(chunks=[50, 40]), ValueError),
                                      (dict(I_e=np.ones(99)), ValueError),
                                      (dict(retries=-1), ValueError),
                                      (dict(neuron_offset=-1), ValueError)])
def test_dask_rejects(bad, exc):
    import clif.dask
    kw = dict(n=100, chunks=10, I_e=2.0)
    kw.update(bad)
    with pytest.raises(exc):
        clif.dask.simulate(100.0, **kw)


@needs_dask
def test_closed_forms_on_dask_arrays():
    I = np.linspace(0.0, 5.0, 1001)
    tau = np.linspace(5.0, 40.0, 7)
    dI = da.from_array(I, chunks=97)
    r = clif.rate(dI[:, None], tau_m=tau, t_ref=1.0)
    assert isinstance(r, da.Array)
    assert np.array_equal(r.compute(), clif.rate(I[:, None], tau_m=tau, t_ref=1.0))
    assert np.array_equal(clif.isi(dI).compute(), clif.isi(I))
    out = clif.current_for_rate(da.from_array(np.linspace(1, 200, 50), chunks=7)).compute()
    assert np.array_equal(out, clif.current_for_rate(np.linspace(1, 200, 50)))


def _siegert(I, sigma):
    return clif.siegert_rate(I, sigma, tau_m=10.0)


@needs_dask
@pytest.mark.parametrize("chunks", [1, 7, 1000])
def test_sweep_grid(chunks):
    import clif.dask
    I, s = np.linspace(0.2, 2.0, 11), np.array([0.5, 2.0, 6.0])
    got = clif.dask.sweep(_siegert, {"I": I, "sigma": s}, chunks=chunks)
    assert got.shape == (11, 3)
    assert np.array_equal(got, clif.siegert_rate(I[:, None], s[None, :], tau_m=10.0))


@needs_dask
def test_sweep_rejects():
    import clif.dask
    with pytest.raises(ValueError, match="one row per grid point"):
        clif.dask.sweep(lambda x: np.sum(x), {"x": [1.0, 2.0]}, chunks=1)
    with pytest.raises(ValueError, match="1-D"):
        clif.dask.sweep(_siegert, {"I": [[1.0]], "sigma": [1.0]}, chunks=1)
    with pytest.raises(TypeError, match="grid"):
        clif.dask.sweep(_siegert, {}, chunks=1)
    with pytest.raises(TypeError, match="callable"):
        clif.dask.sweep("rate", {"I": [1.0]}, chunks=1)
    with pytest.raises(TypeError, match="callable"):
        clif.dask.map_population(None, 10.0, n=3, chunks=1)
    with pytest.raises(TypeError, match="root"):
        clif.dask.sweep(_siegert, {"I": [1.0], "sigma": [1.0]}, chunks=1,
                        seed=np.random.default_rng(0))


def _trial_rate(trial, seed):
    # One noisy trial per grid point, each with its own seed.
    return np.array([clif.simulate_noisy(100.0, sigma=5.0, n=20, I_e=0.9,
                                         seed=int(s)).rates().mean() for s in seed])


@needs_dask
def test_trial_seeds_are_spawned_children():
    import clif.dask
    want = [clif.random.resolve_seed(c) for c in np.random.SeedSequence(42).spawn(30)]
    assert clif.dask.trial_seeds(42, 30).tolist() == want
    assert clif.dask.trial_seeds(42, 10, start=20).tolist() == want[20:]
    assert clif.dask.trial_seeds(np.random.SeedSequence(42), 30).tolist() == want
    with pytest.raises(ValueError, match="count"):
        clif.dask.trial_seeds(42, -1)
    with pytest.raises(TypeError, match="root"):
        clif.dask.trial_seeds(None, 3)


@needs_dask
def test_sweep_trials_chunk_invariant():
    import clif.dask
    trials = {"trial": np.arange(12)}
    a = clif.dask.sweep(_trial_rate, trials, chunks=5, seed=42)
    b = clif.dask.sweep(_trial_rate, trials, chunks=12, seed=42)
    ref = _trial_rate(None, clif.dask.trial_seeds(42, 12))
    assert np.array_equal(a, ref) and np.array_equal(b, ref)
    assert np.unique(a).size > 6  # the trials differ
    assert not np.array_equal(clif.dask.sweep(_trial_rate, trials, chunks=5, seed=43), a)


@needs_dask
def test_progress_local(capsys):
    import clif.dask
    got = clif.dask.simulate(100.0, n=50, chunks=10, I_e=2.0, progress=True)
    assert got == clif.simulate(100.0, n=50, I_e=2.0)


def test_import_error_names_the_extra(tmp_path):
    import subprocess
    import sys
    code = ("import sys; sys.modules['dask'] = None\n"
            "try:\n    import clif.dask\nexcept ImportError as e:\n    print(e)")
    # cwd outside the source tree, whose clif/ has no compiled modules.
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env={**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(
                             os.path.abspath(clif.__file__)))})
    assert "pip install clif[dask]" in out.stdout, out.stderr


# --- a real distributed cluster ---------------------------------------------

@pytest.fixture(scope="module")
def client():
    if dask is None or distributed is None:
        pytest.skip("dask.distributed not installed")
    # Worker processes must import the clif under test: the in-place build
    # when testing a checkout (harmless when clif is installed).
    root = os.path.dirname(os.path.dirname(os.path.abspath(clif.__file__)))
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = root + (os.pathsep + old if old else "")
    try:
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=40)
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old
    c = distributed.Client(cluster, set_as_default=False)
    yield c
    c.close()
    cluster.close()


@needs_distributed
def test_cluster_workers_use_this_clif(client):
    files = client.run(lambda: __import__("clif").__file__)
    assert len(files) == 2 and set(files.values()) == {clif.__file__}


@needs_distributed
@pytest.mark.parametrize("chunks", [50, [300, 100]])
def test_cluster_noisy_bit_identical(client, chunks):
    import clif.dask
    kw = _noisy_call()
    ref = clif.simulate_noisy(200.0, **kw)
    got = clif.dask.simulate_noisy(200.0, chunks=chunks, client=client, **kw)
    assert len(got) > 1000 and got == ref and got.seed == ref.seed
    assert np.array_equal(got.extra["V"], ref.extra["V"])


@needs_distributed
def test_cluster_exact_bit_identical(client):
    import clif.dask
    kw = _exact_call()
    ref = clif.simulate(300.0, **kw)
    got = clif.dask.simulate(300.0, chunks=60, client=client, progress=True, **kw)
    assert got == ref and np.array_equal(got.extra["V"], ref.extra["V"])


@needs_distributed
def test_cluster_closed_forms(client):
    I = np.linspace(0.0, 5.0, 2001)
    r = client.compute(clif.rate(da.from_array(I, chunks=300), tau_m=12.0)).result()
    assert np.array_equal(r, clif.rate(I, tau_m=12.0))


@needs_distributed
def test_cluster_sweep(client):
    import clif.dask
    trials = {"trial": np.arange(8)}
    got = clif.dask.sweep(_trial_rate, trials, chunks=3, seed=7, client=client)
    assert np.array_equal(got, _trial_rate(None, clif.dask.trial_seeds(7, 8)))


@needs_distributed
def test_cluster_failed_task_retried(client, tmp_path):
    import clif.dask

    def flaky(t_stop, **kw):
        # Every chunk fails on its first attempt (a worker lost mid-task).
        marker = tmp_path / f"failed-{kw['neuron_offset']}"
        if not marker.exists():
            marker.touch()
            raise RuntimeError("first attempt fails")
        return clif.simulate_noisy(t_stop, **kw)

    kw = dict(sigma=6.0, n=300, I_e=0.8, seed=99)
    ref = clif.simulate_noisy(200.0, **kw)
    got = clif.dask.map_population(flaky, 200.0, chunks=100, client=client, retries=1, **kw)
    assert len(list(tmp_path.iterdir())) == 3  # every chunk did fail once
    assert got == ref and got.seed == 99
    # The control: without retries the failure reaches the caller.
    for f in tmp_path.iterdir():
        f.unlink()
    with pytest.raises(RuntimeError, match="first attempt"):
        clif.dask.map_population(flaky, 200.0, chunks=100, client=client, retries=0,
                                 **{**kw, "seed": 98})
