"""pysam's linker tests (linker_tests/ in its git tree, not in its sdist),
written here to the same effect: one Cython source that cimports from three
pysam modules, calls an htslib function and one of pysam's own C helpers
through them and builds a read, linked three ways:

  with_rpath      -l for each of get_libraries(), -L and an rpath to pysam's folder
  without_rpath   the same without the rpath: it imports only with pysam's
                  folder on LD_LIBRARY_PATH
  pre_489         get_libraries() as extra link arguments, pysam's documented
                  recipe (pysam's link_pre_489), with an rpath of $ORIGIN
"""

import os

import pysam
from Cython.Build import cythonize
from setuptools import Extension, setup

libraries = pysam.get_libraries()
libdir = os.path.dirname(libraries[0])
# .../libctabix.cpython-311-x86_64-linux-gnu.so -> ctabix.cpython-311-x86_64-linux-gnu
names = [os.path.basename(path)[len("lib"):-len(".so")] for path in libraries]
common = dict(include_dirs=pysam.get_include(), define_macros=pysam.get_defines())

setup(
    name="pysam-linker-tests",
    ext_modules=cythonize([
        Extension("with_rpath", ["with_rpath.pyx"], library_dirs=[libdir], libraries=names,
                  extra_link_args=[f"-Wl,-rpath,{libdir}"], **common),
        Extension("without_rpath", ["without_rpath.pyx"], library_dirs=[libdir], libraries=names, **common),
        Extension("pre_489", ["pre_489.pyx"], extra_link_args=[*libraries, "-Wl,-rpath,$ORIGIN"], **common),
    ], compiler_directives={"language_level": 3}),
)
