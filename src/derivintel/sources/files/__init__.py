"""Readers of recorded/exported data files (pure parsers on text, plus thin path wrappers)."""
