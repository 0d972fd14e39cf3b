"""LIF parameters: defaults, the (tau_m, C_m, R_m) conversions, validation,
and the frozen parameter object :class:`LIF`.

Units: ms, mV, nA, nF, MOhm (``R_m * C_m = tau_m``, ``R_m * I = mV``).
"""
import math
import numbers
import warnings

import numpy as np

from clif import _common
from clif import _closed_form as _cf

#: PyNN-like defaults: R_m = 20 MOhm, so the rheobase is 1 nA.
DEFAULTS = {"tau_m": 20.0, "C_m": 1.0, "E_L": -70.0, "V_th": -50.0,
            "V_reset": -70.0, "t_ref": 2.0}

#: The order in which the C core takes a parameter set.
CORE_ORDER = ("tau_m", "R_m", "E_L", "V_th", "V_reset", "t_ref")


def as_real(name, x):
    """``x`` as a Python float (scalars) or a float64 array; TypeError naming
    ``name`` for anything that is not real numbers."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_)):
        return float(x)
    try:
        arr = np.asarray(x)
    except Exception as exc:  # e.g. ragged nested lists
        raise TypeError(f"{name} must be a real number or an array of them; "
                        f"got {type(x).__name__}") from exc
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be a real number or an array of them; "
                        f"got {type(x).__name__} of dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    return float(arr) if arr.ndim == 0 else arr


def as_int(name, x, lo, hi=None):
    """``x`` as a Python int in ``[lo, hi]``: TypeError naming ``name`` for
    anything that is not an integer (bools and integral floats included),
    ValueError with the range otherwise."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {type(x).__name__}")
    x = int(x)
    if x < lo or (hi is not None and x > hi):
        raise ValueError(f"{name} must lie in [{lo}, {hi if hi is not None else 'inf'}]; "
                         f"got {x}")
    return x


def as_indices(name, x, n, of="neurons"):
    """``x`` as a 1-D int64 array of indices in ``[0, n)`` (one rule for every
    index argument): a scalar is one index; TypeError for anything that is not
    integers (floats that are exactly integers pass: PyNN's connection lists
    hold them), IndexError naming the first index outside ``[0, n)``."""
    a = np.asarray(x)
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of indices; got shape {a.shape}")
    if a.size == 0:
        return np.zeros(0, dtype=np.int64)   # [] is float64 to NumPy
    if a.dtype.kind not in "iu" and not (
            a.dtype.kind == "f" and np.all(np.isfinite(a)) and np.all(a == np.round(a))):
        raise TypeError(f"{name} must be integer indices; got dtype {a.dtype}")
    if a.min() < 0 or a.max() >= n:
        bad = a[(a < 0) | (a >= n)][0]
        bad = int(bad) if np.isfinite(bad) else bad
        raise IndexError(f"{name} must lie in [0, {n}) ({of}); got {bad}")
    return a.astype(np.int64)


class _Unset:
    """The default of a renamed argument's old spelling: not passed."""

    def __repr__(self):
        return "<unset>"


#: Marks an old (deprecated) argument name the caller did not use.
UNSET = _Unset()


def renamed(new_name, new, old_name, old, *, default=None, stacklevel=3):
    """The value of an argument renamed from ``old_name`` to ``new_name``.

    The old spelling still works for one release, with a DeprecationWarning
    naming the new one; passing both is a TypeError.  ``new`` is the new
    argument's value, ``default`` what it is when not passed."""
    if old is UNSET:
        return new
    if not (new is default or (isinstance(new, str) and new == default)):
        raise TypeError(f"{old_name}= is the deprecated name of {new_name}=; pass only "
                        f"{new_name}")
    warnings.warn(f"{old_name}= is deprecated (it will be removed in the next release); "
                  f"use {new_name}=", DeprecationWarning, stacklevel=stacklevel)
    return old


def per_neuron(name, x, n, unit, lo=None):
    """``x`` (a scalar or length ``n``) as a contiguous float64 array of
    length ``n``: TypeError for non-numbers, ValueError naming ``name`` for
    another shape, a non-finite value or one below ``lo``."""
    a = np.asarray(as_real(name, x), dtype=np.float64)
    if a.ndim > 1 or (a.ndim == 1 and a.size not in (1, n)):
        raise ValueError(f"{name} must be a scalar or have length n={n}; got shape {a.shape}")
    ok = np.isfinite(a) & (a >= lo if lo is not None else True)
    if not np.all(ok):
        rng = "finite" + (f" and >= {lo:g}" if lo is not None else "")
        bad = float(a[~ok].flat[0])
        raise ValueError(f"{name} must be {rng} ({unit}); got {name}={bad!r}")
    return np.ascontiguousarray(np.broadcast_to(a, (n,)), dtype=np.float64)


#: The keys of a sine drive: I0 [nA], f [Hz], phase [rad], I_dc [nA].
SINE_KEYS = ("I0", "f", "phase", "I_dc")


def as_sine(sine, n):
    """A sine drive ``dict(I0=, f=, phase=0, I_dc=0)`` (each a scalar or per
    neuron) as four length-``n`` arrays ``(I0, f, phase, I_dc)``, the one
    rule of every simulator: TypeError for anything but a dict, ValueError
    for missing or unknown keys and for values out of range (f >= 0)."""
    if not isinstance(sine, dict):
        raise TypeError(f"sine must be a dict(I0=..., f=..., phase=0.0, I_dc=0.0); "
                        f"got {type(sine).__name__}")
    unknown = set(sine) - set(SINE_KEYS)
    if unknown or "I0" not in sine or "f" not in sine:
        raise ValueError(f"sine needs keys I0 [nA] and f [Hz], optional phase [rad] and I_dc "
                         f"[nA]; got {sorted(sine)}")
    return (per_neuron("sine['I0']", sine["I0"], n, "nA"),
            per_neuron("sine['f']", sine["f"], n, "Hz", lo=0.0),
            per_neuron("sine['phase']", sine.get("phase", 0.0), n, "rad"),
            per_neuron("sine['I_dc']", sine.get("I_dc", 0.0), n, "nA"))


#: The core's codes for what a pulse does during the dead time.
REFRACTORY_INPUT = {"drop": 0, "integrate": 1}


def refractory_code(refractory_input):
    """The core's code for ``refractory_input`` ('drop' or 'integrate')."""
    if not isinstance(refractory_input, str) or refractory_input not in REFRACTORY_INPUT:
        raise ValueError(f"refractory_input must be 'drop' or 'integrate'; "
                         f"got {refractory_input!r}")
    return REFRACTORY_INPUT[refractory_input]


#: The most threads one call may ask for (one policy for every simulator).
MAX_THREADS = 1024


def as_threads(n_threads):
    """``n_threads`` checked against ``[1, MAX_THREADS]``."""
    return as_int("n_threads", n_threads, 1, MAX_THREADS)


def _positive(name, x, unit):
    bad = ~(np.isfinite(x) & (np.asarray(x) > 0))
    if np.any(bad):
        val = float(x if np.ndim(x) == 0 else np.asarray(x)[bad].flat[0])
        raise ValueError(f"{name} must be finite and > 0 ({unit}); got {name}={val!r}")


def resolve(tau_m=None, C_m=None, R_m=None, E_L=DEFAULTS["E_L"], V_th=DEFAULTS["V_th"],
            V_reset=DEFAULTS["V_reset"], t_ref=DEFAULTS["t_ref"], validate=True):
    """Turn user keywords into the core's parameter tuple
    ``(tau_m, R_m, E_L, V_th, V_reset, t_ref)`` (floats or float64 arrays).

    Any two of ``tau_m``, ``C_m``, ``R_m`` fix the third (``tau_m = R_m C_m``);
    an unset ``tau_m`` defaults to 20 ms and an unset ``C_m`` to 1 nF.  All
    three given must agree to 1e-12 relative.  With ``validate`` every
    parameter set goes through the C core's ``clif_check_params``.
    """
    if tau_m is not None:
        tau_m = as_real("tau_m", tau_m)
    if C_m is not None:
        C_m = as_real("C_m", C_m)
        _positive("C_m", C_m, "nF")
    if R_m is not None:
        R_m = as_real("R_m", R_m)
    if tau_m is None:
        tau_m = R_m * C_m if (R_m is not None and C_m is not None) else DEFAULTS["tau_m"]
    elif R_m is not None and C_m is not None:
        if not np.allclose(tau_m, R_m * C_m, rtol=1e-12, atol=0.0):
            raise ValueError("tau_m, R_m and C_m were all given but tau_m != R_m * C_m; "
                             "give any two of them")
    if R_m is None:
        R_m = tau_m / (DEFAULTS["C_m"] if C_m is None else C_m)
    p = (tau_m, R_m, as_real("E_L", E_L), as_real("V_th", V_th),
         as_real("V_reset", V_reset), as_real("t_ref", t_ref))
    if validate:
        _common.check_params(*p)
    return p


class LIF:
    """A validated, immutable set of LIF parameters (scalars or per-neuron
    arrays) with the closed forms as methods.

    Parameters
    ----------
    tau_m : float or array_like, optional
        Membrane time constant [ms]; default 20, or ``R_m * C_m`` when both
        of those are given.
    C_m : float or array_like, optional
        Membrane capacitance [nF]; default 1.
    R_m : float or array_like, optional
        Membrane resistance [MOhm]; default ``tau_m / C_m``.
    E_L, V_th, V_reset : float or array_like
        Resting, threshold and reset potentials [mV]; ``V_reset < V_th``.
    t_ref : float or array_like
        Absolute refractory period [ms], >= 0.
    I_e : float or array_like
        Constant bias current [nA] (NEST's ``I_e``), added to the current
        given to the methods and used by the simulators.

    Examples
    --------
    >>> import clif
    >>> n = clif.LIF(tau_m=10.0)
    >>> round(n.rate(2.0), 3)
    128.624
    >>> n.R_m, n.C_m
    (10.0, 1.0)
    """

    __slots__ = ("tau_m", "R_m", "E_L", "V_th", "V_reset", "t_ref", "I_e")

    def __init__(self, tau_m=None, C_m=None, R_m=None, E_L=DEFAULTS["E_L"],
                 V_th=DEFAULTS["V_th"], V_reset=DEFAULTS["V_reset"],
                 t_ref=DEFAULTS["t_ref"], I_e=0.0):
        p = resolve(tau_m, C_m, R_m, E_L, V_th, V_reset, t_ref)
        I_e = as_real("I_e", I_e)
        if not np.all(np.isfinite(I_e)):
            raise ValueError(f"I_e must be finite (nA); got I_e={I_e!r}")
        for name, value in zip(CORE_ORDER + ("I_e",), p + (I_e,)):
            if isinstance(value, np.ndarray):
                value = value.copy()
                value.setflags(write=False)
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise AttributeError("LIF parameters are immutable; use .replace(**changes)")

    def __reduce__(self):
        # The default pickling of __slots__ goes through the refused
        # __setattr__.  tau_m and R_m are what is stored: rebuilt from both
        # they come back as the same floats.
        return (LIF, (self.tau_m, None, self.R_m, self.E_L, self.V_th, self.V_reset,
                      self.t_ref, self.I_e))

    @classmethod
    def from_rc(cls, R_m, C_m, **kwargs):
        """Build from membrane resistance [MOhm] and capacitance [nF]
        (``tau_m = R_m C_m`` [ms])."""
        return cls(R_m=R_m, C_m=C_m, **kwargs)

    @property
    def C_m(self):
        """Membrane capacitance [nF], ``tau_m / R_m``."""
        return self.tau_m / self.R_m

    @property
    def core(self):
        """The parameter tuple in the C core's order."""
        return (self.tau_m, self.R_m, self.E_L, self.V_th, self.V_reset, self.t_ref)

    def params(self):
        """All parameters as a dict (with ``C_m``; ready for ``LIF(**d)``
        after dropping either ``C_m`` or ``R_m``)."""
        d = dict(zip(CORE_ORDER, self.core))
        d["C_m"] = self.C_m
        d["I_e"] = self.I_e
        return d

    def replace(self, **changes):
        """A copy with some parameters changed (``tau_m`` changes keep
        ``R_m``; give ``C_m`` to keep the capacitance instead)."""
        d = {k: getattr(self, k) for k in self.__slots__}
        if "C_m" in changes and "R_m" not in changes:
            d.pop("R_m")
        d.update(changes)
        return LIF(**d)

    def __repr__(self):
        body = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.__slots__)
        return f"LIF({body})"

    def __eq__(self, other):
        if not isinstance(other, LIF):
            return NotImplemented
        return all(np.array_equal(getattr(self, k), getattr(other, k)) for k in self.__slots__)

    __hash__ = None

    @property
    def n(self):
        """Number of neurons the parameter arrays describe (1 for scalars)."""
        shapes = [np.shape(getattr(self, k)) for k in self.__slots__]
        return int(np.prod(np.broadcast_shapes(*shapes)))

    # The methods skip validation: it happened once, in __init__.
    def rate(self, I=0.0, out=None):
        """Firing rate [Hz] at total current ``I_e + I`` [nA]; see :func:`clif.rate`."""
        return _cf.rate(np.add(I, self.I_e), *self.core, out=out)

    def isi(self, I=0.0, out=None):
        """Interspike interval [ms] at ``I_e + I`` [nA]; see :func:`clif.isi`."""
        return _cf.isi(np.add(I, self.I_e), *self.core, out=out)

    def rheobase(self):
        """The smallest total current [nA] that makes the neuron fire, exclusive."""
        return (np.asarray(self.V_th) - self.E_L) / np.asarray(self.R_m) + 0.0

    def current_for_rate(self, f, out=None):
        """Total current [nA] for rate ``f`` [Hz]; see :func:`clif.current_for_rate`."""
        return _cf.current_for_rate(f, *self.core, out=out)

    def cutoff_frequency(self, I0, I_dc=0.0, out=None):
        """Steady-state sinusoidal cutoff [Hz] of ``I_dc + I_e + I0 sin``;
        see :func:`clif.cutoff_frequency`."""
        return _cf.cutoff_frequency(I0, np.add(I_dc, self.I_e), self.tau_m, self.R_m,
                                    self.E_L, self.V_th, out=out)

    def free_potential(self, t, I=0.0, V0=None, out=None):
        """V(t) [mV] under constant ``I_e + I`` from ``V0`` (default E_L),
        threshold ignored; see :func:`clif.free_potential`."""
        V0 = self.E_L if V0 is None else V0
        return _cf.free_potential(t, np.add(I, self.I_e), V0, self.tau_m, self.R_m, self.E_L,
                                  out=out)

    def summation_peak(self, V1, dt, out=None):
        """Peak [mV above rest] of two EPSPs of size V1 dt ms apart."""
        return _cf.summation_peak(V1, dt, self.tau_m, out=out)


#: Largest population a single call accepts: beyond this the per-neuron
#: arrays alone would not fit in memory, so it is a mistake, not a job.
MAX_NEURONS = 2**31 - 1


def memory_bound():
    """The most bytes one call may ask for up front: this machine's physical
    memory (``CLIF_MAX_BYTES`` overrides it; 2**40 where it is unknown)."""
    import os
    env = os.environ.get("CLIF_MAX_BYTES")
    if env:
        return int(env)
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2**40


def default_max_spikes():
    """The ``max_spikes`` every simulator uses when given None: about 1/128
    of :func:`memory_bound` in spikes (16 bytes each in the result, about
    four times that while they are gathered and sorted), within
    ``[10**6, 10**9]``.  One policy for simulate, simulate_noisy, the
    population objects, Network and the Dask sweeps (docs/errors.md)."""
    return int(max(10**6, min(10**9, memory_bound() // 128)))


def as_max_spikes(max_spikes):
    """``max_spikes`` as an int >= 0, None meaning :func:`default_max_spikes`."""
    if max_spikes is None:
        return default_max_spikes()
    return as_int("max_spikes", max_spikes, 0)


def check_bytes(name, nbytes, what):
    """ValueError naming ``name`` when an allocation of ``nbytes`` (``what``
    says for what) exceeds :func:`memory_bound`: a clear message before a
    bare numpy MemoryError, or swapping, for PiB asked by a small input."""
    bound = memory_bound()
    if not nbytes <= bound:
        raise ValueError(f"{name}: {what} needs {_fmt_bytes(nbytes)}, more than the bound of "
                         f"{_fmt_bytes(bound)} (this machine's memory, or CLIF_MAX_BYTES)")


def _fmt_bytes(b):
    b = float(b)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if b < 1024.0 or unit == "PiB":
            return f"{b:.3g} {unit}" if unit != "B" else f"{b:.0f} B"
        b /= 1024.0


#: Bytes a simulation holds per neuron (7 parameters, up to 8 state columns,
#: offsets and per-neuron counters, float64/intp): an up-front estimate.
_BYTES_PER_NEURON = 8 * 24


_SCALAR_KEYS = frozenset(("tau_m", "C_m", "R_m", "E_L", "V_th", "V_reset", "t_ref"))


def _population_scalars(n, I_e, params):
    """The common small call: every parameter a Python float (or absent).
    Returns None to fall back to the general path (which also produces the
    error messages)."""
    for v in params.values():
        if v.__class__ is not float:
            return None
    I_e = 0.0 if I_e is None else I_e
    if not params.keys() <= _SCALAR_KEYS or not math.isfinite(I_e):
        return None
    if n is None:
        n = 1
    elif not 1 <= n <= MAX_NEURONS:
        return None
    check_bytes("n", n * _BYTES_PER_NEURON, f"{n} neurons")
    core = resolve(**params)
    # One block, one row per parameter: rows are C-contiguous float64 views.
    block = np.empty((7, n))
    block[:, :] = np.array(core + (I_e,))[:, None]
    return n, dict(zip(CORE_ORDER + ("I_e",), block))


def population(n=None, neuron=None, I_e=None, **params):
    """Per-neuron parameter arrays for a simulator call.

    Parameters
    ----------
    n : int, optional
        Number of neurons.  Default: the size the parameter arrays broadcast
        to (1 for all scalars).
    neuron : LIF, optional
        A parameter object; mutually exclusive with the keyword parameters.
    I_e : float or array_like, optional
        Bias current [nA]; overrides ``neuron.I_e``.  Default 0.
    **params
        ``tau_m, C_m, R_m, E_L, V_th, V_reset, t_ref`` as for :class:`LIF`.

    Returns
    -------
    n : int
    arrays : dict
        ``tau_m, R_m, E_L, V_th, V_reset, t_ref, I_e``, each a C-contiguous
        float64 array of length n (validated).
    """
    if neuron is None and (I_e is None or I_e.__class__ is float) and (n is None or n.__class__ is int):
        fast = _population_scalars(n, I_e, params)
        if fast is not None:
            return fast
    if neuron is not None:
        if params:
            raise TypeError("give either neuron=LIF(...) or parameter keywords, not both "
                            f"(got {sorted(params)})")
        if not isinstance(neuron, LIF):
            raise TypeError(f"neuron must be a clif.LIF; got {type(neuron).__name__}")
        core = neuron.core
        if I_e is None:
            I_e = neuron.I_e
    else:
        unknown = set(params) - {"tau_m", "C_m", "R_m", "E_L", "V_th", "V_reset", "t_ref"}
        if unknown:
            raise TypeError(f"unknown parameter(s) {sorted(unknown)}; valid: tau_m, C_m, R_m, "
                            "E_L, V_th, V_reset, t_ref, I_e")
        core = resolve(**params)
    I_e = as_real("I_e", 0.0 if I_e is None else I_e)
    if not np.all(np.isfinite(I_e)):
        raise ValueError("I_e must be finite (nA)")
    values = core + (I_e,)
    shape = np.broadcast_shapes(*[np.shape(v) for v in values])
    if len(shape) > 1:
        raise ValueError(f"per-neuron parameters must be scalars or 1-D arrays; got shape {shape}")
    size = shape[0] if shape else None
    if n is None:
        n = 1 if size is None else size
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (numbers.Integral,)):
        raise TypeError(f"n must be an int; got {type(n).__name__}")
    n = int(n)
    if not 1 <= n <= MAX_NEURONS:
        raise ValueError(f"n must lie in [1, {MAX_NEURONS}]; got {n}")
    check_bytes("n", n * _BYTES_PER_NEURON, f"{n} neurons")
    if size is not None and size not in (1, n):
        raise ValueError(f"per-neuron parameters have length {size} but n = {n}")
    names = CORE_ORDER + ("I_e",)
    arrays = {k: np.ascontiguousarray(np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)))
              for k, v in zip(names, values)}
    return n, arrays
