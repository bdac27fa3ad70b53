"""CLI behaviour through the real entry point (``main``), in-process."""

import json

import pytest

from derivintel.app.cli import main


def test_demo_report_markdown(capsys):
    assert main(["report", "BTC", "--demo", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("> **SYNTHETIC DEMO DATA")
    for n in range(1, 11):
        assert f"## PHASE {n} —" in out
    assert "## Data Limitations" in out
    assert "## Data Freshness Note" in out


def test_demo_report_json_to_file(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["report", "btcusdt", "--demo", "-q", "--format", "json", "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["symbol"] == "BTC"
    assert data["secondary"] == ["ETH"]
    assert len(data["phases"]) == 10
    assert {"number", "title", "summary", "reasoning", "metrics"} <= set(data["phases"][0])
    assert {"key", "value", "unit", "source", "as_of"} <= set(data["phases"][2]["metrics"][0])
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "FOOBAR", "--demo"], "unknown symbol 'FOOBAR'"),
        (["report", "BTC", "--demo", "--format", "pdf"], "--format"),
        (["report", "BTC", "--demo", "--bogus"], "No such option"),
        (["report", "BTC", "--demo", "--risk", "5"], "--risk"),
        (["report", "BTC", "--demo", "--max-leverage", "0"], "max_leverage"),
        (["report", "BTC", "--demo", "--fee", "-0.001"], "fees and slippage"),
        (["report", "ATOM", "--demo"], "unknown symbol 'ATOM'"),
        (["report", "DOGEE", "--demo"], "unknown symbol 'DOGEE': did you mean DOGE?"),
        (["report", "BTC", "--demo", "--secondary", "BTC"], "is the primary asset"),
        (["report", "BTC", "--demo", "-q", "--out", "/nonexistent-dir/x.md"], "cannot write"),
        (["options", "/nonexistent/chain.json"], "chain.json"),
    ],
)
def test_bad_input_is_one_line_exit_2(argv, message, capsys):
    assert main(argv) == 2
    stderr = capsys.readouterr().err
    errors = [line for line in stderr.splitlines() if line.startswith("derivintel:")]
    assert len(errors) == 1, stderr
    assert errors[0].startswith("derivintel: error:")
    assert message in errors[0]
    assert "Traceback" not in stderr


def test_help_everywhere(capsys):
    for argv in (["--help"], ["report", "--help"], ["options", "--help"], ["schema", "--help"]):
        assert main(argv) == 0
    assert "--demo" in capsys.readouterr().out


def test_schema_command(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "Report"


def test_check_exit_codes_through_main(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nname = "x"\nmetric = "price.last"\nop = "above"\nthreshold = 1.0\n')
    assert main(["check", "BTC", "--demo", "--rules", str(bad), "-q"]) == 2
    assert "bad.toml:4" in capsys.readouterr().err
    fires = tmp_path / "fires.toml"
    fires.write_text(
        '[[rule]]\nname = "any-price"\nmetric = "price.last"\nop = ">"\nthreshold = 0.0\ncooldown = "1h"\n'
    )
    state = tmp_path / "state.json"
    argv = ["check", "BTC", "--demo", "--rules", str(fires), "--state", str(state), "-q"]
    assert main(argv) == 1  # EXIT_FIRED (core.errors.EXIT_CODES)
    assert main(argv) == 0  # inside the cooldown: nothing is sent again
