"""Importers of public data dumps and dated CSVs into the history store."""

from derivintel.store.importers.binance_vision import import_binance_vision, parse_binance_file
from derivintel.store.importers.deribit import import_deribit_chain
from derivintel.store.importers.macro_csv import available_times, import_series
from derivintel.store.importers.oi_csv import import_oi_csv
from derivintel.store.importers.report import ImportReport

__all__ = [
    "ImportReport",
    "available_times",
    "import_binance_vision",
    "import_deribit_chain",
    "import_oi_csv",
    "import_series",
    "parse_binance_file",
]
