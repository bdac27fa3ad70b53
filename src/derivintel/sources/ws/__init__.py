"""Websocket streams: realised liquidations. The venue-neutral model is ``ws/common.py``, each venue's stream
``sources/<venue>/ws.py`` (listed by ``registry.LIQUIDATION_STREAMS``), the selection ``ws/liquidations.py`` and
the async collector ``ws/collector.py``. Nothing is imported here, so the registry can import ``ws.common``."""
