"""`kefu nlu ...`: evaluate the intent and FAQ engine on labelled CSV files, or try a message."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer

if TYPE_CHECKING:
    from kefu.bot.nlu import KnowledgeBase, NluModel

app = typer.Typer(help="Intent and FAQ engine: evaluate and predict.", no_args_is_help=True)

_LANG_HELP = (
    "Language hint for messages without evidence: en, pl, zh-Hans or zh-Hant (zh = zh-Hans)"
)


def fail(message: str) -> NoReturn:
    """One plain line on stderr and exit code 2, like a usage error."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _language(lang: str | None) -> str | None:
    if lang is None:
        return None
    aliases = {"zh": "zh-Hans", "zh-cn": "zh-Hans", "zh-tw": "zh-Hant", "zh-hk": "zh-Hant"}
    value = aliases.get(lang.strip().lower(), lang.strip())
    known = {"en": "en", "pl": "pl", "zh-hans": "zh-Hans", "zh-hant": "zh-Hant"}
    resolved = known.get(value.lower())
    if resolved is None:
        fail(f"unknown --lang {lang!r}: use en, pl, zh-Hans or zh-Hant")
    return resolved


@contextmanager
def _progress() -> Iterator[Callable[[float, str], None]]:
    """A rich progress bar on stderr, so stdout stays clean for --json."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("training", total=100)

        def report(fraction: float, stage: str) -> None:
            bar.update(task, completed=round(100 * fraction), description=stage)

        yield report


def _train(
    train_csv: str,
    lang: str | None,
    dev_csv: str | None = None,
    oos_recall: float | None = None,
    encoder_dir: str | None = None,
) -> tuple[NluModel, float]:
    from kefu.bot.nlu import (
        NluSettings,
        SentenceTransformerEncoder,
        knowledge_base_from_rows,
        read_labelled_csv,
        train,
    )

    kb: KnowledgeBase = knowledge_base_from_rows(read_labelled_csv(train_csv), _language(lang))
    dev = read_labelled_csv(dev_csv) if dev_csv else None
    settings = NluSettings(oos_recall=oos_recall)
    encoder = SentenceTransformerEncoder(encoder_dir) if encoder_dir else None
    started = time.perf_counter()
    with _progress() as report:
        model = train(kb, dev=dev, settings=settings, encoder=encoder, progress=report)
    return model, time.perf_counter() - started


def _print_table(title: str, rows: list[tuple[str, str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    Console().print(table)


def _shown(value: float | None, unit: str = "") -> str:
    return "n/a (no oos rows)" if value is None else f"{value:.2f}{unit}"


@app.command("eval")
def eval_command(
    train_csv: str = typer.Option(..., "--train", help="Training CSV: text,intent"),
    test_csv: str = typer.Option(..., "--test", help="Test CSV: text,intent ('oos' rows)"),
    dev_csv: str | None = typer.Option(
        None, "--dev", help="Dev CSV for the out-of-scope threshold (oos rows) and calibration"
    ),
    lang: str | None = typer.Option(None, "--lang", help=_LANG_HELP),
    oos_recall: float | None = typer.Option(
        None,
        "--oos-recall",
        help="Pick the lowest threshold reaching this held-out oos recall (0-1) instead of "
        "balancing in-scope accuracy and oos recall",
    ),
    encoder_dir: str | None = typer.Option(
        None, "--encoder", help="sentence-transformers model directory to add (off by default)"
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Train on --train, then report in-scope accuracy, oos recall/precision, macro-F1,
    training seconds and per-message latency on --test."""
    from kefu.bot.nlu import evaluate, read_labelled_csv
    from kefu.core.errors import KefuError

    try:
        test_rows = read_labelled_csv(test_csv)
        model, seconds = _train(train_csv, lang, dev_csv, oos_recall, encoder_dir)
        result = evaluate(model, test_rows, train_seconds=seconds)
    except KefuError as exc:
        fail(exc.message)
    if as_json:
        typer.echo(json.dumps(result.to_dict()))
        return
    _print_table(
        f"kefu nlu eval ({len(test_rows)} test rows)",
        [
            ("in-scope accuracy", _shown(result.in_scope_accuracy, " %")),
            ("oos recall", _shown(result.oos_recall, " %")),
            ("oos precision", _shown(result.oos_precision, " %")),
            ("macro-F1", f"{result.macro_f1:.2f} %"),
            ("training", f"{result.train_seconds:.2f} s"),
            ("latency p50", f"{result.p50_ms:.3f} ms"),
            ("latency p99", f"{result.p99_ms:.3f} ms"),
            (
                "threshold",
                f"{model.threshold:.3f} ({model.calibration.source})",
            ),
        ],
    )


@app.command("predict")
def predict_command(
    text: str = typer.Argument(..., help="The customer message"),
    train_csv: str = typer.Option(..., "--train", help="Training CSV: text,intent"),
    lang: str | None = typer.Option(None, "--lang", help=_LANG_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Train on --train and show what TEXT means: intent, confidence and the top 3."""
    from kefu.core.errors import KefuError

    if not text.strip():
        fail("TEXT is empty")
    try:
        model, _ = _train(train_csv, lang)
        prediction = model.predict(text)
    except KefuError as exc:
        fail(exc.message)
    if as_json:
        typer.echo(json.dumps(prediction.to_dict(), ensure_ascii=False))
        return
    verdict = "out of scope" if prediction.out_of_scope else str(prediction.intent)
    typer.echo(f"intent: {verdict}")
    typer.echo(f"confidence: {prediction.confidence:.3f} (threshold {model.threshold:.3f})")
    typer.echo(f"language: {prediction.language}")
    for rank, candidate in enumerate(prediction.top, start=1):
        typer.echo(f"  {rank}. {candidate.name} ({candidate.kind}) {candidate.score:.3f}")
