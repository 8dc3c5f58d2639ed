"""Prefect's API for the command line: a local server of our own, started and waited for.

A run needs a Prefect API. With none configured (no ``PREFECT_API_URL`` in the environment or the
active profile), Prefect 3.9.1 starts a temporary server in the process that first talks to it
and gives it ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS`` (20 s) to answer. That is not
enough on a busy machine: on this 2-core box loaded by 8 busy processes (load 15-20), a first
start (which migrates a new SQLite database) took 215-247 s, import included (quiet: 16-26 s);
``make demo`` failed 7 times in 11. Giving Prefect's own start a larger budget is not enough
either: its wait loop starts the server again on another port whenever it exits with uvicorn's
start-up failure code, so a server that can never start (a database it cannot open, measured)
is started again and again until the whole budget is spent, and then reported as a time-out.

So the command line starts a server of its own (``prefect server start`` on a free loopback port,
scheduler and late-run services off as in Prefect's temporary server, output to a log file),
waits for its ``/api/health`` with a budget that holds on a slow machine, and stops waiting the
moment the server exits. A server that cannot start is one line (:class:`PrefectUnavailable`)
saying why and what to do, naming the server's log.

The start budget is ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS`` (the setting users know
from Prefect's error): a value the user exported wins; :func:`configure_environment` makes it
:data:`DEFAULT_START_BUDGET_S` otherwise, so any temporary server Prefect still starts by itself
gets the same budget.

This module imports no Prefect at import time: ``nestflow --help`` must not pay for it.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

#: Prefect's setting for how long a temporary server may take to answer; ours honours it too.
START_BUDGET_VARIABLE = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
#: The start budget unless the user exported one: well above the 215-247 s measured for a first
#: start under load 15-20 on 2 cores (a server that dies is reported at once, whatever the budget).
DEFAULT_START_BUDGET_S = 600
#: Variables the demo keeps from the user's environment (all other PREFECT_* are set aside).
_DEMO_KEEPS = (START_BUDGET_VARIABLE, "PREFECT_SERVER_ANALYTICS_ENABLED")
#: After this long without an answer, say once that the server is still starting.
_SAY_STILL_STARTING_AFTER_S = 15.0
#: How often the server's health is asked while it starts.
_POLL_S = 0.25
#: Starts on a port another process took between our check and the server's bind.
_PORT_ATTEMPTS = 3
#: The last line that names an exception, in the server's log (the reason it stopped).
_EXCEPTION_LINE = re.compile(r"^[\w.]*(Error|Exception)\b.*$", re.MULTILINE)
_PR_SET_PDEATHSIG = 1


class PrefectUnavailable(RuntimeError):
    """No Prefect API to run against: the message is one line saying why and what to do."""


def configure_environment() -> None:
    """Prefect's environment for this process; call before Prefect is imported.

    Its settings are read when it is imported; values the user exported win. Imports no
    Prefect.

    * Server analytics off: a Prefect server sends usage telemetry to an outside address
      unless told not to; nestflow talks to loopback and the vendors only.
    * The start budget of a temporary server (:data:`START_BUDGET_VARIABLE`) is
      :data:`DEFAULT_START_BUDGET_S`, not Prefect's 20 s.
    """
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault(START_BUDGET_VARIABLE, str(DEFAULT_START_BUDGET_S))


def start_budget() -> int:
    """How long a local server may take to answer, in seconds (:data:`START_BUDGET_VARIABLE`).

    Raises:
        PrefectUnavailable: The variable is set to something other than a whole number of
            seconds above 0 (Prefect itself would refuse it, with a page of traceback).
    """
    text = os.environ.get(START_BUDGET_VARIABLE, "").strip()
    if not text:
        return DEFAULT_START_BUDGET_S
    try:
        budget = int(text)
    except ValueError:
        budget = 0
    if budget <= 0:
        raise PrefectUnavailable(
            f"{START_BUDGET_VARIABLE}={text!r} is not a whole number of seconds above 0; "
            f"set it to one (default {DEFAULT_START_BUDGET_S}) or unset it"
        )
    return budget


@contextmanager
def own_prefect_home(home: Path) -> Iterator[Path]:
    """Run the block with a Prefect home (database, blocks, profiles, results) of its own.

    The user's ``PREFECT_*`` variables (API URL, profile, home, database...) are set aside for
    the block, except the start budget, so nothing in it reads or writes the user's Prefect
    profile, server or blocks; they are restored on the way out.

    Args:
        home: The folder Prefect keeps everything in (created if missing).

    Yields:
        The home folder, resolved.
    """
    home = home.expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    changes: dict[str, str | None] = {
        key: None for key in os.environ if key.startswith("PREFECT_") and key not in _DEMO_KEEPS
    }
    changes["PREFECT_HOME"] = str(home)
    with _environment(changes):
        yield home


@contextmanager
def prefect_api(echo: Callable[[str], None] | None = None) -> Iterator[str]:
    """The Prefect API for the block: the configured one, else a local server of our own.

    With ``PREFECT_API_URL`` set (environment or active profile) that server is used as it is.
    Otherwise a server is started on a free loopback port against this Prefect home's database,
    waited for (:func:`start_budget`), used by every Prefect client of this process for the
    block, and stopped on the way out (after Prefect's log and event queues are sent).

    Args:
        echo: Where a line for people goes when the start takes long (e.g. stderr).

    Yields:
        The API's URL.

    Raises:
        PrefectUnavailable: The server could not be started or did not answer in time.
    """
    budget = start_budget()  # before Prefect is imported: Prefect reads it then
    from prefect.settings import PREFECT_API_URL

    configured = PREFECT_API_URL.value()
    if configured:
        yield configured
        return
    log = _new_log()
    process, url = _start_server(log, budget, echo)
    try:
        with _environment({"PREFECT_API_URL": url}):
            try:
                yield url
            finally:
                _send_queued()
    finally:
        _stop(process, log, echo)


def _start_server(
    log: Path, budget: int, echo: Callable[[str], None] | None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``prefect server start`` and wait until it answers; the process and its API URL."""
    for _ in range(_PORT_ATTEMPTS):
        port = _free_port()
        process = _spawn(port, log)
        url = f"http://127.0.0.1:{port}/api"
        code = _wait_healthy(process, url, log, budget, echo)
        if code is None:
            return process, url
        if not re.search(rf"Port {port} is already in use", _read(log)):
            break
    raise PrefectUnavailable(
        f"Prefect's local server stopped while starting (exit code {code}): {_reason(log)}; "
        f"fix that, or set PREFECT_API_URL to a running server. Its log: {log}"
    )


def _spawn(port: int, log: Path) -> subprocess.Popen[bytes]:
    # Scheduler and late-run marking off, as in Prefect's temporary server: runs are started by
    # this process, not scheduled. Its own session: Ctrl-C reaches the run, which can still
    # report to the server while it stops; the server is stopped by us, or by the kernel when
    # this process dies (Linux).
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    env.update(
        PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED="false",
        PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED="false",
        PREFECT_UI_ENABLED="false",
    )
    command = [sys.executable, "-m", "prefect", "server", "start"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent(),
        )


def _wait_healthy(
    process: subprocess.Popen[bytes],
    url: str,
    log: Path,
    budget: int,
    echo: Callable[[str], None] | None,
) -> int | None:
    """Wait until ``url``'s health answers (None) or the server exits (its exit code).

    Raises:
        PrefectUnavailable: No answer within ``budget`` seconds (the server is stopped).
    """
    import httpx

    started = time.monotonic()
    said = False
    with httpx.Client(timeout=10.0) as client:
        while True:
            code = process.poll()
            if code is not None:
                return code
            try:
                if client.get(f"{url}/health").status_code == 200:
                    return None
            except httpx.HTTPError:
                pass  # not listening yet, or too busy to answer: wait on
            waited = time.monotonic() - started
            if waited > budget:
                _terminate(process)
                raise PrefectUnavailable(
                    f"Prefect's local server did not answer within {budget} s "
                    f"({START_BUDGET_VARIABLE}); on a busy machine raise it (e.g. "
                    f"{START_BUDGET_VARIABLE}={max(budget * 2, DEFAULT_START_BUDGET_S)}), "
                    f"or set PREFECT_API_URL to a running server. Its log: {log}"
                )
            if echo is not None and not said and waited > _SAY_STILL_STARTING_AFTER_S:
                said = True
                echo(
                    f"Starting Prefect's local server (a first start sets up its database), "
                    f"up to {budget} s..."
                )
            time.sleep(_POLL_S)


def _send_queued() -> None:
    """Send what Prefect's log and event queues hold while the server still answers."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=30, at_exit=False)
    EventsWorker.drain_all(timeout=30, at_exit=False)


def _stop(process: subprocess.Popen[bytes], log: Path, echo: Callable[[str], None] | None) -> None:
    """Stop the server; keep its log only if it had stopped by itself (and say so)."""
    code = process.poll()
    if code is None:
        _terminate(process)
        log.unlink(missing_ok=True)
    elif echo is not None:
        echo(f"Prefect's local server had stopped during the run (exit code {code}); log: {log}")


def _terminate(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def _environment(changes: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for None, remove) these variables for the block; Prefect's settings follow."""
    saved = {key: os.environ.get(key) for key in changes}
    _change_environment(changes)
    try:
        yield
    finally:
        _change_environment(saved)


def _change_environment(changes: Mapping[str, str | None]) -> None:
    for key, value in changes.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    # Prefect reads its settings when imported; once it is, every thread's settings come from
    # its global settings context, which this makes read the environment again.
    if "prefect.context" in sys.modules:
        from prefect.context import refresh_global_settings_context

        refresh_global_settings_context()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _new_log() -> Path:
    handle, name = tempfile.mkstemp(prefix="nestflow-prefect-server-", suffix=".log")
    os.close(handle)
    return Path(name)


def _read(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")


def _reason(log: Path) -> str:
    """The server's last exception line, else its last line (at most 300 characters)."""
    text = _read(log)
    lines = [found.group(0) for found in _EXCEPTION_LINE.finditer(text)]
    lines = lines or [line for line in text.splitlines() if line.strip()]
    reason = " ".join(lines[-1].split()) if lines else "no output"
    return reason if len(reason) <= 300 else f"{reason[:297]}..."


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the kernel stop the server if this process dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # here, not at the top: nestflow --help imports this module
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)

    def ask() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return ask
