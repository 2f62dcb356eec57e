"""SemEval-2020 Task 11 (PTC) metrics, implemented from the task definition (the file formats
are read and written by :mod:`unspin.datasets.ptc`).

- SI (span identification): precision and recall with partial credit for character overlap
  (Da San Martino et al., EMNLP 2019). For each article, every predicted span ``s`` and gold span
  ``t`` contribute ``|s ∩ t| / |s|`` to precision and ``|s ∩ t| / |t|`` to recall; the sums over
  all articles are divided by the number of predicted and gold spans. Overlapping predicted spans
  of an article are merged first, as the official scorer does.
- TC (technique classification): one label per template span; micro-F1 over all spans and F1 per
  technique. A span listed several times (several gold techniques) is matched best-first: the
  number of correct labels on a span is the size of the multiset intersection.
  When a template lists one span k times, the span has k gold techniques: by default
  (``repeats="ranked"``) its k lines get the span's k most probable techniques, best first, as
  the SemEval-2020 systems did; ``repeats="same"`` repeats the single best technique.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unspin.datasets.ptc import SISpan, TCSpan, read_articles, read_si, read_tc, write_si, write_tc
from unspin.errors import InvalidInput

__all__ = [
    "SIScores",
    "TCScores",
    "merge_spans",
    "score_si",
    "score_tc",
    "PtcReport",
    "evaluate_ptc",
    "rank_repeats",
]


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge overlapping ``[start, end)`` ranges (touching ranges stay apart); drop empty ones."""
    merged: list[list[int]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


@dataclass(frozen=True)
class SIScores:
    precision: float
    recall: float
    f1: float
    predicted: int
    gold: int


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def score_si(
    predicted: Sequence[SISpan], gold: Sequence[SISpan], *, articles: Iterable[str] | None = None
) -> SIScores:
    """Score span identification with partial-overlap credit.

    Args:
        predicted: predicted spans (overlapping ones of an article are merged first).
        gold: gold spans.
        articles: score only these article ids (default: every article in ``gold``).

    Returns:
        Precision, recall and F1 (0.0 where a denominator is 0), and the span counts.
    """
    keep = set(articles) if articles is not None else {s.article_id for s in gold}
    pred_by: dict[str, list[tuple[int, int]]] = defaultdict(list)
    gold_by: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for s in predicted:
        if s.article_id in keep:
            pred_by[s.article_id].append((s.start, s.end))
    for s in gold:
        if s.article_id in keep and s.end > s.start:
            gold_by[s.article_id].append((s.start, s.end))
    precision_sum = recall_sum = 0.0
    n_pred = n_gold = 0
    for article_id in keep:
        preds = merge_spans(pred_by.get(article_id, []))
        golds = gold_by.get(article_id, [])
        n_pred += len(preds)
        n_gold += len(golds)
        for p_start, p_end in preds:
            for g_start, g_end in golds:
                overlap = min(p_end, g_end) - max(p_start, g_start)
                if overlap > 0:
                    precision_sum += overlap / (p_end - p_start)
                    recall_sum += overlap / (g_end - g_start)
    precision = precision_sum / n_pred if n_pred else 0.0
    recall = recall_sum / n_gold if n_gold else 0.0
    return SIScores(precision, recall, _f1(precision, recall), n_pred, n_gold)


@dataclass(frozen=True)
class TCScores:
    micro_f1: float
    precision: float
    recall: float
    per_technique: dict[str, float] = field(default_factory=dict)
    support: dict[str, int] = field(default_factory=dict)


def score_tc(predicted: Sequence[TCSpan], gold: Sequence[TCSpan]) -> TCScores:
    """Score technique classification: micro-F1 and per-technique F1.

    A predicted label counts as correct when the same article span carries that technique in the
    gold file; a span listed several times is matched best-first (multiset intersection).
    """
    gold_by: dict[tuple[str, int, int], Counter[str]] = defaultdict(Counter)
    pred_by: dict[tuple[str, int, int], Counter[str]] = defaultdict(Counter)
    for s in gold:
        gold_by[(s.article_id, s.start, s.end)][s.technique] += 1
    for s in predicted:
        pred_by[(s.article_id, s.start, s.end)][s.technique] += 1
    correct: Counter[str] = Counter()
    for key, labels in pred_by.items():
        correct.update(labels & gold_by.get(key, Counter()))
    gold_count: Counter[str] = Counter(s.technique for s in gold)
    pred_count: Counter[str] = Counter(s.technique for s in predicted)
    total_correct = sum(correct.values())
    precision = total_correct / len(predicted) if predicted else 0.0
    recall = total_correct / len(gold) if gold else 0.0
    per_technique: dict[str, float] = {}
    for technique in sorted(set(gold_count) | set(pred_count)):
        p = correct[technique] / pred_count[technique] if pred_count[technique] else 0.0
        r = correct[technique] / gold_count[technique] if gold_count[technique] else 0.0
        per_technique[technique] = _f1(p, r)
    return TCScores(
        micro_f1=_f1(precision, recall),
        precision=precision,
        recall=recall,
        per_technique=per_technique,
        support=dict(gold_count),
    )


@dataclass(frozen=True)
class PtcReport:
    """What ``evaluate_ptc`` wrote and scored."""

    articles: int
    si_path: Path
    tc_path: Path | None
    si: SIScores | None
    tc: TCScores | None

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        out = [f"articles: {self.articles}", f"wrote {self.si_path}"]
        if self.tc_path is not None:
            out.append(f"wrote {self.tc_path}")
        if self.si is not None:
            out.append(
                f"SI  precision {self.si.precision:.4f}  recall {self.si.recall:.4f}  "
                f"F1 {self.si.f1:.4f}  ({self.si.predicted} predicted, {self.si.gold} gold spans)"
            )
        if self.tc is not None:
            out.append(f"TC  micro-F1 {self.tc.micro_f1:.4f}")
            for technique, f1 in sorted(self.tc.per_technique.items()):
                out.append(
                    f"    {technique:<38} F1 {f1:.4f}  (gold {self.tc.support.get(technique, 0)})"
                )
        return out


REPEATS = ("ranked", "same")


def rank_repeats(
    keys: Sequence[tuple[int, int]],
    distributions: Sequence[dict[str, float]],
    *,
    repeats: str = "ranked",
) -> list[str]:
    """The technique for each template line of one article.

    Args:
        keys: the ``(start, end)`` of each line, in template order; equal keys are one span
            listed several times.
        distributions: for each line, the probability of every technique (equal keys carry
            equal distributions).
        repeats: ``"ranked"``: the n-th line of a span gets its n-th most probable technique
            (cycling if a span is listed more often than there are techniques); ``"same"``:
            every line gets the most probable one.

    Returns:
        One technique per line.

    Raises:
        InvalidInput: ``repeats`` is not one of ``ranked``, ``same``, or the lengths differ.

    Example:
        >>> rank_repeats([(0, 5), (0, 5)], [{"Doubt": 0.7, "Slogans": 0.3}] * 2)
        ['Doubt', 'Slogans']
    """
    if repeats not in REPEATS:
        raise InvalidInput(f"repeats must be one of {', '.join(REPEATS)}, not {repeats!r}")
    if len(keys) != len(distributions):
        raise InvalidInput(f"{len(keys)} spans but {len(distributions)} distributions")
    seen: Counter[tuple[int, int]] = Counter()
    out = []
    for key, probs in zip(keys, distributions, strict=True):
        order = sorted(probs, key=lambda t: (-probs[t], t))
        rank = seen[key] if repeats == "ranked" else 0
        seen[key] += 1
        out.append(order[rank % len(order)])
    return out


def evaluate_ptc(
    articles: str | Path,
    *,
    out: str | Path,
    si_gold: str | Path | None = None,
    tc_gold: str | Path | None = None,
    tc_template: str | Path | None = None,
    ids: Iterable[str] | None = None,
    model_dir: str | Path | None = None,
    repeats: str = "ranked",
    detector: Any = None,
) -> PtcReport:
    """Run the ``persuasion`` detector over PTC articles, write si.txt / tc.txt and score them.

    Args:
        articles: folder of ``article<ID>.txt`` files.
        out: folder to write ``si.txt`` (and ``tc.txt``) into.
        si_gold: SI gold file to score against.
        tc_gold: TC gold file; without ``tc_template`` its spans are the ones to classify.
        tc_template: TC template (``?`` techniques) whose spans are classified.
        ids: only these article ids (a validation split).
        model_dir: a model folder other than the shipped one.
        repeats: how a span the template lists several times is labelled (see
            :func:`rank_repeats`).
        detector: a persuasion detector to run instead of creating one (with ``detect`` and
            ``classify_spans``; the staged training recipe passes its own).

    Returns:
        Paths written and the scores where gold was given.

    Raises:
        SourceError, InvalidInput: an input file is missing or malformed.
        ModelError: the model is missing.

    Example:
        >>> evaluate_ptc("ptc/train-articles", si_gold="ptc/train-task-si.labels",
        ...              ids=read_ids("runs/val-ids.txt"), out="runs/eval")  # doctest: +SKIP
    """
    from unspin.detectors import registry
    from unspin.document import Document

    if repeats not in REPEATS:
        raise InvalidInput(f"repeats must be one of {', '.join(REPEATS)}, not {repeats!r}")
    texts = read_articles(articles, ids)
    keep = set(texts)
    structure = registry.create("structure")
    if detector is None:
        options = {"directory": model_dir} if model_dir is not None else {}
        detector = registry.create("persuasion", **options)
    tc_gold_spans = [s for s in read_tc(tc_gold) if s.article_id in keep] if tc_gold else None
    template: list[TCSpan] | None = None
    if tc_template is not None:
        template = [s for s in read_tc(tc_template) if s.article_id in keep]
    elif tc_gold_spans is not None:
        template = [TCSpan(s.article_id, s.start, s.end, "?") for s in tc_gold_spans]
    by_article: dict[str, list[int]] = defaultdict(list)
    for index, span in enumerate(template or []):
        by_article[span.article_id].append(index)
    si_pred: list[SISpan] = []
    tc_pred: list[TCSpan | None] = [None] * len(template or [])
    for article_id, text in texts.items():
        doc = Document(text, id=article_id)
        layers = structure.detect(doc)
        doc = doc.with_layers(layers if isinstance(layers, list) else [layers])
        layer = detector.detect(doc)
        assert not isinstance(layer, list)
        for start, end in merge_spans((s.start, s.end) for s in layer.spans):
            si_pred.append(SISpan(article_id, start, end))
        rows = by_article.get(article_id, [])
        if rows and template is not None:
            keys = [(template[i].start, template[i].end) for i in rows]
            unique = list(dict.fromkeys(keys))
            labels = detector.classify_spans(doc, unique)  # type: ignore[attr-defined]
            found = {key: label.probabilities for key, label in zip(unique, labels, strict=True)}
            names = rank_repeats(keys, [found[key] for key in keys], repeats=repeats)
            for i, name in zip(rows, names, strict=True):
                tc_pred[i] = TCSpan(article_id, template[i].start, template[i].end, name)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    si_path = folder / "si.txt"
    write_si(si_path, si_pred)
    tc_path = None
    predicted_tc = [s for s in tc_pred if s is not None]
    if template is not None:
        tc_path = folder / "tc.txt"
        write_tc(tc_path, predicted_tc)
    si_scores = score_si(si_pred, read_si(si_gold), articles=keep) if si_gold else None
    tc_scores = score_tc(predicted_tc, tc_gold_spans) if tc_gold_spans is not None else None
    return PtcReport(len(texts), si_path, tc_path, si_scores, tc_scores)
