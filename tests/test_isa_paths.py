"""Every dispatching kernel gives the portable path's bits on each vector
path this CPU has, forced through the one dispatch switch
(clif._noise._force_isa, src_c/cpu.c); a path the CPU lacks is a skip."""
import numpy as np

import clif
from clif import _noise
from _isa import VECTOR_ISAS, forced_isa, require_isa


def _bits(x):
    x = np.asarray(x)
    return x.view(np.uint64) if x.dtype == np.float64 else x


def _outputs():
    out = {}
    I = np.concatenate([np.linspace(-100.0, 5000.0, 20011), [np.inf, np.nan, 375.0]])
    out["rate"] = clif.rate(I, tau_m=10.0, C_m=250.0)
    out["isi"] = clif.isi(I, tau_m=10.0, C_m=250.0, t_ref=2.0)
    for start in (0, 1, 4097):
        for n in (1, 31, 33, 5001):
            out[f"normal {start} {n}"] = clif.random.normal(n, 11, stream=3, start=start)
            out[f"exponential {start} {n}"] = clif.random.exponential(n, 11, stream=3,
                                                                      start=start)
    s = clif.simulate_noisy(300.0, sigma=3.0, n=64, seed=1, I_e=375.0, record_V=[0, 33, 63])
    out["noisy times"], out["noisy senders"] = s.times, s.senders
    out["noisy V"] = s.extra["V"]
    r = clif.network.brunel(N=1000, seed=3).run(100.0, record_V=[0, 999])
    out["network times"], out["network senders"] = r.spikes.times, r.spikes.senders
    out["network V"] = r.V
    return out


def test_force_never_exceeds_the_cpu():
    best = _noise._force_isa(-1)
    for isa in (0, 1, 2, 3):
        got = _noise._force_isa(isa)
        assert got == min(isa, best)
    assert _noise._force_isa(-1) == best


@VECTOR_ISAS
def test_every_kernel_bit_identical_on_path(isa):
    require_isa(isa)
    with forced_isa(0):
        ref = _outputs()
    with forced_isa(isa):
        got = _outputs()
    assert ref.keys() == got.keys()
    for k in ref:
        assert np.array_equal(_bits(got[k]), _bits(ref[k])), k
