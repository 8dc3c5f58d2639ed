"""The team's material and plate libraries, seeded the way a new CloudNest team finds them.

A fresh sandbox holds a few common materials (with densities, which give the part weights of
§8.4) and one standard plate, so a job created without material can be boosted at once. The seed
is written only into an empty store: a restarted sandbox keeps what its users added or changed.
"""

from __future__ import annotations

from nestflow.sandbox.cloudnest.state.records import MaterialRecord, PlateRecord
from nestflow.sandbox.cloudnest.state.store import Store

#: Density (g/cm³) of a material added without one: mild steel.
DEFAULT_DENSITY = 7.85

#: Material id counter (the vendor's ids are integers like 2095).
MATERIAL_COUNTER = "material_id"
MATERIAL_IDS_START = 2095

_SEED_MATERIALS = (
    ("Q235", 7.85),
    ("304", 7.93),
    ("Cold Rolled Steel", 7.85),
    ("Aluminium 5052", 2.68),
)
#: The standard plate of a fresh team: 3000 x 1500 mm Q235, 1 mm, 10 mm margin, unlimited stock.
_SEED_PLATE = {
    "plate_guid": "ADDC72FE-1BB0-4FA8-B747-5531BC5BC761",
    "plate_name": "Standard Plate",
    "width": 3000.0,
    "height": 1500.0,
    "thickness": 1.0,
    "gap": 10.0,
    "remain_amount": -1,
}


def seed(store: Store) -> None:
    """Fill empty material and plate libraries with the defaults."""
    if store.all(MaterialRecord):
        return
    ids = {name: add_material(store, name, rho).material_id for name, rho in _SEED_MATERIALS}
    store.save(PlateRecord(material_id=ids["Q235"], **_SEED_PLATE))


def add_material(store: Store, name: str, density: float | None) -> MaterialRecord:
    """Record a new material with the next id."""
    record = MaterialRecord(
        material_id=store.increment(MATERIAL_COUNTER, start=MATERIAL_IDS_START),
        material_name=name,
        density=density if density is not None else DEFAULT_DENSITY,
    )
    store.save(record)
    return record


def material_name(store: Store, material_id: int) -> str:
    """Name of a material, or ``""`` when it was removed from the library."""
    record = store.get(MaterialRecord, material_id)
    return record.material_name if record else ""


def density_of(store: Store, name: str) -> float:
    """Density (g/cm³) of the material called ``name``; mild steel when unknown."""
    wanted = name.strip().lower()
    return next(
        (m.density for m in store.all(MaterialRecord) if m.material_name.lower() == wanted),
        DEFAULT_DENSITY,
    )
