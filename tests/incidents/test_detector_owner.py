"""The detection step computes outside the database's write transaction, as the detector's one owner
(decision 0859). These tests run without the test's wrapping transaction, as the worker does."""

from __future__ import annotations

import json
import threading
import zlib
from typing import Any

import pytest
from django.db import connection, transaction

from resonanz.core.locks import named_lock
from resonanz.incidents import actions, detector, pipeline
from resonanz.incidents.models import (
    DetectorCluster,
    DetectorRecord,
    Incident,
    IncidentMember,
    ObservedMessage,
)
from resonanz.incidents.pipeline import detect_incidents
from tests.incidents.test_product import outage, report

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_memory_copy() -> Any:
    actions._cache.clear()
    yield
    actions._cache.clear()


def test_the_detector_observes_outside_the_write_transaction(fake_account, monkeypatch) -> None:
    inside: list[bool] = []
    observe = detector.observe

    def watched(*args: Any, **kwargs: Any) -> Any:
        inside.append(connection.in_atomic_block)
        return observe(*args, **kwargs)

    monkeypatch.setattr(detector, "observe", watched)
    messages = outage(fake_account)
    detect_incidents([m.pk for m in messages])
    assert inside == [False] * 8
    assert Incident.objects.get().member_count == 8
    assert ObservedMessage.objects.count() == 8


def test_a_decision_written_meanwhile_makes_the_step_run_again_on_the_stored_state(
    fake_account, monkeypatch
) -> None:
    messages = outage(fake_account)
    detect_incidents([m.pk for m in messages[:4]])
    record = DetectorRecord.objects.get()
    stored_messages = detector.loads(bytes(record.state)).messages
    observe = detector.observe
    interfered: list[int] = []

    def interfering(state: detector.DetectorState, *args: Any, **kwargs: Any) -> Any:
        if not interfered:  # an agent's decision writes the record between observing and writing
            interfered.append(1)
            with transaction.atomic():
                actions.with_detector(fake_account.workspace, lambda state, config: True)
        return observe(state, *args, **kwargs)

    monkeypatch.setattr(detector, "observe", interfering)
    detect_incidents([m.pk for m in messages[4:]])
    record.refresh_from_db()
    state = detector.loads(bytes(record.state))
    assert state.messages == stored_messages + 4  # counted once, on top of what was stored
    assert record.version == 3  # the first batch, the decision, the step (once)
    assert Incident.objects.get().member_count == 8
    assert IncidentMember.objects.count() == 8


def test_two_tasks_for_the_same_messages_count_them_once(fake_account, monkeypatch) -> None:
    messages = outage(fake_account)
    ids = [m.pk for m in messages]
    loaded = threading.Barrier(2, timeout=30)
    load_inputs = pipeline.load_inputs
    errors: list[BaseException] = []

    def both_load_first(message_ids: Any) -> Any:
        inputs = load_inputs(message_ids)
        loaded.wait()  # both tasks read their inputs (nothing observed yet) before either detects
        return inputs

    monkeypatch.setattr(pipeline, "load_inputs", both_load_first)

    def task() -> None:
        try:
            detect_incidents(ids)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=task) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    state = detector.loads(bytes(DetectorRecord.objects.get().state))
    assert state.messages == 8
    assert Incident.objects.get().member_count == 8


def test_the_named_lock_refuses_to_wait_inside_a_transaction() -> None:
    with transaction.atomic(), pytest.raises(RuntimeError), named_lock("anything"):
        pass  # pragma: no cover


def test_the_clusters_are_rows_and_a_state_of_the_old_format_becomes_rows(fake_account) -> None:
    messages = outage(fake_account)
    # A record as the previous release left it: every cluster inside the state's one blob.
    before = detector.DetectorState()
    at = messages[0].created_at.timestamp() - 60
    texts = ["Paket kam beschädigt an", "Rechnung doppelt abgebucht", "Router blinkt rot"]
    for number, text in enumerate(texts):  # clusters the outage does not touch: only the upgrade writes them
        detector.observe(
            before,
            detector.Observation(10_000 + number, at + number, text, f"x{number}", "Bonn"),
            actions.detector_config(fake_account.workspace),
        )
    DetectorRecord.objects.create(workspace=fake_account.workspace, state=detector.dumps(before), version=1)
    assert not detector.is_apart(detector.dumps(before))

    detect_incidents([m.pk for m in messages])
    record = DetectorRecord.objects.get()
    assert detector.is_apart(bytes(record.state))
    rows = dict(DetectorCluster.objects.values_list("cluster_id", "text"))
    actions._cache.clear()  # read it back as another process would
    state, _ = actions._state_of(fake_account.workspace, record)
    assert set(rows) == set(state.clusters) and rows
    assert set(before.clusters) <= set(state.clusters)  # the old clusters were carried over
    assert state.messages == before.messages + 8 and before.messages == 3
    assert Incident.objects.get().member_count == 8


def test_two_processes_taking_turns_hold_what_is_stored(fake_account) -> None:
    # Two processes (two memory copies) take turns on one stream; each catches up on what the other wrote,
    # taking over the clusters nobody rewrote. After every turn the writer's copy is the stored state.
    texts = ["Kein Internet in Köln", "Störung Mobilfunk Köln", "Rechnung falsch", "App stürzt ab"]
    copies: list[dict[int, tuple[int, detector.DetectorState]]] = [{}, {}]
    messages = []
    for turn in range(8):
        batch = [
            report(fake_account, texts[(turn + i) % len(texts)], 60 - turn * 6 - i * 0.5) for i in range(6)
        ]
        messages += batch
        actions._cache = copies[turn % 2]
        detect_incidents([m.pk for m in batch])
        version, held = actions._cache[fake_account.workspace.pk]
        record = DetectorRecord.objects.get()
        assert version == record.version
        stored = detector.loads(
            bytes(record.state),
            clusters=list(DetectorCluster.objects.order_by("cluster_id").values_list("cluster_id", "text")),
        )
        assert json.loads(zlib.decompress(detector.dumps(held))) == json.loads(
            zlib.decompress(detector.dumps(stored))
        )
        # Every message is in exactly one cluster: a cluster taken over though the other process had
        # grown it since would have lost those messages.
        assert sum(cluster.size for cluster in stored.clusters.values()) == stored.messages
    assert stored.messages == len(messages) == ObservedMessage.objects.count()
