"""A corpus of hostile and odd order manifests, generated, each with the outcome it must have.

Every case is the bytes of an ``orders.csv`` and what reading it must give: the orders (file name
and quantity of each), or a refusal of a named type whose message names the manifest, the line
(when one is at fault) and the problem. The suite runs them all (``test_corpus.py``) and
``bench/bench_corpus_manifest.py`` tallies them (read right, refused with a clear reason,
accepted wrongly, raw error, hang).

The module imports nothing of nestflow, so the bench can run it against an older checkout; the
limits it tests are written out here (:data:`LINE_LIMIT`, :data:`CELL_LIMIT`) and a test checks
they are nestflow's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: nestflow.geometry.manifest.MAX_LINES: most lines a manifest may have after its header.
LINE_LIMIT = 10_000
#: nestflow.geometry.manifest.MAX_CELL: most characters in one cell.
CELL_LIMIT = 4096
#: nestflow.geometry.manifest.MAX_QUANTITY: most copies of one drawing.
QUANTITY_LIMIT = 100_000
#: nestflow.intake.MAX_MANIFEST_BYTES.
BYTE_LIMIT = 10 * 1024 * 1024

#: Longest refusal message: enough to name the file, line, column and fix, too short to echo a
#: cell of the file back.
MAX_MESSAGE = 600

HEADER = "file,quantity,material,thickness,rotations,flip\n"
ROW = "a.dxf,2,S235JR,3,0;90,no\n"


@dataclass(frozen=True)
class Case:
    """One manifest and the outcome it must have.

    Attributes:
        name: The case's id in the suite.
        content: Makes the manifest's bytes (a function, so big cases are built only when run).
        orders: For a manifest that must be read: (file name, quantity) of each order, in order.
        error: For one that must be refused: the error's class name (``ManifestError``,
            ``PlaceRefused``).
        says: Words the refusal must contain (the problem, in the user's terms); the message
            is at most :data:`MAX_MESSAGE` characters long.
        line: The line the refusal must name (``line N`` in the message), when one is at fault.
        big: Megabytes of input or many lines: the case that was slow or quadratic.
    """

    name: str
    content: Callable[[], bytes]
    orders: tuple[tuple[str, int], ...] | None = None
    error: str = ""
    says: str = ""
    line: int | None = None
    big: bool = False


def _text(text: str, encoding: str = "utf-8") -> Callable[[], bytes]:
    return lambda: text.encode(encoding)


def _raw(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def _rows(*rows: str, header: str = HEADER) -> Callable[[], bytes]:
    return _text(header + "".join(f"{row}\n" for row in rows))


def read(
    name: str, content: Callable[[], bytes], *orders: tuple[str, int], big: bool = False
) -> Case:
    """A manifest that must be read into ``orders``."""
    return Case(name, content, orders=orders, big=big)


def refused(
    name: str,
    content: Callable[[], bytes],
    says: str,
    line: int | None = None,
    error: str = "ManifestError",
    big: bool = False,
) -> Case:
    """A manifest that must be refused with ``error``, saying ``says`` about ``line``."""
    return Case(name, content, error=error, says=says, line=line, big=big)


def _identical(count: int) -> Callable[[], bytes]:
    return lambda: (HEADER + "a.dxf,1,S235JR,3,0,no\n" * count).encode()


def _distinct(count: int) -> Callable[[], bytes]:
    """``count`` lines, each for its own drawing, short enough for 600,000 under the byte cap."""
    header = "file,quantity,material,thickness,rotations\n"
    return lambda: (header + "".join(f"p{i},1,S,3,0\n" for i in range(count))).encode()


def _cell(size: int, column: int = 0) -> Callable[[], bytes]:
    """A row whose cell ``column`` is ``size`` characters long (an unknown column when 6)."""

    def make() -> bytes:
        cells = ["a.dxf", "2", "S235JR", "3", "0", "no", "note"]
        cells[column] = "x" * size
        return (HEADER.rstrip("\n") + ",note\n" + ",".join(cells) + "\n").encode()

    return make


def corpus() -> list[Case]:
    """Every case, about 80: what a shop's spreadsheet writes, and what an attacker would."""
    return [
        # --- read: what spreadsheets and ERP exports write ----------------------------------
        read("plain", _rows(ROW.strip()), ("a.dxf", 2)),
        read("utf8_bom", _text(HEADER + ROW, "utf-8-sig"), ("a.dxf", 2)),
        read("crlf", _text((HEADER + ROW).replace("\n", "\r\n")), ("a.dxf", 2)),
        read("cr_only", _text((HEADER + ROW).replace("\n", "\r")), ("a.dxf", 2)),
        read("no_final_newline", _text(HEADER + ROW.strip()), ("a.dxf", 2)),
        read(
            "semicolons_decimal_comma",
            _text('file;quantity;material;thickness;rotations\na.dxf;2;S235;2,5;"0;90"\n'),
            ("a.dxf", 2),
        ),
        read(
            "tabs",
            _text("file\tquantity\tmaterial\tthickness\trotations\na.dxf\t2\tS\t3\t0\n"),
            ("a.dxf", 2),
        ),
        read("capital_header", _rows(ROW.strip(), header=HEADER.title()), ("a.dxf", 2)),
        read(
            "spaces_in_header",
            _rows(ROW.strip(), header=" file , quantity ,material,thickness,rotations,flip\n"),
            ("a.dxf", 2),
        ),
        read(
            "unknown_columns",
            _rows("a.dxf,2,S235JR,3,0,no,urgent,42", header=HEADER.strip() + ",note,customer\n"),
            ("a.dxf", 2),
        ),
        read(
            "units_inch",
            _rows("a.dxf,2,S235JR,3,0,no,inch", header=HEADER.strip() + ",units\n"),
            ("a.dxf", 2),
        ),
        read(
            "blank_lines",
            _rows("", ROW.strip(), "", ",,,,,", "b.dxf,3,S235JR,3,0,no"),
            ("a.dxf", 2),
            ("b.dxf", 3),
        ),
        read("trailing_empty_cells", _rows("a.dxf,2,S235JR,3,0,no,,,"), ("a.dxf", 2)),
        read("quoted_cells", _rows('"a.dxf","2","S235JR","3","0;90","no"'), ("a.dxf", 2)),
        read("identical_lines_summed", _rows(ROW.strip(), ROW.strip(), ROW.strip()), ("a.dxf", 6)),
        read(
            "unicode_file_name",
            _rows("Halterung ü 10×20.dxf,2,S235JR,3,0,no"),
            ("Halterung ü 10×20.dxf", 2),
        ),
        read("subfolder", _rows("parts/a.dxf,2,S235JR,3,0,no"), ("a.dxf", 2)),
        read("formula_material", _rows('a.dxf,2,"=HYPERLINK(""http://x"")",3,0,no'), ("a.dxf", 2)),
        read(
            "formula_file_name",
            _rows("=cmd.dxf,2,S235JR,3,0,no", "@SUM(A1).dxf,1,S235JR,3,0,no"),
            ("=cmd.dxf", 2),
            ("@SUM(A1).dxf", 1),
        ),
        read("quantity_with_spaces", _rows("a.dxf, 12 ,S235JR,3,0,no"), ("a.dxf", 12)),
        read("rotations_with_spaces", _rows("a.dxf,2,S235JR,3,0 90 180,no"), ("a.dxf", 2)),
        read(
            "quantity_at_the_limit",
            _rows(f"a.dxf,{QUANTITY_LIMIT},S235JR,3,0,no"),
            ("a.dxf", QUANTITY_LIMIT),
        ),
        read(
            "sum_at_the_quantity_limit",
            _rows(*[f"a.dxf,{QUANTITY_LIMIT // 10},S235JR,3,0,no"] * 10),
            ("a.dxf", QUANTITY_LIMIT),
        ),
        read("long_cell_at_the_limit", _cell(CELL_LIMIT, 6), ("a.dxf", 2)),
        read("lines_at_the_limit", _identical(LINE_LIMIT), ("a.dxf", LINE_LIMIT), big=True),
        read(
            "distinct_lines_at_the_limit",
            _distinct(LINE_LIMIT),
            *[(f"p{i}", 1) for i in range(LINE_LIMIT)],
            big=True,
        ),
        # --- refused: not a manifest --------------------------------------------------------
        refused("zero_bytes", _raw(b""), "empty file", 1),
        refused("only_bom", _raw(b"\xef\xbb\xbf"), "empty file", 1),
        refused("only_newlines", _text("\n\n\n"), "empty file"),
        refused("only_header", _text(HEADER), "no drawings listed"),
        refused("header_and_blank_lines", _text(HEADER + "\n\n,,,\n"), "no drawings listed"),
        refused(
            "missing_quantity_column",
            _rows("a.dxf,S235JR,3,0", header="file,material,thickness,rotations\n"),
            "missing column(s) quantity",
            1,
        ),
        refused("no_header", _text(ROW * 2), "missing column(s)", 1),
        refused(
            "duplicate_column",
            _rows(
                "a.dxf,2,S235JR,3,0,5",
                header="file,quantity,material,thickness,rotations,quantity\n",
            ),
            "quantity appears twice",
            1,
        ),
        refused(
            "duplicate_column_other_case",
            _rows(
                "a.dxf,2,S235JR,3,0,b.dxf",
                header="File,quantity,material,thickness,rotations,FILE\n",
            ),
            "file appears twice",
            1,
        ),
        refused(
            "a_dxf_file",
            _text("  0\nSECTION\n  2\nHEADER\n  0\nENDSEC\n  0\nEOF\n"),
            "missing column(s)",
            1,
        ),
        refused(
            "png_bytes",
            _raw(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
            "not UTF-8",
            1,
        ),
        refused("utf16_excel_unicode_text", _text(HEADER + ROW, "utf-16"), "UTF-16", 1),
        refused("utf16_without_bom", _text(HEADER + ROW, "utf-16-le"), "NUL", 1),
        refused(
            "latin1_file_name",
            _text(HEADER + ROW + "Stück.dxf,2,S235JR,3,0,no\n", "latin-1"),
            "not UTF-8",
            3,
        ),
        refused("latin1_header", _text("Datei,Stückzahl\n", "latin-1"), "not UTF-8", 1),
        refused("nul_in_file_name", _rows(ROW.strip(), "a\x00.dxf,2,S235JR,3,0,no"), "NUL", 3),
        refused(
            "escape_in_file_name", _rows("a\x1b[31m.dxf,2,S235JR,3,0,no"), "control character", 2
        ),
        refused(
            "newline_in_quoted_file_name",
            _rows('"a\n.dxf",2,S235JR,3,0,no'),
            "over several lines",
            2,
        ),
        refused(
            "unclosed_quote",
            _rows('"a.dxf,2,S235JR,3,0,no', ROW.strip(), ROW.strip()),
            "over several lines",
            2,
        ),
        # --- refused: cells -----------------------------------------------------------------
        refused("cell_of_1_mb", _cell(1024 * 1024), "longer than", 2, big=True),
        refused("cell_of_200_kb", _cell(200 * 1024), "longer than", 2),
        refused("cell_over_the_limit", _cell(CELL_LIMIT + 1), "longer than", 2),
        refused("ignored_column_of_1_mb", _cell(1024 * 1024, 6), "longer than", 2, big=True),
        refused(
            "header_cell_of_1_mb",
            _text("file," + "q" * 1024 * 1024 + "\n" + ROW),
            "longer than",
            1,
            big=True,
        ),
        refused("quantity_zero", _rows("a.dxf,0,S235JR,3,0,no"), "greater than or equal to 1", 2),
        refused(
            "quantity_negative", _rows("a.dxf,-5,S235JR,3,0,no"), "greater than or equal to 1", 2
        ),
        refused("quantity_huge", _rows("a.dxf,1000000000,S235JR,3,0,no"), "MAX_QUANTITY", 2),
        refused(
            "quantity_of_4000_digits",
            _rows("a.dxf," + "9" * 4000 + ",S235JR,3,0,no"),
            "quantity",
            2,
        ),
        refused("quantity_text", _rows("a.dxf,many,S235JR,3,0,no"), "valid integer", 2),
        refused("quantity_decimal", _rows("a.dxf,2.5,S235JR,3,0,no"), "valid integer", 2),
        refused("quantity_exponent", _rows("a.dxf,1e3,S235JR,3,0,no"), "valid integer", 2),
        refused("quantity_empty", _rows("a.dxf,,S235JR,3,0,no"), "quantity", 2),
        refused("thickness_zero", _rows("a.dxf,2,S235JR,0,0,no"), "greater than 0", 2),
        refused("thickness_negative", _rows("a.dxf,2,S235JR,-3,0,no"), "greater than 0", 2),
        refused("thickness_nan", _rows("a.dxf,2,S235JR,nan,0,no"), "thickness", 2),
        refused("thickness_inf", _rows("a.dxf,2,S235JR,inf,0,no"), "finite", 2),
        refused("thickness_overflow", _rows("a.dxf,2,S235JR,1e400,0,no"), "finite", 2),
        refused("rotations_text", _rows("a.dxf,2,S235JR,3,up,no"), "rotations", 2),
        refused("rotations_360", _rows("a.dxf,2,S235JR,3,0;360,no"), "[0, 360)", 2),
        refused("rotations_nan", _rows("a.dxf,2,S235JR,3,nan,no"), "[0, 360)", 2),
        refused("rotations_comma", _rows('a.dxf,2,S235JR,3,"0,90",no'), "separate the angles", 2),
        refused("flip_maybe", _rows("a.dxf,2,S235JR,3,0,maybe"), "write yes or no", 2),
        refused(
            "units_cm",
            _rows("a.dxf,2,S235JR,3,0,no,cm", header=HEADER.strip() + ",units\n"),
            "write mm or inch",
            2,
        ),
        refused("file_empty", _rows(",2,S235JR,3,0,no"), "file name is required", 2),
        refused("material_empty", _rows("a.dxf,2,,3,0,no"), "material", 2),
        refused("file_name_of_300_characters", _rows("a" * 296 + ".dxf,2,S235JR,3,0,no"), "255", 2),
        refused("fewer_cells", _rows("a.dxf,2,S235JR"), "fewer cells than the header", 2),
        refused(
            "more_cells",
            _rows("a.dxf,2,S235JR,3,0,no,x,y", ROW.strip()),
            "cells but the header has",
            2,
        ),
        # --- refused: lines -----------------------------------------------------------------
        refused(
            "same_drawing_other_rotations",
            _rows(ROW.strip(), "a.dxf,2,S235JR,3,0,yes"),
            "different terms",
            3,
        ),
        refused(
            "same_name_two_folders",
            _rows(ROW.strip(), "sub/a.dxf,2,S235JR,3,0;90,no"),
            "two different files",
            3,
        ),
        refused(
            "sum_over_the_quantity_limit",
            _rows(*[f"a.dxf,{QUANTITY_LIMIT // 10},S235JR,3,0,no"] * 11),
            "MAX_QUANTITY",
            12,
        ),
        refused(
            "one_line_over_the_limit",
            _identical(LINE_LIMIT + 1),
            "MAX_LINES",
            LINE_LIMIT + 2,
            big=True,
        ),
        refused("identical_lines_200k", _identical(200_000), "MAX_LINES", LINE_LIMIT + 2, big=True),
        refused("distinct_lines_600k", _distinct(600_000), "MAX_LINES", LINE_LIMIT + 2, big=True),
        refused(
            "blank_lines_10_mib",
            lambda: (HEADER + ROW + "\n" * (BYTE_LIMIT - 100)).encode(),
            "MAX_LINES",
            LINE_LIMIT + 2,
            big=True,
        ),
        # --- refused: places (the intake's rule, reported per line) -------------------------
        refused(
            "path_traversal",
            _rows(ROW.strip(), "../../etc/passwd,1,S235JR,3,0,no"),
            "lies outside",
            3,
            "PlaceRefused",
        ),
        refused(
            "absolute_path", _rows("/etc/passwd,1,S235JR,3,0,no"), "lies outside", 2, "PlaceRefused"
        ),
        refused(
            "over_the_byte_limit",
            lambda: (HEADER + ROW + "#" * BYTE_LIMIT).encode(),
            "above the limit",
            big=True,
        ),
    ]
