"""Optional sentence encoders whose embeddings join the default features.

Off by default. An encoder is anything with an ``identity`` (recorded in the saved model, so a
model is never served with a different encoder than the one it was trained with) and an
``encode`` that maps texts to a (texts × dimension) array. Embeddings are L2-normalised here, so
an encoder need not do it.

:class:`SentenceTransformerEncoder` reads a sentence-transformers model directory from local
disk; nothing is downloaded (the Hugging Face hub is switched to offline mode before loading).
The ``sentence-transformers`` package is not a Kefu dependency: install it where you want this.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from kefu.core.errors import InvalidInput


@runtime_checkable
class SentenceEncoder(Protocol):
    @property
    def identity(self) -> str:
        """Stable name of the encoder and its weights, e.g. a directory path and hash."""
        ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings, one row per text (any scale; the engine normalises)."""
        ...


def embed(encoder: SentenceEncoder, texts: Sequence[str]) -> np.ndarray:
    """Call the encoder and check its answer: finite, one row per text, unit-length rows."""
    vectors = np.asarray(encoder.encode(list(texts)), dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(texts):
        raise InvalidInput(
            f"encoder {encoder.identity!r} returned shape {vectors.shape} for {len(texts)} texts"
        )
    if not np.isfinite(vectors).all():
        raise InvalidInput(f"encoder {encoder.identity!r} returned non-finite values")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


class SentenceTransformerEncoder:
    """A sentence-transformers model loaded from ``model_dir`` on first use, on the CPU."""

    def __init__(self, model_dir: str | os.PathLike[str], *, batch_size: int = 64) -> None:
        path = Path(model_dir).expanduser().resolve()
        markers = ("modules.json", "config_sentence_transformers.json", "config.json")
        if not path.is_dir() or not any((path / marker).is_file() for marker in markers):
            raise InvalidInput(f"{path} is not a sentence-transformers model directory")
        self._path = path
        self._batch_size = batch_size
        self._model: Any = None
        self._digest: str | None = None

    @property
    def identity(self) -> str:
        """The directory and a digest of every file in it: a model trained with one set of
        weights is never served with another copied to the same path."""
        if self._digest is None:
            self._digest = _directory_digest(self._path)
        return f"sentence-transformers:{self._path}:{self._digest}"

    @staticmethod
    def require_package() -> None:
        """Refuse, with a clear message, when sentence-transformers is not installed (checked
        without importing it, so start-up can call this cheaply)."""
        if importlib.util.find_spec("sentence_transformers") is None:
            raise InvalidInput(
                "the encoder needs sentence-transformers, and the sentence-transformers package "
                "is not installed in this environment (Kefu does not install it); add it or "
                "run without an encoder (unset KEFU_NLU_ENCODER_DIR)"
            )

    def _load(self) -> Any:
        if self._model is None:
            self.require_package()
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(self._path), device="cpu")
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        model = self._load()
        return np.asarray(
            model.encode(list(texts), batch_size=self._batch_size, show_progress_bar=False)
        )


def _directory_digest(root: Path) -> str:
    """SHA-256 over the relative names and contents of the files under ``root`` (16 hex)."""
    digest = hashlib.sha256()
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()[:16]
