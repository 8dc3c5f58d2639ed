"""Names no file is read by, a folder's odd name rejected alone, filing away within the inbox."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nestflow.intake import NameRefused, check_name, collect_refs
from nestflow.tasks.inbox import file_away

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(autouse=True)
def _working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's working folder is the test's ``tmp_path``."""
    monkeypatch.chdir(tmp_path)


def test_a_name_of_255_bytes_is_taken() -> None:
    check_name("a" * 251 + ".dxf", "drawings.files")


def test_a_nul_byte_is_refused_naming_it_escaped() -> None:
    with pytest.raises(NameRefused) as caught:
        check_name("a\x00b.dxf", "drawings.files")
    assert "'a\\x00b.dxf' holds a NUL byte" in str(caught.value)
    assert caught.value.kind == "bad_name"


def test_a_path_above_4096_bytes_is_refused_with_its_length() -> None:
    with pytest.raises(NameRefused, match="is 4,097 bytes long, above 4,096"):
        check_name("a/" * 2048 + "b", "drawings.files")


def test_a_refused_long_name_is_shown_cut() -> None:
    with pytest.raises(NameRefused) as caught:
        check_name("p" * 5000, "drawings.files")
    assert "(and 4,880 characters more)" in str(caught.value)
    assert len(str(caught.value)) < 400


def test_a_folder_file_with_a_control_character_is_rejected_alone(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "gusset.dxf", tmp_path / "gusset.dxf")
    shutil.copy(EXAMPLES / "gusset.dxf", tmp_path / "evil\x1b[2J.dxf")

    refs, failures = collect_refs(str(tmp_path), [], [], [])

    assert [r.file for r in refs] == ["gusset.dxf"]
    ((failure),) = failures
    assert failure.kind == "bad_name" and "\x1b" not in failure.message
    assert "'\\x1b'" in failure.message


# --- file_away ---------------------------------------------------------------------------------


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    """An inbox with one drawing, next to an outside folder with another."""
    (tmp_path / "inbox").mkdir()
    (tmp_path / "outside").mkdir()
    shutil.copy(EXAMPLES / "gusset.dxf", tmp_path / "inbox" / "gusset.dxf")
    shutil.copy(EXAMPLES / "gusset.dxf", tmp_path / "outside" / "victim.dxf")
    return tmp_path / "inbox"


def test_file_away_files_a_drawing_of_the_inbox(inbox: Path) -> None:
    filed = file_away.fn([str(inbox / "gusset.dxf")], {}, str(inbox))
    assert filed.processed == [str(inbox / "processed" / "gusset.dxf")] and not filed.left


def test_file_away_leaves_a_link_out_of_the_inbox_and_names_it(inbox: Path) -> None:
    victim = inbox.parent / "outside" / "victim.dxf"
    (inbox / "link.dxf").symlink_to(victim)

    filed = file_away.fn([], {str(inbox / "link.dxf"): "bad"}, str(inbox))

    assert victim.is_file() and (inbox / "link.dxf").is_symlink()
    ((left),) = filed.left
    assert "link.dxf" in left and "is a link" in left


def test_file_away_of_a_glob_inbox_files_within_its_folder(inbox: Path) -> None:
    filed = file_away.fn([str(inbox / "gusset.dxf")], {}, str(inbox / "*.dxf"))
    assert filed.processed == [str(inbox / "processed" / "gusset.dxf")]
