"""Build the Cython kernels; all metadata lives in pyproject.toml.

OpenMP is used when the compiler accepts it; otherwise the kernels build serial
(``prange`` then runs as a plain loop and results are unchanged).
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup


def _openmp_flags():
    """Return (compile_args, link_args) for OpenMP, or empty lists if unsupported."""
    if os.environ.get("SEEDING_NO_OPENMP"):
        return [], []
    if sys.platform == "win32":
        return ["/openmp"], []
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    if shutil.which(cc[0]) is None:
        return [], []
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "t.c")
        with open(src, "w") as fh:
            fh.write("#include <omp.h>\nint main(void){return omp_get_max_threads() < 1;}\n")
        try:
            done = subprocess.run(
                [*cc, "-fopenmp", src, "-o", os.path.join(tmp, "t")],
                capture_output=True,
                check=False,
            )
        except OSError:
            return [], []
        if done.returncode == 0:
            return ["-fopenmp"], ["-fopenmp"]
    return [], []


compile_args, link_args = _openmp_flags()
extra = [] if sys.platform == "win32" else ["-O3"]

extensions = [
    Extension(
        f"seeding.{name}",
        [f"seeding/{name}.pyx"],
        include_dirs=[np.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=extra + compile_args,
        extra_link_args=link_args,
    )
    for name in ("_kernels", "_edges", "_cover", "_learn")
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives={
            "language_level": 3,
            "boundscheck": False,
            "wraparound": False,
            "cdivision": True,
            "initializedcheck": False,
        },
    )
)
