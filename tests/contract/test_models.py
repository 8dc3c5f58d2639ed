"""The client's models read every response example of the specs and take every request example.

Values are compared, not just parsed: a model that drops or changes a field the vendor sends
fails here. CloudNest answers are read the way :meth:`CloudNestClient.request` reads them: the
envelope first, then ``data`` with the endpoint's type from ``ENDPOINT_MODELS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from nestflow.almacam import models as almacam_models
from nestflow.cloudnest.models import ENDPOINT_MODELS, Envelope

from .conftest import (
    ALMACAM_FIXTURES,
    ALMACAM_RESPONSE_MODELS,
    CLOUDNEST_FIXTURES,
    cloudnest_endpoint,
    example_name,
    fixture_files,
    is_invalid_order,
    load,
)

CLOUDNEST_RESPONSES = fixture_files(CLOUDNEST_FIXTURES, "response")
CLOUDNEST_REQUESTS = fixture_files(CLOUDNEST_FIXTURES, "request")
ALMACAM_RESPONSES = fixture_files(ALMACAM_FIXTURES, "response")
ALMACAM_ORDERS = [p for p in fixture_files(ALMACAM_FIXTURES, "request") if not is_invalid_order(p)]


def _ids(paths: list[Path]) -> list[str]:
    return [example_name(p) for p in paths]


def _contains(whole: Any, part: Any, where: str = "$") -> list[str]:
    """Where ``whole`` lacks a key or value of ``part`` (``whole`` may have more keys)."""
    if isinstance(part, dict):
        if not isinstance(whole, dict):
            return [f"{where}: {whole!r} is not an object"]
        missing = [f"{where}: key {k!r} missing" for k in part if k not in whole]
        return missing + [
            line
            for k in part
            if k in whole
            for line in _contains(whole[k], part[k], f"{where}.{k}")
        ]
    if isinstance(part, list):
        if not isinstance(whole, list) or len(whole) != len(part):
            return [f"{where}: {whole!r} is not a list like {part!r}"]
        return [
            line
            for i, (w, p) in enumerate(zip(whole, part, strict=True))
            for line in _contains(w, p, f"{where}[{i}]")
        ]
    same_kind = isinstance(whole, bool) == isinstance(part, bool)
    return [] if same_kind and whole == part else [f"{where}: {whole!r} != {part!r}"]


# --- CloudNest ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CLOUDNEST_RESPONSES, ids=_ids(CLOUDNEST_RESPONSES))
def test_cloudnest_envelope_model_reads_every_response_example(path: Path) -> None:
    example = load(path)
    envelope = Envelope.model_validate(example)
    assert envelope.model_dump(mode="json", by_alias=True) == example
    assert envelope.ok is (example["status"] == 0)


@pytest.mark.parametrize("path", CLOUDNEST_RESPONSES, ids=_ids(CLOUDNEST_RESPONSES))
def test_cloudnest_data_model_keeps_every_value_of_the_response_example(path: Path) -> None:
    example = load(path)
    name = cloudnest_endpoint(path)
    if name is None:  # a bare envelope: its data is what the envelope model keeps
        assert Envelope.model_validate(example).data == example["data"]
        return
    models = ENDPOINT_MODELS[name]
    parsed = models.parse(Envelope.model_validate(example).data)
    dumped = TypeAdapter(models.response).dump_python(
        parsed, mode="json", by_alias=True, exclude_unset=True
    )
    assert dumped == example["data"]


@pytest.mark.parametrize("path", CLOUDNEST_REQUESTS, ids=_ids(CLOUDNEST_REQUESTS))
def test_cloudnest_request_model_sends_every_request_example_back_unchanged(path: Path) -> None:
    example = load(path)
    request: Any = ENDPOINT_MODELS[cloudnest_endpoint(path) or ""].request.model_validate(example)
    assert request.wire() == example


# --- AlmaCAM ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALMACAM_RESPONSES, ids=_ids(ALMACAM_RESPONSES))
def test_almacam_model_keeps_every_value_of_the_response_example(path: Path) -> None:
    example = load(path)
    model: type[BaseModel] = getattr(almacam_models, ALMACAM_RESPONSE_MODELS[example_name(path)])
    parsed = model.model_validate(example)
    assert parsed.model_dump(mode="json", exclude_unset=True) == example


@pytest.mark.parametrize("path", ALMACAM_ORDERS, ids=_ids(ALMACAM_ORDERS))
def test_almacam_order_model_keeps_every_field_of_the_order_example(path: Path) -> None:
    example = load(path)
    order = almacam_models.Order.model_validate(example)
    assert order.model_dump(mode="json", exclude_unset=True) == example


@pytest.mark.parametrize("path", ALMACAM_ORDERS, ids=_ids(ALMACAM_ORDERS))
def test_almacam_order_payload_sends_every_vendor_field_and_value(path: Path) -> None:
    example = load(path)
    payload = almacam_models.Order.model_validate(example).to_payload()
    assert _contains(payload, example) == []
    assert almacam_models.Order.model_validate(payload).to_payload() == payload
