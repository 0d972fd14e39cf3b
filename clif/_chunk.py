"""Cutting a simulator call into neuron ranges.

``neuron_slice(kwargs, n, a, b)`` turns the keyword arguments of a
``clif.simulate`` / ``clif.simulate_noisy`` call for ``n`` neurons into those
of the call for neurons ``[a, b)`` alone.  Run with ``neuron_offset`` set to
the range's global start, each piece gives exactly the spikes those neurons
have in the whole call (the exact simulator's neurons are independent; the
noisy one keys its random numbers by global neuron index), so the pieces can
run anywhere and be joined with :meth:`clif.Spikes.concatenate`.
"""
import numbers

import numpy as np

from clif.params import LIF, as_indices

#: Keywords that are a scalar (shared) or one value per neuron.
PER_NEURON = ("tau_m", "C_m", "R_m", "E_L", "V_th", "V_reset", "t_ref", "I_e", "V0", "sigma")


def bounds(n, chunks):
    """Start and end of each chunk: ``[(a0, b0), (a1, b1), ...]``.

    Parameters
    ----------
    n : int
        Number of items (neurons or grid points), >= 1.
    chunks : int or sequence of int
        Items per chunk (the last one takes the rest), or every chunk's size
        (positive, summing to ``n``), as dask's ``chunks``.
    """
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n must be an int >= 1; got {n!r}")
    if isinstance(chunks, (bool, np.bool_)):
        raise TypeError("chunks must be an int or a sequence of ints")
    if isinstance(chunks, numbers.Integral):
        if chunks < 1:
            raise ValueError(f"chunks must be >= 1; got {chunks}")
        starts = range(0, n, int(chunks))
        return [(a, min(a + int(chunks), n)) for a in starts]
    try:
        sizes = [int(c) if isinstance(c, numbers.Integral) and not isinstance(c, bool)
                 else None for c in chunks]
    except TypeError:
        raise TypeError(f"chunks must be an int or a sequence of ints; got "
                        f"{type(chunks).__name__}") from None
    if not sizes or None in sizes or min(sizes) < 1 or sum(sizes) != n:
        raise ValueError(f"chunk sizes must be ints >= 1 summing to n={n}; got {chunks!r}")
    ends = np.cumsum(sizes).tolist()
    return list(zip([0] + ends[:-1], ends))


def _per_neuron(name, x, n, a, b):
    if np.ndim(x) == 0:
        return x
    arr = np.asarray(x)
    if arr.ndim != 1 or arr.shape[0] not in (1, n):
        raise ValueError(f"{name} must be a scalar or have length n={n}; got shape "
                         f"{arr.shape}")
    return arr if arr.shape[0] == 1 else arr[a:b]


def neuron_slice(kwargs, n, a, b):
    """The keyword arguments of a call for ``n`` neurons, cut to ``[a, b)``.

    Per-neuron arrays (parameters, ``V0``, ``sigma``, per-neuron columns of
    ``current`` values, ``sine`` entries, a :class:`clif.LIF`'s arrays) are
    sliced; ``pulses`` keep the ones aimed at the range, retargeted to local
    indices in their original order (equal-time pulses add up in that order);
    ``record_V`` keeps the range's neurons, local.  Everything else passes
    through.  ``n`` and ``neuron_offset`` are the caller's to set.

    Raises
    ------
    ValueError
        A per-neuron array whose length is neither 1 nor ``n``, or pulse
        targets / record_V indices outside ``[0, n)``.
    """
    out = dict(kwargs)
    for key in PER_NEURON:
        if key in out and out[key] is not None:
            out[key] = _per_neuron(key, out[key], n, a, b)
    neuron = out.get("neuron")
    if isinstance(neuron, LIF):
        # tau_m and R_m are what LIF stores (C_m is derived): rebuilt from
        # slices they are the same floats, so the chunk sees the same bits.
        out["neuron"] = LIF(**{k: _per_neuron(f"neuron.{k}", getattr(neuron, k), n, a, b)
                               for k in LIF.__slots__})
    sine = out.get("sine")
    if isinstance(sine, dict):
        out["sine"] = {k: _per_neuron(f"sine[{k!r}]", v, n, a, b) for k, v in sine.items()}
    current = out.get("current")
    if isinstance(current, (tuple, list)) and len(current) == 2 and np.ndim(current[1]) == 2:
        values = np.asarray(current[1])
        if values.shape[1] != n:
            raise ValueError(f"current values must have shape (k,) or (k, n={n}); got "
                             f"{values.shape}")
        out["current"] = (current[0], values[:, a:b])
    pulses = out.get("pulses")
    if pulses is not None:
        if not (isinstance(pulses, (tuple, list)) and len(pulses) == 3):
            raise TypeError("pulses must be a triple (times, targets, weights)")
        times, weights = np.asarray(pulses[0]).reshape(-1), np.asarray(pulses[2]).reshape(-1)
        targets = as_indices("pulse targets", pulses[1], n)
        if not times.size == targets.size == weights.size:
            raise ValueError(f"pulse times, targets and weights must have the same length; "
                             f"got {times.size}, {targets.size}, {weights.size}")
        keep = (targets >= a) & (targets < b)
        out["pulses"] = (times[keep], targets[keep] - a, weights[keep])
    for key in ("record_V", "record"):   # record: record_V's deprecated name
        if out.get(key) is not None:
            rec = as_indices(key, out[key], n)
            out[key] = rec[(rec >= a) & (rec < b)] - a
    return out
