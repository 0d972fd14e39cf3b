"""Build the embedding example against the installed clif:

    python setup.py build_ext --inplace

All it needs from clif is clif.get_include() (for clif.h) and the .pxd files
installed with the package (found on sys.path by Cython)."""
import clif
import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    name="clif-embed-demo",
    ext_modules=cythonize(
        [Extension("clif_embed_demo", ["clif_embed_demo.pyx"],
                   include_dirs=[clif.get_include(), np.get_include()])],
        compiler_directives={"language_level": "3"}),
)
