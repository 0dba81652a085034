"""The optional encoder with a real sentence-transformers model (opt-in).

Runs only where the sentence-transformers package is installed and KEFU_TEST_ENCODER_DIR names
a model directory on disk (bench/nlu_encoder.py's environment, see docs/nlu.md); Kefu itself
does not depend on the package, so the default suite skips it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from nlu_fixtures import shop_kb

from kefu.bot.nlu import NluSettings, SentenceTransformerEncoder, load_model, save_model, train
from kefu.bot.nlu.encoder import embed

MODEL_DIR = os.environ.get("KEFU_TEST_ENCODER_DIR")
pytest.importorskip("sentence_transformers", reason="sentence-transformers is not installed")
pytestmark = pytest.mark.skipif(not MODEL_DIR, reason="KEFU_TEST_ENCODER_DIR is not set")


def test_a_real_encoder_adds_meaning_and_survives_a_save(tmp_path: Path) -> None:
    assert MODEL_DIR is not None
    encoder = SentenceTransformerEncoder(MODEL_DIR)
    vectors = embed(encoder, ["i want my money back", "please reimburse me", "what is the weather"])
    assert vectors.shape[0] == 3
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]

    settings = NluSettings(workers=1)
    plain = train(shop_kb(), settings=settings)
    with_encoder = train(shop_kb(), settings=settings, encoder=encoder)
    # no n-gram of "reimbursed" is in the refund examples; the encoder knows what it means
    message = "I'd like to be reimbursed"
    assert plain.predict(message).intent != "refund"
    assert with_encoder.predict(message).intent == "refund"

    save_model(with_encoder, tmp_path / "m")
    loaded = load_model(tmp_path / "m", encoder=SentenceTransformerEncoder(MODEL_DIR))
    for text in (message, "where is my order", "tell me a joke"):
        a, b = with_encoder.predict(text), loaded.predict(text)
        assert (a.intent, a.out_of_scope) == (b.intent, b.out_of_scope)
        assert abs(a.confidence - b.confidence) < 1e-5
