"""Dispatch ``python -m unspin.training <model> ...`` to ``unspin.training.<model>.main``.

Example:
    python -m unspin.training analysis --data ../shared/data --out /work/runs/analysis/run1
"""

from __future__ import annotations

import sys
from importlib import import_module

MODELS = {"analysis": "unspin.training.analysis", "persuasion": "unspin.training.persuasion"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in MODELS:
        print(f"usage: python -m unspin.training {{{','.join(MODELS)}}} [options]", file=sys.stderr)
        return 2
    module = import_module(MODELS[argv[0]])
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
