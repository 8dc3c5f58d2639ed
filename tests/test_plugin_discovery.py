"""A distribution adds an engine and a target through the ``nestflow.plugins`` entry points."""

import json
import subprocess
import sys
from pathlib import Path

#: A plug-in module: one register line for an engine (our solver under another name), one for a
#: target (the drop folder's class under another kind).
PLUGIN = """
from nestflow.engines.registry import EngineEntry, register
from nestflow.targets.registry import TargetEntry, register as register_target

register(EngineEntry("shop_nester", "Shop nester", "The shop's own nester.",
                     "nestflow.engines.local:LocalEngine", quotes=True))
register_target(TargetEntry("shop_folder", "The shop's folder.",
                            "nestflow.targets.drop_folder:DropFolderTarget"))
"""

#: What the run's choices offer once made, and whether a later registration is refused.
PROBE = """
import json
from nestflow.run_choices import DEFAULT_ENGINES, EngineName, TargetKind
from nestflow.engines.registry import EngineEntry, register
from nestflow.plugins import PluginError
try:
    register(EngineEntry("late", "Late", "Too late.", "nowhere:Engine"))
    late = "accepted"
except PluginError as exc:
    late = str(exc)
print(json.dumps({
    "engines": [e.value for e in EngineName],
    "targets": [t.value for t in TargetKind],
    "defaults": [e.value for e in DEFAULT_ENGINES],
    "late": late,
}))
"""


def _installed_plugin(site: Path, module: str) -> None:
    """A distribution ``shop-plugin`` on ``site`` whose entry point names ``module``."""
    (site / "shop_plugin.py").write_text(module)
    info = site / "shop_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shop-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[nestflow.plugins]\nshop = shop_plugin\n")


def _probe(site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def test_an_installed_plugin_is_offered_by_the_run_choices_but_not_run_by_default(
    tmp_path: Path,
) -> None:
    _installed_plugin(tmp_path, PLUGIN)
    done = _probe(tmp_path)
    assert done.returncode == 0, done.stderr
    offered = json.loads(done.stdout)
    assert offered["engines"][-1] == "shop_nester"
    assert offered["targets"][-1] == "shop_folder"
    assert "shop_nester" not in offered["defaults"]  # a plug-in joins default runs only if it says
    assert "import the plug-in before the flows" in offered["late"]


def test_a_plugin_that_fails_to_import_is_named_with_its_distribution(tmp_path: Path) -> None:
    _installed_plugin(tmp_path, "raise ImportError('the vendor SDK is missing')\n")
    done = _probe(tmp_path)
    assert done.returncode != 0
    assert "nestflow plug-in 'shop' of shop-plugin (shop_plugin) failed to import" in done.stderr
    assert "the vendor SDK is missing" in done.stderr
