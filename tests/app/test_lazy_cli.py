"""The CLI's lazily imported sub-commands: same help as when loaded, resolvable, and not imported by ``--help``."""

import subprocess
import sys

import pytest
import typer

from derivintel.app.cli import _Commands, app, main


def _group() -> _Commands:
    group = typer.main.get_command(app)
    assert isinstance(group, _Commands)
    return group


def test_help_listing_is_the_same_with_every_command_loaded(capsys):
    lazy = _group()
    loaded = _group()
    loaded.load_all()
    with lazy.make_context("derivintel", ["report", "BTC"]) as ctx:
        lazy.get_help(ctx)  # rich prints the help
    lazy_help = capsys.readouterr().out
    with loaded.make_context("derivintel", ["report", "BTC"]) as ctx:
        loaded.get_help(ctx)
    assert lazy_help == capsys.readouterr().out
    for name in _Commands.lazy_commands:
        assert name in lazy_help


@pytest.mark.parametrize("name", sorted(_Commands.lazy_commands))
def test_table_help_is_the_loaded_commands_help(name):
    group = _group()
    group.load_all()
    first_paragraph = group.commands[name].help.split("\n\n")[0].strip()  # what the listing shows
    assert first_paragraph == _Commands.lazy_commands[name].help


@pytest.mark.parametrize("name", sorted(_Commands.lazy_commands))
def test_each_lazy_command_runs_its_help(name, capsys):
    assert main([name, "--help"]) == 0
    assert "Usage: derivintel " + name in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys):
    assert main(["nosuchcommand"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_help_imports_no_numerical_library_nor_sub_command():
    code = (
        "import sys\n"
        "from derivintel.app.cli import main\n"
        "main(['--help'])\n"
        "heavy = ['numpy', 'pandas', 'scipy', 'duckdb', 'websockets', 'derivintel.app.history_cmd',"
        " 'derivintel.app.options_cmd', 'derivintel.app.alerts_cmd', 'derivintel.app.serve_cmd']\n"
        "print('HEAVY:' + ','.join(m for m in heavy if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY:"


def test_demo_report_imports_neither_pandas_nor_scipy_nor_the_network_stack(tmp_path):
    code = (
        "import sys\n"
        "from derivintel.app.cli import main\n"
        f"main(['report', 'BTC', '--demo', '-q', '-o', {str(tmp_path / 'r.md')!r}])\n"
        "heavy = ['pandas', 'scipy', 'duckdb', 'httpx', 'asyncio', 'derivintel.app.history_cmd']\n"
        "print('HEAVY:' + ','.join(m for m in heavy if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY:"
    assert (tmp_path / "r.md").read_text().count("## PHASE") == 10


@pytest.mark.parametrize(("typo", "suggestion"), [("studdy", "'study'"), ("reprot", "'report'"), ("chek", "'check'")])
def test_typos_suggest_lazy_and_eager_commands(typo, suggestion, capsys):
    assert main([typo]) == 2
    assert f"Did you mean {suggestion}" in capsys.readouterr().err


def test_usage_error_is_typers_vendored_click_usage_error():
    from derivintel.app.lazy_group import UsageError

    assert UsageError.__name__ == "UsageError"
    assert issubclass(typer.BadParameter, UsageError)
    assert main(["report", "BTC", "--no-such-option"]) == 2  # a usage error: one line, exit 2
