"""Loading a block by name with a message that says how to create it when it is missing."""

from __future__ import annotations

from typing import TypeVar

from prefect.blocks.core import Block

B = TypeVar("B", bound=Block)


class BlockNotFound(LookupError):
    """A flow parameter names a block that does not exist on the Prefect server."""


def load_block(cls: type[B], name: str) -> B:
    """Load block ``name`` of type ``cls``.

    Raises:
        BlockNotFound: No such block; the message says how to create one.
    """
    try:
        return cls.load(name, _sync=True)
    except ValueError as exc:
        if "Unable to find block document" not in str(exc):
            raise
        raise BlockNotFound(
            f"no {cls.get_block_type_name()} block named {name!r} on this Prefect server: "
            "create it with `nestflow blocks --name NAME` (NESTFLOW_* environment variables, "
            "see blocks/environment.py) or in the Prefect UI (Blocks > Add), or pass another "
            "name in the flow's `blocks` parameter"
        ) from None
