"""A flow run's task runner: the run's clients live as long as the run, and an interrupted run
cancels the process's waits before it joins its threads; the cancel flag is an object; programs
outside flow runs install the signal handlers themselves, and never over Prefect's.

The end-to-end behaviour (a signal or a cancelled run stops a real wait within seconds) is
tests/pipeline/test_waits.py; these are the pieces, without a Prefect server.
"""

from __future__ import annotations

import ast
import contextvars
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import cloudpickle
import pytest
from prefect.exceptions import TerminationSignal
from prefect.utilities.engine import capture_sigterm, is_prefect_sigterm_handler_installed

from nestflow.blocks.credentials import AlmaCamCredentials, CloudNestCredentials
from nestflow.tasks.clients import PROCESS_CLIENTS, almacam_client, client_scope, cloudnest_client
from nestflow.tasks.run_scope import RunTaskRunner
from nestflow.waiting import (
    WaitCancelled,
    Waits,
    cancel_reason,
    cancelled,
    install_cancellation,
    interruptible_sleep,
)

ROOT = Path(__file__).resolve().parents[1]
#: Nothing listens there: the clients are built and closed, never sent anything.
ALMACAM = AlmaCamCredentials(base_url="http://127.0.0.1:9", token="token-of-the-run")
CLOUDNEST = CloudNestCredentials(
    base_url="http://127.0.0.1:9", app_id="op1234", app_secret="secret", org_code="TEAM1"
)


def _in_a_thread(function, *args):  # noqa: ANN001, ANN002, ANN202 - a task thread's view
    """Call ``function`` in another thread with a copy of this context, as Prefect's runner does."""
    context, out = contextvars.copy_context(), []
    thread = threading.Thread(target=lambda: out.append(context.run(function, *args)))
    thread.start()
    thread.join()
    return out[0]


def test_a_run_reuses_one_client_per_credentials_in_all_its_threads() -> None:
    with RunTaskRunner(2):
        first = almacam_client(ALMACAM)
        assert almacam_client(ALMACAM) is first
        assert _in_a_thread(almacam_client, ALMACAM) is first
        assert cloudnest_client(CLOUDNEST) is _in_a_thread(cloudnest_client, CLOUDNEST)
        other = AlmaCamCredentials(base_url=ALMACAM.base_url, token="token-of-another-account")
        assert almacam_client(other) is not first


def test_a_runs_clients_are_closed_when_it_ends_and_the_next_run_gets_its_own() -> None:
    with RunTaskRunner(2):
        client = almacam_client(ALMACAM)
    with pytest.raises(RuntimeError, match="client has been closed"):
        client.result(1, "full")
    with RunTaskRunner(2):
        assert almacam_client(ALMACAM) is not client


def test_outside_any_run_the_process_scope_serves_the_clients() -> None:
    assert almacam_client(ALMACAM) is almacam_client(ALMACAM)
    with client_scope("a program") as scope:
        inside = almacam_client(ALMACAM)
        assert scope.client(ALMACAM) is inside
        assert inside is not PROCESS_CLIENTS.client(ALMACAM)


@pytest.mark.parametrize(
    ("interrupt", "reason"),
    [(TerminationSignal(signal.SIGTERM), "SIGTERM"), (KeyboardInterrupt(), "KeyboardInterrupt")],
    ids=["cancelled-or-SIGTERM", "Ctrl-C"],
)
def test_an_interrupted_run_cancels_the_waits_of_its_threads(
    interrupt: BaseException, reason: str, fresh_cancel_flag: None
) -> None:
    stopped: list[WaitCancelled] = []

    def wait() -> None:
        try:
            interruptible_sleep(600)
        except WaitCancelled as exc:
            stopped.append(exc)

    sleeper = threading.Thread(target=wait)
    with pytest.raises(type(interrupt)), RunTaskRunner(1):
        sleeper.start()
        raise interrupt
    sleeper.join(30)
    assert not sleeper.is_alive() and cancel_reason() == reason
    assert [e.reason for e in stopped] == [reason]


def test_a_run_that_fails_or_ends_leaves_the_waits_alone(fresh_cancel_flag: None) -> None:
    with pytest.raises(ValueError), RunTaskRunner(1):
        raise ValueError("a step failed")
    with RunTaskRunner(1):
        pass
    assert not cancelled()


def test_the_runner_travels_to_a_run_subprocess_and_each_run_gets_a_copy_of_it() -> None:
    runner = cloudpickle.loads(cloudpickle.dumps(RunTaskRunner(3)))
    copy = runner.duplicate()
    assert type(copy) is RunTaskRunner and copy == RunTaskRunner(3)


def test_a_waits_object_of_its_own_is_independent_of_the_process_flag(
    fresh_cancel_flag: None,
) -> None:
    waits = Waits()
    waits.cancel("test")
    with pytest.raises(WaitCancelled, match=r"wait cancelled \(test\)"):
        waits.sleep(600)
    assert not cancelled()
    waits.reset()
    waits.sleep(0)


@pytest.fixture
def restored_signal_handlers() -> Iterator[None]:
    """The SIGTERM and SIGINT handlers put back after the test."""
    saved = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def test_installing_cancellation_puts_one_handler_in_front_of_each_signal(
    restored_signal_handlers: None, fresh_cancel_flag: None
) -> None:
    install_cancellation()
    installed = signal.getsignal(signal.SIGINT)
    install_cancellation()
    assert signal.getsignal(signal.SIGINT) is installed
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)
    assert cancel_reason() == "SIGINT"


def test_installing_cancellation_inside_a_flow_run_leaves_prefects_sigterm_handler(
    restored_signal_handlers: None,
) -> None:
    """Prefect accepts a runner's cancel only while its own handler is the installed one."""
    with capture_sigterm():
        install_cancellation()
        assert is_prefect_sigterm_handler_installed()


def _task_runner_of(decorator: ast.expr) -> str | None:
    """The class a ``@flow(task_runner=...)`` decorator names (None: no ``task_runner``)."""
    if not isinstance(decorator, ast.Call):
        return None
    for keyword in decorator.keywords:
        if keyword.arg == "task_runner" and isinstance(keyword.value, ast.Call):
            return ast.unparse(keyword.value.func)
    return None


def _is_flow(decorator: ast.expr) -> bool:
    """Whether a decorator is ``@flow`` or ``@flow(...)`` (also ``@prefect.flow``)."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ast.unparse(target).rpartition(".")[2] == "flow"


#: Every flow function of flows/: (file name, its definition).
FLOWS = [
    (path.name, node)
    for path in sorted((ROOT / "flows").rglob("*.py"))
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
    if isinstance(node, ast.FunctionDef) and any(_is_flow(d) for d in node.decorator_list)
]


@pytest.mark.parametrize("name", [f"{file}:{node.name}" for file, node in FLOWS])
def test_every_flow_runs_its_tasks_with_the_run_task_runner(name: str) -> None:
    """Without it a run's clients are the process's; an interrupted run's threads keep waiting."""
    (node,) = [node for file, node in FLOWS if f"{file}:{node.name}" == name]
    runners = {_task_runner_of(d) for d in node.decorator_list} - {None}
    assert runners == {"RunTaskRunner"}, f"{name}: @flow(task_runner=RunTaskRunner(...))"
