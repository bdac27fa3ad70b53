"""Synthesis: rules as data turning analytics into market-maker reads, bias, trade plan and risk."""
