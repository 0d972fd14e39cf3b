"""clif: leaky integrate-and-fire neurons with a C core.

Closed forms (ufuncs), exact event-driven and stochastic simulation.
Units: ms, mV, nA, nF, MOhm; rates in Hz.
"""
import os as _os

from clif._version import __version__

try:
    from clif import _common  # noqa: F401  (the first compiled module)
except ImportError as _exc:  # pragma: no cover - depends on how clif was found
    raise ImportError(
        "clif's compiled extensions are missing from " + _os.path.dirname(__file__) + ". "
        "This usually means Python found the source tree instead of the installed "
        "package: run from another directory after `pip install .`, or build in place "
        "with `python setup.py build_ext --inplace`.") from _exc

from clif._common import ClifError, SpikeLimitError
from clif.params import LIF
from clif.closed_form import (isi, rate, rheobase, current_for_rate, summation_peak,
                              cutoff_frequency, free_potential)
from clif.spikes import Spikes
from clif.simulate import simulate, Population
from clif import random, theory
from clif.noise import simulate_noisy, NoisyPopulation
from clif.theory import siegert_rate, isi_cv
from clif import network
from clif.network import Network
from clif import reference
from clif.compare import compare


def get_include():
    """The folder holding ``clif.h`` (and the headers it includes), for
    building C code or Cython extensions against clif.  The ``.pxd`` files
    for ``cimport`` sit in the package folder itself,
    ``os.path.dirname(clif.__file__)``."""
    here = _os.path.dirname(_os.path.abspath(__file__))
    inc = _os.path.join(here, "include")
    if _os.path.isfile(_os.path.join(inc, "clif.h")):
        return inc
    # An editable install works from the source tree.
    return _os.path.join(_os.path.dirname(here), "src_c")


__all__ = ["__version__", "get_include", "LIF", "Spikes", "isi", "rate", "rheobase",
           "current_for_rate", "summation_peak", "cutoff_frequency", "free_potential",
           "simulate", "Population", "simulate_noisy", "NoisyPopulation", "siegert_rate",
           "isi_cv", "random", "theory", "network", "Network", "reference", "compare",
           "ClifError", "SpikeLimitError"]
