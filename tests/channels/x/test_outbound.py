"""X outbound against the fake X: replies, numbered threads, DMs, retries, 4xx, rate limits, exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from resonanz.channels import outbound
from resonanz.channels.models import DeliveryAttempt, OutboundDelivery
from resonanz.channels.replies import do_send_reply
from resonanz.channels.x.client import XClient
from resonanz.channels.x.payloads import weighted_length
from resonanz.channels.x.polling import poll_mentions
from resonanz.conversations.models import Conversation, Message

pytestmark = pytest.mark.django_db

LONG_ANSWER = (
    "Guten Morgen Anna, danke für Ihre Geduld. In 50667 Köln gibt es seit 6:40 Uhr eine Störung am "
    "Verteiler, unsere Technik ist vor Ort. Den aktuellen Stand finden Sie jederzeit unter "
    "https://status.netzwelt.de/stoerungen/koeln-50667?quelle=x und wir melden uns, sobald alles "
    "wieder läuft. Bitte starten Sie den Router danach einmal neu (Stecker 10 Sekunden ziehen). Wenn es "
    "dann noch hakt, schreiben Sie uns gern eine Direktnachricht mit Ihrer Kundennummer, dann schauen "
    "wir uns Ihren Anschluss einzeln an. Eine Gutschrift für die Ausfallzeit bekommen Sie automatisch mit "
    "der nächsten Rechnung, dafür müssen Sie nichts tun. Entschuldigen Sie bitte die Unannehmlichkeiten, "
    "wir wissen, wie wichtig ein funktionierender Anschluss im Homeoffice ist. Viele Grüße"
)


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing in the send path catches it."""


@pytest.fixture
def mention(fake_x, x_account, django_capture_on_commit_callbacks):
    tweet = fake_x.add_mention("Seit heute früh kein Internet in 50667 Köln", username="anna_k")
    with django_capture_on_commit_callbacks(execute=True):
        poll_mentions(x_account)
    return Message.objects.get(external_id=tweet["id"])


def reply(agent, mention, text, capture, *, private=None, execute=True):
    with capture(execute=execute):
        message = do_send_reply(agent, mention.conversation, text, private=private)
    return OutboundDelivery.objects.get(message=message)


def test_short_reply_is_one_post_in_reply_to_the_mention(
    fake_x, agent, mention, django_capture_on_commit_callbacks
):
    delivery = reply(agent, mention, "Wir schauen sofort nach!", django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    [post] = fake_x.own_posts()
    assert (post["text"], post["referenced_tweets"]) == (
        "Wir schauen sofort nach! ^MK",  # signed with the agent's initials (workspace persona)
        [{"type": "replied_to", "id": mention.external_id}],
    )
    assert (delivery.status, delivery.external_ids) == ("sent", [post["id"]])
    assert Message.objects.get(pk=delivery.message_id).external_id == post["id"]


def test_long_reply_becomes_a_numbered_thread_within_280(
    fake_x, agent, mention, django_capture_on_commit_callbacks
):
    delivery = reply(agent, mention, LONG_ANSWER, django_capture_on_commit_callbacks)
    posts = fake_x.own_posts()
    assert [p["text"][-4:] for p in posts] == [" 1/3", " 2/3", " 3/3"]
    assert all(weighted_length(p["text"]) <= 280 for p in posts)
    # Each part answers the one before; the first answers the customer.
    parents = [p["referenced_tweets"][0]["id"] for p in posts]
    assert parents == [mention.external_id, posts[0]["id"], posts[1]["id"]]
    assert " ".join(p["text"][:-4] for p in posts) == " ".join(LONG_ANSWER.split()) + " ^MK"
    delivery.refresh_from_db()
    assert delivery.external_ids == [p["id"] for p in posts]


def test_private_reply_is_a_direct_message(fake_x, agent, mention, django_capture_on_commit_callbacks):
    delivery = reply(
        agent,
        mention,
        "Bitte senden Sie uns Ihre Kundennummer.",
        django_capture_on_commit_callbacks,
        private=True,
    )
    delivery.refresh_from_db()
    [dm] = fake_x.dm_events
    anna = fake_x.user_named("anna_k")
    assert (dm["text"], dm["_participant"]) == ("Bitte senden Sie uns Ihre Kundennummer.", anna["id"])
    assert (delivery.action, delivery.status, delivery.external_ids) == ("direct_message", "sent", [dm["id"]])


def _retry_now(delivery: OutboundDelivery) -> str:
    OutboundDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    return outbound.send_delivery(delivery.pk)


def test_5xx_retries_with_backoff_shows_pending_then_failed_after_the_limit(
    fake_x, agent, mention, django_capture_on_commit_callbacks
):
    fake_x.fail_next("POST", "/2/tweets", 503, {"title": "Service Unavailable", "status": 503}, times=100)
    delivery = reply(agent, mention, "Wir schauen nach.", django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "pending",
        1,
        "503 Service Unavailable",
    )
    assert delivery.next_attempt_at > timezone.now() + dt.timedelta(seconds=25)
    statuses = [_retry_now(delivery) for _ in range(outbound.MAX_SEND_ATTEMPTS - 1)]
    assert statuses == ["pending"] * 4 + ["failed"]
    assert list(DeliveryAttempt.objects.filter(delivery=delivery).values_list("outcome", flat=True)) == [
        "retry"
    ] * 5 + ["failed"]
    assert fake_x.own_posts() == []


def test_timeout_retries_and_then_sends(
    fake_x, x_account, agent, mention, django_capture_on_commit_callbacks
):
    fake_x.fail_next("POST", "/2/tweets", 200, {}, hang_seconds=5)
    x_account.config = {**x_account.config, "timeout_seconds": 0.3}
    x_account.save()
    delivery = reply(agent, mention, "Wir schauen nach.", django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.last_error.startswith("ReadTimeout")
    assert _retry_now(delivery) == "sent"
    assert len(fake_x.own_posts()) == 1


def test_4xx_fails_at_once_with_the_platforms_error(
    fake_x, agent, mention, django_capture_on_commit_callbacks
):
    fake_x.fail_next(
        "POST",
        "/2/tweets",
        403,
        {"detail": "You are not permitted to reply to this post.", "title": "Forbidden", "status": 403},
    )
    delivery = reply(agent, mention, "Wir schauen nach.", django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.last_error == "X: 403 You are not permitted to reply to this post."
    assert DeliveryAttempt.objects.get(delivery=delivery).status_code == 403


def test_429_retries_after_the_reset_the_platform_gave(
    fake_x, agent, mention, django_capture_on_commit_callbacks
):
    reset = int(timezone.now().timestamp()) + 600
    fake_x.fail_next(
        "POST",
        "/2/tweets",
        429,
        {"title": "Too Many Requests", "status": 429},
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
    )
    delivery = reply(agent, mention, "Wir schauen nach.", django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 590 <= wait <= 601


def test_worker_killed_after_the_platform_accepted_posts_exactly_once(
    fake_x, agent, mention, django_capture_on_commit_callbacks, monkeypatch
):
    delivery = reply(agent, mention, LONG_ANSWER, django_capture_on_commit_callbacks, execute=False)
    real_create = XClient.create_tweet
    calls = []

    def create_then_die(self, text, **kwargs):
        answer = real_create(self, text, **kwargs)
        calls.append(text)
        if len(calls) == 2:
            raise WorkerKilled  # parts 1 and 2 are on X, the database never heard of them
        return answer

    monkeypatch.setattr(XClient, "create_tweet", create_then_die)
    with pytest.raises(WorkerKilled):
        outbound.send_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "sending"
    # The sweeper frees the delivery a dead worker left in "sending"; the next worker sends it.
    OutboundDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=outbound.STUCK_AFTER_SECONDS + 1)
    )
    outbound.sweep_deliveries()
    assert outbound.send_delivery(delivery.pk) == "sent"
    posts = fake_x.own_posts()
    assert len(fake_x.calls("POST", "/2/tweets")) == 3
    assert [p["text"][-4:] for p in posts] == [" 1/3", " 2/3", " 3/3"]
    delivery.refresh_from_db()
    assert delivery.external_ids == [p["id"] for p in posts]


def test_connection_dropped_after_the_platform_posted_is_not_posted_twice(
    fake_x, agent, mention, django_capture_on_commit_callbacks
):
    fake_x.fail_next("POST", "/2/tweets", 201, None, after=True, drop=True)
    delivery = reply(agent, mention, "Wir schauen nach.", django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert _retry_now(delivery) == "sent"
    [post] = fake_x.own_posts()
    assert len(fake_x.calls("POST", "/2/tweets")) == 1
    delivery.refresh_from_db()
    assert delivery.external_ids == [post["id"]]


def test_signature_is_added_to_every_part(fake_x, x_account):
    from resonanz.channels.base import OutboundRequest
    from resonanz.channels.x.adapter import XAdapter

    result = XAdapter().send_outbound(
        x_account,
        OutboundRequest(
            delivery_id=1,
            idempotency_key="k",
            action="reply",
            text=LONG_ANSWER,
            is_public=True,
            in_reply_to_external_id="1861000000000000101",
            extra={"signature": "^MK"},
        ),
    )
    posts = fake_x.own_posts()
    assert [p["text"][-8:] for p in posts] == [" 1/3 ^MK", " 2/3 ^MK", " 3/3 ^MK"]
    assert result.external_ids == [p["id"] for p in posts]
    assert Conversation.objects.count() == 0


def test_customer_answering_the_last_part_of_our_thread_stays_in_the_conversation(
    fake_x, x_account, agent, mention, django_capture_on_commit_callbacks
):
    reply(agent, mention, LONG_ANSWER, django_capture_on_commit_callbacks)
    last_part = fake_x.own_posts()[-1]
    # Ben has no conversation of his own: only the thread's first post can lead his answer to Anna's.
    answer = fake_x.add_mention("Bei mir auch, danke!", username="ben_b", in_reply_to=last_part["id"])
    fake_x.add_mention("Ganz andere Frage zur Rechnung", username="bea")
    with django_capture_on_commit_callbacks(execute=True):
        poll_mentions(x_account)
    assert Message.objects.get(external_id=answer["id"]).conversation == mention.conversation
    assert Conversation.objects.count() == 2


def test_an_announcement_is_a_post_of_our_own_that_answers_nobody(fake_x, x_account):
    from resonanz.channels.base import OutboundRequest
    from resonanz.channels.x.adapter import XAdapter

    adapter = XAdapter()
    action = adapter.announcement_action(x_account)
    assert action == "publish_post"
    result = adapter.send_outbound(
        x_account,
        OutboundRequest(
            delivery_id=2,
            idempotency_key="announcement-1",
            action=action,
            text="Störung in Köln behoben.",
            is_public=True,
            in_reply_to_external_id="1861000000000000101",  # ignored: a post answers nobody
        ),
    )
    [post] = fake_x.own_posts()
    assert (post["text"], "referenced_tweets" in post) == ("Störung in Köln behoben.", False)
    assert result.external_ids == [post["id"]]
