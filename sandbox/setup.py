"""The packages of nestflow-sandbox: this folder installs as ``nestflow.sandbox``."""

from setuptools import find_packages, setup

setup(packages=["nestflow.sandbox"] + [f"nestflow.sandbox.{p}" for p in find_packages()])
