"""Builds the compiled fast path of the pricing contract (``feuille.pricing.fast``) with Cython.

Everything else is in pyproject.toml. ``make install`` also runs ``setup.py build_ext --inplace`` so that an
editable install picks up changes to ``fast.py``.
"""

from Cython.Build import cythonize
from setuptools import setup

setup(ext_modules=cythonize(["src/feuille/pricing/fast.py"], language_level=3, quiet=True))
