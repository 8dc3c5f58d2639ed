"""Where a ``nestflow run``'s log goes: a file of its own, and short progress lines for people.

Prefect logs every state change, task run and server start at the console (30 lines for a
one-drawing quote), and a failed run adds its traceback. During ``nestflow run`` that log goes to
a file instead; the terminal shows only the lines nestflow's own flows and tasks log (what was
read, nested, pushed), and a failure is one line naming the file. With ``--verbose`` the
terminal shows the whole log as well.

Log files are ``<NESTFLOW_LOG_DIR>/<UTC time>-<flow>-<job>.log``; the folder defaults to
``~/.nestflow/logs``.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

#: The variable naming the folder of the run logs, and its default.
LOG_DIR_VARIABLE = "NESTFLOW_LOG_DIR"
DEFAULT_LOG_DIR = Path("~/.nestflow/logs")
#: The packages whose log lines are progress for people (Prefect's engine lines are not).
_OWN_CODE = tuple(
    str(Path(__file__).resolve().parents[1] / package) for package in ("flows", "tasks")
)
_FILE_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def log_dir() -> Path:
    """The folder of the run logs (``NESTFLOW_LOG_DIR``, else ``~/.nestflow/logs``)."""
    return Path(os.environ.get(LOG_DIR_VARIABLE) or DEFAULT_LOG_DIR).expanduser()


def log_path(flow: str, job: str | None) -> Path:
    """A new log file's path for a run of ``flow`` for ``job`` (not created).

    Args:
        flow: The flow's command-line name.
        job: The job name, if any (made safe for a file name, at most 60 characters).

    Returns:
        ``<log_dir>/<YYYYmmdd-HHMMSS.ffffff>-<flow>-<job>.log``.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S.%f")
    safe_job = _FILE_NAME_UNSAFE.sub("_", job or "")[:60].strip("._")
    return log_dir() / f"{stamp}-{flow}{f'-{safe_job}' if safe_job else ''}.log"


class _Progress(logging.Handler):
    """nestflow's own info lines, one short line each: what the run is doing, for people."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        super().__init__(level=logging.INFO)
        self._echo = echo

    def filter(self, record: logging.LogRecord) -> bool:
        return record.pathname.startswith(_OWN_CODE) and super().filter(record)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = " ".join(record.getMessage().split())
            level = "" if record.levelno < logging.WARNING else f"{record.levelname.lower()}: "
            self._echo(f"  {level}{message}")
        except Exception:  # noqa: BLE001 - logging's own contract: never raise from emit
            self.handleError(record)


def _console_handlers() -> list[tuple[logging.Logger, logging.Handler]]:
    """Every handler writing to the terminal, with its logger (root, Prefect's and others)."""
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    terminals = (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__)
    return [
        (logger, handler)
        for logger in loggers
        for handler in logger.handlers
        if isinstance(handler, logging.StreamHandler)
        and not isinstance(handler, logging.FileHandler)
        # Prefect's own, or any writing to a terminal stream: a test's log capture is neither.
        and (
            type(handler).__module__.startswith("prefect.")
            or getattr(handler, "stream", None) in terminals
        )
    ]


class RunLog:
    """The log file of one run, open while the run goes (see :func:`run_log`)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write_traceback(self, exc: BaseException) -> None:
        """Append ``exc``'s traceback to the log file (the terminal gets one line)."""
        with self.path.open("a", encoding="utf-8") as log:
            log.write("".join(traceback.format_exception(exc)))


@contextmanager
def run_log(
    path: Path, *, verbose: bool, echo: Callable[[str], None], stream: object = None
) -> Iterator[RunLog]:
    """Send the terminal's log lines to ``path`` while a run goes, and show progress lines.

    Prefect is imported first, so that its logging is configured and its console handlers can
    be found; each is swapped for one writing to the file (same level and format), and put back
    when the run ends. Python's warnings go to the file too.

    Args:
        path: The log file (its folder is created).
        verbose: Also show every log line on the terminal (``stream``), as Prefect would.
        echo: Prints a progress line for people (nestflow's own info lines and warnings).
        stream: Where the verbose log lines go (default: the current ``sys.stderr``).

    Yields:
        The run's log, to record a failure's traceback in.
    """
    # Prefect configures its logging when prefect.main is imported (``import prefect`` alone is
    # lazy): configured now, its console handlers can be swapped below, and not reset later.
    import prefect.main  # noqa: F401

    path.parent.mkdir(parents=True, exist_ok=True)
    # Created by the first line logged: a run refused before Prefect logs anything leaves none.
    file_handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    swapped = _console_handlers()
    root = logging.getLogger()
    # The root's console format (Prefect's: time, level, flow or task run, message) for all.
    formats = [h.formatter for logger, h in swapped if logger is root and h.formatter]
    file_handler.setFormatter(
        formats[0] if formats else logging.Formatter("%(asctime)s | %(name)s - %(message)s")
    )
    added: list[tuple[logging.Logger, logging.Handler]] = []
    loggers = {id(root): root} | {id(logger): logger for logger, _ in swapped}
    for logger, handler in swapped:
        logger.removeHandler(handler)
    for logger in loggers.values():
        added.append((logger, file_handler))
        if verbose:
            terminal = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
            terminal.setFormatter(file_handler.formatter)
            added.append((logger, terminal))
    if not verbose:
        added.append((root, _Progress(echo)))
    for logger, handler in added:
        logger.addHandler(handler)
    logging.captureWarnings(True)
    try:
        yield RunLog(path)
    finally:
        logging.captureWarnings(False)
        for logger, handler in added:
            logger.removeHandler(handler)
        for logger, handler in swapped:
            logger.addHandler(handler)
        file_handler.close()
