"""Closed forms of the LIF neuron, as NumPy ufuncs computed by the C core.

Every function broadcasts over all its arguments (the current and every
parameter), accepts ``out=``, takes any array-like (lists, float32, dask
arrays; results are float64), returns a float for scalar input, and runs
without the GIL.  Parameters are validated once per call by the core's
``clif_check_params``; bad ones raise ValueError naming the parameter and its
valid range.  A NaN current gives a NaN result, as NumPy would.

Units: ms, mV, nA, nF, MOhm; rates in Hz.
"""
import numpy as np

from clif import _closed_form as _cf
from clif.params import DEFAULTS, as_real, resolve

_E_L, _V_TH, _V_RESET, _T_REF = (DEFAULTS[k] for k in ("E_L", "V_th", "V_reset", "t_ref"))

_PARAMS_DOC = """tau_m : float or array_like, optional
        Membrane time constant [ms] (default 20; ``R_m * C_m`` if both given).
    C_m : float or array_like, optional
        Membrane capacitance [nF] (default 1).
    R_m : float or array_like, optional
        Membrane resistance [MOhm] (default ``tau_m / C_m``, i.e. 20).
    E_L : float or array_like, optional
        Resting potential [mV] (default -70).
    V_th : float or array_like, optional
        Threshold [mV] (default -50).
    V_reset : float or array_like, optional
        Reset potential [mV], < V_th (default -70).
    t_ref : float or array_like, optional
        Absolute refractory period [ms], >= 0 (default 2).
    out : ndarray, optional
        Where to write the result (float64, of the broadcast shape)."""


def _call(ufunc, name, first, params, out):
    try:
        return ufunc(first, *params, out=out)
    except TypeError as exc:
        # NumPy's message names the ufunc's loop, not the argument.
        as_real(name, first)
        raise exc


def _doc(f):
    f.__doc__ = f.__doc__.replace("{params}", _PARAMS_DOC)
    return f


@_doc
def isi(I, *, tau_m=None, C_m=None, R_m=None, E_L=_E_L, V_th=_V_TH, V_reset=_V_RESET,
        t_ref=_T_REF, out=None):
    """Interspike interval under constant current.

    ``T = t_ref + tau_m ln((V_inf - V_reset) / (V_inf - V_th))`` with
    ``V_inf = E_L + R_m I``; ``inf`` at or below rheobase.

    Parameters
    ----------
    I : float or array_like
        Constant input current [nA].
    {params}

    Returns
    -------
    float or ndarray
        The ISI [ms], ``inf`` where ``V_inf <= V_th``.

    Notes
    -----
    The log is evaluated as ``log1p((V_th - V_reset) / (V_inf - V_th))`` with
    ``V_inf - V_th`` formed by a fused multiply-add, so the result is good to
    a few ulp wherever the problem itself is well conditioned; just above
    rheobase the subtraction ``V_inf - V_th`` amplifies the ulp of ``V_inf``.

    Examples
    --------
    >>> import clif
    >>> round(clif.isi(2.0), 6)   # 20 ms, 20 MOhm, 2 nA: V_inf = -30 mV
    15.862944
    >>> clif.isi(1.0)             # exactly at rheobase
    inf
    """
    p = resolve(tau_m, C_m, R_m, E_L, V_th, V_reset, t_ref)
    return _call(_cf.isi, "I", I, p, out)


@_doc
def rate(I, *, tau_m=None, C_m=None, R_m=None, E_L=_E_L, V_th=_V_TH, V_reset=_V_RESET,
         t_ref=_T_REF, out=None):
    """Firing rate under constant current (the f-I curve).

    ``f = 1000 / T`` [Hz] with ``T`` the ISI in ms (see :func:`isi`); exactly
    0 at and below rheobase, always below the cap ``1000 / t_ref`` and
    tending to it as ``I`` grows (reached only for ``I = inf``).

    Parameters
    ----------
    I : float or array_like
        Constant input current [nA].
    {params}

    Returns
    -------
    float or ndarray
        Rate [Hz].

    Examples
    --------
    >>> import clif
    >>> round(clif.rate(2.0), 4)
    63.04
    >>> clif.rate([0.5, 1.0])
    array([0., 0.])
    """
    p = resolve(tau_m, C_m, R_m, E_L, V_th, V_reset, t_ref)
    return _call(_cf.rate, "I", I, p, out)


@_doc
def current_for_rate(f, *, tau_m=None, C_m=None, R_m=None, E_L=_E_L, V_th=_V_TH,
                     V_reset=_V_RESET, t_ref=_T_REF, out=None):
    """The inverse f-I curve: the constant current giving rate ``f``.

    ``I = (V_th - E_L + (V_th - V_reset) / expm1((1000/f - t_ref)/tau_m)) / R_m``.

    Parameters
    ----------
    f : float or array_like
        Target rate [Hz].
    {params}

    Returns
    -------
    float or ndarray
        Current [nA].  The rule at the edges: ``f == 0`` gives the rheobase
        (every current at or below it gives 0 Hz; the rheobase is the edge of
        that range), and rates that no current gives -- ``f < 0`` or
        ``f >= 1000 / t_ref`` -- and NaN give NaN, as NumPy does for values
        outside a function's domain.

    Examples
    --------
    >>> import clif
    >>> round(clif.current_for_rate(clif.rate(2.0)), 12)
    2.0
    """
    p = resolve(tau_m, C_m, R_m, E_L, V_th, V_reset, t_ref)
    return _call(_cf.current_for_rate, "f", f, p, out)


def rheobase(*, tau_m=None, C_m=None, R_m=None, E_L=_E_L, V_th=_V_TH, V_reset=_V_RESET,
             t_ref=_T_REF):
    """The rheobase current ``(V_th - E_L) / R_m`` [nA].

    Currents at or below it never make the neuron fire (``rate == 0``);
    any current above it does.  Parameters as for :func:`rate`; arrays
    broadcast.

    Examples
    --------
    >>> import clif
    >>> clif.rheobase()
    1.0
    """
    tau_m, R_m, E_L, V_th, _, _ = resolve(tau_m, C_m, R_m, E_L, V_th, V_reset, t_ref)
    res = (np.asarray(V_th) - E_L) / np.asarray(R_m)
    return float(res) if np.ndim(res) == 0 else res


def summation_peak(V1, dt, tau_m=DEFAULTS["tau_m"], *, out=None):
    """Peak depolarisation after two identical delta pulses (temporal summation).

    ``V1 (1 + exp(-dt / tau_m))``: the second pulse lands on what is left of
    the first.

    Parameters
    ----------
    V1 : float or array_like
        Size of each pulse [mV].
    dt : float or array_like
        Time between the pulses [ms], >= 0 (NaN for negative values).
    tau_m : float or array_like
        Membrane time constant [ms], > 0.
    out : ndarray, optional

    Returns
    -------
    float or ndarray
        Peak of V - E_L [mV] right after the second pulse.

    Examples
    --------
    >>> import clif
    >>> clif.summation_peak(5.0, 0.0)
    10.0
    """
    tau_m = as_real("tau_m", tau_m)
    if not np.all(np.isfinite(tau_m) & (np.asarray(tau_m) > 0)):
        raise ValueError(f"tau_m must be finite and > 0 (ms); got tau_m={tau_m!r}")
    return _call(_cf.summation_peak, "V1", V1, (dt, tau_m), out)


@_doc
def cutoff_frequency(I0, I_dc=0.0, *, tau_m=None, C_m=None, R_m=None, E_L=_E_L, V_th=_V_TH,
                     V_reset=_V_RESET, t_ref=_T_REF, out=None):
    """Steady-state cutoff frequency for sinusoidal input ``I_dc + I0 sin(2 pi f t)``.

    The membrane is a low-pass filter: in the steady state V oscillates
    around ``E_L + R_m I_dc`` with amplitude ``R_m |I0| / sqrt(1 + (w tau_m)^2)``.
    It reaches ``V_th`` for ``w <= w_max = sqrt((R_m I0 / (V_th - E_L - R_m I_dc))^2 - 1) / tau_m``.

    This is the *steady-state* cutoff.  A sine switched on at rest overshoots
    during its first cycle, so a neuron can fire a transient spike or two at
    frequencies somewhat above this value.

    Parameters
    ----------
    I0 : float or array_like
        Amplitude of the sinusoidal current [nA] (its sign does not matter).
    I_dc : float or array_like
        Constant offset current [nA].
    {params}

    Returns
    -------
    float or ndarray
        ``f_max = w_max / (2 pi)`` in Hz.  ``inf`` when ``I_dc`` alone is
        above rheobase (the neuron fires at any frequency); ``0`` when the
        neuron never reaches threshold in the steady state at any frequency
        (``R_m |I0| <= V_th - E_L - R_m I_dc``).

    Examples
    --------
    >>> import clif
    >>> round(clif.cutoff_frequency(2.0), 4)   # 20 mV margin, 40 mV amplitude
    13.7832
    """
    tau_m, R_m, E_L, V_th, _, _ = resolve(tau_m, C_m, R_m, E_L, V_th, V_reset, t_ref)
    return _call(_cf.cutoff_frequency, "I0", I0, (I_dc, tau_m, R_m, E_L, V_th), out)


@_doc
def free_potential(t, I=0.0, V0=None, *, tau_m=None, C_m=None, R_m=None, E_L=_E_L,
                   V_th=_V_TH, V_reset=_V_RESET, t_ref=_T_REF, out=None):
    """Membrane potential under constant current, ignoring the threshold.

    ``V(t) = V_inf + (V0 - V_inf) exp(-t / tau_m)``, ``V_inf = E_L + R_m I``
    (the charging RC circuit; computed with expm1 so small ``t`` is exact).

    Parameters
    ----------
    t : float or array_like
        Time since V was ``V0`` [ms].
    I : float or array_like
        Constant current [nA].
    V0 : float or array_like, optional
        Potential at ``t = 0`` [mV]; default ``E_L``.
    {params}

    Returns
    -------
    float or ndarray
        V(t) [mV].

    Examples
    --------
    >>> import clif, math
    >>> v = clif.free_potential(20.0, I=1.0)    # one tau_m, V_inf = -50 mV
    >>> math.isclose(v, -50.0 - 20.0 * math.exp(-1.0))
    True
    """
    tau_m, R_m, E_L, V_th, _, _ = resolve(tau_m, C_m, R_m, E_L, V_th, V_reset, t_ref)
    V0 = E_L if V0 is None else V0
    return _call(_cf.free_potential, "t", t, (I, V0, tau_m, R_m, E_L), out)
