"""The shared ``{"code", "msg", "data"}`` envelope (OKX, Bitget, Coinglass): recorded answers decode, error answers
become bad payloads worded ``code <code>: <msg>``."""

from __future__ import annotations

import pytest

from derivintel.core.errors import BadPayloadError
from derivintel.sources.envelope import CodeMsgEnvelope, code_is_zero, code_is_zeros
from derivintel.sources.payload import Where
from tests.sources.fakeserver import FIXTURES

CODE_ZERO_VENUES = ("okx", "coinglass")


@pytest.mark.parametrize(
    "path",
    [p for v in CODE_ZERO_VENUES for p in sorted((FIXTURES / v).glob("*.json"))],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_recorded_code_zero_answers_decode(path) -> None:
    env = CodeMsgEnvelope.decode(path.read_bytes(), Where(path.parent.name, path.stem))
    assert env.data is env.top["data"]
    assert str(env.top["code"]) == "0"


@pytest.mark.parametrize(
    "path", sorted((FIXTURES / "bitget").rglob("*.json")), ids=lambda p: f"bitget/{p.relative_to(FIXTURES / 'bitget')}"
)
def test_recorded_bitget_answers_decode(path) -> None:
    env = CodeMsgEnvelope.decode(path.read_bytes(), Where("bitget", path.stem), ok=code_is_zeros)
    assert env.top["code"] == "00000"
    assert env.data is not None


def test_error_answer_keeps_the_venue_wording() -> None:
    body = b'{"code":"50011","msg":"Too Many Requests","data":[]}'
    with pytest.raises(BadPayloadError, match=r"okx/mark-price.*code 50011: Too Many Requests"):
        CodeMsgEnvelope.decode(body, Where("okx", "mark-price"))
    with pytest.raises(BadPayloadError, match="code 40034: no such symbol"):
        CodeMsgEnvelope.decode(
            b'{"code":"40034","msg":"no such symbol","data":null}', Where("b", "d"), ok=code_is_zeros
        )


def test_missing_fields_and_empty_rows_are_bad_payloads() -> None:
    where = Where("okx", "candles")
    with pytest.raises(BadPayloadError, match="'code' missing"):
        CodeMsgEnvelope.decode(b'{"msg":"","data":[]}', where)
    with pytest.raises(BadPayloadError, match="'data' missing"):
        CodeMsgEnvelope.decode(b'{"code":"0","msg":""}', where)
    env = CodeMsgEnvelope.decode(b'{"code":"0","msg":"","data":[]}', where)
    assert env.data == []
    with pytest.raises(BadPayloadError, match="data"):
        env.rows(where)
    with pytest.raises(BadPayloadError, match="truncated"):
        CodeMsgEnvelope.decode(b'{"code":"0","msg":"","data":[', where)


@pytest.mark.parametrize(
    ("code", "zero", "zeros"),
    [
        ("0", True, True),
        (0, True, True),
        ("00000", False, True),
        (" 00000 ", False, True),
        ("", False, False),
        ("50011", False, False),
        ("00001", False, False),
        (False, False, False),
        (None, False, False),
    ],
)
def test_success_codes(code, zero, zeros) -> None:
    assert code_is_zero(code) is zero
    assert code_is_zeros(code) is zeros
