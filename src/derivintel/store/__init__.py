"""History store: DuckDB (default), chDB or ClickHouse tables per observation kind, importers of public dumps,
point-in-time snapshots."""

from derivintel.store.history_store import HistoryStore, table_of
from derivintel.store.location import StoreLocation, default_store_dir, resolve_store_path, store_location

__all__ = [
    "HistoryStore",
    "StoreLocation",
    "default_store_dir",
    "resolve_store_path",
    "store_location",
    "table_of",
]
