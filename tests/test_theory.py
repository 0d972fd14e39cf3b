"""clif.theory against direct high-precision quadrature (mpmath at 30 digits
for the rate, nested adaptive scipy quadrature for the CV)."""
import mpmath as mp
import numpy as np
import pytest

import clif
from clif.theory import isi_cv, siegert_rate, stochastic_resonance

P = dict(tau_m=20.0, R_m=20.0, E_L=-70.0, V_th=-50.0, V_reset=-70.0, t_ref=2.0)


def _ref_rate(I, s, tau_m=20.0, R_m=20.0, E_L=-70.0, V_th=-50.0, V_reset=-70.0, t_ref=2.0):
    mp.mp.dps = 30
    mu = E_L + R_m * I
    yt, yr = mp.mpf(V_th - mu) / s, mp.mpf(V_reset - mu) / s
    pts = [yr, 0, yt] if yr < 0 < yt else [yr, yt]
    J = mp.quad(lambda u: mp.exp(u * u) * mp.erfc(-u), pts)  # e^{u^2}(1 + erf u)
    return 1000 / (t_ref + tau_m * mp.sqrt(mp.pi) * J)


def _ref_cv(I, s, **p):
    # Brunel (2000) appendix A as written, nested adaptive quadrature (scipy;
    # mpmath at this nesting takes minutes), e^{y^2} (1 + erf y)^2 evaluated
    # as erfcx(-y)^2 e^{-y^2} to avoid overflow.
    from scipy import integrate, special
    q = dict(P, **p)
    mu = q["E_L"] + q["R_m"] * I
    yt, yr = (q["V_th"] - mu) / s, (q["V_reset"] - mu) / s
    nu = float(_ref_rate(I, s, **q)) / 1000

    def outer(x):
        inner = integrate.quad(lambda y: special.erfcx(-y) ** 2 * np.exp(x * x - y * y),
                               -np.inf, x, epsabs=0, epsrel=1e-12, limit=200)[0]
        return inner

    val = integrate.quad(outer, yr, yt, epsabs=0, epsrel=1e-11, limit=200,
                         points=[0.0] if yr < 0 < yt else None)[0]
    return np.sqrt(2 * np.pi * (nu * q["tau_m"]) ** 2 * val)


CASES = [(0.75, 5.0), (0.5, 2.0), (1.25, 1.0), (1.0, 10.0), (0.9, 0.3), (2.0, 3.0),
         (0.3, 1.5), (1.01, 0.5), (5.0, 2.0), (1.0, 40.0)]


@pytest.mark.parametrize("I,s", CASES)
def test_siegert_against_quadrature(I, s):
    assert siegert_rate(I, s, **P) == pytest.approx(float(_ref_rate(I, s)), rel=1e-10)


def test_siegert_other_params():
    q = dict(tau_m=10.0, R_m=40.0, E_L=-65.0, V_th=-52.0, V_reset=-60.0, t_ref=0.0)
    for I, s in [(0.2, 3.0), (0.4, 1.0)]:
        assert siegert_rate(I, s, **q) == pytest.approx(float(_ref_rate(I, s, **q)), rel=1e-10)


@pytest.mark.parametrize("I,s", [(0.75, 5.0), (1.25, 1.0), (1.0, 10.0), (0.5, 3.0), (2.0, 3.0)])
def test_isi_cv_against_quadrature(I, s):
    assert isi_cv(I, s, **P) == pytest.approx(float(_ref_cv(I, s)), rel=1e-4)


def test_sigma_to_zero_meets_deterministic_rate():
    for I in (1.05, 1.5, 3.0):
        det = clif.rate(I, **P)
        errs = [abs(siegert_rate(I, s, **P) / det - 1) for s in (1e-1, 1e-2, 1e-3, 1e-5)]
        assert errs[-1] < 1e-8
        assert all(b < a for a, b in zip(errs, errs[1:]))  # converges monotonically
        assert siegert_rate(I, 0.0, **P) == pytest.approx(det, rel=1e-14)
    # below rheobase the rate goes to 0
    assert siegert_rate(0.9, 1e-3, **P) == 0.0
    assert siegert_rate(0.9, 0.0, **P) == 0.0


def test_broadcast_and_validation():
    r = siegert_rate(np.array([[0.5], [1.0]]), np.array([1.0, 5.0, 10.0]), **P)
    assert r.shape == (2, 3)
    assert r[1, 2] == pytest.approx(siegert_rate(1.0, 10.0, **P), rel=1e-14)
    assert isi_cv([0.8, 1.2], 4.0, **P).shape == (2,)
    with pytest.raises(ValueError, match="sigma must be finite and >= 0"):
        siegert_rate(1.0, -1.0, **P)
    with pytest.raises(ValueError, match="sigma"):
        isi_cv(1.0, np.nan, **P)
    with pytest.raises(ValueError, match="tau_m"):
        siegert_rate(1.0, 1.0, tau_m=-1.0)


def test_stochastic_resonance_interior_maximum():
    # Documented configuration: I_dc = 0.8 nA (16 mV, 4 mV below threshold),
    # I0 = 0.1 nA at 10 Hz (steady-state amplitude 1.25 mV: subthreshold),
    # 500 neurons x 1.8 s per noise level.  Without noise there are no
    # spikes; the SNR peaks near sigma = 2-4 mV.
    sig = [0.5, 1.0, 2.0, 4.0, 8.0, 16.0]
    r = stochastic_resonance(sig, I0=0.1, f=10.0, I_dc=0.8, n=500, seed=3)
    snr = r["snr"]
    j = int(np.argmax(snr))
    assert 0 < j < len(sig) - 1
    assert snr[j] > 3 * snr[0] and snr[j] > 3 * snr[-1]
    assert np.all(np.diff(r["rate"]) >= 0)  # more noise, more spikes
