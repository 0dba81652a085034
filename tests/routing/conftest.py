"""Fixtures for the routing tests."""

from __future__ import annotations

import pytest
from routing_desk import DeskFactory, build_desk


@pytest.fixture
def make_desk() -> DeskFactory:
    return build_desk
