"""Fixtures of the compliance tests: one gate for the whole session (it is immutable)."""

from __future__ import annotations

import pytest

from kefu.compliance.gate import ComplianceGate


@pytest.fixture(scope="session")
def gate() -> ComplianceGate:
    return ComplianceGate()
