"""What the URL guard lets through, what it refuses, and that a refusal sends nothing.

Every transport here is an httpx ``MockTransport``: nothing leaves the process, and a transport
that must not be reached fails the test when it is.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import pytest

from nestflow.blocks.settings import DrawingRoots
from nestflow.intake import url_file_name
from nestflow.urls import GuardedTransport, UrlPolicy, UrlRefused, check_url

PUBLIC = "93.184.215.14"


def _never(request: httpx.Request) -> httpx.Response:
    pytest.fail(f"a refused URL reached the network: {request.url}")


def _resolver(*answers: str):
    """A resolver answering every name with ``answers`` (no DNS traffic)."""

    def resolve(host: str, port: int) -> Sequence[str]:
        return answers

    return resolve


def _no_lookup(host: str, port: int) -> Sequence[str]:
    pytest.fail(f"{host} was looked up")


def _client(policy: UrlPolicy, handler, resolve=_no_lookup) -> httpx.Client:
    transport = GuardedTransport(policy, httpx.MockTransport(handler), resolve)
    return httpx.Client(transport=transport, follow_redirects=True)


def test_a_name_resolving_to_a_private_address_is_refused_before_any_connection() -> None:
    with _client(UrlPolicy(), _never, _resolver("10.1.2.3")) as client:
        with pytest.raises(UrlRefused, match="resolves to 10.1.2.3, which is a private address"):
            client.get("http://files.example.com/part.dxf")


def test_one_private_address_among_public_ones_refuses_the_host() -> None:
    with _client(UrlPolicy(), _never, _resolver(PUBLIC, "127.0.0.1")) as client:
        with pytest.raises(UrlRefused, match="loopback"):
            client.get("http://files.example.com/part.dxf")


def test_the_connection_goes_to_the_checked_address_with_the_hosts_name() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"dxf")

    with _client(UrlPolicy(), answer, _resolver(PUBLIC)) as client:
        assert client.get("http://files.example.com:8080/part.dxf").content == b"dxf"
    (sent,) = seen
    assert (sent.url.host, sent.url.port, sent.url.path) == (PUBLIC, 8080, "/part.dxf")
    assert sent.headers["Host"] == "files.example.com:8080"


def test_an_https_connection_to_the_checked_address_verifies_the_hosts_name() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    with _client(UrlPolicy(), answer, _resolver(PUBLIC)) as client:
        client.get("https://files.example.com/part.dxf")
    assert seen[0].extensions["sni_hostname"] == "files.example.com"


def test_each_redirect_hop_is_checked() -> None:
    hops: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        hops.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/"})

    with _client(UrlPolicy(), answer, _resolver(PUBLIC)) as client:
        with pytest.raises(UrlRefused, match="169.254.169.254 is a link-local address"):
            client.get("http://files.example.com/part.dxf")
    assert hops == [f"http://{PUBLIC}/part.dxf"]


def test_an_allowed_host_is_fetched_by_name_whatever_its_address() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200)

    with _client(UrlPolicy(allowed_hosts=["erp.local"]), answer) as client:
        client.get("http://erp.local:8000/part.dxf")
    assert seen == ["http://erp.local:8000/part.dxf"]


def test_a_host_allowed_on_one_port_is_refused_on_another() -> None:
    policy = UrlPolicy(allowed_hosts=["127.0.0.1:8000"])
    assert check_url("http://127.0.0.1:8000/a.dxf", policy) is None
    with pytest.raises(UrlRefused, match="loopback"):
        check_url("http://127.0.0.1:8001/a.dxf", policy)


def test_an_ipv6_host_is_allowed_in_brackets_with_its_port() -> None:
    assert check_url("http://[::1]:9000/a.dxf", UrlPolicy(allowed_hosts=["[::1]:9000"])) is None


@pytest.mark.parametrize(
    "url",
    ["http://localhost/a.dxf", "http://files.localhost/a.dxf", "http://metadata/computeMetadata"],
)
def test_loopback_and_metadata_names_are_refused_without_a_lookup(url: str) -> None:
    with pytest.raises(UrlRefused):
        check_url(url, UrlPolicy(), _no_lookup)


def test_a_name_that_does_not_resolve_is_refused_naming_it() -> None:
    def fail(host: str, port: int) -> Sequence[str]:
        raise OSError("Name or service not known")

    with pytest.raises(UrlRefused, match="nowhere.example does not resolve"):
        check_url("http://nowhere.example/a.dxf", UrlPolicy(), fail)


def test_a_public_address_is_connected_to() -> None:
    assert str(check_url(f"http://{PUBLIC}/a.dxf", UrlPolicy(), _no_lookup)) == PUBLIC


def test_a_url_file_name_decoding_to_a_path_is_only_its_last_name() -> None:
    assert url_file_name("http://erp.example.com/..%2F..%2Fetc%2Fpasswd") == "passwd"
    assert url_file_name("http://erp.example.com/..%5C..%5Cboot.ini") == "boot.ini"
    assert url_file_name("http://erp.example.com/%2E%2E") == "drawing.dxf"


def test_a_drawing_roots_block_without_folders_keeps_the_working_folder() -> None:
    roots = DrawingRoots(url_hosts=["erp.local"])
    assert roots.resolved() is None
    assert roots.url_policy().allowed_hosts == ("erp.local",)


def test_a_drawing_roots_block_refuses_a_url_as_a_host() -> None:
    with pytest.raises(ValueError, match="give host names or host:port"):
        DrawingRoots(url_hosts=["http://erp.local/"])


def test_a_proxy_in_the_environment_does_not_bypass_the_guard(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nestflow.geometry.reader import ReadOptions
    from nestflow.intake import DrawingLocation, OrderTerms
    from nestflow.tasks import drawings

    monkeypatch.setattr(drawings, "emit", lambda *args, **kwargs: None)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # the discard port: nothing listens
    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", _never)
    ref = DrawingLocation(file="a.dxf", url="http://10.0.0.1/a.dxf")
    checked = drawings.check_drawing(ref, OrderTerms(), ReadOptions())
    assert checked.failure is not None and checked.failure.kind == "url_refused"
