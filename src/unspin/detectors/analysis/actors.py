"""The ``actors`` detector: entity mentions merged into actors by explained rules, with the stance
taken toward each and the techniques aimed at it.

No model: the rules read the ``entities``, ``stance`` and ``persuasion`` layers. Rules (each
merge records which one joined it):

- ``same-name``: the same name, ignoring a leading "the", a possessive "'s" and case.
- ``surname``: a person's surname or a shorter part of the name ("Vale" / "Dr Mara Vale"), when
  it fits exactly one longer name in the document.
- ``acronym``: an all-capitals mention spelling the initials of another ("ILF" / "Iron Lantern
  Front").
- ``declared-alias``: names the text declares for a mention, in brackets after it or with "also
  known as", "better known as", "a.k.a." ("the Organization (ABC, or better known as the X
  group)"); later occurrences of a declared name join too (``alias-occurrence``).
- ``given-name``: a one-word person mention that is the first name of exactly one longer name
  and no one's surname ("Aurel" / "Aurel Maro").
- ``state-name``: "the Republic of C", "the Kingdom of C" (and other state forms) join C.
- ``country-government``: "the government of C", "C's government", "the Cian government" join the
  country C; "the government" then joins it when only one country's government is named.
- ``head-noun``: "the Organization" (capitalised) joins the one organisation whose name starts
  with that word ("the Organization for Eastern Renewal").

Before merging, an organisation the tagger cut after its head word gets it back ("Organization
for [Eastern Renewal]" becomes one mention, source ``org-head``), and every other occurrence of
a name the tagger found whole (two or more words, or an acronym) becomes a mention too (source
``name-occurrence``), replacing a shorter mention the tagger cut from it there ("Ashen" in a
headline's "the Ashen Hand").

Stance: each sentence naming the actor votes once (its mentions' mean probabilities), and each
attack on reputation aimed at the actor (below) votes negative with its score.

Techniques aimed at an actor (a persuasion span): ``contains`` (the span names the actor),
``apposition`` ("the Organization, a terrorist cult"), ``predicate`` ("X is a terrorist cult"),
``nearest-in-sentence`` (attacks on reputation only: the nearest mention in the same sentence).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from unspin.detectors import register
from unspin.document import Document, Layer, Span
from unspin.errors import InvalidInput

__all__ = [
    "ActorsDetector",
    "Actor",
    "ActorMention",
    "ActorStance",
    "ActorTechnique",
    "StanceEvidence",
    "actors_of",
    "Mention",
    "actor_mentions",
    "build_actors",
    "merge_mentions",
    "declared_aliases",
    "initials",
]

_TITLES = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "prof",
    "professor",
    "president",
    "minister",
    "senator",
    "sen",
    "rep",
    "gov",
    "governor",
    "general",
    "gen",
    "judge",
    "justice",
    "sir",
    "dame",
    "lord",
    "lady",
    "king",
    "queen",
    "prince",
    "princess",
    "pope",
    "chancellor",
    "mayor",
    "premier",
    "secretary",
    "ambassador",
    "commissioner",
    "chairman",
    "chairwoman",
    "ceo",
    "colonel",
    "col",
    "captain",
    "capt",
    "lt",
    "sgt",
    "rev",
    "father",
    "sheikh",
    "prime",
    "deputy",
    "vice",
    "brother",
    "sister",
    "commander",
    "comrade",
    "admiral",
    "major",
    "sergeant",
    "lieutenant",
    "bishop",
    "cardinal",
    "imam",
    "rabbi",
    "envoy",
}
_FUNCTION = {
    "of",
    "the",
    "and",
    "for",
    "&",
    "de",
    "du",
    "la",
    "le",
    "des",
    "in",
    "on",
    "a",
    "an",
    "to",
    "der",
    "von",
    "van",
}
_ALIAS_CUE = re.compile(
    r"^(?:,\s*|\s+)(?:(?:also|better|commonly|otherwise|popularly|widely|formerly)\s+)?"
    r"(?:known|referred to)(?:\s+(?:to|among|by)(?:\s+[a-z]+){1,3}?)?\s+as\s+|"
    r"^(?:,\s*|\s+)(?:a\.k\.a\.?|aka|dubbed|nicknamed|"
    r"hereafter|henceforth)\s+",
    re.IGNORECASE,
)
_PIECE_PREFIX = re.compile(
    r"^(?:(?:or|and|also|but|now|then|simply|formerly|previously|hereafter|henceforth|"
    r"(?:(?:also|better|commonly|otherwise|popularly|widely)\s+)?(?:known|referred to)\s+as|"
    r"a\.k\.a\.?|aka|called|dubbed|nicknamed|the)\s+)+",
    re.IGNORECASE,
)
_STATE_FORM = re.compile(
    r"^(?:the\s+)?(?:(?:federal|democratic|islamic|people's|socialist|united|arab|independent|"
    r"plurinational|hashemite|bolivarian|grand)\s+)*(?:republic|kingdom|state|commonwealth|"
    r"principality|sultanate|emirate|duchy|federation|confederation)\s+of\s+(?:the\s+)?(?P<name>.+)$",
    re.IGNORECASE,
)
# head words of organisation names: "Organization for [Eastern Renewal]" is one name
_ORG_HEADS = (
    "Organization|Organisation|Institute|Council|Committee|Ministry|Department|Union|League|"
    "Party|Front|Movement|Association|Federation|Bank|Office|Agency|Bureau|Society|Centre|"
    "Center|Foundation|Fund|Church|Court|Commission|Board|Authority|Alliance|Coalition|Army|"
    "Brotherhood|Congress|Assembly|Academy|University|College|Corporation|Company|Group"
)
_ORG_HEAD_BEFORE = re.compile(rf"\b(?:{_ORG_HEADS})\s+(?:of|for)\s+(?:the\s+)?$")
_HEAD_REFERENCE = re.compile(rf"\b[Tt]he\s+(?P<head>{_ORG_HEADS})\b(?!\s+(?:of|for)\b)")
_SPLIT = re.compile(r"\s*(?:[,;/]|\bor\b|\band\b)\s*")
_GOVERNMENT = r"(?:government|regime|administration|authorities|cabinet|junta)"
_ATTACKS = {
    "Name_Calling,Labeling",
    "Doubt",
    "Bandwagon,Reductio_ad_hitlerum",
    "Reductio_ad_hitlerum",
    "Smears",
    "Name_Calling-Labeling",
    "Questioning_the_Reputation",
    "Guilt_by_Association",
}
_APPOSITION_AFTER = re.compile(
    r"^\s*(?:,|—|–|-|:|\()?\s*(?:(?:a|an|the|this|that|these|those|its|their|his|her)\s+)?$",
    re.IGNORECASE,
)
_APPOSITION_BEFORE = re.compile(
    r"^\s*(?:,|—|–|-)?\s*(?:(?:the|this|that|these|those)\s+)?$", re.IGNORECASE
)
_PREDICATE = re.compile(
    r"^(?:\s+[a-z]+){0,2}\s*(?:is|are|was|were|has been|have been|had been|remains?|remained|"
    r"became|becomes|"
    r"seems?|looks? like)\s+(?:(?:nothing|little|no)\s+(?:but|more than|better than)\s+|"
    r"not\s+|(?:a|an|the|just|merely|simply|really|truly|clearly|still|now)\s+)*$",
    re.IGNORECASE,
)


# --- the actors, as values -------------------------------------------------------------------


def _offsets(value: Any) -> dict[str, int]:
    return {"start": int(value["start"]), "end": int(value["end"])}


@dataclass(frozen=True)
class ActorMention:
    """One mention of an actor: where, its text, and how it was found (``ner`` or a rule)."""

    start: int
    end: int
    text: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"start": self.start, "end": self.end, "text": self.text, "source": self.source}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ActorMention:
        """Read the JSON form."""
        return cls(int(data["start"]), int(data["end"]), str(data["text"]), str(data["source"]))


@dataclass(frozen=True)
class StanceEvidence:
    """A sentence ``[start, end)`` behind an actor's stance: an attack on reputation aimed at the
    actor (``technique`` and its ``span``), or a mention whose stance won (``mention``)."""

    start: int
    end: int
    score: float | None
    technique: str | None = None
    span: Mapping[str, int] | None = None
    mention: Mapping[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        out: dict[str, Any] = {"start": self.start, "end": self.end}
        if self.technique is not None:
            out["technique"] = self.technique
        if self.span is not None:
            out["span"] = dict(self.span)
        if self.mention is not None:
            out["mention"] = dict(self.mention)
        out["score"] = self.score
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StanceEvidence:
        """Read the JSON form."""
        span, mention = data.get("span"), data.get("mention")
        return cls(
            int(data["start"]),
            int(data["end"]),
            data.get("score"),
            data.get("technique"),
            _offsets(span) if span is not None else None,
            _offsets(mention) if mention is not None else None,
        )


@dataclass(frozen=True)
class ActorStance:
    """The stance the text takes toward an actor: the winning label, its mean vote, how many
    mentions and attacks voted, and up to five pieces of evidence."""

    label: str
    score: float
    mentions: int
    attacks: int
    evidence: tuple[StanceEvidence, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "label": self.label,
            "score": self.score,
            "mentions": self.mentions,
            "attacks": self.attacks,
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ActorStance:
        """Read the JSON form."""
        return cls(
            str(data["label"]),
            float(data["score"]),
            int(data["mentions"]),
            int(data["attacks"]),
            tuple(StanceEvidence.from_dict(e) for e in data.get("evidence") or ()),
        )


@dataclass(frozen=True)
class ActorTechnique:
    """A technique span aimed at an actor, with the rule that aimed it (and that rule's
    ``details``: the pronoun and its antecedent, or the distance in the sentence)."""

    label: str
    start: int
    end: int
    text: str
    rule: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (the details beside the other fields)."""
        return {
            "label": self.label,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "rule": self.rule,
            **self.details,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ActorTechnique:
        """Read the JSON form."""
        known = ("label", "start", "end", "text", "rule")
        details = {k: v for k, v in data.items() if k not in known}
        return cls(
            str(data["label"]),
            int(data["start"]),
            int(data["end"]),
            str(data["text"]),
            str(data["rule"]),
            details,
        )


@dataclass(frozen=True)
class Actor:
    """A person, group or state the text names, with its mentions merged by explained rules.

    ``stance`` is None where no ``stance`` layer ran (or nothing voted); ``merges`` records
    each rule that joined a mention (JSON objects: ``rule``, ``from``, ``to`` and the rule's
    details).
    """

    id: str
    name: str
    type: str
    aliases: tuple[str, ...]
    mentions: tuple[ActorMention, ...]
    stance: ActorStance | None
    techniques: tuple[ActorTechnique, ...]
    merges: tuple[Mapping[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form (an item of the ``actors`` layer's ``data.actors``)."""
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "aliases": list(self.aliases),
            "mentions": [m.to_dict() for m in self.mentions],
            "stance": None if self.stance is None else self.stance.to_dict(),
            "techniques": [t.to_dict() for t in self.techniques],
            "merges": [dict(m) for m in self.merges],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Actor:
        """Read the JSON form.

        Raises:
            InvalidInput: a field is missing or malformed.
        """
        try:
            stance = data.get("stance")
            return cls(
                id=str(data["id"]),
                name=str(data["name"]),
                type=str(data["type"]),
                aliases=tuple(str(a) for a in data.get("aliases") or ()),
                mentions=tuple(ActorMention.from_dict(m) for m in data.get("mentions") or ()),
                stance=None if stance is None else ActorStance.from_dict(stance),
                techniques=tuple(ActorTechnique.from_dict(t) for t in data.get("techniques") or ()),
                merges=tuple(dict(m) for m in data.get("merges") or ()),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"malformed actor {dict(data).get('id')!r}: {exc!r}") from None


def actors_of(doc: Document) -> tuple[Actor, ...] | None:
    """Return the actors of ``doc`` (from its ``actors`` layer), or None when it has no such
    layer (not analysed, which is not the same as no actor found).

    Raises:
        InvalidInput: the layer's actors are malformed.
    """
    layer = doc.layers.get("actors")
    if layer is None:
        return None
    return tuple(Actor.from_dict(actor) for actor in layer.data.get("actors", ()))


# --- merging mentions ---------------------------------------------------------------------------


@dataclass
class Mention:
    """One mention: where it is, what type, and how it was found (``ner`` or a rule)."""

    start: int
    end: int
    type: str
    text: str
    source: str = "ner"
    score: float | None = None
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.key = normalise(self.text)


@lru_cache(maxsize=8192)
def normalise(name: str) -> str:
    """Return a comparison key: lower case, no leading article, no possessive, no dots."""
    key = name.strip().strip("\"“”'‘’()[]").strip()
    key = re.sub(r"(?:'s|’s|'|’)$", "", key)
    key = re.sub(r"^(?:the|a|an)\s+", "", key, flags=re.IGNORECASE)
    key = key.replace(".", "")
    return re.sub(r"\s+", " ", key).lower()


@lru_cache(maxsize=8192)
def _tokens(name: str) -> tuple[str, ...]:
    return tuple(t for t in re.split(r"[\s\-]+", normalise(name)) if t)


@lru_cache(maxsize=8192)
def _name_tokens(name: str) -> tuple[str, ...]:
    """Tokens of a person's name without leading titles (cached: merging compares all pairs)."""
    tokens = _tokens(name)
    while len(tokens) > 1 and tokens[0] in _TITLES:
        tokens = tokens[1:]
    return tokens


def initials(name: str) -> str:
    """Return the upper-case initials of the words of ``name`` that are not function words."""
    words = [w for w in re.split(r"[\s\-]+", name.strip()) if w]
    words = [w for w in words if w.lower() not in _FUNCTION]
    return "".join(w[0] for w in words if w[0].isalpha()).upper()


def _is_acronym(text: str) -> bool:
    bare = text.replace(".", "").replace("&", "")
    return 2 <= len(bare) <= 8 and bare.isalpha() and bare.isupper()


class _Union:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def _word_bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def declared_aliases(text: str, mention: Mention) -> list[tuple[int, int, str]]:
    """Return ``(start, end, alias)`` for the names the text declares right after ``mention``.

    Reads a bracket after the mention ("X (ABC, ABO, or better known as the Y group)") and
    "X, also known as Y" / "X, a.k.a. Y".
    """
    rest = text[mention.end : mention.end + 300]
    found: list[tuple[int, int, str]] = []
    bracket = re.match(r"^\s*\((?P<body>[^()]{1,200})\)", rest)
    if bracket:
        base = mention.end + bracket.start("body")
        found.extend(_pieces(bracket.group("body"), base))
    cue = _ALIAS_CUE.match(rest)
    if cue:
        tail = re.match(r"^[^,.;:()\n]{1,80}", rest[cue.end() :])
        if tail:
            found.extend(_pieces(tail.group(0), mention.end + cue.end(), single=True))
    return found


def _pieces(body: str, base: int, *, single: bool = False) -> list[tuple[int, int, str]]:
    pieces: list[tuple[int, int, str]] = []
    spans = [(0, len(body))] if single else []
    if not single:
        pos = 0
        for match in _SPLIT.finditer(body):
            spans.append((pos, match.start()))
            pos = match.end()
        spans.append((pos, len(body)))
    for start, end in spans:
        piece = body[start:end]
        prefix = _PIECE_PREFIX.match(piece)
        if prefix:
            start += prefix.end()
        piece = body[start:end]
        stripped = piece.strip().strip("\"“”'‘’")
        if not stripped:
            continue
        start += piece.find(stripped)
        end = start + len(stripped)
        words = stripped.split()
        if len(words) > 6 or not any(c.isupper() for c in stripped):
            continue
        if re.fullmatch(r"[\d\s.,%-]+", stripped) or stripped.lower() in _FUNCTION:
            continue
        pieces.append((base + start, base + end, stripped))
    return pieces


def _merge(
    union: _Union,
    merges: list[dict[str, Any]],
    mentions: Sequence[Mention],
    a: int,
    b: int,
    rule: str,
    **why: Any,
) -> None:
    if union.join(a, b):
        merges.append(
            {
                "rule": rule,
                "from": {
                    "start": mentions[b].start,
                    "end": mentions[b].end,
                    "text": mentions[b].text,
                },
                "to": {
                    "start": mentions[a].start,
                    "end": mentions[a].end,
                    "text": mentions[a].text,
                },
                **why,
            }
        )


def _add_mention(mentions: list[Mention], mention: Mention, *, inside_ok: bool = False) -> int:
    """Return the index of an existing mention at those offsets, or add ``mention``.

    With ``inside_ok``, mentions lying wholly inside the new one do not block it (the country in
    "the government of Ruritania").
    """
    for i, other in enumerate(mentions):
        if other.start < mention.end and mention.start < other.end:
            contained = mention.start <= other.start and other.end <= mention.end
            if inside_ok and contained and (other.start, other.end) != (mention.start, mention.end):
                continue
            return i
    mentions.append(mention)
    return len(mentions) - 1


def _governments(text: str, mentions: list[Mention], union: _Union | None) -> list[tuple]:
    """Find government phrases for each country mention: (country index, start, end, text)."""
    found: list[tuple] = []
    if re.search(_GOVERNMENT, text) is None:
        return found  # every pattern below needs one of the words
    # any type: the uncased tagger sometimes calls a country ORG; the phrase itself is the evidence
    countries = [(i, m) for i, m in enumerate(mentions) if m.type != "MISC" and m.source == "ner"]
    seen: set[str] = set()
    for i, country in countries:
        name = country.text
        if name in seen or not name[:1].isupper():
            continue
        seen.add(name)
        stem = re.escape(name[: max(4, len(name) - 2)])
        patterns = [
            rf"\b(?:[Tt]he\s+)?{_GOVERNMENT}\s+(?:of|in)\s+(?:the\s+)?{re.escape(name)}\b",
            rf"\b{re.escape(name)}(?:'s|’s)?\s+{_GOVERNMENT}\b",
            rf"\b(?:[Tt]he\s+)?{stem}[a-z]{{0,4}}\s+{_GOVERNMENT}\b",
        ]
        for pattern in patterns:
            for match in re.finditer(pattern, text):
                found.append((i, match.start(), match.end(), match.group(0)))
    return found


def org_heads(text: str, mentions: list[Mention]) -> list[Mention]:
    """Give a name the organisation head word the tagger cut off or tagged apart.

    "Organization for [Eastern Renewal]" and "[Union of] [Coastal States]" each become one ORG
    mention (source ``org-head``): a capitalised head word ("Union", "Ministry", ...), then "of"
    or "for", then an ORG, MISC or LOC name ("Council of Europe", "Bank of England").
    """
    out = []
    absorbed: set[int] = set()
    for m in mentions:
        base = max(0, m.start - 40)
        match = _ORG_HEAD_BEFORE.search(text[base : m.start])
        if m.type in ("ORG", "MISC", "LOC") and m.source == "ner" and match:
            start = base + match.start()
            inside = [o for o in mentions if o is not m and start <= o.start < m.start]
            # the head itself may be a mention ("Union of" ORG + "Coastal States" LOC)
            if all(o.type in ("ORG", "MISC") and o.end <= m.start for o in inside):
                absorbed.update(id(o) for o in inside)
                out.append(Mention(start, m.end, "ORG", text[start : m.end], "org-head", m.score))
                continue
        out.append(m)
    return [m for m in out if id(m) not in absorbed]


def name_occurrences(text: str, mentions: list[Mention]) -> list[Mention]:
    """Add every other occurrence of a whole name the tagger found (see the module docstring).

    A name qualifies when it has two or more words or is an acronym, and is not MISC; an
    occurrence must match case and word bounds. A shorter mention lying inside an occurrence is
    replaced by it; an occurrence overlapping a longer or crossing mention is left alone.
    """
    names: dict[str, tuple[str, float | None]] = {}
    for m in mentions:
        name = re.sub(r"(?:'s|’s)$", "", m.text.strip())
        if m.source not in ("ner", "org-head") or m.type == "MISC" or not name[:1].isupper():
            continue
        if len(name.split()) >= 2 or _is_acronym(name):
            names.setdefault(name, (m.type, m.score))
    out = list(mentions)
    for name in sorted(names, key=len, reverse=True):
        for match in re.finditer(re.escape(name), text):
            start, end = match.start(), match.end()
            if not _word_bounded(text, start, end):
                continue
            overlapping = [o for o in out if o.start < end and start < o.end]
            if any(not (start <= o.start and o.end <= end) for o in overlapping):
                continue  # a longer or crossing mention is there: keep it
            if any((o.start, o.end) == (start, end) for o in overlapping):
                continue
            out = [o for o in out if o not in overlapping]
            kind, score = names[name]
            out.append(Mention(start, end, kind, name, "name-occurrence", score))
    return out


def _state_name(text: str) -> str | None:
    """The country a state form names ("Republic of Kestria" -> "kestria"), as a key."""
    match = _STATE_FORM.match(text.strip())
    return normalise(match.group("name")) if match else None


def merge_mentions(
    text: str, mentions: list[Mention]
) -> tuple[list[list[int]], list[Mention], list[dict[str, Any]]]:
    """Group mentions into actors.

    Returns:
        (clusters of mention indices, the mentions including those the rules added, the merges).
    """
    mentions = name_occurrences(text, org_heads(text, mentions))
    mentions = sorted(mentions, key=lambda m: (m.start, m.end))
    # "the Organization": the one organisation named with that head word
    heads: dict[str, set[str]] = {}
    for m in mentions:
        first = m.text.split()[0] if m.text.split() else ""
        if m.type == "ORG" and len(m.text.split()) > 1:
            heads.setdefault(first, set()).add(m.key)
    head_refs: list[tuple[str, int]] = []
    for match in _HEAD_REFERENCE.finditer(text):
        head = match.group("head")
        if len(heads.get(head, ())) == 1:
            j = _add_mention(
                mentions, Mention(match.start(), match.end(), "ORG", match.group(0), "head-noun")
            )
            if mentions[j].source == "head-noun":
                head_refs.append((next(iter(heads[head])), j))
    # declared aliases add mentions; do it before the union so indices are stable
    declared: list[tuple[int, int, str]] = []  # (owner index, alias index, cue)
    for i in range(len(mentions)):
        owner = mentions[i]
        for start, end, alias in declared_aliases(text, owner):
            j = _add_mention(mentions, Mention(start, end, owner.type, alias, "declared-alias"))
            if j != i:
                declared.append((i, j, alias))
    aliases = {alias for _, _, alias in declared}
    for alias in aliases:
        for match in re.finditer(re.escape(alias), text):
            if not _word_bounded(text, match.start(), match.end()):
                continue
            owner_type = next(mentions[i].type for i, _, a in declared if a == alias)
            _add_mention(
                mentions, Mention(match.start(), match.end(), owner_type, alias, "alias-occurrence")
            )
    governments = _governments(text, mentions, None)
    gov_links: list[tuple[int, int]] = []
    for country, start, end, phrase in governments:
        j = _add_mention(
            mentions,
            Mention(start, end, mentions[country].type, phrase, "country-government"),
            inside_ok=True,
        )
        if j != country:
            gov_links.append((country, j))
    linked_countries = {mentions[c].key for c, _ in gov_links}
    if len(linked_countries) == 1:
        country = gov_links[0][0]
        for match in re.finditer(rf"\b[Tt]he\s+{_GOVERNMENT}\b", text):
            j = _add_mention(
                mentions,
                Mention(
                    match.start(),
                    match.end(),
                    mentions[country].type,
                    match.group(0),
                    "government-reference",
                ),
            )
            gov_links.append((country, j))

    union = _Union(len(mentions))
    merges: list[dict[str, Any]] = []
    first_by_key: dict[str, int] = {}
    for i, mention in enumerate(mentions):
        if mention.key in first_by_key:
            _merge(union, merges, mentions, first_by_key[mention.key], i, "same-name")
        else:
            first_by_key[mention.key] = i
    for owner_index, alias_index, alias in declared:
        _merge(union, merges, mentions, owner_index, alias_index, "declared-alias", alias=alias)
    for i, mention in enumerate(mentions):
        if mention.source == "alias-occurrence":
            for _owner, alias_index, alias in declared:
                if alias == mention.text:
                    _merge(union, merges, mentions, alias_index, i, "alias-occurrence")
    for country, j in gov_links:
        _merge(
            union,
            merges,
            mentions,
            country,
            j,
            "government-reference"
            if mentions[j].source == "government-reference"
            else "country-government",
        )
    # surname / partial names of persons: only where exactly one longer name fits
    persons = [i for i, m in enumerate(mentions) if m.type == "PER"]
    for i, mention in enumerate(mentions):
        short = _name_tokens(mention.text)
        if not short or (mention.type != "PER" and len(short) > 1):
            continue  # a one-word mention of another type may still be a surname
        candidates: dict[str, int] = {}
        for j in persons:
            full = _name_tokens(mentions[j].text)
            if len(full) > len(short) and full[-len(short) :] == short:
                candidates.setdefault(" ".join(full), j)
        if len(short) == 1 and candidates:
            # also someone's given name ("Aurel" beside "Aurel Maro" and "Ivo Aurel"): ambiguous
            for j in persons:
                full = _name_tokens(mentions[j].text)
                if len(full) > 1 and full[0] == short[0]:
                    candidates.setdefault(" ".join(full), j)
        if len(candidates) == 1:
            (j,) = candidates.values()
            _merge(union, merges, mentions, j, i, "surname", name=" ".join(short))
        elif len(candidates) > 1:
            merges.append(
                {
                    "rule": "surname-ambiguous",
                    "text": mentions[i].text,
                    "candidates": sorted(candidates),
                    "merged": False,
                }
            )
    for key, j in head_refs:
        named = next(i for i, m in enumerate(mentions) if m.key == key)
        _merge(union, merges, mentions, named, j, "head-noun", head=mentions[j].text.split()[-1])
    # given names: one word that starts exactly one longer name and ends none
    for i, mention in enumerate(mentions):
        short = _name_tokens(mention.text)
        if mention.type != "PER" or len(short) != 1:
            continue
        starts: dict[str, int] = {}
        ends = False
        for j in persons:
            full = _name_tokens(mentions[j].text)
            if len(full) > 1 and full[0] == short[0]:
                starts.setdefault(" ".join(full), j)
            if len(full) > 1 and full[-1] == short[0]:
                ends = True
        if len(starts) == 1 and not ends:
            (j,) = starts.values()
            _merge(union, merges, mentions, j, i, "given-name", name=short[0])
    # state forms: "the Republic of Kestria" is Kestria
    by_key: dict[str, int] = {}
    for i, mention in enumerate(mentions):
        if mention.type in ("LOC", "ORG"):
            by_key.setdefault(mention.key, i)
    for i, mention in enumerate(mentions):
        country = _state_name(mention.text)
        if country and country in by_key and by_key[country] != i:
            _merge(union, merges, mentions, by_key[country], i, "state-name", country=country)
    # acronyms
    for i, mention in enumerate(mentions):
        if not _is_acronym(mention.text.strip()):
            continue
        letters = mention.text.replace(".", "").replace("&", "").upper()
        for j, other in enumerate(mentions):
            if j != i and not _is_acronym(other.text) and initials(other.text) == letters:
                _merge(union, merges, mentions, j, i, "acronym", acronym=letters)
                break
    clusters: dict[int, list[int]] = {}
    for i in range(len(mentions)):
        clusters.setdefault(union.find(i), []).append(i)
    return list(clusters.values()), mentions, merges


def _canonical(members: list[Mention], kind: str) -> str:
    whole = ("ner", "declared-alias", "org-head", "name-occurrence")
    names = [m for m in members if m.source in whole] or members
    if kind == "PER":
        person = max(names, key=lambda m: (len(_name_tokens(m.text)), -m.start)).text.strip()
        words = person.split()
        while len(words) > 1 and normalise(words[0]) in _TITLES:
            words = words[1:]  # "Ambassador Piet Halloran" -> "Piet Halloran"
        return re.sub(r"(?:'s|’s)$", "", " ".join(words))
    full = [m for m in names if not _is_acronym(m.text) and m.source != "declared-alias"] or names
    counts = Counter(normalise(m.text) for m in full)
    best = max(full, key=lambda m: (len(_tokens(m.text)) > 1, counts[m.key], len(m.text), -m.start))
    return re.sub(r"(?:'s|’s)$", "", best.text.strip())


def _sentence_of(sentences: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int]:
    for s, e in sentences:
        if s <= start < e:
            return (s, e)
    return (0, end)


def _stance(
    members: list[Mention],
    stance_spans: Iterable[Any],
    sentences: Sequence[tuple[int, int]],
    attacks: Sequence[tuple[int, int, str, float]] = (),
) -> dict[str, Any] | None:
    """Aggregate the stance of an actor's mentions, and the attacks aimed at it.

    Each sentence naming the actor votes with its mentions' mean probabilities; each attack on
    reputation the text aims at the actor (``attacks``: start, end, technique, score) votes
    ``negative`` with its score (the rest ``neutral``). The label with the highest total wins;
    its score is the mean vote.
    """
    totals: dict[str, float] = {}
    matched: list[tuple[Any, Mention]] = []
    for span in stance_spans:
        for m in members:
            if span.start < m.end and m.start < span.end:
                matched.append((span, m))
                break
    if not matched and not attacks:
        return None
    # the mentions of one sentence are one vote: their mean probabilities
    by_sentence: dict[tuple[int, int], list[dict[str, float]]] = {}
    for span, m in matched:
        probs = dict(span.attrs.get("probabilities") or {span.label: span.score or 1.0})
        by_sentence.setdefault(_sentence_of(sentences, m.start, m.end), []).append(probs)
    for votes in by_sentence.values():
        for probs in votes:
            for label, p in probs.items():
                totals[label] = totals.get(label, 0.0) + float(p) / len(votes)
    for _start, _end, _technique, weight in attacks:
        totals["negative"] = totals.get("negative", 0.0) + weight
        totals["neutral"] = totals.get("neutral", 0.0) + 1.0 - weight
    label = max(totals, key=lambda k: totals[k])
    score = totals[label] / (len(by_sentence) + len(attacks))
    evidence: list[dict[str, Any]] = []
    if label == "negative":
        for a, b, technique, weight in sorted(attacks, key=lambda t: -t[3]):
            s, e = _sentence_of(sentences, a, b)
            evidence.append(
                {
                    "start": s,
                    "end": e,
                    "technique": technique,
                    "span": {"start": a, "end": b},
                    "score": round(weight, 6),
                }
            )
    for span, mention in sorted(matched, key=lambda sm: -(sm[0].score or 0.0)):
        if span.label != label:
            continue
        s, e = _sentence_of(sentences, mention.start, mention.end)
        evidence.append(
            {
                "start": s,
                "end": e,
                "mention": {"start": span.start, "end": span.end},
                "score": span.score,
            }
        )
    return {
        "label": label,
        "score": round(score, 6),
        "mentions": len(matched),
        "attacks": len(attacks),
        "evidence": evidence[:5],
    }


# A sentence whose subject is a pronoun ("It is a terrorist cult ...") aims at an actor named
# before it; the pronoun says which kinds of actor it can stand for.
_PRONOUN_SUBJECT = re.compile(r"^\s*[\"“']?(it|they|he|she)\b", re.IGNORECASE)
_PRONOUN_TYPES = {"it": {"ORG", "LOC", "MISC"}, "they": None, "he": {"PER"}, "she": {"PER"}}
# a source named after the technique ("..., according to the Institute") is not its target
_ATTRIBUTION_BEFORE = re.compile(r"(?:according to|said|says|wrote|writes|told)\s+(?:the\s+)?$")


def _pronoun_target(
    text: str,
    span: Any,
    mentions: list[tuple[int, Mention]],
    sentence: tuple[int, int],
    sentences: Sequence[tuple[int, int]],
) -> tuple[int, str, dict[str, Any]] | None:
    match = _PRONOUN_SUBJECT.match(text[sentence[0] : span.start])
    if match is None:
        return None
    kinds = _PRONOUN_TYPES[match.group(1).lower()]
    earlier = [
        (a, m) for a, m in mentions if m.end <= sentence[0] and (kinds is None or m.type in kinds)
    ]
    if not earlier:
        return None
    # the antecedent is the first actor (the likely subject) of the latest sentence naming one
    latest = max(earlier, key=lambda am: am[1].end)[1]
    start = _sentence_of(sentences, latest.start, latest.end)[0]
    a, m = min((am for am in earlier if am[1].start >= start), key=lambda am: am[1].start)
    return a, "pronoun-subject", {"pronoun": match.group(1), "antecedent": m.text}


def _technique_target(
    text: str,
    span: Any,
    mentions: list[tuple[int, Mention]],
    sentences: Sequence[tuple[int, int]],
) -> tuple[int, str, dict[str, Any]] | None:
    """Return (actor index, rule, details) for the actor a technique span is aimed at."""
    sentence = _sentence_of(sentences, span.start, span.end)
    inside = [(a, m) for a, m in mentions if sentence[0] <= m.start < sentence[1]]
    for a, m in inside:
        if span.start <= m.start and m.end <= span.end:
            return a, "contains", {}
    for a, m in inside:
        if m.end <= span.start and _APPOSITION_AFTER.match(text[m.end : span.start]):
            return a, "apposition", {}
        if span.end <= m.start and _APPOSITION_BEFORE.match(text[span.end : m.start]):
            return a, "apposition", {}
    for a, m in inside:
        if m.end <= span.start and _PREDICATE.match(text[m.end : span.start]):
            return a, "predicate", {}
    before = [(a, m) for a, m in inside if m.end <= span.start]
    if span.label in _ATTACKS and not before:
        by_pronoun = _pronoun_target(text, span, mentions, sentence, sentences)
        if by_pronoun is not None:
            return by_pronoun
    inside = [
        (a, m)
        for a, m in inside
        if not (span.end <= m.start and _ATTRIBUTION_BEFORE.search(text[span.end : m.start]))
    ]
    if span.label in _ATTACKS and inside:

        def distance(am: tuple[int, Mention]) -> int:
            m = am[1]
            return max(0, span.start - m.end, m.start - span.end)

        a, m = min(inside, key=distance)
        return a, "nearest-in-sentence", {"distance": distance((a, m))}
    return None


def _entity_mentions(doc: Any) -> list[Mention]:
    text = doc.text
    return [
        Mention(
            s.start, s.end, s.label, text[s.start : s.end], s.attrs.get("source", "ner"), s.score
        )
        for s in doc.layers["entities"].spans
    ]


def actor_mentions(doc: Any, types: Sequence[str]) -> list[tuple[int, int]]:
    """``(start, end)`` of every mention the actor rules find (the tagger's and those the rules
    add: later occurrences, declared aliases, references), for the given entity types, in order.
    The stance detector scores these, so every mention of an actor gets a stance."""
    _clusters, mentions, _merges = merge_mentions(doc.text, _entity_mentions(doc))
    return sorted({(m.start, m.end) for m in mentions if m.type in types})


def build_actors(doc: Any) -> tuple[Actor, ...]:
    """Return the document's actors from its ``entities`` (and ``stance``, ``persuasion``).

    Args:
        doc: a Document with an ``entities`` layer.

    Returns:
        Actors ordered by first mention: id, name, type, aliases, mentions, stance (None when no
        ``stance`` layer ran), techniques and merges.
    """
    text = doc.text
    clusters, mentions, merges = merge_mentions(text, _entity_mentions(doc))
    sentences = (
        [(s.start, s.end) for s in doc.layers["sentences"].spans]
        if "sentences" in doc.layers
        else [(0, len(text))]
    )
    stance_layer = doc.layers.get("stance")
    actors: list[dict[str, Any]] = []
    index_of: dict[int, int] = {}
    clusters.sort(key=lambda c: min(mentions[i].start for i in c))
    for cluster in clusters:
        members = sorted((mentions[i] for i in cluster), key=lambda m: m.start)
        # longer mentions say more about the type than a bare surname or acronym
        ner_types: Counter[str] = Counter()
        for m in members:
            if m.source == "ner":
                ner_types[m.type] += len(_tokens(m.text))
        kind = ner_types.most_common(1)[0][0] if ner_types else members[0].type
        if kind == "MISC" and all(m.source == "ner" for m in members):
            continue  # nationalities, events and works are not actors
        actor_id = f"A{len(actors) + 1}"
        for i in cluster:
            index_of[i] = len(actors)
        spans_of = {(m.start, m.end) for m in members}
        aliases: list[str] = []
        for m in members:
            name = re.sub(r"(?:'s|’s)$", "", m.text.strip())
            if name not in aliases:
                aliases.append(name)
        actors.append(
            {
                "id": actor_id,
                "name": _canonical(members, kind),
                "type": kind,
                "aliases": aliases,
                "mentions": [
                    {"start": m.start, "end": m.end, "text": m.text, "source": m.source}
                    for m in members
                ],
                "stance": None,
                "techniques": [],
                "merges": [
                    mg
                    for mg in merges
                    if (mg.get("from", {}).get("start"), mg.get("from", {}).get("end")) in spans_of
                    or (mg.get("rule") == "surname-ambiguous" and mg["text"] in aliases)
                ],
            }
        )
    attacks: dict[int, list[tuple[int, int, str, float]]] = {a: [] for a in range(len(actors))}
    persuasion = doc.layers.get("persuasion")
    if persuasion is not None:
        located = [(index_of[i], mentions[i]) for c in clusters for i in c if i in index_of]
        targets = []
        for span in persuasion.spans:
            target = _technique_target(text, span, located, sentences)
            if target is not None:
                targets.append((span, target))
        # a label the text pins on one actor by a firm rule names that actor again when repeated
        firm = {
            normalise(text[span.start : span.end]): a
            for span, (a, rule, _) in targets
            if rule != "nearest-in-sentence"
        }
        for span, (a, rule, details) in targets:
            key = normalise(text[span.start : span.end])
            if rule == "nearest-in-sentence" and key in firm and firm[key] != a:
                a, rule, details = firm[key], "same-label", {}
            actors[a]["techniques"].append(
                {
                    "label": span.label,
                    "start": span.start,
                    "end": span.end,
                    "text": text[span.start : span.end],
                    "rule": rule,
                    **details,
                }
            )
            if span.label in _ATTACKS:
                attacks[a].append((span.start, span.end, span.label, float(span.score or 0.5)))
    if stance_layer is not None:
        for a, actor in enumerate(actors):
            members = [mentions[i] for c in clusters for i in c if index_of.get(i) == a]
            actor["stance"] = _stance(members, stance_layer.spans, sentences, attacks[a])
    return tuple(Actor.from_dict(actor) for actor in actors)


class ActorsDetector:
    """Merge entity mentions into actors, with their stance and the techniques aimed at them."""

    name = "actors"
    # 1.1: pronoun-subject and same-label technique targets; attributed sources are not targets
    # 1.2: name-occurrence, org-head, head-noun, given-name and state-name rules; attacks aimed at
    # an actor count in its stance
    # 1.3: org-head also absorbs a head tagged apart ("[Union of] [Coastal States]", LOC tails)
    version = "1.3.0"
    requires: tuple[str, ...] = ("entities",)
    #: stance and the techniques aimed at each actor, and sentences for the stance votes
    reads: tuple[str, ...] = ("sentences", "stance", "persuasion")
    provides: tuple[str, ...] = ("actors",)

    def detect(self, doc: Document) -> Layer:
        actors = build_actors(doc)
        spans = [
            Span(m.start, m.end, actor.type, None, {"actor": actor.id, "name": actor.name})
            for actor in actors
            for m in actor.mentions
        ]
        return Layer(
            "actors",
            tuple(spans),
            producer=f"{self.name}@{self.version}",
            data={"actors": [actor.to_dict() for actor in actors]},
        )


@register(
    "actors",
    version=ActorsDetector.version,
    requires=ActorsDetector.requires,
    reads=ActorsDetector.reads,
    provides=ActorsDetector.provides,
    description="actors: mentions merged by explained rules, with stance and techniques",
)
def make_actors() -> ActorsDetector:
    return ActorsDetector()
