"""Importing nestflow changes nothing in the process: no signal handler, no name of Prefect's, no
environment variable (the ``nestflow`` command sets Prefect's environment in its ``main``).

Signal handling and the clients' lifetimes are set up explicitly, by a flow run's task runner
(``nestflow.tasks.run_scope``) or by a program that calls ``install_cancellation()``; a module
that did it when imported would change a host program (a worker, a test runner, a notebook)
that merely imported it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Imports every module of the package in a fresh interpreter and prints what changed.
IMPORT_ALL = """
import importlib, json, os, pkgutil, signal
import prefect.utilities.engine as engine

environ = dict(os.environ)
SIGNALS = (signal.SIGTERM, signal.SIGINT)
handlers = {signum: signal.getsignal(signum) for signum in SIGNALS}
names = dict(vars(engine))
modules = set()
for layer in ("", ".flows", ".tasks", ".blocks", ".cli", ".deploy", ".sandbox"):
    package = importlib.import_module("nestflow" + layer)
    modules.add(package.__name__)
    found = pkgutil.walk_packages(package.__path__, package.__name__ + ".")
    # A distribution's build script (sandbox/setup.py) is not a module of the package.
    modules.update(m.name for m in found if m.name.rpartition(".")[2] != "setup")
for name in sorted(modules):
    importlib.import_module(name)
print(json.dumps({
    "modules": len(modules),
    "signals": [signal.Signals(s).name for s in SIGNALS if signal.getsignal(s) is not handlers[s]],
    "prefect_engine": sorted(k for k, v in names.items() if getattr(engine, k, None) is not v),
    "environ": sorted(k for k in {*environ, *os.environ} if environ.get(k) != os.environ.get(k)),
}))
"""


def test_importing_every_module_changes_no_signal_handler_nor_prefects_engine() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_ALL], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    changed = json.loads(done.stdout.strip().splitlines()[-1])
    assert changed["modules"] > 100, changed  # the walk found the whole package
    assert changed["signals"] == [], f"importing changed these signals' handlers: {changed}"
    assert changed["prefect_engine"] == [], f"importing replaced names of Prefect's: {changed}"
    assert changed["environ"] == [], f"importing changed these environment variables: {changed}"
