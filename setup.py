"""Builds and installs the gembed Python package: `pip install .` from the repository root.

The `_gembed` extension is the CMake target `gembed_python` (python/CMakeLists.txt), built
with pybind11 from Debian's pybind11-dev against the interpreter running this script, then
copied into the package.

There is deliberately no pyproject.toml: with one, pip builds in an isolated environment and
downloads setuptools into it, which fails offline. Without one, Debian 12's pip 23.0 uses
the setuptools and wheel already installed (python3-setuptools, python3-wheel). Newer pips
need `pip install --no-build-isolation .` for the same effect.

Everything it writes goes under build-python/: the CMake build itself (one level below the
repository root like build/, so the two share ccache entries), setuptools/ and the egg-info.

Environment: GEMBED_PYTHON_BUILD_DIR (CMake build folder, default build-python),
CMAKE_BUILD_PARALLEL_LEVEL (compile jobs, default: all cores), CMAKE_BUILD_TYPE (Release).
"""

import glob
import os
import re
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, "build-python")  # everything this script writes (git-ignored: build*/)
os.makedirs(OUT, exist_ok=True)


def version():
    with open(os.path.join(ROOT, "python", "gembed", "__init__.py"), encoding="utf-8") as f:
        return re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)


class CMakeExtension(Extension):
    """An extension that CMake builds (no sources for setuptools to compile)."""

    def __init__(self, name, target):
        super().__init__(name, sources=[])
        self.target = target


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.environ.get("GEMBED_PYTHON_BUILD_DIR", OUT)
        configure = [
            "cmake",
            "-S", ROOT,
            "-B", build_dir,
            "-DCMAKE_BUILD_TYPE=" + os.environ.get("CMAKE_BUILD_TYPE", "Release"),
            "-DGEMBED_BUILD_PYTHON=ON",
            # Only gembed_python is built, but tests/fuzz/CMakeLists.txt does not configure
            # with the tests off (it sets properties on a test target that is then absent).
            "-DGEMBED_BUILD_TESTS=ON",
            "-DPython3_EXECUTABLE=" + sys.executable,
        ]
        if shutil.which("ninja") and not os.path.exists(os.path.join(build_dir, "Makefile")):
            configure += ["-G", "Ninja"]
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", build_dir, "--target", ext.target, "-j", jobs], check=True)

        built = glob.glob(os.path.join(build_dir, "python", "gembed", "_gembed*.so"))
        if len(built) != 1:
            raise RuntimeError(f"expected one _gembed module in {build_dir}/python/gembed, found {built}")
        dest = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copyfile(built[0], dest)


setup(
    name="gembed",
    version=version(),
    description="EmbeddingGemma text embeddings on the CPU (C++), with a sentence-transformers-like API",
    license="Apache-2.0",
    python_requires=">=3.9",
    install_requires=["numpy"],
    packages=["gembed"],
    package_dir={"": "python"},
    ext_modules=[CMakeExtension("gembed._gembed", target="gembed_python")],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
    # Keep setuptools' own output out of build/ (the usual CMake build folder) and python/.
    options={"build": {"build_base": os.path.join(OUT, "setuptools")}, "egg_info": {"egg_base": OUT}},
)
