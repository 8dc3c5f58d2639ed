"""The intake's rules on read drawings: whose units count, what is refused, what is warned.

Also the order manifest against the drawings of a run: a line that matches no drawing and a
drawing no line orders are named, with the names they could have meant.
"""

import hashlib
from pathlib import Path

import ezdxf
import pytest
from ezdxf.document import Drawing

from nestflow.geometry.manifest import read_manifest
from nestflow.geometry.reader import ReadOptions, read_drawing
from nestflow.intake import (
    SUGGESTED_PROBLEMS,
    CheckedDrawing,
    DrawingLocation,
    IntakeRules,
    ManifestMismatch,
    OrderTerms,
    judge_drawing,
    manifest_mismatches,
    terms_for,
    with_answered_units,
)
from tests.units_drawings import r12_metres_header

HEADER = "file,quantity,material,thickness,rotations,units\n"


def _clip(doc: Drawing) -> None:
    """The clip as drawn in inches, without units: 4 x 2.5 with two 0.25 holes."""
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (4, 0), (4, 2.5), (0, 2.5)], close=True)
    msp.add_circle((1, 1.25), 0.125)
    msp.add_circle((3, 1.25), 0.125)


def _read(path: Path, rules: IntakeRules, terms: OrderTerms) -> list:
    return read_drawing(path, options=rules.read_options(ReadOptions(), terms))


# --- units -------------------------------------------------------------------------------------


def test_production_refuses_a_unitless_drawing_that_looks_like_inches(make_dxf) -> None:
    rules = IntakeRules(refuse_doubtful_units=True, thickness=3.0)
    terms = OrderTerms(quantity=40)
    parts = _read(make_dxf(_clip, name="clip.dxf", units=0), rules, terms)
    _, failure = judge_drawing("clip.dxf", parts, terms, rules)
    assert (failure.file, failure.kind) == ("clip.dxf", "units_unconfirmed")
    assert "4.000 x 2.500 mm" in failure.message
    assert "101.6 x 63.5 mm" in failure.message
    assert "give its units in the units column in the manifest (mm or inch)" in failure.message


def test_quote_keeps_a_doubtful_drawing_and_warns(make_dxf) -> None:
    rules = IntakeRules(refuse_doubtful_units=False, thickness=3.0)
    terms = OrderTerms()
    parts = _read(make_dxf(_clip, name="clip.dxf", units=0), rules, terms)
    warnings, failure = judge_drawing("clip.dxf", parts, terms, rules)
    assert failure is None
    assert any(w.startswith("clip.dxf, part 'clip': ") and "$INSUNITS = 0" in w for w in warnings)


@pytest.mark.parametrize(
    ("rules", "terms"),
    [
        (IntakeRules(units="inch", refuse_doubtful_units=True), OrderTerms()),
        (IntakeRules(refuse_doubtful_units=True), OrderTerms(units="inch")),
        (IntakeRules(units="mm", refuse_doubtful_units=True), OrderTerms(units="inch")),
    ],
    ids=["run-units", "manifest-units", "manifest-wins-over-run"],
)
def test_confirmed_inches_read_the_clip_at_full_size(
    make_dxf, rules: IntakeRules, terms: OrderTerms
) -> None:
    (part,) = _read(make_dxf(_clip, name="clip.dxf", units=0), rules, terms)
    assert (part.bbox.width, part.bbox.height) == pytest.approx((101.6, 63.5))
    assert part.units == "unitless->inch"
    warnings, failure = judge_drawing("clip.dxf", [part], terms, rules)
    assert (warnings, failure) == ([], None)


def test_manifest_mm_answers_for_the_clip_and_keeps_its_small_size(make_dxf) -> None:
    rules = IntakeRules(refuse_doubtful_units=True)
    terms = OrderTerms(units="mm", manifest_line=2)
    (part,) = _read(make_dxf(_clip, name="clip.dxf", units=0), rules, terms)
    assert part.bbox.width == pytest.approx(4.0)
    assert judge_drawing("clip.dxf", [part], terms, rules) == ([], None)


def test_run_units_mm_never_silence_the_inch_doubt_in_production(make_dxf) -> None:
    rules = IntakeRules(units="mm", refuse_doubtful_units=True)
    (part,) = _read(make_dxf(_clip, name="clip.dxf", units=0), rules, OrderTerms())
    assert part.bbox.width == pytest.approx(4.0)
    _, failure = judge_drawing("clip.dxf", [part], OrderTerms(), rules)
    assert (failure.file, failure.kind) == ("clip.dxf", "units_unconfirmed")
    assert "4.000 x 2.500 mm" in failure.message and "101.6 x 63.5 mm" in failure.message
    assert "the run's units (mm) answer for no single drawing" in failure.message
    assert "units column in the manifest" in failure.message


def test_run_units_mm_keep_the_inch_doubt_as_a_warning_in_a_quote(make_dxf) -> None:
    rules = IntakeRules(units="mm")
    (part,) = _read(make_dxf(_clip, name="clip.dxf", units=0), rules, OrderTerms())
    (warning,), failure = judge_drawing("clip.dxf", [part], OrderTerms(), rules)
    assert failure is None
    assert warning.startswith("clip.dxf, part 'clip': ") and "4.000 x 2.500 mm" in warning


def _panel(doc: Drawing) -> None:
    """A 100 x 50 mm panel drawn without units: read in inches it is 2540 x 1270 mm."""
    doc.modelspace().add_lwpolyline([(0, 0), (100, 0), (100, 50), (0, 50)], close=True)


def test_run_units_inch_refuse_a_drawing_that_looks_drawn_in_mm_in_production(make_dxf) -> None:
    rules = IntakeRules(units="inch", refuse_doubtful_units=True)
    (part,) = _read(make_dxf(_panel, name="panel.dxf", units=0), rules, OrderTerms())
    assert part.bbox.width == pytest.approx(2540.0)
    _, failure = judge_drawing("panel.dxf", [part], OrderTerms(), rules)
    assert (failure.file, failure.kind) == ("panel.dxf", "units_unconfirmed")
    assert "2540.0 x 1270.0 mm" in failure.message and "100.000 x 50.000 mm" in failure.message
    assert "looks drawn in mm" in failure.message
    assert "the run's units (inch) answer for no single drawing" in failure.message


def test_run_units_inch_keep_the_mm_doubt_as_a_warning_in_a_quote(make_dxf) -> None:
    rules = IntakeRules(units="inch")
    (part,) = _read(make_dxf(_panel, name="panel.dxf", units=0), rules, OrderTerms())
    (warning,), failure = judge_drawing("panel.dxf", [part], OrderTerms(), rules)
    assert failure is None
    assert warning.startswith("panel.dxf, part 'panel': ") and "read as inches" in warning


def test_manifest_inch_answers_for_a_large_unitless_drawing(make_dxf) -> None:
    rules = IntakeRules(units="inch", refuse_doubtful_units=True)
    terms = OrderTerms(units="inch", manifest_line=3)
    (part,) = _read(make_dxf(_panel, name="panel.dxf", units=0), rules, terms)
    assert part.bbox.width == pytest.approx(2540.0)
    assert judge_drawing("panel.dxf", [part], terms, rules) == ([], None)


def test_manifest_units_override_the_header_with_a_warning_naming_both(tmp_path: Path) -> None:
    rules = IntakeRules(refuse_doubtful_units=True)
    terms = OrderTerms(units="mm", manifest_line=4)
    drawing = r12_metres_header(tmp_path / "bracket.dxf")
    (part,) = _read(drawing, rules, terms)
    assert (part.bbox.width, part.bbox.height) == pytest.approx((200.0, 100.0))
    (warning,), failure = judge_drawing("bracket.dxf", [part], terms, rules)
    assert failure is None
    assert warning == (
        "bracket.dxf: the header says metres ($INSUNITS 6), manifest line 4 says mm: using mm"
    )


def test_manifest_units_that_agree_with_the_header_say_nothing(make_dxf) -> None:
    rules = IntakeRules(refuse_doubtful_units=True)
    terms = OrderTerms(units="inch", manifest_line=4)
    (part,) = _read(make_dxf(_clip, name="clip.dxf", units=1), rules, terms)
    assert part.bbox.width == pytest.approx(101.6)
    assert judge_drawing("clip.dxf", [part], terms, rules) == ([], None)


# --- holes -------------------------------------------------------------------------------------


def test_holes_narrower_than_the_thickness_are_flagged_naming_part_width_thickness(
    make_dxf,
) -> None:
    rules = IntakeRules(thickness=3.0)
    terms = OrderTerms(units="mm")
    parts = _read(make_dxf(_clip, name="clip.dxf", units=0), rules, terms)
    (warning,) = judge_drawing("clip.dxf", parts, terms, rules)[0]
    assert warning.startswith("clip.dxf, part 'clip': 2 hole(s) narrower than 3 mm")
    assert "0.25 mm wide at (1.000, 1.250)" in warning
    assert "0.25 mm wide at (3.000, 1.250)" in warning
    assert "sheet thickness 3 mm" in warning


def test_min_hole_ratio_scales_the_limit(make_dxf) -> None:
    parts = read_drawing(make_dxf(_clip, name="clip.dxf", units=1))  # holes 6.35 mm
    flagged = IntakeRules(thickness=3.0, min_hole_ratio=2.5)
    assert "narrower than 7.5 mm" in judge_drawing("clip.dxf", parts, OrderTerms(), flagged)[0][0]
    assert judge_drawing("clip.dxf", parts, OrderTerms(), IntakeRules(thickness=3.0))[0] == []
    off = IntakeRules(thickness=3.0, min_hole_ratio=0.0)
    assert judge_drawing("clip.dxf", parts, OrderTerms(), off)[0] == []


# --- the manifest against the drawings ----------------------------------------------------------


def _refs(folder: Path, *names: str) -> list[DrawingLocation]:
    return [DrawingLocation(file=n, path=str(folder / n)) for n in names]


def _manifest(folder: Path, rows: str) -> list:
    path = folder / "orders.csv"
    path.write_text(HEADER + rows)
    return read_manifest(path)


def test_a_line_with_a_typo_and_the_drawing_it_meant_are_both_named(tmp_path: Path) -> None:
    lines = _manifest(tmp_path, "brakcet.dxf,25,S235,3,0,\ngusset.dxf,2,S235,3,0,\n")
    refs = _refs(tmp_path, "bracket.dxf", "gusset.dxf")
    line, drawing = manifest_mismatches(refs, lines, drawings_given=True)
    assert (line.file, line.kind) == ("brakcet.dxf", "not_a_drawing")
    assert "manifest line 2 orders 25 x brakcet.dxf" in line.message
    assert "did you mean bracket.dxf?" in line.message
    assert (drawing.file, drawing.kind) == ("bracket.dxf", "not_in_manifest")
    assert "did you mean line 2 (brakcet.dxf)?" in drawing.message


def test_a_manifest_that_matches_every_drawing_has_no_mismatch(tmp_path: Path) -> None:
    lines = _manifest(tmp_path, "bracket.dxf,25,S235,3,0,\n")
    assert manifest_mismatches(_refs(tmp_path, "bracket.dxf"), lines, drawings_given=True) == []
    assert manifest_mismatches(_refs(tmp_path, "bracket.dxf"), [], drawings_given=True) == []


def test_manifest_alone_names_a_missing_file_and_the_files_of_its_folder(tmp_path: Path) -> None:
    (tmp_path / "gusset.dxf").write_text("0\nEOF\n")
    lines = _manifest(tmp_path, "gusett.dxf,3,S235,3,0,\ngusset.dxf,1,S235,3,0,\n")
    refs = [DrawingLocation(file=m.file.name, path=str(m.file)) for m in lines]
    (problem,) = manifest_mismatches(refs, lines, drawings_given=False)
    assert (problem.file, problem.kind) == ("gusett.dxf", "not_a_drawing")
    assert "manifest line 2" in problem.message and "does not exist" in problem.message
    assert "did you mean gusset.dxf?" in problem.message


def test_a_manifest_of_many_wrong_lines_lists_every_one_and_suggests_for_the_first(
    tmp_path: Path,
) -> None:
    rows = "".join(f"wrong-{i}.dxf,1,S235,3,0,\n" for i in range(SUGGESTED_PROBLEMS + 5))
    lines = _manifest(tmp_path, rows)
    refs = _refs(tmp_path, *(f"wrong-{i}x.dxf" for i in range(3)))
    problems = manifest_mismatches(refs, lines, drawings_given=True)
    wrong_lines = [p for p in problems if p.kind == "not_a_drawing"]
    assert [p.file for p in wrong_lines] == [f"wrong-{i}.dxf" for i in range(len(lines))]
    assert "did you mean" in wrong_lines[0].message
    assert "did you mean" not in wrong_lines[SUGGESTED_PROBLEMS].message
    assert "(the drawings are wrong-0x.dxf, wrong-1x.dxf, wrong-2x.dxf)" in (
        wrong_lines[SUGGESTED_PROBLEMS].message
    )
    assert {p.file for p in problems if p.kind == "not_in_manifest"} == {
        f"wrong-{i}x.dxf" for i in range(3)
    }


def test_mismatch_error_lists_every_problem_and_says_nothing_was_nested(tmp_path: Path) -> None:
    lines = _manifest(tmp_path, "brakcet.dxf,25,S235,3,0,\n")
    problems = manifest_mismatches(_refs(tmp_path, "bracket.dxf"), lines, drawings_given=True)
    error = ManifestMismatch(problems)
    assert error.problems == problems
    assert "line 2" in str(error) and "bracket.dxf" in str(error)
    assert "nothing was nested" in str(error)


def test_summed_lines_give_the_drawing_the_total(tmp_path: Path) -> None:
    lines = _manifest(tmp_path, "gusset.dxf,2,S235,3,0,\ngusset.dxf,5,S235,3,0,\n")
    (ref,) = _refs(tmp_path, "gusset.dxf")
    terms = terms_for(ref, lines, OrderTerms(), "S235", 3.0)
    assert (terms.quantity, terms.manifest_line) == (7, 2)


def test_the_line_for_the_runs_material_is_taken_among_several(tmp_path: Path) -> None:
    lines = _manifest(tmp_path, "gusset.dxf,2,1.4301,2,0,\ngusset.dxf,5,S235,3,0,inch\n")
    (ref,) = _refs(tmp_path, "gusset.dxf")
    terms = terms_for(ref, lines, OrderTerms(), "S235", 3.0)
    assert (terms.quantity, terms.manifest_line, terms.units) == (5, 3, "inch")
    refused = terms_for(ref, lines, OrderTerms(), "S355", 3.0)
    assert refused.kind == "other_material" and "lines 2, 3" in refused.message


# --- the bytes the engines are sent say the units the drawing was read in ----------------------


def _checked(path: Path, terms: OrderTerms, rules: IntakeRules) -> CheckedDrawing:
    content = path.read_bytes()
    parts = read_drawing(content, name=path.name, options=rules.read_options(ReadOptions(), terms))
    return CheckedDrawing(
        ref=DrawingLocation(file=path.name, path=str(path)),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        parts=parts,
        terms=terms,
    )


def test_a_drawing_whose_header_was_overridden_is_sent_in_the_units_given(tmp_path: Path) -> None:
    terms = OrderTerms(units="mm", manifest_line=2)
    checked = _checked(r12_metres_header(tmp_path / "plate.dxf"), terms, IntakeRules())
    sent, warnings = with_answered_units(checked, ReadOptions())
    assert warnings == []
    assert sent.sha256 == hashlib.sha256(sent.content).hexdigest() != checked.sha256
    assert [p.sha256 for p in sent.parts] == [sent.sha256]  # the parts name the bytes sent
    (read_back,) = read_drawing(sent.content, name="plate.dxf")  # as an engine reads them
    assert (read_back.units, read_back.bbox.width) == ("mm", pytest.approx(200.0))
    assert sent.parts[0].outer == checked.parts[0].outer


def test_a_unitless_drawing_read_in_inches_is_sent_saying_inches(make_dxf) -> None:
    rules = IntakeRules(units="inch")
    checked = _checked(make_dxf(_clip, name="clip.dxf", units=0), OrderTerms(), rules)
    sent, _ = with_answered_units(checked, ReadOptions())
    (read_back,) = read_drawing(sent.content, name="clip.dxf")
    assert (read_back.units, read_back.bbox.width) == ("inch", pytest.approx(101.6))


def test_a_drawing_read_as_its_bytes_say_is_sent_unchanged(make_dxf) -> None:
    for units in (0, 4, 1):
        path = make_dxf(_clip, name=f"clip-{units}.dxf", units=units)
        checked = _checked(path, OrderTerms(units="inch" if units == 1 else None), IntakeRules())
        assert with_answered_units(checked, ReadOptions()) == (checked, [])


def test_a_binary_drawing_read_in_other_units_keeps_its_bytes_and_says_so(
    make_dxf, tmp_path: Path
) -> None:
    ezdxf.readfile(make_dxf(_clip, units=0)).saveas(tmp_path / "clip.dxf", fmt="bin")
    checked = _checked(tmp_path / "clip.dxf", OrderTerms(units="inch"), IntakeRules())
    sent, (warning,) = with_answered_units(checked, ReadOptions())
    assert sent == checked
    assert warning.startswith("clip.dxf: read in inch as given, but its units could not be ")
    assert "CloudNest" in warning
