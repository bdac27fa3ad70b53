"""Tardis.dev downloadable CSVs (a vendor spanning exchanges): the formats are parsed here; each exchange's
conventions (venue id, units of amounts, funding) are declared in its own folder (``sources/<venue>/tardis.py``)."""
