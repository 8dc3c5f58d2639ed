"""Starting a flow by name from the command line (``nestflow run``).

The command line's flags become flow parameters here, in pure functions: they are merged over the
``--params`` JSON (the flags win) and validated by the flows' own pydantic models, so a bad value
is refused before anything runs, with pydantic's reason in one line (:class:`UsageError`).
"""

from __future__ import annotations

import glob
import importlib
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

# Only the Prefect-free core at import: ``nestflow --help`` and a refused flag or path never
# wait for Prefect, the flows or the geometry libraries; they are imported when a run starts.
from nestflow.run_options import (
    DEFAULT_ENGINES,
    DEFAULT_QUOTE_ENGINE,
    DrawingSource,
    EngineName,
    MaterialSpec,
    NestingSettings,
    RunChoices,
    TargetKind,
    Units,
)

if TYPE_CHECKING:
    from prefect.blocks.core import Block

_NUMBER = r"\s*(\d+(?:\.\d*)?)\s*"
_SHEET = re.compile(rf"^{_NUMBER}[xX]{_NUMBER}[xX]\s*(\d+)\s*$")

#: The parameters of the quote flow checked before Prefect is imported, with the model of each.
_QUOTE_CHOICES: dict[str, Any] = {
    "drawings": DrawingSource,
    "material": MaterialSpec,
    "nesting": NestingSettings,
    "engine": EngineName,
    "units": Units,
}


def run_failures() -> tuple[type[BaseException], ...]:
    """Failures of a run that are the user's to fix: said in one line, traceback in the log."""
    from prefect.exceptions import ParameterTypeError

    from nestflow.blocks.loading import BlockNotFound
    from nestflow.flows.outputs import RunIncomplete
    from nestflow.tasks.leases import JobBusy

    return (
        RunIncomplete,
        JobBusy,
        BlockNotFound,
        ParameterTypeError,
        ValidationError,
        FileNotFoundError,
    )


class UsageError(ValueError):
    """A flag, a parameter or a path the user gave is wrong; the message is one line."""


@dataclass
class RunFlags:
    """The ``nestflow run`` flags that map onto flow parameters (None: not given)."""

    mode: str | None = None
    engines: list[str] = field(default_factory=list)
    push: str | None = None
    target: str | list[str] | None = None
    """Each value a push kind (:class:`TargetKind`) or a Machine Target block name."""
    material: str | None = None
    thickness: float | str | None = None
    units: str | None = None
    sheets: list[str] = field(default_factory=list)
    time_s: float | str | None = None

    def targets(self) -> list[str]:
        """The ``--target`` values given, in order."""
        if self.target is None:
            return []
        return [self.target] if isinstance(self.target, str) else list(self.target)


def one_line(exc: ValidationError, where: str = "") -> str:
    """Pydantic's reasons for refusing a value, in one line (``where: why; ...``).

    Args:
        exc: The validation error.
        where: The parameter validated, put before each error's location.

    Returns:
        Each error as ``location: message``, joined by ``; ``.
    """
    reasons = []
    for error in exc.errors():
        loc = ".".join(str(part) for part in (where, *error["loc"]) if part != "")
        message = str(error["msg"])
        if error["type"] == "value_error":  # a validator's own sentence, without pydantic's tag
            message = message.removeprefix("Value error, ")
        reasons.append(f"{loc}: {message}" if loc else message)
    return "; ".join(reasons).replace("\n", " ")


def _sheet_numbers(text: str) -> tuple[str, str, str]:
    """The three numbers of ``LENGTHxHEIGHTxQUANTITY``, or a refusal of the text's form."""
    match = _SHEET.match(text)
    if match is None:
        raise UsageError(
            f"--sheet {text!r}: expected LENGTHxHEIGHTxQUANTITY (mm, mm, whole sheets), "
            "e.g. 3000x1500x20"
        )
    length, height, quantity = match.groups()
    return length, height, quantity


def parse_sheet(text: str) -> dict[str, Any]:
    """A sheet format from ``LENGTHxHEIGHTxQUANTITY`` (mm, mm, sheets), e.g. ``3000x1500x20``.

    Args:
        text: The ``--sheet`` value.

    Returns:
        The format as the flows' ``sheets`` parameter takes it (validated by SheetFormat).

    Raises:
        UsageError: The text is not three numbers joined by ``x``, or a number is out of range.
    """
    length, height, quantity = _sheet_numbers(text)
    from nestflow.blocks.settings import SheetFormat  # a Prefect block module: imported when needed

    try:
        sheet = SheetFormat(length=float(length), height=float(height), quantity=int(quantity))
    except ValidationError as exc:
        raise UsageError(f"--sheet {text!r}: {one_line(exc)}") from None
    return sheet.model_dump(include={"length", "height", "quantity"})


def _is_glob(entry: str) -> bool:
    # The standard library's test of the characters nestflow.intake.GLOB_CHARACTERS names
    # (``*?[``): the intake imports the geometry libraries, not needed to refuse a path.
    return glob.has_magic(entry)


def drawing_source(entries: list[str]) -> dict[str, Any]:
    """The ``drawings`` parameter from ``--drawings`` values: files, a folder, or a glob.

    Each entry is a DXF file (into ``files``), a folder or a glob pattern (``folder``; at most
    one, since the flows read one folder).

    Args:
        entries: The ``--drawings`` values, in the order given.

    Returns:
        The DrawingSource as a dict (``folder`` and/or ``files``).

    Raises:
        UsageError: A path does not exist, a glob matches no file, or two folders are given.
    """
    folders: list[str] = []
    files: list[str] = []
    for entry in entries:
        path = Path(entry).expanduser()
        if _is_glob(entry):
            if not any(Path(m).is_file() for m in glob.glob(str(path), recursive=True)):
                raise UsageError(f"no file matches {entry}")
            folders.append(entry)
        elif path.is_dir():
            folders.append(entry)
        elif path.is_file():
            files.append(entry)
        else:
            raise UsageError(f"no such file or folder: {entry}")
    if len(folders) > 1:
        raise UsageError(
            f"--drawings: give at most one folder or glob (got {', '.join(folders)}); "
            "single files may be repeated"
        )
    source: dict[str, Any] = {"files": files}
    if folders:
        source["folder"] = folders[0]
    return source


def _read_json(text: str) -> dict[str, Any]:
    if text.startswith("@"):
        try:
            raw = Path(text[1:]).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--params {text}: {exc.strerror or exc}") from None
    else:
        raw = text
    try:
        values = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--params is not valid JSON: {exc.msg} at {exc.pos}") from None
    if not isinstance(values, dict):
        raise UsageError("--params must be a JSON object of parameter names to values")
    return values


def _nested(values: dict[str, Any], key: str) -> dict[str, Any]:
    """``values[key]`` as a dict the flags can update (a fresh one when absent)."""
    current = values.get(key)
    if current is None:
        current = {}
    elif not isinstance(current, dict):
        raise UsageError(f"--params: {key} must be a JSON object")
    values[key] = dict(current)
    return values[key]


def _number(flag: str, value: float | str) -> float:
    try:
        return float(value)
    except ValueError:
        raise UsageError(f"{flag} {value!r}: not a number") from None


def _engines(raw: list[str]) -> list[str]:
    return [name.strip() for value in raw for name in value.split(",") if name.strip()]


#: The push kinds ``--target`` takes besides block names.
TARGET_KINDS = tuple(kind.value for kind in TargetKind)


def _apply_targets(merged: dict[str, Any], targets: list[str]) -> None:
    """``--target`` values: a push kind sets ``target``, any other value names the machine.

    A kind is one of :data:`TARGET_KINDS` (a block of that name is reached through
    ``--params``); whether a named block exists is checked with the other blocks
    (:func:`check_blocks`).
    """
    kinds = [t for t in targets if t in TARGET_KINDS]
    names = [t for t in targets if t not in TARGET_KINDS]
    if len(kinds) > 1 or len(names) > 1:
        raise UsageError(
            f"--target {' --target '.join(targets)}: give at most one push kind "
            f"({', '.join(TARGET_KINDS)}) and one Machine Target block name"
        )
    if kinds:
        merged["target"] = kinds[0]
    if names:
        _nested(merged, "blocks")["machine"] = names[0]


def apply_flags(values: dict[str, Any], flow: str, flags: RunFlags) -> dict[str, Any]:
    """``values`` with the flags of ``nestflow run`` set over them (the flags win).

    Args:
        values: Parameters from ``--params`` (not changed).
        flow: The flow's command-line name (``nest-to-cnc``, ``quote``, ``watch-inbox``).
        flags: The flags given.

    Returns:
        The merged parameters (a ``--sheet``'s numbers are checked by :func:`parameters_from`).

    Raises:
        UsageError: A flag the flow has no parameter for, a malformed ``--sheet``, or more
            than one push kind or block name in ``--target``.
    """
    merged = dict(values)
    given = {
        name: value
        for name, value in vars(flags).items()
        if value is not None and value != []  # noqa: PLC1901 - an empty list means not given
    }
    if not given:
        return merged
    if flow == "watch-inbox":
        raise UsageError(f"watch-inbox takes --params only, not --{'/--'.join(sorted(given))}")
    if flow == "quote":
        refused = sorted({"mode", "push", "target"} & set(given))
        if refused:
            raise UsageError(f"a quote never pushes: it takes no --{', --'.join(refused)}")
    if flags.mode is not None:
        merged["mode"] = flags.mode
    if flags.engines:
        engines = _engines(flags.engines)
        if flow == "quote":
            if len(engines) != 1:
                raise UsageError("a quote is priced by one engine: give --engines once")
            merged["engine"] = engines[0]
        else:
            merged["engines"] = engines
    if flags.push is not None:
        merged["push"] = flags.push
    _apply_targets(merged, flags.targets())
    if flags.material is not None:
        _nested(merged, "material")["name"] = flags.material
    if flags.thickness is not None:
        _nested(merged, "material")["thickness"] = _number("--thickness", flags.thickness)
    if flags.units is not None:
        merged["units"] = flags.units
    if flags.sheets:
        numbers = [_sheet_numbers(text) for text in flags.sheets]
        merged["sheets"] = [
            {"length": float(length), "height": float(height), "quantity": int(quantity)}
            for length, height, quantity in numbers
        ]
    if flags.time_s is not None:
        _nested(merged, "nesting")["time_s"] = _number("--time", flags.time_s)
    return merged


def _checked(model: Any, value: Any, where: str = "") -> None:
    try:
        TypeAdapter(model).validate_python(value)
    except ValidationError as exc:
        raise UsageError(one_line(exc, where)) from None


def check_choices(flow: str, values: dict[str, Any]) -> None:
    """Check what needs no Prefect (choices, numbers, the rules between them), at once.

    The sheets and block names are the flow models' (:func:`validate`), imported with Prefect.

    Args:
        flow: The flow's command-line name.
        values: The parameters.

    Raises:
        UsageError: A value is refused; pydantic's reason, in one line.
    """
    if flow == "nest-to-cnc":
        _checked(RunChoices, {k: v for k, v in values.items() if k not in ("sheets", "blocks")})
        return
    if flow != "quote":
        return
    for key, model in _QUOTE_CHOICES.items():
        if key in values:
            _checked(model, values[key], key)
    if not values.get("job_name"):
        raise UsageError("job_name: Field required (give --job)")
    if not (values.get("drawings") or values.get("manifest")):
        raise UsageError("give the drawings (--drawings) or an order manifest (--manifest)")


def validate(flow: str, values: dict[str, Any]) -> None:
    """Check ``values`` with the flow's parameter models before anything runs.

    Args:
        flow: The flow's command-line name.
        values: The parameters.

    Raises:
        UsageError: A value is refused; pydantic's reason, in one line.
    """
    check_choices(flow, values)
    from nestflow.blocks.settings import SheetFormat
    from nestflow.flows.parameters import BlockNames, NestToCncParameters

    if flow == "nest-to-cnc":
        _checked(NestToCncParameters, values)
    elif flow == "quote":
        for key, model in (("sheets", list[SheetFormat]), ("blocks", BlockNames)):
            if key in values:
                _checked(model, values[key], key)


def check_paths(values: dict[str, Any]) -> None:
    """Refuse a manifest that is not there before the run starts (and logs tracebacks).

    Args:
        values: The parameters.

    Raises:
        UsageError: ``manifest`` names no file.
    """
    manifest = values.get("manifest")
    if manifest and not Path(str(manifest)).expanduser().is_file():
        raise UsageError(f"no such file: {manifest} (the order manifest)")


def parameters_from(
    text: str | None,
    *,
    job: str | None = None,
    drawings: str | list[str] | None = None,
    manifest: Path | None = None,
    flow: str = "nest-to-cnc",
    flags: RunFlags | None = None,
) -> dict[str, Any]:
    """Flow parameters from JSON (or ``@file.json``) plus the command line's flags, validated.

    What needs no Prefect is checked first (:func:`check_choices`, the paths given, and where
    they lie when no Drawing Roots block is named), so most refusals come before Prefect is
    imported; then the sheets and the flow's whole model.

    Args:
        text: The ``--params`` JSON, or ``@`` and the path of a JSON file.
        job: ``--job``: the job name.
        drawings: ``--drawings``: files, folders or globs (see :func:`drawing_source`).
        manifest: ``--manifest``: the order manifest CSV.
        flow: The flow's command-line name, whose models validate the result.
        flags: The other flags (see :class:`RunFlags`).

    Returns:
        The parameters to call the flow with.

    Raises:
        UsageError: The JSON cannot be read, a flag or a parameter is refused, or a path given
            does not exist or lies where the run may not read.
    """
    flags = flags or RunFlags()
    values = _read_json(text) if text else {}
    if job:
        values["job_name"] = job
    if drawings:
        entries = [drawings] if isinstance(drawings, str) else list(drawings)
        values["drawings"] = drawing_source(entries)
    if manifest:
        values["manifest"] = str(manifest)
    values = apply_flags(values, flow, flags)
    if flow == "watch-inbox":
        return values
    check_paths(values)
    check_choices(flow, values)
    blocks = values.get("blocks")
    if not (isinstance(blocks, dict) and blocks.get("drawing_roots")):
        # No Drawing Roots: the places are the working folder's, known without Prefect (else
        # they are checked once the roots are loaded, by check_blocks).
        check_places(values, None)
        check_manifest(flow, values, None)
    for sheet in flags.sheets:
        parse_sheet(sheet)
    validate(flow, values)
    return values


def _block_classes() -> dict[str, type[Block]]:
    """The block class each optional field of ``BlockNames`` names.

    The credentials are loaded by the engines themselves; output storage may be any writable
    filesystem block.
    """
    from nestflow.blocks.settings import CuttingParameters, DrawingRoots, MachineTarget, SheetStock

    return {
        "sheet_stock": SheetStock,
        "machine": MachineTarget,
        "cutting": CuttingParameters,
        "drawing_roots": DrawingRoots,
    }


def _engines_used(flow: str, values: dict[str, Any]) -> list[str]:
    if flow == "quote":
        return [str(values.get("engine") or DEFAULT_QUOTE_ENGINE.value)]
    return [str(e) for e in values.get("engines") or [e.value for e in DEFAULT_ENGINES]]


#: The flag (and its ``RunFlags`` attribute) that sets a field of ``blocks``: a block the flag
#: gave is refused under the flag's name.
_FLAGS = {"machine": ("--target", "target")}


def check_blocks(flow: str, values: dict[str, Any], flags: RunFlags | None = None) -> None:
    """Refuse a run naming a block that is not saved, before it starts (and logs tracebacks).

    Checked: each engine the run uses loads its blocks (its credentials) as the run would, and
    each optional block the ``blocks`` parameter names (stock, machine, cutting parameters,
    drawing roots, output storage) is looked up; then, with a Drawing Roots block, each local
    path given (drawings' folder, files, manifest) must lie in its folders and the order
    manifest must be one the run accepts (:func:`check_manifest`; without the block,
    :func:`parameters_from` checked both against the working folder).

    Args:
        flow: The flow's command-line name (``watch-inbox`` loads no block itself).
        values: The parameters, already validated.
        flags: The flags given: a block a flag named is refused under the flag's name.

    Raises:
        UsageError: A named block is not on the Prefect server (the message says how to make
            it), a path lies where the run may not read, or the manifest is refused.
    """
    if flow == "watch-inbox":
        return
    from nestflow.blocks.loading import BlockNotFound, load_block
    from nestflow.blocks.settings import DrawingRoots
    from nestflow.flows.engines import engine_runs
    from nestflow.flows.parameters import BlockNames
    from nestflow.tasks.storage import load_filesystem

    names = BlockNames.model_validate(values.get("blocks") or {})
    try:
        engine_runs(_engines_used(flow, values), names)
    except BlockNotFound as exc:
        raise UsageError(f"blocks: {exc}") from None
    loaded: dict[str, Block] = {}
    for key, cls in _block_classes().items():
        name = getattr(names, key)
        if not name:
            continue
        try:
            loaded[key] = load_block(cls, name)
        except BlockNotFound as exc:
            flag, attribute = _FLAGS.get(key, ("", ""))
            given = bool(flag) and flags is not None and getattr(flags, attribute) is not None
            reason = str(exc)
            if given and key == "machine":
                reason += f"; nor is it a push kind ({', '.join(TARGET_KINDS)})"
            raise UsageError(f"{flag if given else f'blocks.{key}'}: {reason}") from None
    if names.output_storage:
        try:
            load_filesystem(names.output_storage, ".")
        except (BlockNotFound, TypeError, ValueError) as exc:
            raise UsageError(f"blocks.output_storage: {' '.join(str(exc).split())}") from None
    roots = loaded.get("drawing_roots")
    if isinstance(roots, DrawingRoots):  # without, parameters_from checked them already
        check_places(values, roots.resolved())
        check_manifest(flow, values, roots.resolved())


def check_places(values: dict[str, Any], roots: list[Path] | None) -> None:
    """Refuse a local path the run would refuse (outside its roots or working folder) now.

    The run refuses it too, but only once started, with the tracebacks of a failed run; a
    glob's files are checked by the run.

    Args:
        values: The parameters.
        roots: The run's Drawing Roots folders (None: none named, the working folder).

    Raises:
        UsageError: A path lies outside the roots (or the working folder), or its name is
            refused.
    """
    from nestflow.intake import NameRefused, PlaceRefused, check_place

    drawings = values.get("drawings") or {}
    given = [("drawings.files", str(f)) for f in drawings.get("files") or []]
    folder = drawings.get("folder")
    if folder and not _is_glob(folder):
        given.append(("drawings.folder", str(folder)))
    if values.get("manifest"):
        given.append(("the order manifest", str(values["manifest"])))
    for source, written in given:
        try:
            check_place(written, roots, source)
        except (PlaceRefused, NameRefused) as exc:
            raise UsageError(str(exc)) from None


def check_manifest(flow: str, values: dict[str, Any], roots: list[Path] | None) -> None:
    """Check the order manifest against the drawings as the run would, before it starts.

    The run reads it with the same core rules (``tasks.drawings``), but once started a refusal
    is a failed run with Prefect's tracebacks; here it is one line, the run's own message
    (:func:`nestflow.intake.check_order_manifest`), with a count of the other problems. Refused:
    a manifest that cannot be read (empty, a missing column, a bad cell: file, line and column
    named), a line whose drawing may not be read, and a line whose drawing does not exist when
    the manifest's files are the drawings (the names it may have meant are suggested). With
    drawings given besides, lines and drawings that do not match are refused in production; a
    quote goes on without them and names them, as the run does.

    Args:
        flow: The flow's command-line name.
        values: The parameters, validated.
        roots: The run's Drawing Roots folders (None: none named).

    Raises:
        UsageError: The manifest is refused (one line).
    """
    manifest = values.get("manifest")
    if not manifest or flow == "watch-inbox":
        return
    from nestflow.intake import NameRefused, PlaceRefused, check_order_manifest

    drawings = values.get("drawings") or {}
    given = bool(drawings.get("folder") or drawings.get("files") or drawings.get("urls"))
    try:
        problems = check_order_manifest(
            str(manifest),
            roots,
            folder=drawings.get("folder"),
            files=list(drawings.get("files") or []),
            urls=list(drawings.get("urls") or []),
        )
    except (FileNotFoundError, NameRefused, PlaceRefused) as exc:
        raise UsageError(" ".join(str(exc).split())) from None
    production = flow == "nest-to-cnc" and values.get("mode", "production") == "production"
    if given and not production:  # a quote prices the rest and names what it left out
        problems = [p for p in problems if p.kind not in ("not_a_drawing", "not_in_manifest")]
    if problems:
        first = " ".join(problems[0].message.split())
        more = len(problems) - 1
        raise UsageError(first + (f" (and {more} more problem(s))" if more else ""))


def environment_variables() -> list[tuple[str, str]]:
    """The variables ``nestflow blocks`` reads and what each sets, from its own table.

    Returns:
        ``(variable, "Block Type field (kind): description")`` in the table's order.
    """
    from nestflow.blocks.environment import FIELDS

    rows = []
    for cls, specs in FIELDS.items():
        for spec in specs:
            info = cls.model_fields.get(spec.field)
            description = info.description if info is not None and info.description else ""
            kind = "" if spec.kind == "text" else f" ({spec.kind})"
            what = f"{cls.get_block_type_name()} {spec.field}{kind}"
            rows.append((spec.variable, f"{what}: {description}" if description else what))
    return rows


#: The modules each flow's run imports (the flow, the engines, the summary's terminal output).
_RUN_MODULES = {
    "nest-to-cnc": (
        "nestflow.flows.nest_to_cnc",
        "nestflow.flows.engines",
        "nestflow.cli.terminal",
    ),
    "quote": ("nestflow.flows.quote", "nestflow.flows.engines", "nestflow.cli.terminal"),
    "watch-inbox": ("nestflow.flows.watch_inbox",),
}


def preload(name: str) -> threading.Thread:
    """Import what a run of flow ``name`` needs in a background thread, and return it.

    Started when the Prefect server is: its start (seconds, a new database on a first run) is
    spent in another process, waiting, and the flows' imports (seconds too) fit in that wait
    instead of following it. A module that fails to import is left for the run's own import,
    which says why.

    Args:
        name: The flow's command-line name.

    Returns:
        The started thread (a daemon: nothing waits for it at exit).
    """

    def load() -> None:
        for module in _RUN_MODULES[name]:
            try:
                importlib.import_module(module)
            except Exception:  # noqa: BLE001, S112 - the run imports it again and says why
                continue

    thread = threading.Thread(target=load, name=f"preload {name}", daemon=True)
    thread.start()
    return thread


def run_flow(name: str, parameters: dict[str, Any]) -> Any:
    """Run flow ``name`` with ``parameters`` (validated by Prefect) and return its result."""
    from nestflow.flows.nest_to_cnc import nest_to_cnc
    from nestflow.flows.quote import quote
    from nestflow.flows.watch_inbox import watch_inbox

    flows: dict[str, Any] = {"nest-to-cnc": nest_to_cnc, "quote": quote, "watch-inbox": watch_inbox}
    return flows[name](**parameters)
