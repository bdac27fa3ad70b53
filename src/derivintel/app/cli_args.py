"""Parsers of CLI option values shared by several sub-commands (bad input: ``UserInputError``, one line, exit 2)."""

from __future__ import annotations

import re

from derivintel.core.errors import UserInputError


def parse_every(text: str) -> float:
    """``30s``, ``5m``, ``1h`` → seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh])\s*", text)
    if not m:
        raise UserInputError(f"--every must look like 30s, 5m or 1h, got {text!r}")
    return float(m.group(1)) * {"s": 1, "m": 60, "h": 3600}[m.group(2)]
