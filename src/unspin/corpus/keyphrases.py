"""Name clusters by their key phrases: class-based TF-IDF over words and word pairs."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

__all__ = ["STOPWORDS", "phrases", "key_phrases"]

_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)

# English function words and reporting verbs that name no story (written for unspin)
_STOPWORDS = """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    said says say told according would could may might must shall one two three new also like
    last first next year years week day days time people mr mrs ms dr per cent percent many much
    yet still even well back get got make made around since however another every us it's its
    """
STOPWORDS = frozenset(_STOPWORDS.split())


def phrases(text: str) -> list[str]:
    """Return the words (not stop words) and adjacent pairs of such words of a text."""
    words = [w.casefold().strip("'’-") for w in _WORD.findall(text)]
    out: list[str] = []
    previous: str | None = None
    for word in words:
        if len(word) < 3 or word in STOPWORDS:
            previous = None
            continue
        out.append(word)
        if previous:
            out.append(f"{previous} {word}")
        previous = word
    return out


def key_phrases(classes: Sequence[Sequence[str]], *, top: int = 5) -> list[list[str]]:
    """Return the ``top`` phrases that set each class of texts apart from the others.

    Args:
        classes: per class, its texts. Include a class of the remaining texts, if any, so that
            phrases common everywhere score low.
        top: phrases per class.

    Returns:
        Per class, its phrases, most distinctive first.
    """
    counts = [Counter(p for text in texts for p in phrases(text)) for texts in classes]
    totals = [sum(c.values()) or 1 for c in counts]
    average = sum(totals) / max(len(totals), 1)
    overall: Counter[str] = Counter()
    for count in counts:
        overall.update(count)
    out: list[list[str]] = []
    for count, total in zip(counts, totals, strict=True):
        scored = sorted(
            ((n / total) * math.log(1 + average / overall[p]) * (1.5 if " " in p else 1.0), p)
            for p, n in count.items()
            if n > 1 or " " not in p
        )
        chosen: list[str] = []
        for _, phrase in reversed(scored):
            words = set(phrase.split())
            if any(words <= set(c.split()) or set(c.split()) <= words for c in chosen):
                continue
            chosen.append(phrase)
            if len(chosen) == top:
                break
        out.append(chosen)
    return out
