"""CryptoQuant (keyed): exchange flows (BTC netflow, stablecoin exchange netflow)."""
