"""Prefect's cost on the whole pipeline: nest_to_cnc vs the same calls in a plain script.

Both run in one process against one sandbox (both services on loopback), on the same N drawings
(default 100: the eight good example drawings copied under distinct names, one of each ordered):

* **prefect**: ``flows.nest_to_cnc.nest_to_cnc`` (production mode, CloudNest push, no
  production wait), against a Prefect server started before timing (its start-up is reported
  apart), with result and transaction storage in a fresh temporary folder;
* **plain**: a script calling the same core functions in the same order without Prefect: read
  each drawing, build and submit the AlmaCAM order, CloudNest plates, job, uploads (batches of
  20), processing wait, Boost, AlmaCAM wait and previews, CloudNest nesting wait, layout
  downloads, part counts, measures, layout DXF files written, push of every CloudNest layout.

Timed span: the call, from reading the drawings to the last push (prefect includes writing the
summary and the artifacts). The flow looks at the job's drawings before each upload batch (its
duplicate guard); the plain script makes the same calls. One untimed warm-up round per variant
takes the imports and first-use costs (printed); then each variant runs ``--rounds`` times
alternately with fresh job names, and the medians are compared. Target: prefect / plain <= 1.2.

    .venv/bin/python bench/bench_pipeline.py [--drawings 100] [--rounds 2] [--speed 0.02]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOOD = [
    "bracket.dxf",
    "cam_spline.dxf",
    "cover_inch.dxf",
    "flange_dn100.dxf",
    "gusset.dxf",
    "l_profile.dxf",
    "slotted_plate.dxf",
    "tab_block.dxf",
]


def fresh_prefect(prefix: str, log_level: str) -> Path:
    """A new work folder with its own Prefect home and result storage (no earlier cache answers).

    Call before importing Prefect: the settings are read from the environment.
    """
    # Under the working folder: a run reads drawings only in or below it (no Drawing Roots block).
    (ROOT / "out").mkdir(exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=prefix, dir=ROOT / "out"))
    os.environ.update(
        PREFECT_HOME=str(work / "prefect"),
        PREFECT_RESULTS_LOCAL_STORAGE_PATH=str(work / "prefect" / "storage"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL=log_level,
    )
    return work


def make_drawings(folder: Path, count: int) -> list[Path]:
    """``count`` drawings: the good examples copied round-robin under distinct names."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        source = ROOT / "examples" / GOOD[i % len(GOOD)]
        target = folder / f"{source.stem}-{i:03d}.dxf"
        shutil.copy(source, target)
        paths.append(target)
    return paths


def plain_run(sandbox, files: list[Path], job_name: str, out: Path, settings) -> dict:
    """The pipeline's calls, in the flow's order, with no Prefect at all."""
    from nestflow.almacam.client import AlmaCamClient
    from nestflow.almacam.layouts import almacam_layouts
    from nestflow.almacam.orders import OrderBundle, OrderLine, OrderSheet, build_order
    from nestflow.almacam.summary import almacam_summary
    from nestflow.blocks.settings import SheetFormat
    from nestflow.cloudnest.client import CloudNestClient
    from nestflow.cloudnest.jobs import (
        boost,
        download_layout_dxf,
        ensure_job,
        find_or_add_material,
        find_or_add_plate,
        push_layout,
        upload_drawings,
        wait_drawings,
        wait_nesting,
    )
    from nestflow.cloudnest.models import PartAttributes
    from nestflow.cloudnest.summary import cloudnest_summary
    from nestflow.engines.cloudnest import UPLOAD_BATCH
    from nestflow.gate import dxf_outlines, used_length
    from nestflow.geometry.layout import write_layout_dxf
    from nestflow.geometry.reader import read_batch

    material, sheets, nesting = settings
    app = sandbox.config.cloudnest.app
    sheet = SheetFormat()
    parts = [p for f in files for p in read_batch([f]).parts]
    lines = [OrderLine(part=p, quantity=1, rotations=nesting.rotations) for p in parts]
    stock = [OrderSheet(name="3000 x 1500", length=3000, height=1500, quantity=20, border_gap=10)]
    order, index = build_order(lines, stock, nesting.time_s, protection_offset=nesting.spacing)
    with (
        AlmaCamClient(sandbox.almacam_url, sandbox.almacam_token) as alma,
        CloudNestClient(
            sandbox.url("cloudnest"), app.app_id, app.app_secret, sorted(app.org_codes)[0]
        ) as cloud,
    ):
        order_id = alma.submit(order, index=index)
        material_id = find_or_add_material(cloud, material.name, material.density)
        plates = [find_or_add_plate(cloud, material_id, material.thickness, s) for s in sheets]
        job = ensure_job(
            cloud, job_name, material=material.name, thickness=material.thickness, gas="O2"
        )
        attributes = PartAttributes(
            material=material.name, thickness=material.thickness, gas="O2", amount=1
        )
        refs = []
        for start in range(0, len(files), UPLOAD_BATCH):
            batch = files[start : start + UPLOAD_BATCH]
            held = {s.filename for s in cloud.job_drawing_status(job.job_id)}  # as the flow
            new = [f for f in batch if f.name not in held]
            refs += upload_drawings(cloud, job, new, attributes=attributes, batch_size=UPLOAD_BATCH)
        states = wait_drawings(cloud, job, nesting.max_wait_s, drawings=refs)
        boost(cloud, job, plates, nesting.spacing, time_limit=int(nesting.time_s))
        result = alma.wait(
            order_id, "full", expected_time=order.time, deadline=nesting.max_wait_s, index=index
        )
        images = [alma.image(order_id, i) for i in range(len(result.nestings))]
        detail = wait_nesting(cloud, job, nesting.max_wait_s)
        dxf = {layout.result_guid: download_layout_dxf(cloud, layout) for layout in detail.results}
        part_layout = cloud.job_part_layout(job.job_id)
        lengths = {guid: used_length(dxf_outlines(data)) for guid, data in dxf.items()}
        areas = {p.name: p.area for p in parts}
        cn = cloudnest_summary(job.job_id, detail.results, lengths, areas, part_layout, [sheet])
        bundle = OrderBundle(order=order, index=index, sheets={1: sheet})
        am = almacam_summary(order_id, result, bundle)
        folder = out / job_name
        folder.mkdir(parents=True)
        for i, layout in enumerate(almacam_layouts(result, bundle, job_name)):
            write_layout_dxf(layout, folder / f"almacam-{i + 1:02d}.dxf")
            (folder / f"almacam-{i + 1:02d}.png").write_bytes(images[i])
        for i, data in enumerate(dxf.values()):
            (folder / f"cloudnest-{i + 1:02d}.dxf").write_bytes(data)
        for row in cn.layouts:
            push_layout(
                cloud,
                row.layout_id,
                sandbox.config.cloudnest.gmids[0],
                row.quantity,
                job=job.job_id,
            )
    return {
        "drawings": len(states.succeeded),
        "cloudnest_sheets": cn.sheets,
        "almacam_sheets": am.sheets,
    }


def prefect_run(blocks, folder: Path, job_name: str, settings) -> dict:
    """nest_to_cnc itself."""
    from nestflow.flows.nest_to_cnc import nest_to_cnc
    from nestflow.flows.parameters import DrawingSource, PushEngine

    material, sheets, nesting = settings
    summary = nest_to_cnc(
        job_name=job_name,
        drawings=DrawingSource(folder=str(folder)),
        push=PushEngine.CLOUDNEST,
        material=material,
        sheets=sheets,
        nesting=nesting,
        blocks=blocks,
    )
    engines = {e.engine: e for e in summary.engines}
    return {
        "drawings": len(summary.drawings),
        "cloudnest_sheets": engines["cloudnest"].sheets,
        "almacam_sheets": engines["almacam"].sheets,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--speed", type=float, default=0.02, help="sandbox speed factor")
    parser.add_argument("--time", type=float, default=3.0, help="optimisation time (s)")
    args = parser.parse_args()

    work = fresh_prefect("nestflow-bench-", "WARNING")
    from prefect import flow

    from nestflow.blocks.settings import SheetFormat
    from nestflow.cli.demo import save_sandbox_blocks
    from nestflow.flows.parameters import MaterialSpec, NestingSettings
    from nestflow.sandbox.config import SandboxConfig
    from nestflow.sandbox.server import start_sandbox

    folder = work / "drawings"
    files = make_drawings(folder, args.drawings)
    settings = (
        MaterialSpec(name="S235JR", thickness=3.0),
        [SheetFormat(name="3000 x 1500")],
        NestingSettings(time_s=args.time, spacing=5.0, max_wait_s=600.0),
    )

    @flow(name="bench warm-up")
    def warm_up() -> None:
        """Starts the Prefect server (ephemeral unless PREFECT_API_URL is set)."""

    started = time.perf_counter()
    warm_up()
    server_start = time.perf_counter() - started

    config = SandboxConfig.from_env(almacam_port=0, cloudnest_port=0, speed=args.speed)
    times: dict[str, list[float]] = {"plain": [], "prefect": []}
    with start_sandbox(config) as sandbox:
        blocks = save_sandbox_blocks(sandbox, "bench", work / "out-prefect", work / "drop")
        for round_ in range(-1, args.rounds):  # round 0 warms up both (imports, first use)
            for variant in ("plain", "prefect"):
                job = f"bench-{variant}-{round_}-{uuid.uuid4().hex[:6]}"
                started = time.perf_counter()
                if variant == "plain":
                    outcome = plain_run(sandbox, files, job, work / "out-plain", settings)
                else:
                    outcome = prefect_run(blocks, folder, job, settings)
                elapsed = time.perf_counter() - started
                if round_ >= 0:
                    times[variant].append(elapsed)
                label = f"round {round_ + 1}" if round_ >= 0 else "warm-up"
                print(f"{label:8s} {variant:8s} {elapsed:7.2f} s  {outcome}")

    plain, prefect_ = statistics.median(times["plain"]), statistics.median(times["prefect"])
    print()
    print(f"drawings: {args.drawings}, sandbox speed x{args.speed:g}, time {args.time:g} s")
    print(f"Prefect server start (not timed below): {server_start:.2f} s")
    print(f"plain script   median {plain:7.2f} s  runs {[round(t, 2) for t in times['plain']]}")
    print(
        f"nest_to_cnc    median {prefect_:7.2f} s  runs {[round(t, 2) for t in times['prefect']]}"
    )
    ratio = prefect_ / plain
    print(f"ratio {ratio:.3f} (target <= 1.2): {'OK' if ratio <= 1.2 else 'ABOVE TARGET'}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
