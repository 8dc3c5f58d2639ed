"""Run results as Prefect tasks: files written through a storage block, and the run's artifacts.

Files go through a filesystem block (a local folder by default, any writable filesystem block for
shared storage); artifacts are a markdown comparison, layout tables and links to the files. The
report itself is built by the core (:mod:`nestflow.report`).

The markdown report shows the layouts' pictures inline as ``data:image/png;base64`` thumbnails:
the Prefect UI renders a markdown image token as a plain ``<img src>`` (prefect-design's markdown
renderer, no URL sanitising), so the picture travels inside the artifact and shows in any browser,
whereas a ``file://`` link to a worker's disk opens nothing and web storage may need credentials.
The server puts no limit on an artifact's data; thumbnails keep the report to a few hundred KB.
"""

from __future__ import annotations

from collections.abc import Mapping

from prefect import get_run_logger, task
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
    markdown_text,
    pictured_layouts,
    png_data_uri,
    report_markdown,
    slug,
    thumbnail_png,
)
from nestflow.report.pictures import is_png
from nestflow.tasks.storage import read_file, write_file


@task(name="Write run outputs", cache_policy=NO_CACHE)
def write_outputs(
    storage: WritableFileSystem, folder: str, files: dict[str, bytes]
) -> dict[str, str]:
    """Write files under ``folder`` of the storage block; return where each one went."""
    return {name: write_file(storage, f"{folder}/{name}", data) for name, data in files.items()}


def report_pictures(summary: RunSummary, storage: WritableFileSystem) -> dict[str, str]:
    """Thumbnails of the layouts the report shows, as data URIs, read back from the storage.

    Read back rather than carried in the summary: ``summary.json`` stays free of pictures, and
    what the report shows is what was written. A picture that cannot be read is left out (the
    report lists the layout without it).

    Returns:
        ``<engine>/<file>.png`` -> ``data:image/png;base64,...``.
    """
    pictures = {}
    folder = slug(summary.job_name)
    for name in pictured_layouts(summary):
        try:
            png = read_file(storage, f"{folder}/{name}")
            if png is None or not is_png(png):
                raise ValueError("not found, or not a PNG")
            pictures[name] = png_data_uri(thumbnail_png(png))
        except Exception as exc:  # noqa: BLE001 - a picture left out never fails the run
            get_run_logger().warning("report: no picture of %s to show: %s", name, exc)
    return pictures


@task(name="Publish run report", cache_policy=NO_CACHE)
def publish_report(summary: RunSummary, pictures: Mapping[str, str] | None = None) -> None:
    """Markdown comparison with the layouts' pictures, one layout table per engine, a link.

    Args:
        summary: The run.
        pictures: ``<engine>/<file>.png`` -> image URL (see :func:`report_pictures`).

    The link artifact is made only when the summary is on web storage a browser can open.
    """
    key = f"nestflow-{slug(summary.job_name)}"
    create_markdown_artifact(
        markdown=report_markdown(summary, pictures),
        key=f"{key}-report",
        description=f"{markdown_text(summary.job_name)}: {engines_compared(summary)}",
    )
    for engine in summary.engines:
        if engine.layouts:
            create_table_artifact(
                table=layout_table(engine),
                key=f"{key}-{engine.engine}-layouts",
                description=(
                    f"{ENGINE_TITLES[engine.engine]} layouts of {markdown_text(summary.job_name)}"
                ),
            )
    if is_web_link(summary.outputs.get("summary.json", "")):
        create_link_artifact(
            link=summary.outputs["summary.json"],
            link_text=f"{markdown_text(summary.job_name)} summary.json",
            key=f"{key}-summary",
        )
