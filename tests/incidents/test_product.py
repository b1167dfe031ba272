"""Incidents in the product: the pipeline step opens them from understood messages, agents confirm, dismiss
and merge them, and one update reaches every affected customer exactly once."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any, cast

import pytest
from django.db.models import Count, Min
from django.utils import timezone

from resonanz.channels.models import ChannelAccount, OutboundDelivery
from resonanz.conversations.models import Conversation, Message, TimelineEntry
from resonanz.core.errors import InvalidInput
from resonanz.core.models import AuditEntry
from resonanz.customers.models import Customer
from resonanz.incidents import actions
from resonanz.incidents.access import current_status_for_region, status_for_conversation
from resonanz.incidents.actions import (
    do_confirm_incident,
    do_create_announcement,
    do_dismiss_incident,
    do_fan_out,
    do_merge_incidents,
    do_post_incident_update,
    do_split_incident,
)
from resonanz.incidents.models import DetectorRecord, Incident, IncidentMember, IncidentNotice
from resonanz.incidents.pipeline import detect_incidents
from resonanz.testing.factories import AgentFactory, ConversationFactory, CustomerFactory, MessageFactory
from resonanz.understanding.models import Annotation
from resonanz.workspaces.models import Agent

pytestmark = pytest.mark.django_db


def report(
    account: ChannelAccount, text: str, minutes_ago: float, customer: Customer | None = None
) -> Message:
    conversation = ConversationFactory(
        channel_account=account, is_public=True, **({"customer": customer} if customer else {})
    )
    message = cast(
        Message,
        MessageFactory(
            conversation=conversation,
            text=text,
            visibility=Message.Visibility.PUBLIC,
            created_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        ),
    )
    Annotation.objects.create(
        message=message, annotator="region", version="1", label="Nordrhein-Westfalen", data={"city": "Köln"}
    )
    return message


def outage(account: ChannelAccount, customers: int = 8, start: float = 30) -> list[Message]:
    return [report(account, "Kein Internet in Köln seit einer Stunde!", start - i) for i in range(customers)]


def test_a_burst_of_customers_becomes_one_suggested_incident_with_its_conversations(fake_account) -> None:
    messages = outage(fake_account)
    detect_incidents([m.pk for m in messages])
    incident = Incident.objects.get()
    assert incident.status == Incident.Status.SUGGESTED
    assert incident.member_count == 8
    assert incident.customer_count == 8
    assert incident.cities == {"Köln": 8}
    assert incident.regions() == ["Köln"]
    assert incident.first_report_at == messages[0].created_at
    assert set(IncidentMember.objects.values_list("conversation_id", flat=True)) == {
        m.conversation_id for m in messages
    }
    assert TimelineEntry.objects.filter(kind="incident_linked").count() == 8


def test_running_the_step_twice_counts_nothing_twice(fake_account) -> None:
    messages = outage(fake_account)
    detect_incidents([m.pk for m in messages])
    detect_incidents([m.pk for m in messages])
    assert Incident.objects.get().member_count == 8
    assert DetectorRecord.objects.get().version == 1


def test_one_customer_writing_fifty_times_opens_nothing(fake_account) -> None:
    customer = cast(Customer, CustomerFactory(workspace=fake_account.workspace))
    messages = [report(fake_account, "Kein Internet in Köln!!!", 50 - i * 0.5, customer) for i in range(50)]
    detect_incidents([m.pk for m in messages])
    assert not Incident.objects.exists()


def test_the_detector_state_survives_between_batches(fake_account) -> None:
    messages = outage(fake_account)
    for message in messages:  # one message per run, as the worker sees them one by one
        detect_incidents([message.pk])
    assert Incident.objects.get().member_count == 8


def test_a_maintenance_announcement_suppresses_an_incident_in_its_region(fake_account, agent) -> None:
    now = timezone.now()
    do_create_announcement(
        agent,
        kind="maintenance",
        title="Wartung Köln",
        public_text="Heute Nacht Wartungsarbeiten.",
        regions=["Köln"],
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=3),
    )
    detect_incidents([m.pk for m in outage(fake_account)])
    assert not Incident.objects.exists()
    assert "Geplante Wartung in Köln" in (current_status_for_region(fake_account.workspace, "Köln") or "")
    assert current_status_for_region(fake_account.workspace, "Bremen") is None


def test_a_dismissal_teaches_the_detector(fake_account, agent) -> None:
    detect_incidents([m.pk for m in outage(fake_account, start=200)])
    incident = Incident.objects.get()
    do_dismiss_incident(agent, incident)
    assert Incident.objects.get().status == Incident.Status.DISMISSED
    detect_incidents([m.pk for m in outage(fake_account, customers=10, start=20)])
    assert Incident.objects.count() == 1


def test_an_agent_of_another_workspace_cannot_touch_the_incident(fake_account) -> None:
    detect_incidents([m.pk for m in outage(fake_account)])
    outsider = cast(Agent, AgentFactory(workspace__slug="andere", workspace__name="Andere"))
    with pytest.raises(InvalidInput):
        do_confirm_incident(outsider, Incident.objects.get())


def test_merging_moves_the_members_once(fake_account, agent) -> None:
    detect_incidents([m.pk for m in outage(fake_account)])
    first = Incident.objects.get()
    second = Incident.objects.create(
        workspace=fake_account.workspace, title="Auch Köln", status="investigating"
    )
    shared = IncidentMember.objects.filter(incident=first).first()
    assert shared is not None
    IncidentMember.objects.create(
        incident=second, conversation=shared.conversation, customer=shared.customer, message=shared.message,
        reported_at=shared.reported_at,
    )  # fmt: skip
    extra = report(fake_account, "Köln: Internet weg", 3)
    IncidentMember.objects.create(
        incident=second, conversation=extra.conversation, customer=extra.conversation.customer, message=extra,
        reported_at=extra.created_at,
    )  # fmt: skip
    assert do_merge_incidents(agent, first, second) == 1
    first.refresh_from_db()
    assert first.member_count == 9
    assert Incident.objects.get(pk=second.pk).status == Incident.Status.MERGED


# --- one answer to all ---------------------------------------------------------------------------------------


def confirmed(fake_account: ChannelAccount, agent: Agent, customers: int = 8) -> Incident:
    detect_incidents([m.pk for m in outage(fake_account, customers=customers)])
    incident = Incident.objects.get()
    do_confirm_incident(agent, incident)
    return incident


def test_an_update_reaches_every_affected_customer_once_on_their_channel(fake_account, agent) -> None:
    incident = confirmed(fake_account, agent)
    long_text = "Wir haben eine Störung in Köln-Ehrenfeld und Nippes gefunden. " * 8
    update = do_post_incident_update(agent, incident, "identified", long_text)
    assert do_fan_out(update.pk) == 8
    assert do_fan_out(update.pk) == 0
    deliveries = list(OutboundDelivery.objects.all())
    assert len(deliveries) == 8
    assert {d.payload["is_public"] for d in deliveries} == {True}
    assert all(len(d.payload["text"]) <= 280 for d in deliveries)  # the fake account imitates X
    assert {d.action for d in deliveries} == {"reply"}
    assert IncidentNotice.objects.filter(update=update).count() == 8
    assert Message.objects.filter(direction="out", extra__incident_update_id=update.pk).count() == 8


def test_the_notices_carry_the_public_title_never_the_detected_one(fake_account, agent) -> None:
    """The detector names an incident after a customer's message; a notice to the other customers (an
    e-mail's subject where the conversation has none) carries the public title (decision 0874)."""
    incident = confirmed(fake_account, agent)
    detected = incident.title
    Conversation.objects.update(subject="")  # X posts have none
    update = do_post_incident_update(agent, incident, "identified", "Ein Kabel ist beschädigt.")
    do_fan_out(update.pk)
    assert {d.payload["subject"] for d in OutboundDelivery.objects.all()} == {"Störung in Köln"}
    actions.do_rename_incident(agent, incident, title="Köln intern", public_title="Störung Internet Köln")
    second = do_post_incident_update(agent, incident, "monitoring", "Es läuft wieder.")
    do_fan_out(second.pk)
    subjects = {
        d.payload["subject"]
        for d in OutboundDelivery.objects.filter(message__extra__incident_update_id=second.pk)
    }
    assert subjects == {"Störung Internet Köln"}
    assert not OutboundDelivery.objects.filter(payload__subject=detected).exists()


def test_a_customer_with_two_member_conversations_is_told_once(fake_account, agent) -> None:
    incident = confirmed(fake_account, agent)
    customer = IncidentMember.objects.filter(incident=incident).first().customer  # type: ignore[union-attr]
    again = report(fake_account, "Immer noch kein Internet in Köln", 1, customer)
    actions.add_members(incident, [again.pk])
    update = do_post_incident_update(agent, incident, "investigating", "Wir arbeiten daran.")
    assert do_fan_out(update.pk) == 8
    assert IncidentNotice.objects.filter(customer=customer).count() == 1


def test_a_new_member_gets_the_current_status_and_nobody_else_again(fake_account, agent, monkeypatch) -> None:
    incident = confirmed(fake_account, agent)
    update = do_post_incident_update(agent, incident, "identified", "Ein Kabel ist beschädigt.")
    assert do_fan_out(update.pk) == 8
    queued: list[Any] = []
    monkeypatch.setattr(actions, "enqueue", lambda name, *args: queued.append((name, *args)))
    late = report(fake_account, "Kein Internet in Köln, was ist los?", 1)
    assert actions.add_members(incident, [late.pk]) == 1
    assert queued == [("incidents.fan_out", update.pk)]
    assert do_fan_out(update.pk) == 1
    assert IncidentNotice.objects.filter(update=update).count() == 9
    assert IncidentNotice.objects.filter(update=update, customer=late.conversation.customer).count() == 1


def test_a_fan_out_killed_midway_sends_nobody_twice(fake_account, agent, monkeypatch) -> None:
    incident = confirmed(fake_account, agent, customers=9)
    update = do_post_incident_update(agent, incident, "identified", "Ein Kabel ist beschädigt.")
    real = OutboundDelivery.objects.bulk_create
    calls = {"n": 0}

    def dies_on_the_second_batch(objs: Any, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return real(objs, *args, **kwargs)

    monkeypatch.setattr(OutboundDelivery.objects, "bulk_create", dies_on_the_second_batch)
    with pytest.raises(SystemExit):
        do_fan_out(update.pk, batch=4)
    assert IncidentNotice.objects.count() == 4  # the first batch is whole, the second left nothing
    assert OutboundDelivery.objects.count() == 4
    monkeypatch.setattr(OutboundDelivery.objects, "bulk_create", real)
    assert do_fan_out(update.pk, batch=4) == 5
    customers = list(IncidentNotice.objects.values_list("customer_id", flat=True))
    assert len(customers) == len(set(customers)) == 9
    assert OutboundDelivery.objects.count() == 9
    assert Message.objects.filter(extra__incident_update_id=update.pk).count() == 9


def test_resolving_solves_the_member_conversations_and_renders_the_status(fake_account, agent) -> None:
    incident = confirmed(fake_account, agent)
    member = IncidentMember.objects.filter(incident=incident).first()
    assert member is not None
    text = status_for_conversation(member.conversation_id, "de")
    assert text is not None and text.startswith("Wir untersuchen eine Störung in Köln")
    do_post_incident_update(agent, incident, "resolved", "Alles läuft wieder.")
    assert set(Conversation.objects.values_list("status", flat=True)) == {"solved"}
    assert current_status_for_region(fake_account.workspace, "Köln", "en") == (
        "The outage has been resolved in Köln: Alles läuft wieder."
    )


def test_an_update_needs_a_known_status_and_text(fake_account, agent) -> None:
    incident = confirmed(fake_account, agent)
    with pytest.raises(InvalidInput):
        do_post_incident_update(agent, incident, "kaputt", "Text")
    with pytest.raises(InvalidInput):
        do_post_incident_update(agent, incident, "identified", "   ")


@pytest.mark.slow
def test_an_update_to_ten_thousand_customers_is_queued_once_each(fake_account, agent, monkeypatch) -> None:
    # Correctness only; how fast it is queued is measured by bench/incidents.py (fanout_10000_queue_s).
    workspace = fake_account.workspace
    incident = Incident.objects.create(workspace=workspace, title="Großstörung", status="investigating")
    now = timezone.now()
    customers = Customer.objects.bulk_create(
        Customer(workspace=workspace, display_name=f"Kunde {i}") for i in range(10_000)
    )
    conversations = Conversation.objects.bulk_create(
        Conversation(
            workspace=workspace, customer=c, channel_account=fake_account, is_public=True, created_at=now,
            last_message_at=now,
        )
        for c in customers
    )  # fmt: skip
    IncidentMember.objects.bulk_create(
        IncidentMember(incident=incident, conversation=conv, customer_id=conv.customer_id, reported_at=now)
        for conv in conversations
    )
    queued: list[Any] = []
    monkeypatch.setattr(actions, "enqueue", lambda name, *args: queued.append((name, args)))
    update = do_post_incident_update(agent, incident, "identified", "Ein Bagger hat ein Kabel getroffen.")
    assert do_fan_out(update.pk) == 10_000
    assert do_fan_out(update.pk) == 0  # a second run (the sweeper, a retry) sends nobody anything again
    assert OutboundDelivery.objects.filter(status="pending").count() == 10_000
    notices = IncidentNotice.objects.filter(update=update)
    assert notices.count() == 10_000
    assert notices.values("customer_id").distinct().count() == 10_000
    sends = [args for name, args in queued if name == "channels.send_delivery"]
    assert len(sends) == 10_000 and len({args[0] for args in sends}) == 10_000


def test_the_incident_status_placeholder_renders_the_real_status_by_default(fake_account, agent) -> None:
    # No provider configured by the test: the shipped default is the incidents app (never a false all-clear).
    from resonanz.conversations.macros import incident_status_for

    incident = confirmed(fake_account, agent)
    member = IncidentMember.objects.filter(incident=incident).first()
    assert member is not None
    status = incident_status_for(member.conversation_id, "de")
    assert status is not None and status.startswith("Wir untersuchen eine Störung in Köln")


def test_koeln_and_bonn_at_the_same_time_are_two_incidents_without_mixed_members(fake_account) -> None:
    words = [
        "Rechnung",
        "Vertrag",
        "Router",
        "Tarif",
        "Techniker",
        "Termin",
        "Kündigung",
        "Handy",
        "Glasfaser",
        "Umzug",
        "Passwort",
        "Rufnummer",
        "Gutschrift",
        "Mahnung",
        "Lastschrift",
        "Kundenkonto",
        "Adresse",
        "Bestellung",
        "Lieferung",
        "Sendung",
        "Retoure",
        "Gerät",
        "Display",
        "Akku",
        "Ladekabel",
        "Fernseher",
        "Receiver",
        "Sender",
        "Aufnahme",
        "Mediathek",
        "Datenvolumen",
        "Roaming",
        "Ausland",
        "Prepaid",
        "Aufladung",
        "Guthaben",
        "Rabatt",
        "Gutschein",
        "Tarifwechsel",
        "Bankverbindung",
        "Einzugsermächtigung",
        "Sprachbox",
        "Mailbox",
        "Festnetz",
        "Anschluss",
        "Portierung",
        "Sperre",
        "Entsperrung",
        "Hotline",
        "Filiale",
        "Beratung",
    ]
    rng = random.Random(5)
    messages = [  # ordinary traffic of the hours before: the baseline the burst is measured against
        report(fake_account, " ".join(rng.sample(words, 3)), 600 - 5 * i) for i in range(100)
    ]
    Annotation.objects.filter(message__in=messages).delete()  # from no known place
    city_of = {}
    for i in range(8):
        for city in ("Köln", "Bonn"):  # the same words; the place is the customer's postal code's
            message = report(fake_account, "Kein Internet seit einer Stunde!", 30 - i)
            Annotation.objects.filter(message=message).update(data={"city": city})
            messages.append(message)
            city_of[message.conversation_id] = city
    detect_incidents([m.pk for m in messages])
    incidents = list(Incident.objects.order_by("pk"))
    assert sorted(tuple(i.cities) for i in incidents) == [("Bonn",), ("Köln",)]
    for incident in incidents:
        members = IncidentMember.objects.filter(incident=incident).values_list("conversation_id", flat=True)
        assert {city_of[c] for c in members} == set(incident.cities)
        assert len(members) == 8


def test_splitting_moves_the_chosen_members_into_a_new_incident_with_timeline_and_audit(
    fake_account, agent
) -> None:
    detect_incidents([m.pk for m in outage(fake_account)])
    incident = Incident.objects.get()
    do_confirm_incident(agent, incident)
    bonn = list(IncidentMember.objects.filter(incident=incident).order_by("id")[:3])
    Annotation.objects.filter(message_id__in=[m.message_id for m in bonn]).update(data={"city": "Bonn"})
    new = do_split_incident(agent, incident, [m.conversation_id for m in bonn], "Kein Internet in Bonn")
    incident.refresh_from_db()
    assert new.status == "investigating" and new.title == "Kein Internet in Bonn"
    assert set(IncidentMember.objects.filter(incident=new).values_list("conversation_id", flat=True)) == {
        m.conversation_id for m in bonn
    }
    assert (new.member_count, new.customer_count, incident.member_count) == (3, 3, 5)
    assert new.cities == {"Bonn": 3} and incident.cities == {"Köln": 5}
    for member in bonn:
        entry = TimelineEntry.objects.filter(conversation_id=member.conversation_id).order_by("-id").first()
        assert entry is not None and entry.kind == "incident_linked"
        assert entry.data == {"incident_id": new.pk, "title": new.title, "split_from": incident.pk}
    audits = AuditEntry.objects.filter(action="incident.split")
    assert sorted(audits.values_list("object_id", flat=True)) == sorted([incident.pk, new.pk])
    # Each of the moved conversations now shows the new incident; an update of the new one reaches only them.
    update = do_post_incident_update(agent, new, "identified", "Ein Kabel in Bonn ist beschädigt.")
    assert do_fan_out(update.pk) == 3


def test_a_split_needs_members_of_this_incident_and_leaves_one(fake_account, agent) -> None:
    detect_incidents([m.pk for m in outage(fake_account)])
    incident = Incident.objects.get()
    everyone = list(
        IncidentMember.objects.filter(incident=incident).values_list("conversation_id", flat=True)
    )
    stranger = cast(Conversation, ConversationFactory(channel_account=fake_account))
    for chosen in ([], everyone, [everyone[0], stranger.pk]):
        with pytest.raises(InvalidInput):
            do_split_incident(agent, incident, chosen)
    assert Incident.objects.count() == 1
    assert IncidentMember.objects.filter(incident=incident).count() == len(everyone)


def test_an_announcement_is_posted_once_on_every_connected_public_channel(fake_account, agent) -> None:
    from resonanz.channels.outbound import send_delivery
    from resonanz.incidents.actions import do_publish_announcement
    from resonanz.testing.factories import ChannelAccountFactory

    workspace = fake_account.workspace
    facebook = ChannelAccountFactory(
        workspace=workspace, name="Fake Facebook", config={"imitates": "facebook"}
    )
    ChannelAccountFactory(workspace=workspace, name="Privat", is_public=False)
    ChannelAccountFactory(workspace=workspace, name="Aus", status=ChannelAccount.Status.DISABLED)
    now = timezone.now()
    announcement = do_create_announcement(
        agent,
        kind="maintenance",
        title="Wartung in Leipzig und Dresden",
        public_text="Am Samstag zwischen 2 und 5 Uhr arbeiten wir am Netz. " * 8,
        regions=["Leipzig", "Dresden"],
        starts_at=now,
        ends_at=now + dt.timedelta(hours=3),
    )
    posts = OutboundDelivery.objects.filter(action="publish_post").order_by("channel_account_id")
    assert [p.channel_account_id for p in posts] == [fake_account.pk, facebook.pk]  # type: ignore[attr-defined]
    x_post = posts[0]
    assert x_post.payload["text"].startswith("Wartung in Leipzig und Dresden: Am Samstag")
    assert len(x_post.payload["text"]) <= 280  # the X form (the fake account imitates X)
    assert do_publish_announcement(agent, announcement) == 0  # exactly once
    assert send_delivery(x_post.pk) in ("sent", "gone")
    assert OutboundDelivery.objects.get(pk=x_post.pk).status == "sent"
    assert AuditEntry.objects.filter(action="announcement.posted", object_id=announcement.pk).count() == 1


def test_an_announcement_can_stay_off_the_channels(fake_account, agent) -> None:
    now = timezone.now()
    do_create_announcement(
        agent, kind="launch", title="Neuer Tarif", public_text="Ab Montag.", regions=[], starts_at=now,
        ends_at=now + dt.timedelta(days=1), publish=False,
    )  # fmt: skip
    assert not OutboundDelivery.objects.filter(action="publish_post").exists()


def test_an_incident_counts_its_members_as_they_come_as_a_full_recount_would(fake_account) -> None:
    # Batch by batch (decision 0859: no recount of every member per batch), with a customer who reports in
    # two conversations and a batch whose reports are older than the first one's.
    regular = cast(Customer, CustomerFactory(workspace=fake_account.workspace))
    text = "Kein Internet in Köln seit einer Stunde!"
    batches = [
        [report(fake_account, text, 30 - i) for i in range(6)],
        [report(fake_account, text, 20, regular)],
        [report(fake_account, text, 19, regular)] + [report(fake_account, text, 33 - i) for i in range(2)],
    ]
    for batch in batches:
        detect_incidents([m.pk for m in batch])
        incident = Incident.objects.get()
        full = IncidentMember.objects.filter(incident=incident).aggregate(
            members=Count("id"), customers=Count("customer_id", distinct=True), first=Min("reported_at")
        )
        assert (incident.member_count, incident.customer_count, incident.first_report_at) == (
            full["members"],
            full["customers"],
            full["first"],
        )
    assert (incident.member_count, incident.customer_count) == (10, 9)
    assert (
        incident.first_report_at == batches[2][1].created_at
    )  # 33 minutes ago: earlier than the first batch
