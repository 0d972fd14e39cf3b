"""Forcing the C core's vector code paths (clif._noise._force_isa), for the
path-equality tests: each compares a path with the portable one and skips,
saying so, where this CPU or build lacks the path -- never compares the
portable path with itself."""
import contextlib

import pytest

#: The code paths, by the code of clif._noise._force_isa.
ISA_NAMES = {0: "portable", 1: "AVX2+FMA", 2: "AVX-512"}
#: The vector ones, as pytest parameters.
VECTOR_ISAS = pytest.mark.parametrize("isa", [1, 2], ids=["avx2", "avx512"])


def require_isa(isa):
    """Skip unless this CPU and build have code path isa."""
    from clif import _noise
    got = _noise._force_isa(isa)
    _noise._force_isa(-1)
    if got != isa:
        pytest.skip(f"this CPU or build lacks the {ISA_NAMES[isa]} path "
                    f"(best available: {ISA_NAMES[got]})")


@contextlib.contextmanager
def forced_isa(isa):
    """Every kernel takes path isa inside the block (the caller has checked
    it exists: require_isa)."""
    from clif import _noise
    assert _noise._force_isa(isa) == isa
    try:
        yield
    finally:
        _noise._force_isa(-1)
