"""One module per report phase; each turns analytics into metrics, a table, a summary and a reasoning line."""
