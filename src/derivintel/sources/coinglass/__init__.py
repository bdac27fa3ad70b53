"""Coinglass v4 (keyed): aggregated open interest, OI-weighted funding, aggregated liquidations."""
