"""Everything that names engines or targets is made from their registries, and agrees with them.

The run form's choices, the command line's, the summary's engine names and the report's titles
come from :data:`nestflow.engines.registry.ENGINES`; the target kinds from
:data:`nestflow.targets.registry.TARGETS`, and ``auto`` asks the target entries. A plug-in that
registers an engine and a target, run end to end, is ``tests/pipeline/test_plugins.py``.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from nestflow.engines.registry import ENGINES
from nestflow.flows.nest_to_cnc import nest_to_cnc
from nestflow.flows.parameters import DEFAULT_BLOCK, BlockNames
from nestflow.flows.quote import quote
from nestflow.ledger import LedgerPush
from nestflow.plugins import PluginError
from nestflow.report import ENGINE_TITLES, EngineSummary
from nestflow.run_choices import (
    DEFAULT_ENGINES,
    DEFAULT_QUOTE_ENGINE,
    EngineName,
    PushEngine,
    TargetKind,
)
from nestflow.targets import DropFolderTarget, LayoutToCut
from nestflow.targets.registry import TARGETS, TargetEntry, auto_kind, build_target, register

ENGINE_NAMES = list(ENGINES)


def test_the_engine_choices_are_the_registered_engines() -> None:
    assert [e.value for e in EngineName] == ENGINE_NAMES
    assert [e.value for e in PushEngine] == [*ENGINE_NAMES, "none"]


def test_the_target_kinds_are_auto_and_the_registered_targets() -> None:
    assert [k.value for k in TargetKind] == ["auto", *TARGETS]


def test_the_report_titles_are_the_registry_entries_titles() -> None:
    assert dict(ENGINE_TITLES) == {name: entry.title for name, entry in ENGINES.items()}


def test_a_summary_takes_every_registered_engine_and_refuses_another_name() -> None:
    assert [EngineSummary(engine=name).engine for name in ENGINE_NAMES] == ENGINE_NAMES
    with pytest.raises(ValidationError, match="no engine named 'cloudnst' is registered"):
        EngineSummary(engine="cloudnst")


def test_the_defaults_are_the_vendors_and_the_first_quoting_engine() -> None:
    assert [e.value for e in DEFAULT_ENGINES] == [n for n, e in ENGINES.items() if e.default]
    assert ENGINES[DEFAULT_QUOTE_ENGINE.value].quotes


def test_the_flows_run_forms_offer_the_registered_choices() -> None:
    """Prefect builds the form (and a deployment's parameter schema) from these enums."""
    form = nest_to_cnc.parameters.model_dump()["definitions"]
    assert form["EngineName"]["enum"] == ENGINE_NAMES
    assert form["PushEngine"]["enum"] == [*ENGINE_NAMES, "none"]
    assert form["TargetKind"]["enum"] == ["auto", *TARGETS]
    assert quote.parameters.model_dump()["definitions"]["EngineName"]["enum"] == ENGINE_NAMES


def test_a_run_names_a_credentials_block_for_each_engine_that_needs_one() -> None:
    needs = [name for name, entry in ENGINES.items() if entry.block]
    blocks = BlockNames()
    assert [getattr(blocks, name) for name in needs] == [DEFAULT_BLOCK] * len(needs)
    assert not {name for name in ENGINES if name not in needs} & set(BlockNames.model_fields)


def test_a_target_registered_after_the_choices_were_made_is_refused() -> None:
    late = TargetEntry("late", "Registered too late.", "nowhere:Target")
    with pytest.raises(PluginError, match="import the plug-in before the flows"):
        register(late)
    assert "late" not in TARGETS


def _machine(gmid: int | None = None, card_id: str | None = None, drop: str | None = None):
    return SimpleNamespace(gmid=gmid, card_id=card_id, drop_folder_block=drop)


@pytest.mark.parametrize(
    ("engine", "machine", "kind"),
    [
        ("cloudnest", _machine(gmid=1, card_id="000000000001", drop="d"), "server_push"),
        ("almacam", _machine(gmid=1, card_id="000000000001", drop="d"), "upload_cut"),
        ("local", _machine(gmid=1, drop="d"), "drop_folder"),
        ("cloudnest", _machine(drop="d"), "drop_folder"),
        ("cloudnest", _machine(), "server_push"),
        ("almacam", _machine(gmid=1), "upload_cut"),
    ],
)
def test_auto_takes_the_first_target_for_the_engine_that_the_machine_is_set_up_for(
    engine: str, machine: SimpleNamespace, kind: str
) -> None:
    """With none set up, the first that takes the engine's layouts (its builder says why not)."""
    assert auto_kind(engine, machine) == kind


class _Folder:
    """A drop folder in memory (what the Prefect side gives as a filesystem block)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def write(self, path: str, content: bytes) -> str:
        self.files[path] = content
        return f"memory/{path}"

    def read(self, path: str) -> bytes | None:
        return self.files.get(path)


class _Setup:
    """A machine with only a drop folder, and no gateway (as without CloudNest credentials)."""

    def __init__(self, folder: _Folder) -> None:
        self.machine = _machine(drop="laser-drop")
        self.machine_name = "laser"
        self.folder = folder

    def gateway(self) -> None:
        return None

    def storage(self, block: str) -> _Folder:
        assert block == "laser-drop"
        return self.folder


def test_the_drop_folder_writes_through_its_storage_and_a_file_there_proves_its_push() -> None:
    folder = _Folder()
    target = build_target("auto", "local", _Setup(folder))
    assert isinstance(target, DropFolderTarget)
    layout = LayoutToCut(job="j", engine="local", layout_id="1", index=0, quantity=2, dxf=b"0\nEOF")

    written = target.push(layout)

    assert (written, folder.files) == (f"memory/{layout.file_name}", {layout.file_name: b"0\nEOF"})
    push = LedgerPush(
        target=target.key,
        round="j",
        engine="local",
        layout_id="1",
        sheets=2,
        parts={},
        file=layout.file_name,
    )
    assert target.find(push).landed is True
    assert target.find(push.model_copy(update={"file": "taken.dxf"})).landed is None


def test_a_target_the_machine_is_not_set_up_for_says_what_is_missing() -> None:
    assert build_target("server_push", "cloudnest", _Setup(_Folder())) == (
        "Machine Target block 'laser' has no CloudNest gmid"
    )
