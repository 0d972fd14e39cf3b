import io

import numpy as np
import pytest

from clif import _progress
from clif.spikes import Spikes
from _fakes import FakePopulation


def test_chunked_run_equals_one_run_and_reports_progress():
    reports = []
    pop = FakePopulation(4, period=0.37)
    s = _progress.run_chunked(pop, 500.0, lambda t, t_stop: reports.append((t, t_stop)),
                              interval=1e-9)
    whole = FakePopulation(4, period=0.37).run(500.0)
    assert s == whole and (s.t_start, s.t_stop) == (0.0, 500.0)
    assert len(pop.calls) > 2                       # really chunked
    ts = [t for t, _ in reports]
    assert ts == sorted(ts) and ts[-1] == 500.0 and len(ts) == len(pop.calls)


def test_slices_stay_on_the_grid_and_kwargs_pass_through():
    pop = FakePopulation(2, dt=0.1)
    s = _progress.run_chunked(pop, 123.4, interval=1e-9, record_V=[0])
    assert s.t_stop == 123.4 and all(kw == {"record_V": [0]} for _, kw in pop.calls)


def test_interrupt_returns_the_finished_slices():
    pop = FakePopulation(2, interrupt_at_call=3)
    with pytest.raises(_progress.SimulationInterrupted) as info:
        _progress.run_chunked(pop, 1000.0, interval=1e-9)
    part = info.value.partial
    assert isinstance(info.value, KeyboardInterrupt)
    assert part.t_stop == pop.calls[1][0] < 1000.0
    assert part == FakePopulation(2).run(part.t_stop)


def test_interrupt_in_first_slice_has_no_partial():
    with pytest.raises(_progress.SimulationInterrupted) as info:
        _progress.run_chunked(FakePopulation(1, interrupt_at_call=1), 10.0)
    assert info.value.partial is None


def test_join_in_time_concatenates_traces_and_rejects_gaps():
    a = Spikes([1.0], [0], 2, 5.0, 0.0, extra={"V": np.zeros((2, 1)), "t": np.array([2., 4.])})
    b = Spikes([6.0], [1], 2, 9.0, 5.0, extra={"V": np.ones((1, 1)), "t": np.array([8.])})
    s = _progress.join_in_time([a, b])
    assert s.times.tolist() == [1.0, 6.0] and s.senders.tolist() == [0, 1]
    assert s.extra["V"].shape == (3, 1) and s.extra["t"].tolist() == [2.0, 4.0, 8.0]
    with pytest.raises(ValueError, match="consecutive"):
        _progress.join_in_time([b, a])


def test_progress_line_waits_then_draws_one_line():
    out = io.StringIO()
    line = _progress.ProgressLine("sim", stream=out, delay=3600.0)
    line(10.0, 20.0)
    line.close()
    assert out.getvalue() == ""                     # short runs stay silent
    line = _progress.ProgressLine("sim", stream=out, delay=0.0, every=0.0)
    line(5.0, 20.0)
    line.close()
    text = out.getvalue()
    assert text.startswith("\rsim: 5 / 20 ms ( 25.0 %)") and text.endswith("\n")
