"""Domain errors: each maps to one precise HTTP status and a machine-readable code."""

from __future__ import annotations

from typing import Any


class KefuError(Exception):
    """Base class: ``code`` is stable and machine-readable; ``status`` is its HTTP status."""

    code = "error"
    status = 400

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code


class NotFound(KefuError):
    code = "not_found"
    status = 404


class Conflict(KefuError):
    code = "conflict"
    status = 409


class InvalidInput(KefuError):
    code = "invalid_input"
    status = 422


class PayloadTooLarge(KefuError):
    code = "payload_too_large"
    status = 413


class Unauthorized(KefuError):
    code = "unauthorized"
    status = 401


class Forbidden(KefuError):
    code = "forbidden"
    status = 403


class RateLimited(KefuError):
    code = "rate_limited"
    status = 429
