"""Plate and material endpoints (vendor sections "plate" and "material"): the team's libraries."""

from __future__ import annotations

from collections import defaultdict

from nestflow.cloudnest import models as m
from nestflow.cloudnest.errors import INVALID_PARAMETER
from nestflow.sandbox.cloudnest.endpoints import views
from nestflow.sandbox.cloudnest.endpoints.table import Call
from nestflow.sandbox.cloudnest.gateway.answers import ApiRefusal
from nestflow.sandbox.cloudnest.state import catalogue, queries
from nestflow.sandbox.cloudnest.state.records import MaterialRecord, PlateRecord, new_guid

PLATE_TYPES = {0: "standard", 1: "remnant"}
PLATE_FIELDS = set(PlateRecord.model_fields)


def plate_add(call: Call, req: m.PlateAddRequest) -> m.PlateRef:
    """§8.5: add a standard (0) or remnant (1) plate of a library material."""
    plate = PlateRecord(plate_guid=new_guid(), **req.model_dump(include=PLATE_FIELDS))
    _check_plate(call, plate)
    call.sandbox.store.save(plate)
    return m.PlateRef(plate_guid=plate.plate_guid)


def plate_update(call: Call, req: m.PlateUpdateRequest) -> m.PlateRef:
    """Change the given fields of a plate."""
    store = call.sandbox.store
    plate = queries.plate(store, req.plate_guid)
    changes = req.model_dump(exclude_none=True, include=PLATE_FIELDS - {"plate_guid"})
    updated = plate.model_copy(update=changes)
    _check_plate(call, updated)
    store.save(updated)
    return m.PlateRef(plate_guid=updated.plate_guid)


def plate_list(call: Call, req: m.PlateListRequest) -> list[m.PlateInfo]:
    """The plate library, filtered by type, material and thickness."""
    store = call.sandbox.store
    return [
        views.plate_info(p, catalogue.material_name(store, p.material_id))
        for p in store.all(PlateRecord)
        if (req.plate_type is None or p.plate_type == req.plate_type)
        and (req.material_id is None or p.material_id == req.material_id)
        and (req.thickness is None or abs(p.thickness - req.thickness) < 1e-6)
    ]


def plate_scrap_tree(call: Call, req: m.ScrapTreeQuery) -> list[m.ScrapNode]:
    """Remnant plates grouped by material, then thickness."""
    store = call.sandbox.store
    groups: dict[tuple[int, float], list[PlateRecord]] = defaultdict(list)
    for plate in store.all(PlateRecord):
        if plate.plate_type != 1:
            continue
        if req.material_id is not None and plate.material_id != req.material_id:
            continue
        if req.thickness is not None and abs(plate.thickness - req.thickness) >= 1e-6:
            continue
        groups[(plate.material_id, plate.thickness)].append(plate)
    nodes = []
    for (material_id, thickness), plates in sorted(groups.items()):
        name = catalogue.material_name(store, material_id)
        nodes.append(
            m.ScrapNode(
                material_id=material_id,
                material=name,
                thickness=thickness,
                plates=[views.plate_info(p, name) for p in plates],
            )
        )
    return nodes


def material_add(call: Call, req: m.MaterialAddRequest) -> m.MaterialInfo:
    """Add a material (density in g/cm³, mild steel when not given); names are unique."""
    name = req.material_name.strip()
    if not name:
        raise ApiRefusal(INVALID_PARAMETER, "material_name must not be empty")
    if req.density is not None and req.density <= 0:
        raise ApiRefusal(INVALID_PARAMETER, f"density must be positive, got {req.density:g}")
    store = call.sandbox.store
    with store.transaction():
        if any(x.material_name.lower() == name.lower() for x in store.all(MaterialRecord)):
            raise ApiRefusal(INVALID_PARAMETER, f"material {name!r} already exists")
        record = catalogue.add_material(store, name, req.density)
    return views.material_info(record)


def material_list(call: Call, req: m.EmptyRequest) -> list[m.MaterialInfo]:
    """The material library."""
    return [views.material_info(x) for x in call.sandbox.store.all(MaterialRecord)]


def _check_plate(call: Call, plate: PlateRecord) -> None:
    queries.material(call.sandbox.store, plate.material_id)
    problems = []
    if plate.plate_type not in PLATE_TYPES:
        problems.append(f"plate_type {plate.plate_type} (0 standard, 1 remnant)")
    if plate.width <= 0 or plate.height <= 0 or plate.thickness <= 0:
        problems.append("width, height and thickness must be positive")
    if plate.gap < 0 or 2 * plate.gap >= min(plate.width, plate.height):
        problems.append(f"gap {plate.gap:g} must be >= 0 and leave room on the plate")
    if plate.remain_amount < -1:
        problems.append("remain_amount must be -1 (unlimited) or >= 0")
    if problems:
        raise ApiRefusal(INVALID_PARAMETER, "; ".join(problems))
