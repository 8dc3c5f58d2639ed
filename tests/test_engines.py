"""One contract for every engine: start, finish, gated files, layouts to cut; never a raise.

Every registered engine is a core class (``tests/test_wiring.py`` checks it); the local engine
is driven here through the contract as a run drives it, with its solve in a thread of
this process (:class:`~nestflow.engines.local.InProcessSteps`, no Prefect). The vendors' engines
are driven through their Prefect tasks against the sandbox in ``tests/pipeline/tasks/``.
"""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path

import ezdxf

from nestflow.engines import EngineContext
from nestflow.engines.local import LocalEngine
from nestflow.gate import check_layouts, ordered_parts
from nestflow.geometry.reader import read_drawing
from nestflow.intake import CheckedDrawing, DrawingLocation, Intake, OrderTerms, order_lines
from nestflow.run_options import MaterialSpec, NestingSettings
from nestflow.stock import SheetFormat

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SHEET = SheetFormat(name="contract", length=1000.0, height=500.0, quantity=5, border_gap=10)
#: Short enough to keep the test fast: the solver's floor is 1 s.
FAST = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=60.0)


def checked(file: str, quantity: int) -> CheckedDrawing:
    """An example drawing read into its parts, ordered ``quantity`` times."""
    content = (EXAMPLES / file).read_bytes()
    return CheckedDrawing(
        ref=DrawingLocation(file=file, path=str(EXAMPLES / file)),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        parts=read_drawing(content, name=file),
        terms=OrderTerms(quantity=quantity),
    )


def context(nesting: NestingSettings = FAST) -> EngineContext:
    """Two gussets and a bracket, in S235JR 3 mm, on one sheet format."""
    intake = Intake(drawings=[checked("gusset.dxf", 2), checked("bracket.dxf", 1)])
    return EngineContext("contract-job", intake, MaterialSpec(thickness=3.0), [SHEET], nesting)


def test_the_local_engine_gives_gated_files_of_every_ordered_copy() -> None:
    ctx = context()
    engine = LocalEngine()

    engine.start(ctx)
    engine.finish(ctx)

    summary = engine.summary
    assert (summary.engine, summary.status, summary.unplaced) == ("local", "ok", [])
    lines = order_lines(ctx.intake.drawings)
    assert check_layouts(engine.layouts, ordered_parts((x.part, x.quantity) for x in lines)) == []
    placed: dict[str, int] = {}
    for row in summary.layouts:
        for part, count in row.part_counts.items():
            placed[part] = placed.get(part, 0) + count * row.quantity
    assert placed == {"gusset": 2, "bracket": 1}
    assert all(row.info is not None and row.info.job == "contract-job" for row in summary.layouts)
    files = engine.files()
    assert sorted(name.rsplit(".", 1)[1] for name in files) == sorted(
        ["dxf", "png"] * len(summary.layouts)
    )
    cut = engine.layouts_to_cut("contract-job", files)
    assert [layout.index for layout in cut] == list(range(len(summary.layouts)))
    for layout in cut:
        assert layout.engine == "local" and layout.dxf is not None
        assert len(ezdxf.read(io.StringIO(layout.dxf.decode())).modelspace()) > 0


def test_an_engine_that_fails_records_why_in_its_summary_instead_of_raising() -> None:
    ctx = context(NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=0.01))
    before = set(threading.enumerate())
    engine = LocalEngine()

    engine.start(ctx)
    engine.finish(ctx)  # the solve outlives the run's longest wait

    assert engine.summary.status == "failed"
    assert engine.summary.errors == ["the local solver did not finish within 0.01 s"]
    assert engine.files() == {} and engine.layouts_to_cut("contract-job", {}) == []
    for thread in set(threading.enumerate()) - before:
        if "_solve" in thread.name:  # the solve left running ends within its time limit
            thread.join(30.0)
