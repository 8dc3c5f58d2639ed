"""Where a run may read drawings from, which files it reads, and how much of them.

The regressions: a manifest line ``../../../../etc/passwd`` or ``/etc/hostname`` was read as a
drawing (and a parse error quoted what it held); a FIFO named as a drawing hung the reader,
``/dev/zero`` read until MemoryError and a 300 MB file was read whole before its size was
checked; a quantity of 1e9 reached the solver. Now a manifest line must resolve inside its
manifest's folder (or a configured root), only regular files are opened, their size is checked
before reading and the read is bounded, and a quantity is 1 to ``MAX_QUANTITY``.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nestflow.geometry.manifest import MAX_QUANTITY, ManifestError
from nestflow.intake import (
    MAX_MANIFEST_BYTES,
    FileRefused,
    PlaceRefused,
    collect_refs,
    read_order_manifest,
    read_regular_file,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HEADER = "file,quantity,material,thickness,rotations\n"
MARKER = "MARKER-5f3a9c-never-echo-me"
#: Longest wait for a call that must not block (a FIFO): far above its real few milliseconds.
NO_BLOCK_S = 10.0


@pytest.fixture(autouse=True)
def _working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's working folder (the current folder) is the test's ``tmp_path``.

    With no roots a run reads only there; these tests are about what lies inside it (and the
    few about the working folder itself move it).
    """
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A manifest folder with one drawing, next to a folder holding a secret file."""
    (tmp_path / "shop").mkdir()
    shutil.copy(EXAMPLES / "gusset.dxf", tmp_path / "shop" / "gusset.dxf")
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "secret.dxf").write_text(f"{MARKER}\n")
    return tmp_path / "shop"


def _manifest(folder: Path, *lines: str) -> Path:
    path = folder / "orders.csv"
    path.write_text(HEADER + "".join(f"{line},1,S235JR,3,0\n" for line in lines))
    return path


def _refused(call: Callable[[], Any]) -> PlaceRefused:
    with pytest.raises(PlaceRefused) as caught:
        call()
    assert MARKER not in str(caught.value)
    return caught.value


def _within(seconds: float, call: Callable[[], Any]) -> Any:
    """``call()``'s result or exception, failing the test when it has not returned in time."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still blocked after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    """A FIFO named like a drawing; released (opened for writing) should a reader block on it."""
    path = tmp_path / "pipe.dxf"
    os.mkfifo(path)
    yield path
    try:  # a reader still blocked on it gets end-of-file instead of hanging the session
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


# --- manifest lines stay inside the manifest's folder --------------------------------------------


def test_a_manifest_line_climbing_out_of_its_folder_is_refused_naming_line_and_path(
    shop: Path,
) -> None:
    manifest = _manifest(shop, "gusset.dxf", "../private/secret.dxf")
    refused = _refused(lambda: read_order_manifest(manifest))
    assert "orders.csv line 3" in str(refused) and "'../private/secret.dxf'" in str(refused)
    assert refused.written == "../private/secret.dxf"


def test_a_traversal_to_etc_passwd_is_refused_without_reading_it(shop: Path) -> None:
    manifest = _manifest(shop, "../../../../../../../../etc/passwd")
    refused = _refused(lambda: read_order_manifest(manifest))
    assert "root:" not in str(refused)
    assert "'../../../../../../../../etc/passwd'" in str(refused)


def test_an_absolute_path_outside_the_folder_is_refused(shop: Path) -> None:
    manifest = _manifest(shop, "/etc/hostname")
    refused = _refused(lambda: read_order_manifest(manifest))
    assert "orders.csv line 2" in str(refused) and "'/etc/hostname'" in str(refused)


def test_a_symlink_in_the_folder_pointing_out_of_it_is_refused(shop: Path) -> None:
    (shop / "link.dxf").symlink_to(shop.parent / "private" / "secret.dxf")
    _refused(lambda: read_order_manifest(_manifest(shop, "link.dxf")))


def test_paths_that_stay_inside_the_folder_are_read(shop: Path) -> None:
    (shop / "sub").mkdir()
    shutil.copy(EXAMPLES / "bracket.dxf", shop / "sub" / "bracket.dxf")
    manifest = _manifest(shop, "sub/../gusset.dxf", str(shop / "sub" / "bracket.dxf"))
    lines = read_order_manifest(manifest)
    assert [line.file.resolve() for line in lines] == [
        shop / "gusset.dxf",
        shop / "sub" / "bracket.dxf",
    ]


def test_a_configured_root_admits_a_line_outside_the_manifests_folder(shop: Path) -> None:
    root = shop.parent
    manifest = _manifest(shop, "../private/secret.dxf")
    (line,) = read_order_manifest(manifest, roots=[root])
    assert line.file.resolve() == root / "private" / "secret.dxf"


def test_with_roots_a_manifest_outside_them_is_refused(shop: Path, tmp_path: Path) -> None:
    (tmp_path / "roots").mkdir()
    manifest = _manifest(shop, "gusset.dxf")
    refused = _refused(lambda: read_order_manifest(manifest, roots=[tmp_path / "roots"]))
    assert "order manifest" in str(refused) and str(tmp_path / "roots") in str(refused)


def test_with_roots_a_manifest_line_outside_them_is_refused(shop: Path) -> None:
    roots = [shop]
    manifest = _manifest(shop, "gusset.dxf", "../private/secret.dxf")
    refused = _refused(lambda: read_order_manifest(manifest, roots=roots))
    assert "orders.csv line 3" in str(refused) and "Drawing Roots" in str(refused)


# --- drawings given as parameters, with roots configured ------------------------------------------


def test_without_roots_a_file_in_the_working_folder_is_taken(shop: Path) -> None:
    secret = shop.parent / "private" / "secret.dxf"
    refs, _ = collect_refs(None, [str(secret)], [], [])
    assert [r.path for r in refs] == [str(secret)]


def test_without_roots_a_file_outside_the_working_folder_is_refused(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(shop)
    secret = str(shop.parent / "private" / "secret.dxf")
    refused = _refused(lambda: collect_refs(None, [secret], [], []))
    assert refused.working and "working folder" in str(refused) and str(shop) in str(refused)


def test_without_roots_a_relative_file_is_taken_from_the_working_folder(shop: Path) -> None:
    refs, _ = collect_refs(None, ["shop/gusset.dxf"], [], [])
    assert [r.path for r in refs] == [str(shop / "gusset.dxf")]


def test_without_roots_a_manifest_outside_the_working_folder_is_refused(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifest = _manifest(shop, "gusset.dxf")
    monkeypatch.chdir(shop.parent / "private")
    refused = _refused(lambda: read_order_manifest(manifest))
    assert refused.source == "the order manifest" and refused.working


def test_with_roots_a_file_outside_them_is_refused(shop: Path) -> None:
    secret = str(shop.parent / "private" / "secret.dxf")
    refused = _refused(lambda: collect_refs(None, [secret], [], [], roots=[shop]))
    assert refused.source == "drawings.files" and refused.written == secret


def test_with_roots_a_folder_outside_them_is_refused(shop: Path) -> None:
    refused = _refused(lambda: collect_refs(str(shop), [], [], [], roots=[shop.parent / "x"]))
    assert refused.source == "drawings.folder"


def test_with_roots_a_symlink_inside_them_pointing_out_is_refused(shop: Path) -> None:
    (shop / "link.dxf").symlink_to(shop.parent / "private" / "secret.dxf")
    refused = _refused(lambda: collect_refs(str(shop), [], [], [], roots=[shop]))
    assert "link.dxf" in refused.written


def test_with_roots_drawings_inside_them_and_urls_are_taken(shop: Path) -> None:
    url = "https://erp.example.com/plate.dxf"
    refs, _ = collect_refs(str(shop), [], [url], [], roots=[shop.parent])
    assert [(r.file, r.url) for r in refs] == [("gusset.dxf", None), ("plate.dxf", url)]


# --- only regular files, size checked before reading, bounded read -------------------------------


def test_a_fifo_is_refused_without_blocking(fifo: Path) -> None:
    with pytest.raises(FileRefused) as caught:
        _within(NO_BLOCK_S, lambda: read_regular_file(fifo, 1000))
    assert caught.value.kind == "not_a_file" and "FIFO" in str(caught.value)


def test_an_endless_device_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="character device") as caught:
        _within(NO_BLOCK_S, lambda: read_regular_file(Path("/dev/zero"), 1000))
    assert caught.value.kind == "not_a_file"


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="folder"):
        read_regular_file(tmp_path, 1000)


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.dxf"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        with pytest.raises(FileRefused, match="socket"):
            read_regular_file(path, 1000)


def test_a_file_above_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.dxf"
    with big.open("wb") as handle:  # sparse: 300 MB to stat, nothing on disk
        handle.truncate(300 * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(FileRefused) as caught:
            read_regular_file(big, 20 * 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024  # nothing of the file was read
    assert caught.value.kind == "file_too_large"
    assert "314,572,800 bytes" in str(caught.value) and "20,971,520" in str(caught.value)


@pytest.mark.skipif(not Path("/proc/self/maps").is_file(), reason="needs Linux's /proc")
def test_a_file_holding_more_than_its_size_says_is_read_no_further_than_the_limit() -> None:
    # /proc/self/maps stats as 0 bytes and holds kilobytes: a file grown since it was checked.
    with pytest.raises(FileRefused, match="more than 100 bytes once read") as caught:
        read_regular_file(Path("/proc/self/maps"), 100)
    assert caught.value.kind == "file_too_large"


def test_a_file_within_the_limit_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "small.dxf"
    path.write_bytes(b"x" * 1000)
    assert read_regular_file(path, 1000) == b"x" * 1000


def test_a_manifest_that_is_a_fifo_is_refused_without_blocking(fifo: Path) -> None:
    with pytest.raises(ManifestError, match="FIFO"):
        _within(NO_BLOCK_S, lambda: read_order_manifest(fifo))


def test_a_manifest_that_is_a_device_is_refused(tmp_path: Path) -> None:
    # /dev a root, so that the device itself is what is refused, not its place.
    with pytest.raises(ManifestError, match="character device"):
        _within(NO_BLOCK_S, lambda: read_order_manifest("/dev/zero", roots=[Path("/dev")]))


def test_a_manifest_above_its_limit_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    with path.open("wb") as handle:
        handle.truncate(MAX_MANIFEST_BYTES + 1)
    with pytest.raises(ManifestError, match=f"{MAX_MANIFEST_BYTES:,} bytes"):
        read_order_manifest(path)


# --- no error quotes a file's content -------------------------------------------------------------


def test_a_bad_cell_is_quoted_short(tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + f"a.dxf,{'9' * 30}{MARKER},S235JR,3,0\n")
    with pytest.raises(ManifestError) as caught:
        read_order_manifest(path)
    assert "orders.csv line 2, column 'quantity'" in str(caught.value)
    assert MARKER not in str(caught.value) and "..." in str(caught.value)


# --- quantities --------------------------------------------------------------------------------


def test_an_absurd_quantity_is_refused_naming_the_line_and_the_limit(shop: Path) -> None:
    path = shop / "orders.csv"
    path.write_text(HEADER + "gusset.dxf,1000000000,S235JR,3,0\n")
    with pytest.raises(ManifestError) as caught:
        read_order_manifest(path)
    assert "orders.csv line 2, column 'quantity'" in str(caught.value)
    assert f"{MAX_QUANTITY:,}" in str(caught.value)


@pytest.mark.parametrize("quantity", ["0", "-3"])
def test_a_quantity_below_one_is_refused_naming_the_line(shop: Path, quantity: str) -> None:
    path = shop / "orders.csv"
    path.write_text(HEADER + f"gusset.dxf,{quantity},S235JR,3,0\n")
    with pytest.raises(
        ManifestError, match=r"line 2, column 'quantity'.*greater than or equal to 1"
    ):
        read_order_manifest(path)


def test_the_largest_quantity_is_taken(shop: Path) -> None:
    path = shop / "orders.csv"
    path.write_text(HEADER + f"gusset.dxf,{MAX_QUANTITY},S235JR,3,0\n")
    assert [line.quantity for line in read_order_manifest(path)] == [MAX_QUANTITY]


def test_summed_lines_above_the_limit_are_refused_naming_both(shop: Path) -> None:
    half = MAX_QUANTITY // 2 + 1
    path = shop / "orders.csv"
    path.write_text(HEADER + f"gusset.dxf,{half},S235JR,3,0\ngusset.dxf,{half},S235JR,3,0\n")
    with pytest.raises(ManifestError, match=rf"lines 2 and 3 .*{MAX_QUANTITY:,}"):
        read_order_manifest(path)
