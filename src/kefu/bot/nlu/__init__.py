"""Kefu's multilingual intent and FAQ engine (English, Polish, Chinese), with out-of-scope
detection, calibrated confidence and per-workspace live model updates.

Typical use::

    kb = KnowledgeBase(intents=[Intent("refund", ["I want my money back", ...])],
                       faqs=[Faq("hours", "When are you open?", "9-17", similar=[...])])
    model = train(kb)                       # seconds; or ModelRegistry(...).update(ws, kb)
    prediction = model.predict("jak zwrócić zamówienie?")

Importing this package loads no model, segmenter or converter; they are built on first use.
"""

from kefu.bot.nlu.encoder import SentenceEncoder, SentenceTransformerEncoder
from kefu.bot.nlu.evaluate import (
    Evaluation,
    evaluate,
    knowledge_base_from_rows,
    read_labelled_csv,
)
from kefu.bot.nlu.features import warm_up
from kefu.bot.nlu.kb import Faq, Intent, KnowledgeBase
from kefu.bot.nlu.language import LanguageGuess, detect_language
from kefu.bot.nlu.model import Candidate, NluModel, Prediction
from kefu.bot.nlu.persist import ModelFileError
from kefu.bot.nlu.persist import load as load_model
from kefu.bot.nlu.persist import save as save_model
from kefu.bot.nlu.registry import BuildSuperseded, ModelRegistry, WorkspaceStatus
from kefu.bot.nlu.settings import NluSettings
from kefu.bot.nlu.training import OOS_LABEL, train

__all__ = [
    "OOS_LABEL",
    "BuildSuperseded",
    "Candidate",
    "Evaluation",
    "Faq",
    "Intent",
    "KnowledgeBase",
    "LanguageGuess",
    "ModelFileError",
    "ModelRegistry",
    "NluModel",
    "NluSettings",
    "Prediction",
    "SentenceEncoder",
    "SentenceTransformerEncoder",
    "WorkspaceStatus",
    "detect_language",
    "evaluate",
    "knowledge_base_from_rows",
    "load_model",
    "read_labelled_csv",
    "save_model",
    "train",
    "warm_up",
]
