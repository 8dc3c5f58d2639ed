"""An engine and a target are each one module and one ``register`` line (issue 20's measure).

A plug-in module, written here into a temporary folder, defines a fourth engine (our solver run
in a thread, no vendor) and a fourth target (a folder the test reads), and registers each with
one line. A fresh interpreter imports it before the flows, so the run's choices are made with
them, and runs a real production job on the session's Prefect through them: the layout arrives,
and the summary and the report name the engine by its title.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from nestflow.gate import dxf_outlines
from nestflow.report import slug
from tests.pipeline.processes import ROOT, prefect_env

#: The plug-in: everything a fourth engine and a fourth target need. ``{folder}`` is where the
#: target drops layouts.
PLUGIN = '''
"""A fourth engine (our solver under another name) and a fourth target (a plain folder)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from nestflow.engines.base import Engine, EngineContext, EngineSettings
from nestflow.engines.local import start_solve
from nestflow.engines.registry import EngineEntry, register
from nestflow.engines.results import cut_list, failed, failure_lines, identified, named_files
from nestflow.gate import UnsafeLayouts, check_layouts, ordered_parts
from nestflow.geometry.layout import write_layout_dxf
from nestflow.intake import order_lines
from nestflow.report import EngineSummary, layouts_summary
from nestflow.targets.base import FileTarget, LayoutToCut, TargetSetup
from nestflow.targets.registry import TargetEntry
from nestflow.targets.registry import register as register_target


class FakeEngine(Engine):
    """Nests with our solver in a thread of the worker."""

    entry: ClassVar[EngineEntry] = EngineEntry(
        name="fake",
        title="Fake Nester",
        description="A plug-in engine: our solver under another name.",
        engine=f"{{__name__}}:FakeEngine",
        quotes=True,
    )

    def __init__(self) -> None:
        self.summary = EngineSummary(engine=self.name)
        self.layouts = []

    def start(self, ctx: EngineContext) -> None:
        self.lines = order_lines(ctx.intake.drawings)
        settings = EngineSettings(time_s=ctx.nesting.time_s, spacing=ctx.nesting.spacing)
        self.solve = start_solve(self.lines, ctx.sheets, settings)

    def finish(self, ctx: EngineContext) -> None:
        try:
            self.solve.wait_for_completion(ctx.nesting.max_wait_s)
            result = self.solve.fetch_result()
            ordered = ordered_parts((line.part, line.quantity) for line in self.lines)
            problems = check_layouts(result.layouts, ordered)
            if problems:
                raise UnsafeLayouts(self.name, problems)
        except Exception as exc:
            self.summary = failed(self.name, None, failure_lines(exc))
            return
        names = {{(s.length, s.height): s.label for s in ctx.sheets}}
        rows = layouts_summary(self.name, f"fake-{{ctx.job}}", result.layouts, names)
        summary = EngineSummary(engine=self.name, reference=ctx.job, layouts=rows)
        self.summary, self.layouts = identified(summary, ctx), result.layouts

    def files(self) -> dict[str, bytes]:
        rows = self.summary.layouts
        dxf = [write_layout_dxf(layout, info=row.info) for layout, row in zip(self.layouts, rows)]
        return named_files(self.summary, "dxf", dxf)

    def layouts_to_cut(self, job: str, files: dict[str, bytes]) -> list[LayoutToCut]:
        return cut_list(self.summary, job, files)


class FolderTarget(FileTarget):
    """Writes each layout into a folder."""

    folder = Path({folder!r})
    key = "folder|" + str(folder)
    label = "folder " + folder.name

    @classmethod
    def build(cls, setup: TargetSetup) -> FolderTarget:
        return cls()

    def push(self, layout: LayoutToCut) -> str:
        path = self.folder / layout.file_name
        path.write_bytes(layout.dxf)
        return str(path)


register(FakeEngine.entry)
register_target(TargetEntry("folder", "A plug-in folder.", f"{{__name__}}:FolderTarget"))
'''

#: Imports the plug-in, then the flows, runs one job and prints its summary as JSON.
RUN = """
import json, sys
sys.path.insert(0, sys.argv[1])
import fake_plugin
from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.parameters import BlockNames, DrawingSource, MaterialSpec, NestingSettings

summary = nest_to_cnc(
    job_name=sys.argv[2],
    drawings=DrawingSource(folder=sys.argv[3]),
    engines=["fake"],
    push="fake",
    target="folder",
    material=MaterialSpec(name="S235JR", thickness=3.0),
    nesting=NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=120.0),
    blocks=BlockNames.model_validate_json(sys.argv[4]),
)
print(summary.model_dump_json())
"""


def test_a_plugged_in_engine_and_target_run_a_job_end_to_end(
    tmp_path: Path, example_folder, drop_laser, prefect_session, latest_artifact
) -> None:
    plugins, dropped = tmp_path / "plugins", tmp_path / "machine"
    plugins.mkdir()
    dropped.mkdir()
    (plugins / "fake_plugin.py").write_text(PLUGIN.format(folder=str(dropped)))
    job = f"plugin-{uuid.uuid4().hex[:6]}"
    blocks = drop_laser.model_copy(update={"cloudnest": "never-saved", "almacam": "never-saved"})

    done = subprocess.run(
        [
            sys.executable,
            "-c",
            RUN,
            str(plugins),
            job,
            str(example_folder("bracket.dxf")),
            blocks.model_dump_json(),
        ],
        cwd=ROOT,
        env=prefect_env(prefect_session.home, prefect_session.api_url),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert [(e["engine"], e["status"]) for e in summary["engines"]] == [("fake", "ok")]
    pushed = [(p["engine"], p["target"], p["status"]) for p in summary["pushes"]]
    assert pushed == [("fake", "folder machine", "pushed")] * len(summary["engines"][0]["layouts"])
    arrived = sorted(dropped.glob(f"{job}-fake-layout-*.dxf"))
    assert len(arrived) == len(pushed) >= 1
    assert sum(len(dxf_outlines(path.read_bytes())) for path in arrived) == 1  # the bracket
    report = latest_artifact(f"nestflow-{slug(job)}-report")
    assert report is not None and "Fake Nester" in report["data"]
