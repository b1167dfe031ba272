"""Login throttling on /login/ and /admin/ (django-axes): per account and per client address, a clear message
in German and English, and the client address taken from the trusted proxy header only when configured."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt  # type: ignore[import-untyped]
from django.test import Client

from resonanz.testing.factories import PASSWORD, AgentFactory

pytestmark = pytest.mark.django_db

LOGIN = "/login/"
ADMIN_LOGIN = "/admin/login/"


def attempt(client: Client, username: str, password: str, url: str = LOGIN, ip: str = "203.0.113.7", **extra):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, username: str, times: int, **kwargs) -> list[int]:
    """Wrong passwords; the status of each answer (200: the form again, 429: locked out from now on)."""
    return [attempt(client, username, "falsch-geraten", **kwargs).status_code for _ in range(times)]


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(agent):
    client = Client()
    assert fail(client, agent.user.username, 5) == [200, 200, 200, 200, 429]
    response = attempt(client, agent.user.username, PASSWORD)
    assert response.status_code == 429
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in response.content.decode()
    assert not logged_in(client)


def test_the_lockout_message_is_english_for_an_english_browser(agent):
    client = Client()
    fail(client, agent.user.username, 5)
    response = attempt(client, agent.user.username, PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()


def test_an_account_is_locked_from_every_address(agent):
    fail(Client(), agent.user.username, 5, ip="203.0.113.7")
    elsewhere = Client()
    response = attempt(elsewhere, agent.user.username, PASSWORD, ip="198.51.100.20")
    assert response.status_code == 429
    assert not logged_in(elsewhere)


def test_an_address_guessing_many_accounts_is_locked(workspace):
    victims = [AgentFactory(workspace=workspace) for _ in range(6)]
    client = Client()
    for victim in victims[:5]:
        fail(client, victim.user.username, 1)
    response = attempt(client, victims[5].user.username, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    # Another address still logs the same agent in: the lock is on the address, not that account.
    other = Client()
    attempt(other, victims[5].user.username, PASSWORD, ip="198.51.100.20")
    assert logged_in(other)


def test_fewer_failures_than_the_limit_do_not_lock_and_success_resets_them(agent):
    client = Client()
    assert fail(client, agent.user.username, 4) == [200, 200, 200, 200]
    response = attempt(client, agent.user.username, PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)
    assert AccessAttempt.objects.count() == 0


def test_the_admin_login_is_throttled_too(workspace):
    admin = AgentFactory(workspace=workspace, role="admin")
    admin.user.is_staff = True
    admin.user.save()
    client = Client()
    fail(client, admin.user.username, 5, url=ADMIN_LOGIN)
    response = attempt(client, admin.user.username, PASSWORD, url=ADMIN_LOGIN)
    assert response.status_code == 429
    assert not logged_in(client)


def test_forwarded_for_header_is_ignored_without_a_trusted_proxy(workspace):
    """Without RESONANZ_TRUSTED_PROXY_HEADER an outsider cannot dodge the address lock by inventing one."""
    victims = [AgentFactory(workspace=workspace) for _ in range(6)]
    client = Client()
    for number, victim in enumerate(victims[:5]):
        fail(client, victim.user.username, 1, HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
    response = attempt(client, victims[5].user.username, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert response.status_code == 429


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_count(workspace, settings):
    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    victims = [AgentFactory(workspace=workspace) for _ in range(6)]
    client = Client()
    for victim in victims[:5]:
        fail(client, victim.user.username, 1, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.1")
    locked = attempt(
        client, victims[5].user.username, PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.1"
    )
    assert locked.status_code == 429
    colleague = Client()
    attempt(colleague, victims[5].user.username, PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.2")
    assert logged_in(colleague)
