"""clif.simulate_noisy(model="psc_exp"): white noise on an exponential
synaptic current (colored noise on V), src_c/noise_psc.c.

- The per-step mean propagator and covariance against mpmath quadrature of
  their defining integrals (sharing no code with the kernel's doubling).
- Free-membrane moments of the ensemble after 2000 steps against the
  stationary 2-D Ornstein-Uhlenbeck values.
- The rate against Fourcaud & Brunel (2002) for tau_syn / tau_m <= 0.1, and
  against the white-noise simulator as tau_syn -> 0.
- Reproducibility across threads, splits and offsets; bad input.

Statistical tolerances: two-sided 99.9% bands (Z = 3.29 standard errors)
with fixed seeds.
"""
import mpmath
import numpy as np
import pytest

import clif
from clif import _noise
from clif.theory import isi_cv_psc, siegert_rate, siegert_rate_psc

Z = 3.29
P = dict(tau_m=20.0, R_m=20.0, E_L=-70.0, V_th=-50.0, V_reset=-70.0, t_ref=2.0)
WARM, T = 200.0, 2000.0  # ms


def _reference_step(tau_m, tau_s, sigma, t, dps=30):
    """Phi and Sigma over t in (Y [mV], s = R_m I_s [mV]) by mpmath: P(u) =
    (1/tau_m) int_0^u e^{-(u-r)/tau_m} e^{-r/tau_s} dr, here in closed form
    at 30 digits (its cancellation near tau_s == tau_m costs digits that 30
    have to spare), and Sigma = q int_0^t (P, e^{-u/tau_s})^T (P,
    e^{-u/tau_s}) du, q = sigma^2 tau_m / tau_s^2, by tanh-sinh quadrature."""
    with mpmath.workdps(dps):
        tm, ts, t = mpmath.mpf(tau_m), mpmath.mpf(tau_s), mpmath.mpf(t)
        q = mpmath.mpf(sigma) ** 2 * tm / ts ** 2

        def Pf(u):
            if tm == ts:
                return u / tm * mpmath.exp(-u / tm)
            return (mpmath.exp(-u / tm) - mpmath.exp(-u / ts)) * ts / (tm - ts)

        S11 = q * mpmath.quad(lambda u: Pf(u) ** 2, [0, t])
        S12 = q * mpmath.quad(lambda u: Pf(u) * mpmath.exp(-u / ts), [0, t])
        S22 = q * mpmath.quad(lambda u: mpmath.exp(-2 * u / ts), [0, t])
        return float(Pf(t)), float(S11), float(S12), float(S22)


@pytest.mark.parametrize("tau_s,dt", [(0.5, 0.1), (2.0, 0.1), (20.0, 0.1),
                                      (20.0 * (1 + 1e-7), 0.1), (60.0, 1.0), (0.2, 1.0)])
def test_step_mean_and_covariance_against_quadrature(tau_s, dt):
    # tau_s == tau_m and a hair from it: where the closed form cancels.
    R, sigma = 20.0, 5.0
    sp = _noise.psc_span(20.0, R, sigma, tau_s, dt)
    Pt, S11, S12, S22 = _reference_step(20.0, tau_s, sigma, dt)
    assert sp["e1"] == pytest.approx(np.exp(-dt / 20.0), rel=1e-15)
    assert sp["e2"] == pytest.approx(np.exp(-dt / tau_s), rel=1e-15)
    assert sp["p"] / R == pytest.approx(Pt, rel=1e-13)
    assert sp["S_vv"] == pytest.approx(S11, rel=1e-12)
    assert sp["S_vi"] * R == pytest.approx(S12, rel=1e-12)
    assert sp["S_ii"] * R * R == pytest.approx(S22, rel=1e-13)


def test_free_membrane_stationary_moments():
    # Threshold out of reach; after 2000 steps (10 tau_m, 100 tau_s) the
    # ensemble is the stationary 2-D OU: Var Y = (sigma^2/2) tau_m/(tau_m +
    # tau_s) = Cov(Y, s), Var s = sigma^2 tau_m / (2 tau_s), s = R_m I_s.
    n, sigma, I, ts = 20000, 4.0, 0.5, 2.0
    pop = clif.NoisyPopulation(sigma=sigma, n=n, I_e=I, seed=9, model="psc_exp",
                               tau_syn_ex=ts, **dict(P, V_th=1e3))
    assert len(pop.run(200.0)) == 0
    Y, s = pop.V - (-70.0 + 20.0 * I), 20.0 * pop.I_s
    vy, vs = sigma ** 2 / 2 * 20.0 / (20.0 + ts), sigma ** 2 * 20.0 / (2 * ts)
    c = vy
    assert abs(Y.mean()) < Z * np.sqrt(vy / n)
    assert abs(s.mean()) < Z * np.sqrt(vs / n)
    # Gaussian: SE of a variance v sqrt(2/n), of a covariance
    # sqrt((v_x v_y + c^2) / n)
    assert abs(Y.var() - vy) < Z * vy * np.sqrt(2 / n)
    assert abs(s.var() - vs) < Z * vs * np.sqrt(2 / n)
    assert abs(np.cov(Y, s)[0, 1] - c) < Z * np.sqrt((vy * vs + c * c) / n)
    # the white-noise SD would be sigma / sqrt(2): the filter lowers it
    assert Y.var() < sigma ** 2 / 2 * (1 - 0.05)


# (I [nA], sigma [mV], tau_syn [ms]), tau_syn / tau_m from 0.01 to 0.1: below,
# at and above rheobase (1 nA).
FB_GRID = [(0.75, 5.0, 0.5), (1.0, 5.0, 1.0), (0.9, 3.0, 2.0), (1.2, 5.0, 0.2)]


@pytest.mark.parametrize("I,sigma,ts", FB_GRID)
def test_rate_matches_fourcaud_brunel(I, sigma, ts):
    # Fourcaud & Brunel's shifted boundary is first order in k =
    # sqrt(tau_syn / tau_m); its error is O(k^2) = O(tau_syn / tau_m), a few
    # percent at tau_syn / tau_m <= 0.1 (their Fig. 5; Moreno-Bote & Parga
    # 2004).  Tolerance: 3% plus 3.29 standard errors of the estimate.  The
    # white-noise rate is 5-30% higher here, so the test tells them apart.
    nu, cv = siegert_rate_psc(I, sigma, ts, **P), isi_cv_psc(I, sigma, ts, **P)
    n = 1000
    pop = clif.NoisyPopulation(sigma=sigma, n=n, I_e=I, seed=int(10 * I + sigma + 7 * ts),
                               model="psc_exp", tau_syn_ex=ts, **P)
    pop.run(WARM)
    sp = pop.run(WARM + T)
    rate = len(sp) / n / (T / 1000)
    se = cv / np.sqrt(len(sp))
    assert abs(rate / nu - 1) < 0.03 + Z * se, (rate, nu)
    white = siegert_rate(I, sigma, **P)
    assert abs(rate - nu) < 0.5 * abs(rate - white)


def test_rate_tends_to_white_noise():
    # tau_syn = 0.01 ms: the filtered noise is nearly white on the scale of
    # V (the Fourcaud-Brunel shift is 0.6% of the distance to threshold, 2%
    # of the rate);
    # V is smooth only below dt = 0.1 ms, which the crossing search resolves.
    # Against the delta simulator at the same parameters: the difference of
    # the two estimates within 3.29 SE of it plus the predicted shift.
    I, sigma, n = 0.9, 5.0, 1500
    kw = dict(sigma=sigma, n=n, I_e=I, **P)
    delta = clif.NoisyPopulation(seed=21, **kw)
    delta.run(WARM)
    rd = len(delta.run(WARM + T)) / n / (T / 1000)
    col = clif.NoisyPopulation(seed=22, model="psc_exp", tau_syn_ex=0.01, **kw)
    col.run(WARM)
    rc = len(col.run(WARM + T)) / n / (T / 1000)
    se = np.hypot(rd, rc) / np.sqrt(rd * n * T / 1000)  # Poisson bound (CV < 1)
    shift = siegert_rate(I, sigma, **P) - siegert_rate_psc(I, sigma, 0.01, **P)
    assert 0 < shift < 0.03 * rd
    assert abs(rd - rc - shift) < Z * se, (rd, rc, shift, se)
    assert abs(rc / siegert_rate_psc(I, sigma, 0.01, **P) - 1) < Z * se / rc


def test_crossings_between_grid_points_found():
    # dt = 1 ms (10x coarser than usual, dt / tau_syn = 1): the search finds
    # the up-and-back crossings a grid check misses; the rate agrees with
    # dt = 0.1 ms within 3.29 SE of their difference.
    kw = dict(sigma=5.0, n=1500, I_e=1.0, model="psc_exp", tau_syn_ex=1.0, **P)
    rates = []
    for dt, seed in ((1.0, 31), (0.1, 32)):
        pop = clif.NoisyPopulation(dt=dt, seed=seed, **kw)
        pop.run(WARM)
        sp = pop.run(WARM + T)
        rates.append(len(sp) / 1500 / (T / 1000))
        k = sp.times / dt
        off_grid = np.mean(np.abs(k - np.round(k)) > 1e-6)
        assert off_grid > 0.9  # spike times inside the step, not on the grid
    se = np.hypot(*rates) / np.sqrt(rates[1] * 1500 * T / 1000)
    assert abs(rates[0] - rates[1]) < Z * se, rates


def test_reproducible_across_threads_splits_offsets_and_aliases():
    kw = dict(sigma=6.0, n=40, I_e=np.linspace(0.7, 1.3, 40), seed=123, t_ref=0.05,
              current=([50.0, 120.0], [0.2, -0.1]), model="psc_exp", tau_syn_ex=0.7)
    a = clif.simulate_noisy(300.0, **kw)
    assert len(a) > 200
    assert a == clif.simulate_noisy(300.0, n_threads=3, **kw)
    pop = clif.NoisyPopulation(**kw)
    parts = [pop.run(t) for t in (0.1, 77.7, 200.0, 300.0)]
    c = clif.Spikes(np.concatenate([p.times for p in parts]),
                    np.concatenate([p.senders for p in parts]), 40, 300.0)
    assert a == c
    assert np.array_equal(parts[-1].state, a.state)
    sub = dict(kw, n=15, I_e=kw["I_e"][20:35], neuron_offset=20)
    assert clif.simulate_noisy(300.0, **sub) == a.select(np.arange(20, 35))
    alias = dict(kw)
    alias["tau_syn_E"] = alias.pop("tau_syn_ex")
    assert clif.simulate_noisy(300.0, **alias) == a
    assert clif.simulate_noisy(300.0, **dict(kw, tau_syn_ex=0.8)) != a


def test_delta_default_unchanged():
    # model="delta" given explicitly is the default, bit for bit.
    kw = dict(sigma=5.0, n=20, I_e=1.1, seed=4, **P)
    assert clif.simulate_noisy(200.0, model="delta", **kw) == clif.simulate_noisy(200.0, **kw)


def test_record_and_state():
    sp = clif.simulate_noisy(10.0, sigma=2.0, n=3, I_e=0.5, seed=3, record_V=[2, 0],
                             model="psc_exp", tau_syn_ex=1.0, **P)
    assert sp.extra["V"].shape == (101, 2) and np.all(sp.extra["V"][0] == -70.0)
    assert sp.state.dtype.names == ("V", "I_s", "step", "ref_step", "ref_frac")
    assert np.array_equal(sp.extra["V"][-1], sp.state["V"][[2, 0]])


@pytest.mark.parametrize("kw,exc,match", [
    (dict(tau_syn_ex=0.0), ValueError, r"tau_syn_ex must be finite and > 0 \(ms\)"),
    (dict(tau_syn_ex=-1.0), ValueError, "tau_syn_ex must be finite and > 0"),
    (dict(tau_syn_ex=np.nan), ValueError, "tau_syn_ex must be finite and > 0"),
    (dict(tau_syn_ex="a"), TypeError, "tau_syn_ex must be a real number"),
    (dict(tau_syn_ex=1e-300), ValueError, "tau_syn"),
    (dict(tau_syn_ex=1.0, tau_syn_E=1.0), TypeError, "not both"),
    (dict(tau_syn_in=1.0), ValueError, "tau_syn_in has no effect"),
    (dict(method="euler"), ValueError, "method='euler' is not available for model='psc_exp'"),
    (dict(sine=dict(I0=0.1, f=10.0)), NotImplementedError, "a sine drive is not available for model='psc_exp'"),
    (dict(model="psc_alpha"), ValueError, "model must be one of"),
    (dict(model="nope"), ValueError, "model must be one of"),
    (dict(model="delta", tau_syn_ex=1.0), ValueError, "apply to the current-based models"),
])
def test_bad_input(kw, exc, match):
    kw = dict(dict(model="psc_exp"), **kw)
    with pytest.raises(exc, match=match):
        clif.simulate_noisy(10.0, sigma=1.0, **kw)


def test_bad_times_and_attributes():
    with pytest.raises(ValueError, match=r"2\*\*51 steps for model='psc_exp'"):
        clif.simulate_noisy(2.0 ** 51 * 0.1 + 0.1, sigma=1.0, model="psc_exp")
    with pytest.raises(AttributeError, match="model='psc_exp' only"):
        clif.NoisyPopulation(sigma=1.0, seed=1).I_s
