"""Saved models: same answers after loading, safe formats, tampering refused."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from nlu_fixtures import shop_kb

from kefu.bot.nlu import ModelFileError, NluModel, load_model, save_model
from kefu.bot.nlu.persist import ARRAYS_FILE, MANIFEST_FILE, MODEL_FILE

MESSAGES = ["gdzie moja paczka", "我的訂單到哪了", "pls refund me", "運費", "jaka jest pogoda"]


def test_round_trip_gives_identical_predictions(shop_model: NluModel, tmp_path: Path) -> None:
    save_model(shop_model, tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    for text in MESSAGES:
        assert loaded.predict(text) == shop_model.predict(text)
    assert loaded.threshold == shop_model.threshold
    assert loaded.meta == shop_model.meta
    assert loaded.labels == shop_model.labels


def test_files_are_json_and_pickle_free_npz(shop_model: NluModel, tmp_path: Path) -> None:
    save_model(shop_model, tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == sorted(
        [MODEL_FILE, ARRAYS_FILE, MANIFEST_FILE]
    )
    document = json.loads((tmp_path / "m" / MODEL_FILE).read_text("utf-8"))
    assert document["format"] == "kefu-nlu/1"
    with np.load(tmp_path / "m" / ARRAYS_FILE, allow_pickle=False) as arrays:
        assert all(arrays[name].dtype != object for name in arrays.files)
    with zipfile.ZipFile(tmp_path / "m" / ARRAYS_FILE) as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())


def test_altered_or_missing_files_are_refused(shop_model: NluModel, tmp_path: Path) -> None:
    save_model(shop_model, tmp_path / "m")
    model_file = tmp_path / "m" / MODEL_FILE
    model_file.write_text(model_file.read_text("utf-8").replace("refund", "refunt"), "utf-8")
    with pytest.raises(ModelFileError, match="does not match its digest"):
        load_model(tmp_path / "m")

    save_model(shop_model, tmp_path / "n")
    (tmp_path / "n" / ARRAYS_FILE).unlink()
    with pytest.raises(ModelFileError, match="missing"):
        load_model(tmp_path / "n")

    with pytest.raises(ModelFileError, match="no readable manifest"):
        load_model(tmp_path / "nowhere")


def test_manifest_of_another_format_is_refused(shop_model: NluModel, tmp_path: Path) -> None:
    save_model(shop_model, tmp_path / "m")
    manifest = tmp_path / "m" / MANIFEST_FILE
    data = json.loads(manifest.read_text("utf-8"))
    data["format"] = "something-else/9"
    manifest.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ModelFileError, match="not a kefu-nlu/1 model"):
        load_model(tmp_path / "m")


def test_answers_survive_the_round_trip(tmp_path: Path) -> None:
    from kefu.bot.nlu import train

    model = train(shop_kb())
    save_model(model, tmp_path / "m")
    prediction = load_model(tmp_path / "m").predict("czy mogę zapłacić kartą")
    assert (prediction.intent, prediction.answer) == ("payment_methods", "Card, BLIK, Alipay")
