"""Data sources: per-provider endpoints (declarations), pure parsers and the fetch layer."""
