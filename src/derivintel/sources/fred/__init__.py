"""FRED connector: endpoint declarations (``endpoints``) and pure parsers (``parse``)."""
