"""Machine targets: where a checked layout goes to be cut, behind one interface and one registry.

One module per target (:mod:`~nestflow.targets.cloudnest_push`,
:mod:`~nestflow.targets.upload_cut`, :mod:`~nestflow.targets.drop_folder`), what they share in
:mod:`~nestflow.targets.base`, and the registry (:mod:`~nestflow.targets.registry`) the run's
``target`` choices come from. The names below are imported on first use (PEP 562): the command
line reads the registry before it imports anything heavy, and a target's module loads its
vendor's client only when it is asked for.
"""

from __future__ import annotations

from nestflow.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "base": (
            "HOPELESS_ERRORS",
            "TRANSIENT_ERRORS",
            "BuildableTarget",
            "CutProgress",
            "FileTarget",
            "Gateway",
            "LayoutToCut",
            "MachineSettings",
            "ProgressCallback",
            "PushLookup",
            "Storage",
            "Target",
            "TargetError",
            "TargetSetup",
            "not_sent",
        ),
        "registry": ("TARGETS", "TargetEntry", "auto_kind", "build_target", "register"),
        "cloudnest_push": ("CloudNestServerPush",),
        "drop_folder": ("DropFolderTarget",),
        "gateway": ("GatewayTarget",),
        "upload_cut": ("UploadCutTarget",),
    },
)
