"""`resonanz eval-suggest` through its command-line contract, on small hand-made files and (when present) on
the real IBM and TWCS data next to the repository."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from resonanz.knowledge import datasets

REPO = Path(__file__).resolve().parents[2]
# the shared data sits next to the repository (or next to the folder of work trees)
DATA = next(
    (p for p in (REPO.parent / "shared" / "data", REPO.parent.parent / "shared" / "data") if p.is_dir()), None
)
KEYS = {"queries", "hit_at_1", "hit_at_5", "mrr"}


def conversation(company: str, text: str, doc_id: str, url: str, session: str) -> dict[str, object]:
    return {
        "dialogHeader": {"company": company, "sessionID": session},
        "dialogContent": [{"client": "someone", "message": f"@{company} {text}", "tweet_ID": "1"}],
        "agentURL": {
            "doc_id": doc_id,
            "url": url,
            "url_utterance": f"@someone Here's how: {url} Hope this helps",
        },
    }


ROUTER = "https://example.org/hc/en-us/articles/router-setup"
INVOICE = "https://example.org/hc/en-us/articles/invoice-explained"
MOVING = "https://example.org/hc/en-us/articles/moving-house"


def ibm_files(tmp_path: Path) -> tuple[Path, Path]:
    router = [
        "my router blinks red and wifi is gone",
        "router wifi not working after reset",
        "wifi router red light",
    ]
    invoice = ["why is my invoice so high this month", "invoice charged twice", "wrong amount on the invoice"]
    history = [conversation("Netz", t, "1", ROUTER, f"r{i}") for i, t in enumerate(router)]
    history += [conversation("Netz", t, "2", INVOICE, f"i{i}") for i, t in enumerate(invoice)] * 2
    history += [conversation("Other", "router wifi broken", "9", ROUTER, "o1")]
    test = [
        conversation("Netz", "the wifi router light is red", "1", ROUTER, "t1"),
        conversation("Netz", "my invoice amount looks wrong", "2", INVOICE, "t2"),
        # a document no past conversation links, found by its address's words from the company's list
        conversation("Netz", "we are moving house next month what happens to my line", "3", MOVING, "t3"),
    ]
    (tmp_path / "history.json").write_text(json.dumps(history))
    (tmp_path / "test.json").write_text(json.dumps(test))
    (tmp_path / "docID_url.tsv").write_text(f"1\t{ROUTER}\n2\t{INVOICE}\n3\t{MOVING}\n9\t{ROUTER}\n")
    (tmp_path / "company_docIDs.tsv").write_text("Netz\t1, 2, 3\nOther\t9\n")
    return tmp_path / "history.json", tmp_path / "test.json"


def run(*args: str) -> dict[str, object]:
    out = StringIO()
    call_command("eval-suggest", *args, "--no-embeddings", "--json", stdout=out)
    result: dict[str, object] = json.loads(out.getvalue())
    return result


def test_ibm_cdp_suggests_the_linked_documents(tmp_path):
    history, test = ibm_files(tmp_path)

    result = run("--format", "ibm-cdp", "--history", str(history), "--test", str(test))

    assert set(result) >= KEYS
    assert result["queries"] == 3
    assert result["hit_at_1"] == 1.0
    assert result["mrr"] == 1.0


def test_ibm_cdp_never_suggests_another_companys_documents(tmp_path):
    history, _ = ibm_files(tmp_path)
    data = datasets.read_ibm_cdp(history)
    from resonanz.knowledge import docrank

    index = docrank.Index(
        data.cases, data.catalogue, lambda texts: __import__("numpy").zeros((len(texts), 1))
    )
    query = datasets.Case("q", "Netz", "router wifi broken", "1")
    [(answers, _)] = index.features([query])
    assert sorted(answers) == ["1", "2", "3"]  # not "9", the other company's copy of the same address


REPLY_COLUMNS = ["response_tweet_id", "in_response_to_tweet_id"]


def twcs_file(path: Path) -> Path:
    rows = []
    threads = [
        ("1", "my package never arrived", "sorry about the package, please DM your order number"),
        ("2", "the app crashes when I open playlists", "try reinstalling the app and clearing its cache"),
        ("3", "my flight was delayed 3 hours", "we apologise for the delay, your flight crew is on the way"),
    ]
    for number, (thread, question, answer) in enumerate(threads):
        customer, reply = str(100 + number), str(200 + number)
        rows.append(
            [
                thread,
                customer,
                "555",
                "True",
                "Tue Oct 31 22:10:47 +0000 2017",
                f"@Brand {question}",
                reply,
                "",
            ]
        )
        rows.append(
            [
                thread,
                reply,
                "Brand",
                "False",
                "Tue Oct 31 22:12:47 +0000 2017",
                f"@555 {answer}",
                "",
                customer,
            ]
        )
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["thread_id", "tweet_id", "author_id", "inbound", "created_at", "text", *REPLY_COLUMNS]
        )
        writer.writerows(rows)
    return path


def test_twcs_ranks_the_real_reply_among_the_brands_replies(tmp_path):
    threads = twcs_file(tmp_path / "threads.csv")

    result = run("--format", "twcs", "--history", str(threads), "--test", str(threads))

    assert result["queries"] == 3
    assert result["hit_at_1"] == 1.0
    assert result["hit_at_5"] == 1.0


def test_a_broken_file_is_a_clear_error(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(CommandError, match="not JSON"):
        run("--format", "ibm-cdp", "--history", str(broken), "--test", str(broken))
    wrong_shape = tmp_path / "shape.json"
    wrong_shape.write_text(json.dumps([{"dialogHeader": {}}]))
    with pytest.raises(CommandError, match="lacks"):
        run("--format", "ibm-cdp", "--history", str(wrong_shape), "--test", str(wrong_shape))
    with pytest.raises(CommandError, match="--cv"):
        run("--format", "ibm-cdp", "--history", str(ibm_files(tmp_path)[0]))
    with pytest.raises(CommandError, match="No such file"):
        run("--format", "twcs", "--history", str(tmp_path / "missing.csv"), "--cv", "2")


@pytest.mark.skipif(DATA is None, reason="shared data not present")
def test_real_ibm_conversations_beat_the_most_linked_documents():
    """Lexical only, 3 folds (fast): the learned blend beats suggesting each company's most-linked five."""
    assert DATA is not None
    dev = DATA / "ibm_twitter_cdp" / "dev.json"
    if not dev.is_file():
        pytest.skip("IBM data not present")

    result = run("--format", "ibm-cdp", "--history", str(dev), "--cv", "3")

    assert result["queries"] == 525
    assert float(str(result["hit_at_5"])) > 0.56
    assert float(str(result["mrr"])) > 0.46
