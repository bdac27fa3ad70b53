"""``check`` and ``watch`` command functions (registered by the lead in app/cli.py) on the demo scenario."""

import pytest
import typer

from derivintel.app import alerts_cmd
from derivintel.app.alerts_cmd import check, watch
from derivintel.core.errors import NoPriceSourceError, UserInputError
from tests.alerts.alert_fixtures import webhook_receiver

# Demo BTC: price.last ≈ 67 090 USD, decision.bias "neutral", gamma flip ≈ 64 899 (3.3 % below price).
FIRES = '[[rule]]\nname = "price-up"\nmetric = "price.last"\nop = ">"\nthreshold = 1000.0\n'
QUIET = (
    '[[rule]]\nname = "price-crash"\nmetric = "price.last"\nop = "<"\nthreshold = 1000.0\n\n'
    '[[rule]]\nname = "near-flip"\nkind = "distance"\nlevel = "options.gamma_flip"\nwithin = 0.01\n'
)


def run(cmd, args):
    app = typer.Typer()
    app.command()(cmd)
    app.command("unused")(lambda: None)  # two commands: the first argument names the command
    return typer.main.get_command(app).main(args=[cmd.__name__, *args], standalone_mode=False)


def write(tmp_path, text):
    p = tmp_path / "rules.toml"
    p.write_text(text)
    return p


def common(tmp_path, rules):
    return ["--rules", str(rules), "--demo", "--state", str(tmp_path / "s.json"), "--quiet"]


def test_check_exit_0_when_nothing_fires(tmp_path, capsys):
    assert run(check, ["BTC", *common(tmp_path, write(tmp_path, QUIET))]) == 0
    assert capsys.readouterr().out == ""


def test_check_exit_3_when_a_rule_fires_and_report_written(tmp_path, capsys):
    assert run(check, ["btcusdt", *common(tmp_path, write(tmp_path, FIRES))]) == 1  # EXIT_FIRED
    out = capsys.readouterr().out
    assert out.startswith("ALERT [WARNING] BTC: price-up")
    assert "report as of 2026-03-14 05:00 UTC" in out
    (md,) = (tmp_path / "reports").iterdir()
    assert "SYNTHETIC DEMO DATA" in md.read_text()
    # the same check again (cron, one minute later) is inside the default 1 h cooldown: exit 0
    assert run(check, ["BTC", *common(tmp_path, write(tmp_path, FIRES))]) == 0


def test_check_bad_rules_raise_user_input_error_with_file_and_line(tmp_path):
    rules = write(tmp_path, '[[rule]]\nname = "x"\nmetric = "price.last"\nop = "above"\nthreshold = 1.0\n')
    with pytest.raises(UserInputError) as exc:
        run(check, ["BTC", *common(tmp_path, rules)])
    assert str(exc.value).startswith(f"{rules}:4: rule 'x': bad operator 'above'")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["DOGEFOO"], "unknown symbol 'DOGEFOO'"),
        (["BTC", "--notify", "nosuchscheme://x"], "notification URL not understood by apprise"),
        (["BTC", "--retries", "0"], "--retries must be between 1 and 10"),
    ],
)
def test_check_bad_input(tmp_path, args, message):
    with pytest.raises(UserInputError, match=message):
        run(check, [*args, *common(tmp_path, write(tmp_path, FIRES))])


def test_check_exit_4_when_no_report(tmp_path, monkeypatch):
    def no_data(demo, seed=7, config_path=None):
        def provide(symbol, now):
            raise NoPriceSourceError("no price source answered")

        return provide

    monkeypatch.setattr(alerts_cmd, "make_report_provider", no_data)
    assert run(check, ["BTC", *common(tmp_path, write(tmp_path, FIRES))]) == 3  # EXIT_NO_DATA


def test_watch_demo_notifies_webhook(tmp_path, capsys):
    with webhook_receiver() as rec:
        args = ["BTC", "ETH", *common(tmp_path, write(tmp_path, FIRES)), "--every", "1s", "--max-cycles", "1"]
        assert run(watch, [*args, "--notify", rec.url]) == 0
    assert sorted(p["title"] for p in rec.posts) == ["[WARNING] BTC: price-up", "[WARNING] ETH: price-up"]


def test_watch_bad_every(tmp_path):
    with pytest.raises(UserInputError, match="--every: bad duration '5 minutes'"):
        run(watch, ["BTC", *common(tmp_path, write(tmp_path, FIRES)), "--every", "5 minutes"])
