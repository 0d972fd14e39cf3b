"""Build the C core alone (no Python headers) and run its C tests under
AddressSanitizer and UBSan: `make -C src_c check`."""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src_c")

pytestmark = pytest.mark.skipif(
    not (os.path.isfile(os.path.join(SRC, "Makefile")) and shutil.which("make")
         and (shutil.which("cc") or shutil.which("gcc"))),
    reason="needs the source tree, make and a C compiler")


def test_core_has_no_python_headers():
    for name in os.listdir(SRC):
        if name.endswith((".c", ".h")):
            text = open(os.path.join(SRC, name)).read()
            assert "Python.h" not in text and "numpy/" not in text, name


def test_c_core_builds_alone_and_passes_its_tests_under_sanitizers(tmp_path):
    env = dict(os.environ, BUILD=str(tmp_path))
    lib = subprocess.run(["make", "-s", "-C", SRC, f"BUILD={tmp_path}", "all"],
                         capture_output=True, text=True, env=env)
    assert lib.returncode == 0, lib.stdout + lib.stderr
    assert (tmp_path / "libclif.a").exists()
    res = subprocess.run(["make", "-s", "-C", SRC, f"BUILD={tmp_path}", "check"],
                         capture_output=True, text=True, env=env)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out
    assert " 0 failed" in out and "passed" in out
