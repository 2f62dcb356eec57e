"""CI smoke of the analysis model: tiny data and a tiny random encoder, train, export, infer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch", reason="needs the 'train' extra (torch)")
pytest.importorskip("transformers", reason="needs the 'train' extra (transformers)")
pytest.importorskip("onnx", reason="needs the 'train' extra (onnx)")

WORDS = [
    "the",
    "minister",
    "said",
    "that",
    "taxes",
    "rose",
    "by",
    "percent",
    "in",
    "and",
    "mara",
    "vale",
    "went",
    "to",
    "oslo",
    "lisbon",
    "bank",
    "of",
    "north",
    "critics",
    "praised",
    "hated",
    "her",
    "plan",
    ".",
    ",",
    "thank",
    "you",
    "all",
]


def _tiny_base(folder: Path) -> Path:
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece
    from transformers import BertConfig, BertModel

    vocab = {
        tok: i
        for i, tok in enumerate(
            [
                "[PAD]",
                "[UNK]",
                "[CLS]",
                "[SEP]",
                "[MASK]",
                "[unused1]",
                "[unused2]",
                *dict.fromkeys(WORDS),
                "1",
                "2",
                "3",
                "##0",
                "[unused3]",
                "[unused4]",
            ]
        )
    }
    tok = Tokenizer(WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    folder.mkdir(parents=True)
    tok.save(str(folder / "tokenizer.json"))
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(str(folder))
    return folder


def _tiny_data(folder: Path) -> Path:
    ct = folder / "checkthat2024-task1-en"
    ct.mkdir(parents=True)
    rows = [
        "Sentence_id\tText\tclass_label",
        "1\ttaxes rose by 3 percent\tYes",
        "2\tthank you all\tNo",
        "3\tthe bank of north rose by 20 percent\tYes",
        "4\tthank you\tNo",
    ]
    for name in ("train", "dev"):
        (ct / f"CT24_checkworthy_english_{name}.tsv").write_text("\n".join(rows) + "\n")
    conll = folder / "conll2003-en"
    conll.mkdir()
    lines = []
    for _ in range(10):
        lines += [
            "-DOCSTART- -X- O O",
            "",
            "Mara NNP I-NP I-PER",
            "Vale NNP I-NP I-PER",
            "went VBD I-VP O",
            "to TO I-PP O",
            "Oslo NNP I-NP I-LOC",
            ". . O O",
            "",
        ]
    (conll / "eng.train").write_text("\n".join(lines))
    news = folder / "newsmtsc"
    news.mkdir()
    records = [
        {
            "primary_gid": f"allsides_{i}_1_1_x",
            "sentence_normalized": text,
            "targets": [{"from": 0, "to": 9, "polarity": polarity}],
        }
        for i, (text, polarity) in enumerate(
            [
                ("Mara Vale praised her plan", 6.0),
                ("Mara Vale hated her plan", 2.0),
                ("Mara Vale went to Oslo", 4.0),
            ]
            * 4
        )
    ]
    (news / "train.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return folder


def _args(command: str, argv: list[str]):  # type: ignore[no-untyped-def]
    """Parse a training command line through the one argparse tree."""
    from unspin.training.__main__ import build_parser

    return build_parser().parse_args([command, *argv])


def test_training_analysis_trains_exports_and_infers(tmp_path: Path) -> None:
    from unspin.detectors.analysis.engine import AnalysisEngine
    from unspin.detectors.structure import Structure
    from unspin.document import Document
    from unspin.models.runtime import OnnxModel
    from unspin.training.analysis import export, train

    base = _tiny_base(tmp_path / "base")
    data = _tiny_data(tmp_path / "data")
    args = _args(
        "analysis",
        [
            "--data",
            str(data),
            "--out",
            str(tmp_path / "run"),
            "--epochs",
            "1",
            "--base",
            str(base),
            "--max-rows",
            "4",
        ],
    )
    best = train(args)
    assert best.is_file()
    folder = export(best, tmp_path / "model", base=base)
    engine = AnalysisEngine(OnnxModel("analysis", directory=folder))
    doc = Document(
        "Mara Vale went to Oslo. Taxes rose by 3 percent.",
        meta={"targets": [{"start": 0, "end": 9}]},
    )
    doc = doc.with_layers(Structure().detect(doc))
    segments = engine.analyze(doc)
    assert [len(s.embedding) for s in segments] == [32, 32]
    assert list(segments[0].targets) == [(0, 9)]


def test_training_stance_trains_resumes_exports_and_infers(tmp_path: Path) -> None:
    from unspin.detectors.analysis.stance import StanceModel
    from unspin.detectors.structure import Structure
    from unspin.document import Document
    from unspin.models.runtime import OnnxModel
    from unspin.training.stance import export, train

    base = _tiny_base(tmp_path / "base")
    data = _tiny_data(tmp_path / "data")
    argv = ["--data", str(data), "--out", str(tmp_path / "run"), "--base", str(base)]
    argv += ["--batch", "4", "--threads", "1", "--contrast", "0.5"]
    best = train(_args("stance-train", [*argv, "--epochs", "1"]))
    assert best.is_file()
    train(_args("stance-train", [*argv, "--epochs", "2"]))  # resumes from last.pt
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    epochs = [r["epoch"] for r in log if r.get("event") == "epoch"]
    assert epochs == [1, 2]
    starts = [r["step"] for r in log if r.get("event") == "start"]
    assert starts[0] == 0 and starts[1] > 0
    folder = export(best, tmp_path / "model", base=base)
    model = StanceModel(OnnxModel("stance", directory=folder))
    doc = Document("Mara Vale went to Oslo. Critics hated her plan.")
    doc = doc.with_layers(Structure().detect(doc))
    probs = model.score(doc, [(0, 9), (18, 22), (24, 31)])
    assert [p.shape for p in probs] == [(3,)] * 3
    assert all(abs(float(p.sum()) - 1.0) < 1e-4 for p in probs)
    assert not model.mark_others  # trained without --mark-others: each target read alone


def test_training_stance_with_marked_others_exports_a_model_that_marks_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import unspin.detectors.analysis.stance
    import unspin.models.features
    from unspin.detectors.analysis.stance import StanceModel
    from unspin.detectors.structure import Structure
    from unspin.document import Document
    from unspin.models.runtime import OnnxModel
    from unspin.training.stance import export, train

    base = _tiny_base(tmp_path / "base")
    data = _tiny_data(tmp_path / "data")
    argv = ["--data", str(data), "--out", str(tmp_path / "run"), "--base", str(base)]
    argv += ["--batch", "4", "--threads", "1", "--epochs", "1"]
    argv += ["--mark-others", "--mixed-repeats", "2"]
    best = train(_args("stance-train", argv))
    folder = export(best, tmp_path / "model", base=base, mark_others=True)
    model = StanceModel(OnnxModel("stance", directory=folder))
    assert model.mark_others
    assert model.model.config["markers"][2:] == ["[unused3]", "[unused4]"]
    doc = Document("Mara Vale went to Oslo. Critics hated her plan.")
    doc = doc.with_layers(Structure().detect(doc))
    seen: list[tuple[str, list[tuple[int, int]]]] = []
    mark = unspin.models.features.mark_target

    def spy(tok, text, start, end, *args, others=(), **kwargs):  # type: ignore[no-untyped-def]
        seen.append((text[start:end], list(others)))
        return mark(tok, text, start, end, *args, others=others, **kwargs)

    monkeypatch.setattr(unspin.detectors.analysis.stance, "mark_target", spy)
    probs = model.score(doc, [(0, 9), (18, 22), (24, 31)])
    assert [p.shape for p in probs] == [(3,)] * 3
    # Oslo, in the same sentence, is Mara Vale's other target and she is Oslo's; "Critics", in the
    # next sentence, has none
    assert seen == [("Mara Vale", [(18, 22)]), ("Oslo", [(0, 9)]), ("Critics", [])]
    row = mark(model.model.tokenizer, doc.text[:23], 0, 9, others=[(18, 22)])
    assert row is not None and model.model.tokenizer.token_to_id("[unused3]") in row.ids


def test_contrast_examples_join_sentences_whose_targets_disagree() -> None:
    from unspin.datasets.newsmtsc import StanceExample
    from unspin.training.stance import contrast_examples

    examples = [
        StanceExample(f"a{i}", f"Name{i} did thing {i}.", ((0, len(f"Name{i}"), i % 3),))
        for i in range(30)
    ]
    extra = contrast_examples(examples, 0.5, seed=3)
    assert len(extra) == 15
    assert extra == contrast_examples(examples, 0.5, seed=3)
    assert contrast_examples(examples, 0.0, seed=3) == []
    for row in extra:
        first, second = row.targets
        assert first[2] != second[2]
        for start, end, _label in row.targets:
            assert row.text[start:end].startswith("Name")
        assert row.text.count(".") == 2


def test_swap_names_replaces_every_target_and_keeps_its_label() -> None:
    from unspin.datasets.newsmtsc import StanceExample
    from unspin.training.stance import swap_names

    names = ["Mara Vale", "Ilsa Okafor", "the council", "Tomas Reed"]
    examples = []
    for i in range(20):
        first, second = names[i % 4], names[(i + 1) % 4]
        text = f"{first} praised {second} in Oslo."
        targets = ((0, len(first), i % 3), (len(first) + 9, len(first) + 9 + len(second), 1))
        examples.append(StanceExample(f"s{i}", text, targets))
    oslo = examples[0].text.index("Oslo")
    soft = {"s0": [(oslo, oslo + 4, (0.2, 0.5, 0.3))]}
    # a sentence whose targets overlap is skipped
    examples.append(StanceExample("bad", "Mara Vale spoke.", ((0, 9, 0), (5, 9, 1))))
    pool = [*names, "Vale"]  # the skipped sentence's mentions are drawn too
    extra, extra_soft = swap_names(examples, soft, 1.0, seed=5)
    assert (extra, extra_soft) == swap_names(examples, soft, 1.0, seed=5)
    assert swap_names(examples, soft, 0.0, seed=5) == ([], {})
    assert len(extra) == 20 and "bad+swap" not in {e.id for e in extra}
    originals = {e.id: e for e in examples}
    for row in extra:
        source = originals[row.id.removesuffix("+swap")]
        assert [y for _s, _e, y in row.targets] == [y for _s, _e, y in source.targets]
        for (s, e, _y), (os_, oe, _oy) in zip(row.targets, source.targets, strict=True):
            assert row.text[s:e] in pool and row.text[s:e] != source.text[os_:oe]
        assert " praised " in row.text
    ((start, end, dist),) = extra_soft["s0+swap"]
    swapped = next(e for e in extra if e.id == "s0+swap")
    assert swapped.text[start:end] in pool and dist == (0.2, 0.5, 0.3)
    assert swapped.text.endswith(f"{swapped.text[start:end]}.")


def test_mark_target_puts_markers_around_the_target_and_keeps_it_when_cut(tmp_path: Path) -> None:
    from tokenizers import Tokenizer

    from unspin.models.features import mark_target

    tok = Tokenizer.from_file(str(_tiny_base(tmp_path / "base") / "tokenizer.json"))
    tok.no_padding()
    text = "the minister said that taxes rose"
    row = mark_target(tok, text, text.index("taxes"), text.index("taxes") + 5)
    assert row is not None
    pieces = [tok.id_to_token(i) for i in row.ids]
    assert pieces == [
        "[CLS]",
        "the",
        "minister",
        "said",
        "that",
        "[unused1]",
        "taxes",
        "[unused2]",
        "rose",
        "[SEP]",
    ]
    assert row.start == 5 and row.target == [6]
    long = " ".join(["the"] * 300) + " taxes " + " ".join(["rose"] * 300)
    at = long.index("taxes")
    cut = mark_target(tok, long, at, at + 5, max_length=32)
    assert cut is not None and len(cut.ids) == 32
    assert tok.id_to_token(cut.ids[cut.start]) == "[unused1]"
    assert [tok.id_to_token(cut.ids[i]) for i in cut.target] == ["taxes"]
    assert mark_target(tok, "the minister", 3, 3) is None


def test_mark_target_marks_the_other_targets_and_skips_overlapping_ones(tmp_path: Path) -> None:
    from tokenizers import Tokenizer

    from unspin.models.features import mark_target

    tok = Tokenizer.from_file(str(_tiny_base(tmp_path / "base") / "tokenizer.json"))
    tok.no_padding()
    text = "the minister said that taxes rose"
    at = text.index("taxes")
    others = [(0, 12), (at + 1, at + 3), (4, 12), (18, 22)]  # "the minister", in the target,
    # inside "the minister", "that"
    row = mark_target(tok, text, at, at + 5, others=others)
    assert row is not None
    pieces = [tok.id_to_token(i) for i in row.ids]
    assert " ".join(pieces) == (
        "[CLS] [unused3] the minister [unused4] said [unused3] that [unused4]"
        " [unused1] taxes [unused2] rose [SEP]"
    )
    assert row.start == 9 and [pieces[i] for i in row.target] == ["taxes"]
    # no others: exactly the single-target row
    assert mark_target(tok, text, at, at + 5, others=[]) == mark_target(tok, text, at, at + 5)


def test_soft_rows_mark_gold_and_soft_targets_as_each_others_others() -> None:
    from unspin.datasets.newsmtsc import StanceExample
    from unspin.training.common import base_model_path
    from unspin.training.stance import _tokenizer, soft_rows

    tok = _tokenizer(base_model_path())
    examples = [StanceExample("s1", "Mara Vale went to Oslo", ((0, 9, 2),))]
    soft = {"s1": [(18, 22, (0.1, 0.7, 0.2))]}
    pairs, dists = soft_rows(tok, examples, soft, others=True)
    assert dists == [(0.0, 0.0, 1.0), (0.1, 0.7, 0.2)]
    assert [p.label for p in pairs] == [2, 1]  # the soft row's label is its most probable class
    other = tok.token_to_id("[unused3]")
    assert all(other in p.ids for p in pairs)
    plain, _ = soft_rows(tok, examples, {}, others=True)
    assert len(plain) == 1 and other not in plain[0].ids  # no other target, nothing marked


def _marked_teacher(tmp_path: Path) -> tuple[Path, Path, list[str], Path]:
    """A tiny base, tiny data, the trainer's common arguments and a --mark-others teacher."""
    from unspin.training.stance import train

    base = _tiny_base(tmp_path / "base")
    data = _tiny_data(tmp_path / "data")
    argv = ["--data", str(data), "--base", str(base), "--threads", "1"]
    teacher = train(
        _args(
            "stance-train",
            [*argv, "--out", str(tmp_path / "t"), "--batch", "4", "--epochs", "1", "--mark-others"],
        )
    )
    return base, data, argv, teacher


def _student_rows(tmp_path: Path, argv: list[str], soft: Path) -> int:
    """Train a --mark-others student on ``soft``; return the rows it trained on."""
    from unspin.training.stance import train

    student = train(
        _args(
            "stance-train",
            [*argv, "--out", str(tmp_path / "s"), "--batch", "4", "--epochs", "1"]
            + ["--mark-others", "--soft", str(soft)],
        )
    )
    assert student.is_file()
    first = (tmp_path / "s" / "log.jsonl").read_text().splitlines()[0]
    return int(json.loads(first)["train"])


def test_stance_teach_labels_untargeted_mentions_and_trains_a_student(tmp_path: Path) -> None:
    from unspin.datasets.newsmtsc import read_newsmtsc, split_newsmtsc
    from unspin.training.stance import read_soft, teach, train

    base, data, argv, teacher = _marked_teacher(tmp_path)
    out = teach(
        _args(
            "stance-teach",
            [*argv, "--teachers", str(teacher), str(teacher), "--out", str(tmp_path / "soft.jsonl")]
            + ["--mark-others"],
        )
    )
    soft = read_soft(out)
    train_ex, valid_ex = split_newsmtsc(read_newsmtsc(data / "newsmtsc" / "train.jsonl"))
    texts = {e.id: e.text for e in train_ex}
    assert soft and set(soft) <= set(texts)  # training sentences only, never the validation's
    for sid, targets in soft.items():
        for start, end, probs in targets:
            assert texts[sid][start:end] == "Oslo"  # the untargeted mention, not "Mara Vale"
            assert abs(sum(probs) - 1.0) < 1e-3
    student_rows = _student_rows(tmp_path, argv, out)
    gold_rows = sum(len(e.targets) for e in train_ex)
    assert student_rows == gold_rows + sum(len(t) for t in soft.values())
    # soft targets for a carved validation sentence are refused (allsides_18 is held out)
    assert "allsides_18_1_1_x" in {e.id for e in split_newsmtsc([*train_ex, _held_example()])[1]}
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "allsides_18_1_1_x", "targets": []}) + "\n")
    news = data / "newsmtsc" / "train.jsonl"
    record = {"primary_gid": "allsides_18_1_1_x", "sentence_normalized": "Mara Vale slept"}
    record["targets"] = [{"from": 0, "to": 9, "polarity": 4.0}]
    news.write_text(news.read_text() + json.dumps(record) + "\n")
    with pytest.raises(ValueError, match="validation"):
        train(
            _args(
                "stance-train",
                [*argv, "--out", str(tmp_path / "b"), "--epochs", "1", "--soft", str(bad)],
            )
        )


def _held_example():  # type: ignore[no-untyped-def]
    from unspin.datasets.newsmtsc import StanceExample

    return StanceExample("allsides_18_1_1_x", "Mara Vale slept", ((0, 9, 1),))


def test_stance_teach_labels_other_articles_with_an_exported_teacher(tmp_path: Path) -> None:
    from unspin.training.stance import export, read_soft, soft_texts, teach

    base, _data, argv, weights = _marked_teacher(tmp_path)
    folder = export(weights, tmp_path / "model", base=base, mark_others=True)
    articles = tmp_path / "articles"
    articles.mkdir()
    # one sentence names two actors, one names a single actor, one names none
    (articles / "a1.txt").write_text(
        "Mara Vale met Tomas Reed in Oslo on Monday.\n\nMara Vale slept.\n\nIt rained all day.\n",
        encoding="utf-8",
    )
    out = teach(
        _args(
            "stance-teach",
            [*argv, "--teachers", str(folder), "--out", str(tmp_path / "soft.jsonl")]
            + ["--mark-others", "--texts", str(articles)],
        )
    )
    extra = soft_texts(out)
    assert [e.text for e in extra] == ["Mara Vale met Tomas Reed in Oslo on Monday."]
    assert extra[0].id == "text:a1:0" and extra[0].targets == ()
    soft = read_soft(out)
    spans = [extra[0].text[s:e] for s, e, _p in soft["text:a1:0"]]
    assert len(spans) >= 2 and "Mara Vale" in spans
    for _s, _e, probs in soft["text:a1:0"]:
        assert abs(sum(probs) - 1.0) < 1e-3
    student_rows = _student_rows(tmp_path, argv, out)
    first = json.loads((tmp_path / "t" / "log.jsonl").read_text().splitlines()[0])
    assert student_rows == first["train"] + sum(len(t) for t in soft.values())
    # rows must be marked as the exported teacher was trained
    with pytest.raises(ValueError, match="mark_others=True"):
        teach(
            _args(
                "stance-teach",
                [*argv, "--teachers", str(folder), "--out", str(tmp_path / "y.jsonl")],
            )
        )
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ValueError, match="no .txt"):
        teach(
            _args(
                "stance-teach",
                [*argv, "--teachers", str(folder), "--out", str(tmp_path / "x.jsonl")]
                + ["--texts", str(empty)],
            )
        )


def test_training_cli_every_command_has_help() -> None:
    import argparse

    from unspin.training.__main__ import build_parser

    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    helps = {action.dest: action.help for action in sub._choices_actions}
    assert set(helps) == set(sub.choices)
    assert all(helps.values())
    assert {"analysis", "stance", "persuasion"} <= set(helps)


def test_training_analysis_command_builds_a_complete_model_folder(tmp_path: Path) -> None:
    from unspin.detectors.analysis.engine import AnalysisEngine
    from unspin.models.runtime import OnnxModel
    from unspin.training.__main__ import main

    base = _tiny_base(tmp_path / "base")
    data = _tiny_data(tmp_path / "data")
    run = tmp_path / "run"
    argv = ["analysis", "--data", str(data), "--out", str(run), "--base", str(base)]
    assert main([*argv, "--epochs", "1", "--max-rows", "4"]) == 0
    engine = AnalysisEngine(OnnxModel("analysis", directory=run / "model"))
    figures = json.loads((run / "model-figures.json").read_text())
    assert engine.threshold == round(figures["claims_threshold"], 4)


def test_training_stance_command_builds_a_complete_model_folder(tmp_path: Path) -> None:
    from unspin.detectors.analysis.stance import StanceModel
    from unspin.models.runtime import OnnxModel
    from unspin.training.__main__ import main

    base = _tiny_base(tmp_path / "base")
    data = _tiny_data(tmp_path / "data")
    run = tmp_path / "run"
    argv = ["stance", "--data", str(data), "--out", str(run), "--base", str(base)]
    assert main([*argv, "--max-steps", "2"]) == 0
    model = StanceModel(OnnxModel("stance", directory=run / "model"))
    assert model.mark_others
    assert (run / "soft.jsonl").is_file()
    assert [p.name for p in sorted(run.iterdir()) if (p / "best.pt").is_file()] == [
        "student",
        "teacher-a",
        "teacher-b",
    ]
