"""Build `data/sentiment_lexicon.json` from the lexicons inside two PyPI wheels (run by hand, not at run time):

    pip download --no-deps -d /tmp/lex textblob-de==0.4.3 vaderSentiment==3.3.2
    python -m resonanz.understanding.lexicon_build /tmp/lex/textblob_de-0.4.3-*.whl /tmp/lex/vaderSentiment-3.3.2-*.whl

German: the German Polarity Lexicon (Klenner, Clematide, Wiegand, Peters 2010) in the version that ships in
textblob-de (`textblob_de/data/de-sentiment.xml`, Apache-2.0); adjectives, adverbs and verbs only (its
nouns are mostly topic words: "Abfallwirtschaft" −1). English: the VADER lexicon (Hutto & Gilbert 2014,
`vaderSentiment/vader_lexicon.txt`, MIT), mean valence / 4. See docs/understanding.md for attribution.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "sentiment_lexicon.json"
_WORD = re.compile(r'<word [^>]*form="([^"]*)"[^>]*polarity="([^"]*)"[^>]*pos="([^"]*)"')


def german(wheel: Path) -> dict[str, float]:
    with zipfile.ZipFile(wheel) as archive:
        xml = archive.read("textblob_de/data/de-sentiment.xml").decode("utf-8")
    out: dict[str, float] = {}
    for form, polarity, pos in _WORD.findall(xml):
        value = float(polarity)
        if value and pos in ("JJ", "RB", "VB") and " " not in form:
            out[form.lower()] = value
    return dict(sorted(out.items()))


def english(wheel: Path) -> dict[str, float]:
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read("vaderSentiment/vader_lexicon.txt").decode("utf-8")
    out: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].replace("'", "").isalpha():
            value = round(float(parts[1]) / 4, 3)
            if value:
                out[parts[0].lower()] = value
    return dict(sorted(out.items()))


def main(argv: list[str]) -> None:
    textblob_de, vader = (Path(a) for a in argv)
    de, en = german(textblob_de), english(vader)
    data: dict[str, object] = {
        "sources": {
            "de": "German Polarity Lexicon (Klenner et al. 2010), as shipped in textblob-de 0.4.3, Apache-2.0",
            "en": "VADER lexicon (Hutto & Gilbert 2014), as shipped in vaderSentiment 3.3.2, MIT",
        },
        "de": de,
        "en": en,
    }
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{OUT}: {len(de)} German, {len(en)} English entries")


if __name__ == "__main__":
    main(sys.argv[1:])
