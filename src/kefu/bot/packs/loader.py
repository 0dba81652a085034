"""Reads the script packs shipped as package data, validates them and lists them.

Files live in ``kefu/bot/packs/data/<industry>/``: ``intents.yaml`` (the catalog) and one
``<language>.yaml`` per language. They are read through :mod:`importlib.resources`, so the same code
works from a source checkout, an editable install and a wheel. Nothing is read at import time.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from kefu.bot.packs.schema import (
    INDUSTRIES,
    LANGUAGES,
    Catalog,
    Industry,
    Language,
    Pack,
    PackFile,
    PackInfo,
    build_pack,
)
from kefu.core.errors import InvalidInput, NotFound

CATALOG_FILE = "intents.yaml"


# libyaml's parser when PyYAML was built with it (about ten times faster), else the pure one; the
# base is chosen at run time, which mypy cannot follow, hence the ignore on the class line.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeBase):  # type: ignore[valid-type,misc]
    """A safe loader that refuses a key twice in one mapping instead of keeping the last one."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def data_root() -> Traversable:
    """The folder holding one sub-folder per industry."""
    return files("kefu.bot.packs").joinpath("data")


def read_yaml(path: Traversable | Path) -> Any:
    """Parse one YAML file; a missing, unreadable or malformed file is ``InvalidInput``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read pack file {path}: {exc}") from exc
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidInput(f"broken YAML in {path}{where}: {problem}") from exc


def _explain(exc: ValidationError | ValueError, path: Traversable | Path) -> InvalidInput:
    if isinstance(exc, ValidationError):
        problems = [
            f"{'.'.join(str(part) for part in error['loc']) or '(file)'}: {error['msg']}"
            for error in exc.errors()[:3]
        ]
        more = exc.error_count() - len(problems)
        detail = "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")
    else:
        detail = str(exc)
    return InvalidInput(f"invalid pack file {path}: {detail}")


def load_catalog_from_path(path: Traversable | Path) -> Catalog:
    """Load and validate an intent catalog file."""
    try:
        return Catalog.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise _explain(exc, path) from exc


def load_pack_from_paths(catalog_path: Traversable | Path, pack_path: Traversable | Path) -> Pack:
    """Load one language file, merge it with its catalog and validate the result."""
    catalog = load_catalog_from_path(catalog_path)
    raw = read_yaml(pack_path)
    try:
        pack_file = PackFile.model_validate(raw)
        return build_pack(catalog, pack_file)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError too
        raise _explain(exc, pack_path) from exc


def _check_industry(industry: str) -> Industry:
    for known in INDUSTRIES:
        if industry == known:
            return known
    raise NotFound(f"unknown industry {industry!r}; known: {', '.join(INDUSTRIES)}")


def _check_language(language: str) -> Language:
    for known in LANGUAGES:
        if language == known:
            return known
    raise NotFound(f"unknown language {language!r}; known: {', '.join(LANGUAGES)}")


def load_catalog(industry: str) -> Catalog:
    """The intent catalog of a shipped industry."""
    checked = _check_industry(industry)
    return load_catalog_from_path(data_root().joinpath(checked, CATALOG_FILE))


def load_pack(industry: str, language: str) -> Pack:
    """The shipped pack for ``industry`` in ``language``, validated (cached after the first load).

    Raises ``NotFound`` for an unknown industry or language or a pack that is not shipped, and
    ``InvalidInput`` when the pack's files are malformed or break a rule.
    """
    return _load_shipped(_check_industry(industry), _check_language(language))


@lru_cache(maxsize=len(INDUSTRIES) * len(LANGUAGES))
def _load_shipped(industry: Industry, language: Language) -> Pack:
    folder = data_root().joinpath(industry)
    pack_path = folder.joinpath(f"{language}.yaml")
    if not pack_path.is_file():
        raise NotFound(f"no {language} pack is shipped for {industry}")
    return load_pack_from_paths(folder.joinpath(CATALOG_FILE), pack_path)


def list_packs() -> list[PackInfo]:
    """Every shipped pack, validated, in industry then language order."""
    infos = []
    for industry in INDUSTRIES:
        folder = data_root().joinpath(industry)
        for language in LANGUAGES:
            if folder.joinpath(f"{language}.yaml").is_file():
                pack = _load_shipped(industry, language)
                infos.append(
                    PackInfo(industry=industry, language=language, intents=len(pack.intents))
                )
    return infos
