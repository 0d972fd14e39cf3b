"""Diffusion-approximation theory of the LIF neuron with white noise, and
stochastic resonance from simulation.

Convention (docs/conventions.md, "Noise"): ``tau_m dV = (-(V - E_L) + R_m I) dt + sigma
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


#: Beyond this scaled distance the erfcx integrals use the asymptotic series
#: erfcx(w) = (1 - 1/(2w^2) + 3/(4w^4) - ...)/(w sqrt(pi)) (Abramowitz &
#: Stegun 7.1.23; alternating, so the first omitted term bounds the error):
#: kept to 1/w^2, the pointwise relative error is <= 3/(4 B^4) < 1e-16.
_B_ASYM = 1e4
#: Above this scaled threshold distance the rate is below e^{-625}: computed
#: in logarithms (t_ref and the erfcx parts then weigh < e^{-600} of T).
_Y_LOG = 25.0


def _neg_part(na, nb, s):
    """sqrt(pi) int_{na/s}^{nb/s} erfcx(w) dw for 0 <= na <= nb, s > 0, from
    the numerators (na/s may overflow when s is subnormal): quadrature on
    [., B], asymptotic series on [B, .] (see _B_ASYM), whose log(b/a) is
    taken from the numerators, log1p((nb - na)/na) when both are past B."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        a, b = na / s, nb / s
        quad = np.sqrt(np.pi) * _int_erfcx(np.minimum(a, _B_ASYM), np.minimum(b, _B_ASYM))
        both = a >= _B_ASYM
        lg = np.where(both, np.log1p((nb - na) / np.where(both, na, 1.0)),
                      np.where(b > _B_ASYM, np.log(np.where(nb > 0, nb, 1.0)) - np.log(s)
                               - np.log(_B_ASYM), 0.0))
        ia = np.minimum(s / na, 1.0 / _B_ASYM)  # 1 / max(a, B)
        ib = np.minimum(s / nb, 1.0 / _B_ASYM)
        tail = lg + 0.25 * (ib * ib - ia * ia)
    return quad + tail


def _scaled_T(mu, s, tau_m, V_th, V_reset, t_ref):
    """Mean ISI [ms] as (T, Ts, c): T = t_ref + tau_m sqrt(pi) int_{yr}^{yt}
    erfcx(-u) du, c = max(yt, 0), Ts = T e^{-c^2} (finite where T overflows).

    The integral is split at 0: the negative part is int erfcx(w) over |u|
    (_neg_part); on the positive part erfcx(-u) = 2 e^{u^2} - erfcx(u) and
    int_0^y e^{u^2} du = E(y) = e^{y^2} D(y) (Dawson).  For yt > _Y_LOG,
    2 int_lo^hi e^{u^2} du = 2 e^{hi^2} D(hi) (1 - e^{lo^2 - hi^2}
    D(lo)/D(hi)) is the whole of T / (tau_m sqrt(pi)) to double precision."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        dt, dr = mu - V_th, mu - V_reset
        neg = _neg_part(np.maximum(dt, 0.0), np.maximum(dr, 0.0), s)
        lo, hi = np.maximum(-dr, 0.0) / s, np.maximum(-dt, 0.0) / s
        big = hi > _Y_LOG
        lo_, hi_ = np.where(big, 0.0, lo), np.where(big, 0.0, hi)
        g = lambda y: np.exp(y * y) * _sp().dawsn(y)  # noqa: E731
        pos = np.where(hi_ > lo_, 2.0 * (g(hi_) - g(lo_)) - _int_erfcx(lo_, hi_), 0.0)
        T = t_ref + tau_m * (neg + np.sqrt(np.pi) * pos)
        c = np.maximum(-dt, 0.0) / s
        Ts_small = T * np.exp(-c * c)
        Dh = _sp().dawsn(hi)
        r = -np.expm1(-(hi - lo) * (hi + lo) + np.log(_sp().dawsn(lo)) - np.log(Dh))
        Ts_big = 2.0 * np.sqrt(np.pi) * tau_m * Dh * r
        Ts = np.where(big, Ts_big, Ts_small)
        T = np.where(big, np.inf, T)
    return T, Ts, c


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
        as ``sigma -> 0``, subnormal sigma included: above threshold the
        erfcx integral's asymptotic series gives ``T = t_ref + tau_m
        [log1p((V_th - V_reset)/(mu - V_th)) + sigma^2/4 (1/(mu - V_reset)^2
        - 1/(mu - V_th)^2)]``.  Far below threshold the rate is computed in
        logarithms and is 0 only where it underflows.
    """
    I, sigma, mu, tau_m, V_th, V_reset, t_ref = _prep(I, sigma, params)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        s = np.where(sigma > 0, sigma, 1.0)
        T, Ts, c = _scaled_T(mu, s, tau_m, V_th, V_reset, t_ref)
        rate = np.where(np.isfinite(T), 1000.0 / T, 1000.0 * np.exp(-(c * c + np.log(Ts))))
        rate = np.where(np.isnan(rate), 0.0, rate)  # c = inf: e^{-inf}
        # sigma = 0: the deterministic limit, written the same way as clif.rate.
        det = np.where(mu > V_th,
                       1000.0 / (t_ref + tau_m * np.log1p((V_th - V_reset)
                                                          / np.where(mu > V_th, mu - V_th, 1.0))),
                       0.0)
        rate = np.where(sigma > 0, rate, det)
    return rate[()] if rate.ndim == 0 else rate


#: Above this ratio (mu - V_th)/sigma the CV is its small-noise limit (see
#: isi_cv); the neglected terms are O((sigma/(mu - V_th))^2) < 1e-16.
_CV_ASYM = 1e8


def isi_cv(I, sigma, **params):
    """Coefficient of variation of the interspike intervals (Brunel 2000,
    appendix A):

    ``CV^2 = 2 pi (nu tau_m)^2 int_{y_r}^{y_th} e^{x^2} int_{-inf}^x
    e^{y^2} (1 + erf y)^2 dy dx``.

    Swapping the order of integration makes the inner integral Dawson's:
    ``CV^2 = 2 pi (nu tau_m)^2 int_{-inf}^{y_th} erfcx(-y)^2 e^{-y^2}
    [E(y_th) - E(max(y, y_r))] dy``, ``E(x) = e^{x^2} D(x)``, with the
    exponentials combined (and scaled by ``e^{-2 max(y_th, 0)^2}``, which
    ``nu^2`` carries back) so nothing overflows; evaluated on fixed
    Gauss-Legendre nodes (vectorised).

    Limits.  Small noise above threshold (``(mu - V_th)/sigma > 1e8``): the
    first passage of the linearised noise, ``Var T = Var X(T0) / V'(T0)^2``,
    ``Var X(t) = sigma^2/2 (1 - e^{-2t/tau_m})``, ``V' = (mu - V_th)/tau_m``,
    ``e^{-T0/tau_m} = (mu - V_th)/(mu - V_reset)``, gives
    ``CV = tau_m sigma sqrt((1/(mu - V_th)^2 - 1/(mu - V_reset)^2)/2) / T``.
    Where the rate underflows (threshold > ~27 sigma above ``mu``) the ISI
    is an escape over a barrier: exponentially distributed up to terms of
    relative order ``tau_m nu`` (< 1e-300 there), so CV = 1.

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
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        s = np.where(sigma > 0, sigma, 1.0)
        T, Ts, c = _scaled_T(mu, s, tau_m, V_th, V_reset, t_ref)
        dt, dr = mu - V_th, mu - V_reset
        asym = dt > _CV_ASYM * s
        s_q = np.where(asym, np.maximum(dt, 1.0) / _CV_ASYM, s)  # keep y finite
        yt, yr = (V_th - mu) / s_q, (V_reset - mu) / s_q
        cc = np.maximum(yt, 0.0)[..., None]
        Yt, Yr = yt[..., None], yr[..., None]
        Dt = _sp().dawsn(Yt)

        def f(y):  # erfcx(-y)^2 e^{-y^2} [E(yt) - E(max(y, yr))] e^{-2 c^2}
            m = np.maximum(y, Yr)
            Dm = _sp().dawsn(m)
            pos = y > 0
            # y > 0 (so c = yt): erfcx(-y) = 2 e^{y^2} - erfcx(y).
            fp = ((2.0 - _sp().erfcx(y) * np.exp(-y * y)) ** 2 * np.exp((y - Yt) * (y + Yt))
                  * (Dt - np.exp((m - Yt) * (m + Yt)) * Dm))
            fn = _sp().erfcx(-y) ** 2 * (np.exp((Yt - y) * (Yt + y) - 2 * cc * cc) * Dt
                                          - np.exp((m - y) * (m + y) - 2 * cc * cc) * Dm)
            return np.where(pos, fp, fn)

        # [yr, yt] on linear nodes; (-inf, yr] as yr - t with t on a
        # geometric grid scaled by the decay length 1 / (2|yr| + 1).
        a = (yt - yr)[..., None]
        y1 = Yr + a * _NODES
        part1 = a[..., 0] * np.sum(f(y1) * _WEIGHTS, axis=-1)
        L = 1.0 / (2.0 * np.abs(yr) + 1.0)
        # t = L (e^{v} - 1), v in [0, log(1 + 40/L)]: covers ~40 decay lengths.
        vmax = np.log1p(40.0 / L)[..., None]
        v = vmax * _NODES
        t = L[..., None] * np.expm1(v)
        jac = vmax * L[..., None] * np.exp(v)
        part2 = np.sum(f(Yr - t) * jac * _WEIGHTS, axis=-1)
        cv2 = 2.0 * np.pi * (tau_m / Ts) ** 2 * (part1 + part2)
        cv = np.sqrt(cv2)
        cv_small = tau_m * s * np.sqrt(
            (1.0 / np.where(asym, dt, 1.0) ** 2 - 1.0 / np.where(asym, dr, 1.0) ** 2) / 2.0) / T
        cv = np.where(asym, cv_small, cv)
        # The fixed nodes do not resolve the integrand's peak next to a far
        # threshold; there the escape argument above gives CV = 1.
        cv = np.where(c > _Y_LOG, 1.0, cv)
        cv = np.where(sigma > 0, cv, 0.0)
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


# ---------------------------------------------------------------------------
# Postsynaptic potentials of current-based synapses, and the Fourcaud-Brunel
# (2002) rate with synaptically filtered noise.
#
# Model: tau_m dV/dt = -(V - E_L) + R_m (I_e + I_syn(t)); one pulse of weight
# w at t = 0 gives
#   "delta":     V jumps by w [mV]           PSP  w e^{-t/tau_m}
#   "psc_exp":   I_syn = w e^{-t/tau_s}      [w in nA]
#   "psc_alpha": I_syn = w (e/tau_s) t e^{-t/tau_s}  (peak w at t = tau_s)
# and PSP(t) = (R_m/tau_m) int_0^t e^{-(t-u)/tau_m} I_syn(u) du.
#
# With D = 1/tau_s - 1/tau_m = (tau_m - tau_s)/(tau_m tau_s), x = t |D| and
# tau_big = max(tau_m, tau_s), the forms used below have no 0/0 and no
# cancellation at tau_s == tau_m (all phi arguments are <= 0):
#   psc_exp:   R w (t/tau_m) e^{-t/tau_big} phi1(-x)
#   psc_alpha: R w e (t/tau_m)(t/tau_s) e^{-t/tau_m} G(-x)    (tau_s <= tau_m)
#              R w e (t/tau_m)(t/tau_s) e^{-t/tau_s} phi2(-x) (tau_s >  tau_m)
# phi1(z) = int_0^1 e^{zs} ds = expm1(z)/z, phi2(z) = int_0^1 (1-s) e^{zs} ds
# = (e^z - 1 - z)/z^2, G(z) = int_0^1 s e^{zs} ds = ((z-1) e^z + 1)/z^2;
# the alpha forms follow from int_0^t u e^{-uD} du = t^2 G(-tD)
# = t^2 e^{-tD} phi2(tD).  At tau_s = tau_m: R w (t/tau_m) e^{-t/tau_m}
# (psc_exp) and R w (e/2) (t/tau_m)^2 e^{-t/tau_m} (psc_alpha).
# ---------------------------------------------------------------------------

PSP_MODELS = ("delta", "psc_exp", "psc_alpha")

#: Fourcaud & Brunel (2002): alpha = sqrt(2) |zeta(1/2)|, zeta(1/2) =
#: -1.4603545088095868...; the boundary shift is sigma alpha/2 sqrt(tau_s/tau_m).
FB_ALPHA = 1.4142135623730951 * 1.4603545088095868

# Taylor coefficients on |z| < 1: phi2(z) = sum z^k/(k+2)!, G(z) = sum
# z^k/(k! (k+2)); 22 terms leave < 1e-22.
_NSER = 22
_FACT = np.cumprod(np.r_[1.0, np.arange(1.0, _NSER + 3)])  # k! for k = 0..NSER+2
_C_PHI2 = 1.0 / _FACT[2:_NSER + 2]
_C_G = 1.0 / (_FACT[:_NSER] * (np.arange(_NSER) + 2.0))


def _horner(c, z):
    acc = np.zeros_like(z)
    for ck in c[::-1]:
        acc = acc * z + ck
    return acc


def _phi1(z):
    """expm1(z)/z, 1 at z = 0 (accurate for all z: expm1 has no cancellation)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return np.where(z == 0, 1.0, np.expm1(z) / np.where(z == 0, 1.0, z))


def _phi2(z):
    """(e^z - 1 - z)/z^2: Taylor series on |z| < 1, closed form outside
    (where the subtraction loses at most ~2 bits)."""
    small = np.abs(z) < 1.0
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        zz = np.where(small, 1.0, z)
        big = (np.expm1(zz) - zz) / (zz * zz)
    return np.where(small, _horner(_C_PHI2, np.where(small, z, 0.0)), big)


def _gfun(z):
    """((z - 1) e^z + 1)/z^2 = int_0^1 s e^{zs} ds: series on |z| < 1, closed
    form outside."""
    small = np.abs(z) < 1.0
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        zz = np.where(small, 1.0, z)
        big = ((zz - 1.0) * np.exp(zz) + 1.0) / (zz * zz)
    return np.where(small, _horner(_C_G, np.where(small, z, 0.0)), big)


def _check_model(model):
    if model not in PSP_MODELS:
        raise ValueError(f"model must be one of {PSP_MODELS}; got model={model!r}")


def _tau_syn(model, tau_syn):
    """tau_syn [ms] as float/array, validated (> 0, finite) for the psc models;
    None for "delta" (where it is ignored)."""
    _check_model(model)
    if model == "delta":
        return None
    if tau_syn is None:
        raise ValueError(f"tau_syn (ms) is required for model={model!r}")
    from clif.params import as_real
    tau_syn = as_real("tau_syn", tau_syn)
    bad = ~(np.isfinite(tau_syn) & (np.asarray(tau_syn) > 0))
    if np.any(bad):
        val = tau_syn if np.ndim(tau_syn) == 0 else np.asarray(tau_syn)[bad].flat[0]
        raise ValueError(f"tau_syn must be finite and > 0 (ms); got tau_syn={val!r}")
    return tau_syn


def _membrane(tau_m, C_m, R_m):
    """(tau_m, R_m) from any two of tau_m, C_m, R_m (clif.params.resolve)."""
    tm, rm = resolve(tau_m=tau_m, C_m=C_m, R_m=R_m)[:2]
    return np.asarray(tm, dtype=np.float64), np.asarray(rm, dtype=np.float64)


def _real_array(name, x, unit, allow_inf=False):
    from clif.params import as_real
    x = np.asarray(as_real(name, x), dtype=np.float64)
    bad = np.isnan(x) if allow_inf else ~np.isfinite(x)
    if np.any(bad):
        what = "must not be NaN" if allow_inf else "must be finite"
        raise ValueError(f"{name} {what} ({unit}); got {name}={x[bad].flat[0]!r}")
    return x


def _finish(res, out):
    if out is not None:
        np.copyto(out, res)
        return out
    return res[()] if res.ndim == 0 else res


def psp(t, w, *, model="psc_exp", tau_syn=None, tau_m=None, C_m=None, R_m=None, out=None):
    """Postsynaptic potential ``V(t) - E_L`` [mV] of one input pulse at
    ``t = 0`` to a LIF membrane at rest (no threshold), for the three synapse
    models.

    ``tau_m dV/dt = -(V - E_L) + R_m I_syn(t)``, with

    * ``"delta"``: ``V`` jumps by ``w`` [mV]: ``w e^{-t/tau_m}``;
    * ``"psc_exp"``: ``I_syn = w e^{-t/tau_s}``, ``w`` [nA]:
      ``R_m w tau_s/(tau_m - tau_s) (e^{-t/tau_m} - e^{-t/tau_s})``;
    * ``"psc_alpha"``: ``I_syn = w (e/tau_s) t e^{-t/tau_s}`` (peak ``w`` at
      ``t = tau_s``), ``w`` [nA]:
      ``R_m w e/(tau_m tau_s) e^{-t/tau_m} [1 - (1 + tD) e^{-tD}]/D^2``,
      ``D = 1/tau_s - 1/tau_m``.

    Both psc forms are evaluated without cancellation, with ``x = t |D|`` and
    ``phi1(z) = expm1(z)/z``: ``psc_exp`` as ``R w (t/tau_m)
    e^{-t/max(tau_m, tau_s)} phi1(-x)``; ``psc_alpha`` as ``R w e (t/tau_m)
    (t/tau_s) e^{-t/tau_m} G(-x)`` for ``tau_s <= tau_m`` and ``... e^{-t/tau_s}
    phi2(-x)`` otherwise (``G(z) = int_0^1 s e^{zs} ds``, ``phi2(z) = int_0^1
    (1 - s) e^{zs} ds``), so ``tau_s == tau_m`` and ``tau_s ~ tau_m`` are
    exact to a few ulp: the limits there are ``R w (t/tau_m) e^{-t/tau_m}``
    and ``R w (e/2) (t/tau_m)^2 e^{-t/tau_m}``.

    Parameters
    ----------
    t : float or array_like
        Time since the pulse [ms]; the PSP is 0 for ``t < 0`` (and at
        ``t = +inf``); ``"delta"`` gives ``w`` at ``t = 0``.
    w : float or array_like
        Weight: [mV] for ``"delta"``, current amplitude [nA] for the psc
        models; finite, either sign.
    model : {"psc_exp", "psc_alpha", "delta"}
    tau_syn : float or array_like
        Synaptic time constant [ms], finite and > 0; required for the psc
        models, ignored for ``"delta"``.
    tau_m, C_m, R_m : float or array_like, optional
        Membrane time constant [ms], capacitance [nF], resistance [MOhm]: any
        two (defaults as :class:`clif.LIF`: 20 ms, 1 nF).
    out : ndarray, optional
        Where to put the result.

    Returns
    -------
    float or ndarray
        PSP [mV], broadcast over all arguments.
    """
    tau_s = _tau_syn(model, tau_syn)
    tm, R = _membrane(tau_m, C_m, R_m)
    t = _real_array("t", t, "ms", allow_inf=True)
    w = _real_array("w", w, "mV" if model == "delta" else "nA")
    if model == "delta":
        t, w, tm = np.broadcast_arrays(t, w, tm)
        with np.errstate(over="ignore"):
            v = np.where(t >= 0, w * np.exp(-np.maximum(t, 0.0) / tm), 0.0)
        return _finish(v, out)
    t, w, tm, R, ts = np.broadcast_arrays(t, w, tm, R, np.asarray(tau_s, dtype=np.float64))
    big = np.maximum(tm, ts)
    # Beyond 1000 tau_big the PSP is far below the smallest double: 0 (and
    # no inf * 0 from (t/tau)^2 e^{-t/tau} at huge t).
    live = (t > 0) & (t / 1000.0 < big)
    tt = np.where(live, t, 0.0)
    small = np.minimum(tm, ts)
    # x = t |1/tau_s - 1/tau_m| from the ratios: the product form overflows
    # (or gives 0/0) when a time constant is subnormal.
    rho = small / big
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        x = (tt / small) * ((big - small) / big)
        # Past x = 50 (e^{-x} < 2e-22) t/tau_small may overflow; the same
        # values in the ratio rho = tau_small/tau_big (x^2 divided out):
        # psc_exp: R w e^{-t/tau_big} rho/(1 - rho) (1/(1 - rho) if tau_s > tau_m);
        # psc_alpha, tau_s < tau_m: R w e e^{-t/tau_m} rho/(1 - rho)^2;
        # tau_s > tau_m: R w e e^{-t/tau_s} [(t/tau_s)/(1 - rho) - rho/(1 - rho)^2]
        # (t/tau_big < 1000 on the live range, so nothing there overflows).
        far = x > 50.0
        xs = np.where(far, 1.0, x)
        q = np.where(far, 1.0 - rho, 1.0)
        if model == "psc_exp":
            v = np.where(far, R * w * np.exp(-tt / big) * (np.where(ts <= tm, rho, 1.0) / q),
                         R * w * (tt / tm) * np.exp(-tt / big) * _phi1(-xs))
        else:
            shape = np.where(ts <= tm, np.exp(-tt / tm) * _gfun(-xs),
                             np.exp(-tt / ts) * _phi2(-xs))
            near = R * w * np.e * (tt / tm) * (tt / ts) * shape
            far_v = np.where(ts <= tm, R * w * np.e * np.exp(-tt / tm) * rho / (q * q),
                             R * w * np.e * np.exp(-tt / ts) * ((tt / ts) / q - rho / (q * q)))
            v = np.where(far, far_v, near)
    return _finish(np.where(live, v, 0.0), out)


def _alpha_peak_time(tm, ts):
    """Peak time t* [ms] of the psc_alpha PSP (arrays tau_m, tau_s [ms]).

    V' = 0 where V = R I_syn; with x = t* D this is e^x = 1 + r x,
    r = tau_m/tau_s, x != 0, whose nontrivial root is
    x = -W_k(-rho e^{-rho}) - rho, rho = 1/r (k = -1 for rho < 1, k = 0 for
    rho > 1).  Near rho = 1 the argument sits at W's branch point -1/e and
    the closed form loses up to half the digits, so the W value (or, for
    |r - 1| < 1e-2, the series x = 2 kappa - 4 kappa^2/3) starts Newton steps
    on a cancellation-free form of the same equation: x phi2(x) = kappa =
    (tau_m - tau_s)/tau_s for x >= -1, phi1(x) = r for x < -1; the slope is
    G(x) > 0 and the function is convex, so the steps converge
    quadratically."""
    W = _sp().lambertw
    rho = ts / tm
    with np.errstate(over="ignore"):  # subnormal tau_s: the tiny branch below
        r = tm / ts
        kappa = (tm - ts) / ts
    with np.errstate(under="ignore", invalid="ignore"):
        z = -rho * np.exp(-rho)
        x = np.where(rho < 1, -W(z, -1).real, -W(z, 0).real) - rho
    small = np.abs(kappa) < 1e-2
    with np.errstate(over="ignore", invalid="ignore"):
        x = np.where(small, 2.0 * kappa - 4.0 / 3.0 * kappa * kappa, x)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(6):
            F = np.where(x < -1.0, _phi1(x) - r, x * _phi2(x) - kappa)
            # G(x) ~ 1/x^2 underflows past |x| ~ 1e154 (tau_s > 1e155 tau_m),
            # where the start x = -rho is already the root to e^{-rho}.
            step = F / _gfun(x)
            x = np.where(np.isfinite(step), x - step, x)
        t = np.where(kappa == 0, 2.0 * tm, x / np.where(kappa == 0, 1.0, kappa) * tm)
        # tau_s < 1e-100 tau_m (r may overflow): x = log1p(r x) = ln r + ln x
        # to 1e-100, by Newton steps on x - ln r - ln x with ln r = ln tau_m -
        # ln tau_s; t* = x tau_s / (1 - tau_s/tau_m).
        tiny = ts < 1e-100 * tm
        lr = np.where(tiny, np.log(tm) - np.log(np.where(tiny, ts, 1.0)), 1.0)
        xs = lr + np.log(lr)
        for _ in range(5):
            xs = xs - (xs - lr - np.log(xs)) / (1.0 - 1.0 / xs)
        t = np.where(tiny, xs * ts / (1.0 - rho), t)
    return t


def psp_peak_time(*, model="psc_exp", tau_syn=None, tau_m=None, C_m=None, R_m=None, out=None):
    """Time of the PSP's peak [ms] after the pulse (see :func:`psp`).

    * ``"delta"``: 0.
    * ``"psc_exp"``: ``t* = tau_m tau_s ln(tau_m/tau_s)/(tau_m - tau_s)``
      (symmetric in the two), evaluated as ``tau_big log1p(q)/q``, ``q =
      (tau_big - tau_small)/tau_small``; limit ``tau_m`` at ``tau_s = tau_m``.
    * ``"psc_alpha"``: ``V' = 0`` where ``V = R_m I_syn``; with ``x = t* (1/tau_s
      - 1/tau_m)`` this is ``e^x = 1 + (tau_m/tau_s) x``, and with ``rho =
      tau_s/tau_m``

      ``t* = tau_m tau_s/(tau_m - tau_s) (-W_k(-rho e^{-rho}) - rho)``,

      ``W_k`` the Lambert W function, branch ``k = -1`` for ``tau_s < tau_m``
      and ``k = 0`` for ``tau_s > tau_m`` (the other branch gives the trivial
      root ``x = 0``).  Limit ``2 tau_m`` at ``tau_s = tau_m`` (from ``V ~
      t^2 e^{-t/tau_m}``); as ``tau_s -> 0``, ``t* ~ tau_s
      ln(tau_m/tau_s)`` to leading order.  The W value is refined by Newton steps on a
      cancellation-free form of the same equation, so the result stays at
      full precision next to ``tau_s = tau_m`` (W's branch point).

    Parameters
    ----------
    model : {"psc_exp", "psc_alpha", "delta"}
    tau_syn : float or array_like
        Synaptic time constant [ms] (psc models), finite and > 0.
    tau_m, C_m, R_m : float or array_like, optional
        Membrane parameters, any two (only ``tau_m`` matters).
    out : ndarray, optional

    Returns
    -------
    float or ndarray
        Peak time [ms].
    """
    tau_s = _tau_syn(model, tau_syn)
    tm, _ = _membrane(tau_m, C_m, R_m)
    if model == "delta":
        return _finish(np.zeros_like(tm), out)
    tm, ts = np.broadcast_arrays(tm, np.asarray(tau_s, dtype=np.float64))
    if model == "psc_exp":
        big, sm = np.maximum(tm, ts), np.minimum(tm, ts)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            q = (big - sm) / sm
            t = big * np.where(q == 0, 1.0, np.log1p(q) / np.where(q == 0, 1.0, q))
            # q > 1e100 (it may overflow): tau_small ln(tau_big/tau_small) / (1 - tau_small/tau_big)
            far = q > 1e100
            t = np.where(far, sm * (np.log(big) - np.log(np.where(far, sm, 1.0)))
                         / (1.0 - sm / big), t)
    else:
        t = _alpha_peak_time(tm, ts)
    return _finish(np.asarray(t, dtype=np.float64), out)


def psp_peak(w, *, model="psc_exp", tau_syn=None, tau_m=None, C_m=None, R_m=None, out=None):
    """Peak amplitude of the PSP [mV] (extreme value for ``w < 0``).

    At the peak ``V' = 0``, i.e. ``V = R_m I_syn(t*)``, so with ``t*`` from
    :func:`psp_peak_time`:

    * ``"delta"``: ``w``;
    * ``"psc_exp"``: ``R_m w e^{-t*/tau_s} = R_m w (tau_s/tau_m)^{tau_m/(tau_m
      - tau_s)}``; ``R_m w / e`` at ``tau_s = tau_m``; ``-> R_m w
      tau_s/tau_m`` as ``tau_s -> 0``;
    * ``"psc_alpha"``: ``R_m w e (t*/tau_s) e^{-t*/tau_s}``; ``2 R_m w / e``
      at ``tau_s = tau_m``.

    Parameters
    ----------
    w : float or array_like
        Weight [mV] (``"delta"``) or [nA] (psc models), finite.
    model, tau_syn, tau_m, C_m, R_m, out
        As :func:`psp`.

    Returns
    -------
    float or ndarray
        Peak PSP [mV].
    """
    tau_s = _tau_syn(model, tau_syn)
    tm, R = _membrane(tau_m, C_m, R_m)
    w = _real_array("w", w, "mV" if model == "delta" else "nA")
    if model == "delta":
        res = np.broadcast_arrays(w, tm)[0].copy()
        return _finish(res, out)
    t = np.asarray(psp_peak_time(model=model, tau_syn=tau_s, tau_m=tm, R_m=R))
    w, R, ts, t = np.broadcast_arrays(w, R, np.asarray(tau_s, dtype=np.float64), t)
    if model == "psc_exp":
        v = R * w * np.exp(-t / ts)
    else:
        v = R * w * np.e * (t / ts) * np.exp(-t / ts)
    return _finish(v, out)


def weight_for_psp(J, *, model="psc_exp", tau_syn=None, tau_m=None, C_m=None, R_m=None,
                   out=None):
    """The synaptic weight whose PSP peaks at ``J`` [mV]: ``J`` itself for
    ``"delta"`` [mV], else ``J / psp_peak(1 nA)`` [nA] (NEST's
    ``ComputePSPnorm`` / ``J_unit`` convention of its Brunel examples, used to
    set up networks by "PSP amplitude J").

    Parameters
    ----------
    J : float or array_like
        PSP peak [mV], finite, either sign.
    model, tau_syn, tau_m, C_m, R_m, out
        As :func:`psp`.

    Returns
    -------
    float or ndarray
        Weight [nA] (psc models) or [mV] (``"delta"``).
    """
    J = _real_array("J", J, "mV")
    unit = np.asarray(psp_peak(1.0, model=model, tau_syn=tau_syn, tau_m=tau_m, C_m=C_m,
                               R_m=R_m))
    return _finish(np.asarray(J / unit, dtype=np.float64), out)


def _fb_params(sigma, tau_syn, params):
    """Resolved params with V_th and V_reset shifted by sigma alpha/2
    sqrt(tau_syn/tau_m) (Fourcaud & Brunel 2002)."""
    tm, R, E_L, V_th, V_reset, t_ref = resolve(**params)
    tau_syn = _real_array("tau_syn", tau_syn, "ms")
    if np.any(tau_syn < 0):
        raise ValueError(f"tau_syn must be finite and >= 0 (ms); got "
                         f"tau_syn={tau_syn[tau_syn < 0].flat[0]!r}")
    sigma = np.asarray(sigma, dtype=np.float64)
    if np.any(~np.isfinite(sigma) | (sigma < 0)):
        raise ValueError("sigma must be finite and >= 0 (mV)")
    shift = sigma * (FB_ALPHA / 2.0) * np.sqrt(tau_syn / tm)
    return dict(tau_m=tm, R_m=R, E_L=E_L, V_th=V_th + shift, V_reset=V_reset + shift,
                t_ref=t_ref)


def siegert_rate_psc(I, sigma, tau_syn, **params):
    """Stationary firing rate [Hz] of the LIF neuron whose noisy input current
    is low-pass filtered by an exponential synapse (colored noise),
    Fourcaud & Brunel (2002), Neural Comput. 14:2057, eq. 4.33 ff.

    Model: ``tau_m dV = (-(V - E_L) + R_m I + s) dt``, ``tau_syn ds = -s dt +
    sigma sqrt(tau_m) dW``: white noise of :func:`siegert_rate`'s amplitude
    ``sigma`` (clif's convention, docs/conventions.md), passed through the
    synapse's filter (for a network: the shot noise of ``psc_exp`` synapses,
    each input counted by its delta-equivalent jump ``R_m w tau_syn/tau_m``).
    To first order in ``k = sqrt(tau_syn/tau_m)`` the rate is Siegert's with
    threshold and reset both raised by ``sigma alpha/2 k``, ``alpha =
    sqrt(2) |zeta(1/2)|`` (:data:`FB_ALPHA` ~ 2.0653):

    ``1/nu = t_ref + tau_m sqrt(pi) int_{y_r + alpha k/2}^{y_th + alpha k/2}
    e^{u^2} (1 + erf u) du``.

    Valid for ``tau_syn << tau_m`` (errors ``O(tau_syn/tau_m)``; fast
    synapses, e.g. 0.5 ms against 10-20 ms); for slow synapses use an
    adiabatic/large-``tau_syn`` theory instead (Moreno-Bote & Parga 2004).
    It is a statement about exponentially filtered noise only, not alpha
    synapses.

    Parameters
    ----------
    I : float or array_like
        Mean input current [nA].
    sigma : float or array_like
        Noise amplitude [mV] of the unfiltered (white) noise, >= 0.
    tau_syn : float or array_like
        Synaptic time constant [ms], finite and >= 0.  At ``tau_syn = 0`` the
        result is bit-identical to :func:`siegert_rate`, and it departs from
        it continuously, like ``sqrt(tau_syn)``.
    **params
        ``tau_m, C_m, R_m, E_L, V_th, V_reset, t_ref`` as for :class:`clif.LIF`.

    Returns
    -------
    float or ndarray
        Rate [Hz]; broadcasts over all arguments.  ``sigma = 0`` gives the
        deterministic rate (no shift).
    """
    return siegert_rate(I, sigma, **_fb_params(sigma, tau_syn, params))


def isi_cv_psc(I, sigma, tau_syn, **params):
    """ISI coefficient of variation with the Fourcaud-Brunel boundary shift of
    :func:`siegert_rate_psc` applied to Brunel's (2000) CV formula
    (:func:`isi_cv`), as NNMT's ``lif.exp`` does: an approximation of the same
    order (``tau_syn << tau_m``), not derived in Fourcaud & Brunel (2002).

    Parameters
    ----------
    I, sigma, tau_syn, **params
        As :func:`siegert_rate_psc`.

    Returns
    -------
    float or ndarray
        CV (dimensionless).
    """
    return isi_cv(I, sigma, **_fb_params(sigma, tau_syn, params))


def brunel_rate_psc(C_E, C_I, g, eta, J, tau_m=20.0, t_ref=2.0, theta=20.0, V_reset=10.0, *,
                    tau_syn=0.5, model="psc_exp", nu_ext=None):
    """Self-consistent mean-field rate [Hz] and ISI CV of the Brunel (2000)
    network (model A) with exponential postsynaptic currents whose PSPs peak
    at ``J`` [mV] (inhibitory ``-g J``), in the diffusion approximation with
    the Fourcaud & Brunel (2002) treatment of the synaptic filter.

    Arguments and conventions mirror :func:`clif.network.brunel_prediction`
    (``E_L = 0``, ``R_m = 1``, potentials in mV, rates per ms inside).  Each
    synapse gets the weight ``w = J / psp_peak(1 nA)`` (:func:`weight_for_psp`),
    so its charge ``w tau_syn`` differs from the delta network's: it acts as
    a delta input of ``J_eff = R_m w tau_syn / tau_m`` (the PSP integral
    ``R_m w tau_syn`` over ``tau_m``; ``J_eff / J -> 1`` as ``tau_syn -> 0``,
    ~1.10 at 0.5 ms / 20 ms).  Then

    ``mu = C_E J_eff tau_m (nu_ext + nu (1 - g gamma))``,
    ``sigma^2 = C_E J_eff^2 tau_m (nu_ext + nu (1 + g^2 gamma))``,
    ``gamma = C_I / C_E``, and ``nu = siegert_rate_psc(mu, sigma, tau_syn)``
    (threshold and reset raised by ``sigma alpha/2 sqrt(tau_syn/tau_m)``),
    solved by bisection (Brent) on ``[0, 1/t_ref]``; the CV is
    :func:`isi_cv_psc` at the solution.  Valid for ``tau_syn << tau_m``.

    Parameters
    ----------
    C_E, C_I : float
        Excitatory and inhibitory in-degrees.
    g : float
        Relative strength of inhibition.
    eta : float
        External rate relative to ``nu_thr = theta / (J C_E tau_m)`` with
        ``J`` the PSP peak, as in :func:`brunel_prediction` and NEST's
        ``brunel_alpha_nest.py`` / ``brunel_exp_multisynapse_nest.py``
        (so ``eta = 1`` puts the mean at ``theta J_eff/J``, not exactly at
        threshold).  Ignored when ``nu_ext`` is given.
    J : float
        PSP peak of an excitatory synapse [mV], > 0.
    tau_m, t_ref, theta, V_reset : float
        Membrane time constant [ms], refractory period [ms], threshold and
        reset [mV] relative to rest.
    tau_syn : float
        Synaptic time constant [ms], > 0 (``"psc_exp"``).
    model : {"psc_exp", "delta"}
        ``"delta"`` reproduces :func:`brunel_prediction` (``tau_syn``
        ignored); ``"psc_alpha"`` is refused: the Fourcaud-Brunel result is
        for first-order (exponential) filtering.
    nu_ext : float, optional
        Rate of each of the ``C_E`` external inputs [Hz], overriding ``eta``.

    Returns
    -------
    rate : float
        Stationary rate [Hz].
    cv : float
        ISI CV at that rate.
    """
    from scipy.optimize import brentq
    if model not in ("psc_exp", "delta"):
        raise ValueError(f"model must be 'psc_exp' or 'delta' (the Fourcaud-Brunel theory is "
                         f"for exponential synaptic filtering); got model={model!r}")
    if not (np.isfinite(J) and J > 0):
        raise ValueError(f"J must be finite and > 0 (mV); got J={J!r}")
    gamma = C_I / C_E
    if model == "delta":
        ts, J_eff = 0.0, J
    else:
        ts = float(_tau_syn(model, tau_syn))
        w = float(weight_for_psp(J, model=model, tau_syn=ts, tau_m=tau_m, R_m=1.0))
        J_eff = w * ts / tau_m
    if nu_ext is None:
        nu_x = eta * theta / (J * C_E * tau_m)  # 1/ms
    else:
        nu_x = float(nu_ext) / 1000.0
        if not (np.isfinite(nu_x) and nu_x >= 0):
            raise ValueError(f"nu_ext must be finite and >= 0 (Hz); got nu_ext={nu_ext!r}")
    kw = dict(tau_m=tau_m, R_m=1.0, E_L=0.0, V_th=theta, V_reset=V_reset, t_ref=t_ref)

    def musig(nu):
        mu = C_E * J_eff * tau_m * (nu_x + nu * (1 - g * gamma))
        sig = np.sqrt(C_E * J_eff * J_eff * tau_m * (nu_x + nu * (1 + g * g * gamma)))
        return mu, sig

    def f(nu):
        mu, sig = musig(nu)
        r = float(siegert_rate_psc(mu, sig, ts, **kw))
        # siegert_rate gives NaN (inf - inf) where both scaled bounds exceed
        # ~26.6, i.e. where the rate is below e^{-700}: 0 there.
        yr = (V_reset + sig * FB_ALPHA / 2.0 * np.sqrt(ts / tau_m) - mu) / sig
        if np.isnan(r) and yr > 26.0:
            r = 0.0
        return r / 1000.0 - nu

    hi = 1.0 / t_ref if t_ref > 0 else 1e3
    nu = brentq(f, 0.0, hi, xtol=1e-12)
    mu, sig = musig(nu)
    return nu * 1000.0, float(isi_cv_psc(mu, sig, ts, **kw))
