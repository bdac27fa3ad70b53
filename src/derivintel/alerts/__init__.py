"""Alerts: rules over report metrics (rules.py), pure evaluation (evaluate.py), persisted state (state.py),
notifications (notify.py) and the watch loop (watch.py)."""
