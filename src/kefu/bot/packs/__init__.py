"""Industry script packs (话术库): intents, customer phrasings, answer templates, quick replies and
slots for e-commerce, education, catering and tourism in zh-CN, zh-TW, en and pl.

Public API: :func:`load_pack`, :func:`list_packs`, :func:`load_catalog` and the models in
:mod:`kefu.bot.packs.schema`. See docs/packs.md.
"""

from kefu.bot.packs.loader import list_packs, load_catalog, load_pack
from kefu.bot.packs.schema import (
    INDUSTRIES,
    LANGUAGES,
    TEMPLATE_VARIABLES,
    Catalog,
    CatalogIntent,
    Pack,
    PackInfo,
    PackIntent,
    QuickReply,
    Slot,
)

__all__ = [
    "INDUSTRIES",
    "LANGUAGES",
    "TEMPLATE_VARIABLES",
    "Catalog",
    "CatalogIntent",
    "Pack",
    "PackInfo",
    "PackIntent",
    "QuickReply",
    "Slot",
    "list_packs",
    "load_catalog",
    "load_pack",
]
