"""Venue knowledge lives in its venue folder: the generic modules of ``sources`` name no venue, and the registry
lists every venue's capabilities (endpoints, assembly, history, streams, checks)."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import derivintel.sources as sources_pkg
from derivintel.sources import registry

SOURCES = Path(sources_pkg.__file__).parent
VENUE_DIRS = frozenset(
    p.name for p in SOURCES.iterdir() if p.is_dir() and (p / "endpoints.py").exists()
)  # a venue folder declares its endpoints
# Folders that are not generic code: the synthetic demo scenario (it imitates named venues on purpose). The Tardis
# vendor folder is checked as generic code: each exchange's conventions live in that exchange's folder.
NOT_GENERIC = frozenset({"demo"})
# A venue name not preceded by a lowercase letter: "gate" is a venue, "aggregate" is not (``BybitEnvelope``,
# ``okx_parse`` and ``"binance"`` still match).
VENUE_WORD = re.compile(
    "(?<![A-Za-z])(?i:" + "|".join(sorted({name.split("-")[0] for name in registry.ALL_PROVIDERS})) + ")"
)


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def venue_names_in_code(path: Path) -> list[str]:
    """``line: text`` of every identifier, import or string literal (docstrings and comments are prose, and
    left out) in ``path`` that names a venue."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    hits = []
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            text = node.value
        elif isinstance(node, ast.Name):
            text = node.id
        elif isinstance(node, ast.Attribute):
            text = node.attr
        elif isinstance(node, ast.Import | ast.ImportFrom):
            text = " ".join([getattr(node, "module", None) or "", *(a.name for a in node.names)])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            text = node.name
        if text and VENUE_WORD.search(text):
            hits.append(f"{node.lineno}: {text[:60]!r}")
    return hits


def generic_modules() -> list[Path]:
    out = []
    for path in sorted(SOURCES.rglob("*.py")):
        rel = path.relative_to(SOURCES)
        if rel.parts[0] in VENUE_DIRS | NOT_GENERIC or rel.as_posix() == "registry.py":
            continue
        out.append(path)
    return out


def test_the_scan_sees_venue_names() -> None:
    """The check can fail: a venue module names its venue, and so does the registry."""
    assert {"binance", "bybit", "okx", "hyperliquid", "deribit"} <= VENUE_DIRS
    assert venue_names_in_code(SOURCES / "registry.py")
    assert venue_names_in_code(SOURCES / "okx" / "assemble.py")
    assert venue_names_in_code(SOURCES / "gate" / "assemble.py")
    assert not VENUE_WORD.search("aggregate_open_interest")
    assert not VENUE_WORD.search("AGGREGATE_OPEN_INTEREST")  # a name inside a longer word is not a venue


def test_no_venue_name_outside_its_folder_and_the_registry() -> None:
    modules = generic_modules()
    assert any(p.name == "live.py" for p in modules)
    offenders = {p.relative_to(SOURCES).as_posix(): hits for p in modules if (hits := venue_names_in_code(p))}
    assert offenders == {}


def test_every_provider_is_assembled_and_every_venue_folder_is_registered() -> None:
    assembled = [a.provider for a in registry.ASSEMBLY]
    assert sorted(assembled) == sorted(registry.ALL_PROVIDERS)
    assert all((a.per_asset is None) != (a.market is None) for a in registry.ASSEMBLY)
    folders = {name.split("-")[0] for name in registry.ALL_PROVIDERS}
    assert folders == set(VENUE_DIRS)
    for venue in VENUE_DIRS:  # the layout a newcomer copies: declarations, parsers and assembly per venue
        for part in ("endpoints", "parse", "assemble"):
            importlib.import_module(f"derivintel.sources.{venue}.{part}")


def test_streams_history_and_checks_are_declared_by_venue_modules() -> None:
    for stream in registry.LIQUIDATION_STREAMS:
        assert stream.venue in registry.PROVIDERS
        assert stream.parse.__module__ == f"derivintel.sources.{stream.venue.split('-')[0]}.ws"
    for paging in registry.HISTORY_PAGINGS:
        assert paging.parser is not None
        assert paging.parser.__module__ == f"derivintel.sources.{paging.provider.split('-')[0]}.history"
    for check in registry.DOCTOR_CHECKS:
        assert check.__module__.endswith(".checks")
        assert check.__module__.split(".")[2] in VENUE_DIRS


def _imports(path: Path) -> set[str]:
    """Every ``derivintel.sources`` module ``path`` imports, at top level or inside a function (a lazy import
    still makes a cycle)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("derivintel.sources"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                out.add(sub if (SOURCES.parent / (sub.replace(".", "/") + ".py")).exists() else node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("derivintel.sources")}
    return out


def test_no_module_cycle_in_sources() -> None:
    """e.g. the former config → registry → http → config, hidden by a lazy import."""
    graph = {}
    for path in SOURCES.rglob("*.py"):
        rel = path.relative_to(SOURCES.parent.parent).with_suffix("").as_posix().replace("/", ".")
        graph[rel.removesuffix(".__init__")] = _imports(path)
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph or nxt == node:
                continue
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_dump_formats_are_parsed_in_their_folder() -> None:
    """``derivintel import NAME`` formats: each parser lives in a venue or vendor folder, never in generic code."""
    names = [fmt.name for fmt in registry.DUMP_FORMATS]
    assert len(names) == len(set(names))
    for fmt in registry.DUMP_FORMATS:
        folder = fmt.parse.__module__.split(".")[2]
        assert folder in VENUE_DIRS | {"tardis"}, fmt
