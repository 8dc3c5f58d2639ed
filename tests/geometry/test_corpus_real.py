"""Real drawings from public sources: read right, or refused for the reason expected.json gives."""

from __future__ import annotations

import json
import math
from pathlib import Path

import ezdxf
import ezdxf.recover
import pytest

from nestflow.geometry.errors import DrawingError
from nestflow.geometry.reader import read_drawing
from tests.geometry.corpus.malformed import AREA_TOLERANCE, Case
from tests.geometry.corpus.real_corpus import FOLDER, cases

CASES = cases()


def test_every_real_file_has_an_expected_answer_and_a_source() -> None:
    entries = json.loads((FOLDER / "expected.json").read_text(encoding="utf-8"))["drawings"]
    sources = (FOLDER / "SOURCES.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in FOLDER.glob("*.dxf"))
    assert sorted({e["file"] for e in entries}) == files
    assert [f for f in files if f"`{f}`" not in sources] == []


def _version(path: Path) -> str:
    try:
        return ezdxf.readfile(path).dxfversion
    except ezdxf.DXFError:  # some real files load only through ezdxf.recover
        return ezdxf.recover.readfile(path)[0].dxfversion


def test_the_real_corpus_mixes_versions_and_holds_binary_files() -> None:
    files = sorted(FOLDER.glob("*.dxf"))
    versions = {_version(path) for path in files}
    assert len(CASES) >= 15
    assert {"AC1009", "AC1015", "AC1021", "AC1027", "AC1032"} <= versions
    assert any(path.read_bytes().startswith(b"AutoCAD Binary DXF") for path in files)


@pytest.mark.parametrize("case", [c for c in CASES if c.valid], ids=lambda c: c.name)
def test_real_drawing_is_read_with_the_independently_measured_area(case: Case) -> None:
    parts = read_drawing(case.build(), name=f"{case.name}.dxf")
    assert len(parts) == case.parts
    assert math.isclose(sum(p.area for p in parts), case.area, rel_tol=AREA_TOLERANCE)


@pytest.mark.parametrize("case", [c for c in CASES if not c.valid], ids=lambda c: c.name)
def test_real_drawing_that_cannot_be_cut_is_refused_for_its_reason(case: Case) -> None:
    with pytest.raises(DrawingError) as caught:
        read_drawing(case.build(), name=f"{case.name}.dxf")
    assert caught.value.kind in case.kinds, f"{case.why}: {caught.value}"
