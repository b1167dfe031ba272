"""Splitting a long answer into a numbered X thread, counted as X counts (URLs 23, wide characters 2)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from resonanz.channels.x.payloads import split_thread, weighted_length


def test_urls_count_23_whatever_their_length():
    long_url = "https://status.netzwelt.de/stoerungen/koeln-50667?quelle=x&utm_campaign=" + "a" * 200
    assert weighted_length(long_url) == 23
    assert weighted_length(f"Stand: {long_url} danke") == len("Stand: ") + 23 + len(" danke")


def test_wide_characters_and_emoji_count_two():
    assert weighted_length("Köln") == 4
    assert weighted_length("東京") == 4
    assert weighted_length("😡") == 2


def test_a_reply_that_fits_stays_one_post_with_the_signature():
    assert split_thread("Wir schauen nach!", signature="^MK") == ["Wir schauen nach! ^MK"]
    assert split_thread("x" * 280) == ["x" * 280]


def test_281_characters_become_two_numbered_parts():
    text = " ".join(["wort"] * 56) + " x"  # 56*5 + 1 = 281
    parts = split_thread(text)
    assert [p[-4:] for p in parts] == [" 1/2", " 2/2"]
    assert all(weighted_length(p) <= 280 for p in parts)


def test_a_long_url_never_splits_and_counts_23():
    url = "https://netzwelt.de/" + "x" * 400
    parts = split_thread(("Bitte lesen " * 25) + url + " danke")
    assert any(url in p for p in parts)
    assert all(weighted_length(p) <= 280 for p in parts)


def test_a_word_longer_than_a_post_is_cut():
    parts = split_thread("a" * 700)
    assert all(weighted_length(p) <= 280 for p in parts)
    assert "".join(p.rsplit(" ", 1)[0] for p in parts) == "a" * 700


def test_ten_or_more_parts_number_with_two_digits():
    parts = split_thread(" ".join(["Störung"] * 400), signature="^MK")
    assert len(parts) >= 10
    assert parts[0].endswith(f" 1/{len(parts)} ^MK")
    assert all(weighted_length(p) <= 280 for p in parts)


words = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Cc", "Zl", "Zp")), min_size=1, max_size=30
) | st.sampled_from(["https://netzwelt.de/a", "😡", "Köln", "東京"])


@settings(deadline=None)
@given(st.lists(words, min_size=1, max_size=200), st.sampled_from(["", "^MK", "^Mia"]))
def test_every_part_fits_and_nothing_is_lost(text_words, signature):
    text = " ".join(text_words)
    parts = split_thread(text, signature=signature)
    assert all(weighted_length(p) <= 280 for p in parts)
    if len(parts) == 1:
        assert parts[0] == (f"{' '.join(text.split())} {signature}" if signature else " ".join(text.split()))
    else:
        tail = f" {signature}" if signature else ""
        bodies = [p.removesuffix(tail).rsplit(" ", 1)[0] for p in parts]
        assert [p.removesuffix(tail).rsplit(" ", 1)[1] for p in parts] == [
            f"{i}/{len(parts)}" for i in range(1, len(parts) + 1)
        ]
        assert "".join(bodies).replace(" ", "") == "".join(text.split())
