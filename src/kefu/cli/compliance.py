"""`kefu compliance ...`: check text against the gate, redact personal data, manage keys.

Exit codes of ``check``: 0 allow, 1 block, 2 warn. Click reports usage errors with 2 as well, so
every command here reports them with 64 (EX_USAGE of sysexits.h) instead; 65 (EX_DATAERR) means
the input could not be read as UTF-8, 78 (EX_CONFIG) broken rule files or keys.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:
    from kefu.compliance.gate import ComplianceGate, Verdict

EXIT_ALLOW = 0
EXIT_BLOCK = 1
EXIT_WARN = 2
EXIT_USAGE = 64
EXIT_DATAERR = 65
EXIT_CONFIG = 78

_DECISION_EXIT = {"allow": EXIT_ALLOW, "block": EXIT_BLOCK, "warn": EXIT_WARN}
_SEVERITY_STYLE = {"block": "bold red", "warn": "yellow", "redact": "magenta"}

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)


# Typer vendors its own Click; its UsageError is the base of the public typer.BadParameter.
_UsageError: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
)


def _as_usage_exit(exc: Exception) -> None:
    exc.exit_code = EXIT_USAGE  # type: ignore[attr-defined]


class _UsageErrorsExit64(TyperCommand):
    """Click exits 2 on usage errors, which ``check`` uses for "warn": make them 64."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except _UsageError as exc:
            _as_usage_exit(exc)
            raise


class _GroupUsageErrorsExit64(TyperGroup):
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except _UsageError as exc:
            _as_usage_exit(exc)
            raise

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except _UsageError as exc:
            _as_usage_exit(exc)
            raise


app = typer.Typer(
    help="Check outgoing text against the compliance gate; redact personal data; manage keys.",
    no_args_is_help=True,
    cls=_GroupUsageErrorsExit64,
)
keys_app = typer.Typer(
    help="Encryption keys: new key entries, key files, rotation.",
    no_args_is_help=True,
    cls=_GroupUsageErrorsExit64,
)
app.add_typer(keys_app, name="keys")


def _fail(message: str, code: int) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


def _read_text(text: str) -> str:
    if text != "-":
        return text
    try:
        return sys.stdin.buffer.read().decode("utf-8")
    except UnicodeDecodeError as exc:
        _fail(f"standard input is not valid UTF-8 (byte {exc.start})", EXIT_DATAERR)


@cache
def _build_gate() -> ComplianceGate:
    """One gate per process: built on first use, never at import."""
    from kefu.compliance.errors import RuleSetError
    from kefu.compliance.gate import ComplianceGate

    try:
        return ComplianceGate()
    except RuleSetError as exc:
        _fail(exc.message, EXIT_CONFIG)


def _print_verdict(gate: ComplianceGate, verdict: Verdict, locale: str) -> None:
    report = gate.report(verdict, locale)
    style = {"allow": "green", "warn": "yellow", "block": "bold red"}[verdict.decision]
    out.print(f"[{style}]{verdict.decision.upper()}[/{style}]  {escape(report['decision_label'])}")
    for item in report["findings"]:
        sev = item["severity"]
        suggestion = f"  → {escape(item['suggestion'])}" if item["suggestion"] else ""
        out.print(
            f"  [{_SEVERITY_STYLE[sev]}]{sev:<6}[/{_SEVERITY_STYLE[sev]}] "
            f"{escape(item['category_label'])}  [bold]{escape(item['matched_text'])}[/bold] "
            f"[dim]({item['start']}–{item['end']}, {escape(item['rule_id'])})[/dim]{suggestion}"
        )
        out.print(f"         {escape(item['explanation'])}")


@app.command("check", cls=_UsageErrorsExit64)
def check(
    text: Annotated[str, typer.Argument(help="The text to check, or - to read standard input.")],
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Rule set language: zh, zh-TW, en, pl (default: all)."),
    ] = None,
    channel: Annotated[
        str | None,
        typer.Option("--channel", help="Add a platform's rules: douyin, wechat, whatsapp, …"),
    ] = None,
    locale: Annotated[
        str, typer.Option("--locale", help="Language of the explanations: zh-CN, zh-TW, en, pl.")
    ] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
) -> None:
    """Check TEXT; exit 0 allow, 1 block, 2 warn (64: usage error)."""
    from kefu.compliance.catalog import resolve_locale
    from kefu.compliance.gate import language_key
    from kefu.core.errors import InvalidInput

    try:
        resolve_locale(locale)
        language_key(lang)
    except InvalidInput as exc:
        _fail(exc.message, EXIT_USAGE)
    content = _read_text(text)
    gate = _build_gate()
    try:
        verdict = gate.check(content, language=lang, channel=channel)
    except InvalidInput as exc:
        _fail(exc.message, EXIT_USAGE)
    if as_json:
        out.print_json(json.dumps(gate.report(verdict, locale), ensure_ascii=False))
    else:
        _print_verdict(gate, verdict, locale)
    raise typer.Exit(_DECISION_EXIT[verdict.decision])


@app.command("redact", cls=_UsageErrorsExit64)
def redact(
    text: Annotated[str, typer.Argument(help="The text to redact, or - to read standard input.")],
    partial: Annotated[
        bool, typer.Option("--partial", help="Keep part of each value (138****5678).")
    ] = False,
) -> None:
    """Print TEXT with validated personal data masked by kind, or partially with --partial."""
    from kefu.compliance.pii import redact_personal_data

    content = _read_text(text)
    sys.stdout.write(redact_personal_data(content, style="partial" if partial else "label"))
    if not content.endswith("\n"):
        sys.stdout.write("\n")


@keys_app.command("new", cls=_UsageErrorsExit64)
def keys_new(
    key_id: Annotated[str, typer.Option("--id", help="Key id, e.g. k2.")] = "k1",
    blind_index: Annotated[
        bool, typer.Option("--blind-index", help="Print a blind-index key instead.")
    ] = False,
) -> None:
    """Print a fresh 256-bit key: "id:base64" for KEFU_ENCRYPTION_KEYS (prepend to rotate)."""
    import secrets

    from kefu.compliance.crypto import KEY_BYTES, KEY_ID, encode_key

    if blind_index:
        out.print(encode_key(secrets.token_bytes(KEY_BYTES)))
        return
    if not KEY_ID.match(key_id):
        _fail(f"invalid key id {key_id!r}: use 1-32 of A-Z a-z 0-9 _ -", EXIT_USAGE)
    out.print(f"{key_id}:{encode_key(secrets.token_bytes(KEY_BYTES))}")


def _describe(keyring: Any, path: Path) -> None:
    out.print(f"{path}: keys {', '.join(sorted(keyring.keys))}; active {keyring.active_id}")


@keys_app.command("init", cls=_UsageErrorsExit64)
def keys_init(
    path: Annotated[Path, typer.Argument(help="Key file to create (mode 0600).")],
) -> None:
    """Create a key file with one encryption key and a blind-index key (never overwrites)."""
    from kefu.compliance.crypto import Keyring, write_key_file
    from kefu.compliance.errors import KeyringError

    try:
        keyring = Keyring.generate()
        write_key_file(path, keyring)
    except KeyringError as exc:
        _fail(exc.message, EXIT_CONFIG)
    _describe(keyring, path)


@keys_app.command("rotate", cls=_UsageErrorsExit64)
def keys_rotate(
    path: Annotated[Path, typer.Argument(help="Existing key file (mode 0600).")],
    key_id: Annotated[str | None, typer.Option("--id", help="Id of the new key.")] = None,
) -> None:
    """Add a new key to a key file and make it active; old keys stay for reading."""
    from kefu.compliance.crypto import read_key_file, write_key_file
    from kefu.compliance.errors import KeyringError

    try:
        keyring = read_key_file(path).rotated(key_id)
        write_key_file(path, keyring, replace=True)
    except KeyringError as exc:
        _fail(exc.message, EXIT_CONFIG)
    _describe(keyring, path)
