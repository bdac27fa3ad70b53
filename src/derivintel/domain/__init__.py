"""Frozen, typed observations with units in their names. Arrays are numpy, timestamps UTC ``datetime64[ms]``."""
