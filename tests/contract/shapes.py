"""Shape comparison of JSON values: same keys at every level, same JSON value types.

Used by the contract tests of both services to check that a sandbox answer has the shape of the
vendor's example, whatever the values. JSON types are compared, not Python ones: ``1500`` and
``1500.0`` are both a number (JSON has one number type), but ``true`` is a boolean, never a number.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

Path = tuple[str | int, ...]


def json_type(value: Any) -> str:
    """The JSON type name of a parsed JSON value.

    Args:
        value: A value as :func:`json.loads` returns it.

    Returns:
        One of ``"null"``, ``"boolean"``, ``"number"``, ``"string"``, ``"array"``, ``"object"``.

    Raises:
        TypeError: ``value`` is not a parsed JSON value.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"not a JSON value: {value!r}")


def _where(path: Path) -> str:
    return "$" + "".join(f"[{step!r}]" for step in path)


def shape_differences(
    expected: Any,
    actual: Any,
    *,
    nullable: Collection[str] = (),
    optional: Collection[str] = (),
) -> list[str]:
    """Every place where ``actual`` does not have the shape of ``expected``.

    Objects must have the same set of keys, and each value the same JSON type, recursively.
    Every element of an ``actual`` array is compared with the first element of the same JSON type
    in the ``expected`` array (an example shows one element per kind; a ``path`` mixes strings and
    numbers); an element of a type the example's array does not hold is a difference. An empty
    ``expected`` array says nothing about its elements, so any elements are accepted.

    Args:
        expected: The example (the spec's fixture).
        actual: The answer to check.
        nullable: Keys the spec types as ``T | null``: there a ``null`` on either side matches
            any value on the other.
        optional: Keys the spec marks optional: they may be missing on either side.

    Returns:
        One line per difference, each naming its JSON path (``$['data'][0]['guid']``); empty
        when the shapes are the same.
    """
    found: list[str] = []
    _compare(expected, actual, (), frozenset(nullable), frozenset(optional), found)
    return found


def _compare(
    expected: Any,
    actual: Any,
    path: Path,
    nullable: frozenset[str],
    optional: frozenset[str],
    found: list[str],
) -> None:
    key = path[-1] if path else None
    if key in nullable and (expected is None or actual is None):
        return
    want, got = json_type(expected), json_type(actual)
    if want != got:
        found.append(f"{_where(path)}: {got} where the example has {want}")
        return
    if want == "object":
        keys = set(expected) | set(actual)
        for name in sorted(keys):
            if name not in actual:
                if name not in optional:
                    found.append(f"{_where(path)}: key {name!r} missing")
            elif name not in expected:
                if name not in optional:
                    found.append(f"{_where(path)}: key {name!r} not in the example")
            else:
                _compare(expected[name], actual[name], (*path, name), nullable, optional, found)
    elif want == "array" and expected:
        kinds = {json_type(item): item for item in reversed(expected)}
        for index, item in enumerate(actual):
            if (model := kinds.get(json_type(item))) is None:
                found.append(
                    f"{_where((*path, index))}: {json_type(item)} where the example's elements "
                    f"are {' or '.join(sorted(kinds))}"
                )
            else:
                _compare(model, item, (*path, index), nullable, optional, found)
