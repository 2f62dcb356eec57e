"""Load a shipped ONNX model with its tokenizer, checking file hashes; run it with onnxruntime.

Each model lives in ``src/unspin/models/<name>/`` with ``manifest.json``::

    {"name": ..., "version": ..., "files": {"model.onnx": "<sha256>", "tokenizer.json": "<sha256>"},
     "config": {...}}

plus ``card.md``. Inference needs onnxruntime, tokenizers and numpy only.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from unspin.errors import MissingExtra, ModelError

__all__ = [
    "MODELS_DIR",
    "default_threads",
    "exact_int8_needs_option",
    "session_options",
    "set_threads",
    "Manifest",
    "OnnxModel",
    "load_manifest",
    "sha256_file",
    "Encoded",
]

MODELS_DIR = Path(__file__).resolve().parent


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def session_options(threads: int) -> Any:
    """onnxruntime session options for unspin's graphs: ``threads`` intra-op threads, one
    inter-op thread, every graph optimisation, no memory patterns, and an exact int8 kernel.

    Exact int8: on x86 CPUs with AVX2 but no VNNI, onnxruntime's fast u8s8 kernel sums pairs of
    products in 16 bits, which saturate, so the int8 models scored differently there (CoNLL
    eng.testa entity F1 0.899 against 0.901, NewsMTSC dev-mt stance 0.714 against 0.703). On
    such CPUs ``session.x64quantprecision`` selects the non-saturating kernel (about 1% slower
    there). A VNNI CPU's kernel sums in 32 bits and is exact already: there the option gave
    bit-identical outputs but cut the bare encoder from 5,900 to 3,500 tokens/s (measured
    2026-12-02 on an AVX-512 VNNI Xeon), so it is set only where :func:`exact_int8_needs_option`.

    Memory patterns (``enable_mem_pattern``) are off: unspin's batches change shape from run
    to run, a pattern is planned per shape, and the default pipeline's peak RSS fell from
    520-540 MB to 400-416 MB without them, at no speed cost beyond run-to-run noise
    (benchmarks/speed.py, 2 workers).
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.enable_mem_pattern = False
    if exact_int8_needs_option():
        options.add_session_config_entry("session.x64quantprecision", "1")
    return options


@lru_cache(maxsize=1)
def exact_int8_needs_option() -> bool:
    """Whether onnxruntime needs ``session.x64quantprecision`` for exact int8 on this CPU.

    True on x86 unless the CPU reports VNNI (``avx512_vnni`` or ``avx_vnni`` in Linux's
    /proc/cpuinfo); where the flags cannot be read (another OS), True, the safe choice. False
    off x86, where the option does nothing. ``UNSPIN_EXACT_INT8=1`` forces it on, ``=0`` off.
    """
    forced = os.environ.get("UNSPIN_EXACT_INT8")
    if forced in ("0", "1"):
        return forced == "1"
    if platform.machine().lower() not in ("x86_64", "amd64", "i386", "i686", "x86"):
        return False
    return not _cpu_has_vnni()


def _cpu_has_vnni(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.partition(":")[2].split())
            return bool(flags & {"avx512_vnni", "avx_vnni"})
    return False


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str
    directory: Path
    files: dict[str, str]
    config: dict[str, Any] = field(default_factory=dict)

    def path(self, filename: str) -> Path:
        return self.directory / filename


def load_manifest(name: str, directory: Path | None = None) -> Manifest:
    """Read a model's manifest.

    Raises:
        ModelError: the model folder or its manifest is missing or malformed.
    """
    folder = directory or (MODELS_DIR / name)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise ModelError(
            f"model {name!r} is not installed: {manifest_path} is missing; reinstall unspin or "
            f"train it with 'python -m unspin.training {name} --data ../shared/data'"
        )
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
        return Manifest(
            name=data["name"],
            version=data["version"],
            directory=folder,
            files=dict(data["files"]),
            config=dict(data.get("config", {})),
        )
    except (KeyError, ValueError) as exc:
        raise ModelError(
            f"model {name!r} has a malformed manifest {manifest_path}: {exc}"
        ) from None


_threads: int | None = None


def default_threads() -> int:
    """ONNX intra-op threads per model: ``UNSPIN_THREADS``, else :func:`set_threads`, else 2."""
    if os.environ.get("UNSPIN_THREADS"):
        return max(1, int(os.environ["UNSPIN_THREADS"]))
    return _threads or 2


def set_threads(*, workers: int) -> None:
    """Share the CPU cores among ``workers`` documents analysed at once (before models load).

    Each model then runs on ``cores // workers`` threads (at least 1): on 2 cores, 2 documents
    at once on 1 thread each analyse a batch faster than 1 document on 2 threads.
    """
    global _threads
    _threads = max(1, (os.cpu_count() or 2) // max(1, workers))


@dataclass(frozen=True)
class Encoded:
    """A padded batch: ``ids``/``mask``/``type_ids`` are int64 [batch, length]; ``offsets`` per row
    map each token to ``(start, end)`` characters of its input string ((0, 0) for specials)."""

    ids: np.ndarray
    mask: np.ndarray
    type_ids: np.ndarray
    offsets: list[list[tuple[int, int]]]
    word_ids: list[list[int | None]]


class OnnxModel:
    """One shipped model: verified files, an onnxruntime session and its tokenizer.

    Args:
        name: the model folder under ``unspin/models``.
        threads: intra-op threads (default: :func:`default_threads`).
        directory: load from another folder (a freshly trained model, tests).

    Raises:
        ModelError: a file is missing or its hash does not match the manifest.
        MissingExtra: onnxruntime or tokenizers is not installed.
    """

    def __init__(self, name: str, *, threads: int | None = None, directory: Path | None = None):
        self.manifest = load_manifest(name, directory)
        for filename, expected in self.manifest.files.items():
            path = self.manifest.path(filename)
            if not path.is_file():
                raise ModelError(f"model {name!r} is missing {path}; reinstall unspin")
            actual = sha256_file(path)
            if actual != expected:
                raise ModelError(
                    f"model file {path} is corrupt: sha256 {actual[:12]}... does not match "
                    f"the manifest's {expected[:12]}...; reinstall unspin"
                )
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - both are core dependencies
            raise MissingExtra(f"model {name!r}", "all", exc.name or "onnxruntime") from None
        self.threads = threads or default_threads()
        options = session_options(self.threads)
        self.session = ort.InferenceSession(
            str(self.manifest.path("model.onnx")), options, providers=["CPUExecutionProvider"]
        )
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(self.manifest.path("tokenizer.json")))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()

    @property
    def config(self) -> dict[str, Any]:
        return self.manifest.config

    @property
    def producer(self) -> str:
        return f"{self.manifest.name}@{self.manifest.version}"

    def encode(
        self, texts: list[str], *, max_length: int, pairs: list[str] | None = None
    ) -> Encoded:
        """Tokenise and pad a batch to its longest row (at most ``max_length`` tokens)."""
        if pairs is None:
            encodings = self.tokenizer.encode_batch(texts)
        else:
            encodings = self.tokenizer.encode_batch(list(zip(texts, pairs, strict=True)))
        length = min(max_length, max(len(e.ids) for e in encodings))
        batch = len(encodings)
        ids = np.zeros((batch, length), dtype=np.int64)
        mask = np.zeros((batch, length), dtype=np.int64)
        type_ids = np.zeros((batch, length), dtype=np.int64)
        offsets: list[list[tuple[int, int]]] = []
        word_ids: list[list[int | None]] = []
        for row, enc in enumerate(encodings):
            n = min(length, len(enc.ids))
            ids[row, :n] = enc.ids[:n]
            mask[row, :n] = 1
            type_ids[row, :n] = enc.type_ids[:n]
            if n < len(enc.ids):  # keep [SEP] at the end of a truncated row
                ids[row, n - 1] = enc.ids[-1]
            offsets.append([tuple(o) for o in enc.offsets[:n]])  # type: ignore[misc]
            word_ids.append(list(enc.word_ids[:n]))
        return Encoded(ids, mask, type_ids, offsets, word_ids)

    def head(self, filename: str, *, threads: int | None = None) -> Any:
        """Open a head graph of this model folder: a small ONNX graph that reads the model's
        outputs (the persuasion SI and TC heads, the analysis stance head).

        The file must be listed in the manifest, so it was hash-checked with the model's other
        files when the model loaded.

        Args:
            filename: the head's file in the model folder.
            threads: intra-op threads (default: the model's own).

        Returns:
            An onnxruntime ``InferenceSession``.

        Raises:
            ModelError: the file is not in the manifest or is missing.
        """
        import onnxruntime as ort

        name = self.manifest.name
        if filename not in self.manifest.files:
            raise ModelError(f"model {name!r} head {filename!r} is not in its manifest files")
        path = self.manifest.path(filename)
        if not path.is_file():
            raise ModelError(f"model {name!r} is missing {path}; reinstall unspin")
        options = session_options(threads or self.threads)
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def run(self, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Run the session on the feeds it declares (extra feeds are dropped)."""
        return self.session.run(None, {k: v for k, v in feeds.items() if k in self.input_names})


@lru_cache(maxsize=8)
def shared_model(name: str) -> OnnxModel:
    """Load a model once per process (detectors that share a model share the session)."""
    return OnnxModel(name)
