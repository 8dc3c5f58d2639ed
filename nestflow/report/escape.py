"""Text from users and vendors made safe for the files and artifacts a run writes.

Job names, materials, file and part names come from whoever starts a run or drops a manifest;
layout ids, states and error texts come from the vendors. Written as they are, they attack their
reader:

* **CSV** (the pick list): a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return is a formula to Excel and LibreOffice (``=HYPERLINK(...)``, ``@SUM(...)``, DDE). Such a
  text cell gets a leading ``'`` (OWASP's advice: the sheet shows it as text). A cell that is a
  number (``-5``, ``+2.5``) stays a number: it is no formula, and a column of figures must stay
  figures.
* **Markdown** (the Prefect report and artifact descriptions): ``[c](javascript:...)``,
  ``<img onerror=...>``, a line break followed by ``# H1`` or a table row, a ``|`` inside a table
  cell, a backtick. :func:`markdown_text` is the one function every such text goes through:
  line breaks become spaces, HTML's ``<``, ``>`` and ``&`` become entities (:func:`html.escape`,
  as the HTML sheet report escapes its texts), and the characters markdown gives meaning (link
  and image brackets, emphasis, code, pipes, a leading heading or list marker) are
  backslash-escaped, so the text reads as written and does nothing. :func:`markdown_code` shows
  a path in a code span, which nothing can leave.
"""

from __future__ import annotations

import math
import re
from html import escape

#: First characters that make a spreadsheet cell a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Line breaks of any kind: each would let the rest of a text start a block of its own.
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
#: Characters backslash-escaped anywhere: links and images (``[ ]``), emphasis (``*``, ``~``),
#: code (`````), table cells (``|``) and the escape itself.
_ANYWHERE = re.compile(r"([\\`*\[\]|~])")
#: ``_`` makes emphasis only at a word's edge; inside a word (``open_contour.dxf``) it is kept.
_EDGE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
#: What starts a block at a line's start (heading, list, quote, setext line, numbered list).
_BLOCK_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def csv_cell(value: str) -> str:
    """A CSV cell's text that no spreadsheet runs as a formula.

    Args:
        value: The cell's text.

    Returns:
        ``value`` with a leading ``'`` when it starts with one of :data:`FORMULA_STARTS` and is
        not a number; else ``value`` unchanged.
    """
    if not value.startswith(FORMULA_STARTS) or _is_number(value):
        return value
    return "'" + value


def _is_number(value: str) -> bool:
    """A finite decimal number as written in a figure column (``-5``, ``+2.5``, ``-1e3``)."""
    try:
        return math.isfinite(float(value)) and value == value.strip()
    except ValueError:
        return False


def markdown_text(value: object) -> str:
    """Any text shown as itself in markdown: one line, no link, image, HTML, code or block.

    Args:
        value: The text (or anything, shown as its ``str``).

    Returns:
        The escaped text: fit for a paragraph, a list item, a heading or a table cell.
    """
    text = _LINE_BREAKS.sub(" ", str(value))
    text = escape(text, quote=False)
    text = _ANYWHERE.sub(r"\\\1", text)
    text = _EDGE_UNDERSCORE.sub(r"\\_", text)
    return _BLOCK_START.sub(_escape_block_start, text, count=1)


def _escape_block_start(match: re.Match[str]) -> str:
    """A backslash before the block's marker; for a numbered list's, before its dot."""
    space, marker = match.groups()
    return f"{space}{marker[:-1]}\\{marker[-1]}" if len(marker) > 1 else f"{space}\\{marker}"


def markdown_code(value: object) -> str:
    """A path or name in a code span (shown verbatim, monospaced), whatever it holds.

    The fence is one backtick longer than the longest run of backticks inside, as CommonMark
    asks, so no backtick of ``value`` ends the span; line breaks become spaces, since a break
    would let the next line start a block before the span is even seen.

    Args:
        value: The text.

    Returns:
        The code span.
    """
    text = _LINE_BREAKS.sub(" ", str(value))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if longest or text.startswith(" ") or text.endswith(" ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
