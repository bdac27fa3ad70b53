"""OKX's option venue id and its place among the other option venues (gathered by ``sources.roles``)."""

from __future__ import annotations

from derivintel.domain.venue import VenueId

OPTIONS_VENUE = VenueId("okx")
OPTION_VENUE_RANKS = {OPTIONS_VENUE: 1}  # order of ``AssetData.venue_options`` as the live assembly fills it
