"""History store: embedded DuckDB tables per observation kind, importers of public dumps, point-in-time snapshots."""

from derivintel.store.history_store import HistoryStore, table_of
from derivintel.store.location import default_store_dir, resolve_store_path

__all__ = ["HistoryStore", "default_store_dir", "resolve_store_path", "table_of"]
