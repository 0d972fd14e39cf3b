"""Running clif on Dask: one population or one parameter grid, cut into
chunks that run as Dask tasks on a laptop or a cluster, with the same bits.

``clif.dask.simulate`` and ``clif.dask.simulate_noisy`` take the arguments of
:func:`clif.simulate` and :func:`clif.simulate_noisy` plus ``chunks`` and an
optional ``client``, and return the :class:`clif.Spikes` that the one-process
call returns, bit for bit:

- the exact simulator's neurons are independent, so a neuron range run
  alone fires exactly as it does inside the population;
- the noisy simulator draws neuron ``g``'s number at step ``k`` from a
  counter-based generator keyed by ``(seed, g)``, where ``g`` is the global
  neuron index (``neuron_offset`` plus the local one), so a chunk run with
  its own ``neuron_offset`` draws the same numbers wherever it runs.  The
  seed is resolved once, here, and sent to every chunk.

:func:`sweep` evaluates a vectorised function over a parameter grid in chunks
of grid points, optionally giving each point its own seed derived from one
root seed (see :func:`trial_seeds`).

Without a ``client`` the tasks go to Dask's current scheduler: the default
``dask.distributed.Client`` if one exists, else the local threaded
scheduler (the C kernels release the GIL).

Dask is an optional dependency (``pip install clif[dask]``): ``import
clif.dask`` raises ImportError saying so when it is missing, and ``import
clif`` never imports this module.
"""
import numbers

import numpy as np

import clif
from clif import _chunk
from clif._common import SpikeLimitError
from clif.params import as_max_spikes
from clif.random import resolve_seed
from clif.spikes import Spikes

try:
    import dask
    import dask.diagnostics
except ImportError as _exc:
    raise ImportError("clif.dask needs dask (and distributed for clusters): "
                      "pip install clif[dask]") from _exc


def _default_client():
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:  # no client running
        return None


def _compute(tasks, client, progress, retries):
    """Results of a list of ``dask.delayed`` tasks, in order."""
    if isinstance(retries, (bool, np.bool_)) or not isinstance(retries, numbers.Integral) \
            or retries < 0:
        raise ValueError(f"retries must be an int >= 0; got {retries!r}")
    if client is None:
        client = _default_client()
    if client is not None:
        futures = client.compute(tasks, retries=int(retries))
        if progress:
            from distributed import progress as _progress
            with client.as_current():  # progress looks for the default client
                _progress(futures)
        return client.gather(futures)
    # The local schedulers run a failed task once: it raises at once.
    if progress:
        with dask.diagnostics.ProgressBar():
            return list(dask.compute(*tasks))
    return list(dask.compute(*tasks))


def _run_chunk(fn, t_stop, kwargs):
    sp = fn(t_stop, **kwargs)
    sp.state = None  # the chunk's resumable state stays on the worker
    return sp


def map_population(fn, t_stop, *, n, chunks, client=None, progress=False, retries=0,
                   neuron_offset=0, **kwargs):
    """Run a simulator on neuron chunks as Dask tasks and join the spikes.

    Chunk ``[a, b)`` runs ``fn(t_stop, n=b - a, neuron_offset=neuron_offset
    + a, **kwargs_for_a_to_b)``, its per-neuron arguments cut by
    :func:`clif._chunk.neuron_slice` (parameters, ``V0``, ``sigma``,
    ``current`` columns, ``sine`` entries, ``pulses`` targets, ``record_V``).

    Parameters
    ----------
    fn : callable
        :func:`clif.simulate`, :func:`clif.simulate_noisy`, or a function
        with their signature returning :class:`clif.Spikes`; it must be
        importable (or picklable by value) on the workers.
    t_stop : float
        End of the simulation [ms].
    n : int
        Number of neurons in the whole population.
    chunks : int or sequence of int
        Neurons per task (the last takes the rest), or every task's size
        (summing to ``n``).  See docs/scale-out.md for guidance.
    client : distributed.Client, optional
        Where to run; default Dask's current scheduler.
    progress : bool, optional
        Show Dask's progress bar (``distributed.progress`` with a client,
        ``dask.diagnostics.ProgressBar`` otherwise).
    retries : int, optional
        Times a failed task is re-run (distributed scheduler only); a rerun
        gives the same spikes.
    neuron_offset : int, optional
        Global index of neuron 0 of the whole population.
    **kwargs
        The rest of ``fn``'s arguments, for the whole population.

    Returns
    -------
    clif.Spikes
        Equal (``==``, bit for bit) to ``fn(t_stop, n=n, ...)`` in one
        process, ``seed`` and ``extra`` (``V`` traces joined) included;
        ``state`` is None (each chunk's state stays on its worker).

    Raises
    ------
    ValueError
        ``chunks`` not positive or not summing to ``n``; per-neuron arrays
        whose length is not 1 or ``n``; pulse targets or record_V indices
        outside ``[0, n)``.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable; got {type(fn).__name__}")
    if isinstance(neuron_offset, (bool, np.bool_)) or not isinstance(
            neuron_offset, numbers.Integral) or neuron_offset < 0:
        raise ValueError(f"neuron_offset must be an int >= 0; got {neuron_offset!r}")
    parts = _chunk.bounds(n, chunks)
    run = dask.delayed(_run_chunk, pure=True)
    tasks = []
    for a, b in parts:
        kw = _chunk.neuron_slice(kwargs, n, a, b)
        kw.update(n=b - a, neuron_offset=int(neuron_offset) + a)
        tasks.append(run(fn, t_stop, kw))
    results = _compute(tasks, client, progress, retries)
    out = Spikes.concatenate(results, offsets=[a for a, _ in parts])
    record_V = kwargs.get("record_V", kwargs.get("record"))
    out.extra = _join_extra(results, parts, record_V, n, neuron_offset)
    # The same default as the one-process call (the spikes all land here).
    max_spikes = as_max_spikes(kwargs.get("max_spikes"))
    if len(out) > max_spikes:
        # Each chunk kept within the limit; the whole run did not.  Raise
        # what the one-process call would have raised.
        raise SpikeLimitError(0, f"the run produces more than max_spikes={max_spikes} "
                              f"spikes ({len(out)}); raise max_spikes, or simulate fewer "
                              "neurons or a shorter time")
    return out


def _join_extra(results, parts, record_V, n, neuron_offset):
    extra = {}
    for r in results:  # shared entries (sample times) from any chunk
        extra.update({k: v for k, v in r.extra.items() if k != "V"})
    if "neuron_offset" in extra:
        extra["neuron_offset"] = int(neuron_offset)
    traces = [r.extra["V"] for r in results if "V" in r.extra]
    if traces:
        V = np.concatenate(traces, axis=1)
        if record_V is not None:
            # Chunks return their recorded neurons in record_V order, chunk
            # by chunk: undo that grouping to get the caller's order back.
            rec = np.asarray(record_V, dtype=np.int64).reshape(-1)
            chunk_of = np.searchsorted([b for _, b in parts], rec, side="right")
            order = np.argsort(chunk_of, kind="stable")
            full = np.empty_like(V)
            full[:, order] = V
            V = full
        extra["V"] = V
    return extra


def simulate(t_stop, *, n, chunks, client=None, progress=False, retries=0, **kwargs):
    """:func:`clif.simulate` on Dask: the same spikes, computed in chunks.

    Parameters
    ----------
    t_stop : float
        End of the simulation [ms].
    n : int
        Number of neurons.
    chunks, client, progress, retries
        As :func:`map_population`.
    **kwargs
        Any argument of :func:`clif.simulate` (per-neuron arrays of length
        ``n``, ``pulses`` with global targets, ...).

    Returns
    -------
    clif.Spikes
        Equal to ``clif.simulate(t_stop, n=n, **kwargs)``.

    Examples
    --------
    >>> import numpy as np, clif, clif.dask
    >>> I = np.linspace(0.5, 3.0, 1000)
    >>> s = clif.dask.simulate(500.0, n=1000, chunks=250, I_e=I)
    >>> s == clif.simulate(500.0, n=1000, I_e=I)
    True
    """
    return map_population(clif.simulate, t_stop, n=n, chunks=chunks, client=client,
                          progress=progress, retries=retries, **kwargs)


def simulate_noisy(t_stop, *, sigma, n, chunks, seed=None, client=None, progress=False,
                   retries=0, **kwargs):
    """:func:`clif.simulate_noisy` on Dask: the same spikes, computed in chunks.

    Parameters
    ----------
    t_stop : float
        Duration [ms], a multiple of ``dt``.
    sigma : float or array_like
        Noise amplitude [mV], scalar or per neuron.
    n : int
        Number of neurons.
    chunks, client, progress, retries
        As :func:`map_population`.
    seed : None, int, SeedSequence or Generator
        Resolved once, here (:func:`clif.random.resolve_seed`); every chunk
        uses that int, returned as ``.seed``.
    **kwargs
        Any other argument of :func:`clif.simulate_noisy`.

    Returns
    -------
    clif.Spikes
        Equal to ``clif.simulate_noisy(t_stop, sigma=sigma, n=n,
        seed=result.seed, **kwargs)``.

    Examples
    --------
    >>> import clif, clif.dask
    >>> s = clif.dask.simulate_noisy(200.0, sigma=5.0, n=600, chunks=200, I_e=0.9, seed=7)
    >>> s == clif.simulate_noisy(200.0, sigma=5.0, n=600, I_e=0.9, seed=7)
    True
    """
    return map_population(clif.simulate_noisy, t_stop, n=n, chunks=chunks, client=client,
                          progress=progress, retries=retries, sigma=sigma,
                          seed=resolve_seed(seed), **kwargs)


def trial_seeds(seed, count, start=0):
    """Per-trial seeds derived from one root seed.

    Trial ``k`` gets ``clif.random.resolve_seed(child_k)``, where ``child_k``
    is the ``k``-th child of the root ``SeedSequence``:
    ``np.random.SeedSequence(seed).spawn(count)[k]`` for an int ``seed``
    (NumPy's recipe for independent parallel streams).  A trial's seed
    depends only on ``(seed, k)``, not on the chunking.

    Parameters
    ----------
    seed : int or numpy.random.SeedSequence
        The root.  (A SeedSequence's already spawned children are not
        skipped: child ``k`` has spawn key ``root.spawn_key + (k,)``.)
    count : int
        Number of seeds.
    start : int, optional
        Index of the first trial.

    Returns
    -------
    ndarray of uint64, shape (count,)
    """
    for name, v in (("count", count), ("start", start)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < 0:
            raise ValueError(f"{name} must be an int >= 0; got {v!r}")
    root = _root(seed)
    return _child_seeds(root.entropy, root.spawn_key, root.pool_size, start, start + count)


def _root(seed):
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None or isinstance(seed, np.random.Generator):
        raise TypeError("seed must be an int or a numpy SeedSequence (a root others can "
                        "repeat)")
    return np.random.SeedSequence(resolve_seed(seed))


def _child_seeds(entropy, spawn_key, pool_size, a, b):
    return np.array([np.random.SeedSequence(entropy, spawn_key=tuple(spawn_key) + (k,),
                                            pool_size=pool_size).generate_state(1, np.uint64)[0]
                     for k in range(a, b)], dtype=np.uint64)


def _sweep_chunk(fn, points, seeds, a, b):
    kw = dict(points)
    if seeds is not None:
        kw["seed"] = _child_seeds(*seeds, a, b)
    out = np.asarray(fn(**kw))
    if out.ndim == 0 or out.shape[0] != b - a:
        raise ValueError(f"sweep: fn must return one row per grid point; got shape "
                         f"{out.shape} for {b - a} points")
    return out


def sweep(fn, grid, *, chunks, client=None, seed=None, progress=False, retries=0):
    """Evaluate a vectorised function over a parameter grid, in Dask tasks.

    The grid is the outer product of ``grid``'s 1-D arrays (``ij`` order,
    as ``np.meshgrid(..., indexing="ij")``), flattened and cut into chunks of
    points; each chunk calls ``fn(**{name: values at its points})`` once.

    Parameters
    ----------
    fn : callable
        Takes the grid's names as keywords (1-D arrays, one entry per point)
        and returns an array whose first axis runs over those points.  It
        must be importable or picklable by value on the workers.
    grid : dict of str -> 1-D array_like
        Parameter values along each axis, e.g. ``{"I": I, "sigma": s}``.
    chunks : int or sequence of int
        Grid points per task.
    client, progress, retries
        As :func:`map_population`.
    seed : int or numpy.random.SeedSequence, optional
        If given, ``fn`` also gets ``seed=``: a uint64 array, point ``k``'s
        (flat index) seed being ``trial_seeds(seed, N)[k]``, independent of
        the chunking.

    Returns
    -------
    ndarray
        Shape ``grid shape + fn's trailing shape``.

    Examples
    --------
    >>> import numpy as np, clif, clif.dask
    >>> r = clif.dask.sweep(clif.siegert_rate, {"I": np.linspace(0.5, 1.5, 5),
    ...                     "sigma": [1.0, 5.0]}, chunks=4)
    >>> r.shape
    (5, 2)
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable; got {type(fn).__name__}")
    if not isinstance(grid, dict) or not grid:
        raise TypeError("grid must be a non-empty dict of name -> 1-D array")
    axes = {}
    for name, values in grid.items():
        v = np.asarray(values)
        if v.ndim != 1 or v.size == 0:
            raise ValueError(f"grid[{name!r}] must be a non-empty 1-D array; got shape "
                             f"{v.shape}")
        axes[name] = v
    shape = tuple(v.size for v in axes.values())
    flat = {k: g.reshape(-1) for k, g in zip(axes, np.meshgrid(*axes.values(),
                                                                indexing="ij"))}
    total = int(np.prod(shape))
    seeds = None
    if seed is not None:
        root = _root(seed)
        seeds = (root.entropy, root.spawn_key, root.pool_size)
    run = dask.delayed(_sweep_chunk, pure=True)
    tasks = [run(fn, {k: v[a:b] for k, v in flat.items()}, seeds, a, b)
             for a, b in _chunk.bounds(total, chunks)]
    results = _compute(tasks, client, progress, retries)
    out = np.concatenate(results, axis=0)
    return out.reshape(shape + out.shape[1:])
