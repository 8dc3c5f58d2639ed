"""A batch reads every drawing it can; each bad drawing becomes one failure naming its file."""

import hashlib

import ezdxf
from ezdxf.document import Drawing

from nestflow.geometry import reader
from nestflow.geometry.reader import drawing_files, read_batch, read_document, read_drawing


def _open_outline(doc: Drawing) -> None:
    doc.modelspace().add_lwpolyline([(0, 0), (50, 0), (50, 50), (0, 50)])


def test_one_bad_file_does_not_stop_the_batch(make_dxf, draw_plate, tmp_path) -> None:
    make_dxf(draw_plate, name="a_plate.dxf")
    make_dxf(_open_outline, name="b_open.dxf")
    (tmp_path / "c_junk.dxf").write_text("not a drawing")
    make_dxf(draw_plate, name="d_plate.dxf")

    result = read_batch([tmp_path])

    assert [p.source for p in result.parts] == ["a_plate.dxf", "d_plate.dxf"]
    assert [(f.file, f.kind) for f in result.failures] == [
        ("b_open.dxf", "open_contour"),
        ("c_junk.dxf", "unreadable"),
    ]
    assert not result.ok


def test_folder_gives_its_dxf_files_in_any_case_sorted(tmp_path) -> None:
    for name in ("b.DXF", "a.dxf", "notes.txt", "c.Dxf"):
        (tmp_path / name).write_text("")
    (tmp_path / "sub.dxf").mkdir()
    assert [p.name for p in drawing_files([tmp_path])] == ["a.dxf", "b.DXF", "c.Dxf"]


def test_files_and_folders_can_be_mixed(make_dxf, draw_plate, tmp_path) -> None:
    single = make_dxf(draw_plate, name="single.dxf")
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "x.dxf").write_bytes(single.read_bytes())
    assert [p.name for p in drawing_files([single, folder])] == ["single.dxf", "x.dxf"]


def test_unexpected_exception_becomes_an_unreadable_failure(plate_dxf, monkeypatch) -> None:
    def explode(*_args, **_kwargs):
        raise RuntimeError("ezdxf fell over")

    monkeypatch.setattr(reader, "read_drawing", explode)
    result = read_batch([plate_dxf])
    (failure,) = result.failures
    assert (failure.file, failure.kind) == ("plate.dxf", "unreadable")
    assert "RuntimeError: ezdxf fell over" in failure.message


def test_parts_carry_the_hash_and_name_of_their_file(plate_dxf) -> None:
    (part,) = read_batch([plate_dxf]).parts
    assert part.sha256 == hashlib.sha256(plate_dxf.read_bytes()).hexdigest()
    assert (part.name, part.source) == ("plate", "plate.dxf")


def test_batch_options_reach_every_drawing(make_dxf, draw_plate) -> None:
    result = read_batch([make_dxf(draw_plate)], max_part_size=100)
    assert result.parts == []
    assert [f.kind for f in result.failures] == ["part_too_large"]


def test_loaded_document_reads_like_its_file(plate_dxf) -> None:
    doc = ezdxf.readfile(plate_dxf)
    (from_doc,) = read_document(doc, name="plate.dxf", sha256="abc")
    (from_file,) = read_drawing(plate_dxf)
    assert from_doc.outer == from_file.outer and from_doc.holes == from_file.holes
    assert from_doc.sha256 == "abc"
