"""The ``nestflow`` command line (typer + rich)."""

from __future__ import annotations

import importlib.util
import os
import sys
import traceback
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from typer.core import TyperGroup

from nestflow.cli.doctor import doctor
from nestflow.cli.prefect_api import configure_environment
from nestflow.cli.private_api import UsageError  # typer re-exports no usage error (see there)

# The choices the options offer come from the Prefect-free core: Prefect, the flows and the
# geometry libraries are imported by a command that needs them, when it runs (``nestflow --help``
# and a refused flag answer without them).
from nestflow.run_options import EngineName, Mode, PushEngine, TargetKind, Units


class OneLineUsageErrors(TyperGroup):
    """Click's usage errors (unknown option or command, missing argument) in one line, exit 2.

    Every other user error of the command line is one line too (:func:`_user_error`); click and
    typer would print the usage, a hint and a framed panel.
    """

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line; a usage error prints ``Error: <command>: <reason>`` and exits 2."""
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except UsageError as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # bare ``nestflow``: show the help
                exc.show()
                sys.exit(0)
            where = exc.ctx.command_path if exc.ctx is not None else "nestflow"
            message = " ".join(exc.format_message().split())
            typer.echo(f"Error: {where}: {message} (see {where} --help)", err=True)
            sys.exit(exc.exit_code)
        except typer.TyperException as exc:  # click's other errors (typer's public base of them)
            typer.echo(f"Error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except typer.Abort:
            typer.echo("Aborted!", err=True)
            sys.exit(1)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


app = typer.Typer(
    name="nestflow",
    cls=OneLineUsageErrors,
    help="DXF drawings to nested layouts on the laser, through CloudNest and AlmaCAM.",
    no_args_is_help=True,
    add_completion=False,
)

# Commands are registered below, one function each.


def wide_console() -> Console:
    """A rich console; 160 columns when writing to a file or pipe (rich would squeeze to 80)."""
    console = Console()
    return console if console.is_terminal else Console(width=160)


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="Interface to listen on (loopback by default).")] = (
        "127.0.0.1"
    ),
    almacam_port: Annotated[int, typer.Option(help="AlmaCAM API port; 0 picks a free one.")] = 8710,
    cloudnest_port: Annotated[
        int, typer.Option(help="CloudNest API port; 0 picks a free one.")
    ] = 8720,
    speed: Annotated[
        float, typer.Option(help="Factor on simulated durations: 0.1 solves in a tenth of `time`.")
    ] = 1.0,
    state: Annotated[
        Path | None,
        typer.Option(help="SQLite file keeping orders and results across restarts."),
    ] = None,
) -> None:
    """Serve the local vendor sandboxes (AlmaCAM, CloudNest) until Ctrl-C."""
    _require_sandbox()
    from nestflow.sandbox.config import SandboxConfig
    from nestflow.sandbox.server import serve_forever

    config = SandboxConfig.from_env(
        host=host,
        almacam_port=almacam_port,
        cloudnest_port=cloudnest_port,
        speed=speed,
        state_file=state,
    )
    serve_forever(config, echo=typer.echo)


class DrawingUnits(StrEnum):
    """Units assumed for drawings without ``$INSUNITS``."""

    mm = "mm"
    inch = "inch"


@app.command()
def inspect(
    paths: Annotated[
        list[Path], typer.Argument(exists=True, help="DXF files, or folders of *.dxf files.")
    ],
    json_output: Annotated[
        bool,
        typer.Option("--json", help="Print one JSON array of records instead of a table."),
    ] = False,
    units: Annotated[
        DrawingUnits, typer.Option(help="Units of drawings that have none ($INSUNITS = 0).")
    ] = DrawingUnits.mm,
) -> None:
    """Read drawings and show each part (size, area, holes, units, warnings) or why it failed.

    With --json the output is a JSON array: {"record": "part", file, name, width, height, area,
    holes, marks, units, warnings} per part and {"record": "failure", file, kind, message} per
    failed file. Exit code 0 when every file was read, 1 when some failed, 2 on usage errors.
    """
    import json

    from nestflow.cli.terminal import drawings_table
    from nestflow.geometry.inspect import inspect_drawings
    from nestflow.geometry.reader import drawing_files

    if not drawing_files(paths):
        raise typer.BadParameter("no .dxf files found", param_hint="PATHS")
    report = inspect_drawings(paths, default_units=units.value)
    if json_output:
        typer.echo(json.dumps([r.model_dump() for r in report.records], indent=2))
    else:
        wide_console().print(drawings_table(report))
        typer.echo(f"{len(report.parts)} part(s), {len(report.failures)} failed file(s)")
    raise typer.Exit(0 if report.ok else 1)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder of the demo's outputs.")] = Path("out/demo"),
    speed: Annotated[
        float, typer.Option(help="Sandbox speed factor on simulated durations.")
    ] = 0.02,
    time_s: Annotated[float, typer.Option("--time", help="Optimisation time per engine (s).")] = (
        3.0
    ),
) -> None:
    """Nest examples/ with both engines against the local sandbox, push, and show the results.

    The demo's blocks and Prefect database live in a Prefect home of its own, OUT/prefect, with
    a Prefect server of its own while it runs: your Prefect profile, server and blocks are never
    read or written.
    """
    from nestflow.cli.prefect_api import PrefectUnavailable, own_prefect_home, prefect_api

    _require_sandbox()
    console = wide_console()
    try:
        with own_prefect_home(out / "prefect") as home, prefect_api(echo=_to_stderr):
            console.print(f"[bold]Prefect[/bold]: the demo's own server, home {home}")
            from nestflow.cli.demo import run_demo

            summary = run_demo(console, out=out, speed=speed, time_s=time_s)
    except PrefectUnavailable as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    raise typer.Exit(0 if any(e.nested for e in summary.engines) else 1)


def _require_sandbox() -> None:
    """Stop with one line when the sandbox distribution is not installed (a production install)."""
    try:
        installed = importlib.util.find_spec("nestflow.sandbox") is not None
    except ModuleNotFoundError:
        installed = False
    if not installed:
        typer.echo(
            "Error: the vendor sandbox is not installed: it ships as its own distribution, "
            "nestflow-sandbox (from the repository: pip install -e ./sandbox; make demo installs "
            "it)",
            err=True,
        )
        raise typer.Exit(1)


def _to_stderr(line: str) -> None:
    typer.echo(line, err=True)


class FlowName(StrEnum):
    """Flows ``nestflow run`` can start."""

    nest_to_cnc = "nest-to-cnc"
    quote = "quote"
    watch_inbox = "watch-inbox"


def _user_error(message: str) -> NoReturn:
    """Print a user error in one line on stderr and exit 2 (no traceback, no usage panel)."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(2)


def _choices(enum: type[StrEnum]) -> str:
    return ", ".join(member.value for member in enum)


@app.command()
def run(
    flow_name: Annotated[FlowName, typer.Argument(help="Which flow to run.")],
    params: Annotated[
        str | None,
        typer.Option(
            help="Flow parameters as JSON, or @file.json (block names, never secrets); "
            "the flags below win over it."
        ),
    ] = None,
    job: Annotated[str | None, typer.Option(help="job_name parameter.")] = None,
    drawings: Annotated[
        list[str] | None,
        typer.Option(
            help="A DXF file, a folder of them, or a glob such as 'inbox/**/*.dxf' (quote it); "
            "repeat for more files (one folder or glob at most)."
        ),
    ] = None,
    manifest: Annotated[Path | None, typer.Option(help="Order manifest CSV.")] = None,
    mode: Annotated[
        str | None,
        typer.Option(help=f"nest-to-cnc: what the run is for ({_choices(Mode)})."),
    ] = None,
    engines: Annotated[
        list[str] | None,
        typer.Option(
            help=f"Engines that nest ({_choices(EngineName)}); repeat or give a comma list. "
            "A quote takes one."
        ),
    ] = None,
    push: Annotated[
        str | None,
        typer.Option(
            help=f"nest-to-cnc: whose layouts go to the machine ({_choices(PushEngine)}); "
            "needs --target."
        ),
    ] = None,
    target: Annotated[
        list[str] | None,
        typer.Option(
            help="nest-to-cnc: the Machine Target block to push to, or how to reach it "
            f"({_choices(TargetKind)}); repeat to give both."
        ),
    ] = None,
    material: Annotated[
        str | None, typer.Option(help="Material grade as CloudNest knows it, e.g. S235JR.")
    ] = None,
    thickness: Annotated[str | None, typer.Option(help="Sheet thickness in mm.")] = None,
    units: Annotated[
        str | None,
        typer.Option(help=f"Units of drawings that carry none ({_choices(Units)})."),
    ] = None,
    sheet: Annotated[
        list[str] | None,
        typer.Option(
            help="A sheet format in stock, LENGTHxHEIGHTxQUANTITY in mm (e.g. 3000x1500x20); "
            "repeat for more formats."
        ),
    ] = None,
    time_s: Annotated[
        str | None,
        typer.Option("--time", help="Optimisation time given to each engine, in seconds."),
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="Show Prefect's whole log and a failure's traceback too."
        ),
    ] = False,
) -> None:
    """Run a flow in this process against the configured blocks and print its summary.

    Wrong flags, parameters, paths, blocks or a wrong order manifest are refused before the
    run, in one line (exit code 2).

    A run that fails says why in one line (exit code 1). Prefect's log and any traceback go to
    a log file named in that line (NESTFLOW_LOG_DIR, default ~/.nestflow/logs); the terminal
    shows short progress lines, or the whole log with --verbose.
    """
    from nestflow.cli.prefect_api import PrefectUnavailable, prefect_api
    from nestflow.cli.runlog import log_path, run_log
    from nestflow.cli.runner import (
        RunFlags,
        check_blocks,
        parameters_from,
        preload,
        run_failures,
        run_flow,
    )

    flags = RunFlags(
        mode=mode,
        engines=engines or [],
        push=push,
        target=target or None,
        material=material,
        thickness=thickness,
        units=units,
        sheets=sheet or [],
        time_s=time_s,
    )
    try:
        values = parameters_from(
            params,
            job=job,
            drawings=drawings,
            manifest=manifest,
            flow=flow_name.value,
            flags=flags,
        )
    except ValueError as exc:
        _user_error(str(exc))
    path = log_path(flow_name.value, job)
    with run_log(path, verbose=verbose, echo=_to_stderr) as log:
        loading = preload(flow_name.value)  # while the server starts
        try:
            with prefect_api(echo=lambda line: _to_stderr(f"  {line}")):
                loading.join()
                try:
                    check_blocks(flow_name.value, values, flags)  # and the manifest, with roots
                except ValueError as exc:
                    _user_error(str(exc))
                except Exception as exc:  # noqa: BLE001 - a block could not be read: one line
                    log.write_traceback(exc)
                    _run_error(exc, path, expected=False, verbose=verbose)
                try:
                    outcome = run_flow(flow_name.value, values)
                except Exception as exc:  # noqa: BLE001 - any failure is one line, traceback logged
                    log.write_traceback(exc)
                    failure = isinstance(exc, run_failures())
                    _run_error(exc, path, expected=failure, verbose=verbose)
        except PrefectUnavailable as exc:  # no server to run against: why, and what to do
            log.write_traceback(exc)
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None
    from nestflow.cli.terminal import print_summary

    if isinstance(outcome, list):
        typer.echo(f"{len(outcome)} new drawing(s) announced")
        for found in outcome:
            typer.echo(found)
    else:
        print_summary(wide_console(), outcome)


def _run_error(exc: BaseException, log: Path, *, expected: bool, verbose: bool) -> NoReturn:
    """Say in one line on stderr why the run failed and where its log is; exit 1.

    Args:
        exc: The failure.
        log: The run's log file (it holds the traceback).
        expected: A failure the run reports itself (a run left incomplete, a busy job...): its
            message is said alone; any other is said with its type.
        verbose: Print the traceback first (it is in the log file either way).
    """
    if verbose:
        typer.echo("".join(traceback.format_exception(exc)).rstrip(), err=True)
    message = " ".join(str(exc).split()) or type(exc).__name__
    what = message if expected else f"{type(exc).__name__}: {message}"
    typer.echo(f"Error: {what} (log: {log})", err=True)
    raise typer.Exit(1)


@app.command()
def blocks(
    name: Annotated[str, typer.Option(help="Name of the blocks to create or update.")] = (
        "default"
    ),
    list_variables: Annotated[
        bool,
        typer.Option("--list", help="Print the NESTFLOW_* variables read and what each sets."),
    ] = False,
    drop_folder: Annotated[
        Path | None,
        typer.Option(
            help="Make a drop-folder machine instead: a Local File System block and a Machine "
            "Target block, both called --name, that write layouts into this folder."
        ),
    ] = None,
) -> None:
    """Create or update nestflow's blocks from NESTFLOW_* environment variables.

    With --list, or when no NESTFLOW_* variable is set, print the variables it reads instead.
    With --drop-folder PATH, make a machine that takes layouts in that folder (push to it with
    --target NAME); the variables are not read then.

    Secret values are never printed.
    """
    from nestflow.cli.prefect_api import PrefectUnavailable, prefect_api
    from nestflow.cli.runner import environment_variables

    if drop_folder is not None and not drop_folder.expanduser().is_dir():
        _user_error(f"--drop-folder {drop_folder}: no such folder (create it first)")
    variables = environment_variables()
    if drop_folder is None and (
        list_variables or not any(os.environ.get(v, "").strip() for v, _ in variables)
    ):
        if not list_variables:
            typer.echo("No NESTFLOW_* variable is set; nestflow blocks reads these:")
        width = max(len(v) for v, _ in variables)
        for variable, what in variables:
            typer.echo(f"{variable:<{width}}  {what}")
        return
    from nestflow.blocks.environment import apply_all, save_drop_folder

    try:
        with prefect_api(echo=_to_stderr):  # the configured API, else a server of our own
            if drop_folder is not None:
                changes = save_drop_folder(name, drop_folder)
            else:
                changes = apply_all(name, os.environ)
    except PrefectUnavailable as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(1) from None
    except ValueError as exc:
        _user_error(str(exc))
    _print_changes(changes)


def _print_changes(changes: Sequence[Any]) -> None:
    """One line per block: its type, name, what happened, the fields set (never a value)."""
    for change in changes:
        fields = f" ({', '.join(change.fields)})" if change.fields else ""
        detail = f": {change.detail}" if change.detail else ""
        typer.echo(f"{change.block_type} '{change.name}': {change.action}{fields}{detail}")


app.command()(doctor)


def main() -> None:
    """The ``nestflow`` command: Prefect's environment for this process, then the command line.

    Prefect reads its settings when imported, so they are set first, here and not when this
    module is imported (a program importing it keeps its environment): no telemetry off this
    machine, and a start budget for a temporary server that holds on a busy machine (values the
    user exported win).
    """
    configure_environment()
    app(prog_name="nestflow")
