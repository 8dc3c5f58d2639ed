"""The blocks meet Prefect's standards, mask their secrets and register from the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prefect.blocks.core import Block
from prefect.client.orchestration import get_client
from prefect.testing.standard_test_suites import BlockStandardTestSuite

import nestflow.blocks as blocks
from nestflow.blocks import AlmaCamCredentials, CloudNestCredentials, MachineTarget, SheetStock

ROOT = Path(__file__).resolve().parents[2]
ALL_BLOCKS = [
    value for value in vars(blocks).values() if isinstance(value, type) and issubclass(value, Block)
]
SECRET = "s3cr3t-app-secret-value"
TOKEN = "almacam-token-value-123"


class TestBlockStandards(BlockStandardTestSuite):
    @pytest.fixture(params=ALL_BLOCKS, ids=lambda b: b.__name__)
    def block(self, request: pytest.FixtureRequest) -> type[Block]:
        return request.param

    def test_has_a_valid_image(self, block: type[Block]) -> None:
        # Deliberately no logo: Prefect's check wants a logo URL and downloads it, but a logo
        # URL makes every browser opening the shop's UI fetch it from an outside host (and show
        # a broken image where that host is blocked). Prefect's block-type model only takes
        # http(s) URLs, so no inline image is possible: the UI shows its generic block icon.
        assert block._logo_url is None


def test_every_block_class_is_exported() -> None:
    assert {b.__name__ for b in ALL_BLOCKS} == {
        "AlmaCamCredentials",
        "CloudNestCredentials",
        "CuttingParameters",
        "DrawingRoots",
        "MachineTarget",
        "SheetStock",
    }


def test_cloudnest_secret_is_masked_in_repr_and_json() -> None:
    block = CloudNestCredentials(app_id="op1", app_secret=SECRET, org_code="TEAM001")
    assert SECRET not in repr(block)
    assert SECRET not in block.model_dump_json()
    assert block.app_secret.get_secret_value() == SECRET


def test_almacam_token_is_masked_in_repr_and_json() -> None:
    block = AlmaCamCredentials(token=TOKEN)
    assert TOKEN not in repr(block)
    assert TOKEN not in str(block.model_dump(mode="json"))


def test_almacam_block_builds_a_client_for_its_url() -> None:
    block = AlmaCamCredentials(token=TOKEN, base_url="http://127.0.0.1:9/")
    with block.get_client(timeout=3.0) as client:
        assert client.base_url == "http://127.0.0.1:9"
        assert TOKEN not in repr(client)


def test_saved_credentials_load_back_with_the_secret() -> None:
    CloudNestCredentials(
        app_id="op1",
        app_secret=SECRET,
        org_code="TEAM001",
        route_overrides={"job.add": "/cn-api/api/job/create"},
        rate_limits={"job.add": 2.0},
    ).save("test-roundtrip", overwrite=True)
    loaded = CloudNestCredentials.load("test-roundtrip")
    assert loaded.app_secret.get_secret_value() == SECRET
    assert loaded.route_overrides == {"job.add": "/cn-api/api/job/create"}


def test_machine_target_needs_a_destination() -> None:
    with pytest.raises(ValueError, match="needs a gmid, a card_id or a drop_folder_block"):
        MachineTarget()


def test_sheet_stock_defaults_to_one_format() -> None:
    assert len(SheetStock().sheets) == 1


def test_block_register_cli_registers_every_block(prefect_session) -> None:
    env = {**os.environ, "PREFECT_API_URL": prefect_session.api_url}
    env["PREFECT_HOME"] = str(prefect_session.home)
    done = subprocess.run(
        [sys.executable, "-m", "prefect", "block", "register", "-m", "nestflow.blocks"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    with get_client(sync_client=True) as client:
        slugs = {t.slug for t in client.read_block_types()}
    assert {b.get_block_type_slug() for b in ALL_BLOCKS} <= slugs
