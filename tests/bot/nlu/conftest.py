"""Models trained once per test session from the shop knowledge base in nlu_fixtures.py."""

from __future__ import annotations

import pytest
from nlu_fixtures import shop_kb

from kefu.bot.nlu import NluModel, train


@pytest.fixture(scope="session")
def shop_model() -> NluModel:
    return train(shop_kb())


@pytest.fixture(scope="session")
def shop_model_with_oos() -> NluModel:
    return train(shop_kb(with_oos=True))
