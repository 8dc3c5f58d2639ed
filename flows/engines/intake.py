"""The drawings every engine of a run is given: found, read and checked once."""

from __future__ import annotations

from prefect import get_run_logger, unmapped

from flows.parameters import DrawingSource, MaterialSpec, NestingSettings
from nestflow.batching import batches
from nestflow.geometry.reader import ReadOptions
from nestflow.intake import DrawingToCheck, Intake, OrderTerms, terms_for
from tasks.drawings import CHECK_BATCH, check_drawings, find_drawings, load_manifest


def read_drawings(
    drawings: DrawingSource | None,
    manifest: str | None,
    material: MaterialSpec,
    nesting: NestingSettings,
) -> Intake:
    """Find, read and check every drawing; bad ones are rejected one by one, named."""
    lines = load_manifest(manifest)
    if drawings is None:
        refs, duplicates = find_drawings(None, [], [], lines)
    else:
        refs, duplicates = find_drawings(drawings.folder, drawings.files, drawings.urls, lines)
    default = OrderTerms(rotations=nesting.rotations, flip=nesting.allow_flip)
    items = [
        DrawingToCheck(
            ref=ref, terms=terms_for(ref, lines, default, material.name, material.thickness)
        )
        for ref in refs
    ]
    checks = check_drawings.map(batches(items, CHECK_BATCH), unmapped(ReadOptions())).result()
    checked = [drawing for batch in checks for drawing in batch]
    good = [c for c in checked if c.ok]
    rejected = duplicates + [c.failure for c in checked if c.failure is not None]
    get_run_logger().info("%d drawing(s) to nest, %d rejected", len(good), len(rejected))
    return Intake(drawings=good, rejected=rejected)
