"""What the optional sentence encoder adds to Kefu's intent engine, measured in one run.

Run (in an environment that has ``sentence-transformers``, which Kefu does not install):

    python bench/nlu_encoder.py --encoder MODEL_DIR [--datasets clinc150,leyzer-pl,smp2019-zh]
                                [--weights 0.3,0.5,0.7] [--json OUT]

``MODEL_DIR`` is a sentence-transformers model directory on local disk (nothing is downloaded).
For each dataset the same run trains, on this machine:

* Kefu's default engine, no encoder (the baseline of this benchmark);
* Kefu with the encoder at every ``--weights`` share of the feature vector, with the default
  balanced threshold and, on clinc150, the threshold for 60 % dev out-of-scope recall;
* the encoder alone: a linear SVM on the embeddings, ``oos`` as a class.

The weight for the headline row is chosen on dev (best-class accuracy, which no threshold
touches), never on test. Every text is encoded once per run (a cache in front of the encoder,
with the encoder's own identity); accuracy comes from those cached embeddings. Latency is timed
separately with the uncached encoder, one message at a time as the bot would, on the first
``--latency-rows`` test rows, and split into the encoder's share and the engine's.
Datasets: KEFU_DATASETS_DIR, default ../shared/datasets beside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kefu.bot.nlu import (
    NluModel,
    NluSettings,
    SentenceEncoder,
    SentenceTransformerEncoder,
    evaluate,
    read_labelled_csv,
)
from kefu.bot.nlu.encoder import embed

sys.path.insert(0, str(Path(__file__).resolve().parent))
# the main benchmark's training, scoring and trade-off curve, so both measure alike
from nlu_eval import LANGS, datasets_dir, kefu_train, score, top1_and_weighted_f1, tradeoff

Rows = list[tuple[str, str]]


class CachedEncoder:
    """The same encoder, remembering every text it has embedded (same identity: the models it
    trains load and run with the uncached one)."""

    def __init__(self, inner: SentenceEncoder) -> None:
        self.inner = inner
        self.cache: dict[str, np.ndarray] = {}
        self.seconds = 0.0

    @property
    def identity(self) -> str:
        return self.inner.identity

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            started = time.perf_counter()
            vectors = np.asarray(self.inner.encode(missing), dtype=np.float32)
            self.seconds += time.perf_counter() - started
            self.cache.update(zip(missing, vectors, strict=True))
        return np.stack([self.cache[t] for t in texts])


def top1(model: NluModel, rows: Rows) -> float:
    """Accuracy of the best in-scope class with no out-of-scope decision."""
    best, _ = top1_and_weighted_f1(model, rows)
    assert best is not None
    return best


def figures(model: NluModel, rows: Rows, seconds: float) -> dict[str, Any]:
    result = evaluate(model, rows, train_seconds=seconds)
    return {
        "in_scope": result.in_scope_accuracy,
        "oos_recall": result.oos_recall,
        "oos_precision": result.oos_precision,
        "macro_f1": round(result.macro_f1, 2),
        "top1": round(top1(model, rows), 2),
        "train_s": round(seconds, 1),
        "threshold": round(model.threshold, 3),
    }


def encoder_alone(cached: CachedEncoder, rows: Rows, test: Rows, normalise: Any) -> dict[str, Any]:
    """A linear SVM on the embeddings alone (``oos`` as a class): what the encoder knows."""
    from sklearn.svm import LinearSVC

    x = embed(cached, [normalise(t) for t, _ in rows])
    started = time.perf_counter()
    svm = LinearSVC(C=1.0).fit(x, [i for _, i in rows])
    seconds = time.perf_counter() - started
    predicted = [str(p) for p in svm.predict(embed(cached, [normalise(t) for t, _ in test]))]
    result = score([i for _, i in test], predicted, seconds, np.zeros(1))  # no latency here
    return {
        "in_scope": result.in_scope,
        "oos_recall": result.oos_recall,
        "macro_f1": round(result.macro_f1, 2),
        "train_s": round(seconds, 1),
    }


def latency(model: NluModel, rows: Rows, raw: SentenceEncoder | None) -> dict[str, float]:
    """Single-pass per-message latency (with the uncached encoder, if the model has one), and
    the encoder's own time for the same message."""
    if raw is not None:
        model.encoder = raw
    total, encoder_only = [], []
    for text, _ in rows[:20]:
        model.predict(text)
    for text, _ in rows:
        started = time.perf_counter()
        model.predict(text)
        total.append((time.perf_counter() - started) * 1000.0)
        if raw is not None:
            started = time.perf_counter()
            embed(raw, [text])
            encoder_only.append((time.perf_counter() - started) * 1000.0)
    t = np.array(total)
    out = {
        "p50_ms": round(float(np.percentile(t, 50)), 2),
        "p99_ms": round(float(np.percentile(t, 99)), 2),
    }
    if encoder_only:
        e = np.array(encoder_only)
        out["encoder_p50_ms"] = round(float(np.percentile(e, 50)), 2)
        out["encoder_p99_ms"] = round(float(np.percentile(e, 99)), 2)
    return out


def normaliser(model: NluModel) -> Any:
    """The text the engine hands the encoder for a message (the analysis' normalised text)."""
    from kefu.bot.nlu.features import analyze

    return lambda text: analyze(text, model.space.config, hint=model.meta.language_hint).text


def run_dataset(
    name: str,
    root: Path,
    raw: SentenceEncoder,
    cached: CachedEncoder,
    weights: list[float],
    latency_rows: int,
) -> dict[str, Any]:
    lang = LANGS[name]
    train_rows = read_labelled_csv(root / name / "train.csv")
    dev_path = root / name / "dev.csv"
    dev = read_labelled_csv(dev_path) if dev_path.exists() else None
    test = read_labelled_csv(root / name / "test.csv")
    has_oos = any(i == "oos" for _, i in test)
    out: dict[str, Any] = {"dataset": name, "rows": [len(train_rows), len(test)]}

    plain, seconds = kefu_train(train_rows, dev, lang, NluSettings())
    out["kefu"] = figures(plain, test, seconds)
    if dev is not None:
        out["kefu"]["dev_top1"] = round(top1(plain, dev), 2)
    out["kefu_latency"] = latency(plain, test[:latency_rows], None)

    with_encoder: dict[str, Any] = {}
    models: dict[float, NluModel] = {}
    best: tuple[float, float] | None = None
    for weight in weights:
        settings = NluSettings(encoder_weight=weight)
        model, seconds = kefu_train(train_rows, dev, lang, settings, cached)
        models[weight] = model
        row = figures(model, test, seconds)
        if dev is not None:
            row["dev_top1"] = round(top1(model, dev), 2)
            if best is None or row["dev_top1"] > best[1]:
                best = (weight, row["dev_top1"])
        if has_oos:
            target, seconds = kefu_train(
                train_rows, dev, lang, NluSettings(encoder_weight=weight, oos_recall=0.6), cached
            )
            row["oos_recall_60"] = figures(target, test, seconds)
        with_encoder[str(weight)] = row
        print(f"  {name} weight {weight}: {json.dumps(row)}", file=sys.stderr)
    out["with_encoder"] = with_encoder
    default = NluSettings().encoder_weight
    chosen = best[0] if best is not None else (default if default in models else weights[0])
    out["weight_chosen_on_dev"] = chosen
    model = models[chosen]
    if has_oos:
        out["with_encoder_tradeoff"] = tradeoff(model, test)
        out["kefu_tradeoff"] = tradeoff(plain, test)
    out["with_encoder_latency"] = latency(model, test[:latency_rows], raw)
    out["encoder_alone"] = encoder_alone(cached, train_rows, test, normaliser(model))
    return out


def print_summary(results: list[dict[str, Any]]) -> None:
    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.1f}"

    header = f"{'dataset':<11} {'variant':<28} {'in-scope':>8} {'oos R':>6} {'top-1':>6} {'F1':>6}"
    print(header)
    print("-" * len(header))
    for result in results:
        name = result["dataset"]
        rows = [("Kefu, no encoder", result["kefu"])]
        for weight, row in result["with_encoder"].items():
            mark = " (dev)" if float(weight) == result["weight_chosen_on_dev"] else ""
            rows.append((f"+ encoder w={weight}{mark}", row))
            if "oos_recall_60" in row:
                rows.append((f"+ encoder w={weight}, oos 60", row["oos_recall_60"]))
        rows.append(("encoder alone (SVM)", result["encoder_alone"] | {"top1": None}))
        for variant, row in rows:
            print(
                f"{name:<11} {variant:<28} {cell(row['in_scope']):>8} "
                f"{cell(row.get('oos_recall')):>6} {cell(row.get('top1')):>6} "
                f"{cell(row['macro_f1']):>6}"
            )
        a, b = result["kefu_latency"], result["with_encoder_latency"]
        print(
            f"{name:<11} latency p50/p99 ms: no encoder {a['p50_ms']}/{a['p99_ms']}, "
            f"with encoder {b['p50_ms']}/{b['p99_ms']} (encoder alone "
            f"{b['encoder_p50_ms']}/{b['encoder_p99_ms']}); ratio p99 "
            f"{b['p99_ms'] / a['p99_ms']:.1f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", required=True, help="sentence-transformers model directory")
    parser.add_argument("--datasets", default="clinc150")
    parser.add_argument("--weights", default="0.3,0.5,0.7")
    parser.add_argument("--latency-rows", type=int, default=1000)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args(argv)
    root = datasets_dir()
    if not root.is_dir():
        print(f"datasets not found at {root} (set KEFU_DATASETS_DIR)", file=sys.stderr)
        return 2
    names = args.datasets.split(",")
    unknown = [n for n in names if n not in LANGS]
    if unknown:
        print(f"unknown dataset(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    weights = [float(w) for w in args.weights.split(",")]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    raw = SentenceTransformerEncoder(args.encoder)
    embed(raw, ["warm up"])
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cached = CachedEncoder(raw)
    results = [run_dataset(name, root, raw, cached, weights, args.latency_rows) for name in names]
    extra = {
        "encoder": raw.identity,
        "encoder_load_peak_rss_mb": round((rss_after - rss_before) / 1024, 1),
        "encoding_seconds": round(cached.seconds, 1),
        "texts_encoded": len(cached.cache),
        "cpu_cores": len(os.sched_getaffinity(0)),
        "load_average_end": [round(v, 2) for v in os.getloadavg()],
    }
    print_summary(results)
    print(json.dumps(extra, indent=1))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"results": results, **extra}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
