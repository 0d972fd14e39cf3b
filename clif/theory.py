"""Diffusion-approximation theory of the LIF neuron with white noise, and
stochastic resonance from simulation.

Convention (DESIGN.md): ``tau_m dV = (-(V - E_L) + R_m I) dt + sigma
sqrt(tau_m) dW``, ``mu = E_L + R_m I``; the free membrane's SD is
``sigma / sqrt(2)``.  Scaled potentials ``y = (V - mu) / sigma``.

Siegert (1951), Brunel (2000):
``1/nu = t_ref + tau_m sqrt(pi) int_{y_r}^{y_th} erfcx(-u) du``,
``erfcx(-u) = e^{u^2} (1 + erf u)``.
"""
import functools

import numpy as np

from clif.params import resolve


@functools.lru_cache(maxsize=None)
def _sp():
    # scipy.special costs ~0.25 s to import: paid on first use, not by
    # `import clif` (the CLI and the closed forms never need it).
    from scipy import special
    return special

# Composite Gauss-Legendre: 16 panels x 12 nodes on [0, 1].
_NP, _NQ = 16, 12
_x, _w = np.polynomial.legendre.leggauss(_NQ)
_NODES = ((np.arange(_NP)[:, None] + (_x[None, :] + 1) / 2) / _NP).ravel()
_WEIGHTS = np.tile(_w / 2 / _NP, _NP)


def _int_erfcx(a, b):
    """int_a^b erfcx(w) dw for 0 <= a <= b (arrays), in w = sinh(s), where
    the integrand erfcx(sinh s) cosh s is smooth and bounded (-> 1/sqrt(pi)),
    so fixed nodes are accurate from w ~ 0 to w ~ 1e12."""
    sa, sb = np.arcsinh(a), np.arcsinh(b)
    s = sa[..., None] + (sb - sa)[..., None] * _NODES
    return (sb - sa) * np.sum(_sp().erfcx(np.sinh(s)) * np.cosh(s) * _WEIGHTS, axis=-1)


def _siegert_integral(yr, yt):
    """int_{yr}^{yt} erfcx(-u) du, yr < yt, split at 0: the negative part is
    int erfcx(w) over |u|; on the positive part erfcx(-u) = 2 e^{u^2} -
    erfcx(u), and int_0^y e^{u^2} du = e^{y^2} D(y) (Dawson's integral),
    which overflows to inf only where the rate underflows to 0."""
    neg = _int_erfcx(np.maximum(-yt, 0.0), np.maximum(-yr, 0.0))
    lo, hi = np.maximum(yr, 0.0), np.maximum(yt, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        g = lambda y: np.exp(y * y) * _sp().dawsn(y)  # noqa: E731
        pos = np.where(hi > lo, 2.0 * (g(hi) - g(lo)) - _int_erfcx(lo, hi), 0.0)
    return neg + pos


def _prep(I, sigma, params):
    tau_m, R_m, E_L, V_th, V_reset, t_ref = resolve(**params)
    I = np.asarray(I, dtype=np.float64)
    sigma = np.asarray(sigma, dtype=np.float64)
    if np.any(~np.isfinite(sigma) | (sigma < 0)):
        raise ValueError("sigma must be finite and >= 0 (mV)")
    mu = E_L + R_m * I
    return np.broadcast_arrays(I, sigma, mu, tau_m, V_th, V_reset, t_ref)


def siegert_rate(I, sigma, **params):
    """Stationary firing rate [Hz] of the LIF neuron with white noise.

    Parameters
    ----------
    I : float or array_like
        Mean input current [nA] (added to nothing: pass ``I_e`` here).
    sigma : float or array_like
        Noise amplitude [mV], >= 0 (free membrane SD ``sigma / sqrt(2)``).
    **params
        ``tau_m, C_m, R_m, E_L, V_th, V_reset, t_ref`` as for :class:`clif.LIF`.

    Returns
    -------
    float or ndarray
        Rate [Hz]; broadcasts over all arguments.  At ``sigma = 0`` it is the
        deterministic rate :func:`clif.rate`, and it tends to it continuously
        as ``sigma -> 0`` (the erfcx form has no cancellation there).
    """
    I, sigma, mu, tau_m, V_th, V_reset, t_ref = _prep(I, sigma, params)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s = np.where(sigma > 0, sigma, 1.0)
        yt, yr = (V_th - mu) / s, (V_reset - mu) / s
        J = _siegert_integral(yr, yt)
        T = t_ref + tau_m * np.sqrt(np.pi) * J
        rate = 1000.0 / T
        # sigma = 0: the deterministic limit, written the same way as clif.rate.
        det = np.where(mu > V_th,
                       1000.0 / (t_ref + tau_m * np.log1p((V_th - V_reset)
                                                          / np.where(mu > V_th, mu - V_th, 1.0))),
                       0.0)
        rate = np.where(sigma > 0, rate, det)
    return rate[()] if rate.ndim == 0 else rate


def isi_cv(I, sigma, **params):
    """Coefficient of variation of the interspike intervals (Brunel 2000,
    appendix A):

    ``CV^2 = 2 pi (nu tau_m)^2 int_{y_r}^{y_th} e^{x^2} int_{-inf}^x
    e^{y^2} (1 + erf y)^2 dy dx``.

    Swapping the order of integration makes the inner integral Dawson's:
    ``CV^2 = 2 pi (nu tau_m)^2 int_{-inf}^{y_th} erfcx(-y)^2 e^{-y^2}
    [E(y_th) - E(max(y, y_r))] dy``, ``E(x) = e^{x^2} D(x)``, with the
    exponentials combined so nothing overflows; evaluated on fixed
    Gauss-Legendre nodes (vectorised).

    Parameters
    ----------
    I, sigma, **params
        As :func:`siegert_rate`; ``sigma > 0``.

    Returns
    -------
    float or ndarray
        CV (dimensionless); 0 at sigma = 0 above rheobase (regular firing).
    """
    I, sigma, mu, tau_m, V_th, V_reset, t_ref = _prep(I, sigma, params)
    nu = np.asarray(siegert_rate(I, sigma, **params)) / 1000.0  # 1/ms
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        s = np.where(sigma > 0, sigma, 1.0)
        yt, yr = (V_th - mu) / s, (V_reset - mu) / s

        def bracket(y):  # e^{-y^2} (E(yt) - E(max(y, yr)))
            m = np.maximum(y, yr[..., None])
            return (np.exp(yt[..., None] ** 2 - y * y) * _sp().dawsn(yt[..., None])
                    - np.exp(m * m - y * y) * _sp().dawsn(m))

        def f(y):
            return _sp().erfcx(-y) ** 2 * bracket(y)

        # [yr, yt] on linear nodes; (-inf, yr] as yr - t with t on a
        # geometric grid scaled by the decay length 1 / (2|yr| + 1).
        a = (yt - yr)[..., None]
        y1 = yr[..., None] + a * _NODES
        part1 = a[..., 0] * np.sum(f(y1) * _WEIGHTS, axis=-1)
        L = 1.0 / (2.0 * np.abs(yr) + 1.0)
        # t = L (e^{v} - 1), v in [0, log(1 + 40/L)]: covers ~40 decay lengths.
        vmax = np.log1p(40.0 / L)[..., None]
        v = vmax * _NODES
        t = L[..., None] * np.expm1(v)
        jac = vmax * L[..., None] * np.exp(v)
        part2 = np.sum(f(yr[..., None] - t) * jac * _WEIGHTS, axis=-1)
        cv2 = 2.0 * np.pi * (nu * tau_m) ** 2 * (part1 + part2)
        cv = np.where(sigma > 0, np.sqrt(cv2), 0.0)
    return cv[()] if cv.ndim == 0 else cv


def stochastic_resonance(sigma, *, I0, f, I_dc=0.0, n=500, t_stop=2000.0, t_warmup=200.0,
                         dt=0.1, seed=0, n_threads=1, **params):
    """Response of a LIF population to a weak sinusoid as a function of the
    noise: stochastic resonance, measured by simulation
    (:func:`clif.simulate_noisy`, exact method).

    For each noise level, ``n`` independent neurons get ``I_dc + I0 sin(2 pi
    f t)``; after ``t_warmup`` the spikes of ``T = t_stop - t_warmup`` ms give
    the mean rate ``nu`` and the amplitude ``r1`` of the rate's modulation at
    ``f`` (first Fourier coefficient of the population spike train).  The
    signal-to-noise ratio of one neuron's spike train at ``f`` over the
    Poisson floor of its own spectrum is ``snr = (r1 / 2)^2 T / nu``.  With a
    subthreshold drive it is ~0 without noise (no spikes), falls again when
    noise swamps the signal, and peaks in between.

    Parameters
    ----------
    sigma : array_like
        Noise amplitudes [mV] to scan (> 0).
    I0, f, I_dc : float
        Sine amplitude [nA], frequency [Hz], offset [nA].
    n : int
        Neurons per noise level.
    t_stop, t_warmup, dt : float
        Durations and step [ms].
    seed : int
        Base seed (level j uses seed + j).
    **params
        LIF parameters, as for :func:`clif.simulate_noisy`.

    Returns
    -------
    dict
        ``sigma`` [mV], ``rate`` [Hz], ``r1`` [Hz], ``snr`` (dimensionless),
        arrays over ``sigma``.
    """
    from clif.noise import NoisyPopulation

    sigma = np.atleast_1d(np.asarray(sigma, dtype=np.float64))
    if np.any(~np.isfinite(sigma) | (sigma <= 0)):
        raise ValueError("sigma must be finite and > 0 (mV)")
    if not (0 <= t_warmup < t_stop):
        raise ValueError(f"need 0 <= t_warmup < t_stop (ms); got {t_warmup}, {t_stop}")
    T = t_stop - t_warmup
    rate, r1 = np.empty(sigma.size), np.empty(sigma.size)
    w = 2.0 * np.pi * f / 1000.0
    for j, s in enumerate(sigma):
        pop = NoisyPopulation(sigma=s, n=n, dt=dt, seed=seed + j,
                              sine=dict(I0=I0, f=f, I_dc=I_dc), **params)
        pop.run(t_warmup)
        sp = pop.run(t_stop, n_threads=n_threads)
        rate[j] = len(sp) / n / T * 1000.0
        r1[j] = 2.0 * np.abs(np.sum(np.exp(-1j * w * sp.times))) / (n * T) * 1000.0
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = np.where(rate > 0, (r1 / 2.0) ** 2 * (T / 1000.0) / rate, 0.0)
    return {"sigma": sigma, "rate": rate, "r1": r1, "snr": snr}
