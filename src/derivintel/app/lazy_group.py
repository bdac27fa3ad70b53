"""A typer group whose sub-commands are imported only when they run.

Each lazy command is a row ``name → LazyCommand(module, attribute, help)``: ``attribute`` is a typer command function
or a ``typer.Typer`` (a sub-group). ``derivintel --help`` lists the rows from their ``help`` text without importing
anything; running ``derivintel NAME ...`` (or ``NAME --help``) imports ``module`` and builds the click command then.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from difflib import get_close_matches
from typing import ClassVar

import typer
from typer import Context
from typer.core import TyperCommand, TyperGroup

# typer vendors click privately (``typer._click``): reach the usage error through typer's public ``BadParameter``,
# its subclass, instead of importing the private package (tests/app/test_lazy_cli.py checks the class).
UsageError: type[Exception] = typer.BadParameter.__mro__[1]
Command = TyperCommand | TyperGroup


@dataclass(frozen=True, slots=True)
class LazyCommand:
    """Where a sub-command lives and the help listed by ``--help`` (a test keeps it equal to the loaded command's).
    ``own_help``: the help comes from this row rather than the function's docstring."""

    module: str
    attribute: str
    help: str
    own_help: bool = False


def load_command(name: str, spec: LazyCommand) -> Command:
    """Import ``spec.module`` and turn ``spec.attribute`` (command function or Typer) into a click command."""
    target = getattr(importlib.import_module(spec.module), spec.attribute)
    if isinstance(target, typer.Typer):
        group = typer.main.get_group(target)
        group.name = name
        return group
    single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    single.command(name, help=spec.help if spec.own_help else None)(target)
    return typer.main.get_command(single)


class LazyTyperGroup(TyperGroup):
    """``TyperGroup`` plus the commands of ``lazy_commands``, loaded on first resolution (subclass and set it)."""

    lazy_commands: ClassVar[dict[str, LazyCommand]] = {}

    def list_commands(self, ctx: Context) -> list[str]:
        eager = super().list_commands(ctx)
        return [*eager, *(n for n in self.lazy_commands if n not in eager)]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        """The loaded command, or for a not yet loaded lazy one a help-only stand-in (used by the help listing)."""
        command = self.commands.get(cmd_name)
        if command is not None or cmd_name not in self.lazy_commands:
            return command
        return TyperCommand(cmd_name, help=self.lazy_commands[cmd_name].help)

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        if args and args[0] in self.lazy_commands and args[0] not in self.commands:
            self.add_command(load_command(args[0], self.lazy_commands[args[0]]), args[0])
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:  # typer suggests only among loaded commands: suggest among all of them
            if args and self.suggest_commands and exc.message.startswith("No such command"):
                base = exc.message.split(" Did you mean", 1)[0].rstrip(".")
                matches = get_close_matches(args[0], self.list_commands(ctx))
                exc.message = f"{base}. Did you mean {', '.join(map(repr, matches))}?" if matches else f"{base}."
            raise

    def load_all(self) -> None:
        """Import every lazy command now (tests; anything that needs the full command tree)."""
        for name, spec in self.lazy_commands.items():
            if name not in self.commands:
                self.add_command(load_command(name, spec), name)
