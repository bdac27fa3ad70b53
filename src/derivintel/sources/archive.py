"""Raw archive: save every recorded response byte for byte with a ``manifest.json``; load them back for replay.

Layout: ``<dir>/manifest.json`` and ``<dir>/bodies/<nnnn>_<provider>_<dataset>[_<asset>].bin``. The manifest
holds, per response, the request (method, url, params, request body as text), status, headers, both timestamps
(ISO-8601 with microseconds), the body file name and its sha256; ``load_raw`` verifies every checksum.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from derivintel.core.errors import UserInputError
from derivintel.core.timeutil import utc
from derivintel.sources.wire import RawResponse

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text)


def save_raw(responses: Sequence[RawResponse], directory: str | Path) -> Path:
    """Write ``responses`` under ``directory`` (created; must not already hold a manifest). Returns the manifest."""
    root = Path(directory)
    if (root / MANIFEST).exists():
        raise UserInputError(f"{root} already holds an archive (manifest.json); choose an empty directory")
    (root / "bodies").mkdir(parents=True, exist_ok=True)
    entries = []
    for n, raw in enumerate(responses):
        name = f"{n:04d}_{_safe(raw.provider)}_{_safe(raw.dataset)}" + (f"_{_safe(raw.asset)}" if raw.asset else "")
        path = root / "bodies" / f"{name}.bin"
        path.write_bytes(raw.body)
        entries.append(
            {
                "provider": raw.provider,
                "dataset": raw.dataset,
                "asset": raw.asset,
                "method": raw.method,
                "url": raw.url,
                "params": dict(raw.params),
                "request_body": None if raw.request_body is None else raw.request_body.decode("utf-8"),
                "status": raw.status,
                "headers": dict(raw.headers),
                "ts_sent": utc(raw.ts_sent).isoformat(),
                "ts_received": utc(raw.ts_received).isoformat(),
                "attempt": raw.attempt,
                "page": raw.page,
                "body_file": f"bodies/{name}.bin",
                "sha256": hashlib.sha256(raw.body).hexdigest(),
                "bytes": len(raw.body),
            }
        )
    manifest = root / MANIFEST
    manifest.write_text(json.dumps({"format": FORMAT_VERSION, "responses": entries}, indent=1), encoding="utf-8")
    return manifest


def load_raw(directory: str | Path) -> list[RawResponse]:
    """Read an archive written by ``save_raw``; a missing file or checksum mismatch raises ``UserInputError``."""
    root = Path(directory)
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise UserInputError(f"not a raw archive: {root} ({exc})") from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise UserInputError(f"{root}: unsupported archive format {manifest.get('format')!r}")
    out = []
    for e in manifest["responses"]:
        path = root / e["body_file"]
        try:
            body = path.read_bytes()
        except OSError as exc:
            raise UserInputError(f"archive body missing: {path}") from exc
        if hashlib.sha256(body).hexdigest() != e["sha256"]:
            raise UserInputError(f"archive body corrupted (sha256 mismatch): {path}")
        out.append(
            RawResponse(
                provider=e["provider"],
                dataset=e["dataset"],
                asset=e["asset"],
                method=e["method"],
                url=e["url"],
                params=e["params"],
                request_body=None if e["request_body"] is None else e["request_body"].encode("utf-8"),
                status=e["status"],
                headers=e["headers"],
                body=body,
                ts_sent=datetime.fromisoformat(e["ts_sent"]),
                ts_received=datetime.fromisoformat(e["ts_received"]),
                attempt=e.get("attempt", 1),
                page=e.get("page", 0),
            )
        )
    return out
