"""The closed forms against an independent high-precision reference (mpmath),
their properties over the valid domain (hypothesis), ufunc behaviour, and bad
input."""
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import clif

EPS = np.finfo(float).eps
DEF = dict(tau_m=20.0, R_m=20.0, E_L=-70.0, V_th=-50.0, V_reset=-70.0, t_ref=2.0)

# ---------------------------------------------------------------------------
# Reference: the formula in 60-digit arithmetic on the exact double inputs.


def ref_isi(I, tau_m, R_m, E_L, V_th, V_reset, t_ref):
    with mpmath.workdps(60):
        V_inf = mpmath.mpf(E_L) + mpmath.mpf(R_m) * mpmath.mpf(I)
        if V_inf <= V_th:
            return mpmath.inf
        return mpmath.mpf(t_ref) + mpmath.mpf(tau_m) * mpmath.log(
            (V_inf - mpmath.mpf(V_reset)) / (V_inf - mpmath.mpf(V_th)))


def exact_above_rheobase(I, R_m, E_L, V_th):
    return Fraction(E_L) + Fraction(R_m) * Fraction(I) > Fraction(V_th)


def allowed_rel_error(I, tau_m, R_m, E_L, V_th, V_reset, t_ref, T):
    """1e-13 plus what the conditioning forces: a few ulp of the operands of
    V_inf - V_th, propagated through dT/da = -tau_m b / (a (a + b))."""
    a = (E_L + R_m * I) - V_th
    b = V_th - V_reset
    da = 4 * EPS * (abs(E_L) + abs(V_th) + abs(R_m * I))
    return 1e-13 + tau_m * b / (a * (a + b)) * da / T


# ---------------------------------------------------------------------------
# Strategies over the valid domain.

finite = dict(allow_nan=False, allow_infinity=False)


@st.composite
def params(draw):
    tau_m = draw(st.floats(1e-3, 1e4, **finite))
    R_m = draw(st.floats(1e-3, 1e4, **finite))
    E_L = draw(st.floats(-200.0, 100.0, **finite))
    V_th = E_L + draw(st.floats(-50.0, 200.0, **finite))
    V_reset = V_th - draw(st.floats(1e-6, 300.0, **finite))
    t_ref = draw(st.one_of(st.just(0.0), st.floats(1e-9, 100.0, **finite)))
    assume(V_reset < V_th)
    return dict(tau_m=tau_m, R_m=R_m, E_L=E_L, V_th=V_th, V_reset=V_reset, t_ref=t_ref)


@st.composite
def params_and_suprathreshold_current(draw):
    p = draw(params())
    # V_inf - V_th spread over 30 decades so that both the near-rheobase and
    # the huge-current ends are explored.
    gap = 10.0 ** draw(st.floats(-10.0, 20.0))
    I = (p["V_th"] - p["E_L"] + gap) / p["R_m"]
    assume(math.isfinite(I) and exact_above_rheobase(I, p["R_m"], p["E_L"], p["V_th"]))
    return p, I


# ---------------------------------------------------------------------------
# Accuracy.


@given(params_and_suprathreshold_current())
def test_isi_and_rate_match_high_precision_reference(pI):
    p, I = pI
    T_ref = ref_isi(I, **p)
    T = clif.isi(I, **p)
    f = clif.rate(I, **p)
    tol = allowed_rel_error(I, T=float(T_ref), **p)
    assert abs(T - T_ref) <= tol * T_ref
    f_ref = 1000 / T_ref
    assert abs(f - f_ref) <= (tol + 2 * EPS) * f_ref


def test_accuracy_is_a_few_ulp_where_well_conditioned():
    rng = np.random.default_rng(1)
    I = rng.uniform(1.5, 1e3, 2000)
    T = clif.isi(I)
    worst = max(abs(float((t - ref_isi(i, **DEF)) / ref_isi(i, **DEF))) for i, t in zip(I, T))
    assert worst <= 4 * EPS


def test_default_neuron_known_value():
    # V_inf = -30 mV: T = 2 + 20 ln 2 ms.
    assert clif.isi(2.0) == pytest.approx(2.0 + 20.0 * math.log(2.0), rel=2 * EPS)
    assert clif.rate(2.0) == pytest.approx(1000.0 / (2.0 + 20.0 * math.log(2.0)), rel=2 * EPS)
    assert clif.rheobase() == 1.0


# ---------------------------------------------------------------------------
# Properties.


@given(params(), st.floats(0.0, 1e6, **finite))
def test_zero_at_and_below_rheobase(p, below):
    I = (p["V_th"] - p["E_L"] - below) / p["R_m"]
    assume(math.isfinite(I))
    if exact_above_rheobase(I, p["R_m"], p["E_L"], p["V_th"]):
        return  # rounding of I put it above: covered by the other tests
    assert clif.rate(I, **p) == 0.0
    assert clif.isi(I, **p) == math.inf


@given(params())
def test_exactly_at_a_representable_rheobase(p):
    # Where rheobase * R_m is exact, rate(rheobase) is exactly 0 and the
    # next double up fires (away from the underflow range, where R_m I
    # itself rounds to 0).
    assume(abs(p["V_th"] - p["E_L"]) > 1e-200)
    I = clif.rheobase(**p)
    at = exact_above_rheobase(I, p["R_m"], p["E_L"], p["V_th"])
    assert (clif.rate(I, **p) > 0) == at
    up = np.nextafter(I, np.inf)
    while not exact_above_rheobase(up, p["R_m"], p["E_L"], p["V_th"]):
        up = np.nextafter(up, np.inf)
    assert clif.rate(up, **p) > 0


@given(params_and_suprathreshold_current(), st.floats(1e-9, 1e3))
def test_non_decreasing_in_current(pI, rel_step):
    p, I1 = pI
    I2 = I1 + abs(I1) * rel_step + 1e-300
    assume(math.isfinite(I2))
    f1, f2 = clif.rate([I1, I2], **p)
    # The exact rates are strictly increasing; the computed ones, each good to
    # a few ulp, can tie but never fall by more than that.
    assert f2 >= f1 * (1 - 8 * EPS)


def test_monotone_on_a_dense_grid():
    I = np.linspace(0.0, 50.0, 200001)
    f = clif.rate(I)
    assert np.all(np.diff(f) >= -8 * EPS * f[1:])
    assert np.all(f[I <= 1.0] == 0.0) and np.all(f[I > 1.0] > 0.0)


@given(params_and_suprathreshold_current())
def test_below_cap_and_isi_times_rate(pI):
    p, I = pI
    f = clif.rate(I, **p)
    T = clif.isi(I, **p)
    assert f * T == pytest.approx(1000.0, rel=4 * EPS)
    if p["t_ref"] > 0:
        cap = 1000.0 / p["t_ref"]
        assert f <= cap
        # Strictly below unless tau_m * L is lost in the rounding of t_ref.
        if T - p["t_ref"] > 4 * EPS * p["t_ref"]:
            assert f < cap


@given(params())
def test_approaches_cap_and_zero(p):
    rheo = clif.rheobase(**p)
    scale = abs(p["V_th"] - p["E_L"]) / p["R_m"] + 1.0 / p["R_m"]
    if p["t_ref"] > 0:
        # A current where tau_m ln(...) ~ tau_m b / a is 1e-9 of t_ref.
        a = p["tau_m"] * (p["V_th"] - p["V_reset"]) / (1e-9 * p["t_ref"])
        huge = (p["V_th"] - p["E_L"] + a) / p["R_m"]
        if math.isfinite(huge):
            assert clif.rate(huge, **p) == pytest.approx(1000.0 / p["t_ref"], rel=1e-8)
    # From above at rheobase: positive, and decreasing towards 0.
    gaps = np.array([1e-1, 1e-3, 1e-6, 1e-9]) * scale
    f = clif.rate(rheo + gaps, **p)
    assert np.all(f > 0) and np.all(np.diff(f) < 0)


@given(params_and_suprathreshold_current())
def test_current_for_rate_inverts_rate(pI):
    p, I = pI
    f = clif.rate(I, **p)
    assume(0 < f < (1000.0 / p["t_ref"] if p["t_ref"] > 0 else np.inf))
    I_back = clif.current_for_rate(f, **p)
    # Conditioning of the inverse: |dI/df| f eps_f, eps_f a few ulp of f.
    L = (1000.0 / f - p["t_ref"]) / p["tau_m"]
    assume(L > 1e-300)
    b = p["V_th"] - p["V_reset"]
    em1 = math.expm1(L)
    dI_dL = b * (em1 + 1) / (em1 * em1) / p["R_m"] if em1 < 1e150 else 0.0
    dL_df = 1000.0 / (f * p["tau_m"] * f)
    tol = 1e-12 * abs(I) + dI_dL * dL_df * f * 16 * EPS * (1 + 1000.0 / f / (p["tau_m"] * L)) \
        + 4 * EPS * abs(p["V_th"] - p["E_L"]) / p["R_m"]
    assert abs(I_back - I) <= tol


def test_current_for_rate_edges():
    assert clif.current_for_rate(0.0) == clif.rheobase()
    assert np.isnan(clif.current_for_rate(-1.0))
    assert np.isnan(clif.current_for_rate(500.0))        # the cap 1/t_ref
    assert np.isnan(clif.current_for_rate(1e9))
    assert np.isnan(clif.current_for_rate(np.nan))
    assert clif.current_for_rate(1e9, t_ref=0.0) > 0     # no cap without dead time


# ---------------------------------------------------------------------------
# The other closed forms.


@given(st.floats(-100, 100, **finite), st.floats(0, 1e3, **finite), st.floats(1e-3, 1e3, **finite))
def test_summation_peak_matches_two_pulse_superposition(V1, dt, tau_m):
    # Independent computation: the first pulse decays along the free
    # trajectory (mpmath exp), the second adds V1 on top of it.
    with mpmath.workdps(40):
        ref = mpmath.mpf(V1) + mpmath.mpf(V1) * mpmath.exp(-mpmath.mpf(dt) / tau_m)
    assert clif.summation_peak(V1, dt, tau_m) == pytest.approx(float(ref), rel=4 * EPS, abs=1e-300)


def test_summation_peak_edges():
    assert clif.summation_peak(5.0, 0.0) == 10.0
    assert clif.summation_peak(5.0, np.inf) == 5.0
    assert np.isnan(clif.summation_peak(5.0, -1.0))
    with pytest.raises(ValueError, match="tau_m"):
        clif.summation_peak(5.0, 1.0, tau_m=0.0)


def test_cutoff_frequency_against_simulated_steady_state():
    # Independent check: the steady-state amplitude of the linear membrane
    # at f_max, from a long fine-grid integration, just reaches threshold.
    I0, I_dc = 1.5, 0.2
    f_max = clif.cutoff_frequency(I0, I_dc)
    w = 2 * np.pi * f_max / 1000.0                     # rad/ms
    tau, R = 20.0, 20.0
    # Exact discretisation of the linear ODE on a fine grid over many periods.
    dt = 1e-3
    t = np.arange(0, 400.0, dt)
    from scipy.signal import lsim
    _, V, _ = lsim(([R / tau], [1.0, 1.0 / tau]), I_dc + I0 * np.sin(w * t), t)
    peak = V[t > 300].max()                            # V - E_L, transients gone
    assert peak == pytest.approx(20.0, rel=1e-4)
    # Closed-form steady-state amplitude at f_max equals the margin.
    amp = R * I0 / math.sqrt(1 + (w * tau) ** 2)
    assert amp == pytest.approx(20.0 - R * I_dc, rel=1e-12)


def test_cutoff_frequency_edges():
    assert clif.cutoff_frequency(0.5) == 0.0             # 10 mV amplitude, 20 mV margin
    assert clif.cutoff_frequency(1.0) == 0.0             # touches, never crosses
    assert clif.cutoff_frequency(0.1, I_dc=1.5) == math.inf
    assert clif.cutoff_frequency(-2.0) == clif.cutoff_frequency(2.0)
    f = clif.cutoff_frequency(np.array([1.0001, 2.0, 10.0]))
    assert np.all(np.diff(f) > 0)


@given(st.floats(0, 1e3, **finite), st.floats(-10, 10, **finite), st.floats(-100, 0, **finite))
def test_free_potential_matches_reference(t, I, V0):
    with mpmath.workdps(40):
        V_inf = mpmath.mpf(-70.0) + 20 * mpmath.mpf(I)
        ref = V_inf + (mpmath.mpf(V0) - V_inf) * mpmath.exp(-mpmath.mpf(t) / 20)
    scale = 70.0 + abs(20 * I) + abs(V0)   # the operands of V_inf and V0 - V_inf
    assert abs(clif.free_potential(t, I, V0) - float(ref)) <= 4 * EPS * scale


def test_free_potential_defaults_and_limits():
    assert clif.free_potential(0.0, I=3.0) == -70.0
    assert clif.free_potential(1e6, I=1.0) == pytest.approx(-50.0, rel=EPS)
    assert clif.free_potential(0.0, I=1.0, V0=-60.0) == -60.0


# ---------------------------------------------------------------------------
# ufunc behaviour.


def test_scalar_in_float_out():
    for f in (clif.rate(2.0), clif.isi(2.0), clif.current_for_rate(10.0),
              clif.cutoff_frequency(2.0), clif.free_potential(1.0), clif.summation_peak(1.0, 1.0)):
        assert isinstance(f, float)


def test_broadcasting_over_current_and_parameters():
    I = np.linspace(0, 5, 7)[:, None]
    tau = np.array([5.0, 10.0, 20.0, 40.0])
    f = clif.rate(I, tau_m=tau, t_ref=[[1.0]])
    assert f.shape == (7, 4)
    for i in range(7):
        for j in range(4):
            assert f[i, j] == clif.rate(float(I[i, 0]), tau_m=float(tau[j]), t_ref=1.0)


def test_out_argument_and_no_mutation():
    I = np.linspace(0, 5, 11)
    I_copy = I.copy()
    out = np.empty_like(I)
    res = clif.rate(I, out=out)
    assert res is out
    assert np.array_equal(I, I_copy)
    assert np.array_equal(out, clif.rate(I))
    # In place on the input itself.
    J = I.copy()
    clif.isi(J, out=J)
    assert np.array_equal(J, clif.isi(I))


def test_non_contiguous_and_float32_and_lists():
    I = np.linspace(0, 5, 40)
    assert np.array_equal(clif.rate(I[::3]), clif.rate(I)[::3])
    f32 = clif.rate(I.astype(np.float32))
    assert f32.dtype == np.float64
    assert np.array_equal(f32, clif.rate(I.astype(np.float32).astype(np.float64)))
    assert np.array_equal(clif.rate(list(I)), clif.rate(I))
    assert np.array_equal(clif.rate(np.arange(5)), clif.rate(np.arange(5.0)))


def test_per_element_parameters_take_the_general_path():
    rng = np.random.default_rng(5)
    I = rng.uniform(0, 10, 500)
    tau = rng.uniform(1, 50, 500)
    f = clif.rate(I, tau_m=tau)
    assert np.array_equal(f, [clif.rate(i, tau_m=t) for i, t in zip(I, tau)])


def test_nan_current_gives_nan():
    f = clif.rate([np.nan, 2.0, -np.inf, np.inf])
    assert np.isnan(f[0]) and f[1] > 0 and f[2] == 0 and f[3] == 500.0
    assert np.isnan(clif.isi(np.nan))


def test_no_floating_point_warnings(recwarn):
    with np.errstate(all="raise"):
        clif.rate(np.array([-1.0, 0.0, 1.0, 2.0, np.inf, np.nan, 1e308]))
        clif.isi(np.array([-1.0, 1.0, np.inf]))


def test_dask_arrays():
    da = pytest.importorskip("dask.array")
    I = np.linspace(0, 10, 1001)
    dI = da.from_array(I, chunks=100)
    res = clif.rate(dI, tau_m=10.0)
    assert isinstance(res, da.Array)
    assert np.array_equal(res.compute(), clif.rate(I, tau_m=10.0))
    res = clif.isi(dI)
    assert np.array_equal(res.compute(), clif.isi(I))


# ---------------------------------------------------------------------------
# Parameters: conversions, the LIF object, bad input.


def test_rc_conversions():
    assert clif.rate(2.0, R_m=10.0) == clif.rate(2.0, tau_m=20.0, C_m=2.0)
    assert clif.rate(2.0, R_m=10.0, C_m=2.0) == clif.rate(2.0, tau_m=20.0, R_m=10.0)
    n = clif.LIF.from_rc(R_m=100.0, C_m=0.2)
    assert n.tau_m == pytest.approx(20.0) and n.C_m == pytest.approx(0.2)
    with pytest.raises(ValueError, match="tau_m != R_m \\* C_m"):
        clif.LIF(tau_m=10.0, R_m=20.0, C_m=1.0)


def test_lif_object_matches_functions():
    n = clif.LIF(tau_m=10.0, t_ref=1.0, V_reset=-65.0)
    I = np.linspace(0, 10, 21)
    p = dict(tau_m=10.0, t_ref=1.0, V_reset=-65.0)
    assert np.array_equal(n.rate(I), clif.rate(I, **p))
    assert np.array_equal(n.isi(I), clif.isi(I, **p))
    assert n.rheobase() == clif.rheobase(**p)
    assert n.current_for_rate(50.0) == clif.current_for_rate(50.0, **p)
    assert n.cutoff_frequency(2.0) == clif.cutoff_frequency(2.0, **p)
    assert n.free_potential(3.0, 1.0) == clif.free_potential(3.0, 1.0, **p)
    # I_e is a bias added to the method's current.
    assert clif.LIF(I_e=1.5).rate(0.5) == clif.rate(2.0)
    with pytest.raises(AttributeError):
        n.tau_m = 3.0
    assert n.replace(tau_m=20.0).rate(2.0) == clif.rate(2.0, tau_m=20.0, R_m=10.0, t_ref=1.0,
                                                        V_reset=-65.0)


@pytest.mark.parametrize("kw, name", [
    (dict(tau_m=0.0), "tau_m"), (dict(tau_m=-1.0), "tau_m"), (dict(tau_m=np.nan), "tau_m"),
    (dict(tau_m=np.inf), "tau_m"), (dict(R_m=0.0), "R_m"), (dict(R_m=np.nan), "R_m"),
    (dict(C_m=-1.0), "C_m"), (dict(C_m=np.inf), "C_m"), (dict(E_L=np.nan), "E_L"),
    (dict(V_th=np.inf), "V_th"), (dict(V_reset=-50.0), "V_reset"),
    (dict(V_reset=-40.0), "V_reset"), (dict(V_reset=np.nan), "V_reset"),
    (dict(t_ref=-0.1), "t_ref"), (dict(t_ref=np.inf), "t_ref"),
])
def test_bad_parameters_raise_naming_the_parameter(kw, name):
    for fn in (clif.rate, clif.isi, clif.current_for_rate):
        with pytest.raises(ValueError, match=name) as info:
            fn(2.0, **kw)
        msg = str(info.value)
        assert any(s in msg for s in ("> 0", ">= 0", "finite", "< V_th"))
    with pytest.raises(ValueError, match=name):
        clif.LIF(**kw)


def test_bad_parameter_inside_an_array_names_the_index():
    with pytest.raises(ValueError, match=r"tau_m.*index \(2,\)"):
        clif.rate(2.0, tau_m=[10.0, 20.0, -5.0])


@pytest.mark.parametrize("bad", ["20", 1j, [1, "a"], object(), True])
def test_wrong_types_raise_type_error(bad):
    with pytest.raises(TypeError, match="tau_m"):
        clif.rate(2.0, tau_m=bad)


def test_wrong_current_type_names_the_argument():
    with pytest.raises(TypeError, match="I must be"):
        clif.rate("2.0")
    with pytest.raises(TypeError, match="f must be"):
        clif.current_for_rate(["a"])


def test_unknown_keyword_is_an_error():
    with pytest.raises(TypeError):
        clif.rate(2.0, tau=10.0)


def test_version_and_include():
    import os
    assert clif.__version__ == "0.1.0"
    inc = clif.get_include()
    text = open(os.path.join(inc, "clif.h")).read()
    assert '#define CLIF_VERSION_STRING "0.1.0"' in text


def test_read_only_parameter_arrays():
    tau = np.array([10.0, 20.0])
    tau.setflags(write=False)
    assert np.array_equal(clif.rate(2.0, tau_m=tau), [clif.rate(2.0, tau_m=10.0),
                                                      clif.rate(2.0, tau_m=20.0)])
    with pytest.raises(ValueError, match="tau_m"):
        bad = np.array([10.0, -1.0])
        bad.setflags(write=False)
        clif.rate(2.0, tau_m=bad)


def test_current_for_rate_at_minus_zero_is_the_rheobase():
    # -0.0 Hz is 0 Hz (was NaN: 1000 / -0.0 = -inf; found by tests/test_fuzz.py)
    assert clif.current_for_rate(-0.0) == clif.current_for_rate(0.0) == clif.rheobase()
