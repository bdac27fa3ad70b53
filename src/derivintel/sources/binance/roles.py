"""Binance's roles in the report beyond its own data (gathered by ``sources.roles``): its option venue id and place
among the other option venues, and the venue family whose long/short account and top-position shares the
crowding call reads (``domain.margins.venue_family``)."""

from __future__ import annotations

from derivintel.domain.venue import VenueId

OPTIONS_VENUE = VenueId("binance")
OPTION_VENUE_RANKS = {OPTIONS_VENUE: 3}  # order of ``AssetData.venue_options`` as the live assembly fills it
CROWDING_LONG_SHARE_VENUE = "binance"
