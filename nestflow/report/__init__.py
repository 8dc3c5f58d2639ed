"""A run's report: the summary models, quote arithmetic, layout rows and the markdown report."""

from nestflow.report.layouts import layouts_summary
from nestflow.report.markdown import (
    ENGINE_TITLES,
    comparison_rows,
    engines_compared,
    is_web_link,
    layout_table,
    part_rows,
    report_markdown,
    slug,
)
from nestflow.report.models import (
    EngineKey,
    EngineSummary,
    LayoutRow,
    PartProgress,
    PushRecord,
    QuoteLine,
    RunSummary,
)
from nestflow.report.quote import Pricing, kilograms, quote_lines

__all__ = [
    "engines_compared",
    "part_rows",
    "ENGINE_TITLES",
    "EngineKey",
    "EngineSummary",
    "LayoutRow",
    "PushRecord",
    "PartProgress",
    "Pricing",
    "QuoteLine",
    "RunSummary",
    "comparison_rows",
    "is_web_link",
    "kilograms",
    "layout_table",
    "layouts_summary",
    "quote_lines",
    "report_markdown",
    "slug",
]
