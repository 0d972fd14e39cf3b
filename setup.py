"""Build of clif: the C99 core (src_c/) as a static library, then one Cython
extension per clif/_*.pyx linked against it.

The core is compiled once with its own flags (C99, no FMA contraction, so
that results do not depend on the instruction set the loader picks), and the
Cython modules only wrap it.
"""
import glob
import os
import shutil
import sys

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_clib import build_clib as _build_clib
from setuptools.command.build_ext import build_ext as _build_ext
from setuptools.command.build_py import build_py as _build_py

HERE = os.path.dirname(os.path.abspath(__file__))
CORE_SOURCES = sorted(glob.glob("src_c/*.c")) + sorted(glob.glob("src_c/models/*.c"))
# src_c/tests/ holds C test programs, not library code.
CORE_SOURCES = [s for s in CORE_SOURCES if not os.path.basename(s).startswith("test_")]
CORE_HEADERS = sorted(glob.glob("src_c/*.h")) + sorted(glob.glob("src_c/models/*.h"))

if sys.platform == "win32":
    CORE_CFLAGS = ["/O2", "/fp:precise"]
    EXT_CFLAGS = []
else:
    CORE_CFLAGS = ["-std=c99", "-O3", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math",
                   "-Wall", "-Wextra", "-fvisibility=hidden"]
    EXT_CFLAGS = ["-O2"]

LIBRARIES = [("clifcore", {"sources": CORE_SOURCES, "include_dirs": ["src_c"],
                           "cflags": CORE_CFLAGS, "macros": []})]


class build_clib(_build_clib):
    # setuptools' build_clib takes 'cflags' per library; older ones ignore it,
    # so pass them through explicitly.
    def build_libraries(self, libraries):
        for lib_name, build_info in libraries:
            # depends: an edited header (the models' templates are headers)
            # rebuilds every object, not only those whose .c changed.
            objects = self.compiler.compile(
                build_info["sources"], output_dir=self.build_temp,
                include_dirs=build_info.get("include_dirs"),
                extra_postargs=build_info.get("cflags"), debug=self.debug,
                depends=CORE_HEADERS)
            self.compiler.create_static_lib(objects, lib_name, output_dir=self.build_clib,
                                            debug=self.debug)


class build_ext(_build_ext):
    # Editable installs do not always run build_clib first; make sure they do.
    def run(self):
        self.run_command("build_clib")
        clib = self.get_finalized_command("build_clib")
        for ext in self.extensions:
            if clib.build_clib not in ext.library_dirs:
                ext.library_dirs.append(clib.build_clib)
            # relink when the core library was rebuilt
            lib = os.path.join(clib.build_clib, "clifcore.lib" if sys.platform == "win32"
                               else "libclifcore.a")
            if lib not in ext.depends:
                ext.depends.append(lib)
        super().run()


class build_py(_build_py):
    # Ship the public C headers inside the package (clif.get_include()).
    def run(self):
        super().run()
        dest = os.path.join(self.build_lib, "clif", "include")
        os.makedirs(dest, exist_ok=True)
        # Public headers only: clif.h and the clif_*.h it includes; the
        # *_impl.h and clif_test_hooks.h stay in the source tree.
        for h in glob.glob(os.path.join(HERE, "src_c", "clif*.h")):
            if os.path.basename(h) != "clif_test_hooks.h":
                shutil.copy(h, dest)


def extensions():
    exts = []
    for pyx in sorted(glob.glob("clif/*.pyx")):
        name = "clif." + os.path.splitext(os.path.basename(pyx))[0]
        exts.append(Extension(
            name, [pyx],
            include_dirs=["src_c", np.get_include()],
            libraries=["clifcore"] + ([] if sys.platform == "win32" else ["m"]),
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_21_API_VERSION")],
            extra_compile_args=EXT_CFLAGS,
            # Relink when the core changes: the static library is not a
            # source of the extension, so setuptools would not notice.
            depends=CORE_SOURCES + CORE_HEADERS + sorted(glob.glob("clif/*.pxd")),
        ))
    return cythonize(exts, compiler_directives={"language_level": "3"},
                     include_path=["clif"])


setup(
    libraries=LIBRARIES,
    ext_modules=extensions(),
    cmdclass={"build_clib": build_clib, "build_ext": build_ext, "build_py": build_py},
)
