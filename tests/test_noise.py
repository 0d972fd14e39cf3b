"""clif.simulate_noisy: validation against the Siegert rate and Brunel's CV,
free-membrane statistics, reproducibility, drives, bad input.

Statistical tolerances: two-sided 99.9% bands (Z = 3.29 standard errors)
with fixed seeds.  For the rate tests the number of neurons is chosen from
the theory so that 1% is at least 3.29 standard errors of the rate estimate
(SE/rate = CV / sqrt(spike count) for a renewal process).
"""
import numpy as np
import pytest

import clif
from clif.theory import isi_cv, siegert_rate

Z = 3.29
P = dict(tau_m=20.0, R_m=20.0, E_L=-70.0, V_th=-50.0, V_reset=-70.0, t_ref=2.0)
WARM, T = 200.0, 2000.0  # ms: warm-up (10 tau_m) and measured duration


def _stationary(I, sigma, n, method="exact", seed=1, dt=0.1, **kw):
    pop = clif.NoisyPopulation(sigma=sigma, n=n, I_e=I, dt=dt, method=method, seed=seed,
                               **dict(P, **kw))
    pop.run(WARM)
    return pop.run(WARM + T)


# (I [nA], sigma [mV]): below rheobase (1 nA), at it, above; sigma 1..10 mV.
GRID = [(0.75, 5.0), (0.6, 10.0), (0.9, 2.0), (1.0, 1.0), (1.0, 5.0), (1.1, 1.0),
        (1.25, 5.0), (1.5, 10.0)]


@pytest.mark.parametrize("I,sigma", GRID)
def test_rate_matches_siegert_within_1_percent(I, sigma):
    nu, cv = siegert_rate(I, sigma, **P), isi_cv(I, sigma, **P)
    spikes_needed = (Z * cv / 0.01) ** 2
    n = int(np.ceil(spikes_needed / (nu * T / 1000)))
    assert n <= 6000  # keeps the test fast; all grid points need fewer
    sp = _stationary(I, sigma, n, seed=int(100 * I + sigma))
    rate = len(sp) / n / (T / 1000)
    assert abs(rate / nu - 1) < 0.01, (rate, nu)
    # CV of the pooled ISIs within 3% of Brunel's formula
    isis = sp.isi_all()
    assert abs(isis.std() / isis.mean() / cv - 1) < 0.03


def test_euler_bias_is_larger_than_exact():
    # 15 mV above rest, sigma = 5 mV: Euler at dt = 0.1 ms is ~6% low.
    nu = siegert_rate(0.75, 5.0, **P)
    n = 3000
    ex = len(_stationary(0.75, 5.0, n, "exact", seed=5)) / n / (T / 1000) / nu - 1
    eu = len(_stationary(0.75, 5.0, n, "euler", seed=5)) / n / (T / 1000) / nu - 1
    se = 1.0 / np.sqrt(nu * n * T / 1000)  # Poisson bound on the relative SE
    assert eu < -0.03 and eu < -Z * se
    assert abs(ex) < abs(eu) / 3


def test_exact_rate_independent_of_dt():
    # The bridge and the sampled crossing times leave no dt bias: dt = 1 ms
    # (10x coarser) still gives the Siegert rate.
    nu = siegert_rate(1.0, 5.0, **P)
    n = 1500
    sp = _stationary(1.0, 5.0, n, dt=1.0, seed=8)
    rate = len(sp) / n / (T / 1000)
    se = isi_cv(1.0, 5.0, **P) / np.sqrt(len(sp))
    assert abs(rate / nu - 1) < Z * se


def test_free_membrane_stationary_mean_and_sd():
    # Threshold out of reach; after 10 tau_m, V ~ N(mu, sigma^2 / 2).
    n, sigma, I = 20000, 4.0, 0.5
    pop = clif.NoisyPopulation(sigma=sigma, n=n, I_e=I, seed=9, **dict(P, V_th=1e3))
    sp = pop.run(200.0)
    assert len(sp) == 0
    V = pop.V
    mu, sd = -70.0 + 20.0 * I, sigma / np.sqrt(2)
    assert abs(V.mean() - mu) < Z * sd / np.sqrt(n)
    assert abs(V.std() / sd - 1) < Z / np.sqrt(2 * n)


def test_subthreshold_with_noise_fires():
    sp = _stationary(0.8, 3.0, 500, seed=10)
    assert clif.rate(0.8, **P) == 0.0
    nu = siegert_rate(0.8, 3.0, **P)
    rate = len(sp) / 500 / (T / 1000)
    assert rate > 0
    assert abs(rate / nu - 1) < Z / np.sqrt(len(sp))  # CV <= 1 here: Poisson bound


def test_sigma_zero_is_deterministic():
    # Exactly periodic firing from V0 = V_reset = E_L: spikes at
    # t1 + j (t_ref + t1), t1 = tau_m log((mu - V_reset)/(mu - V_th)).
    I = 1.5
    sp = clif.simulate_noisy(500.0, sigma=0.0, n=2, I_e=I, seed=1, **P)
    t1 = 20.0 * np.log(30.0 / 10.0)
    expect = t1 + np.arange(20) * (2.0 + t1)
    expect = expect[expect < 500.0]
    np.testing.assert_allclose(sp.times[sp.senders == 0], expect, rtol=0, atol=1e-6)
    # tiny noise: the deterministic rate
    sp = _stationary(I, 1e-3, 50, seed=2)
    assert 1000.0 / sp.isi_all().mean() == pytest.approx(clif.rate(I, **P), rel=1e-4)


def test_bit_identical_across_threads_splits_and_offsets():
    kw = dict(sigma=6.0, n=60, I_e=np.linspace(0.7, 1.3, 60), seed=123, t_ref=0.35,
              current=([50.0, 120.0], [0.2, -0.1]), sine=dict(I0=0.1, f=20.0))
    a = clif.simulate_noisy(300.0, **kw)
    assert len(a) > 200
    b = clif.simulate_noisy(300.0, n_threads=3, **kw)
    assert a == b
    pop = clif.NoisyPopulation(**kw)
    parts = [pop.run(t) for t in (0.1, 77.7, 200.0, 300.0)]
    c = clif.Spikes(np.concatenate([p.times for p in parts]),
                    np.concatenate([p.senders for p in parts]), 60, 300.0)
    assert a == c
    # neurons [20, 35) simulated alone with neuron_offset=20
    sub = dict(kw, n=15, I_e=kw["I_e"][20:35], neuron_offset=20)
    d = clif.simulate_noisy(300.0, **sub)
    assert d == a.select(np.arange(20, 35))
    # other seed, other spikes; same seed via SeedSequence is reproducible
    assert clif.simulate_noisy(300.0, **dict(kw, seed=124)) != a
    e1 = clif.simulate_noisy(50.0, **dict(kw, seed=np.random.SeedSequence(5)))
    e2 = clif.simulate_noisy(50.0, **dict(kw, seed=np.random.SeedSequence(5)))
    assert e1 == e2 and e1.seed == e2.seed


def test_euler_reproducible_and_grid_times():
    kw = dict(sigma=5.0, n=20, I_e=1.2, seed=4, method="euler")
    a = clif.simulate_noisy(200.0, **kw)
    assert a == clif.simulate_noisy(200.0, n_threads=2, **kw)
    k = a.times / 0.1
    np.testing.assert_allclose(k, np.round(k), atol=1e-9)


def test_spike_buffer_growth_and_max_spikes():
    kw = dict(sigma=5.0, n=5, I_e=3.0, seed=1, t_ref=0.0)  # ~200 Hz, buffer must grow
    a = clif.simulate_noisy(3000.0, **kw)
    assert len(a) > 1500  # ~120 Hz: the first buffer guess (20 Hz) must grow
    with pytest.raises(OverflowError, match="max_spikes=100"):
        clif.simulate_noisy(3000.0, max_spikes=100, **kw)
    assert clif.simulate_noisy(3000.0, max_spikes=len(a), **kw) == a


def test_record_traces():
    sp = clif.simulate_noisy(10.0, sigma=2.0, n=4, I_e=0.5, seed=3, record_V=[3, 1, 3],
                             V_dt=0.5, **P)
    V, t = sp.extra["V"], sp.extra["t"]
    assert V.shape == (21, 3) and np.allclose(t, np.arange(21) * 0.5)
    assert np.all(V[0] == -70.0)
    assert np.array_equal(V[:, 0], V[:, 2])
    full = clif.simulate_noisy(10.0, sigma=2.0, n=4, I_e=0.5, seed=3, record_V=[1], **P)
    assert np.array_equal(full.extra["V"][::5, 0], V[:, 1])
    assert "V" not in clif.simulate_noisy(1.0, sigma=2.0, n=4, seed=3).extra


def test_sine_without_noise_is_exact():
    # sigma = 0, subthreshold: V(t) = E_L + R I_dc + V_p(t) + c e^{-t/tau},
    # V_p = R I0 / (1 + (w tau)^2) (sin wt - w tau cos wt).
    I0, f, Idc = 0.2, 25.0, 0.5
    sp = clif.simulate_noisy(100.0, sigma=0.0, sine=dict(I0=I0, f=f, I_dc=Idc), seed=0,
                             record_V=[0], **P)
    t = sp.extra["t"]
    w = 2 * np.pi * f / 1000
    A = 20.0 * I0 / (1 + (w * 20) ** 2)
    Vp = A * (np.sin(w * t) - w * 20 * np.cos(w * t))
    V = -70 + 20 * Idc + Vp + (0 - (20 * Idc + Vp[0])) * np.exp(-t / 20)
    np.testing.assert_allclose(sp.extra["V"][:, 0], V, rtol=0, atol=1e-10)


def test_piecewise_current_per_neuron():
    # neuron 0 gets 0 then 2 nA at t = 50 ms; neuron 1 the reverse
    vals = np.array([[0.0, 2.0], [2.0, 0.0]])
    sp = clif.simulate_noisy(100.0, sigma=0.0, n=2, current=([0.0, 50.0], vals), seed=0, **P)
    t0, t1 = sp.times[sp.senders == 0], sp.times[sp.senders == 1]
    assert t0.size and t0.min() > 50.0
    assert t1.size and t1.max() < 50.0


@pytest.mark.parametrize("kw,exc,match", [
    (dict(sigma=-1.0), ValueError, r"sigma must be finite and >= 0 \(mV\)"),
    (dict(sigma=np.nan), ValueError, "sigma must be finite"),
    (dict(sigma=[1.0, 2.0], n=3), ValueError, "sigma must be a scalar or have length n=3"),
    (dict(sigma="a"), TypeError, "sigma must be a real number"),
    (dict(sigma=1.0, dt=0.0), ValueError, r"dt must be a finite scalar > 0 \(ms\)"),
    (dict(sigma=1.0, dt=np.inf), ValueError, "dt must be"),
    (dict(sigma=1.0, method="rk4"), ValueError, "method must be one of"),
    (dict(sigma=1.0, n=0), ValueError, r"n must lie in \[1, "),
    (dict(sigma=1.0, n=2**40), ValueError, r"n must lie in \[1, "),
    (dict(sigma=1.0, n=2.5), TypeError, "n must be an int"),
    (dict(sigma=1.0, tau_m=-1.0), ValueError, "tau_m must be finite and > 0"),
    (dict(sigma=1.0, V_reset=-40.0), ValueError, "V_reset must be finite and < V_th"),
    (dict(sigma=1.0, seed=-3), ValueError, "seed must lie in"),
    (dict(sigma=1.0, record_V=[0.5]), TypeError, "record_V must be integer indices"),
    (dict(sigma=1.0, record_V=[5]), IndexError, r"record_V must lie in \[0, 1\) \(neurons\); got 5"),
    (dict(sigma=1.0, V_dt=0.05), ValueError, "V_dt must be a positive multiple of dt"),
    (dict(sigma=1.0, n_threads=0), ValueError, "n_threads must lie in"),
    (dict(sigma=1.0, max_spikes=-1), ValueError, "max_spikes must lie in"),
    (dict(sigma=1.0, V0=np.nan), ValueError, "V0 must be finite"),
    (dict(sigma=1.0, sine=dict(I0=1.0)), ValueError, "sine needs keys I0 \[nA\] and f"),
    (dict(sigma=1.0, sine=[1.0, 2.0]), TypeError, "sine must be a dict"),
    (dict(sigma=1.0, current=3.0), TypeError, "current must be a pair"),
    (dict(sigma=1.0, sine=dict(I0=1.0, f=-2.0)), ValueError, r"sine\['f'\] must be"),
    (dict(sigma=1.0, current=([1.0, 0.5], [1.0, 2.0])), ValueError, "must be sorted"),
    (dict(sigma=1.0, current=([0.05], [1.0])), ValueError, "multiples of dt"),
    (dict(sigma=1.0, current=([1.0], [1.0, 2.0])), ValueError, "shape"),
    (dict(sigma=1.0, current=([1.0], [np.nan])), ValueError, "current values must be finite"),
    (dict(sigma=1.0, neuron_offset=-1), ValueError, "neuron_offset must lie in"),
])
def test_bad_input(kw, exc, match):
    with pytest.raises(exc, match=match):
        clif.simulate_noisy(10.0, **kw)


def test_bad_times():
    with pytest.raises(ValueError, match="t_stop must be multiples of dt"):
        clif.simulate_noisy(10.05, sigma=1.0)
    with pytest.raises(ValueError, match="t_stop must be a finite time"):
        clif.simulate_noisy(np.nan, sigma=1.0)
    with pytest.raises(ValueError, match=r"t_stop / dt must be < 2\*\*52"):
        clif.simulate_noisy(1e15, sigma=1.0)
    pop = clif.NoisyPopulation(sigma=1.0, seed=1)
    pop.run(5.0)
    with pytest.raises(ValueError, match="until must be >= the time reached"):
        pop.run(4.0)


def test_record_V_and_V_dt_are_the_names_the_old_ones_deprecated():
    # One name per meaning across simulators (record_V/V_dt as in
    # Network.run); the old names give the same bits with a warning.
    new = clif.simulate_noisy(10.0, sigma=2.0, n=3, I_e=0.5, seed=3, record_V=[2, 0], V_dt=0.3)
    with pytest.warns(DeprecationWarning, match="record_every= is deprecated.*use V_dt="):
        with pytest.warns(DeprecationWarning, match="record= is deprecated.*use record_V="):
            old = clif.simulate_noisy(10.0, sigma=2.0, n=3, I_e=0.5, seed=3, record=[2, 0],
                                      record_every=3)
    assert new == old
    np.testing.assert_array_equal(new.extra["V"], old.extra["V"])
    np.testing.assert_allclose(new.extra["t"], np.arange(0, 34) * 0.3, rtol=1e-15, atol=1e-13)
    pop = clif.NoisyPopulation(sigma=2.0, n=3, I_e=0.5, seed=3)
    with pytest.warns(DeprecationWarning) as w:
        pop.run(5.0, record=[1])
    assert w[0].filename == __file__          # the warning points at the caller
    with pytest.raises(TypeError, match="record= is the deprecated name of record_V="):
        clif.simulate_noisy(1.0, sigma=1.0, record=[0], record_V=[0])
    with pytest.raises(TypeError, match="record_every= is the deprecated name of V_dt="):
        pop.run(6.0, record_every=2, V_dt=0.2)


def test_sine_per_neuron_equals_one_neuron_at_a_time():
    # Per-neuron f and phase (as clif.simulate takes them): each neuron gets
    # exactly the bits of a call of its own with its scalar sine and its
    # global stream; the same for any thread count.
    f = np.array([5.0, 5.0, 20.0, 40.0, 40.0])
    phase = np.array([0.0, 1.0, 0.0, 0.5, 0.5])
    I0 = np.array([0.3, 0.6, 0.4, 0.5, 0.2])
    kw = dict(sigma=3.0, I_e=0.9, dt=0.1, seed=9)
    both = [clif.simulate_noisy(300.0, n=5, sine=dict(I0=I0, f=f, phase=phase), n_threads=t,
                                record_V=[4, 0, 2], V_dt=0.5, **kw) for t in (1, 2)]
    assert both[0] == both[1] and len(both[0]) >= 10
    np.testing.assert_array_equal(both[0].extra["V"], both[1].extra["V"])
    for i in range(5):
        one = clif.simulate_noisy(300.0, n=1, neuron_offset=i, record_V=[0], V_dt=0.5,
                                  sine=dict(I0=I0[i], f=f[i], phase=phase[i]), **kw)
        np.testing.assert_array_equal(both[0].select([i]).times, one.times)
        if i in (4, 0, 2):
            np.testing.assert_array_equal(both[0].extra["V"][:, [4, 0, 2].index(i)],
                                          one.extra["V"][:, 0])


def test_sine_per_neuron_without_noise_is_the_closed_form():
    # sigma = 0, subthreshold, two neurons with their own f and phase: the
    # closed-form V(t) of each (independent of the kernel's tables).
    f, ph, I0, Idc = np.array([7.0, 31.0]), np.array([0.3, -1.2]), 0.2, 0.5
    sp = clif.simulate_noisy(100.0, sigma=0.0, n=2, sine=dict(I0=I0, f=f, phase=ph, I_dc=Idc),
                             seed=0, record_V=[0, 1], **P)
    t = sp.extra["t"]
    for i in range(2):
        w = 2 * np.pi * f[i] / 1000
        A = 20.0 * I0 / (1 + (w * 20) ** 2)
        Vp = A * (np.sin(w * t + ph[i]) - w * 20 * np.cos(w * t + ph[i]))
        V = -70 + 20 * Idc + Vp + (0 - (20 * Idc + Vp[0])) * np.exp(-t / 20)
        np.testing.assert_allclose(sp.extra["V"][:, i], V, rtol=0, atol=1e-10)
