"""The drawings every engine of a run is given: found, read and checked once."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, unmapped

from nestflow.batching import batches
from nestflow.blocks.loading import load_block
from nestflow.blocks.settings import DrawingRoots
from nestflow.flows.parameters import (
    BlockNames,
    DrawingSource,
    MaterialSpec,
    Mode,
    NestingSettings,
    Units,
)
from nestflow.geometry.reader import ReadOptions
from nestflow.intake import (
    DrawingToCheck,
    Intake,
    IntakeRules,
    OrderTerms,
    terms_for,
    with_answered_units,
)
from nestflow.tasks.drawings import (
    CHECK_BATCH,
    check_drawings,
    find_drawings,
    load_manifest,
    match_manifest,
)
from nestflow.urls import UrlPolicy


def read_drawings(
    drawings: DrawingSource | None,
    manifest: str | None,
    material: MaterialSpec,
    nesting: NestingSettings,
    units: Units,
    mode: Mode,
    blocks: BlockNames,
) -> Intake:
    """Find, read and check every drawing; bad ones are rejected one by one, named.

    The order manifest must match the drawings: in production a line matching no drawing, or a
    drawing with no line (when drawings are given besides the manifest), fails the run here,
    before anything is nested; a quote rejects them by name and goes on. Two identical lines for
    one drawing are summed (a warning says so); lines that disagree fail the manifest.

    A drawing's manifest line's ``units`` answer for it: they override its ``$INSUNITS`` (with a
    warning naming both: headers can be wrong), and the file engines read (CloudNest) is sent
    with its header saying them (:func:`~nestflow.intake.with_answered_units`). Without them its
    ``$INSUNITS`` counts, and a drawing without one is read in ``units`` (``auto``: mm).
    ``units`` is a default, never an answer for one drawing: a unitless drawing whose size looks
    drawn in other units than it was read in (under 60 mm read as mm: inches; 60 in and more
    read as inches: mm) is refused in production, naming its size and the manifest's ``units``
    column, and kept with the reader's warning in a quote. Every warning (reader, units, holes
    narrower than the thickness times ``nesting.min_hole_ratio``, summed lines, quote
    mismatches) is logged and listed in ``Intake.warnings``, hence in the report and
    ``summary.json``.

    Drawings are read only from allowed places: with a Drawing Roots block
    (``blocks.drawing_roots``), every local path (folder, files, manifest, its lines) must lie in
    one of its folders; without, in the run's working folder, and a manifest's lines in or below
    its folder. Only regular files are read, their size checked first. URLs are fetched only
    from public addresses and the block's ``url_hosts``.

    Args:
        drawings: Folder or glob, files, URLs.
        manifest: Order manifest CSV; alone, its files are the drawings.
        material: The run's material (a manifest line for another is refused).
        nesting: Default rotations and flip.
        units: Units of drawings that carry none and whose manifest line gives none
            (``auto``: mm); a default that answers for no single drawing (see above).
        mode: A production run refuses a drawing whose units are in doubt.
        blocks: The run's block names (its Drawing Roots, if any).

    Raises:
        PlaceRefused: The manifest, a line's drawing, the folder or a file lies outside the
            places the run may read (nothing of it is read).
        BlockNotFound: ``blocks.drawing_roots`` names no block.
        ManifestMismatch: In production, the manifest and the drawings do not match.
        ManifestError: The manifest cannot be read, or orders one drawing twice differently.
    """
    logger = get_run_logger()
    roots, url_policy = drawing_places(blocks)
    lines = load_manifest(manifest, roots)
    warnings = [
        f"{line.file.name}: manifest {line.where} order the same drawing alike: quantities "
        f"summed, {line.quantity} in all"
        for line in lines
        if line.summed_lines
    ]
    for warning in warnings:
        logger.warning("%s", warning)
    if drawings is None:
        refs, duplicates = find_drawings(None, [], [], lines, roots)
    else:
        refs, duplicates = find_drawings(
            drawings.folder, drawings.files, drawings.urls, lines, roots
        )
    production = mode is Mode.PRODUCTION
    mismatches = match_manifest(refs, lines, drawings is not None, production)
    refused = {m.file: m for m in mismatches}
    default = OrderTerms(rotations=nesting.rotations, flip=nesting.allow_flip)
    items = [
        DrawingToCheck(
            ref=ref,
            terms=refused.get(ref.file)
            or terms_for(ref, lines, default, material.name, material.thickness),
        )
        for ref in refs
    ]
    rules = IntakeRules(
        units=units.value,
        refuse_doubtful_units=production,
        thickness=material.thickness,
        min_hole_ratio=nesting.min_hole_ratio,
    )
    options = ReadOptions()
    checks = check_drawings.map(
        batches(items, CHECK_BATCH),
        unmapped(options),
        unmapped(rules),
        unmapped(url_policy),
    ).result()
    checked = [drawing for batch in checks for drawing in batch]
    # Engines that read the file (CloudNest) get bytes saying the units each was read in.
    sent = [with_answered_units(c, options) for c in checked if c.ok]
    good = [drawing for drawing, _ in sent]
    unwritten = [warning for _, notes in sent for warning in notes]
    for warning in unwritten:
        logger.warning("%s", warning)
    files = {ref.file for ref in refs}
    rejected = (
        duplicates
        + [m for m in mismatches if m.file not in files]
        + [c.failure for c in checked if c.failure is not None]
    )
    warnings += [m.message + " (not quoted)" for m in mismatches]
    warnings += [w for c in checked for w in c.warnings] + unwritten
    logger.info("%d drawing(s) to nest, %d rejected", len(good), len(rejected))
    # A drawing refused after its order line was read is ordered all the same: its copies are
    # reported missing (a refused order line, e.g. another material's, orders nothing here).
    ordered = {i.ref.file: i.terms.quantity for i in items if isinstance(i.terms, OrderTerms)}
    rejected_orders = {
        c.ref.file: ordered[c.ref.file]
        for c in checked
        if c.failure is not None and c.ref.file in ordered
    }
    return Intake(
        drawings=good, rejected=rejected, rejected_orders=rejected_orders, warnings=warnings
    )


def drawing_places(blocks: BlockNames) -> tuple[list[Path] | None, UrlPolicy]:
    """The run's Drawing Roots: its folders, resolved, and the URL hosts it allows.

    Returns:
        The folders (None when no block is named or it names none: the run's working folder)
        and the URL policy (no host beyond public ones without a block).

    Raises:
        BlockNotFound: ``blocks.drawing_roots`` names no block.
    """
    if not blocks.drawing_roots:
        return None, UrlPolicy()
    roots = load_block(DrawingRoots, blocks.drawing_roots)
    return roots.resolved(), roots.url_policy()
