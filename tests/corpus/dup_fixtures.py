"""Articles written for unspin's duplicate tests: three different reports on the same event
(the Kelby warehouse fire), one on another subject, and functions that make edited copies."""

from __future__ import annotations

import re

COURIER = """Fire destroys Kelby paper warehouse
A fire tore through the Brandt paper warehouse on the edge of Kelby late on Tuesday, sending a
column of black smoke over the river valley. Firefighters from four stations fought the blaze for
nine hours before bringing it under control shortly after dawn. Chief fire officer Maria Lund said
nobody was inside the building when the alarm sounded, and no injuries were reported.
Residents of the nearby Holm estate were told to keep their windows closed overnight. The council
opened the sports hall on Mill Road for families who preferred to leave their homes. By morning
most had returned. The cause of the fire is not yet known. Investigators will begin examining the
site once the structure is judged safe, which Lund said could take several days. The warehouse
employed about sixty people, most of them on night shifts. Owner Peter Brandt said he was
devastated and promised that every worker would be paid while the company decides whether to
rebuild on the same site or move to the industrial park near the motorway."""

POST = """Kelby blaze: questions over warehouse safety checks
Questions are mounting over safety inspections at the Brandt warehouse in Kelby, which burned for
most of Tuesday night. Documents seen by this newspaper show the building's sprinkler system failed
an inspection in March and had not been retested. A union representative for the sixty staff said
workers had complained about blocked fire exits for months. The company has not answered requests
for comment. Maria Lund, who led the firefighting operation, declined to speculate about the cause
but confirmed that investigators would look at the sprinklers. Kelby's mayor, Ines Okoro, called for
an independent review of inspections at every large storage site in the district. Several local
councillors backed the call on Wednesday. Environmental officers are also testing water from the
river after firefighters used large volumes of foam. Early results are expected by the end of the
week, and anglers have been asked to stay away from the lower stretch until then."""

WIRE = """Smoke, sirens and a sleepless night in Kelby
For the people of the Holm estate, Tuesday night was long. Sirens woke them a little before
midnight, and by one o'clock the sky over the Brandt warehouse glowed orange. Some families packed
cars and drove to relatives; others walked to the sports hall on Mill Road, where volunteers handed
out blankets and tea. A retired teacher said she had watched the flames from her kitchen and
thought the whole street might go. Firefighters worked through the night, and the smoke drifted
across the valley until the morning wind pushed it east. The warehouse, a landmark on the road
into town for thirty years, is now a blackened shell. Workers gathered at the gates on Wednesday,
unsure whether they still had jobs. Peter Brandt walked among them, shaking hands, and told them
they would be paid. Nobody could say yet what had started the fire."""

OTHER = """Kelby library reopens after two-year renovation
The central library in Kelby reopened on Saturday after a renovation that took two years and cost
more than the council first planned. The building now has a children's floor, a repair cafe and a
small recording studio that residents can book for free. Librarian Tomas Greve said visitor numbers
on the first day were the highest he could remember. The council said the extra costs came from
repairs to the roof, which turned out to be in worse condition than surveys had suggested. Opening
hours have been extended to eight in the evening on weekdays, and the library will open on Sunday
afternoons for the first time. A local author read from her new novel to a crowded hall, and the
mayor, Ines Okoro, cut a ribbon made from old catalogue cards."""

SAME_SUBJECT = {"courier": COURIER, "post": POST, "wire": WIRE, "other": OTHER}

# a light rewording: a few words swapped for near-synonyms, as a copy desk might
SYNONYMS = {
    "fire": "blaze",
    "tore": "ripped",
    "late": "early",
    "column": "plume",
    "fought": "battled",
    "nobody": "no one",
    "told": "advised",
    "keep": "leave",
    "preferred": "chose",
    "most": "many",
    "known": "clear",
    "begin": "start",
    "judged": "declared",
    "employed": "had",
    "promised": "pledged",
    "questions": "doubts",
    "failed": "flunked",
    "complained": "warned",
    "called": "pressed",
    "woke": "roused",
    "handed": "gave",
    "watched": "seen",
    "worked": "toiled",
    "unsure": "uncertain",
}


def reheaded(text: str, headline: str) -> str:
    """Replace the first line (the headline)."""
    return headline + "\n" + text.split("\n", 1)[1]


def trimmed(text: str, share: float = 0.15) -> str:
    """Drop the last sentences until about ``share`` of the words are gone."""
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    total = len(text.split())
    while sentences and len(" ".join(sentences).split()) > total * (1 - share):
        sentences.pop()
    return " ".join(sentences)


def reworded(text: str, every: int = 1) -> str:
    """Swap words for near-synonyms (every ``every``-th one found in SYNONYMS)."""
    seen = 0

    def swap(match: re.Match[str]) -> str:
        nonlocal seen
        word = match.group(0)
        replacement = SYNONYMS.get(word.lower())
        if replacement is None:
            return word
        seen += 1
        return replacement if seen % every == 0 else word

    return re.sub(r"[A-Za-z]+", swap, text)
