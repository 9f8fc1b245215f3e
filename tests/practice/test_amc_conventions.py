"""The complementaries' teletransmission parameters and the AMC conventions directory: add, import (all or
nothing, idempotent, junk refused line by line), list, search (one, several paged, too many then refined)."""

from __future__ import annotations

from pathlib import Path

import pytest

from feuille.auth import Context
from feuille.domain import conventions as dom
from feuille.domain import organisms as org
from feuille.errors import ConflictError, ValidationError
from feuille.practice import amc_conventions, organisms
from feuille.storage.models import AmcConvention, AuditEntry
from tests.billing.test_drafts import count

AMC = "1100000000"
HEADER = ("id_signataire;libelle_signataire;convention_groupe;type_convention;critere_secondaire;type_accord;"
          "numero_amc;libelle_amc;desactivee;dre;pec_obligatoire;demo\n")


def write(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "conventions.csv") -> Path:
    path = tmp_path / name
    path.write_text(header + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


# --- the AMC organism's teletransmission parameters ---------------------------------------------------------------

def test_an_amc_organism_keeps_its_dre_parameters_and_says_its_routing(ctx: Context) -> None:
    new = organisms.add_amc_organism(ctx, {"name": "Mut Test", "number": AMC, "contract_type": "1",
                                           "prefectoral_number": "11 000 000 00", "dre_accepted": "oui",
                                           "dre_address": f"{AMC}@amc.rss.fr"})
    view = organisms.get_amc_organism(ctx, new)
    assert (view.prefectoral_number, view.dre_accepted, view.dre_address) == (AMC, True, f"{AMC}@amc.rss.fr")
    assert view.routing is org.Routing.DRE
    organisms.update_amc_organism(ctx, new, {"dre_accepted": "non"})
    assert organisms.get_amc_organism(ctx, new).routing is org.Routing.AUCUNE
    unique = organisms.add_amc_organism(ctx, {"name": "C2S", "number": "99999997", "contract_type": "89",
                                              "management": "unique"})
    assert organisms.get_amc_organism(ctx, unique).routing is org.Routing.FSE


@pytest.mark.parametrize(("changes", "code", "field"), [
    ({"dre_accepted": True}, "dre_address_missing", "dre_address"),
    ({"dre_accepted": True, "dre_address": "x@y.fr", "management": "unique"}, "dre_management", "dre_accepted"),
    ({"dre_accepted": "peut-être"}, "format", "dre_accepted"),
    ({"dre_address": "pas une adresse"}, "email_format", "dre_address"),
    ({"prefectoral_number": "1100000000X"}, "amc_number_format", "prefectoral_number"),
])
def test_bad_dre_parameters_are_refused(ctx: Context, changes: dict[str, object], code: str, field: str) -> None:
    before = count(ctx, AuditEntry)
    with pytest.raises(ValidationError) as caught:
        organisms.add_amc_organism(ctx, {"name": "Mut", "number": AMC, "contract_type": "01", **changes})
    assert (caught.value.code, caught.value.field) == (code, field)
    assert count(ctx, AuditEntry) == before


# --- the directory ------------------------------------------------------------------------------------------------

def test_import_is_all_or_nothing_idempotent_and_audited(ctx: Context, tmp_path: Path) -> None:
    good = write(tmp_path, f"{AMC};Zz1;;CM;T;;{AMC};MUT TEST CNDA;0;oui;oui;oui",
                 f"{AMC};Zz1;;CM;;;{AMC};MUT TEST CNDA;0;non;non;oui")
    assert amc_conventions.import_conventions(ctx, good) == amc_conventions.ImportResult(2, 0, 0)
    assert amc_conventions.import_conventions(ctx, good) == amc_conventions.ImportResult(0, 0, 2)
    changed = write(tmp_path, f"{AMC};Zz1;;CM;T;;{AMC};MUT TEST CNDA;1;oui;oui;oui", name="v2.csv")
    assert amc_conventions.import_conventions(ctx, changed) == amc_conventions.ImportResult(0, 1, 0)
    listed = amc_conventions.list_conventions(ctx, AMC)
    assert [(v.label(), v.disabled, v.dre, v.demo) for v in listed] == [("CM", False, False, True),
                                                                        ("CM / T", True, True, True)]
    assert count(ctx, AuditEntry) >= 3
    junk = write(tmp_path, f"{AMC};Zz1;;CM;X;;{AMC};;0;oui;non;non", f"{AMC};Zz1;;C M!;;;{AMC};;0;;;",
                 f"{AMC};;;CM;Y;;;;0;;;", f"{AMC};;;CM;Z;;{AMC};;peut-être;;;", f"{AMC};Zz1;;CM;X;;{AMC};;0;;;",
                 name="junk.csv")
    before = count(ctx, AmcConvention)
    with pytest.raises(ValidationError) as caught:
        amc_conventions.import_conventions(ctx, junk)
    message = caught.value.message
    assert "ligne 3" in message and "ligne 4 : N° AMC : champ obligatoire" in message and "ligne 5" in message
    assert "ligne 6 : même convention que la ligne 2" in message and len(caught.value.problems) == 4
    assert count(ctx, AmcConvention) == before


@pytest.mark.parametrize("content", [b"", b"\x00\x01binaire", b"id;x\n1;2\n", b"\xff\xfe\x00n\x00o"])
def test_a_junk_file_is_refused_in_french(ctx: Context, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "junk.csv"
    path.write_bytes(content)
    with pytest.raises(ValidationError) as caught:
        amc_conventions.import_conventions(ctx, path)
    assert caught.value.code.startswith("import_") and caught.value.field in ("fichier", "colonne")
    with pytest.raises(ValidationError) as missing:
        amc_conventions.import_conventions(ctx, tmp_path / "absent.csv")
    assert missing.value.code == "import_missing"


def test_add_refuses_a_duplicate_and_bad_values(ctx: Context) -> None:
    data = {"signatory_id": AMC, "convention_type": "cm", "amc_number": AMC, "secondary_criterion": "t"}
    first = amc_conventions.add_convention(ctx, data)
    assert amc_conventions.list_conventions(ctx)[0].label() == "CM / T" and first
    with pytest.raises(ConflictError) as caught:
        amc_conventions.add_convention(ctx, data)
    assert caught.value.code == "amc_convention_exists"
    with pytest.raises(ValidationError) as bad:
        amc_conventions.add_convention(ctx, {"signatory_id": "", "convention_type": "TROPLONG", "amc_number": "x!",
                                             "inconnu": 1})
    assert bad.value.code == "unknown_field" or bad.value.field in ("inconnu", "data")
    with pytest.raises(ValidationError) as several:
        amc_conventions.add_convention(ctx, {"signatory_id": "", "convention_type": "TROPLONG", "amc_number": "x!"})
    assert {p.field for p in several.value.problems} == {"signatory_id", "convention_type", "amc_number"}


def test_search_one_several_paged_too_many_then_refined(ctx: Context) -> None:
    for n in range(12):
        amc_conventions.add_convention(ctx, {"signatory_id": f"S{n:02d}", "convention_type": "CM",
                                             "secondary_criterion": f"C{n:02d}", "amc_number": AMC})
    found = amc_conventions.search_conventions(ctx, AMC)
    assert (found.total, found.pages, len(found.shown)) == (12, 2, dom.PAGE_SIZE)
    second = amc_conventions.search_conventions(ctx, AMC, page=2)
    assert [v.secondary_criterion for v in second.shown] == ["C10", "C11"]
    one = amc_conventions.search_conventions(ctx, AMC, "cm", "c03")
    assert [v.signatory_id for v in one.shown] == ["S03"]
    assert amc_conventions.search_conventions(ctx, "2200000000").total == 0
    with pytest.raises(ValidationError) as page:
        amc_conventions.search_conventions(ctx, AMC, page=3)
    assert page.value.code == "search_page"
    for n in range(12, dom.SEARCH_LIMIT + 1):
        amc_conventions.add_convention(ctx, {"signatory_id": f"S{n:02d}", "convention_type": "CM",
                                             "secondary_criterion": f"C{n:02d}", "amc_number": AMC})
    with pytest.raises(ValidationError) as too_many:
        amc_conventions.search_conventions(ctx, AMC)
    assert too_many.value.code == "amc_conventions_too_many"
    assert "renseignez le type de convention et le critère secondaire (carte mutuelle)" in too_many.value.message
    assert amc_conventions.search_conventions(ctx, AMC, "CM", "C40").total == 1
    with pytest.raises(ValidationError) as junk:
        amc_conventions.search_conventions(ctx, AMC, "C M!", None)
    assert junk.value.field == "convention_type"
