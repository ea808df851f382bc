"""Which of the owner's languages a text is in (cs, de, en), without a model.

Used where no model answer says it: the offline demo model and the style learned from sent
replies. Diacritics count 3 points each, stopwords 1 point; ties go to English.
"""

from __future__ import annotations

import re

__all__ = ["detect_language"]

_WORDS = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOPWORDS = {
    "cs": _words(
        "a je se na že to v ve ale jak jsem jste bych prosím děkuji dobrý den vás vám pro do od"
        " jsme bude by mi si co když nebo také už jen tak ještě"
    ),
    "de": _words(
        "und ist der die das nicht mit sie ich wir für auf ein eine bitte danke ihr ihnen zu den"
        " dem von haben wird sehr grüße gerne gern noch auch"
    ),
    "en": _words(
        "the and is are you your we to of for with please thanks thank this that have will be"
        " it on in can could would i my me"
    ),
}
_DIACRITICS = {"cs": frozenset("ěščřžýůťďňĚŠČŘŽÝŮŤĎŇ"), "de": frozenset("äöüßÄÖÜ")}


def detect_language(text: str) -> str:
    words = [w.lower() for w in _WORDS.findall(text)]
    scores = {lang: sum(w in stop for w in words) for lang, stop in _STOPWORDS.items()}
    for lang, marks in _DIACRITICS.items():
        scores[lang] += 3 * sum(ch in marks for ch in text)
    best = max(scores.values())
    if best == 0 or scores["en"] == best:
        return "en"
    return "cs" if scores["cs"] == best else "de"
