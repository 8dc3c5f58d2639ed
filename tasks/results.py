"""Run results as Prefect tasks: files written through a storage block, and the run's artifacts.

Files go through a filesystem block (a local folder by default, any writable filesystem block for
shared storage); artifacts are a markdown comparison, layout tables and links to the files. The
report itself is built by the core (:mod:`nestflow.report`).
"""

from __future__ import annotations

from prefect import task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.cache_policies import NO_CACHE
from prefect.filesystems import WritableFileSystem

from nestflow.report import (
    ENGINE_TITLES,
    RunSummary,
    engines_compared,
    is_web_link,
    layout_table,
    report_markdown,
    slug,
)
from tasks.storage import write_file


@task(name="Write run outputs", cache_policy=NO_CACHE)
def write_outputs(
    storage: WritableFileSystem, folder: str, files: dict[str, bytes]
) -> dict[str, str]:
    """Write files under ``folder`` of the storage block; return where each one went."""
    return {name: write_file(storage, f"{folder}/{name}", data) for name, data in files.items()}


@task(name="Publish run report", cache_policy=NO_CACHE)
def publish_report(summary: RunSummary) -> None:
    """Markdown comparison, one layout table per engine, and a link to the summary file.

    The link artifact is made only when the summary is on web storage a browser can open.
    """
    key = f"nestflow-{slug(summary.job_name)}"
    create_markdown_artifact(
        markdown=report_markdown(summary),
        key=f"{key}-report",
        description=f"{summary.job_name}: {engines_compared(summary)}",
    )
    for engine in summary.engines:
        if engine.layouts:
            create_table_artifact(
                table=layout_table(engine),
                key=f"{key}-{engine.engine}-layouts",
                description=f"{ENGINE_TITLES[engine.engine]} layouts of {summary.job_name}",
            )
    if is_web_link(summary.outputs.get("summary.json", "")):
        create_link_artifact(
            link=summary.outputs["summary.json"],
            link_text=f"{summary.job_name} summary.json",
            key=f"{key}-summary",
        )
