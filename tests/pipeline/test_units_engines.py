"""Every engine nests a drawing in the units a manifest line gives it, CloudNest too.

The regression (issue 19): a manifest line's ``units`` overrode a drawing's header for our own
reading, AlmaCAM (sent our parts) and the local solver, but CloudNest reads the file it is sent:
a 200 x 100 mm plate whose R12 header says metres was "not processed" there as a 200 m part, and
a unitless clip drawn in inches would be read there as mm. The file CloudNest is sent now says
the units each drawing was read in, and both vendors nest every part at its size.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import ezdxf
import pytest

from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.parameters import DrawingSource, EngineName, MaterialSpec, Mode, NestingSettings
from tests.units_drawings import r12_metres_header

MATERIAL = MaterialSpec(name="S235JR", thickness=3.0)
FAST = NestingSettings(time_s=1.0, spacing=5.0, max_wait_s=60.0)
HEADER = "file,quantity,material,thickness,rotations,units\n"


@pytest.fixture(autouse=True)
def _working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's working folder is the test's ``tmp_path``, which holds its drawings."""
    monkeypatch.chdir(tmp_path)


def test_both_vendors_nest_drawings_in_the_units_their_manifest_lines_give(
    example_folder, pipeline_blocks
) -> None:
    folder = example_folder("gusset.dxf")
    r12_metres_header(folder / "plate.dxf")  # 200 x 100 mm, header: metres
    clip = ezdxf.new("R2010", units=0)  # 4 x 2.5 inches, no units
    clip.modelspace().add_lwpolyline([(0, 0), (4, 0), (4, 2.5), (0, 2.5)], close=True)
    clip.saveas(folder / "clip.dxf")
    manifest = folder / "orders.csv"
    manifest.write_text(
        HEADER + "plate.dxf,3,S235JR,3,0;90,mm\n"
        "clip.dxf,4,S235JR,3,0;90,inch\n"
        "gusset.dxf,2,S235JR,3,0,\n"
    )

    summary = nest_to_cnc(
        job_name=f"units-{uuid.uuid4().hex[:8]}",
        drawings=DrawingSource(folder=str(folder)),
        manifest=str(manifest),
        engines=[EngineName.CLOUDNEST, EngineName.ALMACAM],
        material=MATERIAL,
        nesting=FAST,
        blocks=pipeline_blocks.names,
        mode=Mode.PRODUCTION,
    )

    assert summary.rejected == []
    for name in ("cloudnest", "almacam"):
        engine = summary.engine(name)
        assert engine.errors == [], engine.errors
        placed = dict.fromkeys(("plate", "clip", "gusset"), 0)
        for row in engine.layouts:
            for part, count in row.part_counts.items():
                placed[part] += row.quantity * count
        assert placed == {"plate": 3, "clip": 4, "gusset": 2}, name
