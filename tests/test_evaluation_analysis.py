"""Official metrics of the analysis benchmarks, on hand-made cases."""

from __future__ import annotations

import pytest

from unspin.datasets.conll import iob1_to_bio
from unspin.evaluation.claims import best_threshold, f1_yes
from unspin.evaluation.conll import bio_chunks, entity_f1, span_f1
from unspin.evaluation.stance import macro_f1


def test_f1_yes_counts_only_the_yes_class() -> None:
    # tp=2, fp=1, fn=1 -> p=2/3, r=2/3
    assert f1_yes([1, 1, 1, 0, 0], [1, 1, 0, 1, 0]) == pytest.approx(2 / 3)


def test_f1_yes_is_zero_without_true_positives() -> None:
    assert f1_yes([1, 0], [0, 1]) == 0.0


def test_f1_yes_rejects_different_lengths() -> None:
    with pytest.raises(ValueError):
        f1_yes([1], [1, 0])


def test_best_threshold_separates_scores() -> None:
    assert best_threshold([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.9]) == 0.6


def test_bio_chunks_start_a_chunk_at_a_stray_inside_tag() -> None:
    assert bio_chunks(["O", "I-PER", "I-PER", "B-PER", "I-LOC"]) == [
        (1, 3, "PER"),
        (3, 4, "PER"),
        (4, 5, "LOC"),
    ]


def test_entity_f1_needs_exact_span_and_type() -> None:
    gold = [["B-PER", "I-PER", "O", "B-LOC"]]
    predicted = [["B-PER", "O", "O", "B-LOC"]]
    result = entity_f1(gold, predicted)
    assert (result["correct"], result["precision"], result["recall"]) == (1, 0.5, 0.5)


def test_span_f1_matches_character_spans() -> None:
    result = span_f1({("d", 0, 4, "PER"), ("d", 9, 12, "ORG")}, {("d", 0, 4, "PER")})
    assert result["f1"] == pytest.approx(2 / 3)


def test_iob1_to_bio_marks_entity_starts() -> None:
    assert iob1_to_bio(["I-ORG", "I-ORG", "O", "I-PER", "B-PER", "I-MISC"]) == [
        "B-ORG",
        "I-ORG",
        "O",
        "B-PER",
        "B-PER",
        "B-MISC",
    ]


def test_macro_f1_averages_labels_equally() -> None:
    gold = ["neg", "neg", "neu", "pos"]
    predicted = ["neg", "neu", "neu", "neu"]
    # neg: 2/3, neu: 2*1/(2+2)=0.5, pos: 0
    assert macro_f1(gold, predicted, labels=["neg", "neu", "pos"]) == pytest.approx(
        (2 / 3 + 0.5) / 3
    )


def test_conll_rows_keep_gold_offsets_in_document_lines(tmp_path) -> None:
    import json

    from unspin.datasets.conll import NerSentence
    from unspin.evaluation.analysis_bench import conll_rows

    sentences = [
        NerSentence(0, ("Mara", "Vell", "spoke", "."), ("B-PER", "I-PER", "O", "O")),
        NerSentence(0, ("In", "Osterby", "."), ("O", "B-LOC", "O")),
        NerSentence(1, ("Kestrel", "Ltd", "won"), ("B-ORG", "I-ORG", "O")),
    ]
    for unit, lines in (("document", 2), ("sentence", 3)):
        path, gold = conll_rows(sentences, "t", tmp_path / f"{unit}.jsonl", unit=unit)
        rows = {r["id"]: r["text"] for r in map(json.loads, path.read_text().splitlines())}
        assert len(rows) == lines
        found = sorted((rows[key][s:e], kind) for key, s, e, kind in gold)
        assert found == [("Kestrel Ltd", "ORG"), ("Mara Vell", "PER"), ("Osterby", "LOC")]
    assert rows["t-1"] == "In Osterby ."
    path, _gold = conll_rows(sentences, "t", tmp_path / "doc.jsonl")
    assert json.loads(path.read_text().splitlines()[0])["text"] == "Mara Vell spoke .\nIn Osterby ."
    with pytest.raises(ValueError, match="unit"):
        conll_rows(sentences, "t", tmp_path / "x.jsonl", unit="page")


def test_convert_writes_the_carved_stance_validation(tmp_path) -> None:
    import json

    from unspin.datasets.newsmtsc import read_newsmtsc, split_newsmtsc
    from unspin.evaluation.analysis_bench import convert

    data = tmp_path / "data"
    (data / "checkthat2024-task1-en").mkdir(parents=True)
    (data / "checkthat2024-task1-en" / "CT24_checkworthy_english_dev-test.tsv").write_text(
        "Sentence_id\tText\tclass_label\n1\tThe toll rose to 40.\tYes\n"
    )
    (data / "conll2003-en").mkdir()
    conll = "-DOCSTART- -X- O O\n\nVale NNP I-NP I-PER\nspoke VBD I-VP O\n\n"
    for name in ("eng.testa", "eng.train"):
        (data / "conll2003-en" / name).write_text(conll * 10)
    (data / "newsmtsc").mkdir()

    def line(gid: str, text: str, targets: list[tuple[int, int, float]]) -> str:
        rows = [{"from": s, "to": e, "polarity": p} for s, e, p in targets]
        return json.dumps({"primary_gid": gid, "sentence_normalized": text, "targets": rows})

    lines = [
        line(f"allsides_{n}_1_0_x", "Vale praised Okafor.", [(0, 4, 6.0), (13, 19, 4.0)])
        for n in range(60)
    ]
    for name in ("train.jsonl", "dev-mt.jsonl", "dev-rw.jsonl"):
        (data / "newsmtsc" / name).write_text("\n".join(lines) + "\n")
    _train, carved = split_newsmtsc(read_newsmtsc(data / "newsmtsc" / "train.jsonl"))
    assert 0 < len(carved) < 60

    splits = convert(data, tmp_path / "work")
    path, gold = splits["newsmtsc-val"]
    written = [json.loads(row) for row in path.read_text().splitlines()]
    assert len(written) == len(carved)
    assert written[0]["targets"] == [{"start": 0, "end": 4}, {"start": 13, "end": 19}]
    assert len(gold) == 2 * len(carved)
    assert {label for _key, _s, _e, label in gold} == {"positive", "neutral"}
    assert len(splits["newsmtsc-val-mt"][1]) == len(gold)
