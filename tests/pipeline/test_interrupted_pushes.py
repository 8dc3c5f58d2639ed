"""A push whose answer was never recorded (the run died) is settled before anything else.

The ledger writes a push down as pending before it is sent. Here the death is simulated by
putting a finished run's push back to pending, as a run killed between sending and recording
leaves it; the kills themselves, on the production stack, are in test_kills_around_the_push.py.
A drop folder proves a push while its file is there; once the machine took the file, nobody but
a person at the machine can tell, and the run stops until told.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from nestflow.flows.outputs import PushInDoubt
from nestflow.flows.parameters import InDoubt
from nestflow.ledger import JobLedger
from nestflow.tasks.ledger import ledger_path
from nestflow.tasks.push import push_key
from nestflow.tasks.storage import shared_folder
from tests.pipeline.conftest import dropped_parts


def _unrecord_pushes(job: str, *, committed: bool = False) -> JobLedger:
    """Put the job's recorded pushes back to pending, as a run killed before recording them.

    Args:
        job: The job.
        committed: Keep the push records (the run died after committing them, before the
            ledger write); otherwise they go too (it died before the answer came).
    """
    path = ledger_path(job)
    ledger = JobLedger.model_validate_json(path.read_bytes())
    pending = [p.model_copy(update={"reference": ""}) for p in ledger.pushes]
    ledger = ledger.model_copy(update={"pushes": [], "pending": pending})
    path.write_text(ledger.model_dump_json())
    if not committed:
        records = shared_folder("nestflow-push") / "records"
        for push in pending:
            (records / push_key(job, push)).unlink()
    return ledger


def _ledger(job: str) -> JobLedger:
    return JobLedger.model_validate_json(ledger_path(job).read_bytes())


def _taken_by_the_machine(drop: Path, job: str) -> None:
    for layout in drop.glob(f"{job}-local-layout-*.dxf"):
        layout.rename(layout.with_suffix(".loaded"))


@pytest.fixture
def interrupted(example_folder, local_run, pipeline_blocks):
    """A job whose one push was sent and never recorded; returns (job, folder)."""
    job = f"interrupted-{uuid.uuid4().hex[:6]}"
    folder = example_folder("gusset.dxf")
    local_run(job, folder)
    (push,) = _unrecord_pushes(job).pending
    assert push.file is not None
    return job, folder


def test_a_pending_push_whose_file_is_still_in_the_drop_folder_is_recorded_not_sent_again(
    interrupted, local_run, pipeline_blocks
) -> None:
    job, folder = interrupted

    again = local_run(job, folder)

    assert again.pushes == [] and again.engines == []
    assert any("is there: recorded as cut" in note for note in again.notes)
    assert [(p.already_cut, p.cut_now, p.missing) for p in again.parts] == [(1, 0, 0)]
    assert _ledger(job).pending == [] and len(_ledger(job).pushes) == 1
    assert dropped_parts(pipeline_blocks.drop, job) == 1


def test_a_pending_push_whose_record_was_committed_is_recorded_not_sent_again(
    example_folder, local_run, pipeline_blocks
) -> None:
    job = f"committed-{uuid.uuid4().hex[:6]}"
    folder = example_folder("gusset.dxf")
    local_run(job, folder)
    _unrecord_pushes(job, committed=True)
    _taken_by_the_machine(pipeline_blocks.drop, job)

    again = local_run(job, folder)

    assert again.pushes == []
    assert any("its push record was committed: recorded as cut" in n for n in again.notes)
    assert _ledger(job).pending == [] and dropped_parts(pipeline_blocks.drop, job) == 0


def test_a_pending_push_nobody_can_confirm_stops_the_run_before_nesting(
    interrupted, local_run, pipeline_blocks
) -> None:
    job, folder = interrupted
    _taken_by_the_machine(pipeline_blocks.drop, job)

    with pytest.raises(PushInDoubt) as stopped:
        local_run(job, folder)

    message = str(stopped.value)
    assert "local layout local-" in message and "drop folder" in message
    assert "in_doubt=landed" in message and "in_doubt=resend" in message
    assert len(_ledger(job).pending) == 1
    assert dropped_parts(pipeline_blocks.drop, job) == 0  # nothing new was dropped


def test_in_doubt_landed_records_the_push_and_cuts_nothing(
    interrupted, local_run, pipeline_blocks
) -> None:
    job, folder = interrupted
    _taken_by_the_machine(pipeline_blocks.drop, job)

    again = local_run(job, folder, in_doubt=InDoubt.LANDED)

    assert again.pushes == []
    assert [(p.already_cut, p.missing) for p in again.parts] == [(1, 0)]
    assert _ledger(job).pending == []
    assert dropped_parts(pipeline_blocks.drop, job) == 0


def test_in_doubt_resend_nests_and_pushes_the_parts_again_once(
    interrupted, local_run, pipeline_blocks
) -> None:
    job, folder = interrupted
    _taken_by_the_machine(pipeline_blocks.drop, job)

    again = local_run(job, folder, in_doubt=InDoubt.RESEND)

    assert [p.status for p in again.pushes] == ["pushed"]
    assert [(p.already_cut, p.cut_now, p.missing) for p in again.parts] == [(0, 1, 0)]
    assert dropped_parts(pipeline_blocks.drop, job) == 1
    third = local_run(job, folder, in_doubt=InDoubt.RESEND)  # settled: nothing left in doubt
    assert third.pushes == [] and dropped_parts(pipeline_blocks.drop, job) == 1
