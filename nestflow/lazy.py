"""Imports on first use, so reading a registry stays light.

The engine and target packages re-export their classes, but the command line reads their
registries before it imports anything heavy: importing the package must not import its modules
(PEP 562), and a registry entry names its class by import path.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, names: Mapping[str, tuple[str, ...]]
) -> tuple[list[str], Callable[[str], Any]]:
    """The ``__all__`` and the module ``__getattr__`` of a package that imports names on use.

    Args:
        package: The package's ``__name__``.
        names: Each submodule (relative name) and the public names it defines.

    Returns:
        The public names, and the function that imports one from its submodule.
    """
    homes = {name: module for module, defined in names.items() for name in defined}

    def attribute(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{home}"), name)

    return sorted(homes), attribute


def imported(path: str) -> Any:
    """The object an import path names, ``"package.module:attribute"`` (imports the module)."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)
