"""The optional sentence encoder: a real implementation of the interface, written here."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from nlu_fixtures import shop_kb

from kefu.bot.nlu import (
    ModelFileError,
    ModelRegistry,
    NluModel,
    NluSettings,
    SentenceEncoder,
    SentenceTransformerEncoder,
    load_model,
    save_model,
    train,
)
from kefu.bot.nlu.encoder import embed
from kefu.core.errors import InvalidInput


class HashingEncoder:
    """Deterministic bag-of-words embeddings: each word adds a pseudo-random ±1 vector, with
    synonyms given the same vector, so it knows something the n-grams do not."""

    def __init__(self, dim: int = 64, synonyms: dict[str, str] | None = None) -> None:
        self.dim = dim
        self.synonyms = synonyms or {}
        self.calls = 0

    @property
    def identity(self) -> str:
        return f"hashing-test-encoder:{self.dim}:{sorted(self.synonyms.items())}"

    def _word(self, word: str) -> np.ndarray:
        word = self.synonyms.get(word, word)
        seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "little")
        return np.random.default_rng(seed).choice([-1.0, 1.0], size=self.dim)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), self.dim))
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row] += self._word(word)
        return out


def test_hashing_encoder_satisfies_the_protocol() -> None:
    assert isinstance(HashingEncoder(), SentenceEncoder)
    vectors = embed(HashingEncoder(), ["where is my parcel", ""])
    assert vectors.shape == (2, 64)
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0)
    assert np.linalg.norm(vectors[1]) == 0.0


def test_encoder_features_join_the_model_and_add_knowledge(
    shop_model: NluModel, tmp_path: Path
) -> None:
    # the n-grams of "consignment" say nothing; the encoder knows it means "package"
    assert shop_model.predict("consignment").intent != "order_status"
    encoder = HashingEncoder(synonyms={"consignment": "package"})
    with_encoder = train(shop_kb(), encoder=encoder, settings=NluSettings(encoder_weight=0.2))
    assert encoder.calls >= 1
    assert with_encoder.meta.encoder_identity == encoder.identity
    prediction = with_encoder.predict("consignment")
    assert prediction.intent == "order_status"
    assert with_encoder.predict("pls refund me").intent == "refund"
    assert with_encoder.predict("gdzie moja paczka").intent == "order_status"

    save_model(with_encoder, tmp_path / "m")
    loaded = load_model(tmp_path / "m", encoder=encoder)
    assert loaded.predict("consignment") == prediction
    with pytest.raises(ModelFileError, match="trained with encoder"):
        load_model(tmp_path / "m")
    with pytest.raises(ModelFileError, match="trained with encoder"):
        load_model(tmp_path / "m", encoder=HashingEncoder(dim=32))


def test_broken_encoder_output_is_refused() -> None:
    class Wrong(HashingEncoder):
        def encode(self, texts: Sequence[str]) -> np.ndarray:
            return np.zeros((len(texts) + 1, 4))

    class NotFinite(HashingEncoder):
        def encode(self, texts: Sequence[str]) -> np.ndarray:
            return np.full((len(texts), 4), np.nan)

    with pytest.raises(InvalidInput, match="returned shape"):
        train(shop_kb(), encoder=Wrong())
    with pytest.raises(InvalidInput, match="non-finite"):
        train(shop_kb(), encoder=NotFinite())


def test_sentence_transformer_encoder_needs_a_model_directory(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not a sentence-transformers model directory"):
        SentenceTransformerEncoder(tmp_path / "missing")
    with pytest.raises(InvalidInput, match="not a sentence-transformers model directory"):
        SentenceTransformerEncoder(tmp_path)


def test_sentence_transformer_encoder_loads_lazily_and_explains_a_missing_package(
    tmp_path: Path,
) -> None:
    (tmp_path / "modules.json").write_text("[]", "utf-8")
    encoder = SentenceTransformerEncoder(tmp_path)  # nothing is loaded yet
    assert encoder.identity.startswith(f"sentence-transformers:{tmp_path.resolve()}:")
    assert SentenceTransformerEncoder(tmp_path).identity == encoder.identity
    # other weights copied to the same path are another encoder: its models do not load
    (tmp_path / "model.safetensors").write_bytes(b"other weights")
    assert SentenceTransformerEncoder(tmp_path).identity != encoder.identity
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        with pytest.raises(InvalidInput, match="sentence-transformers package"):
            encoder.encode(["hello"])
    else:
        pytest.skip("sentence-transformers is installed here; the missing-package path is moot")


def test_a_registry_with_an_encoder_does_not_count_older_models_as_current(
    tmp_path: Path,
) -> None:
    # Models built before the operator configured an encoder still load and serve, but the
    # registry says they are not what it would build now, so the bot rebuilds them.
    kb = shop_kb()
    fingerprint = kb.fingerprint()
    settings = NluSettings(workers=1)
    with ModelRegistry(tmp_path, settings=settings) as plain:
        plain.update("ws", kb).result(timeout=60)
        model = plain.get("ws")
        assert model is not None and plain.serves(model, fingerprint)
        assert not plain.serves(model, "another knowledge base")
    encoder = HashingEncoder()
    with ModelRegistry(tmp_path, settings=settings, encoder=encoder) as upgraded:
        served = upgraded.get("ws")
        assert served is not None and served.meta.encoder_identity is None
        assert not upgraded.serves(served, fingerprint)
        rebuilt = upgraded.update("ws", kb).result(timeout=60)
        assert rebuilt.meta.encoder_identity == encoder.identity
        assert upgraded.serves(rebuilt, fingerprint)
    # switching the encoder off again: the encoder's models cannot load without it, the older
    # plain version on disk serves instead
    with ModelRegistry(tmp_path, settings=settings) as back:
        fallback = back.get("ws")
        assert fallback is not None and fallback.meta.encoder_identity is None
        assert back.serves(fallback, fingerprint)
