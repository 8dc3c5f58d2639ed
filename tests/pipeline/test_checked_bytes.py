"""The engines are sent the bytes that were checked and hashed, never the file read again."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from nestflow.cloudnest.jobs import UploadItem
from nestflow.geometry.reader import ReadOptions
from nestflow.intake import DrawingLocation, OrderTerms
from nestflow.tasks.drawings import check_drawing
from tests.pipeline.processes import ROOT


def test_the_upload_sends_the_checked_bytes_even_when_the_file_changed_since(
    tmp_path: Path,
) -> None:
    path = Path(shutil.copy(ROOT / "examples" / "gusset.dxf", tmp_path / "gusset.dxf"))
    original = path.read_bytes()
    checked = check_drawing(
        DrawingLocation(file="gusset.dxf", path=str(path)), OrderTerms(), ReadOptions()
    )
    path.write_bytes(b"0\nSECTION\n2\nENTITIES\n0\nENDSEC\n0\nEOF\n")  # replaced after the check

    item = UploadItem(
        file="gusset.dxf", path=str(path), sha256=checked.sha256, content=checked.content
    )
    name, data = item.source()

    assert (name, data) == (f"gusset-{checked.sha256[:12]}.dxf", original)
    assert hashlib.sha256(data).hexdigest() == checked.sha256


def test_an_upload_without_checked_bytes_is_refused() -> None:
    item = UploadItem(file="x.dxf", path="/nowhere/x.dxf", sha256="0" * 64)
    with pytest.raises(ValueError, match="x.dxf: no checked bytes to upload"):
        item.source()


def test_checked_bytes_never_travel_in_a_dump_or_a_repr(tmp_path: Path) -> None:
    path = Path(shutil.copy(ROOT / "examples" / "gusset.dxf", tmp_path / "gusset.dxf"))
    checked = check_drawing(
        DrawingLocation(file="gusset.dxf", path=str(path)), OrderTerms(), ReadOptions()
    )
    assert checked.content
    assert "content" not in checked.model_dump()
    assert "SECTION" not in repr(checked)
