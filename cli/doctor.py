"""``nestflow doctor``: check the configured services read-only and print one table.

The checks themselves live in :mod:`nestflow.doctor` (no Prefect there); this module loads the
credentials blocks, builds the clients from them and renders the report.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from nestflow.almacam.client import AlmaCamClient
    from nestflow.cloudnest.client import CloudNestClient
    from nestflow.doctor import DoctorReport

B = TypeVar("B")

#: The block name the flows use by default (``flows.parameters.DEFAULT_BLOCK``, not imported
#: here: that pulls Prefect in when the command line starts, for every command).
DEFAULT_BLOCK_NAME = "default"

#: Exit codes: every check passed; some check failed; the command could not run (usage, blocks).
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

_OUTCOME_STYLES = {"ok": "[green]ok[/green]", "failed": "[red]FAILED[/red]", "skipped": "skipped"}


class BlockMissing(Exception):
    """A credentials block could not be loaded; the message is one line, without any secret."""


def doctor(
    cloudnest: Annotated[
        str,
        typer.Option(help="CloudNest Credentials block to check; empty skips CloudNest."),
    ] = DEFAULT_BLOCK_NAME,
    almacam: Annotated[
        str,
        typer.Option(help="AlmaCAM Credentials block to check; empty skips AlmaCAM."),
    ] = DEFAULT_BLOCK_NAME,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="HTTP timeout of each request, in seconds.")
    ] = 10.0,
) -> None:
    """Check the configured services read-only and print one row per check.

    Reachability, clock skew and credentials of CloudNest, then one read of each of its
    read-only routes (documented or provisional: a wrong path says which route override to
    set); reachability and token of AlmaCAM. Nothing is created, changed or billed. Exit code 0
    when no check failed, 1 when one did, 2 when a block cannot be loaded.
    """
    from nestflow.cli.prefect_api import PrefectUnavailable, prefect_api
    from nestflow.doctor import run_doctor

    with ExitStack() as stack:
        try:
            # The blocks are read from Prefect: the configured API, else a server of our own.
            stack.enter_context(prefect_api(echo=lambda line: typer.echo(line, err=True)))
        except PrefectUnavailable as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(EXIT_USAGE) from None
        try:
            cloudnest_client = _cloudnest_client(cloudnest, timeout)
            if cloudnest_client is not None:
                stack.enter_context(cloudnest_client)
            almacam_client = _almacam_client(almacam, timeout)
        except BlockMissing as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(EXIT_USAGE) from None
        if almacam_client is not None:
            stack.enter_context(almacam_client)
        report = run_doctor(cloudnest_client, almacam_client)
    console = _console()
    console.print(doctor_table(report))
    console.print(summary_line(report))
    raise typer.Exit(EXIT_OK if report.ok else EXIT_FAILED)


def _console() -> Console:
    # Imported here: cli.app imports this module to register the command.
    from nestflow.cli.app import wide_console

    return wide_console()


def _cloudnest_client(name: str, timeout: float) -> CloudNestClient | None:
    """The client of CloudNest block ``name``; ``None`` for an empty name (not checked)."""
    if not name.strip():
        return None
    from nestflow.blocks import CloudNestCredentials

    return _load(CloudNestCredentials, name, "--cloudnest").get_client(timeout=timeout)


def _almacam_client(name: str, timeout: float) -> AlmaCamClient | None:
    """The client of AlmaCAM block ``name``; ``None`` for an empty name (not checked)."""
    if not name.strip():
        return None
    from nestflow.blocks import AlmaCamCredentials

    return _load(AlmaCamCredentials, name, "--almacam").get_client(timeout=timeout)


def _load(block_type: type[B], name: str, option: str) -> B:
    """Load block ``name`` of ``block_type``.

    Raises:
        BlockMissing: No such block, or its stored fields do not validate. The message names
            the block, never a field's value (a stored value may be a secret).
    """
    from pydantic import ValidationError

    title = getattr(block_type, "_block_type_name", block_type.__name__)
    try:
        return block_type.load(name)  # type: ignore[attr-defined]
    except ValidationError as exc:
        fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors()) or "?"
        raise BlockMissing(
            f"{title} block {name!r} is invalid (fields: {fields}); fix it in the Prefect UI "
            f"or with `nestflow blocks --name {name}`."
        ) from None
    except ValueError:
        # Prefect's "Unable to find block document named ..." (no secret in it, but one line
        # saying what to do reads better than its wording).
        raise BlockMissing(
            f"{title} block {name!r} not found: create it with `nestflow blocks --name {name}` "
            f"(or in the Prefect UI), or name another with {option} NAME."
        ) from None


def doctor_table(report: DoctorReport) -> Table:
    """The report as a rich table: service, check, endpoint, route kind, result, detail, action.

    Args:
        report: The doctor's report.
    """
    table = Table(
        "Service", "Check", "Endpoint", "Route", "Result", "Detail", "What to do", title="Doctor"
    )
    for check in report.checks:
        table.add_row(
            check.service.value,
            escape(check.name),
            escape(check.endpoint),
            check.kind.value if check.kind else "-",
            _OUTCOME_STYLES[check.outcome.value],
            escape(check.detail),
            escape(check.action),
        )
    return table


def summary_line(report: DoctorReport) -> str:
    """``"N ok, M failed, K skipped"`` and what that means for the exit code."""
    from nestflow.doctor import Outcome

    counts = ", ".join(f"{report.count(o)} {o.value}" for o in Outcome)
    verdict = "all checks passed" if report.ok else "some checks failed: see 'What to do'"
    return f"{counts}: {verdict}"
