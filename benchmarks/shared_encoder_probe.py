"""Would one encoder do? Probe the shipped persuasion encoder for the analysis tasks.

The analysis model (claims, entities, stance) runs its own encoder pass per sentence beside the
persuasion model's. Sharing the persuasion encoder would save that pass. This script measures
what the analysis tasks would score on it: it exposes the persuasion graph's last hidden states
(``states``), encodes each sentence alone, trains small heads on the frozen states (the encoder
never saw these datasets) and scores the dev splits with the official metrics:

- claims: [CLS] ++ mean state -> No/Yes, threshold chosen on CT24 dev, F1 of Yes on CT24 dev-test;
- entities: each word's first-token state ++ its token shape (the encoder is uncased) -> BIO,
  then a per-sentence Viterbi with BIO transitions; conlleval entity F1 on eng.testa;
- stance: mean target state ++ [CLS] -> negative/neutral/positive; macro-F1 on NewsMTSC dev-mt
  and dev-rw.

With ``--encoder analysis`` the same heads are trained on the shipped analysis model's states, as
a control for the head and the protocol (those states were fine-tuned on these training sets, so
the control is an upper bound of what a probe can give). Needs the ``train`` extra (torch, onnx).

Example:
    PYTHONPATH=src python benchmarks/shared_encoder_probe.py --data ../shared/data
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

PERSUASION_STATES = "/encoder/encoder/layer.5/output/LayerNorm/LayerNormalization_output_0"


def persuasion_session(threads: int) -> Any:
    """The shipped persuasion graph with its last hidden states as an extra output."""
    import onnx
    import onnxruntime as ort

    from unspin.models.runtime import shared_model

    model = shared_model("persuasion")
    graph = onnx.load(str(model.manifest.path("model.onnx")))
    graph.graph.output.append(onnx.helper.make_tensor_value_info(PERSUASION_STATES, 1, None))
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(graph.SerializeToString(), options)
    return model.tokenizer, session


class Encoder:
    """Encode sentences alone; return per-token states and offsets."""

    def __init__(self, which: str, threads: int) -> None:
        self.which = which
        if which == "persuasion":
            self.tokenizer, self.session = persuasion_session(threads)
        else:
            from unspin.detectors.analysis.engine import AnalysisEngine

            self.engine = AnalysisEngine()
            self.tokenizer = self.engine.model.tokenizer

    def encode(self, texts: list[str]) -> list[tuple[np.ndarray, list[tuple[int, int]]]]:
        from unspin.models.features import shape_ids

        enc = self.tokenizer.encode_batch(texts)
        length = min(128, max(len(e.ids) for e in enc))
        rows = len(texts)
        ids = np.zeros((rows, length), np.int64)
        mask = np.zeros((rows, length), np.int64)
        shapes = np.zeros((rows, length), np.int64)
        offsets = []
        for r, e in enumerate(enc):
            n = min(length, len(e.ids))
            ids[r, :n] = e.ids[:n]
            mask[r, :n] = 1
            offs = [tuple(o) for o in e.offsets[:n]]
            if n < len(e.ids):  # truncated: keep [SEP] last
                ids[r, n - 1] = e.ids[-1]
                offs[-1] = (0, 0)
            offs = [(0, 0) if e.special_tokens_mask[i] else o for i, o in enumerate(offs)]
            shapes[r, :n] = shape_ids(texts[r], offs)
            offsets.append(offs)
        if self.which == "persuasion":
            feeds = {
                "input_ids": ids,
                "attention_mask": mask,
                "token_type_ids": np.zeros_like(ids),
                "span_mask": mask.astype(np.float32),
                "repetition": np.zeros((rows, 1), np.float32),
            }
            states = self.session.run([PERSUASION_STATES], feeds)[0]
        else:
            feeds = {
                "input_ids": ids,
                "attention_mask": mask,
                "token_type_ids": np.zeros_like(ids),
                "shape_ids": shapes,
                "target_mask": np.zeros((rows, 1, length), np.float32),
            }
            states = self.engine.model.run(feeds)[4]
        return [
            (states[r, : int(mask[r].sum())].astype(np.float16), offsets[r]) for r in range(rows)
        ]

    def encode_all(self, texts: list[str], batch: int = 32) -> list[Any]:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[Any] = [None] * len(texts)
        for first in range(0, len(order), batch):
            chosen = order[first : first + batch]
            for i, row in zip(chosen, self.encode([texts[i] for i in chosen]), strict=True):
                out[i] = row
        return out


def train_head(x: Any, y: Any, classes: int, *, epochs: int, hidden: int = 384) -> Any:
    """A one-hidden-layer classifier on fixed features (AdamW, class-balanced batches off)."""
    import torch
    from torch import nn

    torch.manual_seed(13)
    net = nn.Sequential(
        nn.Dropout(0.1), nn.Linear(x.shape[1], hidden), nn.GELU(), nn.Linear(hidden, classes)
    )
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.01)
    xt = torch.tensor(x, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.long)
    gen = torch.Generator().manual_seed(13)
    for _ in range(epochs):
        perm = torch.randperm(len(yt), generator=gen)
        for first in range(0, len(yt), 64):
            idx = perm[first : first + 64]
            loss = nn.functional.cross_entropy(net(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()

    def predict(features: Any) -> np.ndarray:
        with torch.no_grad():
            logits = net(torch.tensor(features, dtype=torch.float32))
            return np.asarray(torch.log_softmax(logits, -1).numpy())

    return predict


def sentence_features(rows: list[Any]) -> np.ndarray:
    return np.stack(
        [np.concatenate([s[0], s[1:-1].mean(0) if len(s) > 2 else s[0]]) for s, _ in rows]
    ).astype(np.float32)


def probe_claims(enc: Encoder, data: Path, epochs: int) -> dict[str, float]:
    from unspin.datasets.checkthat import read_checkthat
    from unspin.evaluation.claims import best_threshold, f1_yes

    folder = data / "checkthat2024-task1-en"
    split = {
        name: read_checkthat(folder / f"CT24_checkworthy_english_{name}.tsv")
        for name in ("train", "dev", "dev-test")
    }
    feats = {n: sentence_features(enc.encode_all([e.text for e in ex])) for n, ex in split.items()}
    labels = {n: np.array([e.label for e in ex]) for n, ex in split.items()}
    predict = train_head(feats["train"], labels["train"], 2, epochs=epochs)
    dev_scores = np.exp(predict(feats["dev"])[:, 1])
    threshold = best_threshold(labels["dev"].tolist(), dev_scores.tolist())
    test_scores = np.exp(predict(feats["dev-test"])[:, 1])
    predicted = (test_scores >= threshold).astype(int).tolist()
    return {"ct24_dev_test_f1_yes": f1_yes(labels["dev-test"].tolist(), predicted)}


def _word_rows(rows: list[Any], sentences: list[Any]) -> tuple[np.ndarray, list[int]]:
    """Features of each word (first token's state ++ one-hot shape) and words per sentence."""
    from unspin.datasets.conll import conll_text
    from unspin.models.features import SHAPES, shape_ids

    feats = []
    counts = []
    for (states, offsets), sentence in zip(rows, sentences, strict=True):
        text, spans = conll_text(sentence.words)
        starts = {o[0]: i for i, o in enumerate(offsets) if o[1] > o[0]}
        shapes = shape_ids(text, offsets)
        for start, _end in spans:
            i = starts.get(start)
            onehot = np.zeros(len(SHAPES), np.float32)
            if i is None:  # a word past the 128-token limit
                feats.append(np.concatenate([np.zeros(states.shape[1], np.float32), onehot]))
                continue
            onehot[shapes[i]] = 1.0
            feats.append(np.concatenate([states[i].astype(np.float32), onehot]))
        counts.append(len(spans))
    return np.stack(feats), counts


def probe_entities(enc: Encoder, data: Path, epochs: int) -> dict[str, float]:
    from unspin.datasets.conll import ENTITY_TYPES, conll_text, read_conll, split_conll
    from unspin.detectors.analysis.engine import _viterbi
    from unspin.evaluation.conll import entity_f1

    labels = ["O"] + [f"{p}-{t}" for t in ENTITY_TYPES for p in ("B", "I")]
    index = {t: i for i, t in enumerate(labels)}
    train, _valid = split_conll(read_conll(data / "conll2003-en" / "eng.train"))
    testa = read_conll(data / "conll2003-en" / "eng.testa")
    out = {}
    sets = {"train": train, "testa": testa}
    feats, counts = {}, {}
    for name, sentences in sets.items():
        texts = [conll_text(s.words)[0] for s in sentences]
        feats[name], counts[name] = _word_rows(enc.encode_all(texts), sentences)
    y = np.array([index[t] for s in train for t in s.tags])
    predict = train_head(feats["train"], y, len(labels), epochs=epochs)
    logp = predict(feats["testa"])
    predicted, first = [], 0
    for n in counts["testa"]:
        path = _viterbi(logp[first : first + n], labels) if n else []
        predicted.append([labels[i] for i in path])
        first += n
    scores = entity_f1([list(s.tags) for s in testa], predicted)
    out["conll_testa_entity_f1"] = scores["f1"]
    return out


def probe_stance(enc: Encoder, data: Path, epochs: int) -> dict[str, float]:
    from unspin.datasets.newsmtsc import read_newsmtsc, split_newsmtsc
    from unspin.detectors.analysis.engine import _target_tokens
    from unspin.evaluation.stance import macro_f1

    folder = data / "newsmtsc"
    train, _valid = split_newsmtsc(read_newsmtsc(folder / "train.jsonl"))
    sets = {
        "train": train,
        "dev-mt": read_newsmtsc(folder / "dev-mt.jsonl"),
        "dev-rw": read_newsmtsc(folder / "dev-rw.jsonl"),
    }
    feats, labels = {}, {}
    for name, examples in sets.items():
        rows = enc.encode_all([e.text for e in examples])
        xs, ys = [], []
        for (states, offsets), example in zip(rows, examples, strict=True):
            for start, end, label in example.targets:
                tokens = _target_tokens(offsets, start, end) or [0]
                xs.append(np.concatenate([states[tokens].astype(np.float32).mean(0), states[0]]))
                ys.append(label)
        feats[name], labels[name] = np.stack(xs).astype(np.float32), np.array(ys)
    predict = train_head(feats["train"], labels["train"], 3, epochs=epochs)
    return {
        f"newsmtsc_{name}_macro_f1": macro_f1(
            labels[name].tolist(), predict(feats[name]).argmax(1).tolist(), labels=[0, 1, 2]
        )
        for name in ("dev-mt", "dev-rw")
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared data folder")
    parser.add_argument("--encoder", choices=("persuasion", "analysis"), default="persuasion")
    parser.add_argument("--tasks", default="claims,entities,stance")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    enc = Encoder(args.encoder, args.threads)
    probes = {"claims": probe_claims, "entities": probe_entities, "stance": probe_stance}
    results: dict[str, Any] = {"encoder": args.encoder, "epochs": args.epochs}
    for task in args.tasks.split(","):
        began = time.perf_counter()
        results.update(probes[task](enc, args.data, args.epochs))
        print(f"{task}: done in {time.perf_counter() - began:.0f} s", flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
