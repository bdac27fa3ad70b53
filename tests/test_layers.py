"""The layer contracts of pyproject ``[tool.importlinter]`` (docs/architecture.md) hold, cover every package, and
would catch an upward import or a cycle."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import grimp
import pytest
from importlinter.application.use_cases import read_user_options
from importlinter.cli import lint_imports
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.layers import LayersContract

import derivintel

PYPROJECT = str(Path(__file__).resolve().parents[1] / "pyproject.toml")


def _options():
    return read_user_options(config_filename=PYPROJECT)


def _contract_options(contract_id: str) -> dict:
    return next(c for c in _options().contracts_options if c["id"] == contract_id)


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("derivintel", include_external_packages=True, exclude_type_checking_imports=True)


def test_lint_imports_keeps_every_contract():
    assert lint_imports(config_filename=PYPROJECT, no_cache=True, no_logo=True) == 0


def test_every_package_has_a_layer():
    layered = {
        name.strip().removeprefix("derivintel.")
        for layer in _contract_options("layers")["layers"]
        for name in layer.split("|")
    }
    packages = {m.name for m in pkgutil.iter_modules(derivintel.__path__) if m.ispkg}
    assert packages == layered


def _layers_kept(graph: grimp.ImportGraph) -> bool:
    options = _options()
    contract = LayersContract("layers", options.session_options, _contract_options("layers"))
    return contract.check(graph, verbose=False).kept


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("derivintel.report.builder", "derivintel.app.pipeline"),  # the report reaching up to the wiring
        ("derivintel.alerts.rules", "derivintel.app.pipeline"),
        ("derivintel.analytics.options.gex", "derivintel.synthesis.bias"),
        ("derivintel.core.black76", "derivintel.analytics.options.gex"),
        ("derivintel.analytics.options.gex", "derivintel.sources.registry"),  # siblings stay independent
    ],
)
def test_an_upward_import_breaks_the_layers(importer, imported):
    graph = _graph()
    assert _layers_kept(graph)
    graph.add_import(importer=importer, imported=imported)
    assert not _layers_kept(graph)


def test_a_cycle_between_siblings_breaks_the_acyclic_contract():
    options = _options()
    contract = AcyclicSiblingsContract("acyclic", options.session_options, _contract_options("acyclic"))
    graph = _graph()
    assert contract.check(graph, verbose=False).kept
    graph.add_import(importer="derivintel.research.vectors", imported="derivintel.research.features")
    assert not contract.check(graph, verbose=False).kept
