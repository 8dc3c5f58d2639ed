"""Fixtures of the pipeline tests: one Prefect test harness per session, isolated storage.

Every Prefect path (home, result and transaction storage) points into one temporary folder for
the session, so cached results of an earlier session can never answer for this one, and the
secret scan at the end knows exactly which files Prefect wrote.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prefect.artifacts import Artifact
from prefect.client.orchestration import get_client
from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter
from prefect.events.worker import EventsWorker
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_HOME,
    PREFECT_LOGGING_TO_API_ENABLED,
    PREFECT_RESULTS_LOCAL_STORAGE_PATH,
    PREFECT_SERVER_ANALYTICS_ENABLED,
    PREFECT_SERVER_DATABASE_CONNECTION_URL,
    temporary_settings,
)
from prefect.testing.utilities import prefect_test_harness

from nestflow.blocks import DrawingRoots, MachineTarget
from nestflow.cli.demo import save_sandbox_blocks
from nestflow.cli.prefect_api import start_budget
from nestflow.cloudnest.client import CloudNestClient
from nestflow.cloudnest.jobs import vendor_filename
from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.parameters import (
    BlockNames,
    DrawingSource,
    EngineName,
    MaterialSpec,
    NestingSettings,
    PushEngine,
)
from nestflow.gate import dxf_outlines
from nestflow.sandbox.config import SandboxConfig
from nestflow.sandbox.faults import FaultKind, FaultPlan, FaultRule
from nestflow.sandbox.server import RunningSandbox, start_sandbox

#: The material and the short nesting of the local-engine runs (:func:`local_run`).
LOCAL_MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
LOCAL_FAST = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=120.0)


class PrefectSession:
    """Where the session's Prefect server keeps its database and the tasks their records."""

    def __init__(self, home: Path, storage: Path, database: Path, api_url: str) -> None:
        self.home = home
        self.storage = storage
        self.database = database
        self.api_url = api_url


@pytest.fixture(scope="session")
def prefect_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectSession]:
    """Start Prefect's test harness once, with home and result storage in a temporary folder."""
    root = tmp_path_factory.mktemp("prefect")
    home, storage = root / "home", root / "storage"
    settings = {
        PREFECT_HOME: str(home),
        PREFECT_RESULTS_LOCAL_STORAGE_PATH: str(storage),
        PREFECT_SERVER_ANALYTICS_ENABLED: False,
        PREFECT_LOGGING_TO_API_ENABLED: True,
    }
    # The CLI's start budget (600 s unless exported): a first start took over 90 s with the
    # suite and 8 busy processes on two cores, and every test of the worker then failed.
    budget = start_budget()
    with temporary_settings(updates=settings), prefect_test_harness(server_startup_timeout=budget):
        # Prefect's events worker is one per process, bound to the API URL in effect when it is
        # first used: bind it to the harness now, before a test talks to another server (the
        # production stack, a real `prefect server`) and every later event goes there.
        EventsWorker.instance()
        url = PREFECT_SERVER_DATABASE_CONNECTION_URL.value()
        database = Path(url.split("///", 1)[1])
        yield PrefectSession(home, storage, database, PREFECT_API_URL.value())


@pytest.fixture(scope="session", autouse=True)
def _prefect_harness(prefect_session: PrefectSession) -> PrefectSession:
    """Every test of this folder runs against the session's harness."""
    return prefect_session


def _wait_for_events(name: str, resource_prefix: str, at_least: int = 1, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    event_filter = EventFilter(
        event=EventNameFilter(name=[name]),
        resource=EventResourceFilter(id_prefix=[resource_prefix]),
    )
    while True:
        with get_client(sync_client=True) as client:
            events = client.read_events(filter=event_filter, limit=50).events
        if len(events) >= at_least or time.monotonic() > deadline:
            return events
        time.sleep(0.5)


@pytest.fixture
def wait_for_events():
    """Poll the Prefect API until ``at_least`` events named ``name`` about the resources exist.

    Events travel through a background queue and the server's persister, so they show up after a
    short delay; waiting on the API is how a user would see them too.
    """
    return _wait_for_events


# --- drawings ---------------------------------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def stored_as(*drawings: Path) -> list[str]:
    """The names CloudNest holds these drawings under (their upload names), sorted."""
    return sorted(
        vendor_filename(p.name, hashlib.sha256(p.read_bytes()).hexdigest()) for p in drawings
    )


def copy_examples(target: Path, *names: str) -> Path:
    """A folder ``target`` holding copies of the named example drawings."""
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(EXAMPLES / name, target / name)
    return target


@pytest.fixture
def example_folder(tmp_path: Path):
    """Make a folder of copies of the named example drawings (``example_folder("a.dxf")``)."""
    return lambda *names: copy_examples(tmp_path / "drawings", *names)


# --- the sandbox and the blocks pointing at it -------------------------------------------------

#: Secrets of this session's sandbox: unique strings, so the leak scan finds any copy of them.
CLOUDNEST_SECRET = f"cn-secret-{uuid.uuid4().hex}"
ALMACAM_TOKEN = f"am-token-{uuid.uuid4().hex}"
#: Every simulated duration is scaled by this (solvers still take their 1 s minimum).
SANDBOX_SPEED = 0.01
#: The simulated machines: the first is the session's laser; tests that must tell their pushes
#: apart at the machine (faults aimed at one machine) take one of the others each.
SANDBOX_MACHINES = tuple(range(165192, 165200))


@pytest.fixture(scope="session")
def sandbox() -> Iterator[RunningSandbox]:
    """Both sandboxed APIs on free loopback ports, with this session's secrets."""
    environ = {
        "NESTFLOW_SANDBOX_CLOUDNEST_APP_SECRET": CLOUDNEST_SECRET,
        "NESTFLOW_SANDBOX_ALMACAM_TOKEN": ALMACAM_TOKEN,
        "NESTFLOW_SANDBOX_MACHINES": ",".join(str(gmid) for gmid in SANDBOX_MACHINES),
    }
    config = SandboxConfig.from_env(environ, almacam_port=0, cloudnest_port=0, speed=SANDBOX_SPEED)
    with start_sandbox(config) as running:
        yield running


@dataclass(frozen=True)
class PipelineBlocks:
    """Names of the saved blocks, and the folders behind the filesystem ones."""

    names: BlockNames
    out: Path
    drop: Path
    gmid: int


def save_pipeline_blocks(
    sandbox: RunningSandbox, name: str, folders: Path, roots: list[Path]
) -> PipelineBlocks:
    """Save credentials, machine, storage and Drawing Roots blocks called ``name`` for a sandbox.

    Args:
        sandbox: The sandbox the blocks point at.
        name: Block name (the roots block is ``<name>-roots``).
        folders: Where its output and drop folders go.
        roots: The folders its runs may read drawings from.
    """
    out, drop = folders / "out", folders / "drop"
    names = save_sandbox_blocks(sandbox, name, out, drop)
    DrawingRoots(folders=[str(root) for root in roots]).save(f"{name}-roots", overwrite=True)
    names = names.model_copy(update={"drawing_roots": f"{name}-roots"})
    gmid = sandbox.config.cloudnest.gmids[0]
    return PipelineBlocks(names=names, out=out, drop=drop, gmid=gmid)


def with_drop_laser(names: BlockNames, machine: str) -> BlockNames:
    """``names`` with a machine ``machine`` that takes layouts in their drop folder."""
    MachineTarget(drop_folder_block=names.machine + "-drop").save(machine, overwrite=True)
    return names.model_copy(update={"machine": machine})


@pytest.fixture(scope="session")
def pipeline_blocks(
    prefect_session: PrefectSession,
    sandbox: RunningSandbox,
    tmp_path_factory: pytest.TempPathFactory,
) -> PipelineBlocks:
    """Credentials, machine and storage blocks saved in the harness, pointing at the sandbox."""
    # The tests' drawings lie in the session's temporary folders and in examples/, not in the
    # working folder a run reads by default: the session's blocks allow exactly those.
    roots = [tmp_path_factory.getbasetemp(), EXAMPLES]
    return save_pipeline_blocks(sandbox, "test-sandbox", tmp_path_factory.mktemp("pipeline"), roots)


@pytest.fixture(scope="session")
def cloudnest(sandbox: RunningSandbox) -> Iterator[CloudNestClient]:
    """A client of the CloudNest sandbox, to look at what the pipeline left there."""
    app = sandbox.config.cloudnest.app
    with CloudNestClient(
        sandbox.url("cloudnest"), app.app_id, CLOUDNEST_SECRET, sorted(app.org_codes)[0]
    ) as client:
        yield client


def _latest_artifact(key: str) -> dict | None:
    found = Artifact.get(key, _sync=True)
    return found.model_dump(mode="json") if found is not None else None


@pytest.fixture
def latest_artifact():
    """Read the newest version of the artifact with a given key (None when there is none)."""
    return _latest_artifact


# --- every log line of the session, for the leak scan --------------------------------------------


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="session", autouse=True)
def session_log_lines() -> Iterator[list[str]]:
    """Every log line emitted in this process during the session (formatted, with tracebacks)."""
    recorder = _Recorder()
    recorder.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    logging.getLogger().addHandler(recorder)
    try:
        yield recorder.lines
    finally:
        logging.getLogger().removeHandler(recorder)


@pytest.fixture(scope="session")
def sandbox_secrets() -> dict[str, str]:
    """The secrets of this session's sandbox, by name (for the leak scan)."""
    return {"CloudNest app secret": CLOUDNEST_SECRET, "AlmaCAM token": ALMACAM_TOKEN}


@pytest.fixture
def drop_laser(pipeline_blocks) -> BlockNames:
    """The session's block names with a machine that takes layouts in the test drop folder."""
    return with_drop_laser(pipeline_blocks.names, "drop-laser")


@pytest.fixture
def local_run(drop_laser):
    """Run a job with the local engine, its layouts dropped in the test's drop folder."""

    def run(job: str, folder: Path, **options):
        return nest_to_cnc(
            job_name=job,
            drawings=DrawingSource(folder=str(folder)),
            push=PushEngine.LOCAL,
            engines=[EngineName.LOCAL],
            material=LOCAL_MATERIAL,
            nesting=LOCAL_FAST,
            blocks=drop_laser,
            **options,
        )

    return run


def dropped_parts(drop: Path, job: str, engine: str = "local") -> int:
    """Parts on the layouts ``engine`` made for ``job``, in the drop folder ``drop``."""
    return sum(len(dxf_outlines(p.read_bytes())) for p in drop.glob(f"{job}-{engine}-*.dxf"))


@pytest.fixture
def answer_lost(sandbox: RunningSandbox) -> Iterator[None]:
    """The next AlmaCAM submit lands, but its answer never reaches the client (dropped)."""
    faults = sandbox.faults("almacam")
    rule = FaultRule(route="/new$", method="POST", kind=FaultKind.DROP_AFTER, times=1)
    faults.set(FaultPlan(rules=[rule]))
    yield
    faults.clear()
