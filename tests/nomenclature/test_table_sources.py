"""Every value of rates.json and billing_facts.json names a public source (issue 9, "What to build").

The walker below is the rule: a value is covered by a ``source`` key of its object or of an enclosing one (below
the document root, whose ``source`` only points here), or by a sibling ``<key>_source``. A source must name a
public document (a URL or web site, a public repository, the vendor manuals of ../shared/seeds, the CNAM's CCAM
listing) and never lean on DOMAIN.md, a project document.
"""

from __future__ import annotations

import copy
import json
import re
from importlib import resources
from typing import Any

import pytest

# Keys that describe rather than state a domain value: metadata, explanations, the engine's own ordering of
# its rules (which rule wins is a design choice of feuille, not a figure from a text).
NOT_VALUES = frozenset({"table", "version", "about", "why", "precedence", "not_sourced", "refused"})
PUBLIC = re.compile(
    r"https?://|\b[\w-]+\.(?:fr|org|com|net|info|eu)\b|\.\./shared/seeds/\d{3}_|\.\./shared/data/ccam/listing/"
    r"|GitHub repository|dépôt GitHub|GIE SESAM-Vitale"
)


def _is_source_key(key: str) -> bool:
    return key == "source" or key.endswith("_source")


def source_problems(doc: dict[str, Any]) -> list[str]:
    """Where ``doc`` states a value without a public source, and which sources are not public."""
    problems: list[str] = []
    _walk(doc, "", False, problems, root=True)
    return problems


def _walk(node: object, path: str, covered: bool, problems: list[str], root: bool = False) -> None:
    if isinstance(node, dict):
        own = not root and "source" in node
        for key, value in node.items():
            where = f"{path}.{key}" if path else key
            if _is_source_key(key):
                if not (root and key == "source"):  # the root's source only points to the entries' own
                    _check_text(where, value, problems)
            elif key not in NOT_VALUES:
                _walk(value, where, covered or own or f"{key}_source" in node, problems)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            _walk(item, f"{path}[{index}]", covered, problems)
    elif not covered:
        problems.append(f"{path}: no source")


def _check_text(where: str, text: object, problems: list[str]) -> None:
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where}: empty source")
    elif "DOMAIN.md" in text:
        problems.append(f"{where}: cites DOMAIN.md (a project document, not a public source)")
    elif not PUBLIC.search(text):
        problems.append(f"{where}: names no public document")


def _load(package: str, name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(resources.files(package).joinpath("data", name).read_text(encoding="utf-8"))
    return loaded


RATES = ("feuille.nomenclature", "rates.json")
FACTS = ("feuille.billing", "billing_facts.json")


@pytest.mark.parametrize("table", [RATES, FACTS], ids=["rates.json", "billing_facts.json"])
def test_every_value_of_the_shipped_tables_is_sourced(table: tuple[str, str]) -> None:
    assert source_problems(_load(*table)) == []


def _without(doc: dict[str, Any], *path: Any) -> dict[str, Any]:
    changed = copy.deepcopy(doc)
    node = changed
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return changed


@pytest.mark.parametrize(("table", "path", "reported"), [
    (RATES, ("natures", "at", "source"), "natures.at.rate: no source"),
    (RATES, ("exonerations", "9", "source"), "exonerations.9.rate: no source"),
    (RATES, ("parcours_source",), "parcours.T: no source"),
    (RATES, ("ccam", "associations_source"), "ccam.associations.2: no source"),
    (RATES, ("services_amo", "C2S", "source"), "services_amo.C2S.complementary.contract_type: no source"),
    (RATES, ("participation_forfaitaire", "source"), "participation_forfaitaire.deducted_from_fse: no source"),
    (RATES, ("flat_participation", "periods", 1, "source"), None),  # still covered by the section's source
    (FACTS, ("care_dates", "source"), "care_dates.max_age_days: no source"),
    (FACTS, ("proof_rates", "source"), "proof_rates.rates.fsv.coverage.exoneration: no source"),
])
def test_removing_a_source_is_reported(table: tuple[str, str], path: tuple[Any, ...], reported: str | None) -> None:
    problems = source_problems(_without(_load(*table), *path))
    if reported is None:
        assert problems == []
    else:
        assert reported in problems


@pytest.mark.parametrize(("text", "reported"), [
    ("", "x.source: empty source"),
    ("DOMAIN.md (maternity, work accident 100 %)",
     "x.source: cites DOMAIN.md (a project document, not a public source)"),
    ("issue 9 §5: billed on paper", "x.source: names no public document"),
    ("as the team remembers it", "x.source: names no public document"),
])
def test_a_source_must_name_a_public_document(text: str, reported: str) -> None:
    assert source_problems({"x": {"rate": 100, "source": text}}) == [reported]


def test_public_sources_are_accepted() -> None:
    for text in ("ameli.fr, « Le forfait à 24 euros »", "https://www.legifrance.gouv.fr/x",
                 "seed manual ../shared/seeds/001_de9b5a154fe2efe7.txt line 907",
                 "GitHub repository indsante/Documentation-SNDS, fiches/tables_affinees.md"):
        assert source_problems({"x": {"rate": 100, "source": text}}) == []


def test_the_root_source_covers_nothing() -> None:
    assert source_problems({"source": "see https://example.org", "sectors": [1]}) == ["sectors[0]: no source"]
