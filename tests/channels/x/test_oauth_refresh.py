"""X OAuth 2.0 user tokens are refreshed before they expire (issue 12 item 2), against a local token server."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from resonanz.channels.models import ChannelAccount
from resonanz.channels.x.adapter import client_for
from resonanz.channels.x.oauth import REFRESH_MARGIN_SECONDS, refresh_if_needed
from resonanz.core.models import AuditEntry

pytestmark = pytest.mark.django_db


class TokenServer:
    """`POST /2/oauth2/token`: hands out numbered token pairs; each refresh token works once."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.valid_refresh = {"refresh-0"}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                form = {k: v[0] for k, v in body.items()}
                server.requests.append({"form": form, "authorization": self.headers.get("Authorization", "")})
                if self.path != "/2/oauth2/token" or form.get("refresh_token") not in server.valid_refresh:
                    self.send_response(400)
                    self.end_headers()
                    self.wfile.write(b'{"error": "invalid_request"}')
                    return
                server.valid_refresh.discard(form["refresh_token"])
                number = len(server.requests)
                server.valid_refresh.add(f"refresh-{number}")
                answer = {
                    "access_token": f"access-{number}",
                    "refresh_token": f"refresh-{number}",
                    "expires_in": 7200,
                }
                payload = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def token_server():
    server = TokenServer()
    yield server
    server.stop()


def x_account(workspace: Any, token_server: TokenServer, **config: Any) -> ChannelAccount:
    return ChannelAccount.objects.create(
        workspace=workspace,
        kind="x",
        name="X @netzwelt_hilft",
        secret="consumer-secret",
        config={
            "user_id": "1",
            "access_token": "access-0",
            "refresh_token": "refresh-0",
            "client_id": "resonanz-app",
            "client_secret": "app-secret",
            "api_base_url": token_server.url,
            **config,
        },
    )


def test_a_token_about_to_expire_is_refreshed_before_use_and_stored(workspace, token_server):
    account = x_account(workspace, token_server, token_expires_at=time.time() + REFRESH_MARGIN_SECONDS - 30)
    client = client_for(account)
    assert client.token == "access-1"
    stored = ChannelAccount.objects.get(pk=account.pk).config
    assert (stored["access_token"], stored["refresh_token"]) == ("access-1", "refresh-1")
    assert stored["token_expires_at"] == pytest.approx(time.time() + 7200, abs=60)
    request = token_server.requests[0]
    assert request["form"] == {
        "grant_type": "refresh_token",
        "refresh_token": "refresh-0",
        "client_id": "resonanz-app",
    }
    assert request["authorization"].startswith("Basic ")
    # Fresh now: the next use sends no refresh.
    assert client_for(ChannelAccount.objects.get(pk=account.pk)).token == "access-1"
    assert len(token_server.requests) == 1


def test_a_fresh_token_is_not_refreshed(workspace, token_server):
    account = x_account(workspace, token_server, token_expires_at=time.time() + 3600)
    assert client_for(account).token == "access-0"
    assert token_server.requests == []


def test_an_account_without_refresh_token_is_left_alone(workspace, token_server):
    account = x_account(workspace, token_server, refresh_token="", token_expires_at=time.time() - 10)
    assert refresh_if_needed(account) is False
    assert token_server.requests == []


def test_a_refused_refresh_marks_the_account_unhealthy_and_audits(workspace, token_server):
    account = x_account(workspace, token_server, refresh_token="revoked", token_expires_at=time.time() - 10)
    assert refresh_if_needed(account) is False
    account.refresh_from_db()
    assert account.status == "unhealthy"
    assert "X token refresh failed: 400" in account.status_detail
    assert AuditEntry.objects.get(action="channel.unhealthy").data["code"] == "oauth_refresh"
    assert account.config["access_token"] == "access-0"
