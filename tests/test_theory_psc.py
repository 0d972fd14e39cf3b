"""PSPs of exponential and alpha current synapses, their peaks, and the
Fourcaud-Brunel (2002) rate with synaptic filtering (clif.theory), each
against a computation that shares no code with clif: mpmath quadrature of the
convolution integral, mpmath root finding on the derivative, mpmath Lambert W,
mpmath quadrature of the shifted Siegert integral, and NNMT's lif.exp (skipped
when nnmt is not installed)."""
import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

import clif
from clif.network import brunel_prediction
from clif.theory import (FB_ALPHA, brunel_rate_psc, isi_cv_psc, psp, psp_peak, psp_peak_time,
                         siegert_rate, siegert_rate_psc, weight_for_psp)

P = dict(tau_m=20.0, R_m=20.0, E_L=-70.0, V_th=-50.0, V_reset=-70.0, t_ref=2.0)
HYP = settings(deadline=None, max_examples=40, database=None)

# tau_syn / tau_m: equality, one part in 1e12 either side, near-equal, and spread.
_NEAR = [1.0, 1.0 + 1e-12, 1.0 - 1e-12, 1.0 + 1e-9, 1.0 - 1e-7, 1.0 + 1e-4, 1.0 - 1e-3]
ratios = st.one_of(st.sampled_from(_NEAR),
                   st.floats(-2.0, 2.0).map(lambda e: 10.0 ** e))
tau_ms = st.floats(1.0, 100.0)


def _pair(tm, ratio):
    ts = tm * ratio
    return tm, ts


# ---------------------------------------------------------------- references

def _mp_current(model, w, ts):
    w, ts = mp.mpf(w), mp.mpf(ts)
    if model == "psc_exp":
        return lambda u: w * mp.exp(-u / ts)
    return lambda u: w * mp.e / ts * u * mp.exp(-u / ts)


def _mp_psp_quad(model, t, w, tm, ts, R):
    """(R/tau_m) int_0^t e^{-(t-u)/tau_m} I(u) du by tanh-sinh quadrature,
    split where the integrand has structure (near 0 on the scale tau_s, near
    t on the scale tau_m)."""
    mp.mp.dps = 40
    t, tm, R = mp.mpf(t), mp.mpf(tm), mp.mpf(R)
    I = _mp_current(model, w, ts)
    pts = {mp.mpf(0), t}
    for c in (1, 5, 20):
        for p in (c * mp.mpf(ts), t - c * tm):
            if 0 < p < t:
                pts.add(p)
    val = mp.quad(lambda u: mp.exp(-(t - u) / tm) * I(u), sorted(pts))
    return R / tm * val


def _mp_psp_closed(model, t, w, tm, ts, R):
    """Textbook closed forms at 60 digits (the tau_s = tau_m limit where they
    are equal)."""
    mp.mp.dps = 60
    t, w, tm, ts, R = (mp.mpf(x) for x in (t, w, tm, ts, R))
    if model == "psc_exp":
        if tm == ts:
            return R * w * t / tm * mp.exp(-t / tm)
        return R * w * ts / (tm - ts) * (mp.exp(-t / tm) - mp.exp(-t / ts))
    if tm == ts:
        return R * w * mp.e * t * t / (2 * tm * tm) * mp.exp(-t / tm)
    D = 1 / ts - 1 / tm
    return R * w * mp.e / (tm * ts) * mp.exp(-t / tm) * (1 - (1 + t * D) * mp.exp(-t * D)) / D**2


def _mp_peak_time(model, tm, ts):
    """Root of V'(t) = (R I(t) - V(t)) / tau_m, bracketed."""
    mp.mp.dps = 60
    I = _mp_current(model, 1.0, ts)

    def dV(t):
        return (I(t) - _mp_psp_closed(model, t, 1.0, tm, ts, 1.0)) / tm

    a, b = mp.mpf(0.5 * min(tm, ts)), mp.mpf(3 * max(tm, ts))
    assert dV(a) > 0 > dV(b)
    return mp.findroot(dV, (a, b), solver="illinois", tol=mp.mpf(10) ** -50, maxsteps=500)


def _mp_siegert(I, sigma, tau_syn, tau_m, R_m, E_L, V_th, V_reset, t_ref):
    """Siegert's integral with both bounds raised by sigma alpha/2
    sqrt(tau_syn/tau_m), alpha = sqrt(2) |zeta(1/2)|, at 30 digits."""
    mp.mp.dps = 30
    alpha = mp.sqrt(2) * abs(mp.zeta(mp.mpf(1) / 2))
    mu = mp.mpf(E_L) + mp.mpf(R_m) * mp.mpf(I)
    s = mp.mpf(sigma)
    sh = alpha / 2 * mp.sqrt(mp.mpf(tau_syn) / tau_m)
    yt, yr = (mp.mpf(V_th) - mu) / s + sh, (mp.mpf(V_reset) - mu) / s + sh
    pts = [yr, 0, yt] if yr < 0 < yt else [yr, yt]
    J = mp.quad(lambda u: mp.exp(u * u) * mp.erfc(-u), pts)
    return 1000 / (t_ref + tau_m * mp.sqrt(mp.pi) * J)


def _rel(a, b):
    return abs(mp.mpf(a) / b - 1)


# ----------------------------------------------------------------- the PSPs

def test_reference_closed_form_agrees_with_quadrature():
    # The two mpmath references agree with each other (so either may be used).
    for model in ("psc_exp", "psc_alpha"):
        for tm, ts, t in [(20.0, 5.0, 7.0), (10.0, 10.0, 3.0), (5.0, 40.0, 60.0)]:
            q = _mp_psp_quad(model, t, 1.0, tm, ts, 20.0)
            c = _mp_psp_closed(model, t, 1.0, tm, ts, 20.0)
            assert _rel(q, c) < mp.mpf(10) ** -30


@pytest.mark.parametrize("model", ["psc_exp", "psc_alpha"])
@seed(20240611)
@HYP
@given(tm=tau_ms, ratio=ratios, c=st.floats(1e-3, 15.0), w=st.floats(-3.0, 3.0),
       R=st.floats(1.0, 500.0))
def test_psp_against_quadrature(model, tm, ratio, c, w, R):
    tm, ts = _pair(tm, ratio)
    t = c * max(tm, ts)
    got = psp(t, w, model=model, tau_syn=ts, tau_m=tm, R_m=R)
    ref = _mp_psp_quad(model, t, w, tm, ts, R)
    if w == 0:
        assert got == 0
    else:
        assert _rel(got, ref) <= 1e-12, (got, ref)


@pytest.mark.parametrize("model", ["psc_exp", "psc_alpha"])
def test_psp_equal_and_nearly_equal_taus(model):
    # tau_s = tau_m: the limit; tau_m (1 +- 1e-12): within ~1e-12 of it, no 0/0.
    tm = 10.0
    t = np.array([0.1, 1.0, 10.0, 30.0, 150.0])
    exact = [float(_mp_psp_closed(model, x, 1.0, tm, tm, 10.0)) for x in t]
    np.testing.assert_allclose(psp(t, 1.0, model=model, tau_syn=tm, tau_m=tm, R_m=10.0),
                               exact, rtol=1e-14)
    for ts in (tm * (1 + 1e-12), tm * (1 - 1e-12), np.nextafter(tm, 0), np.nextafter(tm, 99)):
        v = psp(t, 1.0, model=model, tau_syn=ts, tau_m=tm, R_m=10.0)
        assert np.all(np.isfinite(v))
        np.testing.assert_allclose(v, exact, rtol=2e-11)
    # closed forms at the limit
    if model == "psc_exp":
        assert psp(tm, 1.0, model=model, tau_syn=tm, tau_m=tm, R_m=10.0) == pytest.approx(
            10.0 / math.e, rel=1e-15)
    else:
        assert psp(2 * tm, 1.0, model=model, tau_syn=tm, tau_m=tm, R_m=10.0) == pytest.approx(
            20.0 / math.e, rel=1e-15)


def test_psp_delta_and_edges():
    t = np.array([-1.0, 0.0, 5.0, np.inf])
    np.testing.assert_array_equal(psp(t, 2.0, model="delta", tau_m=10.0),
                                  [0.0, 2.0, 2.0 * math.exp(-0.5), 0.0])
    for model in ("psc_exp", "psc_alpha"):
        v = psp([-5.0, 0.0, 1e6, 1e300, np.inf], 1.0, model=model, tau_syn=2.0)
        np.testing.assert_array_equal(v, 0.0)
        # linear in w, C_m form of the membrane, and broadcasting / out=
        a = psp(3.0, 1.0, model=model, tau_syn=2.0, tau_m=10.0, C_m=0.5)
        assert psp(3.0, -2.5, model=model, tau_syn=2.0, tau_m=10.0, R_m=20.0) == pytest.approx(
            -2.5 * a, rel=1e-15)
        out = np.empty((3, 4))
        r = psp(np.linspace(0.5, 10, 4), 1.0, model=model, tau_syn=np.array([[1.0], [5.0],
                                                                              [20.0]]), out=out)
        assert r is out and np.all(out > 0)
        assert out[1, 2] == psp(np.linspace(0.5, 10, 4)[2], 1.0, model=model, tau_syn=5.0)


@pytest.mark.parametrize("model", ["psc_exp", "psc_alpha"])
def test_psp_far_from_the_fast_time_constant(model):
    # t / tau_small past 50 and up to overflow (subnormal tau_syn or tau_m):
    # the ratio form, finite and at full precision (was NaN; found by
    # tests/test_fuzz.py: psp(5e-324, 5e-324, tau_syn=5e-324)).
    for t, tm, ts in [(3.0, 20.0, 0.05), (3.0, 20.0, 0.06), (1.0, 0.01, 1.0),
                      (5.0, 0.05, 2.0), (1.0, 20.0, 1e-300), (200.0, 0.5, 100.0)]:
        got = psp(t, 1.0, model=model, tau_syn=ts, tau_m=tm, R_m=20.0)
        assert _rel(got, _mp_psp_closed(model, t, 1.0, tm, ts, 20.0)) <= 1e-14, (t, tm, ts)
    for t, ts in [(5e-324, 5e-324), (1e-310, 1e-310), (1.0, 1e-310), (1.0, 5e-324)]:
        v = psp(t, 1.0, model=model, tau_syn=ts, tau_m=20.0, R_m=20.0)
        assert np.isfinite(v) and 0.0 <= v < 1e-300, (t, ts, v)


def test_peak_time_and_amplitude_at_extreme_time_constant_ratios():
    # tau_s / tau_m from 1e-323 to 1e306: finite and at full precision (was
    # NaN past 1e155 and below 1e-308; found by tests/test_fuzz.py).
    mp.mp.dps = 60
    tm = mp.mpf(20)
    for ts in (1e-20, 1e-99, 1e-101, 1e-300, 1e-310, 1e5, 1e100, 1e160, 1e300, 1e307):
        T = mp.mpf(ts)
        r = tm / T
        if ts < 1:
            x = mp.findroot(lambda u: u - mp.log(1 + r * u), mp.log(r) + mp.log(mp.log(r)))
        else:  # e^x = 1 + r x, x < -1: the contraction x = -(1 - e^x)/r
            x = -1 / r
            for _ in range(5):
                x = -(1 - mp.e ** x) / r
        t_alpha = x / (1 / T - 1 / tm)
        t_exp = tm * T * mp.log(tm / T) / (tm - T)
        tol = 1e-14 if ts > 1e-300 else 1e-10   # subnormal tau_s: its own digits
        assert _rel(psp_peak_time(model="psc_alpha", tau_syn=ts, tau_m=20.0), t_alpha) < tol
        assert _rel(psp_peak_time(model="psc_exp", tau_syn=ts, tau_m=20.0), t_exp) < tol
        for model in ("psc_exp", "psc_alpha"):
            v = psp_peak(1.0, model=model, tau_syn=ts, tau_m=20.0, R_m=20.0)
            assert np.isfinite(v) and 0 < v <= 20.0, (model, ts, v)


def test_psp_peaks_on_small_tau_syn_tend_to_delta():
    # Fast synapse: the PSP tends to a delta PSP of the same charge,
    # J_eff = R w tau_s / tau_m.
    tm, ts, R = 20.0, 1e-6, 20.0
    w = 1.0 / ts  # unit charge
    assert psp(5.0, w, tau_syn=ts, tau_m=tm, R_m=R) == pytest.approx(
        R / tm * math.exp(-5.0 / tm), rel=1e-6)
    assert psp_peak(w, tau_syn=ts, tau_m=tm, R_m=R) == pytest.approx(R / tm, rel=1e-4)


# -------------------------------------------------------------------- peaks

@pytest.mark.parametrize("model", ["psc_exp", "psc_alpha"])
@seed(7)
@settings(deadline=None, max_examples=25, database=None)
@given(tm=tau_ms, ratio=ratios)
def test_peak_time_and_amplitude_against_findroot(model, tm, ratio):
    tm, ts = _pair(tm, ratio)
    ref_t = _mp_peak_time(model, tm, ts)
    got_t = psp_peak_time(model=model, tau_syn=ts, tau_m=tm)
    assert _rel(got_t, ref_t) <= 1e-12, (got_t, ref_t)
    ref_v = _mp_psp_closed(model, ref_t, 1.0, tm, ts, 7.0)
    got_v = psp_peak(1.0, model=model, tau_syn=ts, tau_m=tm, R_m=7.0)
    assert _rel(got_v, ref_v) <= 1e-12
    # the PSP itself at the peak time
    assert _rel(psp(got_t, 1.0, model=model, tau_syn=ts, tau_m=tm, R_m=7.0), ref_v) <= 1e-12


def test_alpha_peak_time_lambert_w_formula():
    # t* = tau_m tau_s/(tau_m - tau_s) (-W_k(-rho e^{-rho}) - rho), rho =
    # tau_s/tau_m, k = -1 below tau_m, 0 above (mpmath's W).
    mp.mp.dps = 30
    for tm, ts in [(20.0, 0.5), (20.0, 5.0), (10.0, 30.0), (3.0, 100.0), (50.0, 1e-3)]:
        rho = mp.mpf(ts) / tm
        k = -1 if rho < 1 else 0
        x = -mp.lambertw(-rho * mp.exp(-rho), k).real - rho
        ref = tm * ts / (tm - ts) * x
        assert _rel(psp_peak_time(model="psc_alpha", tau_syn=ts, tau_m=tm), ref) < 1e-13


def test_peak_limits_at_equal_taus():
    for tm in (0.3, 10.0, 20.0, 77.0):
        assert psp_peak_time(tau_syn=tm, tau_m=tm) == tm
        assert psp_peak_time(model="psc_alpha", tau_syn=tm, tau_m=tm) == 2 * tm
        assert psp_peak(1.0, tau_syn=tm, tau_m=tm, R_m=5.0) == pytest.approx(5 / math.e,
                                                                              rel=1e-15)
        assert psp_peak(1.0, model="psc_alpha", tau_syn=tm, tau_m=tm,
                        R_m=5.0) == pytest.approx(10 / math.e, rel=1e-15)
    assert psp_peak_time(model="delta", tau_m=[10.0, 20.0]).tolist() == [0.0, 0.0]
    assert psp_peak(0.7, model="delta") == 0.7
    # symmetric in (tau_m, tau_s) for psc_exp
    assert psp_peak_time(tau_syn=3.0, tau_m=17.0) == pytest.approx(
        psp_peak_time(tau_syn=17.0, tau_m=3.0), rel=1e-15)


@pytest.mark.parametrize("model", ["delta", "psc_exp", "psc_alpha"])
@seed(11)
@HYP
@given(J=st.floats(-5.0, 5.0).filter(lambda x: abs(x) > 1e-6), tm=tau_ms, ratio=ratios,
       C=st.floats(0.05, 2.0))
def test_weight_for_psp_round_trip(model, J, tm, ratio, C):
    tm, ts = _pair(tm, ratio)
    kw = dict(model=model, tau_syn=ts, tau_m=tm, C_m=C)
    w = weight_for_psp(J, **kw)
    assert psp_peak(w, **kw) == pytest.approx(J, rel=1e-14)
    t = psp_peak_time(**kw)
    assert psp(t, w, **kw) == pytest.approx(J, rel=1e-12)
    if model != "delta":  # the peak is a maximum of |PSP|
        assert abs(psp(t * (1 + 1e-3), w, **kw)) < abs(J)
        assert abs(psp(t * (1 - 1e-3), w, **kw)) < abs(J)


def test_weight_for_psp_nest_brunel_value():
    # The parameters of NEST's brunel_alpha_nest.py (tauMem = 20 ms, CMem =
    # 250 pF, tauSyn = 0.5 ms, J = 0.1 mV), in nA and nF: the weight is J over
    # the mpmath peak of the closed-form PSP of a 1 nA alpha current.
    tm, ts, C = 20.0, 0.5, 0.25
    tp = _mp_peak_time("psc_alpha", tm, ts)
    unit = _mp_psp_closed("psc_alpha", tp, 1.0, tm, ts, tm / C)
    assert _rel(weight_for_psp(0.1, model="psc_alpha", tau_syn=ts, tau_m=tm, C_m=C),
                mp.mpf("0.1") / unit) < 1e-13


# ---------------------------------------------------- Fourcaud-Brunel rate

def test_alpha_constant():
    mp.mp.dps = 30
    assert _rel(FB_ALPHA, mp.sqrt(2) * abs(mp.zeta(0.5))) < 2e-16


def test_siegert_psc_is_siegert_at_zero_tau_syn():
    I = np.array([[0.3], [0.75], [1.0], [1.3], [4.0]])
    s = np.array([0.0, 0.5, 2.0, 5.0, 20.0])
    a = siegert_rate_psc(I, s, 0.0, **P)
    b = siegert_rate(I, s, **P)
    np.testing.assert_array_equal(a, b)  # bit-identical
    q = dict(tau_m=10.0, C_m=0.25, E_L=-65.0, V_th=-52.0, V_reset=-60.0, t_ref=1.0)
    assert siegert_rate_psc(0.5, 3.0, 0.0, **q) == siegert_rate(0.5, 3.0, **q)
    assert isi_cv_psc(1.0, 5.0, 0.0, **P) == clif.isi_cv(1.0, 5.0, **P)


@pytest.mark.parametrize("I,s,ts", [(0.75, 5.0, 0.5), (1.25, 1.0, 2.0), (1.0, 10.0, 0.1),
                                    (0.5, 3.0, 1.0), (2.0, 4.0, 0.25), (0.9, 0.3, 5.0)])
def test_siegert_psc_against_quadrature(I, s, ts):
    ref = _mp_siegert(I, s, ts, **P)
    assert _rel(siegert_rate_psc(I, s, ts, **P), ref) < 1e-10


def test_siegert_psc_continuous_like_sqrt_tau_syn():
    for I, s in [(0.75, 5.0), (1.2, 2.0), (2.0, 8.0)]:
        r0 = siegert_rate(I, s, **P)
        taus = 10.0 ** -np.arange(2.0, 12.0, 2.0)
        d = np.abs(siegert_rate_psc(I, s, taus, **P) - r0)
        assert np.all(d > 0) and np.all(np.diff(d) < 0)
        # d ~ c sqrt(tau_syn): tau_syn / 100 -> d / 10
        ratio = d[:-1] / d[1:]
        assert np.all(np.abs(ratio - 10.0) < 0.5)
        assert abs(ratio[-1] - 10.0) < 1e-3
        # more filtering raises the effective threshold: fewer spikes
        assert siegert_rate_psc(I, s, 1.0, **P) < r0


def test_siegert_psc_broadcast_and_sigma_zero():
    r = siegert_rate_psc(np.array([[0.8], [1.2]]), np.array([1.0, 4.0, 8.0]),
                         np.array([0.0, 0.5, 2.0]), **P)
    assert r.shape == (2, 3)
    assert r[1, 2] == siegert_rate_psc(1.2, 8.0, 2.0, **P)
    assert siegert_rate_psc(1.5, 0.0, 2.0, **P) == pytest.approx(clif.rate(1.5, **P), rel=1e-14)


# ------------------------------------------------------------------- Brunel

def test_brunel_delta_is_brunel_prediction():
    for args in [(800, 200, 5.0, 2.0, 0.1), (800, 200, 6.0, 1.5, 0.1), (800, 200, 4.5, 0.9, 0.2),
                 (1000, 250, 5.0, 1.2, 0.2)]:
        a = brunel_prediction(*args)
        b = brunel_rate_psc(*args, model="delta")
        assert b[0] == pytest.approx(a[0], rel=1e-12) and b[1] == pytest.approx(a[1], rel=1e-12)


def test_brunel_psc_strong_inhibition_bracket():
    # At nu = 1/t_ref the mean input lies far below reset, where siegert_rate
    # returns NaN instead of 0 (both bounds > 26.6); the solver treats it as
    # 0 and still lands on a self-consistent rate.
    C_E, C_I, g, eta, J = 4000, 1000, 6.0, 4.0, 0.1
    for model in ("delta", "psc_exp"):
        rate, cv = brunel_rate_psc(C_E, C_I, g, eta, J, model=model)
        assert 0 < rate < 500 and 0 < cv < 1.5
        w = 1.0 if model == "delta" else weight_for_psp(J, tau_syn=0.5, tau_m=20.0, R_m=1.0)
        Je = J if model == "delta" else w * 0.5 / 20.0
        nu, nx = rate / 1000, eta * 20.0 / (J * C_E * 20.0)
        mu = C_E * Je * 20.0 * (nx + nu * (1 - g * C_I / C_E))
        sig = math.sqrt(C_E * Je**2 * 20.0 * (nx + nu * (1 + g * g * C_I / C_E)))
        ts = 0.0 if model == "delta" else 0.5
        r = siegert_rate_psc(mu, sig, ts, tau_m=20.0, R_m=1.0, E_L=0.0, V_th=20.0,
                             V_reset=10.0, t_ref=2.0)
        assert r == pytest.approx(rate, rel=1e-8)


def test_brunel_psc_tends_to_delta():
    args = (800, 200, 5.0, 2.0, 0.1)
    r0 = brunel_prediction(*args)[0]
    d = np.array([abs(brunel_rate_psc(*args, tau_syn=ts)[0] - r0)
                  for ts in (1e-2, 1e-4, 1e-6, 1e-8, 1e-10)])
    assert np.all(np.diff(d) < 0)
    # ~ sqrt(tau_syn) (the boundary shift), once the O(tau_syn ln tau_syn)
    # change of J_eff / J is negligible
    ratio = d[:-1] / d[1:]
    assert np.all(np.abs(ratio[1:] - 10.0) < 1.0) and abs(ratio[-1] - 10.0) < 0.05


def test_brunel_psc_against_mpmath_self_consistency():
    # Independent: J_eff from the mpmath peak of the closed-form PSP, the
    # shifted Siegert integral by mpmath quadrature, and mpmath's root finder.
    C_E, C_I, g, eta, J, tm, ts = 800, 200, 5.0, 2.0, 0.1, 20.0, 0.5
    tp = _mp_peak_time("psc_exp", tm, ts)
    w = mp.mpf(J) / _mp_psp_closed("psc_exp", tp, 1.0, tm, ts, 1.0)
    Je = w * ts / tm
    nu_x = mp.mpf(eta) * 20.0 / (J * C_E * tm)
    gam = mp.mpf(C_I) / C_E

    def f(nu):
        mu = C_E * Je * tm * (nu_x + nu * (1 - g * gam))
        sig = mp.sqrt(C_E * Je**2 * tm * (nu_x + nu * (1 + g * g * gam)))
        return _mp_siegert(mu, sig, ts, tm, 1.0, 0.0, 20.0, 10.0, 2.0) / 1000 - nu

    mp.mp.dps = 30
    ref = mp.findroot(f, (mp.mpf("0.03"), mp.mpf("0.06")), solver="anderson") * 1000
    rate, cv = brunel_rate_psc(C_E, C_I, g, eta, J, tau_m=tm, tau_syn=ts)
    assert _rel(rate, ref) < 1e-9
    assert 0 < cv < 1
    # nu_ext overrides eta
    assert brunel_rate_psc(C_E, C_I, g, 0.0, J, tau_syn=ts,
                           nu_ext=float(nu_x) * 1000)[0] == pytest.approx(rate, rel=1e-12)


# --------------------------------------------------------------------- NNMT

def _nnmt_exp():
    return pytest.importorskip("nnmt.lif.exp")


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("I,s,ts", [(0.75, 5.0, 0.5), (1.25, 1.0, 2.0), (1.0, 10.0, 0.1),
                                    (0.5, 3.0, 1.0)])
def test_siegert_psc_against_nnmt(I, s, ts):
    E = _nnmt_exp()
    # NNMT: SI units, potentials relative to rest.
    mu = P["R_m"] * I * 1e-3
    ref = E._firing_rate_shift(mu, s * 1e-3, 0.0, 20e-3, 20e-3, 2e-3, ts * 1e-3)
    assert siegert_rate_psc(I, s, ts, **P) == pytest.approx(float(ref), rel=1e-12)
    nu = siegert_rate_psc(I, s, ts, **P)
    cv = E._cvs_single_population(nu, mu, s * 1e-3, 0.0, 20e-3, 20e-3, ts * 1e-3)
    assert isi_cv_psc(I, s, ts, **P) == pytest.approx(float(cv), rel=1e-9)


@pytest.mark.filterwarnings("ignore")
def test_brunel_psc_against_nnmt():
    E = _nnmt_exp()
    C_E, C_I, g, eta, J, ts = 800, 200, 5.0, 2.0, 0.1, 0.5
    Je = weight_for_psp(J, tau_syn=ts, tau_m=20.0, R_m=1.0) * ts / 20.0
    nu_ext = eta * 20.0 / (J * C_E * 20.0) * 1000  # Hz
    two = np.ones(2)
    res = E._firing_rates(J=np.array([[Je, -g * Je]] * 2) * 1e-3, K=np.array([[C_E, C_I]] * 2),
                          V_0_rel=10e-3 * two, V_th_rel=20e-3 * two, tau_m=20e-3 * two,
                          tau_r=2e-3 * two, tau_s=ts * 1e-3, J_ext=np.array([[Je * 1e-3]] * 2),
                          K_ext=np.array([[C_E]] * 2), nu_ext=np.array([nu_ext]))
    rate = brunel_rate_psc(C_E, C_I, g, eta, J, tau_syn=ts)[0]
    np.testing.assert_allclose(res, rate, rtol=1e-8)


# ------------------------------------------------------------------- errors

def test_errors():
    with pytest.raises(ValueError, match="model must be one of"):
        psp(1.0, 1.0, model="psc_cond", tau_syn=1.0)
    for bad in (0.0, -1.0, np.nan, np.inf, [1.0, -2.0]):
        with pytest.raises(ValueError, match="tau_syn must be finite and > 0"):
            psp(1.0, 1.0, tau_syn=bad)
        with pytest.raises(ValueError, match="tau_syn"):
            psp_peak_time(model="psc_alpha", tau_syn=bad)
    with pytest.raises(ValueError, match="tau_syn .*required"):
        psp_peak(1.0, model="psc_alpha")
    with pytest.raises(ValueError, match="tau_syn .*required"):
        weight_for_psp(1.0)
    with pytest.raises(ValueError, match="tau_m"):
        psp(1.0, 1.0, tau_syn=1.0, tau_m=-3.0)
    with pytest.raises(ValueError, match="C_m"):
        psp_peak(1.0, tau_syn=1.0, C_m=0.0)
    with pytest.raises(ValueError, match="w must be finite"):
        psp(1.0, np.nan, tau_syn=1.0)
    with pytest.raises(ValueError, match="t must not be NaN"):
        psp([1.0, np.nan], 1.0, tau_syn=1.0)
    with pytest.raises(ValueError, match="J must be finite"):
        weight_for_psp(np.inf, tau_syn=1.0)
    with pytest.raises(TypeError, match="tau_syn"):
        psp(1.0, 1.0, tau_syn="fast")
    for bad in (-0.5, np.nan, np.inf):
        with pytest.raises(ValueError, match="tau_syn"):
            siegert_rate_psc(1.0, 2.0, bad, **P)
    with pytest.raises(ValueError, match="sigma must be finite and >= 0"):
        siegert_rate_psc(1.0, -2.0, 0.5, **P)
    with pytest.raises(ValueError, match="V_reset"):
        siegert_rate_psc(1.0, 2.0, 0.5, **dict(P, V_reset=-40.0))
    with pytest.raises(ValueError, match="model must be 'psc_exp' or 'delta'"):
        brunel_rate_psc(800, 200, 5.0, 2.0, 0.1, model="psc_alpha")
    with pytest.raises(ValueError, match="J must be finite and > 0"):
        brunel_rate_psc(800, 200, 5.0, 2.0, -0.1)
    with pytest.raises(ValueError, match="tau_syn"):
        brunel_rate_psc(800, 200, 5.0, 2.0, 0.1, tau_syn=0.0)
    with pytest.raises(ValueError, match="nu_ext"):
        brunel_rate_psc(800, 200, 5.0, 2.0, 0.1, nu_ext=-1.0)
