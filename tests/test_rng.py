"""clif's generator: known answers, distribution, independence, reproducibility.

Statistical checks use fixed seeds; each bound is a two-sided 99.9% band
(3.29 standard errors) unless stated, so a correct generator passes with a
random seed 999 times in 1000 and a broken one fails.
"""
import numpy as np
import pytest
from scipy import stats

import clif
from clif import random as cr

Z = 3.29  # 99.9% two-sided


@pytest.mark.parametrize("ctr,key,expected", [
    # Random123 kat_vectors, philox4x32 with 10 rounds
    ([0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]),
    ([0xffffffff] * 4, [0xffffffff] * 2, [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]),
    ([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0],
     [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]),
])
def test_philox_known_answers(ctr, key, expected):
    assert list(cr.philox4x32_10(ctr, key)) == expected


def test_normal_moments_and_ks():
    n = 1_000_000
    x = cr.normal(n, seed=2024)
    se = 1 / np.sqrt(n)
    assert abs(x.mean()) < Z * se
    assert abs(x.var() - 1) < Z * np.sqrt(2) * se
    assert abs(stats.skew(x)) < Z * np.sqrt(6) * se
    assert abs(stats.kurtosis(x)) < Z * np.sqrt(24) * se
    assert stats.kstest(x, "norm").pvalue > 1e-3
    # The ziggurat's tail (|x| > 3.654) has the right mass: 2.58e-4 of draws.
    tail = np.mean(np.abs(x) > 3.6541528853610088)
    p = 2 * stats.norm.sf(3.6541528853610088)
    assert abs(tail - p) < Z * np.sqrt(p / n)


def test_uniform_ks():
    u = cr.uniform(500_000, seed=7, stream=3)
    assert u.min() > 0 and u.max() < 1
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_neighbouring_streams_uncorrelated():
    n = 200_000
    bound = Z / np.sqrt(n)
    for g in (0, 1, 2**32 - 1, 12345):
        a = cr.normal(n, seed=11, stream=g)
        b = cr.normal(n, seed=11, stream=g + 1)
        assert abs(np.corrcoef(a, b)[0, 1]) < bound
        # lag-1 within a stream, and same stream under neighbouring seeds
        assert abs(np.corrcoef(a[:-1], a[1:])[0, 1]) < bound
        c = cr.normal(n, seed=12, stream=g)
        assert abs(np.corrcoef(a, c)[0, 1]) < bound


def test_streams_in_pieces():
    a = cr.normal(1001, seed=5, stream=9, start=3)
    b = np.concatenate([cr.normal(1, 5, 9, 3), cr.normal(500, 5, 9, 4),
                        cr.normal(500, 5, 9, 504)])
    assert np.array_equal(a, b)
    u = cr.uniform(77, 5, 9, 1)
    assert np.array_equal(u, np.concatenate([cr.uniform(10, 5, 9, 1), cr.uniform(67, 5, 9, 11)]))


def test_seeds():
    ss = np.random.SeedSequence(42)
    assert cr.resolve_seed(ss) == cr.resolve_seed(np.random.SeedSequence(42))
    g1, g2 = np.random.default_rng(1), np.random.default_rng(1)
    assert cr.resolve_seed(g1) == cr.resolve_seed(g2)
    assert 0 <= cr.resolve_seed(None) < 2**64
    assert cr.resolve_seed(2**64 - 1) == 2**64 - 1
    with pytest.raises(ValueError, match=r"seed must lie in \[0, 2\*\*64\)"):
        cr.resolve_seed(-1)
    with pytest.raises(TypeError, match="seed must be"):
        cr.resolve_seed(1.5)
    with pytest.raises(TypeError, match="seed is required"):
        cr.normal(3, None)
    with pytest.raises(ValueError, match="start"):
        cr.normal(3, 1, start=2**52 - 1)
    with pytest.raises(TypeError, match="size must be an int"):
        cr.normal(3.0, 1)


def test_integrator_uses_the_public_stream():
    # Free membrane, exact method: V_{k+1} = mu + (V_k - mu) E + sd z_k with
    # z_k = clif.random.normal(., seed, stream=global index, start=k).
    sp = clif.simulate_noisy(5.0, sigma=3.0, n=3, I_e=0.5, V_th=1e3, dt=0.25, seed=99,
                             neuron_offset=10, record=[2])
    z = cr.normal(20, 99, stream=12)
    E = np.exp(-0.25 / 20)
    sd = 3.0 * np.sqrt(-np.expm1(-0.5 / 20) / 2)
    V = [-70.0]
    for k in range(20):
        V.append(-60.0 + (V[-1] + 60.0) * E + sd * z[k])
    np.testing.assert_allclose(sp.extra["V"][:, 0], V, rtol=0, atol=1e-12)
