"""The ``{"code", "msg", "data"}`` response envelope (OKX, Bitget, Coinglass), decoded once at the venue edge.

Each venue's parsers call ``CodeMsgEnvelope.decode`` instead of checking the code per endpoint. The venues differ
only in the success code: OKX and Coinglass answer ``"0"``, Bitget ``"00000"``. A failing code is a bad payload
worded ``code <code>: <msg>`` (the same wording for the three venues). Bybit's ``retCode`` envelope lives in
``bybit/parse.py``, Deribit's JSON-RPC one in ``deribit/parse.py`` and Binance's error body in ``binance/parse.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from derivintel.sources.payload import Where, field, load_json, non_empty


def code_is_zero(code: Any) -> bool:
    """OKX / Coinglass success: ``"0"`` (a number 0 reads the same)."""
    return str(code) == "0"


def code_is_zeros(code: Any) -> bool:
    """Bitget success: ``"00000"`` as documented; any all-zero code, or the number 0, reads the same (not a bool)."""
    text = str(code).strip()
    return bool(text) and not text.strip("0") and not isinstance(code, bool)


@dataclass(frozen=True, slots=True)
class CodeMsgEnvelope:
    """A decoded ``{"code", "msg", "data"}`` answer whose ``code`` was a success: ``data`` as sent (not checked),
    ``top`` the whole top-level object (for fields beside ``data``, e.g. Bitget's ``requestTime``)."""

    data: Any
    top: Mapping[str, Any]

    @classmethod
    def decode(cls, body: bytes, where: Where, *, ok: Callable[[Any], bool] = code_is_zero) -> CodeMsgEnvelope:
        """Decode ``body``; a ``code`` that ``ok`` rejects is a bad payload (``code <code>: <msg>``), a missing
        ``code`` or ``data`` field too."""
        obj = load_json(body, where)
        code = field(obj, "code", where)
        if not ok(code):
            raise where.fail(f"code {code}: {obj.get('msg', '')}")
        return cls(data=field(obj, "data", where), top=obj)

    def rows(self, where: Where) -> list[Any]:
        """``data`` as a non-empty array, else a bad payload."""
        return non_empty(self.data, where, "data")
