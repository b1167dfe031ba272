"""The community forum's rules through its actions: asking, answering, votes and reputation, accepted and
official answers, moderation, rate limits, spam, and when a question is due for staff."""

from __future__ import annotations

import datetime as dt
from typing import cast

import pytest
from django.utils import timezone

from resonanz.community import actions
from resonanz.community.models import TRUSTED_FROM, Member, Question
from resonanz.core.errors import InvalidInput, PermissionDenied
from resonanz.customers.models import Identity
from resonanz.knowledge.models import SuggestionItem
from resonanz.testing.factories import AgentFactory
from resonanz.workspaces.models import Agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent() -> Agent:
    return cast(Agent, AgentFactory())


def test_a_member_is_a_forum_identity_of_a_customer(agent):
    member = actions.do_join(agent.workspace, "router_rita")
    identity = Identity.objects.get(pk=member.identity_id)
    assert (identity.kind, identity.handle) == ("forum", "router_rita")
    assert actions.do_join(agent.workspace, "router_rita").pk == member.pk
    with pytest.raises(InvalidInput):
        actions.do_join(agent.workspace, "<script>")


def test_votes_count_once_and_accepted_answers_earn_trust(agent):
    asker = actions.do_join(agent.workspace, "asker")
    helper = actions.do_join(agent.workspace, "helper")
    voter = actions.do_join(agent.workspace, "voter")
    question = actions.do_ask_question(asker, "WLAN bricht abends ab", "Jeden Abend ab 20 Uhr weg.")
    answer = actions.do_answer(helper, question, "Stell den WLAN-Kanal auf 1, 6 oder 11.")

    assert actions.do_vote(voter, answer, 1) is True
    assert actions.do_vote(voter, answer, 1) is False  # once
    with pytest.raises(InvalidInput):
        actions.do_vote(helper, answer, 1)  # not for oneself
    actions.do_accept_answer(asker, question, answer)

    helper.refresh_from_db()
    question.refresh_from_db()
    assert helper.reputation == 2 + 15
    assert question.status == Question.Status.ANSWERED
    assert SuggestionItem.objects.filter(kind="community_answer", source_id=answer.pk).exists()
    with pytest.raises(PermissionDenied):
        actions.do_accept_answer(voter, question, answer)


def test_official_and_trusted_answers_rank_first(agent):
    asker = actions.do_join(agent.workspace, "asker")
    newbie = actions.do_join(agent.workspace, "newbie")
    expert = actions.do_join(agent.workspace, "expert")
    Member.objects.filter(pk=expert.pk).update(reputation=TRUSTED_FROM)
    question = actions.do_ask_question(asker, "Router blinkt rot", "Was tun?")
    plain = actions.do_answer(newbie, question, "Neu starten.")
    trusted = actions.do_answer(expert, question, "Kabel in die erste Buchse der TAE-Dose.")
    official = actions.do_post_official_answer(agent, question, "Wir prüfen Ihre Leitung.")

    assert [a.pk for a in actions.ranked_answers(question)] == [official.pk, trusted.pk, plain.pk]
    assert official.official


def test_rate_limits_per_member_and_ip(agent):
    member = actions.do_join(agent.workspace, "eager")
    for number in range(actions.QUESTIONS_PER_MEMBER_HOUR):
        actions.do_ask_question(member, f"Frage Nummer {number}", "Text", ip_address="192.0.2.1")
    with pytest.raises(actions.TooManyPosts):
        actions.do_ask_question(member, "Noch eine Frage", "Text")
    others = [actions.do_join(agent.workspace, f"other{n}") for n in range(2)]
    for number in range(actions.QUESTIONS_PER_IP_HOUR - actions.QUESTIONS_PER_MEMBER_HOUR):
        actions.do_ask_question(others[0], f"Andere Frage {number}", "Text", ip_address="192.0.2.1")
    with pytest.raises(actions.TooManyPosts):
        actions.do_ask_question(others[1], "Von derselben Adresse", "Text", ip_address="192.0.2.1")
    assert Question.objects.count() == actions.QUESTIONS_PER_IP_HOUR


def test_spam_goes_to_the_moderation_queue_and_moderators_decide(agent):
    spammer = actions.do_join(agent.workspace, "spammer")
    moderator = actions.do_join(agent.workspace, "mod")
    Member.objects.filter(pk=moderator.pk).update(is_moderator=True)
    moderator.refresh_from_db()
    spam = actions.do_ask_question(
        spammer, "GRATIS CASINO BONUS", "http://x.example http://y.example !!!!!!!!!!"
    )
    fine = actions.do_ask_question(moderator, "Rechnung doppelt abgebucht", "Zweimal 39,99 € im Mai.")

    assert spam.status == Question.Status.QUEUED and spam.spam_score >= actions.SPAM_QUEUE_FROM
    assert list(actions.moderation_queue(agent.workspace)) == [spam]
    assert fine.status == Question.Status.OPEN
    with pytest.raises(InvalidInput):
        actions.do_answer(moderator, spam, "Antwort auf Spam")  # queued questions take no answers
    with pytest.raises(PermissionDenied):
        actions.do_moderate(spammer, "ban", member=moderator)
    actions.do_moderate(moderator, "ban", member=spammer)
    actions.do_moderate(agent, "hide_question", question=spam)
    spammer.refresh_from_db()
    with pytest.raises(PermissionDenied):
        actions.do_ask_question(spammer, "Wieder da", "Text")
    actions.do_moderate(moderator, "lock", question=fine)
    fine.refresh_from_db()
    with pytest.raises(InvalidInput):
        actions.do_answer(moderator, fine, "zu spät")


def test_questions_are_due_for_staff_after_the_categorys_waiting_time(agent):
    member = actions.do_join(agent.workspace, "wartend")
    normal = actions.do_ask_question(member, "Tarif wechseln", "Geht das mitten im Monat?")
    outage = actions.do_ask_question(member, "Kein Internet in Köln", "Seit 8 Uhr.", category="stoerungen")
    sensitive = actions.do_ask_question(member, "Ich will kündigen", "Wie geht das?")
    now = timezone.now()

    assert set(actions.questions_needing_staff(agent.workspace, now)) == {outage, sensitive}
    later = now + actions.DEFAULT_WAIT + dt.timedelta(minutes=1)
    assert set(actions.questions_needing_staff(agent.workspace, later)) == {normal, outage, sensitive}
    actions.do_post_official_answer(agent, outage, "Störung bekannt, behoben bis 14 Uhr.")
    helper = actions.do_join(agent.workspace, "helfer")
    answer = actions.do_answer(helper, normal, "Ja, zum Monatsersten.")
    actions.do_accept_answer(member, normal, answer)
    assert list(actions.questions_needing_staff(agent.workspace, later)) == [sensitive]


def test_a_due_question_becomes_a_conversation_and_the_agents_reply_comes_back_official(
    agent, django_capture_on_commit_callbacks
):
    from resonanz.channels.models import InboundEvent
    from resonanz.channels.replies import do_send_reply
    from resonanz.conversations.models import Conversation
    from resonanz.testing.factories import ChannelAccountFactory

    ChannelAccountFactory(workspace=agent.workspace, name="Community-Forum", config={"imitates": "forum"})
    member = actions.do_join(agent.workspace, "kein_netz")
    question = actions.do_ask_question(member, "Kein Internet in Köln", "Seit 8 Uhr.", category="stoerungen")
    actions.do_ask_question(member, "Tarif wechseln", "Geht das mitten im Monat?")  # still waiting

    with django_capture_on_commit_callbacks(execute=True):
        assert actions.do_route_due_questions(agent.workspace) == 1
    assert actions.do_route_due_questions(agent.workspace) == 0  # once
    assert InboundEvent.objects.filter(external_id=f"community-question-{question.pk}").count() == 1
    conversation = Conversation.objects.get(messages__external_id=f"community-question-{question.pk}")
    assert conversation.customer_id == member.identity.customer_id  # the member's customer, like any channel

    with django_capture_on_commit_callbacks(execute=True):
        do_send_reply(agent, conversation, "Die Störung ist bekannt und bis 14 Uhr behoben.", private=False)
    assert actions.do_publish_staff_replies() == 1
    assert actions.do_publish_staff_replies() == 0
    [answer] = question.answers.all()
    assert answer.official and answer.agent_id == agent.pk
    question.refresh_from_db()
    assert question.status == Question.Status.ANSWERED


def test_the_asker_is_notified_by_email_through_a_local_smtp_server(
    agent, settings, django_capture_on_commit_callbacks
):
    import threading

    from aiosmtpd.controller import Controller

    received: list[tuple[list[str], bytes]] = []
    arrived = threading.Event()

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            received.append((list(envelope.rcpt_tos), envelope.content))
            arrived.set()
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.DEFAULT_FROM_EMAIL = "community@netzwelt.example"
        asker = actions.do_join(agent.workspace, "fragende", email="fragende@example.org")
        silent = actions.do_join(agent.workspace, "ohne_mail")
        helper = actions.do_join(agent.workspace, "helfer")
        question = actions.do_ask_question(asker, "Router blinkt rot", "Was tun?")
        other = actions.do_ask_question(silent, "WLAN weg", "Seit gestern.")
        with django_capture_on_commit_callbacks(execute=True):
            actions.do_answer(helper, question, "Kabel in die erste Buchse der TAE-Dose stecken.")
            actions.do_answer(helper, other, "Router neu starten.")  # no address: no mail
        assert arrived.wait(10)
    finally:
        controller.stop()
    assert len(received) == 1
    recipients, content = received[0]
    assert recipients == ["fragende@example.org"]
    assert b"Kabel in die erste Buchse" in content
    with pytest.raises(InvalidInput):
        actions.do_join(agent.workspace, "falsch", email="keine-adresse")
