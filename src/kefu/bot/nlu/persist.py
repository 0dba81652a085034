"""Saving and loading models in safe formats: JSON plus a NumPy ``.npz`` without pickles.

A model directory holds ``model.json`` (labels, answers, vocabularies, calibration, settings,
provenance), ``arrays.npz`` (weights, example index; loaded with ``allow_pickle=False``) and
``manifest.json`` with the SHA-256 of both. Loading checks the digests first, so a truncated or
altered file is refused with a clear error instead of serving a half-read model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from kefu.bot.nlu.calibration import Calibration
from kefu.bot.nlu.encoder import SentenceEncoder
from kefu.bot.nlu.features import FeatureSpace, TfidfView
from kefu.bot.nlu.model import ClassLabel, ModelMeta, NluModel
from kefu.bot.nlu.scoring import Scorer
from kefu.bot.nlu.settings import NluSettings
from kefu.core.errors import InvalidInput

FORMAT = "kefu-nlu/1"
MODEL_FILE = "model.json"
ARRAYS_FILE = "arrays.npz"
MANIFEST_FILE = "manifest.json"


class ModelFileError(InvalidInput):
    """A saved model that cannot be used: missing, altered, or from another format."""

    code = "model_file_invalid"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_synced(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def save(model: NluModel, directory: Path) -> None:
    """Write ``model`` into ``directory`` (created; must not hold another model)."""
    directory.mkdir(parents=True, exist_ok=True)
    scorer = model.scorer
    arrays: dict[str, np.ndarray] = {
        "char_idf": model.space.chars.idf,
        "word_idf": model.space.words.idf,
        "coef": scorer.coef,
        "intercept": scorer.intercept,
        "examples_data": scorer.examples_t.data,
        "examples_indices": scorer.examples_t.indices,
        "examples_indptr": scorer.examples_t.indptr,
        "examples_shape": np.array(scorer.examples_t.shape, dtype=np.int64),
        "example_class": scorer.example_class,
        "present": scorer.present,
    }
    if scorer.enc_coef is not None and scorer.enc_examples is not None:
        arrays["enc_coef"] = scorer.enc_coef
        arrays["enc_examples"] = scorer.enc_examples
    with (directory / ARRAYS_FILE).open("wb") as handle:
        np.savez(handle, allow_pickle=False, **arrays)
        handle.flush()
        os.fsync(handle.fileno())
    document = {
        "format": FORMAT,
        "labels": [[label.kind, label.name] for label in model.labels],
        "answers": model.answers,
        "char_terms": _terms(model.space.chars),
        "word_terms": _terms(model.space.words),
        "unseen_idf": [model.space.chars.unseen_idf, model.space.words.unseen_idf],
        "calibration": model.calibration.to_dict(),
        "settings": model.settings.to_dict(),
        "meta": dataclasses.asdict(model.meta),
    }
    payload = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    _write_synced(directory / MODEL_FILE, payload.encode("utf-8"))
    manifest = {
        "format": FORMAT,
        "files": {name: _sha256(directory / name) for name in (MODEL_FILE, ARRAYS_FILE)},
    }
    _write_synced(directory / MANIFEST_FILE, json.dumps(manifest, indent=1).encode("utf-8"))


def _terms(view: TfidfView) -> list[str]:
    terms = [""] * len(view.vocabulary)
    for term, index in view.vocabulary.items():
        terms[index] = term
    return terms


def _verified(directory: Path) -> None:
    manifest_path = directory / MANIFEST_FILE
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{directory}: no readable {MANIFEST_FILE}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelFileError(f"{directory}: not a {FORMAT} model")
    files = manifest.get("files")
    if not isinstance(files, dict) or set(files) != {MODEL_FILE, ARRAYS_FILE}:
        raise ModelFileError(f"{directory}: manifest lists unexpected files")
    for name, expected in files.items():
        path = directory / name
        if not path.is_file() or _sha256(path) != expected:
            raise ModelFileError(f"{directory}: {name} is missing or does not match its digest")


def load(directory: Path, *, encoder: SentenceEncoder | None = None) -> NluModel:
    """Read a model written by :func:`save`; ``encoder`` must be the one it was trained with."""
    _verified(directory)
    try:
        document: dict[str, Any] = json.loads((directory / MODEL_FILE).read_text("utf-8"))
        with np.load(directory / ARRAYS_FILE, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        return _build(document, arrays, encoder)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{directory}: model files are inconsistent ({exc})") from exc


def _build(
    document: dict[str, Any], arrays: dict[str, np.ndarray], encoder: SentenceEncoder | None
) -> NluModel:
    meta = ModelMeta(**document["meta"])
    if meta.encoder_identity is not None:
        if encoder is None or encoder.identity != meta.encoder_identity:
            raise ModelFileError(
                f"model was trained with encoder {meta.encoder_identity!r}; load it with that one"
            )
    elif encoder is not None:
        encoder = None  # trained without: the encoder would not match its weights
    settings = NluSettings.from_dict(document["settings"])
    char_unseen, word_unseen = (float(v) for v in document["unseen_idf"])
    chars = TfidfView(
        {t: i for i, t in enumerate(document["char_terms"])}, arrays["char_idf"], char_unseen
    )
    words = TfidfView(
        {t: i for i, t in enumerate(document["word_terms"])}, arrays["word_idf"], word_unseen
    )
    space = FeatureSpace(chars, words, settings.char_weight, settings.analyzer)
    shape = tuple(int(v) for v in arrays["examples_shape"])
    examples_t = sp.csr_matrix(
        (arrays["examples_data"], arrays["examples_indices"], arrays["examples_indptr"]),
        shape=shape,
    )
    scorer = Scorer(
        coef=arrays["coef"],
        intercept=arrays["intercept"],
        examples_t=examples_t,
        example_class=arrays["example_class"],
        present=arrays["present"].astype(bool),
        enc_coef=arrays.get("enc_coef"),
        enc_examples=arrays.get("enc_examples"),
    )
    labels = [ClassLabel(kind, name) for kind, name in document["labels"]]
    if scorer.coef.shape != (space.dimension, len(labels)):
        raise ValueError("weights do not match the vocabulary and labels")
    return NluModel(
        labels=labels,
        answers=dict(document["answers"]),
        space=space,
        scorer=scorer,
        calibration=Calibration.from_dict(document["calibration"]),
        settings=settings,
        meta=meta,
        encoder=encoder,
    )
