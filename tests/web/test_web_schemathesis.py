"""Property-based API test: schemathesis generates requests from the dashboard's own OpenAPI document (a bounded
number of examples per operation) and checks every response against it: documented status codes, content types,
response schemas, no server errors. The demo provider serves BTC and ETH; every other symbol must be a documented
404, never a 500."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from derivintel.app.report_providers import served_symbols
from derivintel.web.app import create_app
from tests.web.conftest import CountingProvider

MAX_EXAMPLES = 25  # per API operation; bounded so the suite stays fast and deterministic in size

app = create_app(CountingProvider(), symbols=served_symbols(demo=True))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi(case) -> None:
    case.call_and_validate()
