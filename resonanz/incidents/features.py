"""Words of a message as the detector sees them: content words (German and English stop words, links,
@mentions and numbers removed, umlauts folded) and each word's character trigrams, so that case,
punctuation, a typo or an added place change a text's features only a little."""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 1000
MAX_TOKENS = 40

_URL = re.compile(r"https?://\S+|www\.\S+", re.I)
_MENTION = re.compile(r"@\w+")
_NON_LETTER = re.compile(r"[^a-zß]+")
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "à": "a"})

STOPWORDS = frozenset(
    """
    a about after again all also am an and any are as at be been before being but by can could did do does
    doing don done for from had has have having he her here him his how i if in into is it its just me more
    most my no nor not now of off on once only or other our out over own same she should so some such than
    that the their them then there these they this those through to too under until up very was we were what
    when where which while who why will with would you your yours im ive dont cant doesnt didnt isnt
    wont hi hey hello please pls thanks thank thx ok okay yes yeah get got still even really one
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes auch auf
    aus bei bin bis bist da damit dann das dass dein deine dem den der des dessen dich die dies diese diesem
    diesen dieser dieses dir doch dort du durch ein eine einem einen einer eines er es etwas euch euer eure
    fuer hab habe haben hat hatte ich ihr ihre im in ist ja jetzt kann koennt man mein meine mich mir mit
    muss nach nicht nichts noch nun nur ob oder ohne sehr sein seine sich sie sind so soll sondern ueber um
    und uns unser unter vom von vor war waren warum was weil wenn wer wie wieder wir wird wo zu zum zur
    hallo danke bitte gibt geht gerade schon mal einfach heute seit immer wieso weshalb denn eben halt
    """.split()
)


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).lower()
    text = _MENTION.sub(" ", _URL.sub(" ", text)).translate(_FOLD)
    return _NON_LETTER.sub(" ", text)


def tokens(text: str) -> list[str]:
    """Content words in order, each once."""
    seen: dict[str, None] = {}
    for word in normalize(text).split():
        if len(word) >= 2 and word not in STOPWORDS:
            seen.setdefault(word, None)
            if len(seen) >= MAX_TOKENS:
                break
    return list(seen)


def grams(words: list[str]) -> set[str]:
    """Character trigrams of each padded word ("<netz>" → "<ne", "net", "etz", "tz>")."""
    out: set[str] = set()
    for word in words:
        padded = f"<{word}>"
        out.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return out
