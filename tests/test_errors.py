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
