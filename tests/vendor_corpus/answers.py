"""The corpus of malformed vendor answers: ~300 cases for the CloudNest and AlmaCAM clients.

Each :class:`Case` is one client call (``call``) answered by one scripted :class:`Answer`, served
byte for byte by the loopback server of ``tests/misbehaving.py``, and declares what the client
must do: raise the named typed error of its service's family (``expect``), or accept the answer
(``expect`` ``None``). Answers are generated, not stored: every generic kind (broken JSON, wrong
status codes, bodies of the wrong type, compression bombs, dripped headers and bodies, extreme
``Retry-After``, connections cut) is crossed with every call it can reach; answers particular to
one service (envelopes with wrong types, negative ids and counts, files that are not files, a
token quoted back) are added per call.

``slow`` marks the cases that take seconds by nature (drips, waits): the suite runs them for one
call per service, the bench for all.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.misbehaving import MIB, Answer

JSON = (("Content-Type", "application/json"),)
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Login</body></html>"
DXF = b"  0\nSECTION\n  2\nENTITIES\n  0\nENDSEC\n  0\nEOF\n"
BINARY_DXF = b"AutoCAD Binary DXF\r\n\x1a\x00" + b"\x00" * 32
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
#: The secret the corpus's CloudNest clients sign with (a server may quote it back).
CLOUDNEST_SECRET = "corpus-app-secret-5150"
#: The token of the corpus's AlmaCAM clients.
ALMACAM_TOKEN = "corpus-token-8086"
#: Head padding that makes a drip of 0.05 s a byte last about a minute.
PAD = (("X-Pad", "p" * 1200),)
#: The limit of the corpus clients' answers (``max_answer_bytes``).
LIMIT = MIB


@dataclass(frozen=True)
class Case:
    """One call of one client, answered by one scripted answer.

    Attributes:
        id: ``service/call/kind``, unique.
        service: ``"cloudnest"`` or ``"almacam"``.
        call: Name of the call in ``tests.vendor_corpus.runner.CALLS``.
        answer: What the server answers, to every attempt.
        expect: Name of the typed error expected (a class of the service's errors module), or
            ``None`` when the answer is right and must be accepted.
        slow: The case takes seconds by nature (a drip, a wait).
        secret_free: The error must not carry the client's secret (the answer quotes it).
    """

    id: str
    service: str
    call: str
    answer: Answer
    expect: str | None
    slow: bool = False
    secret_free: bool = False
    tags: tuple[str, ...] = field(default=())


def _json(body: Any, status: int = 200, *headers: tuple[str, str]) -> Answer:
    return Answer(status=status, body=json.dumps(body).encode(), headers=JSON + headers)


def _raw_json(body: bytes, status: int = 200, *headers: tuple[str, str]) -> Answer:
    return Answer(status=status, body=body, headers=JSON + headers)


def _page(status: int, body: bytes = HTML_PAGE) -> Answer:
    return Answer(status=status, body=body, headers=(("Content-Type", "text/html"),))


def _gzip_bomb() -> bytes:
    return gzip.compress(b"\0" * (4 * LIMIT), compresslevel=9)


# --- generic answers: any call of any service can get them ---------------------------------------

#: Bodies that are not the JSON an API answers, sent with HTTP 200 and a JSON content type.
BAD_BODIES: dict[str, bytes] = {
    "empty-body": b"",
    "truncated-object": b'{"status": 0, "msg": "OK", "data": [{"job_id": 1',
    "deep-array-200k": b"[" * 200_000,
    "deep-object-100k": b'{"a":' * 100_000,
    "deep-closed-array-5k": b"[" * 5000 + b"]" * 5000,
    "int-5000-digits": b"7" * 5000,
    "float-1e999": b"1e999",
    "json-null": b"null",
    "json-string": b'"OK"',
    "json-empty-object": b"{}",
    "nul-bytes": b"\0" * 64,
    "invalid-utf8": b'{"message": "\xff\xfe\xfd"}',
    "utf16-bom": '{"message": "x"}'.encode("utf-16"),
    "html-as-json": HTML_PAGE,
    "nan-literal": b"NaN",
    "duplicate-keys": b'{"status": 0, "status": 2200, "msg": "a", "msg": 5, "message": 5}',
}

#: HTTP statuses no call of either API answers with a usable body (HTML bodies, as proxies send).
ODD_STATUSES = (201, 299, 301, 400, 401, 403, 404, 405, 409, 413, 418, 500, 502, 503, 504)

#: Answers that break the transport, not the content.
BROKEN_TRANSPORT: dict[str, Answer] = {
    "closed-without-answer": Answer(raw=b""),
    "garbage-status-line": Answer(raw=b"HELLO THERE\r\n\r\n"),
    "status-5000-digits": Answer(raw=b"HTTP/1.1 " + b"2" * 5000 + b" OK\r\n\r\n"),
    "length-longer-than-body": Answer(
        raw=b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{}"
    ),
    "bad-chunked-encoding": Answer(
        raw=b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n"
    ),
    "header-without-colon": Answer(raw=b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n{}"),
}

#: Bodies beyond the size limit, or compressed wrongly.
OVERSIZED: dict[str, Answer] = {
    "gzip-bomb": Answer(body=_gzip_bomb(), headers=JSON + (("Content-Encoding", "gzip"),)),
    "deflate-bomb": Answer(
        body=zlib.compress(b"\0" * (4 * LIMIT), 9),
        headers=JSON + (("Content-Encoding", "deflate"),),
    ),
    "huge-body": Answer(body=b" " * (2 * LIMIT), headers=JSON),
    "corrupt-gzip": Answer(
        body=b"\x1f\x8b\x08\x00garbage", headers=JSON + (("Content-Encoding", "gzip"),)
    ),
    "truncated-gzip": Answer(
        body=gzip.compress(b'{"status": 0, "msg": "OK", "data": []}' * 50)[:-12],
        headers=JSON + (("Content-Encoding", "gzip"),),
    ),
    "unknown-encoding": Answer(
        body=b"{}", headers=JSON + (("Content-Encoding", "br, zstd, x-odd"),)
    ),
}


def _dripped_head(body: bytes, status: int = 200) -> Answer:
    return Answer(status=status, body=body, headers=JSON + PAD, drip_head_s=0.05)


def _dripped_body(body: bytes, status: int = 200) -> Answer:
    return Answer(status=status, body=body.ljust(1200), headers=JSON, drip_body_s=0.05)


# --- CloudNest -----------------------------------------------------------------------------------

#: CloudNest calls through the envelope: name -> (a right ``data``, read-only).
CLOUDNEST_CALLS: dict[str, Any] = {
    "job_search": [{"job_id": 12, "job_name": "order-42"}],
    "job_add": {"job_id": 12, "job_name": "order-42"},
    "job_nest_detail": {"status": "finished", "msg": "", "results": []},
    "production_push": {"plan_guid": "P-1"},
}


def _envelope(data: Any, status: int = 0, msg: str = "OK") -> Answer:
    return _json({"status": status, "msg": msg, "data": data})


def _cloudnest_status_error(status: int, call: str) -> str:
    if status in (404, 405):
        return "CloudNestUnknownRoute"
    if status == 429:
        return "CloudNestRateLimited"
    if status >= 500:
        return "CloudNestServerError"
    if 200 <= status < 300:
        return "CloudNestUnreadableAnswer"
    return "CloudNestValidationError"


#: Calls that get every generic answer (a read-only query and a create); the others get a sample.
CLOUDNEST_CROSSED = ("job_search", "job_add")
#: The generic answers the other calls get.
SAMPLE = frozenset(
    {
        "right-answer",
        "empty-body",
        "deep-array-200k",
        "int-5000-digits",
        "html-as-json",
        "http-404-html",
        "http-500-html",
        "closed-without-answer",
        "gzip-bomb",
        "status-huge",
        "data-wrong-type",
        "secret-quoted-back",
        "token-quoted-in-401",
        "dripped-headers",
    }
)


def _cloudnest_cases() -> Iterator[Case]:
    for call in CLOUDNEST_CALLS:
        for one in _cloudnest_generic(call):
            if call in CLOUDNEST_CROSSED or one.id.rsplit("/", 1)[1] in SAMPLE:
                yield one
    yield from _cloudnest_value_cases()
    yield from _download_cases()


def _cloudnest_generic(call: str) -> Iterator[Case]:
    right = CLOUDNEST_CALLS[call]

    def case(kind: str, answer: Answer, expect: str | None, **extra: Any) -> Case:
        return Case(f"cloudnest/{call}/{kind}", "cloudnest", call, answer, expect, **extra)

    yield case("right-answer", _envelope(right), None)
    for kind, body in BAD_BODIES.items():
        yield case(kind, _raw_json(body), "CloudNestUnreadableAnswer")
    for status in ODD_STATUSES:
        if status == 201:
            continue  # a 201 with an HTML page is as unreadable as the 200s above
        yield case(f"http-{status}-html", _page(status), _cloudnest_status_error(status, call))
    yield case(
        "http-204", Answer(status=204, headers=(), length=False), "CloudNestUnreadableAnswer"
    )
    for kind, answer in BROKEN_TRANSPORT.items():
        yield case(kind, answer, "CloudNestTransportError")
    for kind, answer in OVERSIZED.items():
        expect = {
            "corrupt-gzip": "CloudNestUnreadableAnswer",
            "truncated-gzip": "CloudNestUnreadableAnswer",
            "unknown-encoding": "CloudNestUnreadableAnswer",
        }.get(kind, "CloudNestAnswerTooLarge")
        yield case(kind, answer, expect)
    # envelopes of the wrong shape
    yield case(
        "status-as-string",
        _json({"status": "0", "msg": "OK", "data": right}),
        "CloudNestUnreadableAnswer",
    )
    yield case(
        "status-float",
        _json({"status": 0.5, "msg": "OK", "data": right}),
        "CloudNestUnreadableAnswer",
    )
    yield case(
        "status-huge",
        _raw_json(b'{"status": ' + b"9" * 4000 + b', "msg": "x"}'),
        "CloudNestUnreadableAnswer",
    )
    yield case("status-unknown-code", _envelope(None, 7777, "odd"), "CloudNestServerError")
    yield case(
        "msg-not-a-string",
        _json({"status": 0, "msg": {"a": 1}, "data": right}),
        "CloudNestUnreadableAnswer",
    )
    yield case("data-missing", _json({"status": 0, "msg": "OK"}), "CloudNestValidationError")
    yield case("data-wrong-type", _envelope("a string"), "CloudNestValidationError")
    yield case(
        "data-deeply-nested",
        _raw_json(b'{"status": 0, "msg": "OK", "data": ' + b"[" * 3000 + b"]" * 3000 + b"}"),
        "CloudNestUnreadableAnswer",
    )
    yield case(
        "secret-quoted-back",
        _envelope(None, 2200, f"bad parameter near {CLOUDNEST_SECRET}"),
        "CloudNestValidationError",
        secret_free=True,
    )
    # waits: "too frequent" with extreme Retry-After, and the slow answers
    too_frequent = {"status": 1009, "msg": "call frequency exceeds limit"}
    yield case(
        "retry-after-a-day",
        _json(too_frequent, 200, ("Retry-After", "86400")),
        "CloudNestRateLimited",
    )
    yield case(
        "retry-after-1e308",
        _json(too_frequent, 200, ("Retry-After", "1e308")),
        "CloudNestRateLimited",
    )
    yield case(
        "retry-after-inf", _json(too_frequent, 200, ("Retry-After", "inf")), "CloudNestRateLimited"
    )
    yield case(
        "retry-after-negative",
        _json(too_frequent, 200, ("Retry-After", "-5")),
        "CloudNestCallBudgetExceeded",
        slow=True,
    )
    yield case(
        "retry-after-date-past",
        _json(too_frequent, 200, ("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")),
        "CloudNestCallBudgetExceeded",
        slow=True,
    )
    yield case(
        "retry-after-59",
        _json(too_frequent, 200, ("Retry-After", "59")),
        "CloudNestCallBudgetExceeded",
        slow=True,
    )
    yield case(
        "retry-after-garbage",
        _json(too_frequent, 200, ("Retry-After", "soon")),
        "CloudNestCallBudgetExceeded",
        slow=True,
    )
    yield case(
        "http-429-no-retry-after",
        Answer(status=429, body=b"", headers=JSON),
        "CloudNestCallBudgetExceeded",
        slow=True,
    )
    yield case(
        "dripped-headers",
        _dripped_head(json.dumps({"status": 0, "msg": "OK", "data": right}).encode()),
        "CloudNestTransportError",
        slow=True,
    )
    yield case(
        "dripped-body",
        _dripped_body(json.dumps({"status": 0, "msg": "OK", "data": right}).encode()),
        "CloudNestTransportError",
        slow=True,
    )


def _cloudnest_value_cases() -> Iterator[Case]:
    # wrong values in the data of one endpoint each
    wrong_data = {
        ("job_search", "job-id-negative"): [{"job_id": -7, "job_name": "x"}],
        ("job_search", "job-id-beyond-64-bits"): [{"job_id": 2**70, "job_name": "x"}],
        ("job_search", "job-id-string"): [{"job_id": "abc", "job_name": "x"}],
        ("job_search", "job-name-missing"): [{"job_id": 3}],
        ("job_search", "entries-not-objects"): [1, 2, 3],
        ("job_add", "job-id-negative"): {"job_id": -7, "job_name": "x"},
        ("job_add", "job-id-null"): {"job_id": None, "job_name": "x"},
        ("job_add", "job-id-float"): {"job_id": 1.5, "job_name": "x"},
        ("job_nest_detail", "status-missing"): {"msg": "", "results": []},
        ("job_nest_detail", "layout-amount-negative"): {
            "status": "finished",
            "results": [_layout(amount=-5)],
        },
        ("job_nest_detail", "layout-amount-zero"): {
            "status": "finished",
            "results": [_layout(amount=0)],
        },
        ("job_nest_detail", "layout-amount-absurd"): {
            "status": "finished",
            "results": [_layout(amount=10**12)],
        },
        ("job_nest_detail", "results-not-a-list"): {"status": "finished", "results": {"a": 1}},
        ("job_part_layout", "right-answer"): [_part_layout()],
        ("job_part_layout", "amount-negative"): [_part_layout(amount=-5)],
        ("job_part_layout", "nested-amount-negative"): [_part_layout(nested_amount=-1)],
        ("job_part_layout", "nested-amount-absurd"): [_part_layout(nested_amount=10**12)],
        ("production_push", "plan-guid-missing"): {},
        ("production_push", "plan-guid-number"): {"plan_guid": 5},
    }
    for (call, kind), data in wrong_data.items():
        expect = None if kind == "right-answer" else "CloudNestValidationError"
        yield Case(f"cloudnest/{call}/{kind}", "cloudnest", call, _envelope(data), expect)


def _part_layout(**changes: Any) -> dict[str, Any]:
    entry = {"part_guid": "P1", "part_name": "bracket", "amount": 4, "nested_amount": 4}
    return entry | changes


def _layout(**changes: Any) -> dict[str, Any]:
    layout = {
        "result_guid": "L1",
        "plate_name": "3000x1500",
        "width": 3000.0,
        "height": 1500.0,
        "amount": 1,
        "dxf_url": "files/L1.dxf",
        "parts": [],
    }
    return layout | changes


def _download_cases() -> Iterator[Case]:
    def case(kind: str, answer: Answer, expect: str | None, **extra: Any) -> Case:
        return Case(f"cloudnest/download/{kind}", "cloudnest", "download", answer, expect, **extra)

    dxf_types = ("application/dxf", "text/plain", "application/octet-stream", "image/vnd.dxf")
    for kind in dxf_types:
        yield case(
            f"dxf-as-{kind.replace('/', '-')}",
            Answer(body=DXF, headers=(("Content-Type", kind),)),
            None,
        )
    yield case("dxf-without-type", Answer(body=DXF, headers=()), None)
    yield case(
        "dxf-with-comment-first", Answer(body=b"999\nmade by CloudNest\n" + DXF, headers=()), None
    )
    yield case("dxf-crlf", Answer(body=DXF.replace(b"\n", b"\r\n"), headers=()), None)
    yield case(
        "binary-dxf",
        Answer(body=BINARY_DXF, headers=(("Content-Type", "application/octet-stream"),)),
        None,
    )
    yield case(
        "dxf-gzip-encoded",
        Answer(body=gzip.compress(DXF), headers=(("Content-Encoding", "gzip"),)),
        None,
    )
    yield case("html-login-page", _page(200), "CloudNestBadDownload")
    yield case(
        "html-page-as-dxf-type",
        Answer(body=HTML_PAGE, headers=(("Content-Type", "application/dxf"),)),
        "CloudNestBadDownload",
    )
    yield case(
        "xhtml-page",
        Answer(body=HTML_PAGE, headers=(("Content-Type", "application/xhtml+xml"),)),
        "CloudNestBadDownload",
    )
    yield case(
        "empty-200",
        Answer(body=b"", headers=(("Content-Type", "application/dxf"),)),
        "CloudNestBadDownload",
    )
    yield case("http-204", Answer(status=204, headers=(), length=False), "CloudNestBadDownload")
    yield case(
        "http-206-partial", Answer(status=206, body=DXF[:10], headers=()), "CloudNestBadDownload"
    )
    yield case(
        "json-envelope-error", _envelope(None, 2002, "layout not found"), "CloudNestBadDownload"
    )
    yield case("json-deep", _raw_json(b"[" * 200_000), "CloudNestBadDownload")
    yield case(
        "zip-file",
        Answer(body=b"PK\x03\x04" + b"\0" * 64, headers=(("Content-Type", "application/zip"),)),
        "CloudNestBadDownload",
    )
    yield case(
        "png-file",
        Answer(body=PNG, headers=(("Content-Type", "image/png"),)),
        "CloudNestBadDownload",
    )
    yield case(
        "whitespace-only",
        Answer(body=b"   \n\n  ", headers=(("Content-Type", "text/plain"),)),
        "CloudNestBadDownload",
    )
    yield case(
        "section-not-first",
        Answer(body=b"hello\nworld\n" + DXF, headers=()),
        "CloudNestBadDownload",
    )
    yield case("truncated-group-code", Answer(body=b"  0\n", headers=()), "CloudNestBadDownload")
    yield case("http-404", _page(404), "CloudNestNotFound")
    yield case("http-403", _page(403), "CloudNestServerError")
    yield case("http-500", _page(500), "CloudNestServerError")
    yield case(
        "http-302",
        Answer(status=302, body=b"", headers=(("Location", "http://127.0.0.1:9/x"),)),
        "CloudNestServerError",
    )
    for kind, answer in BROKEN_TRANSPORT.items():
        yield case(kind, answer, "CloudNestTransportError")
    yield case("gzip-bomb", OVERSIZED["gzip-bomb"], "CloudNestAnswerTooLarge")
    yield case("huge-body", OVERSIZED["huge-body"], "CloudNestAnswerTooLarge")
    yield case("corrupt-gzip", OVERSIZED["corrupt-gzip"], "CloudNestUnreadableAnswer")
    yield case(
        "truncated-gzip-dxf",
        Answer(body=gzip.compress(DXF * 50)[:-12], headers=(("Content-Encoding", "gzip"),)),
        "CloudNestUnreadableAnswer",
    )
    yield case("dripped-headers", _dripped_head(DXF), "CloudNestTransportError", slow=True)
    yield case("dripped-body", _dripped_body(DXF), "CloudNestTransportError", slow=True)


# --- AlmaCAM -------------------------------------------------------------------------------------

#: AlmaCAM calls: name -> its right answer.
ALMACAM_CALLS: dict[str, Answer] = {
    "submit": _json({"message": "Nesting order submitted", "nesting_order_id": 12345}, 201),
    "result_stats": _json(
        {
            "message": "done",
            "nestings": [{"sheet": 1, "quantity": 2, "length": 812.5, "nested_parts": [{"id": 1}]}],
        }
    ),
    "image": Answer(body=PNG, headers=(("Content-Type", "image/png"),)),
}


def _almacam_status_error(status: int, call: str) -> str:
    if status in (429, 503):
        return "AlmaCamCallBudgetExceeded"
    if status == 401:
        return "AlmaCamAuthError"
    if status == 404:
        return "AlmaCamNotFound"
    if status == 413:
        return "AlmaCamOrderTooLarge"
    if status >= 500:
        return "AlmaCamServerError"
    return "AlmaCamProtocolError"


#: Calls that get every generic answer; the image gets a sample (see :data:`SAMPLE`).
ALMACAM_CROSSED = ("submit", "result_stats")


def _almacam_cases() -> Iterator[Case]:
    for call in ALMACAM_CALLS:
        for one in _almacam_generic(call):
            if call in ALMACAM_CROSSED or one.id.rsplit("/", 1)[1] in SAMPLE:
                yield one
    yield from _almacam_value_cases()


def _almacam_generic(call: str) -> Iterator[Case]:
    right = ALMACAM_CALLS[call]

    def case(kind: str, answer: Answer, expect: str | None, **extra: Any) -> Case:
        return Case(f"almacam/{call}/{kind}", "almacam", call, answer, expect, **extra)

    success = right.status
    yield case("right-answer", right, None)
    for kind, body in BAD_BODIES.items():
        yield case(kind, _raw_json(body, success), "AlmaCamProtocolError")
    for status in ODD_STATUSES:
        if status == success or status == 503:
            continue  # 503 is a pause, below with 429
        yield case(f"http-{status}-html", _page(status), _almacam_status_error(status, call))
    yield case("http-204", Answer(status=204, headers=(), length=False), "AlmaCamProtocolError")
    for kind, answer in BROKEN_TRANSPORT.items():
        yield case(kind, answer, "AlmaCamTransportError")
    for kind, answer in OVERSIZED.items():
        expect = "AlmaCamAnswerTooLarge"
        if kind in ("corrupt-gzip", "truncated-gzip", "unknown-encoding"):
            expect = "AlmaCamProtocolError"
        yield case(kind, answer, expect)
    # error answers whose bodies are broken too
    yield case("http-400-deep-json", _raw_json(b"[" * 200_000, 400), "AlmaCamProtocolError")
    yield case("http-401-deep-json", _raw_json(b"[" * 200_000, 401), "AlmaCamAuthError")
    yield case("http-500-deep-json", _raw_json(b"[" * 200_000, 500), "AlmaCamServerError")
    yield case(
        "http-404-int-5000-digits",
        _raw_json(b'{"message": ' + b"9" * 5000 + b"}", 404),
        "AlmaCamNotFound",
    )
    yield case(
        "http-400-errors-wrong-type",
        _json({"message": "x", "errors": "none"}, 400),
        "AlmaCamProtocolError",
    )
    yield case(
        "http-400-error-code-string",
        _json({"message": "x", "errors": [{"error_code": "bad", "message": "m"}]}, 400),
        "AlmaCamProtocolError",
    )
    # the token quoted back
    for status, expect in (
        (401, "AlmaCamAuthError"),
        (400, "AlmaCamValidationError"),
        (500, "AlmaCamServerError"),
        (404, "AlmaCamNotFound"),
    ):
        body = {
            "message": "bad token {TOKEN}",
            "errors": [{"error_code": -973, "message": "token {TOKEN}", "path": ["{TOKEN}"]}],
        }
        yield case(
            f"token-quoted-in-{status}",
            Answer(status=status, body=json.dumps(body).encode(), headers=JSON, echo_token=True),
            expect,
            secret_free=True,
        )
    # waits
    for status in (429, 503):
        yield case(
            f"http-{status}-retry-after-a-day",
            _json({"message": "slow"}, status, ("Retry-After", "86400")),
            "AlmaCamRateLimited",
        )
        yield case(
            f"http-{status}-retry-after-inf",
            _json({"message": "slow"}, status, ("Retry-After", "inf")),
            "AlmaCamRateLimited",
        )
        yield case(
            f"http-{status}-retry-after-negative",
            _json({"message": "slow"}, status, ("Retry-After", "-1")),
            "AlmaCamRateLimited",
        )
        yield case(
            f"http-{status}-retry-after-59",
            _json({"message": "slow"}, status, ("Retry-After", "59")),
            "AlmaCamCallBudgetExceeded",
            slow=True,
        )
        yield case(
            f"http-{status}-retry-after-garbage",
            _json({"message": "slow"}, status, ("Retry-After", "later")),
            "AlmaCamCallBudgetExceeded",
            slow=True,
        )
    right_body = right.body if call != "image" else PNG
    yield case(
        "dripped-headers",
        Answer(status=success, body=right_body, headers=right.headers + PAD, drip_head_s=0.05),
        "AlmaCamTransportError",
        slow=True,
    )
    yield case(
        "dripped-body",
        Answer(
            status=success, body=right_body.ljust(1200), headers=right.headers, drip_body_s=0.05
        ),
        "AlmaCamTransportError",
        slow=True,
    )


def _almacam_value_cases() -> Iterator[Case]:
    def submitted(order_id: Any) -> Answer:
        return _json({"message": "Nesting order submitted", "nesting_order_id": order_id}, 201)

    for kind, order_id in {
        "order-id-negative": -7,
        "order-id-zero": 0,
        "order-id-beyond-64-bits": 2**64,
        "order-id-string": "abc",
        "order-id-float": 1.5,
        "order-id-null": None,
        "order-id-list": [1],
    }.items():
        yield Case(
            f"almacam/submit/{kind}",
            "almacam",
            "submit",
            submitted(order_id),
            "AlmaCamProtocolError",
        )
    yield Case(
        "almacam/submit/order-id-5000-digits",
        "almacam",
        "submit",
        _raw_json(b'{"message": "x", "nesting_order_id": ' + b"9" * 5000 + b"}", 201),
        "AlmaCamProtocolError",
    )
    yield Case(
        "almacam/submit/order-id-missing",
        "almacam",
        "submit",
        _json({"message": "x"}, 201),
        "AlmaCamProtocolError",
    )
    yield Case(
        "almacam/submit/http-202",
        "almacam",
        "submit",
        _json({"message": "computing"}, 202),
        "AlmaCamProtocolError",
    )

    def nesting(**changes: Any) -> dict[str, Any]:
        return {"sheet": 1, "quantity": 1, "length": 100.0, "nested_parts": [{"id": 1}]} | changes

    def stats(*nestings: Any, **top: Any) -> Answer:
        return _json({"message": "done", "nestings": list(nestings)} | top)

    for kind, answer in {
        "quantity-negative": stats(nesting(quantity=-5)),
        "quantity-zero": stats(nesting(quantity=0)),
        "quantity-absurd": stats(nesting(quantity=10**12)),
        "quantity-string": stats(nesting(quantity="two")),
        "length-negative": stats(nesting(length=-100.0)),
        "length-string": stats(nesting(length="long")),
        "sheet-id-beyond-64-bits": stats(nesting(sheet=2**70)),
        "part-id-beyond-64-bits": stats(nesting(nested_parts=[{"id": 2**70}])),
        "part-id-string": stats(nesting(nested_parts=[{"id": "a"}])),
        "nested-parts-missing": stats({"sheet": 1, "quantity": 1, "length": 1.0}),
        "nested-parts-not-a-list": stats(nesting(nested_parts={"id": 1})),
        "nestings-missing": _json({"message": "done"}),
        "nestings-not-a-list": _json({"message": "done", "nestings": "all"}),
        "message-missing": _json({"nestings": []}),
        "nesting-not-an-object": stats(5),
        "length-nan-literal": _raw_json(
            b'{"message": "x", "nestings": [{"sheet": 1, "quantity": 1, "length": NaN, '
            b'"nested_parts": []}]}'
        ),
        "length-infinity-literal": _raw_json(
            b'{"message": "x", "nestings": [{"sheet": 1, "quantity": 1, "length": Infinity, '
            b'"nested_parts": []}]}'
        ),
    }.items():
        yield Case(
            f"almacam/result_stats/{kind}",
            "almacam",
            "result_stats",
            answer,
            "AlmaCamProtocolError",
        )
    yield Case(
        "almacam/result_stats/http-202-computing",
        "almacam",
        "result_stats",
        _json({"message": "This nesting order is still computing"}, 202),
        None,
    )
    yield Case(
        "almacam/result_stats/http-202-deep-json",
        "almacam",
        "result_stats",
        _raw_json(b"[" * 200_000, 202),
        None,
    )
    yield Case(
        "almacam/image/http-202",
        "almacam",
        "image",
        _json({"message": "computing"}, 202),
        "AlmaCamStillComputing",
    )
    yield Case(
        "almacam/image/png-truncated-signature",
        "almacam",
        "image",
        Answer(body=PNG[:4], headers=(("Content-Type", "image/png"),)),
        "AlmaCamProtocolError",
    )
    yield Case("almacam/image/html-page", "almacam", "image", _page(200), "AlmaCamProtocolError")


def cases() -> list[Case]:
    """Every case of the corpus, CloudNest first, ids unique."""
    every = [*_cloudnest_cases(), *_almacam_cases()]
    ids = [case.id for case in every]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise AssertionError(f"corpus ids not unique: {sorted(duplicates)}")
    return every


#: Filter of the suite: every fast case, and the slow ones of one call per service.
SUITE_SLOW_CALLS = frozenset({"job_search", "result_stats"})


def in_suite(case: Case) -> bool:
    """Whether the suite runs ``case`` (the bench runs them all)."""
    return not case.slow or case.call in SUITE_SLOW_CALLS
