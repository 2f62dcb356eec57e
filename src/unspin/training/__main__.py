"""Command line for training: ``python -m unspin.training persuasion --data DIR --out DIR``.

``python -m unspin.training analysis ...`` goes to :mod:`unspin.training.analysis` (its own
options: ``python -m unspin.training analysis --help``).
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["stance-teach"]:
        from unspin.training.stance import main_teach

        return main_teach(argv[1:])
    if argv[:1] == ["stance"]:
        from unspin.training.stance import main as train_stance

        return train_stance(argv[1:])
    if argv[:1] == ["retrieval-package"]:
        from unspin.training.retrieval_package import main as package_retrieval

        return package_retrieval(argv[1:])
    if argv[:1] == ["retrieval"]:
        from unspin.training.retrieval import main as train_retrieval

        return train_retrieval(argv[1:])
    if argv[:1] == ["analysis"]:
        from unspin.training.analysis import main as train_analysis

        return train_analysis(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m unspin.training",
        description="Train unspin's models (persuasion here; analysis has its own options). "
        "Example: python -m unspin.training persuasion --data ../shared/data "
        "--out runs/persuasion/r1",
    )
    sub = parser.add_subparsers(dest="model", required=True)
    sub.add_parser(
        "analysis",
        help="claims, entities and stance heads + sentence embedding (own options: analysis -h)",
    )
    p = sub.add_parser("persuasion", help="technique spans (SI) and classes (TC) on PTC")
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
    k = sub.add_parser(
        "persuasion-package",
        help="tune on validation, score fp32/int8 and write the shipped model folder",
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
    x = sub.add_parser(
        "persuasion-export", help="export a checkpoint of a run to RUN/export (fp32 + int8 ONNX)"
    )
    x.add_argument("--run", required=True, help="the training run folder")
    x.add_argument("--checkpoint", help="weights file (default: RUN/last.pt)")
    h = sub.add_parser(
        "persuasion-si-head",
        help="train an SI head on a packaged model's frozen encoder states and repackage it",
    )
    h.add_argument("--model-dir", required=True, help="a packaged model folder (the shipped one)")
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
    t = sub.add_parser(
        "persuasion-tc-head",
        help="train a TC head on a packaged model's frozen encoder states and repackage it",
    )
    t.add_argument("--model-dir", required=True, help="a packaged model folder (the shipped one)")
    t.add_argument("--data", required=True, help="folder holding ptc-semeval2020/")
    t.add_argument("--out", required=True, help="run folder: head, staged models, evaluation")
    t.add_argument("--to", required=True, help="target folder (src/unspin/models/persuasion)")
    t.add_argument("--version", required=True, help="version of the new model folder")
    t.add_argument("--epochs", type=int, default=12)
    t.add_argument("--hidden", type=int, default=128)
    t.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)

    if args.model == "persuasion-tc-head":
        import logging
        from pathlib import Path

        from unspin.training.package import package_tc_head
        from unspin.training.tc_head import TCHeadConfig

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        package_tc_head(
            Path(args.model_dir),
            Path(args.data),
            Path(args.out),
            Path(args.to),
            version=args.version,
            head=TCHeadConfig(hidden=args.hidden, epochs=args.epochs, seed=args.seed),
        )
        return 0

    if args.model == "persuasion-si-head":
        import logging
        from pathlib import Path

        from unspin.training.package import package_si_head
        from unspin.training.si_head import HeadConfig

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        package_si_head(
            Path(args.model_dir),
            Path(args.data),
            Path(args.out),
            Path(args.to),
            version=args.version,
            head=HeadConfig(
                hidden=args.hidden,
                epochs=args.epochs,
                seed=args.seed,
                heads=args.heads,
                analysis_states=args.analysis_states,
            ),
        )
        return 0

    if args.model == "persuasion-export":
        from pathlib import Path

        from unspin.training.persuasion import export_checkpoint

        export_checkpoint(Path(args.run), Path(args.checkpoint) if args.checkpoint else None)
        return 0
    if args.model == "persuasion-package":
        import logging
        from pathlib import Path

        from unspin.training.package import package

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
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


if __name__ == "__main__":
    sys.exit(main())
