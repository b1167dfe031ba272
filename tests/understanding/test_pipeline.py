"""The understanding step through the pipeline: a signed webhook event in, annotations out."""

from __future__ import annotations

from typing import cast

import pytest

from resonanz.conversations.models import Message, TimelineEntry
from resonanz.core.errors import InvalidInput
from resonanz.testing.factories import WorkspaceFactory, event
from resonanz.testing.helpers import signed_post
from resonanz.understanding.access import annotations_for, embeddings_for, labels_for
from resonanz.understanding.actions import do_correct_annotation, do_ensure_default_topics, do_save_topic
from resonanz.understanding.embedding import clear_cache
from resonanz.understanding.models import Annotation, Correction, Topic
from resonanz.understanding.pipeline import annotate_messages, ensure_embeddings
from resonanz.workspaces.models import Workspace
from tests.understanding.factories import make_agent, make_message

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def topics(workspace):
    return do_ensure_default_topics(workspace)


def message(workspace, text: str, **extra) -> Message:
    return make_message(workspace, text, **extra)


def test_webhook_event_is_annotated_by_the_after_ingest_step(
    client, fake_account, topics, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_post(
            client,
            f"/api/channels/{fake_account.pk}/events",
            "test-secret",
            event("t-1", "Seit heute früh kein Internet in 50667 Köln, schon wieder Störung!"),
        )
    assert response.status_code == 200
    stored = Message.objects.get()
    assert stored.language == "de"
    assert labels_for([stored.pk]) == {
        stored.pk: {
            "language": "de",
            "relevance": "true",
            "sentiment": "negative",
            "topic": "stoerung",
            "urgency": "urgent",
            "sensitivity": "public",
            "region": "Nordrhein-Westfalen",
        }
    }
    current = annotations_for(stored.pk)
    assert current["region"].data == {"city": "Köln", "postal_code": "50667", "source": "postal_code"}
    assert current["urgency"].data["reasons"] == ["outage", "repeated_contact"]
    assert current["relevance"].data == {"model": "none"}


def test_running_twice_writes_the_same_rows(workspace, topics):
    first = message(workspace, "Mein Router blinkt rot, was kann ich tun?")
    annotate_messages([first.pk])
    before = list(Annotation.objects.order_by("id").values_list("id", "annotator", "version", "label"))
    annotate_messages([first.pk])
    after = list(Annotation.objects.order_by("id").values_list("id", "annotator", "version", "label"))
    assert after == before
    assert labels_for([first.pk])[first.pk]["topic"] == "geraet"


def test_debt_topic_is_private_and_praise_is_low_urgency(workspace, topics):
    debt = message(workspace, "Ich habe eine Mahnung bekommen, kann ich in Raten zahlen?")
    praise = message(workspace, "Vielen Dank für die schnelle Hilfe, super Service!")
    annotate_messages([debt.pk, praise.pk])
    labels = labels_for([debt.pk, praise.pk])
    assert labels[debt.pk]["topic"] == "zahlungsschwierigkeiten"
    assert labels[debt.pk]["sensitivity"] == "private"
    assert annotations_for(debt.pk)["sensitivity"].data["reasons"] == [
        "debts",
        "topic:zahlungsschwierigkeiten",
    ]
    assert labels[praise.pk]["topic"] == "lob"
    assert labels[praise.pk]["sentiment"] == "positive"
    assert labels[praise.pk]["urgency"] == "low"


def test_vip_customer_is_private_and_urgent_with_a_legal_threat(workspace, topics):
    vip = message(workspace, "Ich gehe jetzt zum Anwalt.", conversation__customer__is_vip=True)
    annotate_messages([vip.pk])
    current = annotations_for(vip.pk)
    assert (current["urgency"].label, current["urgency"].data["reasons"]) == (
        "urgent",
        ["legal_threat", "vip"],
    )
    assert (current["sensitivity"].label, current["sensitivity"].data["reasons"]) == ("private", ["vip"])


def test_region_from_the_customer_profile(workspace, topics):
    customer_message = message(
        workspace, "Wann kommt der Techniker?", conversation__customer__postal_code="04109"
    )
    annotate_messages([customer_message.pk])
    region = annotations_for(customer_message.pk)["region"]
    assert (region.label, region.data) == (
        "Sachsen",
        {"city": "Leipzig", "postal_code": "04109", "source": "profile"},
    )


def test_workspace_private_terms_mark_sensitivity(workspace, topics):
    workspace.settings = {"understanding": {"private_terms": ["Hörgerät"]}}
    workspace.save()
    hearing = message(workspace, "Mein Hörgerät koppelt nicht mit dem Telefon")
    annotate_messages([hearing.pk])
    assert annotations_for(hearing.pk)["sensitivity"].data["reasons"] == ["workspace_term"]


def test_embedding_is_stored_only_where_the_topic_needed_it(workspace, topics):
    decided = message(workspace, "Mein Router blinkt rot, Modem kaputt")
    undecided = message(workspace, "Hallo zusammen, kann mir jemand bei meinem Problem weiterhelfen?")
    annotate_messages([decided.pk, undecided.pk])
    vectors = embeddings_for([decided.pk, undecided.pk])
    assert list(vectors) == [undecided.pk]
    assert vectors[undecided.pk].shape == (512,)
    assert ensure_embeddings([decided.pk, undecided.pk]) == 1
    assert sorted(embeddings_for([decided.pk, undecided.pk])) == [decided.pk, undecided.pk]


def test_public_post_topic_needing_a_vector_comes_in_the_background_pass(
    workspace, topics, django_capture_on_commit_callbacks
):
    undecided = "Hallo zusammen, kann mir jemand bei meinem Problem mit dem Handy weiterhelfen?"
    public = message(workspace, undecided, visibility="public")
    direct = message(workspace, undecided)
    reference = message(workspace, undecided, visibility="public")
    annotate_messages([reference.pk], defer=False)
    expected = labels_for([reference.pk])[reference.pk]
    assert "topic" in expected and list(embeddings_for([reference.pk])) == [reference.pk]
    clear_cache()  # a text this process has not encoded yet

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        annotate_messages([public.pk, direct.pk])
    # The direct message gets its vector and topic at once; the public post waits without a topic.
    assert "topic" not in labels_for([public.pk])[public.pk]
    assert labels_for([direct.pk])[direct.pk]["topic"] == expected["topic"]
    assert list(embeddings_for([public.pk, direct.pk])) == [direct.pk]
    assert len(callbacks) == 1

    callbacks[0]()  # the queued background pass
    assert labels_for([public.pk])[public.pk] == expected
    assert list(embeddings_for([public.pk])) == [public.pk]
    rows = Annotation.objects.filter(message=public).count()
    annotate_messages([public.pk])  # again: the stored vector decides at once, nothing is deferred
    assert Annotation.objects.filter(message=public).count() == rows
    assert labels_for([public.pk])[public.pk] == expected


def test_public_post_whose_text_this_process_encoded_is_not_deferred(
    workspace, topics, django_capture_on_commit_callbacks
):
    # A retweet or a repeated post: its vector costs nothing now, so it gets its topic in the first pass,
    # the same labels the background pass would give it, and no second pass (decision 0878).
    undecided = "Kann mir jemand bei meinem Problem mit dem Handy weiterhelfen? Hallo zusammen."
    clear_cache()
    first = message(workspace, undecided, visibility="public")
    repeated = message(workspace, undecided, visibility="public")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        annotate_messages([first.pk])
    assert len(callbacks) == 1  # the first one waited for its background pass, which encoded the text
    expected = labels_for([first.pk])[first.pk]
    assert "topic" in expected

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        annotate_messages([repeated.pk])
    assert callbacks == []
    assert labels_for([repeated.pk])[repeated.pk] == expected
    assert list(embeddings_for([repeated.pk])) == [repeated.pk]


def test_hourly_sweep_finds_a_deferred_post_whose_pass_was_lost(
    workspace, topics, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    from resonanz.understanding.tasks import deferred_sweep, deferred_without_topic

    undecided = "Hallo zusammen, kann mir jemand bei meinem Problem mit dem Handy weiterhelfen?"
    clear_cache()
    public = message(workspace, undecided, visibility="public", created_at=timezone.now())
    decided = message(workspace, "Mein Router blinkt rot, Modem kaputt", visibility="public")
    with django_capture_on_commit_callbacks(execute=False):
        annotate_messages([public.pk, decided.pk])  # the queued pass is lost
    assert deferred_without_topic() == []  # too fresh: its pass may still be queued
    later = timezone.now() + dt.timedelta(minutes=11)
    assert deferred_without_topic(later) == [public.pk]
    Annotation.objects.filter(message=public).update(created_at=timezone.now() - dt.timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        deferred_sweep()
    assert "topic" in labels_for([public.pk])[public.pk]
    assert deferred_without_topic(later) == []


def test_correction_wins_and_is_recorded(workspace, topics):
    agent = make_agent(workspace)
    wrong = message(workspace, "Mein Router blinkt rot")
    annotate_messages([wrong.pk])
    correction = do_correct_annotation(agent, wrong, "topic", "stoerung")
    assert (correction.label, correction.previous_label) == ("stoerung", "geraet")
    assert labels_for([wrong.pk])[wrong.pk]["topic"] == "stoerung"
    annotate_messages([wrong.pk])  # a new annotation run does not undo the agent's word
    assert labels_for([wrong.pk])[wrong.pk]["topic"] == "stoerung"
    entry = TimelineEntry.objects.get(kind="annotation.corrected")
    assert entry.data == {
        "message": wrong.pk,
        "annotator": "topic",
        "label": "stoerung",
        "previous": "geraet",
    }


def test_topic_correction_teaches_similar_messages(workspace):
    do_save_topic(workspace, name="Glasfaser", description="Glasfaserausbau", example_phrases=["Glasfaser"])
    do_save_topic(
        workspace, name="Rechnung", description="Rechnung und Abbuchung", example_phrases=["Rechnung"]
    )
    agent = make_agent(workspace)
    taught = message(workspace, "Wann werden die Bagger in unserer Straße endlich fertig?")
    do_correct_annotation(agent, taught, "topic", "glasfaser")
    similar = message(workspace, "Wann sind die Bagger in unserer Straße endlich weg?")
    annotate_messages([similar.pk])
    assert labels_for([similar.pk])[similar.pk]["topic"] == "glasfaser"


def test_invalid_correction_is_refused_and_nothing_stored(workspace, topics):
    agent = make_agent(workspace)
    target = message(workspace, "Hallo")
    with pytest.raises(InvalidInput):
        do_correct_annotation(agent, target, "sentiment", "angry")
    with pytest.raises(InvalidInput):
        do_correct_annotation(agent, target, "topic", "no-such-topic")
    stranger = make_agent(cast(Workspace, WorkspaceFactory(slug="other", name="Andere")))
    with pytest.raises(InvalidInput):
        do_correct_annotation(stranger, target, "sentiment", "negative")
    assert Correction.objects.count() == 0
    assert Annotation.objects.filter(version="agent").count() == 0


def test_default_topics_are_created_once(workspace):
    first = do_ensure_default_topics(workspace)
    Topic.objects.filter(slug="lob").update(name="Dank")
    second = do_ensure_default_topics(workspace)
    assert [t.slug for t in first] == [t.slug for t in second]
    assert len(second) == 9
    assert Topic.objects.get(slug="lob").name == "Dank"
    assert [t.slug for t in second if t.is_private] == ["zahlungsschwierigkeiten"]


def test_internal_notes_are_not_annotated(workspace, topics):
    note = message(workspace, "Kunde ist VIP, bitte schnell", visibility=Message.Visibility.NOTE)
    assert annotate_messages([note.pk]) == 0
    assert Annotation.objects.count() == 0
