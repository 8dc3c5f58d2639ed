"""``nestflow run``'s flags as flow parameters: pure mapping and validation, no Prefect server."""

from __future__ import annotations

from pathlib import Path

import pytest

from nestflow.blocks.environment import FIELDS
from nestflow.cli.runner import (
    RunFlags,
    UsageError,
    environment_variables,
    parameters_from,
    parse_sheet,
)

ROOT = Path(__file__).resolve().parents[1]
GUSSET = str(ROOT / "examples" / "gusset.dxf")
BRACKET = str(ROOT / "examples" / "bracket.dxf")


def _nest(**flags: object) -> dict[str, object]:
    return parameters_from(
        None, job="cli-job", drawings=[GUSSET], flow="nest-to-cnc", flags=RunFlags(**flags)
    )


def test_mode_flag_sets_the_mode() -> None:
    assert _nest(mode="quote")["mode"] == "quote"


def test_engines_flag_takes_repeats_and_comma_lists() -> None:
    assert _nest(engines=["local,almacam", "cloudnest"])["engines"] == [
        "local",
        "almacam",
        "cloudnest",
    ]


def test_push_and_target_flags_set_the_push_and_the_machine_block() -> None:
    values = _nest(engines=["local"], push="local", target="laser-1")
    assert values["push"] == "local"
    assert values["blocks"] == {"machine": "laser-1"}


def test_target_flag_takes_a_push_kind_and_a_block_name() -> None:
    values = _nest(engines=["local"], push="local", target=["drop_folder", "laser-1"])
    assert values["target"] == "drop_folder"
    assert values["blocks"] == {"machine": "laser-1"}


def test_target_flag_as_a_kind_alone_keeps_the_machine_of_params() -> None:
    values = parameters_from(
        '{"blocks": {"machine": "laser-2"}}',
        job="cli-job",
        drawings=[GUSSET],
        flags=RunFlags(engines=["local"], push="local", target="upload_cut"),
    )
    assert (values["target"], values["blocks"]) == ("upload_cut", {"machine": "laser-2"})


def test_target_flag_as_a_kind_without_a_machine_is_refused() -> None:
    with pytest.raises(UsageError, match="^pushing layouts needs blocks.machine"):
        _nest(engines=["local"], push="local", target="drop_folder")


def test_target_flag_refuses_two_kinds() -> None:
    with pytest.raises(UsageError, match="give at most one push kind"):
        _nest(engines=["local"], push="local", target=["auto", "drop_folder"])


def test_material_and_thickness_flags_set_the_material() -> None:
    assert _nest(material="AISI304", thickness=1.5)["material"] == {
        "name": "AISI304",
        "thickness": 1.5,
    }


def test_units_flag_sets_the_units() -> None:
    assert _nest(units="inch")["units"] == "inch"


def test_time_flag_sets_the_optimisation_time() -> None:
    assert _nest(time_s=7.5)["nesting"] == {"time_s": 7.5}


def test_a_thickness_that_is_not_a_number_is_refused() -> None:
    with pytest.raises(UsageError, match="^--thickness 'thin': not a number$"):
        _nest(thickness="thin")


def test_a_time_out_of_range_gives_pydantics_reason() -> None:
    with pytest.raises(UsageError, match="nesting.time_s: Input should be less than or equal to"):
        _nest(time_s="301")


def test_sheet_flags_replace_the_sheet_formats() -> None:
    assert _nest(sheets=["3000x1500x20", "2500X1250x 4"])["sheets"] == [
        {"length": 3000.0, "height": 1500.0, "quantity": 20},
        {"length": 2500.0, "height": 1250.0, "quantity": 4},
    ]


def test_flags_win_over_params_json_and_keep_its_other_fields() -> None:
    text = '{"material": {"name": "S355", "gas": "N2"}, "nesting": {"time_s": 30, "spacing": 2}}'
    values = parameters_from(
        text,
        job="cli-job",
        drawings=[GUSSET],
        flags=RunFlags(material="S235JR", time_s=4),
    )
    assert values["material"] == {"name": "S235JR", "gas": "N2"}
    assert values["nesting"] == {"time_s": 4, "spacing": 2}


@pytest.mark.parametrize(
    "text", ["3000x1500", "3000x1500x20x1", "3000*1500*20", "axbxc", "3000x1500x2.5", ""]
)
def test_sheet_refuses_what_is_not_length_height_quantity(text: str) -> None:
    with pytest.raises(UsageError, match="expected LENGTHxHEIGHTxQUANTITY"):
        parse_sheet(text)


def test_sheet_refuses_a_quantity_below_one_with_pydantics_reason() -> None:
    with pytest.raises(UsageError, match="quantity: Input should be greater than or equal to 1"):
        parse_sheet("3000x1500x0")


def test_a_bad_flag_value_gives_pydantics_reason_in_one_line() -> None:
    with pytest.raises(UsageError) as refused:
        _nest(mode="cutting")
    message = str(refused.value)
    assert message.startswith("mode: Input should be 'quote' or 'production'")
    assert "\n" not in message


def test_a_cross_field_mistake_is_refused_before_the_run() -> None:
    with pytest.raises(UsageError, match="pushing layouts needs blocks.machine"):
        _nest(engines=["local"], push="local")


def test_drawings_file_becomes_a_file() -> None:
    assert _nest()["drawings"] == {"files": [GUSSET]}


def test_drawings_repeated_files_are_all_kept() -> None:
    values = parameters_from(None, job="j", drawings=[GUSSET, BRACKET])
    assert values["drawings"] == {"files": [GUSSET, BRACKET]}


def test_drawings_folder_becomes_the_folder() -> None:
    folder = str(ROOT / "examples")
    assert parameters_from(None, job="j", drawings=[folder])["drawings"] == {
        "files": [],
        "folder": folder,
    }


def test_drawings_glob_becomes_the_folder() -> None:
    pattern = str(ROOT / "examples" / "g*.dxf")
    assert parameters_from(None, job="j", drawings=[pattern])["drawings"]["folder"] == pattern


def test_drawings_glob_matching_nothing_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no file matches"):
        parameters_from(None, job="j", drawings=[str(tmp_path / "*.dxf")])


def test_drawings_missing_path_is_named(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.dxf")
    with pytest.raises(UsageError, match=f"^no such file or folder: {missing}$"):
        parameters_from(None, job="j", drawings=[missing])


def test_a_missing_manifest_is_refused_before_the_run(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file: .*orders.csv"):
        parameters_from(None, job="j", manifest=tmp_path / "orders.csv")


def test_quote_takes_one_engine_as_its_engine_parameter() -> None:
    values = parameters_from(
        None, job="q", drawings=[GUSSET], flow="quote", flags=RunFlags(engines=["local"])
    )
    assert values["engine"] == "local" and "engines" not in values


def test_quote_refuses_push_flags() -> None:
    with pytest.raises(UsageError, match="a quote never pushes: it takes no --push, --target"):
        parameters_from(
            None,
            job="q",
            drawings=[GUSSET],
            flow="quote",
            flags=RunFlags(push="local", target="laser"),
        )


def test_quote_refuses_a_bad_thickness_with_pydantics_reason() -> None:
    with pytest.raises(UsageError, match="material.thickness: Input should be greater than 0"):
        parameters_from(None, job="q", drawings=[GUSSET], flow="quote", flags=RunFlags(thickness=0))


def test_environment_variables_come_from_the_blocks_table() -> None:
    rows = environment_variables()
    assert [v for v, _ in rows] == [s.variable for specs in FIELDS.values() for s in specs]
    what = dict(rows)
    assert what["NESTFLOW_ALMACAM_TOKEN"].startswith("AlmaCAM Credentials token (secret): ")
    assert what["NESTFLOW_SHEETS"].startswith("Sheet Stock sheets (json)")
