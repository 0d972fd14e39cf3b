"""Every ```python block of docs/*.md and README.md runs, in order, in one
namespace per file, so the docs cannot rot.

A block whose info string says ``skip-if-missing:NAME[,NAME...]`` (e.g.
```python skip-if-missing:simulate, or theory.stochastic_resonance) is
skipped when ``clif.NAME`` (attribute or submodule) is absent in this build;
blocks that use its results must carry the marker too.  Figures are written
to ``img/`` under a temporary folder; ``python tests/test_docs.py`` runs the
docs in docs/ instead, to regenerate docs/img/.
"""
import glob
import importlib
import os
import re
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))) + [os.path.join(ROOT, "README.md")]
_FENCE = re.compile(r"^```python([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)


def blocks(text):
    """``[(needs, code, line)]`` for each python block: the names its
    ``skip-if-missing:`` marker lists, its source and its first line."""
    out = []
    for m in _FENCE.finditer(text):
        needs = [n for word in m.group(1).split() if word.startswith("skip-if-missing:")
                 for n in word.split(":", 1)[1].split(",")]
        out.append((needs, m.group(2), text.count("\n", 0, m.start(2)) + 1))
    return out


def missing(name):
    """Whether ``clif.<name>`` (dotted: ``theory.stochastic_resonance``) is
    absent, as an attribute or a submodule."""
    obj = importlib.import_module("clif")
    for part in name.split("."):
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        try:
            obj = importlib.import_module(f"{obj.__name__}.{part}")
        except (ImportError, AttributeError):
            return True
    return False


def run_doc(path):
    """Execute the blocks of ``path`` in the current folder; returns the
    number of blocks run and skipped."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs("img", exist_ok=True)
    ns = {"__name__": "__docs__"}
    ran = skipped = 0
    try:
        with open(path) as fh:
            text = fh.read()
        for needs, code, line in blocks(text):
            if any(missing(n) for n in needs):
                skipped += 1
                continue
            # Padding keeps traceback line numbers those of the .md file.
            exec(compile("\n" * (line - 1) + code, path, "exec"), ns)
            ran += 1
    finally:
        plt.close("all")
    return ran, skipped


def test_blocks_parser():
    text = ("x\n```python\na = 1\n```\n```python skip-if-missing:simulate,theory\nb = 2\n```\n"
            "```bash\nls\n```\n")
    assert blocks(text) == [([], "a = 1\n", 3), (["simulate", "theory"], "b = 2\n", 6)]
    assert missing("rate") is False and missing("no_such_feature") is True
    assert missing("spikes.Spikes") is False and missing("spikes.Nope") is True
    assert missing("params.population") is False


@pytest.mark.parametrize("path", DOCS, ids=os.path.basename)
def test_doc_blocks_run(path, tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    ran, skipped = run_doc(path)
    assert ran > 0


if __name__ == "__main__":
    sys.path.insert(0, ROOT)
    os.chdir(os.path.join(ROOT, "docs"))
    for doc in DOCS[:-1]:
        print(os.path.basename(doc), "ran %d, skipped %d" % run_doc(doc))
    sys.exit(0)
