"""Drawings in: where each drawing is, the terms it is ordered with, and what reading it gave.

The rules of the intake, with no I/O beyond listing a folder: which DXF files a folder or glob
holds, every drawing of a run once per file name, the manifest's terms for a drawing (or why its
line is refused), and the engines' order lines from the checked drawings.
"""

from __future__ import annotations

import glob
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, Field

from nestflow.engines.base import PartOrder
from nestflow.geometry.manifest import ManifestLine
from nestflow.geometry.models import Part
from nestflow.geometry.reader import DrawingFailure

GLOB_CHARACTERS = frozenset("*?[")


class DrawingLocation(BaseModel):
    """A drawing to read: a local file or a URL, and the file name it is known by."""

    file: str = Field(description="File name, unique within the run.")
    path: str | None = None
    url: str | None = None


class OrderTerms(BaseModel):
    """How many of a drawing's parts to cut and how they may be turned."""

    quantity: int = Field(default=1, ge=1)
    rotations: list[float] = Field(default_factory=lambda: [0.0, 90.0, 180.0, 270.0])
    flip: bool = False
    manifest_line: int | None = None


class CheckedDrawing(BaseModel):
    """A drawing after reading: its parts, or why it cannot be cut."""

    ref: DrawingLocation
    sha256: str = ""
    content: bytes = Field(
        default=b"",
        exclude=True,
        repr=False,
        description="The bytes that were checked (and hashed): what the engines are sent.",
    )
    parts: list[Part] = Field(default_factory=list)
    failure: DrawingFailure | None = None
    terms: OrderTerms = Field(default_factory=OrderTerms)

    @property
    def ok(self) -> bool:
        """True when the drawing gave parts and no failure."""
        return self.failure is None and bool(self.parts)


class Intake(BaseModel):
    """The drawings of a run after reading: those that will be nested and those rejected."""

    drawings: list[CheckedDrawing] = Field(default_factory=list)
    rejected: list[DrawingFailure] = Field(default_factory=list)

    @property
    def files(self) -> list[str]:
        """File names of the drawings that will be nested."""
        return [d.ref.file for d in self.drawings]

    def part_areas(self) -> dict[str, float]:
        """Part name -> net area, for measuring layouts that name parts."""
        return {p.name: p.area for d in self.drawings for p in d.parts}


class DrawingToCheck(BaseModel):
    """A drawing and the terms it is ordered with (or why its order line is refused)."""

    ref: DrawingLocation
    terms: OrderTerms | DrawingFailure


def find_dxf_files(folder_or_glob: str) -> list[Path]:
    """The DXF files of a folder (top level, any case of ``.dxf``) or matching a glob pattern.

    Args:
        folder_or_glob: A folder, or a pattern such as ``inbox/**/*.dxf`` (``**`` recurses).

    Returns:
        Absolute paths, sorted.

    Raises:
        FileNotFoundError: A folder that does not exist.
    """
    if GLOB_CHARACTERS & set(folder_or_glob):
        matches = glob.glob(str(Path(folder_or_glob).expanduser()), recursive=True)
        return sorted(Path(m).resolve() for m in matches if Path(m).is_file())
    folder = Path(folder_or_glob).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"drawing folder {folder.resolve()} does not exist")
    return sorted(
        p.resolve() for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".dxf"
    )


def url_file_name(url: str) -> str:
    """The file name at the end of a URL's path (``drawing.dxf`` when there is none).

    Args:
        url: The drawing's URL.

    Returns:
        The last segment of the URL's path, percent-decoded.
    """
    name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    return name or "drawing.dxf"


def collect_refs(
    folder: str | None, files: list[str], urls: list[str], manifest: list[ManifestLine]
) -> tuple[list[DrawingLocation], list[DrawingFailure]]:
    """Every drawing of the run, once per file name; a repeated name is a failure.

    With no folder, files or URLs, the manifest's files are the drawings.

    Args:
        folder: A folder or glob pattern of DXF files (see :func:`find_dxf_files`), or None.
        files: Single DXF files.
        urls: URLs of DXF files.
        manifest: The order manifest's lines.

    Returns:
        The drawings, once per file name, and a failure per other drawing of a name already used.

    Raises:
        FileNotFoundError: ``folder`` is a folder that does not exist.
    """
    paths = [str(p) for p in find_dxf_files(folder)] if folder else []
    paths += [str(Path(f).expanduser().resolve()) for f in files]
    if not (folder or files or urls):
        paths = [str(line.file.resolve()) for line in manifest]
    refs = [DrawingLocation(file=Path(p).name, path=p) for p in paths]
    refs += [DrawingLocation(file=url_file_name(u), url=u) for u in urls]
    unique: dict[str, DrawingLocation] = {}
    failures = []
    for ref in refs:
        first = unique.setdefault(ref.file, ref)
        if first is not ref and (first.path, first.url) != (ref.path, ref.url):
            where = ref.path or ref.url
            failures.append(
                DrawingFailure(
                    file=ref.file,
                    kind="duplicate_name",
                    message=f"another drawing is already named {ref.file}; rename {where}",
                )
            )
    return list(unique.values()), failures


def terms_for(
    ref: DrawingLocation,
    manifest: list[ManifestLine],
    default: OrderTerms,
    material: str,
    thickness: float,
) -> OrderTerms | DrawingFailure:
    """The manifest's terms for a drawing (matched by file name), else the run's defaults.

    A manifest line for another material or thickness is a failure: a job is cut from one sheet.

    Args:
        ref: The drawing.
        manifest: The order manifest's lines.
        default: The run's terms, for a drawing the manifest does not list.
        material: The material this run cuts.
        thickness: The sheet thickness this run cuts, mm.

    Returns:
        The drawing's terms, or the failure refusing its manifest line.
    """
    line = next((m for m in manifest if m.file.name == ref.file), None)
    if line is None:
        return default
    if line.material.lower() != material.lower() or abs(line.thickness - thickness) > 1e-6:
        return DrawingFailure(
            file=ref.file,
            kind="other_material",
            message=(
                f"manifest line {line.line} asks for {line.material} {line.thickness:g} mm, "
                f"this run cuts {material} {thickness:g} mm: nest it in a run for that material"
            ),
        )
    return OrderTerms(
        quantity=line.quantity,
        rotations=list(line.rotations),
        flip=line.flip,
        manifest_line=line.line,
    )


def order_lines(drawings: list[CheckedDrawing]) -> list[PartOrder]:
    """One line per part of each checked drawing, with the drawing's order terms.

    Args:
        drawings: The checked drawings to nest.

    Returns:
        The engines' order lines, drawing by drawing, part by part.
    """
    return [
        PartOrder(
            part=part,
            quantity=drawing.terms.quantity,
            rotations=tuple(drawing.terms.rotations),
            flip=drawing.terms.flip,
        )
        for drawing in drawings
        for part in drawing.parts
    ]
