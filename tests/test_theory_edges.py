"""Issue 20: theory at its edges (sigma -> 0 and subnormal, rates that
underflow, huge |mu|, t_ref = 0).  References are mpmath at 60 digits (no
code shared with clif.theory) and the deterministic closed form clif.rate."""
import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import clif
from clif.theory import isi_cv, siegert_rate

P = dict(tau_m=20.0, R_m=20.0, E_L=-70.0, V_th=-50.0, V_reset=-70.0, t_ref=2.0)


def _mp_rate(I, s, tau_m=20.0, R_m=20.0, E_L=-70.0, V_th=-50.0, V_reset=-70.0, t_ref=2.0):
    """1/nu = t_ref + tau_m sqrt(pi) int_yr^yt e^{u^2} (1 + erf u) du, in
    mpmath; the negative part in u = -e^v so that ranges like [-1e320,
    -1e300] are one smooth integral."""
    with mp.workdps(60):
        s = mp.mpf(s)
        mu = mp.mpf(E_L) + mp.mpf(R_m) * mp.mpf(I)
        yt, yr = (V_th - mu) / s, (V_reset - mu) / s
        g = lambda u: mp.exp(u * u) * mp.erfc(-u)  # noqa: E731  (= e^{u^2}(1+erf u))
        J = mp.mpf(0)
        if yr < 0:
            hi = min(yt, mp.mpf(0))
            if hi < 0:
                J += mp.quad(lambda v: g(-mp.exp(v)) * mp.exp(v),
                             [mp.log(-hi), mp.log(-yr)])
            else:
                J += mp.quad(lambda v: g(-mp.exp(v)) * mp.exp(v), [-40, mp.log(-yr)])
        if yt > 0:
            J += mp.quad(g, [max(yr, mp.mpf(0)), yt])
        return 1000 / (t_ref + tau_m * mp.sqrt(mp.pi) * J)


# (mpmath's quad overflows on |y| ~ 1e300; the subnormal range is checked
# against clif.rate below.)  rel 1e-10: the fixed-node erfcx quadrature is
# good to ~3e-12 over long ranges like [20, 4e7] (as before this change).
@pytest.mark.parametrize("s", [1e-20, 1e-6, 1e-3, 0.1, 1.0])
@pytest.mark.parametrize("I", [2.0, 1.0 + 1e-6, 1.05, 50.0, 1e6])
def test_rate_small_sigma_against_mpmath(I, s):
    assert siegert_rate(I, s, **P) == pytest.approx(float(_mp_rate(I, s)), rel=1e-10, abs=0)


def test_rate_issue_case_equals_deterministic():
    # The issue's case: 5e-324 was NaN; the sigma^2 correction is far below an ulp there.
    for s in (5e-324, 1e-310, 1e-300, 1e-160):
        assert siegert_rate(2.0, s) == clif.rate(2.0)


@pytest.mark.parametrize("I,s", [(0.5, 1.0), (0.5, 0.7), (0.5, 0.6), (0.9, 0.1), (-1e3, 100.0)])
def test_rate_tiny_values_against_mpmath(I, s):
    # rates from 1e-41 down to ~1e-300 Hz: computed in logarithms, not 0 or NaN.
    ref = _mp_rate(I, s)
    got = siegert_rate(I, s, **P)
    if ref < mp.mpf("1e-307"):
        assert got == 0.0 or got == pytest.approx(float(ref), rel=1e-9)
    else:
        assert got == pytest.approx(float(ref), rel=1e-9)


def test_rate_zero_where_it_underflows():
    for s in (5e-324, 1e-300, 1e-3, 0.3):
        assert siegert_rate(0.5, s, **P) == 0.0
    assert siegert_rate(1.0, 5e-324, **P) > 0  # at rheobase: ~1/(tau_m log(1/sigma))


def test_rate_at_rheobase_subnormal_sigma():
    # mu = V_th: the scaled reset is -inf in doubles but log(|yr|) is not.
    # ~1000/(t_ref + tau_m (log(20/sigma) + O(1))): positive, slowly increasing
    r = [siegert_rate(1.0, s, **P) for s in (5e-324, 1e-300, 1e-200, 1e-20)]
    assert 0 < r[0] < r[1] < r[2] < r[3]
    assert r[3] == pytest.approx(float(_mp_rate(1.0, 1e-20)), rel=1e-10)
    with mp.workdps(30):  # leading order: T ~ tau_m (log(dr/sigma) + O(1)), O(1) < 2
        assert abs(1000 / r[0] - 2 - 20 * float(mp.log(20 / mp.mpf(5e-324)))) < 40


def test_cv_small_sigma_linear_noise():
    # CV = tau_m sigma sqrt((1/dt^2 - 1/dr^2)/2)/T (docstring), computed here
    # in mpmath from the deterministic period; the issue's 1e-300 gives ~4e-302.
    dt, dr = 40.0 - 20.0, 40.0 - 0.0  # mu - V_th, mu - V_reset at I = 2 (mV)
    with mp.workdps(40):
        T = 2 + 20 * mp.log(mp.mpf(dr) / dt)
        k = 20 * mp.sqrt((1 / mp.mpf(dt) ** 2 - 1 / mp.mpf(dr) ** 2) / 2) / T
    for s in (1e-300, 1e-200, 1e-20, 1e-9, 1e-7):
        assert isi_cv(2.0, s, **P) == pytest.approx(float(k * s), rel=1e-8)
    assert 3e-302 < isi_cv(2.0, 1e-300) < 5e-302
    # across the switch (mu - V_th)/sigma = 1e8: no jump beyond O(1e-16)
    a, b = isi_cv(2.0, np.nextafter(20.0 / 1e8, 0), **P), isi_cv(2.0, 20.0 / 1e8 * 1.0000001, **P)
    assert abs(a / b - 1) < 2e-7


def test_cv_one_where_rate_underflows():
    for s in (5e-324, 1e-300, 0.1, 0.3):
        assert isi_cv(0.5, s, **P) == 1.0
    assert np.all(np.isfinite(isi_cv(np.linspace(-5, 5, 41), 0.05, **P)))


def test_t_ref_zero_and_huge_mu_finite():
    assert isi_cv(2.0, 1e-300, **{**P, "t_ref": 0.0}) > 0
    for I in (1e6, 1e12, -1e12):
        assert np.isfinite(siegert_rate(I, 1.0, **P)) and np.isfinite(isi_cv(I, 1.0, **P))
    assert siegert_rate(-1e12, 1.0, **P) == 0.0 and isi_cv(-1e12, 1.0, **P) == 1.0


_sig = st.floats(min_value=5e-324, max_value=1e3, allow_subnormal=True)
_cur = st.floats(min_value=-1e8, max_value=1e8)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(_cur, _sig)
def test_property_finite(I, s):
    r, cv = siegert_rate(I, s, **P), isi_cv(I, s, **P)
    assert np.isfinite(r) and r >= 0
    assert np.isfinite(cv) and cv >= 0


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.floats(min_value=-5.0, max_value=10.0), st.floats(min_value=1e-3, max_value=50.0))
def test_property_rate_increases_with_current(I, s):
    # the Siegert rate is increasing in mu (the integrand is positive and the
    # bounds move down); allow rounding at the last bits.
    r0, r1 = siegert_rate(I, s, **P), siegert_rate(I + 0.01, s, **P)
    assert r1 >= r0 * (1 - 1e-13)


@pytest.mark.parametrize("I", [2.0, 1.5, 1e3])
def test_rate_continuous_across_asymptotic_switch(I):
    # erfcx series switch at (mu - V_th)/sigma = 1e4
    s0 = (20.0 * I - 20.0) / 1e4
    a, b = siegert_rate(I, s0 * (1 - 1e-9), **P), siegert_rate(I, s0 * (1 + 1e-9), **P)
    assert abs(a / b - 1) < 1e-12


def test_rate_continuous_across_log_switch():
    # log form for (V_th - mu)/sigma > 25: I = 0.5 -> mu = -60, V_th - mu = 10
    s0 = 10.0 / 25.0
    a, b = siegert_rate(0.5, s0 * (1 - 1e-13), **P), siegert_rate(0.5, s0 * (1 + 1e-13), **P)
    # the rate's own slope: d log nu / d log sigma ~ 2 yt^2 = 1250 -> 2.5e-10
    assert abs(a / b - 1) < 1e-9


def test_psc_variants_inherit_the_edges():
    from clif.theory import isi_cv_psc, siegert_rate_psc
    assert siegert_rate_psc(2.0, 5e-324, 0.5) == clif.rate(2.0)
    assert 3e-302 < isi_cv_psc(2.0, 1e-300, 0.5) < 5e-302
    assert isi_cv_psc(0.5, 0.1, 0.5) == 1.0 and siegert_rate_psc(0.5, 0.1, 0.5) == 0.0
