"""Command line for training: one argparse tree, a subcommand per step, each with help.

One command per shipped model goes from the base encoder to a complete model folder, seeded:

    python -m unspin.training analysis --data ../shared/data --out runs/analysis/r1
    python -m unspin.training stance --data ../shared/data --out runs/stance/r1

The persuasion model is still built in stages on the folder before (``persuasion``, then
``persuasion-package``, ``persuasion-tc-head``, ``persuasion-si-head``; see its model card).
``stance-train`` and ``stance-teach`` are the stance recipe's steps, for experiments.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

__all__ = ["build_parser", "main"]


def _step(module: str, function: str) -> Callable[[argparse.Namespace], int]:
    """A command that calls ``unspin.training.<module>.<function>(args)`` (imported only when
    the command runs: the parser stays free of torch) and prints the path it returns."""

    def run(args: argparse.Namespace) -> int:
        print(getattr(import_module(f"unspin.training.{module}"), function)(args))
        return 0

    return run


def _persuasion(args: argparse.Namespace) -> int:
    from unspin.training.persuasion import TrainConfig, train

    cfg = TrainConfig(
        data=args.data,
        out=args.out,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        head_lr=args.head_lr,
        seed=args.seed,
        block_tokens=args.block_tokens,
        context_tokens=args.context_tokens,
        tc_weight=args.tc_weight,
        max_steps=args.max_steps,
        max_articles=args.max_articles,
        save_every=args.save_every,
        tiny=args.tiny,
        threads=args.threads,
        export=not args.no_export,
    )
    train(cfg, resume=args.resume)
    return 0


def _persuasion_package(args: argparse.Namespace) -> int:
    from unspin.training.package import package

    speed = Path(args.speed).read_text() if args.speed else ""
    package(
        Path(args.run),
        Path(args.data),
        Path(args.to),
        version=args.version,
        speed=speed,
        span_crop=args.span_crop,
        labeller=args.labeller,
    )
    return 0


def _persuasion_export(args: argparse.Namespace) -> int:
    from unspin.training.persuasion import export_checkpoint

    export_checkpoint(Path(args.run), Path(args.checkpoint) if args.checkpoint else None)
    return 0


def _persuasion_si_head(args: argparse.Namespace) -> int:
    from unspin.training.package import package_si_head
    from unspin.training.si_head import HeadConfig

    head = HeadConfig(
        hidden=args.hidden,
        epochs=args.epochs,
        seed=args.seed,
        heads=args.heads,
        analysis_states=args.analysis_states,
    )
    target = Path(args.to)
    package_si_head(
        Path(args.model_dir),
        Path(args.data),
        Path(args.out),
        target,
        version=args.version,
        head=head,
    )
    return 0


def _persuasion_tc_head(args: argparse.Namespace) -> int:
    from unspin.training.package import package_tc_head
    from unspin.training.tc_head import TCHeadConfig

    head = TCHeadConfig(hidden=args.hidden, epochs=args.epochs, seed=args.seed)
    target = Path(args.to)
    package_tc_head(
        Path(args.model_dir),
        Path(args.data),
        Path(args.out),
        target,
        version=args.version,
        head=head,
    )
    return 0


def _add_persuasion(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "persuasion",
        help="train the persuasion encoder: technique spans (SI) and classes (TC) on PTC",
        description="Train the persuasion encoder with its token and span heads on PTC; the "
        "staged recipe's first step (then persuasion-package).",
    )
    p.add_argument("--data", required=True, help="folder holding ptc-semeval2020/ (or the corpus)")
    p.add_argument("--out", required=True, help="run folder: log, checkpoints, exported ONNX")
    p.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--head-lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--block-tokens", type=int, default=128)
    p.add_argument("--context-tokens", type=int, default=32)
    p.add_argument("--tc-weight", type=float, default=1.0)
    p.add_argument("--max-steps", type=int, default=0, help="stop after N steps (0: no limit)")
    p.add_argument("--max-articles", type=int, default=0, help="use the first N articles only")
    p.add_argument("--save-every", type=int, default=100, help="checkpoint every N steps")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    p.add_argument(
        "--tiny", action="store_true", help="a 2-layer random encoder (hidden 32): smoke tests only"
    )
    p.add_argument("--no-export", action="store_true", help="skip the ONNX export")
    p.set_defaults(func=_persuasion)

    k = sub.add_parser(
        "persuasion-package",
        help="tune on validation, score fp32/int8 and write the persuasion model folder",
        description="Tune temperatures and decoding on the run's validation articles, score "
        "fp32 and int8 and write the model folder (no heads; see persuasion-tc-head).",
    )
    k.add_argument("--run", required=True, help="a finished training run folder")
    k.add_argument("--data", required=True, help="folder holding ptc-semeval2020/")
    k.add_argument("--to", required=True, help="target folder (src/unspin/models/persuasion)")
    k.add_argument("--version", default="1.0.0")
    k.add_argument("--speed", help="a file with benchmarks/speed.py output for the card")
    k.add_argument(
        "--span-crop",
        type=int,
        help="analyze names spans on span-centred rows with N context tokens "
        "(the TC evaluation keeps whole windows)",
    )
    k.add_argument(
        "--labeller",
        choices=("span", "tokens"),
        default="span",
        help="how analyze names found spans: span head (second pass) or token channels",
    )
    k.set_defaults(func=_persuasion_package)

    x = sub.add_parser(
        "persuasion-export",
        help="export a checkpoint of a run to RUN/export (fp32 + int8 ONNX)",
        description="Export a persuasion training checkpoint to ONNX (fp32 and int8).",
    )
    x.add_argument("--run", required=True, help="the training run folder")
    x.add_argument("--checkpoint", help="weights file (default: RUN/last.pt)")
    x.set_defaults(func=_persuasion_export)

    h = sub.add_parser(
        "persuasion-si-head",
        help="train an SI head on a packaged model's frozen encoder states and repackage it",
        description="Train the SI head on a packaged persuasion folder's encoder states (and, "
        "with --analysis-states, the analysis model's) and write the folder with it.",
    )
    h.add_argument("--model-dir", required=True, help="a packaged model folder")
    h.add_argument("--data", required=True, help="folder holding ptc-semeval2020/")
    h.add_argument("--out", required=True, help="run folder: head checkpoint, staged models")
    h.add_argument("--to", required=True, help="target folder (src/unspin/models/persuasion)")
    h.add_argument("--version", required=True, help="version of the new model folder")
    h.add_argument("--epochs", type=int, default=8)
    h.add_argument("--hidden", type=int, default=128)
    h.add_argument("--seed", type=int, default=13)
    h.add_argument("--heads", type=int, default=1, help="average this many heads (seeds)")
    h.add_argument(
        "--analysis-states",
        action="store_true",
        help="the head also reads the analysis model's token states (its sentence pass)",
    )
    h.set_defaults(func=_persuasion_si_head)

    t = sub.add_parser(
        "persuasion-tc-head",
        help="train a TC head on a packaged model's frozen encoder states and repackage it",
        description="Train the TC head on a packaged persuasion folder's token pass and write "
        "the folder with it.",
    )
    t.add_argument("--model-dir", required=True, help="a packaged model folder")
    t.add_argument("--data", required=True, help="folder holding ptc-semeval2020/")
    t.add_argument("--out", required=True, help="run folder: head, staged models, evaluation")
    t.add_argument("--to", required=True, help="target folder (src/unspin/models/persuasion)")
    t.add_argument("--version", required=True, help="version of the new model folder")
    t.add_argument("--epochs", type=int, default=12)
    t.add_argument("--hidden", type=int, default=128)
    t.add_argument("--seed", type=int, default=13)
    t.set_defaults(func=_persuasion_tc_head)


def build_parser() -> argparse.ArgumentParser:
    """Build the training command line: every subcommand, with its help."""
    from unspin.training import analysis, retrieval, retrieval_package, stance

    parser = argparse.ArgumentParser(
        prog="python -m unspin.training",
        description="Build unspin's models from the base encoder (the data folder is an argument; "
        "the datasets are research-only and never part of unspin).",
        epilog="example:\n  python -m unspin.training analysis --data ../shared/data "
        "--out runs/analysis/r1",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    a = sub.add_parser(
        "analysis",
        help="the analysis model (claims, entities, stance head, embedding), from the base "
        "encoder to a complete model folder",
        description="Train the multi-task analysis model, then export the best checkpoint to "
        "int8, tune the claim threshold on CheckThat! dev and write the model folder (OUT/model).",
    )
    analysis.add_arguments(a)
    a.set_defaults(func=_step("analysis", "build"))
    s = sub.add_parser(
        "stance",
        help="the stance model: two teachers, their soft labels, the student, the int8 folder",
        description="Build the target-marked stance model: two teachers, stance-teach, a student "
        "on gold and soft targets, exported to int8 (OUT/model).",
    )
    stance.add_recipe_arguments(s)
    s.set_defaults(func=_step("stance", "build"))
    st = sub.add_parser(
        "stance-train",
        help="train one target-marked stance model (a step of the stance recipe)",
        description="Train one target-marked stance model on NewsMTSC (one pass per target).",
    )
    stance.add_train_arguments(st)
    st.set_defaults(func=_step("stance", "train"))
    sh = sub.add_parser(
        "stance-teach",
        help="soft-label actor mentions with trained stance models (a step of the recipe)",
        description="Soft-label the unlabelled actor mentions of the NewsMTSC training sentences "
        "(and, with --texts, of other articles' sentences) with trained stance models (their "
        "probabilities averaged), for stance-train --soft.",
    )
    stance.add_teach_arguments(sh)
    sh.set_defaults(func=_step("stance", "teach"))
    r = sub.add_parser(
        "retrieval",
        help="the fact-check retrieval encoder (a fold of cross-validation, or the full run)",
        description="Fine-tune all-MiniLM-L6-v2 on the CheckThat! 2A + 2B train queries so that "
        "a claim lands near\nits fact-check; export int8 ONNX to OUT/export. --folds K --fold I "
        "holds out a fold (grouped)\nand, with --embed, embeds the collections and queries for "
        "retrieval-package.",
    )
    retrieval.add_arguments(r)
    r.set_defaults(func=_step("retrieval", "train"))
    rp = sub.add_parser(
        "retrieval-package",
        help="choose the matcher's scorer and thresholds by CV; write the retrieval model folder",
        description="Score feature sets by grouped CV on the fold runs' out-of-fold features, fit "
        "the kept scorer,\nchoose the match and related thresholds and write the model folder.",
    )
    retrieval_package.add_arguments(rp)
    rp.set_defaults(func=_step("retrieval_package", "package"))
    _add_persuasion(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one training command."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
