"""clif's own expm1 (src_c/expm1_impl.h, src_c/expm1.c), through the test
hook clif._noise._expm1: accuracy against mpmath, special values, and the
same bits on every code path."""
import numpy as np
import pytest

from clif import _noise
from _isa import require_isa

LN2_256 = np.log(2) / 256


def _ordered(a):
    """Doubles mapped to integers in the same order (-0 and +0 both to 0),
    so that differences count ulps across signs."""
    b = np.asarray(a, dtype=np.float64).view(np.int64)
    return np.where(b < 0, -(b & np.int64(0x7FFFFFFFFFFFFFFF)), b)


def _points(rng, n):
    """n values, mostly over [-50, 1]: uniform; log-uniform small |x| of both
    signs; the reduction's half-way points (k + 1/2) ln2/256; the inline
    path's edges (|x| ~ 19.4); and a few over the whole range."""
    m = n // 6
    k = np.floor(rng.uniform(-3600, 400, m))
    parts = [rng.uniform(-50, 1, m),
             -np.exp(rng.uniform(np.log(1e-9), 0, m)),
             np.exp(rng.uniform(np.log(1e-9), 0, m)),
             (k + 0.5) * LN2_256 * (1 + rng.uniform(-1e-9, 1e-9, m)),
             rng.choice([-1.0, 1.0], m) * rng.uniform(19.3, 19.5, m),
             rng.uniform(-745, 710, n - 5 * m)]
    return np.concatenate(parts)


def test_expm1_against_mpmath():
    # 1e5 values against mpmath at 80 digits: within 1 ulp of the correctly
    # rounded e^x - 1 and (the design bound, 0.52) within 0.53 ulp of the
    # exact value.  Measured here: 0.509 ulp at most.
    import mpmath as mp
    mp.mp.dps = 80
    x = _points(np.random.default_rng(2024), 100_000)
    y = _noise._expm1(0, x)
    exact = [mp.expm1(mp.mpf(float(v))) for v in x]
    with np.errstate(over="ignore"):
        cr = np.array([float(e) for e in exact])            # round to nearest
    assert np.abs(_ordered(y) - _ordered(cr)).max() <= 1
    assert np.array_equal(np.isinf(y), np.isinf(cr))
    fin = np.flatnonzero(np.isfinite(cr))
    err = max(abs(float((mp.mpf(float(y[i])) - exact[i]) / mp.mpf(float(np.spacing(cr[i])))))
              for i in fin)
    assert err < 0.53, err


def test_expm1_special_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300, -5e-324, 2.0**-55, -38.0,
                  -1e300, 710.0, 709.782712893384, 1.0, -1.0])
    y = _noise._expm1(0, x)
    assert y[0] == 0 and not np.signbit(y[0]) and y[1] == 0 and np.signbit(y[1])
    assert y[2] == np.inf and y[3] == -1.0 and np.isnan(y[4])
    assert np.array_equal(y[5:8], x[5:8])          # |x| < 2^-54: x itself
    assert y[8] == -1.0 and y[9] == -1.0 and y[10] == np.inf
    assert np.isfinite(y[11])
    assert y[12] == float.fromhex("0x1.b7e151628aed3p+0")
    assert y[13] == float.fromhex("-0x1.43a54e4e98864p-1")
    assert _noise._expm1(0, []).shape == (0,)


@pytest.mark.parametrize("isa", [-1, 1, 2], ids=["dispatch", "avx2", "avx512"])
def test_expm1_paths_bit_identical(isa):
    if isa > 0:
        require_isa(isa)
    rng = np.random.default_rng(5)
    x = np.concatenate([_points(rng, 30_000),
                        rng.integers(0, 2**63, 5000, dtype=np.uint64).view(np.float64),
                        [0.0, -0.0, np.inf, -np.inf, np.nan, 19.4, -19.4, -38.0, 710.0]])
    ref = _noise._expm1(0, x)
    for n in (len(x), 1, 7, 8, 9, 63, 64, 65):
        got = _noise._expm1(isa, x[:n])
        assert got is not None
        assert np.array_equal(got.view(np.uint64), ref[:n].view(np.uint64))
