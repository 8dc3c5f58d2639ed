"""``nestflow demo``: the whole pipeline on the example drawings, against the local sandbox.

Prints what was read from each example drawing, starts both sandboxed services on free loopback
ports, saves blocks pointing at them (named ``demo-sandbox``; the credentials are the sandbox's
development defaults or the ``NESTFLOW_SANDBOX_*`` values, never printed; ``demo-sandbox-roots``
names the example and output folders as the run's Drawing Roots), runs ``nest_to_cnc`` on
the examples that passed the check with their lines of the order manifest, pushes CloudNest's
layouts to the simulated laser and waits until it has cut them, then prints the comparison and
where the files are. Prefect's log lines are the progress.

``nestflow demo`` runs it in a Prefect home of its own (``OUT/prefect``, with a server of its own:
:mod:`cli.prefect_api`), so its blocks never land in the user's Prefect profile.

The example folder holds a broken drawing on purpose: the check shows its reason, and the demo
leaves it out of the job, as a shop would until it is fixed. (A production run that includes a
rejected drawing cuts the rest and ends Failed, naming it: the job is not whole.)
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

from prefect.filesystems import LocalFileSystem
from rich.console import Console

from nestflow.blocks import AlmaCamCredentials, CloudNestCredentials, DrawingRoots, MachineTarget
from nestflow.cli.terminal import drawings_table, print_summary
from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.parameters import (
    BlockNames,
    DrawingSource,
    MaterialSpec,
    Mode,
    NestingSettings,
    PushEngine,
)
from nestflow.geometry.inspect import inspect_drawings
from nestflow.report import RunSummary
from nestflow.sandbox.config import SandboxConfig
from nestflow.sandbox.server import RunningSandbox, start_sandbox

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
DEMO_BLOCK = "demo-sandbox"
#: The example manifest orders S235JR, 3 mm.
DEMO_MATERIAL = MaterialSpec(name="S235JR", thickness=3.0, gas="O2", density=7.85)


def save_sandbox_blocks(sandbox: RunningSandbox, name: str, out: Path, drop: Path) -> BlockNames:
    """Save blocks pointing at a running sandbox: credentials, machine, output and drop folders.

    Credentials, machine target: ``name``; local folders: ``<name>-out`` and ``<name>-drop``.

    Returns:
        The block names to pass to the flows.
    """
    app = sandbox.config.cloudnest.app
    CloudNestCredentials(
        base_url=sandbox.url("cloudnest"),
        app_id=app.app_id,
        app_secret=app.app_secret,
        org_code=sorted(app.org_codes)[0],
    ).save(name, overwrite=True)
    AlmaCamCredentials(base_url=sandbox.almacam_url, token=sandbox.almacam_token).save(
        name, overwrite=True
    )
    LocalFileSystem(basepath=str(out.resolve())).save(f"{name}-out", overwrite=True)
    LocalFileSystem(basepath=str(drop.resolve())).save(f"{name}-drop", overwrite=True)
    MachineTarget(gmid=sandbox.config.cloudnest.gmids[0], drop_folder_block=f"{name}-drop").save(
        name, overwrite=True
    )
    return BlockNames(cloudnest=name, almacam=name, machine=name, output_storage=f"{name}-out")


def run_demo(
    console: Console,
    out: Path = Path("out/demo"),
    speed: float = 0.02,
    time_s: float = 3.0,
    push: PushEngine = PushEngine.CLOUDNEST,
) -> RunSummary:
    """Run the demo and print its results; returns the run summary.

    Args:
        console: Where the header and the results are printed.
        out: Folder of the outputs (the drop folder is ``out/drop``).
        speed: Sandbox speed factor (simulated processing, nesting and cutting times).
        time_s: Optimisation time asked of both engines.
        push: Whose layouts go to the simulated laser.
    """
    checked = inspect_drawings([EXAMPLES])
    console.print(drawings_table(checked))
    rejected = sorted({failure.file for failure in checked.failures})
    drawings, manifest = checked_order(EXAMPLES / "orders.csv", rejected, out)
    if rejected:
        console.print(
            f"Left out of the job until fixed (rejected above): {', '.join(rejected)}. A "
            "production run that includes a rejected drawing cuts the rest and ends Failed."
        )
    config = SandboxConfig.from_env(almacam_port=0, cloudnest_port=0, speed=speed)
    with start_sandbox(config) as sandbox:
        console.print(
            f"[bold]Sandbox[/bold]: AlmaCAM {sandbox.almacam_url}, "
            f"CloudNest {sandbox.url('cloudnest')} (speed x{speed:g})"
        )
        blocks = save_sandbox_blocks(sandbox, DEMO_BLOCK, out, out / "drop")
        # The demo reads the examples and its checked manifest wherever it is started from: it
        # names exactly those folders (a run reads only its working folder otherwise).
        roots = f"{DEMO_BLOCK}-roots"
        DrawingRoots(folders=[str(EXAMPLES), str(out.resolve())]).save(roots, overwrite=True)
        blocks = blocks.model_copy(update={"drawing_roots": roots})
        console.print(f"Blocks saved as '{DEMO_BLOCK}'; nesting {EXAMPLES} ...")
        # Each demo is a new order against a fresh sandbox: a job name of its own, so the job
        # ledger of an earlier demo (which cut these parts) does not make this one cut nothing.
        summary = nest_to_cnc(
            job_name=f"demo-examples-{datetime.now(UTC):%Y%m%d-%H%M%S}",
            drawings=DrawingSource(files=drawings),
            manifest=str(manifest),
            mode=Mode.PRODUCTION,
            push=push,
            material=DEMO_MATERIAL,
            nesting=NestingSettings(time_s=time_s, spacing=5.0, max_wait_s=600.0),
            blocks=blocks,
            wait_production=push is PushEngine.CLOUDNEST,
        )
    print_summary(console, summary)
    return summary


def checked_order(manifest: Path, rejected: list[str], out: Path) -> tuple[list[str], Path]:
    """The drawings of ``manifest`` that passed the check, and a copy of it without the others.

    Args:
        manifest: The example order manifest (its files are next to it).
        rejected: File names the check rejected.
        out: Where the copy is written (``orders-checked.csv``).
    """
    with manifest.open(newline="") as source:
        rows = list(csv.DictReader(source))
    kept = [row for row in rows if row["file"] not in rejected]
    out.mkdir(parents=True, exist_ok=True)
    copy = out / "orders-checked.csv"
    with copy.open("w", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    return [str(manifest.parent / row["file"]) for row in kept], copy
