"""Per-workspace models: background rebuilds, atomic swap, versions on disk, failures."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from nlu_fixtures import shop_kb

from kefu.bot.nlu import (
    BuildSuperseded,
    Intent,
    KnowledgeBase,
    ModelRegistry,
    NluModel,
    NluSettings,
    train,
)
from kefu.bot.nlu.persist import MODEL_FILE
from kefu.core.errors import InvalidInput

SMALL_KB = KnowledgeBase(
    intents=[
        Intent("greet", ["hello", "hi there", "good morning", "hey"]),
        Intent("bye", ["goodbye", "see you later", "bye bye", "have a nice day"]),
        Intent("thanks", ["thank you", "thanks a lot", "many thanks", "cheers"]),
    ]
)
FAST = NluSettings(workers=1)


class GatedTrainer:
    """Trains for real, but waits for the test to open the gate first (or fails on demand)."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.started = threading.Event()
        self.fail_with: Exception | None = None

    def __call__(self, kb: KnowledgeBase, **kwargs: Any) -> NluModel:
        self.started.set()
        assert self.gate.wait(30)
        if self.fail_with is not None:
            raise self.fail_with
        return train(kb, **kwargs)


def test_build_serves_and_persists_a_versioned_model(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path, settings=FAST)
    assert registry.get("shop-1") is None
    model = registry.build("shop-1", SMALL_KB)
    assert model.version == 1
    assert registry.get("shop-1") is model
    assert (tmp_path / "shop-1" / "v000001" / MODEL_FILE).is_file()
    assert (tmp_path / "shop-1" / "CURRENT").read_text().strip() == "v000001"
    assert registry.build("shop-1", shop_kb()).version == 2
    assert registry.get("shop-1").predict("gdzie moja paczka").intent == "order_status"


def test_old_model_serves_until_the_new_one_is_swapped_in(tmp_path: Path) -> None:
    trainer = GatedTrainer()
    registry = ModelRegistry(tmp_path, settings=FAST, trainer=trainer)
    trainer.gate.set()
    first = registry.build("ws", SMALL_KB)
    trainer.gate.clear()
    trainer.started.clear()

    future = registry.update("ws", shop_kb())
    assert trainer.started.wait(30)
    assert registry.status("ws").building
    assert registry.get("ws") is first  # still the old one while the new one trains
    assert registry.get("ws").predict("hello").intent == "greet"
    trainer.gate.set()
    second = future.result(timeout=60)
    assert second.version == 2
    assert registry.get("ws") is second
    assert registry.get("ws").predict("where is my order").intent == "order_status"
    assert not registry.status("ws").building
    registry.close()


def test_failed_build_keeps_the_old_model_and_records_the_error(tmp_path: Path) -> None:
    trainer = GatedTrainer()
    trainer.gate.set()
    registry = ModelRegistry(tmp_path, settings=FAST, trainer=trainer)
    first = registry.build("ws", SMALL_KB)
    trainer.fail_with = RuntimeError("disk on fire")
    future = registry.update("ws", shop_kb())
    with pytest.raises(RuntimeError, match="disk on fire"):
        future.result(timeout=60)
    assert registry.get("ws") is first
    status = registry.status("ws")
    assert status.version == 1
    assert status.last_error == "RuntimeError: disk on fire"
    assert status.last_error_at is not None
    assert sorted(p.name for p in (tmp_path / "ws").iterdir()) == ["CURRENT", "v000001"]
    registry.close()


def test_invalid_knowledge_base_is_refused_before_any_build(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path, settings=FAST)
    with pytest.raises(InvalidInput):
        registry.update("ws", {"intents": []})  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="workspace id"):
        registry.get("../etc")
    with pytest.raises(InvalidInput, match="workspace id"):
        registry.build("a/b", SMALL_KB)
    assert not (tmp_path / "ws").exists()


def test_a_restarted_registry_loads_the_current_version(tmp_path: Path) -> None:
    first = ModelRegistry(tmp_path, settings=FAST)
    first.build("ws", SMALL_KB)
    first.build("ws", shop_kb())
    again = ModelRegistry(tmp_path, settings=FAST)
    model = again.get("ws")
    assert model is not None and model.version == 2
    assert model.predict("转人工").intent == "talk_to_human"


def test_an_unreadable_current_version_falls_back_to_the_previous(tmp_path: Path) -> None:
    first = ModelRegistry(tmp_path, settings=FAST)
    first.build("ws", SMALL_KB)
    first.build("ws", shop_kb())
    (tmp_path / "ws" / "v000002" / MODEL_FILE).write_text("{}", "utf-8")
    again = ModelRegistry(tmp_path, settings=FAST)
    model = again.get("ws")
    assert model is not None and model.version == 1
    assert "v000002" in (again.status("ws").last_error or "")
    # the next build gets a fresh number, never reusing a broken directory
    assert again.build("ws", SMALL_KB).version == 3


def test_only_the_newest_waiting_update_is_built(tmp_path: Path) -> None:
    trainer = GatedTrainer()
    registry = ModelRegistry(tmp_path, settings=FAST, trainer=trainer)
    first = registry.update("ws", SMALL_KB)
    assert trainer.started.wait(30)
    stale = registry.update("ws", SMALL_KB)
    newest = registry.update("ws", shop_kb())
    trainer.gate.set()
    assert first.result(timeout=60).version == 1
    with pytest.raises(BuildSuperseded):
        stale.result(timeout=60)
    assert newest.result(timeout=60).version == 2
    assert registry.get("ws").predict("取消订单").intent == "cancel_order"
    registry.close()


def test_old_versions_are_pruned(tmp_path: Path) -> None:
    registry = ModelRegistry(tmp_path, settings=FAST, keep=2)
    for _ in range(4):
        registry.build("ws", SMALL_KB)
    assert sorted(p.name for p in (tmp_path / "ws").iterdir()) == ["CURRENT", "v000003", "v000004"]


def test_closed_registry_refuses_updates(tmp_path: Path) -> None:
    with ModelRegistry(tmp_path, settings=FAST) as registry:
        registry.build("ws", SMALL_KB)
    with pytest.raises(InvalidInput, match="closed"):
        registry.update("ws", SMALL_KB)


def test_preload_loads_models_and_language_resources(tmp_path: Path) -> None:
    ModelRegistry(tmp_path, settings=FAST).build("ws", SMALL_KB)
    registry = ModelRegistry(tmp_path, settings=FAST)
    registry.preload(["ws", "never-built"])
    from kefu.bot.nlu import features, normalize

    assert features._jieba_ready
    assert {"t2s", "s2t"} <= set(normalize._converters)
    assert registry.status("ws").version == 1
    assert registry.get("never-built") is None
