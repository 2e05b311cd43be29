"""The API against its own OpenAPI document, by schemathesis (property-based): with and
without a token, every check schemathesis has (no 5xx, statuses, content types and
bodies as documented, schema-valid requests accepted, invalid ones refused)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

EXAMPLES = 12


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_matches_its_openapi_document_with_an_admin_token(case, tokens):
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens['admin']}"})


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_matches_its_openapi_document_without_a_token(case):
    case.call_and_validate()
