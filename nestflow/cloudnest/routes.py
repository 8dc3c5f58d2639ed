"""The single CloudNest route table: endpoint name -> HTTP method and path.

Only four paths are documented by the vendor (spec §8.1-8.4). Every other path follows the
project's provisional contract (spec section P): ``/cn-api/api/<section>/<action>`` in snake_case,
POST with a JSON body unless the vendor's navigation says GET. Each route is tagged so callers,
docs and the sandbox can tell a documented path from a guess, and any entry can be replaced from
configuration with :meth:`RouteTable.with_overrides` without touching code.

Besides the 44 endpoints of the vendor's table of contents, the table holds the IoT "upload cut
task" (spec §Q.2, same gateway) and ``server_version`` (spec §Q.3), which lives on CloudNest's own
host, not the gateway, and is called without signature.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType

from nestflow.cloudnest.errors import CloudNestConfigError

PREFIX = "/cn-api/api"
ALLOWED_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})

#: The vendor's open-platform gateway (spec §1), host of every signed route.
GATEWAY_URL = "https://mcs-gateway.fscut.com"
#: CloudNest's own host (spec §Q.3), which answers ``server_version``.
CLOUDNEST_HOST_URL = "https://cloudnest.fscut.com"


class RouteHost(StrEnum):
    """Which of the vendor's hosts serves a route."""

    GATEWAY = "gateway"
    """The open-platform gateway (the client's ``base_url``)."""
    CLOUDNEST = "cloudnest"
    """CloudNest's own host (the client's ``cloudnest_url``)."""


class BodyKind(StrEnum):
    """How the request payload travels."""

    JSON = "json"
    """JSON body (POST) or query string (GET)."""
    MULTIPART = "multipart"
    """``multipart/form-data``: ``file`` parts plus form fields (spec §P.1 ``drawing.upload``)."""


@dataclass(frozen=True, slots=True)
class Route:
    """One CloudNest endpoint.

    Attributes:
        name: Stable snake_case name, used by the client method, the models table and overrides.
        method: HTTP method (``GET`` or ``POST`` for every known endpoint).
        path: Path below the gateway host, e.g. ``/cn-api/api/job/plate_used``.
        documented: True when the path is known, not guessed: from the vendor's pages (spec
            §8.1-8.4, §Q.2) or, with ``third_party``, from third-party client code (§Q.3).
        body_documented: True when the request body is taken from a vendor example (§8.1-8.7).
        section: Vendor navigation section (``part``, ``plate``, ``drawing``, ``job`` ...).
        title: Vendor page title (English docs), for messages and the README.
        doc_page: Vendor page id (spec §7), e.g. ``api-279053232``.
        read_only: True for queries; only these are retried after an ambiguous failure.
        body: How the payload travels (JSON or multipart).
        host: The vendor host serving the route.
        signed: Whether the request carries the signed headers (spec §2).
        third_party: True when the path is known only from third-party client code ([CODE]).
    """

    name: str
    method: str
    path: str
    documented: bool
    body_documented: bool
    section: str
    title: str
    doc_page: str
    read_only: bool
    body: BodyKind = BodyKind.JSON
    host: RouteHost = RouteHost.GATEWAY
    signed: bool = True
    third_party: bool = False

    @property
    def provisional(self) -> bool:
        """True when the path is the project's guess (spec section P), not the vendor's."""
        return not self.documented

    def describe(self) -> str:
        """Return ``"name (METHOD /path)"`` for messages."""
        return f"{self.name} ({self.method} {self.path})"


def _route(
    number: int,
    section: str,
    action: str,
    title: str,
    *,
    name: str | None = None,
    path: str | None = None,
    method: str = "POST",
    documented: bool = False,
    body_documented: bool = False,
    read_only: bool = False,
    body: BodyKind = BodyKind.JSON,
) -> Route:
    """Build a route; the vendor page id follows the navigation order (spec §7: 279053203 + n)."""
    return Route(
        name=name or f"{section}_{action}",
        method=method,
        path=path or f"{PREFIX}/{section}/{action}",
        documented=documented,
        body_documented=body_documented or documented,
        section=section,
        title=title,
        doc_page=f"api-{279053203 + number}",
        read_only=read_only,
        body=body,
    )


# The 44 endpoints of the vendor's table of contents (spec §7), in its order.
_ROUTES: tuple[Route, ...] = (
    # part
    _route(1, "part", "import_nc1", "Generate parts (imported from nc1)", body=BodyKind.MULTIPART),
    _route(2, "part", "import_js_template", "Generate parts (JS template)"),
    _route(
        3,
        "part",
        "import_dxf",
        "Generate parts (DXF file)",
        body_documented=True,
        body=BodyKind.MULTIPART,
    ),
    _route(4, "part", "smart_draw", "Generate parts (SmartDraw)", body_documented=True),
    _route(5, "part", "list", "Retrieve the full list of parts", read_only=True),
    _route(
        6,
        "part",
        "loc_info",
        "Retrieve the list of parts on the layout (physical-position order)",
        documented=True,
        read_only=True,
    ),
    _route(7, "part", "copy", "Copy parts"),
    _route(8, "part", "update", "Update and delete part information"),
    _route(9, "part", "update_props", "Update the custom properties of a part"),
    # plate
    _route(
        10,
        "plate",
        "scrap_tree",
        "Retrieve scrap sheet hierarchy details",
        method="GET",
        read_only=True,
    ),
    _route(11, "plate", "add", "Add plate", body_documented=True),
    _route(12, "plate", "list", "Retrieve plate list", read_only=True),
    _route(13, "plate", "update", "Update plate information"),
    # drawing
    _route(14, "drawing", "info", "Query drawing information", read_only=True),
    _route(
        15,
        "drawing",
        "upload",
        "Upload DXF drawing to the job (upload file)",
        body=BodyKind.MULTIPART,
    ),
    _route(16, "drawing", "upload_url", "Upload dxf drawings to the job (active download)"),
    _route(17, "drawing", "force_delete", "Delete DXF drawing (force delete)"),
    _route(18, "drawing", "delete", "Delete DXF drawing (refused if processed or being processed)"),
    # material
    _route(19, "material", "add", "Add Material"),
    _route(20, "material", "list", "Get Material List", method="GET", read_only=True),
    # job
    _route(21, "job", "info", "Query job information by job ID", read_only=True),
    _route(22, "job", "add", "Add Job"),
    _route(23, "job", "list", "Get Job List", read_only=True),
    _route(24, "job", "parts", "Get Parts List under the Job", read_only=True),
    _route(25, "job", "layouts", "Get Layout List under the Job", read_only=True),
    _route(26, "job", "layout_detail", "Get the layout details of the job", read_only=True),
    _route(27, "job", "plan_list", "Get the production schedule list of the job", read_only=True),
    _route(
        28, "job", "part_layout", "Get the part layout information under the job", read_only=True
    ),
    _route(
        29,
        "job",
        "plate_used",
        "Get the list of plates used in the job",
        documented=True,
        read_only=True,
    ),
    _route(
        30,
        "job",
        "plan_detail",
        "Get the production task details under the job",
        documented=True,
        read_only=True,
    ),
    _route(31, "job", "search", "Search the job (exact match on job name)", read_only=True),
    _route(32, "job", "delete", "Delete job"),
    _route(
        33,
        "job",
        "drawing_status",
        "Query the drawing processing status under the specified job",
        read_only=True,
    ),
    _route(
        34,
        "job",
        "nest_detail",
        "Get the nesting details under the job (layout DXF URL and part serial numbers)",
        read_only=True,
    ),
    _route(35, "job", "boost", "Boost (fast nesting)"),
    _route(36, "job", "info_flat", "Query job information by job ID (flat view)", read_only=True),
    _route(37, "job", "delete_nest", "Delete nesting (layout)"),
    # production
    _route(
        38,
        "production",
        "machine_result_list",
        "Query completed task list for the machine tool",
        name="machine_result_list",
        path=f"{PREFIX}/open_platform/machine/result/list",
        documented=True,
        read_only=True,
    ),
    _route(
        39,
        "production",
        "detail",
        "Get production task details",
        path=f"{PREFIX}/open_platform/plan/detail",
        read_only=True,
    ),
    _route(
        40,
        "production",
        "push",
        "Server-side push of a layout to the CNC machine",
        path=f"{PREFIX}/open_platform/plan/push",
    ),
    # part text recognition
    _route(41, "text_recognition", "config", "Get text-recognition config", read_only=True),
    _route(
        42,
        "text_recognition",
        "drawing_config",
        "Drawing-processing text-recognition configuration",
    ),
    # others
    _route(
        43, "others", "layout_job_material", "Job and material info by layout GUID", read_only=True
    ),
    _route(44, "others", "layout_parts", "Parts list by layout GUID", read_only=True),
)


#: The IoT API on the same gateway (spec §Q.2): the documented way to hand a cutter a layout file.
IOT_ROUTES: tuple[Route, ...] = (
    Route(
        name="device_upload_cut",
        method="POST",
        path="/upload/api/device_tasks/upload/cut",
        documented=True,
        body_documented=True,
        section="iot",
        title="Upload cut task",
        doc_page="api-198041065",
        read_only=False,
        body=BodyKind.MULTIPART,
    ),
)


#: Routes on CloudNest's own host (spec §Q.3), known from third-party client code only.
CLOUDNEST_HOST_ROUTES: tuple[Route, ...] = (
    Route(
        name="server_version",
        method="GET",
        path="/api/server_version",
        documented=True,
        body_documented=True,
        section="server",
        title="Server version (reachability probe, no auth)",
        doc_page="",
        read_only=True,
        host=RouteHost.CLOUDNEST,
        signed=False,
        third_party=True,
    ),
)


class RouteTable(Mapping[str, Route]):
    """Immutable mapping ``endpoint name -> Route``.

    Args:
        routes: The routes; names must be unique.

    Raises:
        CloudNestConfigError: Two routes share a name.
    """

    def __init__(self, routes: Mapping[str, Route] | tuple[Route, ...]) -> None:
        items = tuple(routes.values()) if isinstance(routes, Mapping) else routes
        table: dict[str, Route] = {}
        for route in items:
            if route.name in table:
                raise CloudNestConfigError(f"duplicate CloudNest route name {route.name!r}")
            table[route.name] = route
        self._routes = MappingProxyType(table)

    def __getitem__(self, name: str) -> Route:
        try:
            return self._routes[name]
        except KeyError:
            raise CloudNestConfigError(_unknown_name_message(name, self._routes)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._routes)

    def __len__(self) -> int:
        return len(self._routes)

    def __repr__(self) -> str:
        return f"RouteTable({len(self)} routes)"

    @property
    def documented(self) -> tuple[str, ...]:
        """Names of the routes whose path the vendor documents."""
        return tuple(name for name, route in self._routes.items() if route.documented)

    @property
    def provisional(self) -> tuple[str, ...]:
        """Names of the routes whose path is the project's guess."""
        return tuple(name for name, route in self._routes.items() if route.provisional)

    def with_overrides(self, overrides: Mapping[str, str | Mapping[str, str]] | None) -> RouteTable:
        """Return a copy with some methods/paths replaced (from configuration).

        Args:
            overrides: ``name -> "METHOD /path"`` or ``"/path"`` (method kept) or
                ``{"method": ..., "path": ...}`` (either key optional).

        Returns:
            A new table; ``self`` is unchanged. Overridden routes keep their ``documented`` tag.

        Raises:
            CloudNestConfigError: An unknown name (the message lists the valid names), a method
                other than GET/POST/PUT/PATCH/DELETE, or a path not starting with ``/``.
        """
        if not overrides:
            return self
        table = dict(self._routes)
        for name, spec in overrides.items():
            if name not in table:
                raise CloudNestConfigError(
                    "route override: " + _unknown_name_message(name, self._routes)
                )
            method, path = _parse_override(name, spec, table[name])
            table[name] = replace(table[name], method=method, path=path)
        return RouteTable(table)

    def find(self, method: str, path: str) -> Route | None:
        """Return the route serving ``method path`` (used by servers mounting this table)."""
        for route in self._routes.values():
            if route.method == method.upper() and route.path == path:
                return route
        return None


def _unknown_name_message(name: str, routes: Mapping[str, Route]) -> str:
    return f"unknown CloudNest endpoint {name!r}; valid names: {', '.join(sorted(routes))}"


def _parse_override(name: str, spec: str | Mapping[str, str], current: Route) -> tuple[str, str]:
    if isinstance(spec, str):
        parts = spec.split()
        if len(parts) == 1:
            method, path = current.method, parts[0]
        elif len(parts) == 2:
            method, path = parts
        else:
            raise CloudNestConfigError(
                f"route override for {name!r}: expected 'METHOD /path' or '/path', got {spec!r}"
            )
    elif isinstance(spec, Mapping):
        unknown = set(spec) - {"method", "path"}
        if unknown:
            raise CloudNestConfigError(
                f"route override for {name!r}: unknown keys {sorted(unknown)}; "
                "use 'method' and/or 'path'"
            )
        method = spec.get("method", current.method)
        path = spec.get("path", current.path)
    else:
        raise CloudNestConfigError(
            f"route override for {name!r}: expected a string or a mapping, "
            f"got {type(spec).__name__}"
        )
    method = str(method).upper()
    if method not in ALLOWED_METHODS:
        raise CloudNestConfigError(
            f"route override for {name!r}: method {method!r} is not one of "
            f"{', '.join(sorted(ALLOWED_METHODS))}"
        )
    if not str(path).startswith("/"):
        raise CloudNestConfigError(
            f"route override for {name!r}: path {path!r} must start with '/'"
        )
    return method, str(path)


DEFAULT_ROUTES = RouteTable(_ROUTES + IOT_ROUTES + CLOUDNEST_HOST_ROUTES)
"""The 44 CloudNest endpoints (spec §7, documented paths plus the provisional contract §P), the
IoT "upload cut task" (§Q.2) and CloudNest's ``server_version`` (§Q.3)."""
