"""What a DXF file declares, counted from its raw tags, against what ezdxf loaded.

ezdxf repairs damaged files by dropping what it cannot keep: the second of two entities sharing
a handle, an INSERT of a block that does not exist, a SPLINE with too few knots. It says so in
its audit's fixes, in words meant for people. Reading on would cut the part without the dropped
geometry (the issue's 100 x 100 plate read as its 20 mm hole). So the file's own tags are
counted here, per container (modelspace, each block), for the entity types that make or place
geometry, and compared with the loaded document: whatever is missing is named, by type and
handle, whatever the repair was.

Only the entity types that become cut or marking geometry are counted (:data:`COUNTED`); an
ezdxf repair of anything else (a dictionary, a table entry) loses no geometry.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ezdxf.document import Drawing
from ezdxf.lldxf.const import DXFError
from ezdxf.lldxf.tagger import binary_tags_loader
from ezdxf.lldxf.types import DXFTag
from ezdxf.recover import bytes_loader, synced_bytes_loader

#: Entity types that make or place geometry: what must not go missing.
COUNTED = frozenset(
    {
        "LINE",
        "ARC",
        "CIRCLE",
        "LWPOLYLINE",
        "POLYLINE",
        "ELLIPSE",
        "SPLINE",
        "INSERT",
        "TEXT",
        "MTEXT",
    }
)
#: Container name of the modelspace (block names are upper-cased; no block has this name).
MODEL = "*MODEL_SPACE"
_PAPER = "*PAPER"


@dataclass
class Declared:
    """Entities the file declares, per container (``MODEL`` or a block name, upper case).

    Attributes:
        counts: Number of entities per ``(container, dxftype)``.
        handles: Handles per ``(container, dxftype)``, in file order.
        inserts: Block names referenced per container.
        duplicates: Handles given to more than one counted entity.
    """

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    handles: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    inserts: dict[str, list[str]] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)

    def reachable(self) -> list[str]:
        """The modelspace and every block its references reach, directly or nested."""
        seen = [MODEL]
        for container in seen:
            for block in self.inserts.get(container, ()):
                if block not in seen:
                    seen.append(block)
        return seen


@dataclass
class Lost:
    """Entities declared in the file but missing from the loaded document.

    Attributes:
        counts: Number lost per DXF type.
        handles: Handles of the lost entities (when the file gave them).
        containers: Where they were lost (``"the modelspace"``, ``"block 'X'"``).
        missing_blocks: Names of referenced blocks that the document does not define.
        duplicates: Handles the file gives to more than one entity.
    """

    counts: Counter[str] = field(default_factory=Counter)
    handles: list[str] = field(default_factory=list)
    containers: list[str] = field(default_factory=list)
    missing_blocks: list[tuple[str, str | None]] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def declared(data: bytes) -> Declared:
    """Count the entities a DXF file declares (ASCII or binary).

    Args:
        data: The file's bytes; ASCII with LF or CRLF line ends (the reader turns old Mac CR-only
            line ends into LF first, as ezdxf's byte loaders split lines on LF).

    Raises:
        DXFError: The tags cannot be read at all.
    """
    if data.startswith(b"AutoCAD Binary DXF"):
        return _count(binary_tags_loader(data, errors="replace"))
    try:
        return _count(bytes_loader(io.BytesIO(data)))
    except (DXFError, ValueError, IndexError):
        # A damaged structure: read everything that looks like a tag, as ezdxf.recover can.
        return _count(synced_bytes_loader(io.BytesIO(data)))


def lost(doc: Drawing, found: Declared) -> Lost:
    """What ``found`` declares that ``doc`` lacks, in the modelspace and the blocks it uses."""
    out = Lost(duplicates=list(found.duplicates))
    for container in found.reachable():
        layout = doc.modelspace() if container == MODEL else doc.blocks.get(container)
        if layout is None:
            continue  # a missing block: named by the INSERT that refers to it
        loaded: Counter[str] = Counter()
        handles: set[str] = set()
        for entity in layout:
            loaded[entity.dxftype()] += 1
            handles.add(str(entity.dxf.get("handle", "")).upper())
        for (where, dxftype), count in sorted(found.counts.items()):
            if where != container or count <= loaded[dxftype]:
                continue
            out.counts[dxftype] += count - loaded[dxftype]
            out.containers.append(
                "the modelspace" if container == MODEL else f"block '{container}'"
            )
            gone = [h for h in found.handles.get((where, dxftype), []) if h not in handles]
            # A duplicate handle is still "loaded" (the other entity has it): name it anyway.
            gone += [
                h
                for h in found.handles.get((where, dxftype), [])
                if h in found.duplicates and h not in gone
            ]
            out.handles.extend(h for h in dict.fromkeys(gone) if h not in out.handles)
        for block in found.inserts.get(container, ()):
            if doc.blocks.get(block) is None:
                out.missing_blocks.append((block, None))
    return out


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").strip()
    return str(value).strip()


def _count(tags: Iterable[DXFTag]) -> Declared:
    out = Declared()
    seen: Counter[str] = Counter()
    for container, dxftype, handle, block in _entities(tags):
        if container == _PAPER:
            continue
        key = (container, dxftype)
        out.counts[key] += 1
        if handle:
            out.handles.setdefault(key, []).append(handle)
            seen[handle] += 1
        if block:
            names = out.inserts.setdefault(container, [])
            if block not in names:
                names.append(block)
    out.duplicates = [handle for handle, n in seen.items() if n > 1]
    return out


def _entities(tags: Iterable[DXFTag]) -> Iterator[tuple[str, str, str, str]]:
    """``(container, dxftype, handle, referenced block)`` of each counted entity, in order."""
    section = ""
    block: str | None = None
    want_section = want_block = False
    current: list[str] | None = None  # [container, dxftype, handle, block name]
    for tag in tags:
        code = tag.code
        if code == 0:
            if current is not None:
                yield current[0], current[1], current[2], current[3]
                current = None
            value = _text(tag.value).upper()
            want_section = value == "SECTION"
            if value == "ENDSEC":
                section, block = "", None
            elif section == "BLOCKS" and value == "BLOCK":
                want_block, block = True, ""
            elif section == "BLOCKS" and value == "ENDBLK":
                block = None
            elif section in ("ENTITIES", "BLOCKS") and value in COUNTED:
                container = MODEL if section == "ENTITIES" else (block or "")
                current = [container, value, "", ""]
            continue
        if want_section and code == 2:
            section, want_section = _text(tag.value).upper(), False
        elif want_block and code == 2:
            block, want_block = _text(tag.value).upper(), False
        elif current is not None:
            if code == 5:
                current[2] = _text(tag.value).upper()
            elif code == 67 and _text(tag.value) == "1" and current[0] == MODEL:
                current[0] = _PAPER
            elif code == 2 and current[1] == "INSERT":
                current[3] = _text(tag.value).upper()
    if current is not None:
        yield current[0], current[1], current[2], current[3]
