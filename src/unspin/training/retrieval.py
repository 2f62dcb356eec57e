"""Train the fact-check retrieval encoder: all-MiniLM-L6-v2 fine-tuned so that a claim and the
fact-check that reviews it land close together.

Data: the train queries and qrels of CheckThat! 2022 Task 2A (tweets vs Snopes) and 2021 Task 2B
(debate sentences vs PolitiFact) under ``--data``. Loss: contrastive (InfoNCE) over the batch,
each query against its fact-check, the other fact-checks of the batch and a hard negative drawn
from the BM25 top 20 of its collection; a batch holds one task's pairs. Fact-checks are written
as ``claim . title`` or the claim alone (half each), as imports often lack a title.

``--folds K --fold I`` holds out fold I (grouped: 2A by target fact-check, 2B by debate) and
writes the held-out queries' ids, so cross-validation never scores a query the model saw.

Example:
    python -m unspin.training retrieval --data ../shared/data --out /work/runs/factcheck/full
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from unspin.datasets.claim_retrieval import Query, VClaim, read_qrels, read_queries, read_vclaims
from unspin.training import common

__all__ = ["TASKS", "Pair", "load_task", "folds", "add_arguments", "train", "export"]

TASKS = {
    "2a": (
        "checkthat2022-task2a-en",
        "CT2022-Task2A-EN-Train-Dev_Queries.tsv",
        "CT2022-Task2A-EN-Train_QRELs.tsv",
    ),
    "2b": (
        "checkthat2021-task2b-en",
        "CT2022-Task2B-EN-Train-Dev_Queries.tsv",
        "CT2022-Task2B-EN-Train_QRELs.tsv",
    ),
}
VERSION = "1.0.0"


@dataclass(frozen=True)
class Pair:
    task: str
    query: Query
    positive: str  # vclaim id


def load_task(data: Path, task: str) -> tuple[list[Query], dict[str, set[str]], list[VClaim]]:
    """Return the train queries, their qrels and the collection of one task."""
    folder, queries, qrels = TASKS[task]
    base = Path(data) / folder
    rel = read_qrels(base / qrels)
    found = [q for q in read_queries(base / queries) if q.id in rel]
    return found, rel, read_vclaims(base / "vclaims.jsonl")


def group_of(task: str, query: Query, rel: dict[str, set[str]]) -> str:
    """The unit that leaks: the target fact-check of a 2A tweet, the debate of a 2B sentence."""
    return f"2a:{sorted(rel[query.id])[0]}" if task == "2a" else f"2b:{query.group}"


def folds(groups: list[str], k: int) -> list[int]:
    """Assign each item the fold of its group (groups spread by a hash, round robin)."""
    order = sorted(set(groups), key=lambda g: hashlib.md5(g.encode()).hexdigest())
    fold_of = {g: i % k for i, g in enumerate(order)}
    return [fold_of[g] for g in groups]


def encoder_model(bert: Any) -> Any:
    """Return the base encoder with mean pooling and L2 normalisation (output ``embedding``)."""
    import torch

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            states = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return torch.nn.functional.normalize(pooled.float(), dim=-1)

    return Encoder()


def _encode(tokenizer: Any, texts: list[str], max_length: int) -> dict[str, Any]:
    return dict(
        tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    )


def embed(
    model: Any, tokenizer: Any, texts: list[str], *, max_length: int, batch: int = 128
) -> np.ndarray:
    """Embed texts with the torch model (bf16 autocast on CPU), in length order."""
    import torch

    model.eval()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), model.bert.config.hidden_size), dtype=np.float32)
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        for start in range(0, len(order), batch):
            rows = order[start : start + batch]
            vectors = model(**_encode(tokenizer, [texts[i] or "." for i in rows], max_length))
            out[rows] = vectors.float().numpy()
    return out


def _hard_negatives(
    queries: list[Query], rel: dict[str, set[str]], vclaims: list[VClaim], depth: int = 20
) -> dict[str, list[str]]:
    from unspin.corpus.factchecks.lexical import BM25Index
    from unspin.corpus.factchecks.matching import clean_query

    index = BM25Index()
    index.add(v.text(("vclaim", "title")) for v in vclaims)
    out: dict[str, list[str]] = {}
    for query in queries:
        scores = index.scores(clean_query(query.text))
        top = np.argsort(-scores)[: depth + 5]
        out[query.id] = [vclaims[i].id for i in top if vclaims[i].id not in rel[query.id]][:depth]
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options of ``python -m unspin.training retrieval``."""
    parser.add_argument("--data", required=True, help="folder holding the CheckThat! folders")
    parser.add_argument("--out", required=True, help="run folder: log, held-out ids, ONNX")
    parser.add_argument("--folds", type=int, default=0, help="number of CV folds (0: none)")
    parser.add_argument("--fold", type=int, default=0, help="the fold held out")
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--scale", type=float, default=20.0, help="1 / temperature")
    parser.add_argument("--query-length", type=int, default=96)
    parser.add_argument("--doc-length", type=int, default=64)
    parser.add_argument("--hard", type=int, default=1, help="BM25 hard negatives per query")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--embed",
        action="store_true",
        help="with --folds: embed each collection and every query at the end (for CV)",
    )
    parser.add_argument("--no-export", action="store_true")


def train(args: argparse.Namespace) -> Path:
    """Fine-tune the encoder; return the run folder (``OUT/export`` holds the ONNX model)."""
    import torch

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    from transformers import AutoTokenizer

    from unspin.corpus.factchecks.matching import clean_query

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = (out / "log.txt").open("a", encoding="utf-8")

    def say(line: str) -> None:
        print(line, flush=True)
        log.write(line + "\n")
        log.flush()

    base = common.base_model_path()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    model = encoder_model(common.load_base_encoder(base))
    data: dict[str, Any] = {}
    pairs: list[Pair] = []
    held: dict[str, list[str]] = {}
    for task in TASKS:
        queries, rel, vclaims = load_task(Path(args.data), task)
        groups = [group_of(task, q, rel) for q in queries]
        assigned = folds(groups, args.folds) if args.folds else [-1] * len(queries)
        train = [
            q for q, f in zip(queries, assigned, strict=True) if f != args.fold or not args.folds
        ]
        held[task] = [
            q.id for q, f in zip(queries, assigned, strict=True) if args.folds and f == args.fold
        ]
        by_id = {v.id: v for v in vclaims}
        negatives = _hard_negatives(train, rel, vclaims) if args.hard else {}
        data[task] = {"by_id": by_id, "negatives": negatives, "vclaims": vclaims}
        for query in train:
            for target in sorted(rel[query.id]):
                if target in by_id:
                    pairs.append(Pair(task, query, target))
        say(f"{task}: {len(train)} train queries, {len(held[task])} held out")
    (out / "heldout.json").write_text(json.dumps(held), encoding="utf-8")

    def doc_text(vclaim: VClaim) -> str:
        fields = ("vclaim", "title") if random.random() < 0.5 else ("vclaim",)
        return vclaim.text(fields)

    steps_per_epoch = max(1, math.ceil(len(pairs) / args.batch_size))
    total = int(steps_per_epoch * args.epochs)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warmup = max(1, total // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (total - s) / max(1, total - warmup)),
    )
    step = 0
    started = time.time()
    while step < total:
        batches: list[list[Pair]] = []
        for task in TASKS:
            mine = [p for p in pairs if p.task == task]
            random.shuffle(mine)
            batches += [mine[i : i + args.batch_size] for i in range(0, len(mine), args.batch_size)]
        random.shuffle(batches)
        for batch in batches:
            if step >= total:
                break
            # one pair per target in a batch: a second would be a false negative
            seen: set[str] = set()
            batch = [p for p in batch if not (p.positive in seen or seen.add(p.positive))]  # type: ignore[func-returns-value]
            task = batch[0].task
            by_id, negatives = data[task]["by_id"], data[task]["negatives"]
            docs = [doc_text(by_id[p.positive]) for p in batch]
            for p in batch:
                pool = [n for n in negatives.get(p.query.id, []) if n not in seen]
                for n in random.sample(pool, min(args.hard, len(pool))):
                    docs.append(doc_text(by_id[n]))
            model.train()
            with torch.autocast("cpu", dtype=torch.bfloat16):
                q = model(
                    **_encode(
                        tokenizer, [clean_query(p.query.text) for p in batch], args.query_length
                    )
                )
                d = model(**_encode(tokenizer, docs, args.doc_length))
            logits = args.scale * q @ d.T
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            if step % 10 == 0 or step == total:
                say(f"step {step}/{total} loss {loss.item():.4f} {time.time() - started:.0f}s")
    torch.save(model.state_dict(), out / "model.pt")
    if args.embed and args.folds:  # the embeddings serve cross-validation only
        for task in TASKS:
            vclaims = data[task]["vclaims"]
            texts = [v.text(("vclaim", "title")) for v in vclaims]
            vectors = embed(model, tokenizer, texts, max_length=args.doc_length)
            np.save(out / f"{task}_v_vt.npy", vectors.astype(np.float16))
            queries, _, _ = load_task(Path(args.data), task)
            folder, qfile, _ = TASKS[task]
            every = read_queries(Path(args.data) / folder / qfile)
            if task == "2a":
                every += read_queries(
                    Path(args.data) / folder / "CT2022-Task2A-EN-Dev-Test_Queries.tsv"
                )
            vectors = embed(
                model, tokenizer, [clean_query(q.text) for q in every], max_length=args.query_length
            )
            np.save(out / f"{task}_q.npy", vectors.astype(np.float16))
            (out / f"{task}_q_ids.json").write_text(
                json.dumps([q.id for q in every]), encoding="utf-8"
            )
            say(f"embedded {task}")
    if not args.no_export:
        export(model, tokenizer, out / "export", base)
        say(f"exported to {out / 'export'}")
    return out


def export(model: Any, tokenizer: Any, folder: Path, base: Path) -> Path:
    """Write ``model.onnx`` (int8), ``tokenizer.json`` and ``manifest.json`` into ``folder``."""
    model.eval().float()
    example = _encode(tokenizer, ["a claim to check", "another one"], 16)
    fp32 = folder / "fp32.onnx"
    common.export_onnx(
        model,
        (example["input_ids"], example["attention_mask"], example["token_type_ids"]),
        fp32,
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["embedding"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "token_type_ids": {0: "batch", 1: "sequence"},
            "embedding": {0: "batch"},
        },
    )
    common.quantize_int8(fp32, folder / "model.onnx")
    fp32.unlink()
    common.write_manifest(
        folder,
        name="retrieval",
        version=VERSION,
        config={
            "base": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0)",
            "outputs": ["embedding"],
            "embedding_pooling": "mean, L2-normalised",
            "max_length": 128,
        },
        tokenizer=base / "tokenizer.json",
    )
    return folder
