"""Cross-cutting basics: time, units, errors, provenance and analytic results."""
