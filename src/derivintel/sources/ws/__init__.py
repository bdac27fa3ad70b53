"""Websocket streams: realised liquidations. The venue-neutral model is ``sources/stream_model.py`` (outside this
package, so the registry can list the streams without a cycle through it), each venue's stream
``sources/<venue>/ws.py`` (listed by ``registry.LIQUIDATION_STREAMS``), the selection ``ws/liquidations.py`` and
the async collector ``ws/collector.py``. Nothing is imported here."""
