"""Settings refuse insecure configuration instead of falling back silently."""

import pytest
from pydantic import ValidationError

from kefu.core.settings import Settings


def test_secret_key_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEFU_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="secret_key"):
        Settings()


@pytest.mark.parametrize("secret", ["short", "a" * 64])
def test_weak_secret_is_refused(secret: str) -> None:
    with pytest.raises(ValidationError, match="KEFU_SECRET_KEY"):
        Settings(secret_key=secret)


def test_strong_secret_is_accepted() -> None:
    settings = Settings(secret_key="k3fu-test-secret-0123456789-abcdefghijkl")
    assert settings.is_sqlite
