"""Importers of offline dump files (any format the registry lists) and dated CSVs into the history store."""

from derivintel.store.importers.dumps import import_dumps, write_dumps
from derivintel.store.importers.macro_csv import available_times, import_series
from derivintel.store.importers.oi_csv import import_oi_csv
from derivintel.store.importers.report import ImportReport

__all__ = [
    "ImportReport",
    "available_times",
    "import_dumps",
    "import_oi_csv",
    "import_series",
    "write_dumps",
]
