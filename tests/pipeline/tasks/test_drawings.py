"""The drawing intake tasks: find the drawings, read the order manifest, read and check them."""

from __future__ import annotations

import shutil
from pathlib import Path

import ezdxf
import pytest

from nestflow.geometry.reader import DrawingFailure, ReadOptions
from nestflow.intake import IntakeRules, ManifestMismatch
from nestflow.tasks.drawings import check_drawings, find_drawings, load_manifest, match_manifest
from nestflow.urls import UrlPolicy
from tests.pipeline.tasks.support import EXAMPLES, parameter_model, to_check


@pytest.fixture
def work_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's working folder is the test's ``tmp_path``, which holds its drawings.

    No Drawing Roots are given here: a run then reads only its working folder (the others read
    examples/ from the repository, the folder the tests run in).
    """
    monkeypatch.chdir(tmp_path)


# --------------------------------------------------------------------------------- find


def test_find_drawings_reports_a_second_drawing_of_the_same_name_as_a_failure(
    work_in_tmp, example_folder, tmp_path: Path
) -> None:
    folder = example_folder("gusset.dxf", "bracket.dxf")
    other = tmp_path / "other"
    other.mkdir()
    twin = Path(shutil.copy(EXAMPLES / "gusset.dxf", other / "gusset.dxf"))

    refs, failures = find_drawings(str(folder), [str(twin)], [], [])

    assert [(r.file, Path(r.path).parent) for r in refs] == [
        ("bracket.dxf", folder.resolve()),
        ("gusset.dxf", folder.resolve()),
    ]
    assert [(f.file, f.kind) for f in failures] == [("gusset.dxf", "duplicate_name")]
    assert str(twin.resolve()) in failures[0].message


def test_find_drawings_counts_a_file_given_twice_once(work_in_tmp, example_folder) -> None:
    folder = example_folder("gusset.dxf")
    refs, failures = find_drawings(str(folder), [str(folder / "gusset.dxf")], [], [])
    assert ([r.file for r in refs], failures) == (["gusset.dxf"], [])


def test_find_drawings_follows_a_glob_pattern_into_subfolders(work_in_tmp, tmp_path: Path) -> None:
    for sub, name in (("a", "gusset.dxf"), ("a/b", "bracket.dxf")):
        (tmp_path / sub).mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLES / name, tmp_path / sub / name)
    (tmp_path / "a" / "notes.txt").write_text("not a drawing")

    refs, _ = find_drawings(str(tmp_path / "**" / "*.dxf"), [], [], [])

    assert sorted(r.file for r in refs) == ["bracket.dxf", "gusset.dxf"]


def test_find_drawings_names_a_url_drawing_by_the_end_of_its_path() -> None:
    url = "https://erp.example.com/files/cover%20plate.dxf?version=3"
    refs, _ = find_drawings(None, [], [url], [])
    assert [(r.file, r.url, r.path) for r in refs] == [("cover plate.dxf", url, None)]


def test_find_drawings_raises_for_a_folder_that_does_not_exist(work_in_tmp, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        find_drawings(str(tmp_path / "missing"), [], [], [])


def test_find_drawings_takes_the_manifests_drawings_when_none_are_given() -> None:
    lines = load_manifest(str(EXAMPLES / "orders.csv"))
    refs, failures = find_drawings(None, [], [], lines)
    assert [r.file for r in refs] == [line.file.name for line in lines]
    assert all(Path(r.path).parent == EXAMPLES for r in refs)
    assert failures == []


# ----------------------------------------------------------------------------- manifest


def test_load_manifest_without_a_manifest_orders_nothing() -> None:
    assert load_manifest(None) == []


def test_load_manifest_reads_each_drawings_order_line() -> None:
    lines = load_manifest(str(EXAMPLES / "orders.csv"))
    by_file = {line.file: (line.quantity, line.rotations, line.flip) for line in lines}
    assert len(lines) == 9
    assert by_file[EXAMPLES / "gusset.dxf"] == (8, (0.0, 90.0, 180.0, 270.0), True)
    assert by_file[EXAMPLES / "flange_dn100.dxf"] == (6, (0.0,), False)


# -------------------------------------------------------------------------------- check


def test_check_drawings_rejects_a_bad_file_by_name_and_keeps_the_rest() -> None:
    items = [to_check(EXAMPLES / n) for n in ("gusset.dxf", "broken_open_contour.dxf")]
    items.append(to_check(EXAMPLES / "bracket.dxf"))

    checked = check_drawings(items, ReadOptions())

    assert [(c.ref.file, c.ok) for c in checked] == [
        ("gusset.dxf", True),
        ("broken_open_contour.dxf", False),
        ("bracket.dxf", True),
    ]
    failure = checked[1].failure
    assert (failure.file, failure.kind) == ("broken_open_contour.dxf", "open_contour")
    assert [p.name for p in checked[0].parts + checked[2].parts] == ["gusset", "bracket"]


def test_check_drawings_keeps_a_drawings_order_terms() -> None:
    item = to_check(EXAMPLES / "gusset.dxf", quantity=7, rotations=[0.0, 180.0], flip=True)
    (drawing,) = check_drawings([item], ReadOptions())
    terms = drawing.terms
    assert (terms.quantity, terms.rotations, terms.flip) == (7, [0.0, 180.0], True)


def test_check_drawings_rejects_a_refused_order_line_without_reading_the_file(
    tmp_path: Path,
) -> None:
    refused = DrawingFailure(
        file="gusset.dxf", kind="other_material", message="manifest line 3 asks for 1.4301"
    )
    item = parameter_model(check_drawings, "items").model_validate(
        {"ref": {"file": "gusset.dxf", "path": str(tmp_path / "absent.dxf")}, "terms": refused}
    )
    (drawing,) = check_drawings([item], ReadOptions())
    assert drawing.failure == refused
    assert not drawing.ok and drawing.content == b""


def test_check_drawings_rejects_an_unreachable_url_naming_it() -> None:
    url = "http://127.0.0.1:9/drawings/plate.dxf"  # the discard port: connection refused
    item = parameter_model(check_drawings, "items").model_validate(
        {"ref": {"file": "plate.dxf", "url": url}, "terms": {}}
    )
    on_loopback = UrlPolicy(allowed_hosts=["127.0.0.1:9"])  # loopback is fetched only if allowed
    (drawing,) = check_drawings([item], ReadOptions(), None, on_loopback)
    assert (drawing.failure.file, drawing.failure.kind) == ("plate.dxf", "unreachable")
    assert url in drawing.failure.message


def _clip(path: Path) -> Path:
    """A unitless drawing of inch size: 4 x 2.5 with two 0.25 holes."""
    doc = ezdxf.new("R2010", units=0)
    doc.modelspace().add_lwpolyline([(0, 0), (4, 0), (4, 2.5), (0, 2.5)], close=True)
    doc.modelspace().add_circle((1, 1.25), 0.125)
    doc.modelspace().add_circle((3, 1.25), 0.125)
    doc.saveas(path)
    return path


def test_check_drawings_refuses_doubtful_units_in_production(tmp_path: Path) -> None:
    rules = IntakeRules(refuse_doubtful_units=True, thickness=3.0)
    (drawing,) = check_drawings([to_check(_clip(tmp_path / "clip.dxf"))], ReadOptions(), rules)
    assert not drawing.ok and drawing.parts == []
    assert (drawing.failure.file, drawing.failure.kind) == ("clip.dxf", "units_unconfirmed")
    assert "units column in the manifest" in drawing.failure.message


def test_check_drawings_reads_in_the_manifests_units(tmp_path: Path) -> None:
    rules = IntakeRules(refuse_doubtful_units=True, thickness=3.0)
    item = to_check(_clip(tmp_path / "clip.dxf"), quantity=40, units="inch")
    (drawing,) = check_drawings([item], ReadOptions(), rules)
    assert drawing.ok and drawing.warnings == []
    assert drawing.parts[0].bbox.width == pytest.approx(101.6)


def test_check_drawings_keeps_the_warnings_naming_file_and_part(tmp_path: Path) -> None:
    rules = IntakeRules(thickness=3.0)
    (drawing,) = check_drawings([to_check(_clip(tmp_path / "clip.dxf"))], ReadOptions(), rules)
    assert drawing.ok
    assert [w.split(":")[0] for w in drawing.warnings] == [
        "clip.dxf, part 'clip'",
        "clip.dxf, part 'clip'",
    ]
    assert "$INSUNITS = 0" in drawing.warnings[0] and "0.25 mm wide" in drawing.warnings[1]


def test_check_drawings_without_rules_checks_no_hole_and_refuses_nothing(tmp_path: Path) -> None:
    (drawing,) = check_drawings([to_check(_clip(tmp_path / "clip.dxf"))], ReadOptions())
    assert drawing.ok and len(drawing.warnings) == 1


# ------------------------------------------------------------------- manifest vs drawings


def test_match_manifest_fails_production_and_lists_the_mismatches_of_a_quote(
    work_in_tmp,
    example_folder,
) -> None:
    folder = example_folder("gusset.dxf", "bracket.dxf")
    (folder / "orders.csv").write_text(
        "file,quantity,material,thickness,rotations\nbrakcet.dxf,25,S235JR,3,0\n"
        "gusset.dxf,2,S235JR,3,0\n"
    )
    lines = load_manifest(str(folder / "orders.csv"))
    refs, _ = find_drawings(str(folder), [], [], lines)

    with pytest.raises(ManifestMismatch, match="did you mean bracket.dxf"):
        match_manifest(refs, lines, True, True)
    problems = match_manifest(refs, lines, True, False)
    assert [(p.file, p.kind) for p in problems] == [
        ("brakcet.dxf", "not_a_drawing"),
        ("bracket.dxf", "not_in_manifest"),
    ]
    assert match_manifest(refs, [], True, True) == []
