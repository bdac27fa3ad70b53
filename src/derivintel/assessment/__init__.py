"""The assessment layer: one pure step ``MarketSnapshot → Analyses`` that runs every ``analytics`` function and the
``synthesis`` rules on a snapshot. Below ``report`` (which lays the ``Analyses`` out) and above ``synthesis``; no I/O,
no clock. Not to be confused with ``analytics`` (the individual calculations it calls)."""
