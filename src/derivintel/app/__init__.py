"""Application layer: settings, pipeline wiring, CLI."""
