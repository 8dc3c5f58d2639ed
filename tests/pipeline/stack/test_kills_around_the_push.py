"""A run killed (SIGKILL) while nesting, or just before, during or after a push, then run again.

Each scenario is one job on the production stack whose layouts go to a simulated machine of its
own. One run is killed in the middle of a long Boost, after its uploads; the others are killed
while a sandbox fault holds their push:

* before: the push is held, then refused: it never reaches the machine;
* during: the push is held, then handled once the run is dead: it reaches the machine;
* after: the push is handled and its answer held: the run dies not knowing it landed.

The job's next run waits out the dead run's lease, then settles the push it left pending before
anything else. CloudNest's server push is looked up at the vendor, so that run goes on alone. The
upload-cut task cannot be looked up: the run stops, naming the layout and the machine, until a
person says what the machine has (``in_doubt``). Never a hang, never a part cut twice, and the
job ledger and the machine agree. All scenarios run at once, so their lease waits overlap.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_RESULTS_LOCAL_STORAGE_PATH,
    temporary_settings,
)

from nestflow.blocks import MachineTarget
from nestflow.ledger import JobLedger
from nestflow.sandbox.faults import FaultKind, FaultPlan, FaultRule
from nestflow.tasks.leases import LEASE_S
from nestflow.tasks.ledger import ledger_path
from tests.pipeline.conftest import SANDBOX_MACHINES
from tests.pipeline.processes import wait_until
from tests.pipeline.stack.conftest import (
    DRAWINGS,
    MATERIAL,
    RUN_TIMEOUT_S,
    Production,
    assert_one_of_everything,
)

#: How long a fault holds a push: longer than any run takes to reach its push.
HOLD_S = 240.0
#: Prefect renews a held lease every three quarters of its duration (``_RENEWAL_FRACTION`` in
#: prefect/concurrency/_leases.py at the pinned version): a holder killed just before a renewal
#: leaves a lease that lives LEASE_S - LEASE_RENEWED_S longer.
LEASE_RENEWED_S = 0.75 * LEASE_S
ROUTES = {
    "server_push": r"/open_platform/plan/push$",
    "upload_cut": r"/upload/api/device_tasks/upload/cut$",
}
FAULTS = {"before": FaultKind.ERROR, "during": FaultKind.DELAY, "after": FaultKind.HOLD_ANSWER}
#: The Boost of the run killed while nesting: long enough to be killed inside it.
LONG_BOOST_S = 20.0
#: Copies of each drawing in the job killed while nesting. The solver stops early once it cannot
#: improve (a few parts take 3 s of a 20 s budget), so the job needs enough parts for its Boost
#: to last its whole time and the kill to land inside it.
MANY_COPIES = 60


@dataclass(frozen=True)
class Scenario:
    """One job killed around its push: through which target, when, and on which machine."""

    target: str
    kill: str
    gmid: int
    #: What a person answers once the run stopped (the upload-cut task); None: nothing asked.
    answer: str | None = None

    @property
    def name(self) -> str:
        """``<target>-<kill point>`` (a block and job name: lowercase and dashes)."""
        return f"{self.target.replace('_', '-')}-{self.kill}"

    @property
    def card_id(self) -> str:
        """The machine's card id on the IoT API (the sandbox's: its gmid, zero-padded)."""
        return f"{self.gmid:012d}"

    def rule(self) -> FaultRule | None:
        """The fault that holds this scenario's first push, aimed at its machine only."""
        if self.kill not in FAULTS:
            return None
        match = f'"gmid":{self.gmid}' if self.target == "server_push" else self.card_id
        return FaultRule(
            route=ROUTES[self.target],
            method="POST",
            match=match,
            kind=FAULTS[self.kill],
            seconds=HOLD_S,
            times=1,
        )

    def machine(self) -> MachineTarget:
        """The Machine Target block: its gmid for the server push, its card for upload-cut."""
        if self.target == "server_push":
            return MachineTarget(gmid=self.gmid)
        return MachineTarget(card_id=self.card_id)


SCENARIOS = [
    Scenario("server_push", "nesting", SANDBOX_MACHINES[7]),
    Scenario("server_push", "before", SANDBOX_MACHINES[1]),
    Scenario("server_push", "during", SANDBOX_MACHINES[2]),
    Scenario("server_push", "after", SANDBOX_MACHINES[3]),
    Scenario("upload_cut", "before", SANDBOX_MACHINES[4], answer="resend"),
    Scenario("upload_cut", "during", SANDBOX_MACHINES[5], answer="landed"),
    Scenario("upload_cut", "after", SANDBOX_MACHINES[6], answer="landed"),
]


@dataclass
class Outcome:
    """What happened to one scenario's job: its runs and their final states."""

    job: str
    first: UUID
    second: UUID
    third: UUID | None = None
    states: dict[UUID, str] | None = None
    rerun_s: float = 0.0
    killed_at: datetime | None = None


def _start(
    production: Production, scenario: Scenario, job: str, *, first: bool = False, **parameters
) -> UUID:
    blocks = production.blocks.model_copy(update={"machine": f"kill-{scenario.name}"})
    long_boost = {"time_s": LONG_BOOST_S} if first and scenario.kill == "nesting" else {}
    if scenario.kill == "nesting":
        parameters = {"manifest": _many_copies(production), **parameters}
    return production.start(
        job,
        {
            "engines": ["cloudnest"],
            "target": scenario.target,
            "blocks": blocks.model_dump(),
            **parameters,
        },
        **long_boost,
    )


def _many_copies(production: Production) -> str:
    """An order manifest of :data:`MANY_COPIES` of every drawing, next to the drawings."""
    manifest = production.drawings / "many-copies.csv"
    rows = "".join(
        f"{name},{MANY_COPIES},{MATERIAL.name},{MATERIAL.thickness:g},0;90;180;270\n"
        for name in DRAWINGS
    )
    manifest.write_text("file,quantity,material,thickness,rotations\n" + rows)
    return str(manifest)


def _faulted() -> list[Scenario]:
    """The scenarios whose push a fault holds, in the order of the fault plan's rules."""
    return [s for s in SCENARIOS if s.rule() is not None]


def _at_kill_point(production: Production, sandbox, runs: dict[str, UUID]) -> set[str]:
    """The scenarios whose first run is where it is killed: push held, or uploads done."""
    rules = zip(_faulted(), sandbox.faults("cloudnest").plan().rules, strict=True)
    ready = {scenario.name for scenario, rule in rules if rule.fired and scenario.name in runs}
    nesting = [s.name for s in SCENARIOS if s.kill == "nesting" and s.name in runs]
    return ready | {name for name in nesting if production.uploads_finished(runs[name])}


def _kill_at_their_points(
    production: Production, sandbox, runs: dict[str, UUID]
) -> dict[str, datetime]:
    """Kill each first run at its point (its push held at the machine, or its uploads done).

    Returns:
        When each scenario's first run was killed.
    """
    killed: dict[str, datetime] = {}
    alive = dict(runs)
    deadline = time.monotonic() + HOLD_S - 30
    while alive:
        assert time.monotonic() < deadline, f"never at their kill point: {sorted(alive)}"
        for name in sorted(_at_kill_point(production, sandbox, alive)):
            pid = production.running_pid(alive[name])
            if pid is None:
                # Not yet reported Running with its process (a loaded server can lag behind
                # the run's own tasks): look again, unless the run has ended.
                state = production.state_type(alive[name])
                assert state in (None, "PENDING", "RUNNING"), (
                    f"{name}: the run ended ({state}: {production.state_message(alive[name])}) "
                    "before its kill point"
                )
                continue
            os.kill(pid, signal.SIGKILL)
            killed[name] = datetime.now(UTC)
            del alive[name]
        time.sleep(0.2)
    return killed


@pytest.fixture(scope="module")
def killed(production: Production, sandbox) -> dict[str, Outcome]:
    """Every scenario: first run killed at its point, second run, then the person's answer."""
    with temporary_settings(updates={PREFECT_API_URL: production.stack.api_url}):
        for scenario in SCENARIOS:
            scenario.machine().save(f"kill-{scenario.name}", overwrite=True)
    faults = sandbox.faults("cloudnest")
    faults.set(FaultPlan(rules=[s.rule() for s in _faulted()]))
    try:
        jobs = {s.name: f"kill-{s.name}-{uuid.uuid4().hex[:6]}" for s in SCENARIOS}
        first = {s.name: _start(production, s, jobs[s.name], first=True) for s in SCENARIOS}
        kill_times = _kill_at_their_points(production, sandbox, first)
    finally:
        faults.release()  # held pushes now go on: "during" lands, "before" is refused
        wait_until("the held pushes to end", lambda: faults.waiting == 0, 30)
        faults.clear()
    killed_at = time.monotonic()
    second = {s.name: _start(production, s, jobs[s.name]) for s in SCENARIOS}
    production.wait(list(second.values()))
    rerun_s = time.monotonic() - killed_at
    third = {
        s.name: _start(production, s, jobs[s.name], in_doubt=s.answer)
        for s in SCENARIOS
        if s.answer
    }
    production.wait(list(third.values()))
    outcomes = {}
    for s in SCENARIOS:
        runs = [first[s.name], second[s.name], *([third[s.name]] if s.name in third else [])]
        outcomes[s.name] = Outcome(
            job=jobs[s.name],
            first=first[s.name],
            second=second[s.name],
            third=third.get(s.name),
            states=production.stack.run_states(runs),
            rerun_s=rerun_s,
            killed_at=kill_times[s.name],
        )
    return outcomes


def _ledger(production: Production, job: str) -> JobLedger:
    with temporary_settings(updates={PREFECT_RESULTS_LOCAL_STORAGE_PATH: production.stack.results}):
        return JobLedger.model_validate_json(ledger_path(job).read_bytes())


def _on_the_machine(sandbox, scenario: Scenario) -> list[tuple[str, int]]:
    """What the machine was given: (layout or file, sheets) of each push it holds."""
    machines = sandbox.services["cloudnest"].app.state.sandbox.machines
    if scenario.target == "server_push":
        return sorted(
            (p.result_guid.upper(), p.total_plate_amount)
            for p in machines.plans(gmid=scenario.gmid)
        )
    return sorted((t.task_name, t.amount) for t in machines.cut_tasks(scenario.gmid))


def _in_the_ledger(ledger: JobLedger, scenario: Scenario) -> list[tuple[str, int]]:
    if scenario.target == "server_push":
        return sorted((p.layout_id.upper(), p.sheets) for p in ledger.pushes)
    return sorted(((p.file or "").removesuffix(".dxf"), p.sheets) for p in ledger.pushes)


def _assert_cut_once_and_agreeing(production, sandbox, scenario, outcome) -> None:
    """Every ordered part cut exactly once; the machine holds exactly what the ledger says."""
    ledger = _ledger(production, outcome.job)
    assert ledger.pending == []
    cut = ledger.cut()
    assert {key: cut[key] for key in ledger.parts} == {
        key: part.owed for key, part in ledger.parts.items()
    }
    assert _on_the_machine(sandbox, scenario) == _in_the_ledger(ledger, scenario)


def test_every_killed_run_is_marked_crashed(killed) -> None:
    assert {name: o.states[o.first] for name, o in killed.items()} == {
        s.name: "CRASHED" for s in SCENARIOS
    }


def test_the_reruns_never_hang_they_wait_out_the_dead_runs_lease_only(killed, production) -> None:
    (rerun_s,) = {o.rerun_s for o in killed.values()}
    # the dead holder's lease went at its expiry plus a repossessor round, not for ever
    assert rerun_s < LEASE_S + 15 + RUN_TIMEOUT_S / 2
    waited = []
    for name, outcome in killed.items():
        logs = production.logs(outcome.second)
        waited.append(any("is held by another run" in message for _, message in logs))
        (granted,) = [t for t, message in logs if "held (one run per job at a time)" in message]
        # A re-run that took the lease at once may do so only once the dead holder's lease
        # could have run out: it was last renewed at most LEASE_RENEWED_S before the kill, so it
        # was alive for at least LEASE_S - LEASE_RENEWED_S after it. (Whether the re-run reached
        # the lease before then depends on how busy the machine is; the rule does not.)
        alive_until = outcome.killed_at + timedelta(seconds=LEASE_S - LEASE_RENEWED_S)
        assert waited[-1] or granted >= alive_until, (
            f"{name}: the re-run took the lease at {granted:%H:%M:%S.%f} without waiting, while "
            f"the killed run's lease was alive until at least {alive_until:%H:%M:%S.%f}"
        )
    assert any(waited), "no re-run met its killed run's lease: the scenarios tested nothing"


def test_a_run_killed_while_nesting_is_rerun_with_one_of_everything(
    killed, production, sandbox, cloudnest
) -> None:
    scenario = next(s for s in SCENARIOS if s.kill == "nesting")
    outcome = killed[scenario.name]

    assert outcome.states[outcome.second] == "COMPLETED"
    assert_one_of_everything(cloudnest, outcome.job)
    _assert_cut_once_and_agreeing(production, sandbox, scenario, outcome)


@pytest.mark.parametrize("kill", ["before", "during", "after"])
def test_a_server_push_killed_around_is_settled_by_looking_it_up_at_cloudnest(
    killed, production, sandbox, kill: str
) -> None:
    scenario = next(s for s in SCENARIOS if (s.target, s.kill) == ("server_push", kill))
    outcome = killed[scenario.name]

    assert outcome.states[outcome.second] == "COMPLETED"
    lines = production.log_lines(outcome.second)
    settled = "its parts are cut by this run" if kill == "before" else "recorded as cut"
    assert any(settled in line and "production tasks on gmid" in line for line in lines), lines
    _assert_cut_once_and_agreeing(production, sandbox, scenario, outcome)


@pytest.mark.parametrize("kill", ["before", "during", "after"])
def test_an_upload_cut_killed_around_stops_the_rerun_naming_the_layout(
    killed, production, kill: str
) -> None:
    scenario = next(s for s in SCENARIOS if (s.target, s.kill) == ("upload_cut", kill))
    outcome = killed[scenario.name]

    assert outcome.states[outcome.second] == "FAILED"
    message = production.state_message(outcome.second)
    assert "stopped before nesting, so nothing is cut twice" in message
    assert "upload-cut|" in message and scenario.card_id in message
    assert "in_doubt=landed" in message and "in_doubt=resend" in message


@pytest.mark.parametrize("kill", ["before", "during", "after"])
def test_an_upload_cut_killed_around_is_settled_by_the_persons_answer(
    killed, production, sandbox, kill: str
) -> None:
    scenario = next(s for s in SCENARIOS if (s.target, s.kill) == ("upload_cut", kill))
    outcome = killed[scenario.name]

    assert outcome.third is not None and outcome.states[outcome.third] == "COMPLETED"
    _assert_cut_once_and_agreeing(production, sandbox, scenario, outcome)
