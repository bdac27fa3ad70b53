"""derivintel: crypto derivatives intelligence, every number computed, sourced and timestamped."""

__version__ = "0.1.0"
