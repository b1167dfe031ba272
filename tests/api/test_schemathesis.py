"""Property-based API tests: schemathesis generates requests for every operation in docs/openapi.json and
checks that each answer is not a 5xx, has a documented status code and content type, and a body that
matches the documented schema for that status."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.core.result import Ok

from resonanz.cli.management.commands.openapi import SCHEMA_PATH
from resonanz.testing.factories import MessageFactory
from resonanz.workspaces.actions import do_create_api_token
from resonanz.wsgi import application

schema = schemathesis.openapi.from_path(str(SCHEMA_PATH))
schema.app = application
CHECKS = (
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
)


def test_every_operation_is_covered():
    documented = {
        (method.upper(), path)
        for path, item in json.loads(SCHEMA_PATH.read_text())["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    generated = set()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result  # every operation's schema is readable
        generated.add((result.ok().method.upper(), result.ok().path))
    assert generated == documented
    assert ("GET", "/healthz") in generated


@pytest.fixture
def auth_header(agent, fake_account):
    MessageFactory(conversation__channel_account=fake_account)
    _, key = do_create_api_token(agent, "schemathesis")
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, auth_header):
    response = case.call(headers=auth_header)
    case.validate_response(response, checks=CHECKS)
