"""A manifest is checked whole before a run starts: every problem, each naming file and line.

The regression (issue 19): a manifest with a typo'd file name, a 0-byte manifest or one without
the ``rotations`` column was found wrong only once the run had started, and a run stops at the
first problem: fixing a manifest of three bad lines took three runs. Now
:func:`nestflow.intake.check_order_manifest` (what the command line calls before a run) lists
every problem at once, and :func:`nestflow.geometry.manifest.manifest_problems` every problem of
the file itself; the run still refuses the first one with the same message.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nestflow.geometry.manifest import ManifestError, manifest_problems, parse_manifest
from nestflow.intake import check_order_manifest, read_order_manifest
from tests.manifests.corpus import Case, corpus

HEADER = "file,quantity,material,thickness,rotations,flip,units\n"


@pytest.fixture(autouse=True)
def _run_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The manifest lies in the run's working folder, where a run with no roots reads."""
    monkeypatch.chdir(tmp_path)


def _write(folder: Path, text: str, name: str = "orders.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _drawings(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).write_text("0\nEOF\n")


# --- the file itself ---------------------------------------------------------------------------


def test_every_bad_line_is_named_with_its_column_not_only_the_first(tmp_path: Path) -> None:
    data = (
        (
            HEADER + "a.dxf,two,S235JR,3,0,no,\n"  # line 2
            "b.dxf,2,S235JR,3,0,no,\n"
            "c.dxf,2,S235JR,-3,0,no,\n"  # line 4
            "d.dxf,2,S235JR,3,0,no,furlongs\n"  # line 5
        ).encode()
    )
    lines, problems = manifest_problems(data, tmp_path / "orders.csv")
    assert [line.file.name for line in lines] == ["b.dxf"]
    assert [(p.line, p.column) for p in problems] == [
        (2, "quantity"),
        (4, "thickness"),
        (5, "units"),
    ]
    assert all(str(p).startswith(f"orders.csv line {p.line}, column ") for p in problems)


def test_the_run_still_refuses_the_first_problem_with_the_same_message(tmp_path: Path) -> None:
    data = (HEADER + "a.dxf,two,S235JR,3,0,no,\nc.dxf,2,S235JR,-3,0,no,\n").encode()
    _, problems = manifest_problems(data, tmp_path / "orders.csv")
    with pytest.raises(ManifestError) as refused:
        parse_manifest(data, tmp_path / "orders.csv")
    assert str(refused.value) == str(problems[0])


def test_lines_that_disagree_are_each_named_and_the_others_kept(tmp_path: Path) -> None:
    data = (
        (
            HEADER + "a.dxf,2,S235JR,3,0,no,\n"
            "a.dxf,3,S235JR,3,0;90,no,\n"  # line 3: other rotations
            "b.dxf,1,S235JR,3,0,no,\n"
            "a.dxf,4,S235JR,3,0,yes,\n"  # line 5: flips
        ).encode()
    )
    lines, problems = manifest_problems(data, tmp_path / "orders.csv")
    assert [(line.file.name, line.quantity) for line in lines] == [("a.dxf", 2), ("b.dxf", 1)]
    assert [p.line for p in problems] == [3, 5]
    assert "lines 2 and 3 both order a.dxf" in str(problems[0])
    assert "lines 2 and 5 both order a.dxf" in str(problems[1])


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "empty file"),
        (b"file,quantity,material,thickness\na.dxf,1,S235JR,3\n", "missing column(s) rotations"),
        ("file,quantity\n".encode("utf-16"), "UTF-16"),
    ],
    ids=["zero-bytes", "no-rotations-column", "utf-16"],
)
def test_a_manifest_that_cannot_be_read_is_one_problem_naming_it(
    tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(content)
    (problem,) = check_order_manifest(path)
    assert problem.kind == "manifest" and problem.line == 1
    assert problem.message.startswith("orders.csv line 1: ") and says in problem.message


def test_a_manifest_that_is_not_there_is_one_problem_naming_it(tmp_path: Path) -> None:
    (problem,) = check_order_manifest(tmp_path / "ordres.csv")
    assert problem.kind == "manifest" and problem.line is None
    assert problem.message == "ordres.csv: cannot read the manifest (No such file or directory)"


# --- against the drawings ----------------------------------------------------------------------


def test_a_good_manifest_and_its_drawings_have_no_problem(tmp_path: Path) -> None:
    _drawings(tmp_path, "bracket.dxf", "gusset.dxf")
    path = _write(tmp_path, HEADER + "bracket.dxf,2,S235JR,3,0,no,\ngusset.dxf,1,S235JR,3,0,no,\n")
    assert check_order_manifest(path) == []
    assert check_order_manifest(path, folder=str(tmp_path)) == []


def test_a_typo_is_named_with_its_line_and_the_drawing_it_meant(tmp_path: Path) -> None:
    _drawings(tmp_path, "bracket.dxf", "gusset.dxf")
    path = _write(tmp_path, HEADER + "brakcet.dxf,25,S235JR,3,0,no,\ngusset.dxf,1,S235JR,3,0,no,\n")
    line, drawing = check_order_manifest(path, folder=str(tmp_path))
    assert (line.kind, line.line) == ("not_a_drawing", 2)
    assert line.message.startswith("orders.csv: manifest line 2 orders 25 x brakcet.dxf")
    assert "did you mean bracket.dxf?" in line.message
    assert (drawing.kind, drawing.line) == ("not_in_manifest", None)
    assert "bracket.dxf is in the run but no manifest line orders it" in drawing.message


def test_a_manifest_alone_names_each_missing_file_with_its_line(tmp_path: Path) -> None:
    _drawings(tmp_path, "gusset.dxf")
    path = _write(
        tmp_path,
        HEADER
        + "gusett.dxf,3,S235JR,3,0,no,\ngusset.dxf,1,S235JR,3,0,no,\nnone.dxf,1,S235JR,3,0,,\n",
    )
    problems = check_order_manifest(path)
    assert [(p.kind, p.line) for p in problems] == [("not_a_drawing", 2), ("not_a_drawing", 4)]
    assert "did you mean gusset.dxf?" in problems[0].message
    assert "none.dxf does not exist" in problems[1].message


def test_every_problem_is_listed_at_once_format_places_and_names(tmp_path: Path) -> None:
    (tmp_path / "orders").mkdir()
    _drawings(tmp_path / "orders", "gusset.dxf")
    path = _write(
        tmp_path / "orders",
        HEADER + "gusset.dxf,0,S235JR,3,0,no,\n"  # line 2: quantity 0
        "../../etc/passwd,1,S235JR,3,0,no,\n"  # line 3: outside the manifest's folder
        "gusett.dxf,1,S235JR,3,0,no,\n",  # line 4: a typo
    )
    problems = check_order_manifest(path)
    assert [(p.kind, p.line) for p in problems] == [
        ("manifest", 2),
        ("place_refused", 3),
        ("not_a_drawing", 4),
    ]
    assert problems[1].message.startswith("orders.csv line 3: '../../etc/passwd' lies outside")


def test_a_manifest_outside_the_working_folder_is_one_problem_read_no_further(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, HEADER + "a.dxf,two,S235JR,3,0,no,\n")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    (problem,) = check_order_manifest(path)
    assert problem.kind == "place_refused" and problem.line is None
    assert "lies outside the run's working folder" in problem.message


# --- the corpus: the check agrees with the run -------------------------------------------------


@pytest.mark.parametrize("case", [c for c in corpus() if c.orders is None], ids=lambda c: c.name)
def test_the_first_problem_of_every_bad_corpus_manifest_is_the_runs_refusal(
    case: Case, tmp_path: Path
) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(case.content())
    with pytest.raises(ValueError) as refused:  # noqa: PT011 - the message is compared
        read_order_manifest(path)
    problems = check_order_manifest(path)
    assert problems and problems[0].message == str(refused.value)
