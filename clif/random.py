"""clif's counter-based generator (Philox4x32-10 + ziggurat), from Python.

Number ``k`` of stream ``s`` under ``seed`` is a pure function of
``(seed, s, k)``: arrays can be filled in any pieces, in any order.  The
noise of neuron ``g`` (global index) at grid step ``k`` in
:func:`clif.simulate_noisy` is ``normal(1, seed, stream=g, start=k)[0]``.
"""
import numbers

import numpy as np

from clif import _noise

#: Stream positions must stay below this (2**52).
INDEX_LIMIT = _noise.INDEX_LIMIT


def resolve_seed(seed):
    """The 64-bit integer seed a run uses.

    Parameters
    ----------
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator
        ``None`` draws fresh OS entropy; an int in ``[0, 2**64)`` is used as
        it is; a SeedSequence gives its first 64-bit word; a Generator gives
        one 64-bit draw (advancing it).

    Returns
    -------
    int
    """
    if seed is None:
        seed = np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.generate_state(1, np.uint64)[0])
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**64, dtype=np.uint64))
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError("seed must be None, an int, a numpy SeedSequence or Generator; "
                        f"got {type(seed).__name__}")
    seed = int(seed)
    if not 0 <= seed < 2**64:
        raise ValueError(f"seed must lie in [0, 2**64); got {seed}")
    return seed


def _args(size, stream, start):
    for name, v in (("size", size), ("stream", stream), ("start", start)):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{name} must be an int; got {type(v).__name__}")
    size, stream, start = int(size), int(stream), int(start)
    if not 0 <= stream < 2**64:
        raise ValueError(f"stream must lie in [0, 2**64); got {stream}")
    if not (0 <= start and 0 <= size and start + size <= INDEX_LIMIT):
        raise ValueError(f"need size >= 0, start >= 0 and start + size <= 2**52; "
                         f"got size={size}, start={start}")
    return size, stream, start


def _fill(kind, size, seed, stream, start):
    if seed is None:
        raise TypeError("seed is required (an int, SeedSequence or Generator)")
    size, stream, start = _args(size, stream, start)
    return _noise.rng_fill(kind, resolve_seed(seed), stream, start, size)


def normal(size, seed, stream=0, start=0):
    """Standard normal numbers ``start .. start+size-1`` of a stream.

    Parameters
    ----------
    size : int
    seed : int, SeedSequence or Generator
        See :func:`resolve_seed` (None is refused here: the numbers would
        not be reproducible).
    stream : int, optional
        Stream index in ``[0, 2**64)`` (the simulators use the neuron's
        global index).
    start : int, optional
        Position of the first number.

    Returns
    -------
    ndarray of float64
    """
    return _fill("normal", size, seed, stream, start)


def uniform(size, seed, stream=0, start=0):
    """Uniform numbers on (0, 1), midpoints of a 2**-53 grid; as :func:`normal`."""
    return _fill("uniform", size, seed, stream, start)


def exponential(size, seed, stream=0, start=0):
    """Unit-rate exponential numbers ``start .. start+size-1`` of a stream.

    Number ``k`` is ``-log(u)`` for ``u = uniform(1, seed, stream, start=k)[0]``:
    the exponential variates of the uniform stream, not a stream of their
    own.  They are the inter-event intervals (in units of ``1 / rate``) of
    the external Poisson input of the network simulator, so a neuron's
    input train can be reproduced outside a run (see
    :mod:`clif.network`).

    Parameters
    ----------
    size : int
    seed : int, SeedSequence or Generator
        See :func:`resolve_seed` (None is refused here: the numbers would
        not be reproducible).
    stream : int, optional
        Stream index in ``[0, 2**64)``.
    start : int, optional
        Position of the first number; ``start + size <= 2**52``.

    Returns
    -------
    ndarray of float64
        Values in ``[0, 37.5]`` (u lies in ``[2**-54, 1]``; ``u == 1``, of
        probability ``2**-53``, gives ``+0.0``).

    Notes
    -----
    The logarithm is clif's own, vectorised (AVX-512, AVX2+FMA or portable
    C, chosen at run time), with the same bits on every path and machine;
    each value is within 1 ulp of the correctly rounded ``-log(u)`` (it may
    differ from ``-np.log(u)`` in the last bit).
    """
    return _fill("exponential", size, seed, stream, start)


def philox4x32_10(counter, key):
    """The raw Philox4x32-10 bijection (Random123-compatible): 4 uint32
    counter words and 2 key words -> 4 uint32 words."""
    counter = [int(c) for c in counter]
    key = [int(k) for k in key]
    if len(counter) != 4 or len(key) != 2 or any(not 0 <= v < 2**32 for v in counter + key):
        raise ValueError("counter must be 4 and key 2 integers in [0, 2**32)")
    return _noise.philox4x32_10(counter, key)
