"""The real-drawing corpus: DXF files from public sources, with expected answers.

The files are in ``real/`` (where each comes from and its licence: ``real/SOURCES.md``); the
expected answers in ``real/expected.json``, measured by ``real/measure.py`` (ezdxf + shapely,
independent of nestflow's reader). A ``derived`` entry is a real file rewritten at test time:
``binary`` (saved by ezdxf as binary DXF) or ``crlf`` (Windows line ends).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import ezdxf

try:  # imported as a package by the suite, loaded by path by the bench
    from tests.geometry.corpus.malformed import Case
except ImportError:  # pragma: no cover
    import sys

    Case = sys.modules["corpus_malformed"].Case

FOLDER = Path(__file__).parent / "real"


def as_binary(path: Path) -> bytes:
    """The drawing saved by ezdxf as binary DXF."""
    stream = io.BytesIO()
    ezdxf.readfile(path).write(stream, fmt="bin")
    return stream.getvalue()


def as_crlf(path: Path) -> bytes:
    """The drawing with Windows line ends (CRLF) throughout."""
    return path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


_DERIVED = {None: Path.read_bytes, "binary": as_binary, "crlf": as_crlf}


def cases() -> list[Case]:
    """One case per entry of ``expected.json``."""
    entries = json.loads((FOLDER / "expected.json").read_text(encoding="utf-8"))["drawings"]
    out = []
    for entry in entries:
        path = FOLDER / entry["file"]
        derived = entry.get("derived")
        name = path.stem + (f"-{derived}" if derived else "")
        build = lambda path=path, how=_DERIVED[derived]: how(path)  # noqa: E731
        if "refused" in entry:
            out.append(Case(name, build, kinds=frozenset(entry["refused"]), why=entry["why"]))
        else:
            out.append(Case(name, build, parts=entry["parts"], area=entry["area"], why="real"))
    return out
