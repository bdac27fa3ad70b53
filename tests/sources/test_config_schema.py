"""The source config is validated by a schema: one line naming key, expectation and value; also under ``--demo``."""

from __future__ import annotations

from pathlib import Path

import pytest

from derivintel.app.cli import main
from derivintel.core.errors import UserInputError
from derivintel.sources.config import SourceConfig, env_key


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('timeout_s = "ten"', "timeout_s: expected a number, got 'ten'"),
        ('disabled = "okx"', "disabled: expected a list of provider names, got 'okx'"),
        ('disabled = ["okx", "nope"]', "unknown provider(s) 'nope' in disabled"),
        ('[base_urls]\nokx = "not a url"', "expected an http(s)://host URL for base_urls.okx"),
        ('[base_urls]\nokx = "ftp://x"', "expected an http(s)://host URL for base_urls.okx"),
        ('[base_urls]\nbinance = "http://x"', "unknown provider(s) 'binance' in base_urls"),
        ("max_retries = -1", "max_retries: expected greater than or equal to 0, got -1"),
        ("timeout_s = 0", "timeout_s: expected greater than 0, got 0"),
        ("max_retries = 2.5", "max_retries: expected an integer, got 2.5"),
        ("timeout_s = true", "timeout_s: expected a number, got True"),
        ("timeout = 3", "unknown keys ['timeout']"),
        ('sources = "x"', "sources: expected a table"),
    ],
)
def test_bad_config_is_one_line_naming_key_and_value(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(toml + "\n")
    with pytest.raises(UserInputError) as info:
        SourceConfig.load(path, env={})
    text = str(info.value)
    assert "\n" not in text
    assert message in text


def test_api_keys_are_checked_but_never_echoed(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text('[api_keys]\ncoinglass = 12345678\nnope = "sekrit-value"\n')
    with pytest.raises(UserInputError) as info:
        SourceConfig.load(path, env={})
    text = str(info.value)
    assert "api_keys.coinglass: expected a string" in text
    assert "12345678" not in text
    assert "sekrit-value" not in text


def test_binary_config_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(UserInputError, match="not UTF-8 text"):
        SourceConfig.load(path, env={})


def test_env_url_override_is_checked() -> None:
    with pytest.raises(UserInputError, match=env_key("okx")):
        SourceConfig.load(None, env={env_key("okx"): "localhost:8000"})


def test_valid_config_loads(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[sources]\ntimeout_s = 5\nmax_retries = 0\ndisabled = ["okx"]\n[sources.base_urls]\nbybit = "http://127.0.0.1:9/b/"\n'
    )
    cfg = SourceConfig.load(path, env={})
    assert (cfg.timeout_s, cfg.max_retries, cfg.disabled) == (5.0, 0, frozenset({"okx"}))
    assert cfg.base_url("bybit", "x") == "http://127.0.0.1:9/b"


@pytest.mark.parametrize("command", [["report", "BTC", "--demo", "-q"], ["check", "BTC", "--demo", "-q"]])
def test_config_is_validated_under_demo(tmp_path: Path, capsys, command: list[str]) -> None:
    path = tmp_path / "sources.toml"
    path.write_text('timeout_s = "ten"\n')
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "p"\nmetric = "price.last"\nop = ">"\nthreshold = 0.0\n')
    extra = ["--rules", str(rules), "--state", str(tmp_path / "s.json")] if command[0] == "check" else []
    assert main([*command, *extra, "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert [ln for ln in err.splitlines() if ln.startswith("derivintel:")] == [
        f"derivintel: error: source config {path}: timeout_s: expected a number, got 'ten'"
    ]
