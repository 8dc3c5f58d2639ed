"""Runs nestflow.nesting.solve in a subprocess for bench_vs_packingsolver's ``--before`` column.

Reads a NestRequest as JSON on stdin, writes the NestResult as JSON on stdout. Started with
``PYTHONPATH=<an older checkout>`` so that checkout's ``nestflow`` answers: the same request,
solved by the code before a change, in the same benchmark run as the code after it.
"""

from __future__ import annotations

import sys

from nestflow.nesting import NestRequest, solve


def main() -> None:
    request = NestRequest.model_validate_json(sys.stdin.read())
    print(solve(request).model_dump_json())


if __name__ == "__main__":
    main()
