"""What the first bytes of a DXF file look like, without reading it (no ezdxf import).

Shared by the drawing reader (a file that is plainly not a DXF is refused saying so) and the
CloudNest client (a layout download must be the file, not an error page).
"""

from __future__ import annotations

#: The first bytes of a binary DXF file.
BINARY_SENTINEL = b"AutoCAD Binary DXF"
#: A DXF file's first section starts within this many bytes (after its comments, if any).
SNIFF_BYTES = 64 * 1024


def starts_like_dxf(content: bytes) -> bool:
    """Whether ``content`` starts as a DXF file: binary, or ``0`` / ``SECTION`` first.

    Comments (group code 999), a UTF-8 byte order mark and blank lines may come before the
    first section, as DXF readers tolerate them; any line ending counts.
    """
    if content.startswith(BINARY_SENTINEL):
        return True
    lines = content[:SNIFF_BYTES].removeprefix(b"\xef\xbb\xbf").lstrip().splitlines()
    for code, value in zip(lines[0::2], lines[1::2], strict=False):
        if code.strip() == b"999":
            continue
        return code.strip() == b"0" and value.strip() == b"SECTION"
    return False
