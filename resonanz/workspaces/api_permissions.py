"""Which permission each agent API endpoint needs, keyed by method and route.

One table for the whole API, checked in the authentication step (`resonanz.workspaces.auth`) before the body is
read, so a role or a token scope without the permission gets a 403 whatever it sends. The permission
matrix test (tests/workspaces/test_permission_matrix.py) walks every route and fails when one is
missing here.
"""

from __future__ import annotations

import logging
import re

from django.http import HttpRequest

logger = logging.getLogger("resonanz.workspaces.api_permissions")

# "METHOD /api/path/{param}" → permission name (resonanz/workspaces/permissions.py).
API_PERMISSIONS: dict[str, str] = {
    "GET /api/conversations": "conversations.view",
    "GET /api/conversations/{conversation_id}": "conversations.view",
    "GET /api/conversations/{conversation_id}/messages": "conversations.view",
    "POST /api/conversations/{conversation_id}/replies": "conversations.reply",
    "POST /api/conversations/{conversation_id}/messages/{message_id}/retry": "conversations.reply",
    "POST /api/conversations/{conversation_id}/status": "conversations.update",
    "POST /api/conversations/{conversation_id}/notes": "conversations.update",
    "POST /api/conversations/{conversation_id}/transfer": "conversations.update",
    "POST /api/conversations/{conversation_id}/move-private": "conversations.update",
    "POST /api/conversations/{conversation_id}/call-notes": "conversations.update",
    "GET /api/agents/me": "profile.view",
    "PATCH /api/agents/me": "profile.update",
    "GET /api/agents/me/presence": "profile.view",
    "POST /api/agents/me/presence": "presence.update",
    "POST /api/address-changes/{message_id}/confirm": "conversations.update",
    "POST /api/facebook/messages/{message_id}/hide": "messages.hide",
    "GET /api/cti/lookup": "cti.lookup",
    "GET /api/incidents": "incidents.view",
    "GET /api/incidents/{incident_id}": "incidents.view",
    "POST /api/incidents/{incident_id}/confirm": "incidents.manage",
    "POST /api/incidents/{incident_id}/dismiss": "incidents.manage",
    "POST /api/incidents/{incident_id}/merge": "incidents.manage",
    "POST /api/incidents/{incident_id}/rename": "incidents.manage",
    "POST /api/incidents/{incident_id}/split": "incidents.manage",
    "GET /api/customers/{customer_id}": "customers.view",
    "GET /api/customers/{customer_id}/history": "customers.view",
    "GET /api/customers/{customer_id}/suggestions": "customers.view",
    "POST /api/customers/{customer_id}/merge": "customers.merge",
    "POST /api/customers/merges/{merge_id}/undo": "customers.merge",
    "POST /api/customers/suggestions/{suggestion_id}/accept": "customers.merge",
    "POST /api/customers/suggestions/{suggestion_id}/reject": "customers.merge",
    "GET /api/macros": "macros.view",
    "POST /api/macros": "macros.manage",
    "POST /api/macros/{macro_id}/render": "macros.use",
    "GET /api/notifications": "notifications.view",
    "GET /api/analytics/response-rate": "analytics.view",
    "GET /api/understanding/messages/{message_id}/annotations": "annotations.view",
    "POST /api/understanding/messages/{message_id}/annotations/{annotator}": "annotations.correct",
    "GET /api/understanding/topics": "annotations.view",
}

# An endpoint with agent authentication but no entry above (someone added one and forgot the table): it
# stays usable by every role of the workspace with an `agent`-scoped token, and the matrix test fails.
FALLBACK_PERMISSION = "conversations.view"

_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def route_key(method: str, route: str) -> str:
    """ "POST api/conversations/<int:conversation_id>/replies" → "POST /api/conversations/{conversation_id}/replies"."""
    path = _CONVERTER.sub(r"{\1}", route).strip("/")
    return f"{method.upper()} /{path}"


def permission_for(request: HttpRequest) -> str:
    match = request.resolver_match
    key = route_key(request.method or "GET", match.route if match else request.path_info)
    name = API_PERMISSIONS.get(key)
    if name is None:
        logger.warning("api.permission.undeclared", extra={"route": key})
        return FALLBACK_PERMISSION
    return name
