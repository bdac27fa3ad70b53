"""Deribit's roles in the report beyond its own data, declared here and gathered by ``sources.roles``: its inverse
options chain is the snapshot's primary chain (``AssetData.options``: the one the options analysis, the dealer
regime record and the stored surface read), and its USDC-settled book is the first of the other option venues.
Light on purpose (no parser imported): the report path reads it."""

from __future__ import annotations

from derivintel.domain.venue import VenueId

VENUE = VenueId("deribit")
USDC_OPTIONS_VENUE = VenueId("deribit_usdc")
PRIMARY_OPTIONS_VENUE = VENUE
OPTION_VENUE_RANKS = {USDC_OPTIONS_VENUE: 0}  # order of ``AssetData.venue_options`` as the live assembly fills it
