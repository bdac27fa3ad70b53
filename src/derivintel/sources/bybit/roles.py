"""Bybit's option venue id and its place among the other option venues (gathered by ``sources.roles``)."""

from __future__ import annotations

from derivintel.domain.venue import VenueId

OPTIONS_VENUE = VenueId("bybit")
OPTION_VENUE_RANKS = {OPTIONS_VENUE: 2}  # order of ``AssetData.venue_options`` as the live assembly fills it
