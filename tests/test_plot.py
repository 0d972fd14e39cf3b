import sys

import numpy as np
import pytest

import clif

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from clif import plot  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def saved(ax, tmp_path, name):
    path = tmp_path / f"{name}.png"
    ax.figure.savefig(path, dpi=60)
    data = path.read_bytes()
    assert data[:8] == PNG and len(data) > 5_000
    return ax


def test_fi_curve(tmp_path):
    I = np.linspace(0.0, 3.0, 50)
    ax = saved(plot.fi_curve(I, exact=([1.5, 2.0], [41.0, 63.0]), noisy=([0.8], [5.0]),
                             tau_m=10.0), tmp_path, "fi")
    x, y = ax.lines[0].get_data()
    np.testing.assert_array_equal(y, clif.rate(I, tau_m=10.0))
    assert ax.lines[1].get_ydata().tolist() == [41.0, 63.0]
    assert ax.lines[-1].get_xdata()[0] == clif.rheobase(tau_m=10.0)    # the rheobase mark


def test_fi_curve_with_siegert(tmp_path):
    theory = pytest.importorskip("clif.theory")
    ax = saved(plot.fi_curve(sigma=[2.0, 5.0]), tmp_path, "siegert")
    x, y = ax.lines[2].get_data()
    np.testing.assert_allclose(y, theory.siegert_rate(x, 5.0))


def test_trace_draws_threshold_and_spikes(tmp_path):
    t = np.linspace(0, 50, 101)
    V = clif.free_potential(t, I=0.9)
    ax = saved(plot.trace(t, V, [10.0, 30.0], V_th=-50.0, E_L=-70.0), tmp_path, "trace")
    assert ax.lines[0].get_ydata().tolist() == V.tolist()
    spikes = ax.collections[0].get_segments()
    assert [s[0][0] for s in spikes] == [10.0, 30.0] and spikes[0][0][1] == -50.0


def test_raster_and_ax_reuse(tmp_path):
    s = clif.Spikes([1.0, 2.0, 2.5], [0, 2, 1], n=5, t_stop=4.0)
    fig, axes = plt.subplots(1, 2)
    ax = plot.raster(s, ax=axes[1])
    assert ax is axes[1] and not axes[0].collections
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), [[1, 0], [2, 2], [2.5, 1]])
    assert ax.get_xlim() == (0.0, 4.0)
    saved(plot.raster(s, neurons=[2]), tmp_path, "raster")


def test_summation_peaks(tmp_path):
    ax = saved(plot.summation(12.0, [2.0, 20.0], threshold=20.0), tmp_path, "sum")
    peaks = [l.get_ydata()[0] for l in ax.lines if l.get_marker() == "o"]
    np.testing.assert_allclose(peaks, clif.summation_peak(12.0, np.array([2.0, 20.0])))
    # The drawn curve reaches the closed-form peak right after the second pulse.
    assert max(ax.lines[0].get_ydata()) == pytest.approx(peaks[0])


def test_psp_same_peak_for_every_model(tmp_path):
    theory = pytest.importorskip("clif.theory")
    ax = saved(plot.psp(5.0, tau_syn=3.0, tau_m=10.0,
                        simulated={"psc_exp": ([1.0, 2.0], [3.0, 4.0])}), tmp_path, "psp")
    curves = [l for l in ax.lines if l.get_linestyle() == "-"]
    marks = [l for l in ax.lines if l.get_marker() == "o"]
    assert len(curves) == len(marks) == 3
    for l, m in zip(curves, marks):                  # each curve peaks at J, at its peak time
        assert max(l.get_ydata()) == pytest.approx(5.0, rel=1e-3)
        assert m.get_ydata()[0] == 5.0
    assert marks[1].get_xdata()[0] == theory.psp_peak_time(model="psc_exp", tau_syn=3.0,
                                                           tau_m=10.0)
    t, v = curves[0].get_data()                      # delta: 0 before the pulse, 5 mV at it
    assert v[t < 0].max() == 0.0 and v[t == 0.0][0] == 5.0
    assert [l for l in ax.lines if l.get_marker() == "x"][0].get_ydata().tolist() == [3.0, 4.0]


def test_cutoff_marks_the_cutoff(tmp_path):
    ax = saved(plot.cutoff(2.0, rates=([5.0, 50.0], [10.0, 0.0])), tmp_path, "cutoff")
    f, peak = ax.lines[0].get_data()
    i = np.argmin(np.abs(f - clif.cutoff_frequency(2.0)))
    assert peak[i] == pytest.approx(-50.0, abs=0.3)   # the peak meets V_th at the cutoff
    assert ax.lines[2].get_xdata()[0] == clif.cutoff_frequency(2.0)


def test_stochastic_resonance_marks_the_maximum(tmp_path):
    ax = saved(plot.stochastic_resonance([1, 2, 4, 8], [0.1, 3.0, 1.0, 0.5]), tmp_path, "sr")
    assert ax.lines[1].get_xdata()[0] == 2.0


def test_missing_matplotlib_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"pip install clif\[plot\]"):
        plot.fi_curve()
