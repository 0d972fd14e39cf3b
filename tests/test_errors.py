"""Walk the table of docs/errors.md: every example raises the exception the
table names, with the message the table gives (issue 15: one vocabulary)."""
import os
import re

import numpy as np
import pytest

import clif

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = open(os.path.join(ROOT, "docs", "errors.md")).read()
_ROW = re.compile(r"^\| `([\w.]+)` \| [^|]+ \| `(.+?)` \| `(.+?)` \|$", re.M)
ROWS = _ROW.findall(PAGE)


def _namespace():
    ns = {}
    for code in re.findall(r"^```python\n(.*?)^```", PAGE, re.M | re.S):
        exec(code, ns)
    return ns


def _exception(name):
    obj = {"clif": clif}.get(name.split(".")[0])
    if obj is None:
        return __builtins__[name] if isinstance(__builtins__, dict) else getattr(
            __builtins__, name)
    for part in name.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def test_the_table_is_parsed_whole():
    # Every table row that starts with an exception is one of ROWS (no row
    # silently skipped by a pattern that does not match it).
    lines = [ln for ln in PAGE.splitlines() if ln.startswith("| `")]
    assert len(lines) == len(ROWS) >= 25


@pytest.mark.parametrize("exc, example, message", ROWS, ids=[r[1][:60] for r in ROWS])
def test_error_table_row(exc, example, message, monkeypatch):
    monkeypatch.delenv("CLIF_MAX_BYTES", raising=False)
    ns = _namespace()
    if "needs 384 GiB" in message:   # the same on every machine
        monkeypatch.setenv("CLIF_MAX_BYTES", str(2**30))
    with pytest.raises(_exception(exc)) as info:
        eval(example, ns)
    assert type(info.value) is _exception(exc) or exc.startswith("clif."), type(info.value)
    assert str(info.value).startswith(message), str(info.value)


@pytest.mark.parametrize("call", [
    lambda: clif.simulate(100.0, I_e=5.0),
    lambda: clif.Population(2, I_e=5.0).run(100.0),
    lambda: clif.simulate(100.0, I_e=5.0, model="psc_exp"),
    lambda: clif.simulate_noisy(100.0, sigma=3.0, n=4, I_e=2.0, seed=1),
    lambda: clif.NoisyPopulation(sigma=3.0, n=4, I_e=2.0, seed=1).run(100.0),
    lambda: clif.network.brunel(N=200, epsilon=0.1, eta=4.0, g=3.0, seed=1).run(100.0),
])
def test_one_max_spikes_default_everywhere(call, monkeypatch):
    """max_spikes=None means clif.params.default_max_spikes() in every
    simulator (one policy): with the default made tiny, each one stops."""
    monkeypatch.setattr(clif.params, "default_max_spikes", lambda: 5)
    with pytest.raises(clif.SpikeLimitError, match="max_spikes=5"):
        call()


def test_default_max_spikes_follows_the_memory_bound(monkeypatch):
    monkeypatch.setenv("CLIF_MAX_BYTES", str(2**30))
    assert clif.params.default_max_spikes() == 2**30 // 128
    monkeypatch.setenv("CLIF_MAX_BYTES", "1")
    assert clif.params.default_max_spikes() == 10**6
