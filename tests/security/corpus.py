"""The security corpus: places a run must never read, URLs it must never fetch, links it must
never file through (issue 18, items 3 and 6).

Each :class:`Probe` names one attempt (a path, a folder, a manifest, a URL or a drawing to file
away) made the way a run makes it: :func:`nestflow.intake.collect_refs` (or
:func:`~nestflow.intake.read_order_manifest`) then :func:`tasks.drawings.check_drawing`, or
:func:`tasks.inbox.file_away`. Every probe must be refused with a clear reason; :func:`run_probe`
says what happened instead: ``refused`` (a typed refusal or a rejection of a refusing kind),
``wrong`` (a file was read, a connection was attempted, a file was moved), ``raw`` (an untyped
exception) or ``hang``.

No probe sends a byte off loopback: while probes run, name resolution answers only ``localhost``
and address literals, and every HTTP connection goes through :class:`Recorder`, which refuses any
target outside 127.0.0.0/8 and ::1 before it is made (and counts the attempt as wrong). The one
real server, :class:`LoopbackServers`, runs on 127.0.0.1: a target serving a DXF and a redirector
that the probes' allowance admits and that redirects to the target (or to 169.254.169.254).

The driver adapts to the code it runs on (it is also run against older commits by
``bench/bench_corpus_security.py``): an allowance parameter is only passed where it exists.
"""

from __future__ import annotations

import contextlib
import http.server
import inspect
import ipaddress
import logging
import os
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: A line of every secret file: a refusal must never quote it.
SECRET = "SECRET-7c1e-never-read-me"
#: Longest a probe may take before it counts as a hang.
PROBE_TIMEOUT_S = 20.0
#: Rejection kinds that are refusals with a reason (not a read nor a fetch that failed).
REFUSING_KINDS = frozenset(
    {"not_a_file", "file_too_large", "place_refused", "url_refused", "bad_name"}
)

Outcome = Literal["refused", "wrong", "raw", "hang"]
Kind = Literal["files", "folder", "manifest", "url", "file_away"]


@dataclass
class Shop:
    """The world of one probe: the run's working folder, a folder outside it, two servers.

    Attributes:
        work: The run's working folder (the current folder while the probe runs).
        outside: A folder outside it holding ``secret.dxf`` (a valid drawing plus a secret).
        target_port: Loopback port of the server serving a DXF: no probe may reach it.
        redirect_port: Loopback port of the redirector the allowance admits.
    """

    work: Path
    outside: Path
    target_port: int
    redirect_port: int

    @property
    def allowed_host(self) -> str:
        """The one host:port the probes' allowance admits (the redirector)."""
        return f"127.0.0.1:{self.redirect_port}"


@dataclass(frozen=True)
class Probe:
    """One attempt that must be refused.

    Attributes:
        name: The probe's id (test id and bench line).
        kind: How the attempt is made (``files``, ``folder``, ``manifest``, ``url``,
            ``file_away``).
        make: Builds the attempt in a shop: the path, folder, manifest path or URL (for
            ``file_away``, a callable checking afterwards whether anything moved wrongly).
    """

    name: str
    kind: Kind
    make: Callable[[Shop], Any]


@dataclass
class Result:
    """What a probe gave."""

    outcome: Outcome
    reason: str = ""
    attempts: list[str] = field(default_factory=list)


# --- the probes ----------------------------------------------------------------------------------


def _const(value: str) -> Callable[[Shop], str]:
    return lambda shop: value


def _link(shop: Shop, name: str, target: Path) -> str:
    (shop.work / name).symlink_to(target)
    return name


def _chain(shop: Shop) -> str:
    (shop.work / "hop2.dxf").symlink_to(shop.outside / "secret.dxf")
    (shop.work / "hop1.dxf").symlink_to(shop.work / "hop2.dxf")
    return "hop1.dxf"


def _linked_folder(shop: Shop) -> str:
    (shop.work / "shared").symlink_to(shop.outside, target_is_directory=True)
    return "shared/secret.dxf"


def _folder_linked_out(shop: Shop) -> str:
    (shop.work / "drop").symlink_to(shop.outside, target_is_directory=True)
    return "drop"


def _folder_with_link_out(shop: Shop) -> str:
    (shop.work / "drop").mkdir()
    shutil.copy(EXAMPLES / "gusset.dxf", shop.work / "drop" / "gusset.dxf")
    (shop.work / "drop" / "link.dxf").symlink_to(shop.outside / "secret.dxf")
    return "drop"


def _fifo(folder: Callable[[Shop], Path]) -> Callable[[Shop], str]:
    def make(shop: Shop) -> str:
        path = folder(shop) / "pipe.dxf"
        os.mkfifo(path)
        return str(path)

    return make


def _dir_named_dxf(shop: Shop) -> str:
    (shop.work / "folder.dxf").mkdir()
    return "folder.dxf"


def _manifest(line: str, where: Callable[[Shop], Path] = lambda shop: shop.work):
    def make(shop: Shop) -> str:
        folder = where(shop)
        path = folder / "orders.csv"
        path.write_text(
            "file,quantity,material,thickness,rotations\n" + f"{line},1,S235JR,2,0\n",
            encoding="utf-8",
        )
        return str(path)

    return make


def _url(template: str) -> Callable[[Shop], str]:
    return lambda shop: template.format(
        target=shop.target_port, redirect=shop.redirect_port, allowed=shop.allowed_host
    )


def _moved_out(shop: Shop) -> bool:
    """Whether the outside victim was moved, or anything landed in the outside folder."""
    return sorted(p.name for p in shop.outside.iterdir()) != ["secret.dxf", "victim.dxf"]


def _away_link(shop: Shop) -> dict[str, Any]:
    inbox = shop.work / "inbox"
    (inbox / "link.dxf").symlink_to(shop.outside / "victim.dxf")
    # The run hands file_away the drawing's path as it read it: links resolved.
    return {"inbox": inbox, "done": [str((inbox / "link.dxf").resolve())], "rejected": {}}


def _away_linked_processed(shop: Shop) -> dict[str, Any]:
    inbox = shop.work / "inbox"
    (inbox / "processed").symlink_to(shop.outside, target_is_directory=True)
    shutil.copy(EXAMPLES / "gusset.dxf", inbox / "gusset.dxf")
    return {"inbox": inbox, "done": [str(inbox / "gusset.dxf")], "rejected": {}}


def _away_rejected_traversal(shop: Shop) -> dict[str, Any]:
    inbox = shop.work / "inbox"
    # The run names a rejected drawing <inbox>/<file name>; a URL's file name is the sender's.
    return {
        "inbox": inbox,
        "done": [],
        "rejected": {str(inbox / ".." / ".." / "outside" / "victim.dxf"): "bad"},
    }


def _away_done_outside(shop: Shop) -> dict[str, Any]:
    # A drawing of the run that does not lie in the inbox (named by path besides the folder).
    victim = str(shop.outside / "victim.dxf")
    return {"inbox": shop.work / "inbox", "done": [victim], "rejected": {}}


def _long_path(shop: Shop) -> str:
    return "/".join(["d" * 200] * 25) + "/part.dxf"  # 5,034 bytes: over PATH_MAX


PROBES: tuple[Probe, ...] = (
    # Files of the system, by absolute path and by climbing out.
    Probe("etc-passwd", "files", _const("/etc/passwd")),
    Probe("etc-shadow", "files", _const("/etc/shadow")),
    Probe("etc-hostname", "files", _const("/etc/hostname")),
    Probe("proc-self-environ", "files", _const("/proc/self/environ")),
    Probe("proc-self-cmdline", "files", _const("/proc/self/cmdline")),
    Probe("home-ssh-key", "files", _const("~/.ssh/id_rsa")),
    Probe("dotdot-to-outside", "files", _const("../outside/secret.dxf")),
    Probe("dotdot-deep-to-passwd", "files", _const("../../../../../../../../etc/passwd")),
    Probe("dotdot-through-subfolder", "files", _const("sub/../../outside/secret.dxf")),
    Probe("absolute-outside", "files", lambda shop: str(shop.outside / "secret.dxf")),
    Probe("glob-etc", "folder", _const("/etc/pass*")),
    Probe("glob-dotdot", "folder", _const("../outside/*.dxf")),
    Probe("folder-outside", "folder", lambda shop: str(shop.outside)),
    # Links in the working folder pointing out of it.
    Probe(
        "symlink-out", "files", lambda shop: _link(shop, "link.dxf", shop.outside / "secret.dxf")
    ),
    Probe("symlink-to-passwd", "files", lambda shop: _link(shop, "pw.dxf", Path("/etc/passwd"))),
    Probe("symlink-chain-out", "files", _chain),
    Probe("symlinked-folder-file", "files", _linked_folder),
    Probe("symlinked-folder", "folder", _folder_linked_out),
    Probe("folder-entry-linked-out", "folder", _folder_with_link_out),
    # Not regular files.
    Probe("dev-zero", "files", _const("/dev/zero")),
    Probe("dev-urandom", "files", _const("/dev/urandom")),
    Probe("dev-null", "files", _const("/dev/null")),
    Probe("fifo-in-work", "files", _fifo(lambda shop: shop.work)),
    Probe("fifo-outside", "files", _fifo(lambda shop: shop.outside)),
    Probe("folder-named-dxf", "files", _dir_named_dxf),
    # Names no file system takes, or that would garble a log or a terminal.
    Probe("nul-in-name", "files", _const("part\x00.dxf")),
    Probe("name-5000-chars", "files", _const("p" * 5000 + ".dxf")),
    Probe("component-256-bytes", "files", _const("q" * 252 + ".dxf")),
    Probe("component-multibyte-over-255", "files", _const("€" * 90 + ".dxf")),
    Probe("path-over-4096-bytes", "files", _long_path),
    Probe("newline-in-name", "files", _const("part\nFAKE LOG LINE.dxf")),
    Probe("escape-in-name", "files", _const("\x1b[31mred.dxf")),
    Probe("delete-char-in-name", "files", _const("part\x7f.dxf")),
    # Order manifests: outside the working folder, lines climbing out, bad names.
    Probe("manifest-line-dotdot", "manifest", _manifest("../outside/secret.dxf")),
    Probe("manifest-line-passwd", "manifest", _manifest("/etc/passwd")),
    Probe("manifest-outside", "manifest", _manifest("secret.dxf", lambda shop: shop.outside)),
    Probe("manifest-line-control-char", "manifest", _manifest("part\x01.dxf")),
    Probe("manifest-line-5000-chars", "manifest", _manifest("m" * 5000 + ".dxf")),
    # URLs: loopback in every spelling, private, link-local, metadata, other schemes.
    Probe("url-loopback", "url", _url("http://127.0.0.1:{target}/part.dxf")),
    Probe("url-loopback-admin", "url", _url("http://127.0.0.1:{target}/__sandbox__/admin")),
    Probe("url-localhost", "url", _url("http://localhost:{target}/part.dxf")),
    Probe("url-localhost-dot", "url", _url("http://localhost.:{target}/part.dxf")),
    Probe("url-ipv6-loopback", "url", _url("http://[::1]:{target}/part.dxf")),
    Probe("url-unspecified", "url", _url("http://0.0.0.0:{target}/part.dxf")),
    Probe("url-decimal-ip", "url", _url("http://2130706433:{target}/part.dxf")),
    Probe("url-hex-ip", "url", _url("http://0x7f000001:{target}/part.dxf")),
    Probe("url-octal-ip", "url", _url("http://0177.0.0.1:{target}/part.dxf")),
    Probe("url-short-ip", "url", _url("http://127.1:{target}/part.dxf")),
    Probe("url-ipv4-mapped-ipv6", "url", _url("http://[::ffff:127.0.0.1]:{target}/part.dxf")),
    Probe("url-private-10", "url", _url("http://10.0.0.1/part.dxf")),
    Probe("url-private-172", "url", _url("http://172.16.0.1/part.dxf")),
    Probe("url-private-192", "url", _url("http://192.168.1.1/part.dxf")),
    Probe("url-shared-100-64", "url", _url("http://100.64.0.1/part.dxf")),
    Probe("url-metadata-ip", "url", _url("http://169.254.169.254/latest/meta-data/")),
    Probe("url-metadata-mapped", "url", _url("http://[::ffff:169.254.169.254]/latest/")),
    Probe("url-metadata-name", "url", _url("http://metadata.google.internal/computeMetadata/v1/")),
    Probe("url-ipv6-unique-local", "url", _url("http://[fd00::1]/part.dxf")),
    Probe("url-ipv6-link-local", "url", _url("http://[fe80::1]/part.dxf")),
    Probe("url-multicast", "url", _url("http://224.0.0.1/part.dxf")),
    Probe("url-redirect-to-loopback", "url", _url("http://{allowed}/to/{target}")),
    Probe("url-redirect-to-metadata", "url", _url("http://{allowed}/to-metadata")),
    Probe("url-file-scheme", "url", _url("file:///etc/passwd")),
    Probe("url-ftp-scheme", "url", _url("ftp://127.0.0.1:{target}/part.dxf")),
    Probe("url-gopher-scheme", "url", _url("gopher://127.0.0.1:{target}/_part")),
    Probe("url-credentials-allowed-host", "url", _url("http://user:pass@{allowed}/part.dxf")),
    Probe("url-credentials-public", "url", _url("http://user:pass@erp.example.com/part.dxf")),
    Probe("url-control-chars", "url", _url("http://{allowed}/part.dxf\r\nX-Injected: 1")),
    # Filing away: never through a link out of the inbox.
    Probe("file-away-link-out", "file_away", _away_link),
    Probe("file-away-processed-linked-out", "file_away", _away_linked_processed),
    Probe("file-away-rejected-traversal", "file_away", _away_rejected_traversal),
    Probe("file-away-done-outside-inbox", "file_away", _away_done_outside),
)


# --- the world: folders, servers, the network fence ----------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves the example DXF; the redirector's paths ``/to/<port>`` and ``/to-metadata``."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path.startswith("/to/"):
            self._redirect(f"http://127.0.0.1:{self.path.split('/')[2]}/part.dxf")
        elif self.path == "/to-metadata":
            self._redirect("http://169.254.169.254/latest/meta-data/")
        else:
            body = (EXAMPLES / "gusset.dxf").read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - overridden name
        pass


@contextlib.contextmanager
def loopback_servers() -> Iterator[tuple[int, int]]:
    """Two HTTP servers on 127.0.0.1: the target and the redirector; their ports."""
    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield servers[0].server_address[1], servers[1].server_address[1]
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


class Recorder:
    """The network fence: records every connection attempted, lets only loopback through.

    Attributes:
        attempts: ``host:port`` of every HTTP connection attempted, in order.
        lookups: Every host name resolved other than ``localhost`` (answered: not found).
    """

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self.lookups: list[str] = []

    @contextlib.contextmanager
    def fence(self) -> Iterator[Recorder]:
        """Patch httpx's transport and name resolution for the duration."""
        real_send = httpx.HTTPTransport.handle_request
        real_resolve = socket.getaddrinfo
        recorder = self

        def send(transport: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
            url = request.url
            if url.scheme not in ("http", "https"):  # refused by httpx before any connection
                return real_send(transport, request)
            recorder.attempts.append(f"{url.host}:{url.port or 80}")
            if not _is_loopback(url.host):
                raise httpx.ConnectError("the corpus never connects off loopback", request=request)
            return real_send(transport, request)

        def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else str(host)
            if name.rstrip(".").lower() == "localhost":
                return real_resolve("127.0.0.1", *args, **kwargs)
            try:
                socket.inet_aton(name)
            except OSError:
                try:
                    ipaddress.ip_address(name.split("%")[0])
                except ValueError:
                    recorder.lookups.append(name)
                    raise socket.gaierror(socket.EAI_NONAME, "not resolved in the corpus") from None
            return real_resolve(host, *args, **kwargs)

        httpx.HTTPTransport.handle_request = send  # type: ignore[method-assign]
        socket.getaddrinfo = resolve
        try:
            yield self
        finally:
            httpx.HTTPTransport.handle_request = real_send  # type: ignore[method-assign]
            socket.getaddrinfo = real_resolve


def make_shop(base: Path, ports: tuple[int, int]) -> Shop:
    """A fresh working folder and outside folder under ``base`` (secret and victim files)."""
    work, outside = base / "work", base / "outside"
    for folder in (work, outside, work / "inbox", work / "sub"):
        folder.mkdir(parents=True)
    gusset = (EXAMPLES / "gusset.dxf").read_text(encoding="utf-8")
    (outside / "secret.dxf").write_text(gusset + f"999\n{SECRET}\n", encoding="utf-8")
    shutil.copy(EXAMPLES / "gusset.dxf", outside / "victim.dxf")
    return Shop(work=work, outside=outside, target_port=ports[0], redirect_port=ports[1])


# --- running one probe ---------------------------------------------------------------------------


def _refusals() -> tuple[type[BaseException], ...]:
    """The typed refusals of the code under test (whatever of them it has)."""
    from nestflow import intake
    from nestflow.geometry import manifest

    return tuple(
        value
        for module, name in ((intake, "PlaceRefused"), (intake, "FileRefused"))
        + ((manifest, "ManifestError"),)
        if isinstance(value := getattr(module, name, None), type)
    )


def _allowance(function: Callable[..., Any], shop: Shop) -> dict[str, Any]:
    """The URL allowance (the redirector only), when the code under test takes one."""
    if "url_policy" not in inspect.signature(function).parameters:
        return {}
    from nestflow.urls import UrlPolicy  # type: ignore[import-not-found,unused-ignore]

    return {"url_policy": UrlPolicy(allowed_hosts=[shop.allowed_host])}


def _check(refs: list[Any], shop: Shop) -> Result:
    from nestflow.geometry.reader import ReadOptions
    from nestflow.intake import OrderTerms
    from nestflow.tasks import drawings

    reasons = []
    for ref in refs:
        checked = drawings.check_drawing(
            ref, OrderTerms(), ReadOptions(), **_allowance(drawings.check_drawing, shop)
        )
        failure = checked.failure
        if failure is not None and failure.kind == "unreachable":
            # An OS or HTTP error passed through: no typed refusal (a connection attempted
            # meanwhile is judged wrong by the fence).
            return Result("raw", failure.message[:200])
        if failure is None or failure.kind not in REFUSING_KINDS:
            kind = "accepted" if failure is None else failure.kind
            return Result("wrong", f"{ref.path or ref.url} was read ({kind})")
        reasons.append(failure.message)
    return Result("refused", "; ".join(reasons) or "nothing to read")


def _attempt(probe: Probe, shop: Shop) -> Result:
    from nestflow.intake import collect_refs, read_order_manifest

    made = probe.make(shop)
    if probe.kind == "files":
        return _check(collect_refs(None, [made], [], [])[0], shop)
    if probe.kind == "folder":
        return _check(collect_refs(made, [], [], [])[0], shop)
    if probe.kind == "url":
        return _check(collect_refs(None, [], [made], [])[0], shop)
    if probe.kind == "manifest":
        lines = read_order_manifest(made)
        return _check(collect_refs(None, [], [], lines)[0], shop)
    return _file_away(made, shop)


def _file_away(made: dict[str, Any], shop: Shop) -> Result:
    from nestflow.tasks import inbox

    function = inbox.file_away.fn
    arguments: dict[str, Any] = {"done": made["done"], "rejected": made["rejected"]}
    if "inbox" in inspect.signature(function).parameters:
        arguments["inbox"] = str(made["inbox"])
    filed = function(**arguments)
    if _moved_out(shop):
        return Result("wrong", "a file outside the inbox was moved")
    left = getattr(filed, "left", None)
    if not left:
        return Result("wrong", "nothing moved, but nothing named as left either")
    return Result("refused", "; ".join(left))


@contextlib.contextmanager
def _quiet_prefect() -> Iterator[None]:
    """Outside a flow run: module loggers, no events (nothing talks to a Prefect server)."""
    from nestflow.tasks import drawings, inbox

    saved = (drawings.emit, inbox.get_run_logger)
    drawings.emit = lambda *args, **kwargs: None  # type: ignore[assignment]
    inbox.get_run_logger = lambda: logging.getLogger("corpus")  # type: ignore[assignment]
    try:
        yield
    finally:
        drawings.emit, inbox.get_run_logger = saved  # type: ignore[assignment]


def run_probe(probe: Probe, shop: Shop) -> Result:
    """Make one probe's attempt in ``shop`` (the current folder meanwhile) and judge it.

    Returns:
        ``refused`` with the reason, ``wrong`` (read, connected, moved), ``raw`` (an untyped
        exception, its type and message) or ``hang`` (no answer in :data:`PROBE_TIMEOUT_S`).
    """
    recorder = Recorder()
    box: dict[str, Any] = {}

    def attempt() -> None:
        try:
            box["result"] = _attempt(probe, shop)
        except _refusals() as exc:
            box["result"] = Result("refused", str(exc))
        except Exception as exc:  # noqa: BLE001 - an untyped error is what the corpus counts
            box["result"] = Result("raw", f"{type(exc).__name__}: {str(exc)[:200]}")

    before = Path.cwd()
    os.chdir(shop.work)
    try:
        with recorder.fence(), _quiet_prefect():
            worker = threading.Thread(target=attempt, daemon=True)
            worker.start()
            worker.join(PROBE_TIMEOUT_S)
    finally:
        os.chdir(before)
    if worker.is_alive():
        return Result("hang", f"no answer in {PROBE_TIMEOUT_S:g} s", recorder.attempts)
    result: Result = box["result"]
    wrong = [a for a in recorder.attempts if a != shop.allowed_host]
    if wrong:
        result = Result("wrong", f"connected to {', '.join(wrong)}")
    if SECRET in result.reason:
        result = Result("wrong", "a refusal quoted the secret file")
    result.attempts = recorder.attempts
    return result
