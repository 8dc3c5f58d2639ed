"""Running one corpus case against the clients, and its verdict.

Both the suite (``tests/test_vendor_corpus.py``) and the bench (``bench/bench_corpus_vendor.py``)
use it; the bench also runs it against older code, so nothing here names an error class that
code may lack: expected classes are looked up by name, and a typed error is any error of the
service's family (``CloudNestError``, ``AlmaCamError``).
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nestflow.almacam import errors as almacam_errors
from nestflow.almacam.client import AlmaCamClient
from nestflow.almacam.models import Order
from nestflow.cloudnest import errors as cloudnest_errors
from nestflow.cloudnest.client import CloudNestClient
from tests.misbehaving import Misbehaving
from tests.vendor_corpus.answers import ALMACAM_TOKEN, CLOUDNEST_SECRET, LIMIT, Case

#: The order the AlmaCAM calls submit (one square part, one sheet).
ORDER = Order.model_validate(
    {
        "parts": [
            {
                "geometry": [[[0, 0], [10, 0], [10, 10], [0, 10]]],
                "instances": [{"id": 1, "quantity": 1}],
            }
        ],
        "sheets": [{"id": 1, "length": 100, "height": 100}],
        "time": 1,
    }
)

CALLS: dict[str, Callable[[Any], Any]] = {
    "job_search": lambda c: c.job_search("order-42"),
    "job_add": lambda c: c.job_add("order-42"),
    "job_nest_detail": lambda c: c.job_nest_detail(12),
    "job_part_layout": lambda c: c.job_part_layout(12),
    "production_push": lambda c: c.production_push("L1", 165192, 1),
    "download": lambda c: _download(c),
    "submit": lambda c: c.submit(ORDER),
    "result_stats": lambda c: c.result(12, "stats"),
    "image": lambda c: c.image(12, 0),
}

FAMILIES: dict[str, type[Exception]] = {
    "cloudnest": cloudnest_errors.CloudNestError,
    "almacam": almacam_errors.AlmaCamError,
}
SECRETS = {"cloudnest": CLOUDNEST_SECRET, "almacam": ALMACAM_TOKEN}


def _download(client: CloudNestClient) -> bytes:
    if "layout" in inspect.signature(client.download).parameters:
        return client.download("files/L1.dxf", layout="L1")
    return client.download("files/L1.dxf")


@dataclass(frozen=True)
class Bounds:
    """The clients' bounds, and when a call counts as hanging.

    Attributes:
        timeout: httpx timeout of each step.
        request_deadline: Deadline of one exchange.
        call_budget: Budget of one call (passed only to clients that take one).
        hang_after: Seconds after which a call still running is a hang.
    """

    timeout: float = 2.0
    request_deadline: float = 1.0
    call_budget: float = 2.5
    hang_after: float = 10.0


@dataclass
class Verdict:
    """What a case came to.

    Attributes:
        kind: ``"right"`` (the expected typed error, or accepted rightly), ``"typed"`` (a typed
            error of the family, another than expected), ``"accepted_wrongly"`` (returned
            although an error was expected), ``"leaked"`` (the error carries the secret),
            ``"raw"`` (an error outside the family), ``"hang"`` (still running at
            ``hang_after``).
        seconds: How long the call took.
        error: The error raised, if any.
        result: What the call returned, if it did.
    """

    kind: str
    seconds: float
    error: BaseException | None = None
    result: Any = None

    @property
    def handled(self) -> bool:
        """Typed or rightly accepted: the client did its job, if not always in the named type."""
        return self.kind in ("right", "typed")


def expected_class(case: Case) -> type[Exception] | None:
    """The class ``case.expect`` names, ``None`` when the code at hand has no such class."""
    if case.expect is None:
        return None
    module = cloudnest_errors if case.service == "cloudnest" else almacam_errors
    return getattr(module, case.expect, None)


def client_for(case: Case, base_url: str, bounds: Bounds) -> Any:
    """A client of ``case.service`` at ``base_url``, given only the options its code takes."""
    if case.service == "cloudnest":
        factory: Callable[..., Any] = CloudNestClient
        args: tuple[Any, ...] = (base_url, "op1", CLOUDNEST_SECRET, "TEAM001")
        options: dict[str, Any] = {"default_rate": None, "retry_backoff": 0.001}
    else:
        factory, args, options = AlmaCamClient, (base_url, ALMACAM_TOKEN), {}
    options |= {
        "timeout": bounds.timeout,
        "request_deadline": bounds.request_deadline,
        "call_budget": bounds.call_budget,
        "max_answer_bytes": LIMIT,
    }
    accepted = inspect.signature(factory).parameters
    return factory(*args, **{k: v for k, v in options.items() if k in accepted})


def run(case: Case, server: Misbehaving, bounds: Bounds, key: str) -> Verdict:
    """Play ``case`` on ``server`` under path key ``key`` and judge what the client did."""
    server.cases[key] = case.answer
    client = client_for(case, f"{server.base_url}/case/{key}", bounds)
    outcome: dict[str, Any] = {}

    def call() -> None:
        try:
            outcome["result"] = CALLS[case.call](client)
        except BaseException as exc:  # noqa: BLE001 - a raw error is a verdict here
            outcome["error"] = exc

    started = time.monotonic()
    worker = threading.Thread(target=call, daemon=True, name=f"corpus-{case.id}")
    worker.start()
    worker.join(bounds.hang_after)
    seconds = time.monotonic() - started
    if worker.is_alive():
        return Verdict("hang", seconds)  # left running (daemon); its client is not closed
    client.close()
    return judge(case, outcome, seconds)


def judge(case: Case, outcome: dict[str, Any], seconds: float) -> Verdict:
    """The verdict of a finished call: ``outcome`` holds its ``result`` or its ``error``."""
    error = outcome.get("error")
    if error is None:
        kind = "right" if case.expect is None else "accepted_wrongly"
        return Verdict(kind, seconds, result=outcome.get("result"))
    if not isinstance(error, FAMILIES[case.service]):
        return Verdict("raw", seconds, error)
    secret = SECRETS[case.service]
    if secret in str(error) or secret in repr(error) or secret in repr(vars(error)):
        return Verdict("leaked", seconds, error)
    expected = expected_class(case)
    if case.expect is not None and (expected is None or isinstance(error, expected)):
        return Verdict("right", seconds, error)
    return Verdict("typed", seconds, error)
