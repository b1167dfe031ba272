"""Forum members sign in with a link by e-mail (decision 0870), sent through a real SMTP server on loopback:
the asker accepts an answer, members vote once, moderators moderate, a claimed nickname is nobody else's,
limits per member and IP address, CSRF, the cached pages for visitors and the customer's history."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import Message

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from resonanz.community import actions
from resonanz.community.models import LoginLink, Member, Question
from tests.channels.email.servers import SmtpServer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_suggestions")]


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.DEFAULT_FROM_EMAIL = "community@netzwelt.example"
        settings.PUBLIC_URL = "https://hilfe.netzwelt.example"
        yield server


def _mails_to(server: SmtpServer, address: str, count: int = 1) -> list[Message]:
    handler = server.handler
    with handler.changed:
        handler.changed.wait_for(
            lambda: sum(address in m["rcpt_tos"] for m in handler.received) >= count, timeout=10
        )
        return [message_from_bytes(m["data"]) for m in handler.received if address in m["rcpt_tos"]]


def _body(mail: Message) -> str:
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode("utf-8")


def _sign_in(client: Client, smtp: SmtpServer, email: str, nickname: str, capture) -> Member:  # type: ignore[no-untyped-def]
    before = sum(email in m["rcpt_tos"] for m in smtp.handler.received)
    with capture(execute=True):
        sent = client.post("/community/anmelden/", {"email": email, "nickname": nickname})
    assert sent.status_code == 200 and 'id="link-sent"' in sent.content.decode()
    mail = _mails_to(smtp, email, before + 1)[-1]
    found = re.search(r"https://hilfe\.netzwelt\.example(/community/anmelden/[^/\s]+/)", _body(mail))
    assert found is not None, _body(mail)
    link = found.group(1)
    confirm = client.get(link)  # a mail scanner's GET does not use the link up
    assert confirm.status_code == 200 and 'id="confirm-login"' in confirm.content.decode()
    assert client.post(link, {"weiter": "/community/"}).status_code == 302
    assert client.post(link).status_code == 400  # used once
    return Member.objects.get(email=email)


def test_the_asker_signs_in_by_mail_and_accepts_members_vote_once(
    agent, client: Client, smtp: SmtpServer, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    # asked without signing in, leaving an address
    with capture(execute=True):
        client.post(
            "/community/fragen/",
            {
                "nickname": "fragende_frieda",
                "email": "frieda@example.org",
                "title": "Router blinkt rot",
                "body": "Seit heute früh kein Internet.",
            },
        )
    question = Question.objects.get()
    helper = Client()
    helper_member = _sign_in(helper, smtp, "hugo@example.org", "helfer_hugo", capture)
    with capture(execute=True):
        assert (
            helper.post(f"/community/{question.pk}/antworten", {"body": "TAE-Kabel prüfen."}).status_code
            == 302
        )
    answer = question.answers.get()
    assert answer.member_id == helper_member.pk
    assert "TAE-Kabel prüfen." in _body(_mails_to(smtp, "frieda@example.org")[-1])  # the asker is told

    # anonymous: no accept, no vote buttons, voting leads to signing in
    page = client.get(f"/community/{question.pk}/").content.decode()
    assert "Als Lösung annehmen" not in page
    refused = Client().post(f"/community/{question.pk}/stimme/{answer.pk}", {"value": "1"})
    assert refused.status_code == 302 and refused["Location"].startswith("/community/anmelden/")

    # the helper may not accept for the asker
    assert helper.post(f"/community/{question.pk}/annehmen/{answer.pk}").status_code == 403

    asker = _sign_in(client, smtp, "frieda@example.org", "", capture)  # known address: no nickname needed
    assert asker.nickname == "fragende_frieda"
    page = client.get(f"/community/{question.pk}/").content.decode()
    assert "Angemeldet als fragende_frieda" in page and "Als Lösung annehmen" in page
    voter = Client()
    _sign_in(voter, smtp, "vera@example.org", "vera_voter", capture)
    assert voter.post(f"/community/{question.pk}/stimme/{answer.pk}", {"value": "1"}).status_code == 302
    assert voter.post(f"/community/{question.pk}/stimme/{answer.pk}", {"value": "1"}).status_code == 302
    with capture(execute=True):
        assert client.post(f"/community/{question.pk}/annehmen/{answer.pk}").status_code == 302
    question.refresh_from_db()
    helper_member.refresh_from_db()
    answer.refresh_from_db()
    assert question.accepted_answer_id == answer.pk and question.status == Question.Status.ANSWERED
    assert answer.score == 1  # the second vote did not count
    assert helper_member.reputation == actions.REPUTATION["accepted"] + actions.REPUTATION["upvote"]
    assert "angenommen" in _body(_mails_to(smtp, "hugo@example.org", 2)[-1])  # sign-in link, then this
    page = client.get(f"/community/{question.pk}/").content.decode()
    assert "✓ angenommen" in page and "Als Lösung annehmen" not in page

    # signing out ends it
    assert client.post("/community/abmelden/").status_code == 302
    assert "Angemeldet als" not in client.get(f"/community/{question.pk}/antworten").content.decode()


def test_a_claimed_nickname_posts_only_after_signing_in(agent, client: Client):
    actions.do_join(agent.workspace, "rita", email="rita@example.org")
    refused = client.post(
        "/community/fragen/", {"nickname": "rita", "title": "Ich bin nicht Rita", "body": "Doch."}
    )
    assert refused.status_code == 400 and "bitte zuerst anmelden" in refused.content.decode()
    with pytest.raises(actions.InvalidInput):
        actions.do_join(agent.workspace, "rita", email="other@example.org")
    assert not Question.objects.exists()


def test_sign_in_links_expire_are_limited_and_say_nothing_about_addresses(
    agent, client: Client, settings, monkeypatch
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    unknown = client.post("/community/anmelden/", {"email": "nobody@example.org"})
    assert unknown.status_code == 200 and 'id="link-sent"' in unknown.content.decode()  # same answer
    assert not LoginLink.objects.exists()
    assert client.post("/community/anmelden/", {"email": "kein-at"}).status_code == 400
    for _ in range(actions.LOGIN_LINKS_PER_MEMBER_HOUR):
        actions.do_request_login_link(agent.workspace, "m@example.org", "member_m", ip_address="10.0.0.1")
    limited = client.post("/community/anmelden/", {"email": "m@example.org"})
    assert limited.status_code == 429
    for number in range(actions.LOGIN_LINKS_PER_IP_HOUR):
        actions.do_request_login_link(
            agent.workspace, f"ip{number}@example.org", f"ip_{number}", ip_address="10.0.0.2"
        )
    with pytest.raises(actions.TooManyPosts):
        actions.do_request_login_link(agent.workspace, "fresh@example.org", "fresh", ip_address="10.0.0.2")

    elsewhere = actions.do_request_login_link(
        agent.workspace, "n@example.org", "nina_n", next_path="//evil.example/"
    )
    back = actions.do_request_login_link(
        agent.workspace, "o@example.org", "otto_o", next_path="/community/7/"
    )
    assert elsewhere is not None and back is not None
    assert (elsewhere.next_path, back.next_path) == ("", "/community/7/")  # only back into the forum
    link = LoginLink.objects.filter(member__nickname="member_m").first()
    assert link is not None
    token = actions.login_token(link)
    monkeypatch.setattr(actions, "LINK_MINUTES", 0)
    with CaptureQueriesContext(connection):
        assert client.post(f"/community/anmelden/{token}/").status_code == 400  # expired
    assert client.post("/community/anmelden/forged-token/").status_code == 400
    banned = Member.objects.get(nickname="member_m")
    banned.banned = True
    banned.save(update_fields=["banned"])
    monkeypatch.setattr(actions, "LINK_MINUTES", 30)
    assert client.post(f"/community/anmelden/{token}/").status_code == 400  # banned: no sign-in


def _signed_in(member: Member) -> Client:
    client = Client()
    session = client.session
    session["community_member"] = member.pk
    session.save()
    client.cookies["sessionid"] = session.session_key or ""
    return client


def test_forms_of_signed_in_members_need_the_csrf_token(agent):
    asker = actions.do_join(agent.workspace, "asker", email="a@example.org")
    helper = actions.do_join(agent.workspace, "helper")
    question = actions.do_ask_question(asker, "WLAN bricht ab", "Immer abends.")
    answer = actions.do_answer(helper, question, "Kanal wechseln.")
    client = Client(enforce_csrf_checks=True)
    session = client.session
    session["community_member"] = asker.pk
    session.save()
    client.cookies["sessionid"] = session.session_key or ""
    assert client.post(f"/community/{question.pk}/annehmen/{answer.pk}").status_code == 403
    assert client.post(f"/community/{question.pk}/stimme/{answer.pk}", {"value": "1"}).status_code == 403
    assert client.post("/community/anmelden/", {"email": "a@example.org"}).status_code == 403
    question.refresh_from_db()
    assert question.accepted_answer_id is None


def test_community_moderators_moderate_on_the_public_pages(agent):
    asker = actions.do_join(agent.workspace, "asker")
    troll = actions.do_join(agent.workspace, "troll")
    moderator = actions.do_join(agent.workspace, "moderatorin", email="mod@example.org")
    Member.objects.filter(pk=moderator.pk).update(is_moderator=True)
    question = actions.do_ask_question(asker, "Rechnung doppelt", "Zweimal abgebucht.")
    rude = actions.do_answer(troll, question, "Selber schuld, lies halt die Anleitung.")
    plain = _signed_in(asker)
    assert plain.post(f"/community/{question.pk}/moderieren", {"action": "lock"}).status_code == 403
    mod = _signed_in(moderator)
    assert "Ausblenden" in mod.get(f"/community/{question.pk}/").content.decode()
    assert (
        mod.post(
            f"/community/{question.pk}/moderieren", {"action": "hide_answer", "answer": rude.pk}
        ).status_code
        == 302
    )
    assert mod.post(f"/community/{question.pk}/moderieren", {"action": "lock"}).status_code == 302
    question.refresh_from_db()
    rude.refresh_from_db()
    assert rude.hidden and question.locked
    assert "Selber schuld" not in Client().get(f"/community/{question.pk}/").content.decode()


def test_answer_limits_per_member_and_ip_address(agent, client: Client, monkeypatch):
    asker = actions.do_join(agent.workspace, "asker")
    question = actions.do_ask_question(asker, "Glasfaser Termin", "Wann kommt der Techniker?")
    monkeypatch.setattr(actions, "ANSWERS_PER_IP_HOUR", 3)
    for number in range(3):
        response = client.post(
            f"/community/{question.pk}/antworten", {"nickname": f"helfer{number}", "body": "Morgen."}
        )
        assert response.status_code == 302
    limited = client.post(f"/community/{question.pk}/antworten", {"nickname": "helfer9", "body": "Morgen."})
    assert limited.status_code == 429 and "Zu viele Antworten von dieser Adresse" in limited.content.decode()


def test_public_pages_survive_a_burst_of_visitors_and_members_see_fresh_pages(agent):
    asker = actions.do_join(agent.workspace, "asker")
    question = actions.do_ask_question(asker, "Umzug nach Köln", "Was muss ich tun?")
    helper = actions.do_join(agent.workspace, "helper")
    answer = actions.do_answer(helper, question, "Sechs Wochen vorher melden.")
    for path in ("/community/", f"/community/{question.pk}/", "/hilfe/de/"):
        assert Client().get(path).status_code == 200  # fills the cache
        with CaptureQueriesContext(connection) as queries:
            for _ in range(50):
                assert Client().get(path).status_code == 200
        assert len(queries) == 0, path
    member = _signed_in(asker)
    assert member.post(f"/community/{question.pk}/annehmen/{answer.pk}").status_code == 302
    assert "✓ angenommen" in member.get(f"/community/{question.pk}/").content.decode()


def test_the_customers_history_shows_the_community_identity(agent, agent_client):
    member = actions.do_join(agent.workspace, "router_rudi", email="rudi@example.org")
    page = agent_client.get(f"/customers/{member.identity.customer_id}/").content.decode()
    assert "router_rudi" in page


def test_a_visitor_sees_their_answer_at_once_on_the_cached_page(agent, django_capture_on_commit_callbacks):
    asker = actions.do_join(agent.workspace, "asker")
    question = actions.do_ask_question(asker, "DSL langsam", "Nur 2 Mbit/s.")
    visitor = Client()
    assert "Noch keine Antworten" in visitor.get(f"/community/{question.pk}/").content.decode()  # cached
    with django_capture_on_commit_callbacks(execute=True):  # the forum's version changes on commit
        posted = visitor.post(
            f"/community/{question.pk}/antworten", {"nickname": "tipp", "body": "Splitter prüfen."}
        )
    assert posted.status_code == 302
    assert "Splitter prüfen." in visitor.get(f"/community/{question.pk}/").content.decode()
    assert "DSL langsam" in Client().get("/community/").content.decode()


def test_abusive_or_spam_answers_are_held_for_moderation(
    agent, agent_client, client: Client, settings, django_capture_on_commit_callbacks
):
    from django.core import mail

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    asker = actions.do_join(agent.workspace, "asker", email="asker@example.org")
    question = actions.do_ask_question(asker, "Vertrag verlängert?", "Ohne Nachricht verlängert.")
    with django_capture_on_commit_callbacks(execute=True):
        rude = client.post(
            f"/community/{question.pk}/antworten",
            {"nickname": "troll", "body": "Du Idiot, lies den Vertrag."},
        )
        spam = client.post(
            f"/community/{question.pk}/antworten",
            {"nickname": "werber", "body": "Bitcoin Gewinnspiel: http://a.example http://b.example"},
        )
    assert rude.status_code == spam.status_code == 302
    assert mail.outbox == []  # nobody is told about a held answer
    page = Client().get(f"/community/{question.pk}/").content.decode()
    assert "Idiot" not in page and "Bitcoin" not in page
    agent.role = "moderator"
    agent.save(update_fields=["role"])
    queue = agent_client.get("/community/moderation/").content.decode()
    assert "Du Idiot, lies den Vertrag." in queue and "Bitcoin Gewinnspiel" in queue
    held = {a.body[:6]: a for a in actions.answer_queue(agent.workspace)}
    with django_capture_on_commit_callbacks(execute=True):
        agent_client.post("/community/moderation/", {"answer": held["Bitcoi"].pk, "action": "hide_answer"})
        agent_client.post("/community/moderation/", {"answer": held["Du Idi"].pk, "action": "approve_answer"})
    assert not actions.answer_queue(agent.workspace).exists()
    page = Client().get(f"/community/{question.pk}/").content.decode()
    assert "Du Idiot, lies den Vertrag." in page and "Bitcoin" not in page  # a moderator's decision
    assert [m.to for m in mail.outbox] == [["asker@example.org"]]
    assert (
        agent_client.post(
            "/community/moderation/", {"answer": 999999, "action": "approve_answer"}
        ).status_code
        == 404
    )
