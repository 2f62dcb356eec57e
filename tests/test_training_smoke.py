"""Keep the training code alive: a tiny random encoder trains a few steps, exports and quantizes.

Needs the ``train`` extra (torch, transformers); CI installs it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="the train extra (torch) is not installed")
pytest.importorskip("transformers", reason="the train extra (transformers) is not installed")

DATA = Path(__file__).parent / "data" / "ptc-tiny"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from unspin.training.persuasion import TrainConfig, train

    out = tmp_path_factory.mktemp("run")
    cfg = TrainConfig(
        data=str(DATA),
        out=str(out),
        epochs=1,
        batch_size=2,
        tiny=True,
        max_steps=3,
        val_fraction=0.5,
        block_tokens=24,
        context_tokens=8,
        save_every=2,
    )
    return train(cfg)


def test_training_writes_checkpoint_and_log(run: Path) -> None:
    assert (run / "last.pt").is_file()
    assert "step 1/" in (run / "train.log").read_text()


def test_training_exports_int8_onnx_with_both_heads(run: Path) -> None:
    import onnxruntime as ort

    session = ort.InferenceSession(str(run / "export" / "model.onnx"))
    batch, length = 3, 11
    feeds = {
        "input_ids": np.full((batch, length), 2000, dtype=np.int64),
        "attention_mask": np.ones((batch, length), dtype=np.int64),
        "token_type_ids": np.zeros((batch, length), dtype=np.int64),
        "span_mask": np.zeros((batch, length), dtype=np.float32),
        "repetition": np.zeros((batch, 1), dtype=np.float32),
    }
    token_logits, span_logits, states = session.run(None, feeds)
    assert token_logits.shape == (batch, length, 15)
    assert states.shape == (batch, length, 3 * 32)  # the last three layers' states
    assert span_logits.shape == (batch, 14)


def test_training_resume_continues_from_checkpoint(run: Path) -> None:
    import torch

    from unspin.training.persuasion import TrainConfig, train

    before = torch.load(run / "last.pt", weights_only=False)["step"]
    cfg = TrainConfig(
        data=str(DATA),
        out=str(run),
        epochs=2,
        batch_size=2,
        tiny=True,
        max_steps=4,
        val_fraction=0.5,
        block_tokens=24,
        context_tokens=8,
        export=False,
    )
    train(cfg, resume=True)
    assert torch.load(run / "last.pt", weights_only=False)["step"] > before


def test_packaged_tiny_model_runs_in_the_detector(run: Path, tmp_path: Path) -> None:
    from unspin.document import Document
    from unspin.pipeline import Pipeline
    from unspin.training.package import base_config, stage
    from unspin.training.persuasion import tokenizer_file
    from unspin.training.persuasion_staged import staged_detector

    config = base_config({"block_tokens": 24, "context_tokens": 8})
    config["decode"]["threshold"] = 0.0  # an untrained model: every token is "on"
    folder = stage(run / "export" / "model.onnx", tokenizer_file(tiny=True), tmp_path, config)
    detector = staged_detector(folder)
    doc = Pipeline.from_names("structure").run(
        Document((DATA / "train-articles/article1.txt").read_text())
    )
    layer = detector.detect(doc)
    assert layer.spans and all(
        span.label in detector.model.config["labels"] for span in layer.spans
    )


def test_si_head_targets_mark_inside_begin_and_end() -> None:
    from unspin.detectors.persuasion.windows import TokenizedText
    from unspin.training.si_head import si_targets

    # five tokens of 3 characters at 0, 4, 8, 12, 16; one span over tokens 1-3
    starts = np.arange(0, 20, 4)
    tokens = TokenizedText(np.arange(5), starts, starts + 3)
    targets = si_targets(tokens, [(4, 15)])
    assert targets[:, 0].tolist() == [0, 1, 1, 1, 0]
    assert targets[:, 1].tolist() == [0, 1, 0, 0, 0]
    assert targets[:, 2].tolist() == [0, 0, 0, 1, 0]


def test_si_head_export_matches_torch(tmp_path: Path) -> None:
    import onnxruntime as ort
    import torch

    from unspin.training.si_head import HeadConfig, SIHeadNet, export_head

    torch.manual_seed(0)
    net = SIHeadNet(8, HeadConfig(hidden=6)).eval()
    export_head(net, tmp_path / "head.fp32.onnx", tmp_path / "head.onnx")
    states = np.random.default_rng(0).normal(size=(1, 30, 8)).astype(np.float32)
    logits = np.random.default_rng(1).normal(size=(1, 30, 15)).astype(np.float32)
    with torch.no_grad():
        expected = net(torch.from_numpy(states), torch.from_numpy(logits)).numpy()
    (fp32,) = ort.InferenceSession(str(tmp_path / "head.fp32.onnx")).run(
        None, {"states": states, "logits": logits}
    )
    (int8,) = ort.InferenceSession(str(tmp_path / "head.onnx")).run(
        None, {"states": states, "logits": logits}
    )
    assert fp32.shape == (1, 30, 3)
    np.testing.assert_allclose(fp32, expected, atol=1e-4)
    assert np.abs(int8 - expected).max() < 0.2


def _assert_finds_spans(detector) -> None:  # type: ignore[no-untyped-def]
    """The detector gives every token of a training article a probability, and detects."""
    from unspin.document import Document
    from unspin.pipeline import Pipeline

    doc = Pipeline.from_names("structure").run(
        Document((DATA / "train-articles/article1.txt").read_text())
    )
    tokens, probs = detector.span_probabilities(
        doc.text, [(s.start, s.end) for s in doc.layer("sentences")]
    )
    assert probs.shape == (len(tokens.ids),) and ((probs >= 0) & (probs <= 1)).all()
    detector.detect(doc)


def test_si_head_package_runs_in_the_detector(run: Path, tmp_path: Path) -> None:
    from unspin.training.package import base_config, package_si_head, stage
    from unspin.training.persuasion import tokenizer_file
    from unspin.training.persuasion_staged import staged_detector
    from unspin.training.si_head import HeadConfig

    config = base_config({"block_tokens": 24, "context_tokens": 8})
    plain = stage(run / "export" / "model.onnx", tokenizer_file(tiny=True), tmp_path / "m", config)
    target = tmp_path / "with-head"
    metrics = package_si_head(
        plain,
        DATA,
        tmp_path / "head-run",
        target,
        version="0.0.1",
        head=HeadConfig(hidden=4, epochs=1, chunk=16, heads=2),
    )
    assert 0.0 <= metrics["int8"]["si"]["f1"] <= 1.0
    manifest = (target / "manifest.json").read_text()
    assert "si_head.onnx" in manifest
    detector = staged_detector(target)
    assert detector.si_head is not None
    _assert_finds_spans(detector)


@pytest.mark.parametrize("graph", ["model.fp32.onnx", "model.onnx"])
def test_span_head_graph_labels_many_spans_as_the_model_does(
    run: Path, tmp_path: Path, graph: str
) -> None:
    import onnxruntime as ort

    from unspin.training.span_head import extract_span_head

    source = run / "export" / graph
    head = ort.InferenceSession(str(extract_span_head(source, tmp_path / "span_head.onnx")))
    model = ort.InferenceSession(str(source))
    rng = np.random.default_rng(0)
    batch, length = 3, 12
    spans = [(1, 4), (2, 3), (5, 11)]
    feeds = {
        "input_ids": rng.integers(1000, 2000, (batch, length)),
        "attention_mask": np.ones((batch, length), dtype=np.int64),
        "token_type_ids": np.zeros((batch, length), dtype=np.int64),
    }
    expected, states = [], None
    for a, b in spans:  # the model: one span per row
        span_mask = np.zeros((batch, length), dtype=np.float32)
        span_mask[:, a:b] = 1.0
        repetition = np.full((batch, 1), 0.5, dtype=np.float32)
        outputs = dict(
            zip(
                [o.name for o in model.get_outputs()],
                model.run(None, {**feeds, "span_mask": span_mask, "repetition": repetition}),
                strict=True,
            )
        )
        expected.append(outputs["span_logits"])
        states = outputs["token_states"]
    assert states is not None
    hidden = head.get_inputs()[0].shape[-1]
    span_masks = np.zeros((batch, len(spans), length), dtype=np.float32)
    for k, (a, b) in enumerate(spans):
        span_masks[:, k, a:b] = 1.0
    (logits,) = head.run(
        None,
        {
            "states": states[..., :hidden],
            "span_mask": span_masks,
            "repetition": np.full((batch, len(spans), 1), 0.5, dtype=np.float32),
        },
    )
    assert logits.shape == (batch, len(spans), 14)
    for k in range(len(spans)):
        if graph == "model.fp32.onnx":  # the same float weights: the same logits
            np.testing.assert_allclose(logits[:, k], expected[k], atol=1e-4)
        else:
            # the int8 graph quantizes its activations, the head does not; how far that moves
            # the logits depends on the CPU's int8 kernels (AVX2 without VNNI saturates), so
            # only their agreement is checked here
            assert np.corrcoef(logits[:, k].ravel(), expected[k].ravel())[0, 1] > 0.9


def test_tc_head_export_matches_torch(tmp_path: Path) -> None:
    import onnxruntime as ort
    import torch

    from unspin.training.tc_head import TCHeadConfig, export_head, train_head

    rng = np.random.default_rng(0)
    features = rng.normal(2.0, 3.0, size=(40, 10)).astype(np.float32)
    labels = rng.integers(0, 14, 40)
    net = train_head(features, labels, TCHeadConfig(hidden=6, epochs=2, batch_size=8))
    export_head(net, tmp_path / "tc_head.onnx")
    with torch.no_grad():
        expected = net(torch.from_numpy(features)).numpy()
    (logits,) = ort.InferenceSession(str(tmp_path / "tc_head.onnx")).run(
        None, {"features": features}
    )
    assert logits.shape == (40, 14)
    np.testing.assert_allclose(logits, expected, atol=1e-4)


def test_tc_head_package_names_spans_in_the_detector(run: Path, tmp_path: Path) -> None:
    import json

    from unspin.document import Document
    from unspin.pipeline import Pipeline
    from unspin.taxonomy import TECHNIQUES
    from unspin.training.package import base_config, package_tc_head, stage
    from unspin.training.persuasion import tokenizer_file
    from unspin.training.persuasion_staged import staged_detector
    from unspin.training.tc_head import TCHeadConfig

    config = base_config({"block_tokens": 24, "context_tokens": 8})
    config["decode"]["threshold"] = 0.0  # an untrained model: every token is "on"
    plain = stage(run / "export" / "model.onnx", tokenizer_file(tiny=True), tmp_path / "m", config)
    target = tmp_path / "with-tc-head"
    metrics = package_tc_head(
        plain,
        DATA,
        tmp_path / "tc-run",
        target,
        version="0.0.2",
        head=TCHeadConfig(hidden=4, epochs=2, batch_size=4),
    )
    assert 0.0 <= metrics["int8"]["tc"]["micro_f1"] <= 1.0
    assert metrics["tc_head"]["training_spans"] > 0
    manifest = json.loads((target / "manifest.json").read_text())
    assert "tc_head.onnx" in manifest["files"]
    assert manifest["config"]["tc_head"]["file"] == "tc_head.onnx"
    assert manifest["config"]["temperature"]["tc_head"] > 0
    detector = staged_detector(target)
    assert detector.tc_head is not None
    doc = Pipeline.from_names("structure").run(
        Document((DATA / "train-articles/article1.txt").read_text())
    )
    labels = detector.classify_spans(doc, [(0, 12), (5, 30)])
    for label in labels:
        assert label.technique in TECHNIQUES
        assert sum(label.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    layer = detector.detect(doc)
    assert layer.spans and all(span.label in TECHNIQUES for span in layer.spans)


def test_si_head_package_with_analysis_states_keeps_the_tc_head(run: Path, tmp_path: Path) -> None:
    import json

    from unspin.detectors.analysis.engine import engine
    from unspin.detectors.persuasion.detector import make_persuasion
    from unspin.training.package import base_config, package_si_head, package_tc_head, stage
    from unspin.training.persuasion import tokenizer_file
    from unspin.training.si_head import HeadConfig
    from unspin.training.tc_head import TCHeadConfig

    config = base_config({"block_tokens": 24, "context_tokens": 8})
    plain = stage(run / "export" / "model.onnx", tokenizer_file(tiny=True), tmp_path / "m", config)
    with_tc = tmp_path / "with-tc-head"
    package_tc_head(
        plain, DATA, tmp_path / "tc-run", with_tc, version="0.0.2", head=TCHeadConfig(epochs=1)
    )
    target = tmp_path / "with-both"
    package_si_head(
        with_tc,
        DATA,
        tmp_path / "si-run",
        target,
        version="0.0.3",
        head=HeadConfig(hidden=4, epochs=1, chunk=16, analysis_states=True),
    )
    manifest = json.loads((target / "manifest.json").read_text())
    head = manifest["config"]["si_head"]
    assert head["analysis_states"] is True
    assert head["analysis_model"] == engine().model.manifest.files["model.onnx"]
    assert "tc_head.onnx" in manifest["files"]
    assert manifest["config"]["temperature"]["tc_head"] > 0
    detector = make_persuasion(directory=target)
    assert detector.analysis is not None and detector.tc_head is not None
    _assert_finds_spans(detector)
