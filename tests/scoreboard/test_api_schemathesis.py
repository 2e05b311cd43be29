"""The API against its own OpenAPI document, by schemathesis (property-based): with and
without a token, every check schemathesis has (no 5xx, statuses, content types and
bodies as documented, schema-valid requests accepted, invalid ones refused)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core.parameters import ParameterLocation

EXAMPLES = 12


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_matches_its_openapi_document_with_an_admin_token(case, tokens):
    # a negative case about the headers may be "no Authorization": then it goes without
    negative_headers = case.meta is not None and case.meta.is_negative_at(
        ParameterLocation.HEADER)
    headers = {} if negative_headers else {"Authorization": f"Bearer {tokens['admin']}"}
    case.call_and_validate(headers=headers)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_matches_its_openapi_document_without_a_token(case):
    case.call_and_validate()
