"""clif: leaky integrate-and-fire neurons with a C core.

Closed forms (ufuncs), exact event-driven and stochastic simulation.
Units: ms, mV, nA, nF, MOhm; rates in Hz.
"""
import os as _os

from clif._version import __version__
from clif.params import LIF
from clif.closed_form import (isi, rate, rheobase, current_for_rate, summation_peak,
                              cutoff_frequency, free_potential)
from clif.spikes import Spikes
from clif.simulate import simulate, Population


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


__all__ = ["__version__", "get_include", "LIF", "Spikes", "simulate", "Population", "isi", "rate", "rheobase",
           "current_for_rate", "summation_peak", "cutoff_frequency", "free_potential"]
