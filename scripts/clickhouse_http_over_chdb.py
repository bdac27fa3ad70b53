"""A loopback stand-in for a ClickHouse server's HTTP interface, answered by chDB: for the opt-in
``pytest -m clickhouse`` store tests where no real ClickHouse server can be run (docs/history.md, "Running a
ClickHouse server for it").

NOT a ClickHouse server. The SQL runs in ClickHouse's own engine (chDB 4.4.0 = ClickHouse 26.9), and the client is
the real clickhouse-connect, so the ``clickhouse://`` backend's whole client path runs: its settings as URL
parameters, ``query_df`` decoding the Native format (an empty result is no bytes at all, as from a server), and
``insert_df`` sending Native blocks (lz4, chunked). The HTTP layer is this script's: one chDB connection answers
every request in turn (no concurrency, no sessions, no users: any user and password are accepted), each request's
settings are applied with ``SET`` and reset after it, and an insert's body is read back through ``file(..., Native)``.
What only a server shows (its HTTP handler, parallel queries, sessions, users, a cluster) is not tested by it.

Run: ``python scripts/clickhouse_http_over_chdb.py --data /tmp/ch-data --port 18123``, then
``DERIVINTEL_CLICKHOUSE_URL=clickhouse://127.0.0.1:18123 pytest -m clickhouse tests/store``. It listens on
127.0.0.1 only; stop it with Ctrl-C or a signal.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

NOT_SETTINGS = frozenset(
    {
        "query",
        "query_id",
        "database",
        "session_id",
        "session_timeout",
        "session_check",
        "default_format",
        "compress",
        "decompress",
        "user",
        "password",
        "quota_key",
        "client_protocol_version",
        "wait_end_of_query",
        "buffer_size",
        "enable_http_compression",
        "http_zlib_compression_level",
        "send_progress_in_http_headers",
        "http_headers_progress_interval_ms",
    }
)
_INSERT = re.compile(rb"\s*INSERT\s.*?FORMAT\s+\w+[ \t]*\r?\n", re.IGNORECASE | re.DOTALL)
_INSERT_SQL = re.compile(r"\s*INSERT\s+INTO\s+(\S+)\s*(\([^)]*\))?\s*FORMAT\s+(\w+)\s*$", re.IGNORECASE | re.DOTALL)
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


class Engine:
    """One chDB connection on ``path``; requests take turns on it."""

    def __init__(self, path: str) -> None:
        import chdb

        self.con = chdb.connect(path)
        self.lock = threading.Lock()

    def run(self, sql: str, fmt: str = "TabSeparated") -> bytes:
        return bytes(self.con.query(sql, fmt).bytes())

    def answer(self, query: str, data: bytes | None, params: dict[str, str]) -> bytes:
        """Run one request: ``USE`` its database, ``SET`` its settings, run it, reset the settings."""
        settings = {k: v for k, v in params.items() if k not in NOT_SETTINGS and not k.startswith("param_")}
        with self.lock:
            self.run(f"USE {params.get('database') or 'default'}")
            for key, value in settings.items():
                literal = value if _NUMBER.fullmatch(value) else "'" + value.replace("'", "\\'") + "'"
                try:
                    self.run(f"SET {key} = {literal}")
                except Exception:  # a client-side parameter the engine does not know: not a setting here
                    continue
            try:
                if data is None:
                    return self.run(query, params.get("default_format", "TabSeparated"))
                self._insert(query, data)
                return b""
            finally:
                for key in settings:
                    try:
                        self.run(f"SET {key} = DEFAULT")
                    except Exception:
                        continue

    def _insert(self, query: str, data: bytes) -> None:
        match = _INSERT_SQL.match(query)
        if match is None:
            raise ValueError(f"unsupported insert: {query[:200]}")
        table, columns, fmt = match.group(1), match.group(2) or "", match.group(3)
        fd, tmp = tempfile.mkstemp(suffix=".bin")
        try:
            os.write(fd, data)
            os.close(fd)
            self.run(f"INSERT INTO {table} {columns} SELECT * FROM file('{tmp}', '{fmt}')")
        finally:
            os.unlink(tmp)


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """The request body: chunked or sized, lz4-decompressed when the client compressed it."""
    if (handler.headers.get("Transfer-Encoding") or "").lower() == "chunked":
        chunks = []
        while True:
            size = int(handler.rfile.readline().strip().split(b";")[0], 16)
            if size == 0:
                handler.rfile.readline()
                break
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
        body = b"".join(chunks)
    else:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
    encoding = (handler.headers.get("Content-Encoding") or "").lower()
    if encoding == "lz4":
        import lz4.frame

        return bytes(lz4.frame.decompress(body))
    if encoding:
        raise ValueError(f"Content-Encoding {encoding} not supported here")
    return body


def split_request(params: dict[str, str], body: bytes) -> tuple[str, bytes | None]:
    """(SQL, insert data or None): the query is in the URL, or the body (an insert's data after its first line)."""
    query = params.get("query")
    if query is not None:
        if body and not query.lstrip().upper().startswith("INSERT"):
            return query + " " + body.decode(), None
        return query, body or None
    match = _INSERT.match(body)
    if match is not None:
        return match.group(0).decode().strip(), body[match.end() :]
    return body.decode(), None


def handler_for(engine: Engine) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the client reports errors
            return None

        def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for key, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _serve(self) -> None:
            params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
            try:
                query, data = split_request(params, read_body(self))
                out = engine.answer(query, data, params)
            except Exception as exc:
                code = re.search(r"Code: (\d+)", str(exc))
                self._reply(500, str(exc).encode(), {"X-ClickHouse-Exception-Code": code.group(1) if code else "1"})
                return
            self._reply(
                200,
                out,
                {
                    "Content-Type": "application/octet-stream",
                    "X-ClickHouse-Query-Id": params.get("query_id") or str(uuid.uuid4()),
                    "X-ClickHouse-Timezone": "UTC",
                },
            )

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="chDB data directory (created when absent)")
    parser.add_argument("--port", type=int, default=18123, help="loopback HTTP port (default 18123)")
    args = parser.parse_args(argv)
    try:
        engine = Engine(args.data)
    except ImportError:
        print("chdb is not installed (pip install -e '.[dev]')", file=sys.stderr)
        return 2
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(engine))
    print(f"ClickHouse HTTP stand-in (chDB) on http://127.0.0.1:{args.port}", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
