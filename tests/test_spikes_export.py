import io
import sys

import numpy as np
import pytest

import clif


@pytest.fixture
def spikes():
    return clif.Spikes([3.0, 0.5, 1.0, 2.0], [0, 2, 0, 2], n=4, t_stop=10.0, t_start=0.5, seed=7)


def test_dict_round_trip_through_npz(spikes):
    f = io.BytesIO()
    np.savez(f, **spikes.to_dict())
    f.seek(0)
    back = clif.Spikes.from_dict(np.load(f))
    assert back == spikes and back.seed == 7 and back.t_start == 0.5
    assert "seed" not in clif.Spikes([], [], 1, 1.0).to_dict()


def test_nwb_layout_groups_by_unit_in_seconds(spikes):
    d = spikes.to_nwb_dict()
    assert d["id"].tolist() == [0, 1, 2, 3]
    assert d["spike_times_index"].tolist() == [2, 2, 4, 4]      # unit 1 and 3 silent
    np.testing.assert_array_equal(d["spike_times"], [0.001, 0.003, 0.0005, 0.002])
    assert d["obs_intervals"].shape == (4, 1, 2)
    np.testing.assert_array_equal(d["obs_intervals"][3, 0], [0.0005, 0.01])


def test_to_neo_without_neo_says_how_to_get_it(spikes, monkeypatch):
    monkeypatch.setitem(sys.modules, "neo", None)
    with pytest.raises(ImportError, match="pip install neo"):
        spikes.to_neo()


def test_to_neo(spikes):
    pytest.importorskip("neo")
    pq = pytest.importorskip("quantities")
    seg = spikes.to_neo()
    assert len(seg.spiketrains) == 4
    st = seg.spiketrains[2]
    assert st.annotations["source_index"] == 2
    np.testing.assert_array_equal(st.rescale(pq.ms).magnitude, [0.5, 2.0])
    assert float(st.t_stop.rescale(pq.ms)) == 10.0 and float(st.t_start) == 0.5
    assert len(seg.spiketrains[1]) == 0
