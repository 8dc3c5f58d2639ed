"""The production shape of a nestflow deployment, on one machine.

``python deploy/stack.py up`` brings up what Prefect's self-hosting guide prescribes, each piece
as its own process, all on loopback:

* PostgreSQL (the Prefect database) and Redis (messaging, event ordering, concurrency leases and
  the background services' task queue), from Debian's packages (deploy/install-services.sh);
* the Prefect API server without services (``prefect server start --no-services``), the schema
  migrated once beforehand (``prefect server database upgrade``);
* Prefect's background services (scheduler, triggers, lease repossessor, ...) in a process of
  their own (``prefect server services start``);
* the ``nestflow-local`` process work pool, every deployment of prefect.yaml, the CloudNest
  global rate limit, and N process workers (two by default).

What the workers share, and where: the Prefect server (job leases: one run per job at a time,
the CloudNest rate limit), and one result-storage folder (``<state>/shared/results``: task
caches, the push records that make every push happen once). On several machines that folder is a
shared mount and the database and Redis are the shop's own; the environment printed by
``python deploy/stack.py env`` is what each machine needs.

``python deploy/stack.py down`` stops everything it started. The database trusts connections from
loopback only, so no password is written anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PREFECT = str(BIN / "prefect")
POOL = "nestflow-local"
#: Shared pacing of CloudNest calls across workers (see README, "Rate limits across workers").
CLOUDNEST_RATE_LIMIT = "nestflow-cloudnest"
DEFAULT_STATE = ROOT / ".stack"
STARTUP_S = 120.0
FINAL_STATES = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})


class StackError(RuntimeError):
    """A piece of the stack did not come up; the message names it and its log file."""


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin() -> Path:
    """The folder of the newest PostgreSQL server installed from Debian's packages."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: p.parts[-3])
    if not found:
        raise StackError("PostgreSQL is not installed: run deploy/install-services.sh")
    return found[-1].parent


def redis_server() -> str:
    """The path of redis-server."""
    found = shutil.which("redis-server")
    if found is None:
        raise StackError("Redis is not installed: run deploy/install-services.sh")
    return found


@dataclass
class StackState:
    """What ``up`` started, written to ``<state>/stack.json`` so ``down`` can stop it."""

    pg_data: str = ""
    pg_port: int = 0
    redis_port: int = 0
    api_port: int = 0
    pids: dict[str, int] = field(default_factory=dict)


class Stack:
    """The processes of the production layout, rooted in one state folder.

    Args:
        state: Folder of the logs, the shared result storage and the Prefect home.
        workers: How many process workers to start.
        worker_env: Extra environment of the workers (e.g. a faster poll for tests).
    """

    def __init__(
        self,
        state: Path = DEFAULT_STATE,
        workers: int = 2,
        worker_env: dict[str, str] | None = None,
    ) -> None:
        self.state_dir = state.resolve()
        self.workers = workers
        self.worker_env = worker_env or {}
        self.state = StackState()
        self.logs = self.state_dir / "logs"

    # ------------------------------------------------------------------------- environment

    @property
    def api_url(self) -> str:
        """The Prefect API of the stack."""
        return f"http://127.0.0.1:{self.state.api_port}/api"

    @property
    def results(self) -> Path:
        """The result storage every worker shares (caches, push records)."""
        return self.state_dir / "shared" / "results"

    def env(self) -> dict[str, str]:
        """The Prefect settings of every process of the stack (server, services, workers)."""
        redis = f"redis://127.0.0.1:{self.state.redis_port}"
        return {
            "PREFECT_HOME": str(self.state_dir / "home"),
            "PREFECT_API_URL": self.api_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "true",
            "PREFECT_API_DATABASE_CONNECTION_URL": (
                f"postgresql+asyncpg://postgres@127.0.0.1:{self.state.pg_port}/prefect"
            ),
            "PREFECT_API_DATABASE_MIGRATE_ON_START": "false",
            "PREFECT_MESSAGING_BROKER": "prefect_redis.messaging",
            "PREFECT_MESSAGING_CACHE": "prefect_redis.messaging",
            "PREFECT_SERVER_EVENTS_CAUSAL_ORDERING": "prefect_redis.ordering",
            "PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE": "prefect_redis.lease_storage",
            "PREFECT_REDIS_MESSAGING_URL": f"{redis}/0",
            "PREFECT_SERVER_DOCKET_URL": f"{redis}/1",
            "PREFECT_RESULTS_LOCAL_STORAGE_PATH": str(self.results),
        }

    def _process_env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        return {**base, **self.env(), **(extra or {})}

    # ------------------------------------------------------------------------------ start

    def up(self) -> None:
        """Start every piece, in order, each one healthy before the next; deploy; start workers.

        Raises:
            StackError: A piece did not come up (the message names its log).
        """
        self.logs.mkdir(parents=True, exist_ok=True)
        self.results.mkdir(parents=True, exist_ok=True)
        self.state = StackState(api_port=free_port())
        try:
            self._start_postgres()
            self._start_redis()
            self._prefect("server", "database", "upgrade", "-y")
            self._spawn(
                "api",
                [PREFECT, "server", "start", "--no-services", "--host", "127.0.0.1"]
                + ["--port", str(self.state.api_port)],
            )
            self._wait_healthy()
            self._spawn("services", [PREFECT, "server", "services", "start"])
            self._prefect("work-pool", "create", POOL, "--type", "process", "--overwrite")
            self._ensure_rate_limit()
            self._prefect("--no-prompt", "deploy", "--all")
            for number in range(1, self.workers + 1):
                self.start_worker(f"worker-{number}")
            self._wait_workers(self.workers)
        except BaseException:
            self.down()
            raise
        self._save()

    def _save(self) -> None:
        (self.state_dir / "stack.json").write_text(json.dumps(asdict(self.state), indent=2))

    def _start_postgres(self) -> None:
        binaries = postgres_bin()
        data = Path(tempfile.mkdtemp(prefix="nestflow-pg-"))
        self.state.pg_data, self.state.pg_port = str(data), free_port()
        self._save()
        owner = _postgres_user()
        if owner is not None:  # PostgreSQL refuses to run as root
            os.chown(data, owner.pw_uid, owner.pw_gid)
        self._run_as(
            owner,
            [str(binaries / "initdb"), "-D", str(data / "db"), "-U", "postgres"]
            + ["--auth=trust", "--encoding=UTF8", "--no-instructions"],
        )
        options = f"-p {self.state.pg_port} -k {data} -c listen_addresses=127.0.0.1"
        self._run_as(
            owner,
            [str(binaries / "pg_ctl"), "-D", str(data / "db"), "-o", options]
            + ["-l", str(data / "postgres.log"), "-w", "-t", "60", "start"],
        )
        self._run_as(
            owner,
            [str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(self.state.pg_port)]
            + ["-U", "postgres", "prefect"],
        )

    def _run_as(self, owner: pwd.struct_passwd | None, command: list[str]) -> None:
        if owner is not None:
            command = ["runuser", "-u", owner.pw_name, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd="/")
        if done.returncode != 0:
            raise StackError(f"{' '.join(command)} failed: {done.stderr.strip()[-2000:]}")

    def _start_redis(self) -> None:
        self.state.redis_port = free_port()
        folder = self.state_dir / "redis"
        folder.mkdir(exist_ok=True)
        self._spawn(
            "redis",
            [redis_server(), "--port", str(self.state.redis_port), "--bind", "127.0.0.1"]
            + ["--dir", str(folder), "--save", "", "--appendonly", "no"],
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.state.redis_port), timeout=1):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise StackError(
                        f"Redis did not start; see {self.logs / 'redis.log'}"
                    ) from None
                time.sleep(0.2)

    def _spawn(self, name: str, command: list[str], extra: dict[str, str] | None = None) -> None:
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it open
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self._process_env(extra),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self.state.pids[name] = process.pid
        self._save()

    def _prefect(self, *args: str) -> str:
        done = subprocess.run(
            [PREFECT, *args],
            cwd=ROOT,
            env=self._process_env(),
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=300,
        )
        if done.returncode != 0:
            output = (done.stdout + done.stderr).strip()[-3000:]
            raise StackError(f"prefect {' '.join(args)} exited {done.returncode}: {output}")
        return done.stdout

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if not self.alive("api"):
                raise StackError(f"the Prefect API exited; see {self.logs / 'api.log'}")
            try:
                if httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise StackError(f"the Prefect API is not healthy; see {self.logs / 'api.log'}")
            time.sleep(0.5)

    def _ensure_rate_limit(self) -> None:
        found = httpx.get(
            f"{self.api_url}/v2/concurrency_limits/{CLOUDNEST_RATE_LIMIT}", timeout=10
        )
        if found.status_code == 404:
            self._prefect(
                "gcl",
                "create",
                CLOUDNEST_RATE_LIMIT,
                "--limit",
                "20",
                "--slot-decay-per-second",
                "20",
            )

    def start_worker(self, name: str) -> None:
        """Start one process worker of the pool (also used to replace a killed one)."""
        self._spawn(
            name,
            [PREFECT, "worker", "start", "--pool", POOL, "--name", name, "--type", "process"],
            self.worker_env,
        )

    def online_workers(self) -> list[str]:
        """Names of the pool's workers the server sees as online."""
        found = httpx.post(f"{self.api_url}/work_pools/{POOL}/workers/filter", json={}, timeout=10)
        found.raise_for_status()
        return [w["name"] for w in found.json() if w.get("status") == "ONLINE"]

    def _wait_workers(self, count: int) -> None:
        deadline = time.monotonic() + STARTUP_S
        while len(self.online_workers()) < count:
            dead = [n for n in self.state.pids if n.startswith("worker-") and not self.alive(n)]
            if dead:
                raise StackError(f"{dead[0]} exited; see {self.logs / (dead[0] + '.log')}")
            if time.monotonic() > deadline:
                raise StackError(f"fewer than {count} workers came online; see {self.logs}")
            time.sleep(0.5)

    # ------------------------------------------------------------------------------- runs

    def start_run(self, deployment: str, parameters: dict[str, Any]) -> UUID:
        """Create a run of ``deployment`` ("flow/name") now; a worker picks it up."""
        from prefect.deployments import run_deployment
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: self.api_url}):
            return run_deployment(deployment, parameters=parameters, timeout=0).id

    def run_states(self, ids: list[UUID]) -> dict[UUID, str]:
        """The state type of each flow run (``COMPLETED``, ``RUNNING``, ...)."""
        found = httpx.post(
            f"{self.api_url}/flow_runs/filter",
            json={"flow_runs": {"id": {"any_": [str(i) for i in ids]}}, "limit": len(ids)},
            timeout=10,
        )
        found.raise_for_status()
        return {UUID(r["id"]): r["state_type"] for r in found.json()}

    def wait_runs(self, ids: list[UUID], timeout: float) -> dict[UUID, str]:
        """Wait until every run is in a final state; return the states.

        Raises:
            StackError: Some run was not finished after ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while True:
            states = self.run_states(ids)
            if len(states) == len(ids) and all(s in FINAL_STATES for s in states.values()):
                return states
            if time.monotonic() > deadline:
                raise StackError(f"runs not finished after {timeout:g} s: {states}")
            time.sleep(1.0)

    # ------------------------------------------------------------------------------- stop

    def alive(self, name: str) -> bool:
        """True while the process ``name`` of the stack runs."""
        pid = self.state.pids.get(name)
        if pid is None:
            return False
        try:
            waited, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not our child: ask the system
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return False
            return True
        return waited == 0

    def stop(self, name: str, sig: signal.Signals = signal.SIGTERM) -> None:
        """Stop one process of the stack (and its children) by its process group."""
        pid = self.state.pids.get(name)
        if pid is None:
            return
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 20
        while self.alive(name) and time.monotonic() < deadline:
            time.sleep(0.2)
        if self.alive(name):
            os.killpg(pid, signal.SIGKILL)

    def down(self) -> None:
        """Stop every process started by ``up`` and remove the database files."""
        for name in reversed(list(self.state.pids)):
            self.stop(name)
        self.state.pids.clear()
        if self.state.pg_data and Path(self.state.pg_data).exists():
            data = Path(self.state.pg_data)
            if (data / "db" / "postmaster.pid").exists():
                pg_ctl = postgres_bin() / "pg_ctl"
                self._run_as(
                    _postgres_user(), [str(pg_ctl), "-D", str(data / "db"), "-m", "fast", "stop"]
                )
            shutil.rmtree(data, ignore_errors=True)
        self.state.pg_data = ""
        if self.state_dir.exists():
            self._save()

    @classmethod
    def load(cls, state: Path = DEFAULT_STATE) -> Stack:
        """The stack recorded in ``state`` by an earlier ``up``."""
        stack = cls(state)
        stack.state = StackState(**json.loads((stack.state_dir / "stack.json").read_text()))
        return stack


def _postgres_user() -> pwd.struct_passwd | None:
    """The account PostgreSQL runs as when we are root (it refuses root), else None (ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError as exc:
        raise StackError("running as root needs the 'postgres' account of the package") from exc


def main(argv: list[str] | None = None) -> int:
    """``up``, ``down`` or ``env`` of the stack in ``--state``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up", "down", "env"])
    parser.add_argument("--state", type=Path, default=DEFAULT_STATE, help="state folder")
    parser.add_argument("--workers", type=int, default=2, help="process workers to start")
    args = parser.parse_args(argv)
    if args.command == "up":
        stack = Stack(args.state, args.workers)
        stack.up()
        print(f"Prefect UI and API: {stack.api_url.removesuffix('/api')}")
        print(f"{args.workers} workers on pool {POOL}; logs in {stack.logs}")
        print(f"environment for the CLI: eval $(python deploy/stack.py env --state {args.state})")
        return 0
    stack = Stack.load(args.state)
    if args.command == "down":
        stack.down()
        return 0
    keys = ("PREFECT_API_URL", "PREFECT_RESULTS_LOCAL_STORAGE_PATH")
    for key in keys:
        print(f"export {key}={stack.env()[key]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
