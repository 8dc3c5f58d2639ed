"""The packages of nestflow's one import root (pyproject.toml maps each layer's folder).

setuptools finds packages by folder name; the layers' folders (flows/, tasks/, ...) install under
``nestflow.``, so their subpackages are listed here with that prefix.
"""

from setuptools import find_packages, setup

#: The folders installed as ``nestflow.<name>`` (pyproject.toml's package-dir).
LAYERS = ("flows", "tasks", "blocks", "cli", "deploy")

packages = find_packages(include=["nestflow", "nestflow.*"])
for layer in LAYERS:
    packages += [f"nestflow.{layer}"]
    packages += [f"nestflow.{layer}.{sub}" for sub in find_packages(where=layer)]

setup(packages=packages)
