"""The relevance features beside the n-grams: the post's URL and the words around the listening terms."""

from __future__ import annotations

import numpy as np
import pytest

from resonanz.understanding import classifier
from resonanz.understanding.classifier import Example, Options, TextClassifier, context_tokens, url_tokens
from resonanz.understanding.engine import MessageInput


def test_url_tokens_name_host_account_and_path_words():
    assert url_tokens("http://twitter.com/DB_Bahn/statuses/686961646900740097") == (
        "uh_twitter.com ua_db_bahn up_statuses"
    )
    assert url_tokens("https://x.com/db_bahn/status/1") == "uh_twitter.com ua_db_bahn up_status"
    assert url_tokens("https://www.facebook.com/DBBahn/posts/123") == "uh_facebook.com ua_dbbahn up_posts"
    assert url_tokens("http://www.motor-talk.de/forum/m550d-echte-fakten") == (
        "uh_motor-talk.de up_forum up_echte up_fakten"
    )
    assert url_tokens("") == ""


def test_context_tokens_mark_the_words_around_a_term():
    tokens = context_tokens("Heute hat die S-Bahn wieder Verspätung, sagt die DB.", ["bahn", "db"]).split()
    assert {"l_die", "k_bahn", "r_wieder", "b_bahn_wieder", "k_db"} <= set(tokens)
    assert tokens[-1] == "nhits2"
    assert context_tokens("Nichts davon hier", ["bahn"]) == "nhits0"


def url_examples() -> list[Example]:
    """The same texts; only the account in the URL tells our posts from the others."""
    texts = ["Netz weg seit heute", "Router blinkt rot", "Hotline nicht erreichbar", "Rechnung zu hoch"]
    ours = [Example(t, "true", "x", f"https://x.com/kunde{i}/status/{i}") for i, t in enumerate(texts * 3)]
    other = [Example(t, "false", "x", "https://x.com/fischerei/status/9") for t in texts * 3]
    return ours + other


@pytest.mark.slow
def test_url_weight_changes_predictions_and_round_trips(tmp_path):
    examples = url_examples()
    test_texts = ["Netz weg seit heute", "Netz weg seit heute"]
    test_urls = ["https://x.com/kunde1/status/5", "https://x.com/fischerei/status/7"]
    plain = classifier.train("relevance", examples, Options(algorithm="logreg", c=30.0))
    with_url = classifier.train("relevance", examples, Options(algorithm="logreg", c=30.0, url_weight=0.5))
    labels = [p.label for p in plain.predict(test_texts, ["x", "x"], urls=test_urls)]
    assert labels[0] == labels[1]  # the text alone cannot tell them apart
    assert [p.label for p in with_url.predict(test_texts, ["x", "x"], urls=test_urls)] == ["true", "false"]

    path = tmp_path / "relevance.npz"
    with_url.save(path)
    loaded = TextClassifier.load(path)
    assert loaded.options == with_url.options
    assert loaded.version == with_url.version
    hashed = with_url.options.featurize(test_texts, ["x", "x"], test_urls)
    np.testing.assert_allclose(loaded.scores(hashed), with_url.scores(hashed), atol=1e-2)


@pytest.mark.slow
def test_context_weight_changes_scores_and_round_trips(tmp_path):
    rows = [
        ("die Bahn hat wieder Verspätung", "true"),
        ("mit der Bahn zur Arbeit, Zug fällt aus", "true"),
        ("DB Schaffner war unfreundlich", "true"),
        ("der Wagen stand auf der Bahn im Regen", "false"),
        ("Rodelbahn und Eisbahn im Park", "false"),
        ("Kegelbahn im Keller renoviert", "false"),
    ] * 3
    examples = [Example(t, label, "web") for t, label in rows]
    base = Options(algorithm="logreg", c=30.0)
    context = Options(algorithm="logreg", c=30.0, context_weight=1.0, context_terms=["bahn", "db", "zug"])
    plain = classifier.train("relevance", examples, base)
    model = classifier.train("relevance", examples, context)
    assert model.options.blocks == [0, 1, 2, 4]
    text = ["Die Bahn fährt heute nicht, Eisbahn geschlossen"]
    assert not np.allclose(
        model.scores(context.featurize(text, ["web"], None)),
        plain.scores(base.featurize(text, ["web"], None)),
    )

    path = tmp_path / "relevance.npz"
    model.save(path)
    loaded = TextClassifier.load(path)
    assert loaded.options.context_terms == ["bahn", "db", "zug"]
    assert loaded.version == model.version
    assert [p.label for p in loaded.predict(text, ["web"])] == [p.label for p in model.predict(text, ["web"])]
    hashed = context.featurize(text, ["web"], None)
    np.testing.assert_allclose(loaded.scores(hashed), model.scores(hashed), atol=1e-2)


def test_models_without_the_new_blocks_keep_their_layout():
    options = Options()
    assert options.blocks == [0, 1, 2]
    relevance = Options.for_task("relevance")
    # The context block needs the listening terms, which come with the data (datasets.listening_terms).
    assert relevance.blocks == [0, 1, 2, 3]
    assert relevance.context_weight > 0 and relevance.url_weight > 0
    assert Options.for_task("sentiment").blocks == [0, 1, 2]


@pytest.mark.slow
def test_engine_feeds_the_url_to_a_relevance_model(tmp_path):
    from resonanz.understanding.engine import Understanding, WorkspaceConfig

    path = tmp_path / "relevance.npz"
    classifier.train("relevance", url_examples(), Options(algorithm="logreg", c=30.0, url_weight=0.5)).save(
        path
    )
    engine = Understanding(WorkspaceConfig(languages=("de",), topics=(), relevance_model=str(path)))
    urls = ("https://x.com/kunde1/status/5", "https://x.com/fischerei/status/7")
    messages = [
        MessageInput(id=i, text="Netz weg seit heute", source="x", is_public=True, url=url)
        for i, url in enumerate(urls, 1)
    ]
    results = engine.annotate(messages, embed=False)
    relevance = {
        pk: next(r.label for r in rows if r.annotator == "relevance") for pk, rows in results.items()
    }
    assert relevance == {1: "true", 2: "false"}


def test_load_inputs_carries_the_message_url(workspace):
    from resonanz.understanding.pipeline import load_inputs
    from tests.understanding.factories import make_message

    message = make_message(workspace, "Die Bahn ist zu spät", url="https://x.com/kunde/status/1")
    (inputs,) = load_inputs([message.pk]).values()
    assert [m.url for m in inputs] == ["https://x.com/kunde/status/1"]


def test_cli_options_for_the_new_blocks():
    from resonanz.cli.management.commands.eval import build_options

    opts = build_options({"url_weight": 0.0, "context_terms": "Netzwelt, router"}, "relevance")
    assert opts.url_weight == 0.0
    assert opts.context_terms == ["netzwelt", "router"]
    assert opts.blocks == [0, 1, 2, 4]
    assert build_options({"context_weight": 0.0}, "relevance").blocks == [0, 1, 2, 3]


def test_listening_terms_come_with_the_data(tmp_path):
    from resonanz.cli.management.commands.eval import build_options
    from resonanz.understanding.datasets import GERMEVAL_LISTENING_TERMS, listening_terms

    assert listening_terms([tmp_path / "history.jsonl"]) == []
    assert listening_terms([tmp_path / "dev.tsv"]) == list(GERMEVAL_LISTENING_TERMS)
    opts = build_options({"train": [str(tmp_path / "dev.tsv")]}, "relevance")
    assert opts.context_terms == list(GERMEVAL_LISTENING_TERMS)
    assert opts.blocks == [0, 1, 2, 3, 4]
    assert build_options({"data": [str(tmp_path / "own.jsonl")]}, "relevance").blocks == [0, 1, 2, 3]


def test_a_workspaces_listening_terms_are_its_channels_keywords(workspace, tmp_path):
    from resonanz.channels.actions import do_create_channel_account
    from resonanz.understanding.datasets import listening_terms

    do_create_channel_account(
        workspace,
        kind="fake",
        name="Presse",
        secret="s",
        config={"keywords": ["Netzwelt", "Netzwelt Router"]},
    )
    assert listening_terms([tmp_path / "dev.tsv"], workspace.slug) == ["netzwelt", "router"]


@pytest.mark.slow
def test_one_message_scores_as_it_does_in_a_batch():
    options = Options(algorithm="logreg", c=30.0, url_weight=0.5, context_weight=1.0, context_terms=["netz"])
    model = classifier.train("relevance", url_examples(), options)
    texts = ["Netz weg seit heute", "Fischerei im Netz", ""]
    urls = ["https://x.com/kunde1/status/5", "https://x.com/fischerei/status/7", ""]
    batch = model.scores(options.featurize(texts, ["x"] * 3, urls))
    for i in range(3):
        one = model.scores(options.featurize(texts[i : i + 1], ["x"], urls[i : i + 1]))
        np.testing.assert_allclose(one[0], batch[i], rtol=1e-5, atol=1e-6)
