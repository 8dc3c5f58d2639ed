"""Which URLs a run may fetch a drawing from, and a transport that fetches nothing else.

A drawing's URL comes from whoever started the run (a form, an ERP's event), so the worker must
not become their way into its own network: by default a URL is fetched only over ``http`` or
``https``, without credentials in it, from a host whose *every* resolved address is public. A
loopback, private, shared (100.64/10), link-local (169.254.169.254 is the cloud metadata service),
reserved, multicast or unspecified address is refused, IPv4-mapped IPv6 addresses
(``::ffff:127.0.0.1``) by the IPv4 address they carry, and address spellings the C resolver
accepts (``2130706433``, ``0x7f000001``, ``0177.0.0.1``, ``127.1``) by the address they mean. Well
known metadata host names are refused by name, before any lookup.

A shop that serves drawings from its own network allows those hosts in the Drawing Roots block
(:class:`UrlPolicy.allowed_hosts`, ``host`` or ``host:port``): an allowed host is fetched whatever
its addresses.

:class:`GuardedTransport` checks every request it sends, so each redirect hop is checked too
(httpx follows redirects through its transport), and it connects to the address it checked, not
to a second lookup of the name: a DNS answer that changes between the check and the connection
(DNS rebinding) cannot move the request to an address that was not checked. HTTPS certificates are
still verified against the host name (sent as SNI). An allowed host is connected to by name.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from nestflow.intake import FileRefused, printable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: Resolves ``(host, port)`` to addresses, as :func:`socket.getaddrinfo` does (injectable).
Resolver = Callable[[str, int], Sequence[str]]

SCHEMES = frozenset({"http", "https"})
#: Longest URL taken: far above any real drawing link, a bound on what is logged and sent on.
MAX_URL_CHARS = 4096
#: Host names of cloud metadata services, refused by name (no lookup is made for them).
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.com",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
#: Redirects followed for one drawing, each hop checked.
MAX_REDIRECTS = 5
#: Address properties that refuse an address, with the words naming them (checked in order).
_FORBIDDEN: tuple[tuple[str, str], ...] = (
    ("is_loopback", "a loopback address"),
    ("is_unspecified", "the unspecified address"),
    ("is_link_local", "a link-local address (169.254.169.254 is the cloud metadata service)"),
    ("is_private", "a private address"),
    ("is_multicast", "a multicast address"),
    ("is_reserved", "a reserved address"),
)


class UrlRefused(FileRefused):
    """A drawing URL that is not fetched: its scheme, credentials, host or address.

    Attributes:
        url: The URL (control characters escaped, cut to 200 characters).
        why: What refuses it.
    """

    def __init__(self, url: str, why: str, *, address: bool = False) -> None:
        shown = printable(url, 200)
        super().__init__(Path("URL"), "url_refused", why)
        fix = (
            ". A shop that serves drawings from its own network allows the host in its Drawing "
            "Roots block (url_hosts)"
            if address
            else ""
        )
        self.args = (f"the URL {shown} is not fetched: {why}{fix}",)
        self.url = shown
        self.why = why


class UrlPolicy(BaseModel):
    """The hosts a run may fetch drawings from besides public ones.

    Attributes:
        allowed_hosts: ``host`` (any port) or ``host:port``, e.g. ``erp.local`` or
            ``127.0.0.1:8080``; fetched whatever their addresses (a shop's own servers).
    """

    model_config = ConfigDict(frozen=True)

    allowed_hosts: tuple[str, ...] = Field(default=())

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _lower(cls, hosts: Sequence[str]) -> tuple[str, ...]:
        # "[::1]" alone is the host ::1 (any port), as httpx spells it; "[::1]:8080" stays.
        lowered = (host.strip().lower() for host in hosts)
        return tuple(h[1:-1] if h.startswith("[") and h.endswith("]") else h for h in lowered)

    def allows(self, host: str, port: int) -> bool:
        """Whether ``host`` (as httpx spells it: lower case, no brackets) is allowed on ``port``."""
        host = host.lower()
        return (
            host in self.allowed_hosts
            or f"{host}:{port}" in self.allowed_hosts
            or (":" in host and f"[{host}]:{port}" in self.allowed_hosts)
        )


def _resolve(host: str, port: int) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as an address means (every IPv4 spelling), else None."""
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    try:  # the C resolver's forms: 2130706433, 0x7f000001, 0177.0.0.1, 127.1
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def forbidden(address: IPAddress) -> str | None:
    """Why an address may not be fetched from (None: a public address)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for flag, words in _FORBIDDEN:
        if getattr(address, flag):
            return words
    if not address.is_global:
        return "not a public address"
    return None


def check_url_form(url: str) -> httpx.URL:
    """Check what a URL says, without any lookup: the parsed URL.

    Raises:
        UrlRefused: Too long, a space or control character, not a valid URL, another scheme
            than http(s), a user name or password in it, or no host.
    """
    if len(url) > MAX_URL_CHARS:
        raise UrlRefused(url, f"{len(url):,} characters, above the limit of {MAX_URL_CHARS:,}")
    if any(ord(c) < 33 or 127 <= ord(c) < 160 for c in url):
        raise UrlRefused(url, "it holds a space or a control character")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise UrlRefused(url, f"it is not a valid URL ({printable(str(exc), 120)})") from None
    if parsed.scheme not in SCHEMES:
        raise UrlRefused(url, f"only http and https are fetched, not {parsed.scheme or 'none'!r}")
    if parsed.userinfo:
        raise UrlRefused(
            url, "it carries a user name or password, which would be logged and sent on"
        )
    if not parsed.host:
        raise UrlRefused(url, "it names no host")
    return parsed


def check_url(url: str, policy: UrlPolicy, resolve: Resolver = _resolve) -> IPAddress | None:
    """Check a URL before anything is sent; the address to connect to.

    Args:
        url: The URL.
        policy: The hosts allowed besides public ones.
        resolve: Name resolution (``socket.getaddrinfo`` by default).

    Returns:
        The checked address to connect to, or None for an allowed host (connect by name).

    Raises:
        UrlRefused: What :func:`check_url_form` refuses, a metadata host name, a name that
            does not resolve, or any resolved address not public (each named).
    """
    parsed = check_url_form(url)
    host = parsed.host
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    if policy.allows(host, port):
        return None
    name = host.rstrip(".")
    if name in METADATA_HOSTS:
        raise UrlRefused(url, f"{name} is a cloud metadata service", address=True)
    if name == "localhost" or name.endswith(".localhost"):
        raise UrlRefused(url, f"{name} is this machine (loopback)", address=True)
    literal = literal_address(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
        verb = "means"
    else:
        try:
            found = resolve(host, port)
        except (OSError, UnicodeError) as exc:
            raise UrlRefused(url, f"its host {name} does not resolve ({exc})") from None
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in found]
        if not addresses:
            raise UrlRefused(url, f"its host {name} does not resolve")
        verb = "resolves to"
    for address in addresses:
        why = forbidden(address)
        if why is not None:
            raise UrlRefused(url, f"{_described(name, address, verb)} {why}", address=True)
    return addresses[0]


def _described(name: str, address: IPAddress, verb: str) -> str:
    """``name`` and the address it stands for, as a refusal says them."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        return f"{name} carries the IPv4 address {mapped}, which is"
    if str(address) == name:
        return f"{name} is"
    return f"{name} {verb} {address}, which is"


class GuardedTransport(httpx.BaseTransport):
    """An httpx transport that sends a request only to a URL :func:`check_url` lets through.

    Each request (so each redirect hop) is checked; a checked address is connected to directly
    (the Host header and the TLS server name stay the URL's host), so a second DNS answer
    cannot redirect the connection (DNS rebinding).

    Args:
        policy: The hosts allowed besides public ones.
        inner: The transport that sends (default: httpx's, with its own connection pool).
        resolve: Name resolution (``socket.getaddrinfo`` by default).
    """

    def __init__(
        self,
        policy: UrlPolicy,
        inner: httpx.BaseTransport | None = None,
        resolve: Resolver = _resolve,
    ) -> None:
        self.policy = policy
        self.inner = inner or httpx.HTTPTransport()
        self.resolve = resolve

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Check the request's URL, then send it to the checked address.

        Raises:
            UrlRefused: The URL may not be fetched (nothing was sent).
        """
        address = check_url(str(request.url), self.policy, self.resolve)
        if address is None:
            return self.inner.handle_request(request)
        extensions: dict[str, Any] = dict(request.extensions)
        if request.url.scheme == "https":
            extensions["sni_hostname"] = request.url.host
        pinned = httpx.Request(
            request.method,
            request.url.copy_with(host=str(address)),
            headers=request.headers,  # its Host header names the URL's host
            stream=request.stream,
            extensions=extensions,
        )
        return self.inner.handle_request(pinned)

    def close(self) -> None:
        """Close the inner transport."""
        self.inner.close()
