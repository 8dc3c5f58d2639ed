"""The one flow-side adapter: every engine of the registry, built for a run and driven in it.

An engine is a core class (:class:`nestflow.engines.base.Engine`) named by its registry entry
(:mod:`nestflow.engines.registry`). For a run, :func:`engine_runs` builds each engine asked for
the same way: its credentials block is loaded by the entry's block type and the name the run's
``blocks`` give for the engine, and its steps (the Prefect tasks it reaches its service through)
come from ``nestflow.tasks.<name>.steps(credentials)``; an engine with no tasks module is built
with no argument. :class:`FlowEngine` drives it: what the engine logs (``nestflow.engines``: a
failure, a picture missing) is repeated in the Prefect run log.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from prefect import get_run_logger
from prefect.blocks.core import Block

import nestflow.blocks  # noqa: F401 - registers the credentials blocks' types by their slugs
from nestflow.blocks.loading import load_block
from nestflow.engines.base import Engine, EngineContext
from nestflow.engines.registry import ENGINES, EngineEntry
from nestflow.flows.parameters import BlockNames
from nestflow.report import EngineSummary
from nestflow.targets import LayoutToCut

#: The logger the core engines write to (:mod:`nestflow.engines.results`).
ENGINE_LOG = "nestflow.engines"


class FlowEngine:
    """One engine's part of a run: start, finish, files, layouts to cut, its summary.

    Args:
        entry: The engine's registry entry (its name, title and capabilities).
        engine: The engine, built for this run.
    """

    def __init__(self, entry: EngineEntry, engine: Engine) -> None:
        self.entry = entry
        self.engine = engine

    @property
    def name(self) -> str:
        """The engine's name in parameters, summaries, file folders and push records."""
        return self.entry.name

    @property
    def quotes(self) -> bool:
        """Its summary prices a job (``entry.quotes``)."""
        return self.entry.quotes

    @property
    def waits_in_start(self) -> bool:
        """Its start waits on its service: started after the others (``entry.waits_in_start``)."""
        return self.entry.waits_in_start

    @property
    def summary(self) -> EngineSummary:
        """What the engine did: layouts (gated), left-out parts, errors."""
        return self.engine.summary

    def start(self, ctx: EngineContext) -> None:
        """Trigger the nesting (a failure is recorded in the summary and logged)."""
        with _in_run_log():
            self.engine.start(ctx)

    def finish(self, ctx: EngineContext) -> None:
        """Wait, fetch, gate, summarise (a failure is recorded in the summary and logged)."""
        with _in_run_log():
            self.engine.finish(ctx)

    def files(self) -> dict[str, bytes]:
        """The gated layout files and their pictures, by file name."""
        return self.engine.files()

    def layouts_to_cut(self, job: str, files: dict[str, bytes]) -> list[LayoutToCut]:
        """The gated layouts as they go to a machine."""
        return self.engine.layouts_to_cut(job, files)


def engine_runs(names: list[str], blocks: BlockNames) -> list[FlowEngine]:
    """One engine per name asked for, in the order asked, built with its block and steps.

    Raises:
        BlockNotFound: An engine's credentials block is not on the Prefect server.
        KeyError: No engine of that name is registered.
    """
    return [FlowEngine(ENGINES[name], _built(ENGINES[name], blocks)) for name in names]


def _built(entry: EngineEntry, blocks: BlockNames) -> Engine:
    """The engine of ``entry``, with its steps for the credentials the run names."""
    engine = entry.load()
    tasks = _tasks_module(entry)
    if tasks is None:
        return engine()
    return engine(tasks.steps(_credentials(entry, blocks)))


def _tasks_module(entry: EngineEntry) -> ModuleType | None:
    """``nestflow.tasks.<name>``, the engine's steps as Prefect tasks (None: it has none)."""
    module = f"nestflow.tasks.{entry.name}"
    return importlib.import_module(module) if importlib.util.find_spec(module) else None


def _credentials(entry: EngineEntry, blocks: BlockNames) -> Block | None:
    """The engine's credentials block, by its type's slug and the run's name for it."""
    if entry.block is None:
        return None
    name = getattr(blocks, entry.name, None)
    if not name:
        raise ValueError(
            f"engine {entry.name!r} needs a {entry.block} block: name it in the run's "
            f"`blocks.{entry.name}`"
        )
    return load_block(Block.get_block_class_from_key(entry.block), name)


class _ToRunLog(logging.Handler):
    """Repeats the records of one thread in the Prefect run log of that thread's run."""

    def __init__(self) -> None:
        super().__init__()
        self.thread = threading.get_ident()
        self.run_log = get_run_logger()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.run_log.log(record.levelno, "%s", record.getMessage())


@contextmanager
def _in_run_log() -> Iterator[None]:
    """What the engines log meanwhile in this thread also goes to the run log."""
    handler = _ToRunLog()
    logger = logging.getLogger(ENGINE_LOG)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
