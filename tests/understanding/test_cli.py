"""`resonanz train` and `resonanz eval` through the command line contract."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from resonanz.core.shared_data import shared_data_dir
from resonanz.testing.factories import MessageFactory
from resonanz.understanding.actions import do_correct_annotation, do_ensure_default_topics
from resonanz.understanding.classifier import TextClassifier
from resonanz.understanding.models import WorkspaceModel
from resonanz.understanding.pipeline import annotate_messages
from tests.understanding.factories import make_agent, make_message

GERMEVAL = (shared_data_dir() or Path("/nonexistent")) / "germeval2017"
SEEDS = Path(__file__).resolve().parents[2] / "resonanz" / "understanding" / "seeds" / "sentiment.jsonl"


def write_jsonl(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("".join(json.dumps({"text": t, "label": label}) + "\n" for t, label in rows))
    return path


def relevance_rows() -> list[tuple[str, str]]:
    about_us = [
        "Netzwelt Internet ist weg",
        "Netzwelt Router kaputt",
        "Netzwelt Rechnung falsch",
        "Netzwelt Hotline",
    ]
    noise = ["Modelleisenbahn Netz", "Fischernetz verkauft", "Volleyballnetz gerissen", "Netz im Garten"]
    return [(t, "true") for t in about_us] * 3 + [(t, "false") for t in noise] * 3


@pytest.mark.slow
def test_eval_prints_one_json_object(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", relevance_rows())
    test = write_jsonl(
        tmp_path / "test.jsonl", [("Netzwelt Internet weg", "true"), ("Netz im Garten", "false")]
    )
    out = StringIO()
    call_command(
        "eval", "--task", "relevance", "--train", str(train), "--test", str(test), "--json", stdout=out
    )
    result = json.loads(out.getvalue())
    assert sorted(result) == sorted(
        [
            "task",
            "micro_f1",
            "macro_f1",
            "per_class",
            "train_docs",
            "test_docs",
            "train_seconds",
            "docs_per_s",
            "options",
        ]
    )
    assert (result["task"], result["train_docs"], result["test_docs"]) == ("relevance", 24, 2)
    assert result["micro_f1"] == 1.0
    assert result["per_class"]["false"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}


@pytest.mark.slow
def test_eval_cross_validation(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", relevance_rows())
    out = StringIO()
    call_command("eval", "--task", "relevance", "--train", str(train), "--cv", "3", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["train_docs"], result["test_docs"], result["cv_folds"]) == (24, 24, 3)


@pytest.mark.slow
def test_train_writes_a_small_model_that_loads(tmp_path):
    out = tmp_path / "sentiment.npz"
    call_command("train", "--task", "sentiment", "--data", str(SEEDS), "--out", str(out), stdout=StringIO())
    model = TextClassifier.load(out)
    assert model.classes == ["negative", "neutral", "positive"]
    assert out.stat().st_size < 5 * 1024 * 1024
    assert [
        p.label for p in model.predict(["Vielen Dank, super Service!", "Euer Service ist eine Katastrophe"])
    ] == [
        "positive",
        "negative",
    ]


def test_train_refuses_a_bad_file_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ohne Label"}\n')
    with pytest.raises(CommandError):
        call_command("train", "--task", "sentiment", "--data", str(bad), "--out", str(tmp_path / "m.npz"))
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.slow
@pytest.mark.django_db
def test_train_on_corrections_and_install_for_the_workspace(tmp_path, workspace):
    do_ensure_default_topics(workspace)
    agent = make_agent(workspace)
    for text, label in relevance_rows():
        message = make_message(workspace, text)
        do_correct_annotation(agent, message, "relevance", label)
    out = tmp_path / "relevance.npz"
    call_command(
        "train", "--task", "relevance", "--corrections", workspace.slug, "--out", str(out),
        "--workspace", workspace.slug, stdout=StringIO(),
    )  # fmt: skip
    installed = WorkspaceModel.objects.get()
    assert (installed.task, installed.path, installed.trained_on["documents"]) == ("relevance", str(out), 24)
    public = MessageFactory(
        conversation__channel_account__workspace=workspace,
        text="Modelleisenbahn im Netz",
        visibility="public",
    )
    annotate_messages([public.pk])
    relevance = public.annotations.get(annotator="relevance")
    assert (relevance.label, relevance.version) == ("false", installed.version)


@pytest.mark.skipif(not GERMEVAL.exists(), reason="GermEval 2017 data not present")
def test_eval_reads_germeval_tsv():
    out = StringIO()
    call_command(
        "eval", "--task", "sentiment", "--train", str(GERMEVAL / "trial.tsv"),
        "--test", str(GERMEVAL / "trial.tsv"), "--json", stdout=out,
    )  # fmt: skip
    result = json.loads(out.getvalue())
    assert (result["train_docs"], result["test_docs"]) == (100, 100)
    assert sorted(result["per_class"]) == ["negative", "neutral", "positive"]


@pytest.mark.slow
@pytest.mark.django_db
def test_installed_model_with_embedding_features_gets_vectors(tmp_path, workspace):
    out = tmp_path / "sentiment.npz"
    call_command(
        "train", "--task", "sentiment", "--data", str(SEEDS), "--embedding-weight", "0.5", "--out", str(out),
        "--workspace", workspace.slug, stdout=StringIO(),
    )  # fmt: skip
    praise = make_message(workspace, "Danke, das hat super geklappt!")
    annotate_messages([praise.pk])
    sentiment = praise.annotations.get(annotator="sentiment")
    assert (sentiment.label, sentiment.version) == ("positive", WorkspaceModel.objects.get().version)
    assert praise.annotations.filter(annotator="embedding").count() == 1
