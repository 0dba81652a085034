"""The loader: shipped packs via importlib.resources; clear errors for bad names and files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kefu.bot.packs.loader import (
    data_root,
    list_packs,
    load_catalog,
    load_catalog_from_path,
    load_pack,
    load_pack_from_paths,
)
from kefu.bot.packs.schema import INDUSTRIES, LANGUAGES, MIN_EXAMPLES
from kefu.core.errors import InvalidInput, NotFound


def _write_valid_pair(folder: Path) -> tuple[Path, Path]:
    catalog = load_catalog("ecommerce")
    catalog_path = folder / "intents.yaml"
    catalog_path.write_text(
        yaml.safe_dump(catalog.model_dump(mode="json"), allow_unicode=True), encoding="utf-8"
    )
    intents = {
        entry.name: {
            "examples": [f"{entry.name} example {n}" for n in range(MIN_EXAMPLES)],
            "answer": "Thanks {{ contact.name }}",
        }
        for entry in catalog.intents
    }
    pack_path = folder / "en.yaml"
    pack_path.write_text(
        yaml.safe_dump(
            {"industry": "ecommerce", "language": "en", "intents": intents}, sort_keys=False
        ),
        encoding="utf-8",
    )
    return catalog_path, pack_path


def test_every_catalog_loads() -> None:
    for industry in INDUSTRIES:
        catalog = load_catalog(industry)
        assert catalog.industry == industry
        assert len(catalog.intents) >= 40


def test_list_packs_reports_every_shipped_file() -> None:
    shipped = {
        (industry, language)
        for industry in INDUSTRIES
        for language in LANGUAGES
        if data_root().joinpath(industry, f"{language}.yaml").is_file()
    }
    infos = list_packs()
    assert {(info.industry, info.language) for info in infos} == shipped
    for info in infos:
        assert info.intents == len(load_catalog(info.industry).intents)


def test_every_industry_ships_in_every_language() -> None:
    pairs = [(info.industry, info.language) for info in list_packs()]
    assert pairs == [(i, lang) for i in INDUSTRIES for lang in LANGUAGES]


def test_load_pack_is_cached_and_matches_the_catalog() -> None:
    info = list_packs()[0]
    pack = load_pack(info.industry, info.language)
    assert pack is load_pack(info.industry, info.language)
    assert [i.name for i in pack.intents] == [i.name for i in load_catalog(info.industry).intents]


def test_unknown_industry_or_language_is_not_found() -> None:
    with pytest.raises(NotFound, match="unknown industry 'banking'; known: ecommerce"):
        load_pack("banking", "en")
    with pytest.raises(NotFound, match="unknown language 'de'"):
        load_pack("ecommerce", "de")
    with pytest.raises(NotFound, match="unknown industry"):
        load_catalog("../ecommerce")


def test_a_valid_pair_loads_from_paths(tmp_path: Path) -> None:
    catalog_path, pack_path = _write_valid_pair(tmp_path)
    pack = load_pack_from_paths(catalog_path, pack_path)
    assert pack.language == "en"
    assert pack.intent("complaint").handoff == "complaint"


def test_broken_yaml_gives_line_and_file(tmp_path: Path) -> None:
    catalog_path, pack_path = _write_valid_pair(tmp_path)
    pack_path.write_text(
        "industry: ecommerce\nlanguage: en\nintents:\n  greeting:\n    examples: [hi, hello\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match=r"broken YAML in .*en\.yaml at line \d+") as info:
        load_pack_from_paths(catalog_path, pack_path)
    assert info.value.code == "invalid_input"


def test_duplicate_keys_are_refused_not_silently_merged(tmp_path: Path) -> None:
    catalog_path, pack_path = _write_valid_pair(tmp_path)
    text = pack_path.read_text(encoding="utf-8")
    pack_path.write_text(text + "  thanks:\n    examples: [a]\n    answer: b\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="duplicate key 'thanks'"):
        load_pack_from_paths(catalog_path, pack_path)


def test_rule_breaks_are_invalid_input_with_the_location(tmp_path: Path) -> None:
    catalog_path, pack_path = _write_valid_pair(tmp_path)
    data = yaml.safe_load(pack_path.read_text(encoding="utf-8"))
    data["intents"]["greeting"]["answer"] = "Hi {{ contact.email }}"
    pack_path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"answer uses 'contact\.email': unknown variable"):
        load_pack_from_paths(catalog_path, pack_path)


def test_yaml_booleans_are_not_taken_for_examples(tmp_path: Path) -> None:
    catalog_path, pack_path = _write_valid_pair(tmp_path)
    data = yaml.safe_load(pack_path.read_text(encoding="utf-8"))
    pack_path.write_text(
        yaml.safe_dump(data).replace("- goodbye example 0", "- no"), encoding="utf-8"
    )
    with pytest.raises(InvalidInput, match=r"intents\.goodbye\.examples\.0: Input should be"):
        load_pack_from_paths(catalog_path, pack_path)


def test_missing_or_not_a_mapping_file(tmp_path: Path) -> None:
    catalog_path, _ = _write_valid_pair(tmp_path)
    with pytest.raises(InvalidInput, match="cannot read pack file"):
        load_pack_from_paths(catalog_path, tmp_path / "pl.yaml")
    listing = tmp_path / "list.yaml"
    listing.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="invalid pack file"):
        load_catalog_from_path(listing)
