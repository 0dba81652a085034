"""Typed settings, built once at start-up from the environment (prefix ``KEFU_``).

Insecure configurations are refused, never silently patched: there is no default secret key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/kefu.db",
        description=(
            "SQLAlchemy URL: SQLite file by default, postgresql+psycopg://... in production."
        ),
    )
    secret_key: SecretStr = Field(
        description="Signs sessions and visitor tokens; at least 32 characters. No default.",
    )
    data_dir: Path = Field(default=Path("./var"), description="Models, keys and local files.")
    public_url: str = Field(default="http://127.0.0.1:8000", description="Base URL for links.")
    bus_backend: Literal["memory"] = "memory"
    max_message_bytes: int = Field(default=16 * 1024, ge=256, le=1024 * 1024)
    session_ttl_seconds: int = Field(default=12 * 3600, ge=60)
    visitor_token_ttl_seconds: int = Field(default=180 * 24 * 3600, ge=60)
    webhook_max_attempts: int = Field(default=6, ge=1, le=30)
    webhook_backoff_base_seconds: float = Field(default=2.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    cookie_secure: bool = False
    encrypt_at_rest: bool = Field(
        default=True,
        description=(
            "Encrypt message bodies and contact personal fields (AES-GCM). Keys come from "
            "KEFU_ENCRYPTION_KEYS / KEFU_ENCRYPTION_KEY_FILE, else a 0600 key file in data_dir."
        ),
    )
    nlu_encoder_dir: Path | None = Field(
        default=None,
        description=(
            "Optional sentence-transformers model directory whose embeddings join the intent "
            "engine's features (off by default; needs the sentence-transformers package; "
            "nothing is downloaded)."
        ),
    )
    nlu_encoder_weight: float = Field(
        default=0.5, gt=0.0, lt=1.0, description="The encoder embedding's share of the features."
    )
    log_level: str = "INFO"

    @field_validator("secret_key")
    @classmethod
    def _strong_secret(cls, value: SecretStr) -> SecretStr:
        raw = value.get_secret_value()
        if len(raw) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"KEFU_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters "
                "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if len(set(raw)) < 8:
            raise ValueError("KEFU_SECRET_KEY is too repetitive to be a secret")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
