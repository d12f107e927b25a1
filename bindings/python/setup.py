"""Build the ipcf Python package, bundling libipcf.so.

Run `make` first (it builds ../../build/lib/libipcf.so); then
`pip install bindings/python` or `python3 setup.py bdist_wheel`. Only
Debian's python3-setuptools and python3-wheel are needed.
"""

import os
import re
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', '..')


def version():
    with open(os.path.join(ROOT, 'include', 'ipcf.h')) as fh:
        h = fh.read()
    return '.'.join(re.search(rf'IPCF_VERSION_{k} (\d+)', h).group(1) for k in ('MAJOR', 'MINOR', 'PATCH'))


class BuildPy(build_py):
    """Copy the built library into the package."""

    def run(self):
        lib = os.environ.get('IPCF_LIBRARY', os.path.join(ROOT, 'build', 'lib', 'libipcf.so'))
        if not os.path.exists(lib):
            raise SystemExit(f'{lib} not found: run make in the repository first')
        super().run()
        dst = os.path.join(self.build_lib, 'ipcf', 'libipcf.so')
        shutil.copyfile(os.path.realpath(lib), dst)


class BinaryDistribution(Distribution):
    """The wheel holds a shared library: it is platform specific."""

    def has_ext_modules(self):
        return True


setup(
    name='ipcf',
    version=version(),
    description='Image pair correlation function (pCF) analysis of image time series',
    packages=['ipcf'],
    python_requires='>=3.9',
    install_requires=['numpy'],
    extras_require={'dask': ['dask[array]', 'distributed'], 'plot': ['matplotlib'], 'progress': ['tqdm']},
    cmdclass={'build_py': BuildPy},
    distclass=BinaryDistribution,
    license='GPL-2.0-or-later',
    zip_safe=False,
)
