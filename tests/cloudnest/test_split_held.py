"""Drawings a job already holds are not uploaded again: the rule is the core's."""

from __future__ import annotations

from nestflow.cloudnest.jobs import UploadItem, split_held
from nestflow.cloudnest.models import DrawingRef, DrawingState


def item(file: str) -> UploadItem:
    return UploadItem(file=file, sha256="0" * 64)


def test_held_drawings_are_referenced_and_the_others_uploaded_in_order() -> None:
    items = [item("c.dxf"), item("a.dxf"), item("b.dxf")]
    held = [
        DrawingState(drawing_guid="G-A", filename="a.dxf", status="success"),
        DrawingState(drawing_guid="G-X", filename="x.dxf", status="success"),
    ]
    new, known = split_held(items, held)
    assert [i.file for i in new] == ["c.dxf", "b.dxf"]
    assert known == [DrawingRef(drawing_guid="G-A", filename="a.dxf")]


def test_an_empty_job_holds_nothing() -> None:
    items = [item("a.dxf")]
    assert split_held(items, []) == (items, [])
