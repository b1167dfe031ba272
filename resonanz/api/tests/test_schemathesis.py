"""Property-based API tests: schemathesis generates requests from docs/openapi.json and checks that every
answer is a documented status with a body matching the schema, and that nothing answers 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from resonanz.cli.management.commands.openapi import SCHEMA_PATH
from resonanz.testing.factories import MessageFactory
from resonanz.workspaces.actions import do_create_api_token
from resonanz.wsgi import application

schema = schemathesis.openapi.from_path(str(SCHEMA_PATH)).include(path_regex=r"^/api/conversations")
schema.app = application


@pytest.fixture
def auth_header(agent, fake_account):
    MessageFactory(conversation__channel_account=fake_account)
    _, key = do_create_api_token(agent, "schemathesis")
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_conversations_api_conforms_to_its_schema(case, auth_header):
    response = case.call(app=application, headers=auth_header)
    assert response.status_code < 500, response.text
    case.validate_response(response, checks=(schemathesis.checks.not_a_server_error,))
