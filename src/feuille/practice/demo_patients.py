"""Demo data from the manuals: the AMO and AMC organism lists, the patients they show, some contracts.

Idempotent: an organism or patient already there is left alone. Where a manual gives no NIR or no birth date,
the value below is invented (with a correct key) and says so in a comment; everything else is read from the
manuals in ``../shared/seeds``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from feuille.auth import Context
from feuille.errors import ConflictError
from feuille.practice import amc_contracts, amc_conventions, organisms, patients
from feuille.storage.models import AmcOrganism, AmoOrganism

AMO = [  # « Liste des organismes AMO » (eS-KAP+ manual) and the Winoptics card reading (Caisse de TEST)
    ("08", "835", "0300", "CNMSS Personnes invalides de guerre"),
    ("08", "758", "0200", "CNMSS Personnel"),
    ("01", "261", "0000", "CPAM VALENCE"),
    ("01", "349", "9881", "Flux CNAMTS CNDA"),
    ("10", "349", "0210", "Flux CRPCEN CNDA"),
    ("02", "349", "0000", "Flux MSA CNDA"),
    ("02", "571", "0000", "MSA METZ"),
    ("02", "345", "0000", "MSA MONTPELLIER"),
    ("01", "999", "9999", "CPAM-Caisse de TEST"),
]

AMC: list[dict[str, Any]] = [  # « Liste des organismes AMC », the fiches and the tiers-payant cards shown
    {"name": "525EME MUTUELLE D'ENTREPRISES DE L'AUTOMOBILE ET DU VEHICULE INDUSTRIEL", "number": "779926294"},
    {"name": "A2 VIP", "number": "803795038"},
    {"name": "ACM IARD S.A.", "number": "1400001"},
    {"name": "ACORIS MUTUELLES", "number": "0780004099", "address": "6-8, VIADUC KENNEDY", "postcode": "54042",
     "town": "NANCY CEDEX", "phone": "08.10.00.10.20"},
    {"name": "ACTIL", "number": "69906121"},
    {"name": "ADEP", "number": "44992741"},
    {"name": "ADREA MUTUELLE CENTRE DE GESTION", "number": "311799878"},
    {"name": "ALMERYS", "number": "0098532001"},
    # DRE parameters: the manual's « Mut. Test CNDA » takes DRE (lot AAE to 1100000…); its mailbox is the caisse de
    # test's (feuille's own addressing, docs/dre.md). Demo data.
    {"name": "Mut. Test CNDA", "number": "1100000000", "prefectoral_number": "1100000000", "dre_accepted": True,
     "dre_address": "1100000000@amc.rss.fr"},
    {"name": "C2S (RO) régime obligatoire", "number": "99999997", "contract_type": "89", "management": "unique"},
    {"name": "Abeille IARD & Santé", "number": "00490003", "address": "13 rue du Moulin Bailly",
     "postcode": "92270", "town": "Bois-Colombes"},
]

CNAMTS = {"amo_regime": "01", "amo_caisse": "349", "amo_centre": "9881"}


def _c2s(start: str, end: str) -> list[dict[str, object]]:
    return [{"kind": "service_amo", "code": "C2S", "start": start, "end": end}]


PATIENTS: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
    # Stellair offline records: NIR 1421962965165 96, "attestation CMU, TP intégral". The NIR's month 19 means the
    # month is unknown and no birth date is given: a lunar date of 1942 (invented day and month 00).
    ({"last_name": "ESSAI", "first_name": "Alain", "birth_date": "00/00/1942", "lunar": True,
      "insured_nir": "1421962965165 96", **CNAMTS, "amo_proof": "attestation", "reimbursement_rate": "100_toutes",
      "periods": _c2s("01/01/2024", "31/12/2024")},  # C2S dates invented
     [{"amc": "C2S (RO) régime obligatoire", "management": "unique", "contract_type": "89"}]),
    # Offline record: 01/01/1981, rank 1, male, no NIR known; ALD shown on his online file.
    ({"last_name": "ADRDEUX", "first_name": "Laurent", "birth_date": "01/01/1981", "rank": 1, "ald": True}, []),
    # ADRi screen: ADRUN, 14/08/1948, n° sécu 1481913055003 (key 69 computed here), rank 1; the file's AMO is
    # 01 349 0000, ADRi's 01 349 9881 with rights from 31/10/2023 to 29/10/2024.
    ({"last_name": "ADRUN", "birth_date": "14/08/1948", "insured_nir": "1481913055003 69",
      "amo_regime": "01", "amo_caisse": "349", "amo_centre": "0000", "amo_proof": "carte_papier",
      "reimbursement_rate": "non_exonere",
      "periods": [{"kind": "droits_amo", "start": "31/10/2023", "end": "29/10/2024"}]}, []),
    # Optician manual, rejects list: ISSNER Natacha, Flux CNAMTS CNDA, C2S. NIR and birth date invented.
    ({"last_name": "ISSNER", "first_name": "Natacha", "birth_date": "12/05/1985", "insured_nir": "2850575123456 23",
      **CNAMTS, "amo_proof": "carte_vitale", "periods": _c2s("01/01/2024", "31/12/2024")},
     [{"amc": "C2S (RO) régime obligatoire", "management": "unique", "contract_type": "89"}]),
    # DURAND Denis, Flux CNAMTS CNDA. NIR and birth date invented. The ALMERYS contract is the one the eS-KAP+
    # manual fills in (its patient is not named there).
    ({"last_name": "DURAND", "first_name": "Denis", "birth_date": "03/03/1972", "insured_nir": "1720369123045 87",
      **CNAMTS, "amo_proof": "carte_vitale", "phone": "06 12 34 56 78"},
     [{"amc": "ALMERYS", "amc_proof": "attestation", "rights_start": "01/01/2025", "rights_end": "31/12/2025",
       "secondary_criterion": "001", "convention_type": "AL", "adherent_number": "75822319",
       "treatment_indicator": "22", "reference_date": "execution", "formula": "02A", "formula_rate": "100"}]),
    # CASTROIS Lucien, Flux MSA CNDA 02 349 0000. NIR and birth date invented.
    ({"last_name": "CASTROIS", "first_name": "Lucien", "birth_date": "15/04/1938", "insured_nir": "1380412345678 89",
      "amo_regime": "02", "amo_caisse": "349", "amo_centre": "0000", "amo_proof": "carte_vitale"}, []),
    # Degraded-mode manual: MARTIN Paul, exonération 5, "Attestation de la caisse", 100 %. CPAM - DEMONSTRATION has
    # no code in the manual: the test caisse 01 999 9999 stands in. NIR and birth date invented.
    ({"last_name": "MARTIN", "first_name": "Paul", "birth_date": "20/01/1955", "insured_nir": "1550113000111 10",
      "amo_regime": "01", "amo_caisse": "999", "amo_centre": "9999", "amo_proof": "attestation",
      "reimbursement_rate": "100_toutes", "exoneration": "5"}, []),
    # Tiers-payant card of Abeille IARD & Santé: two beneficiaries on one insured NIR 169036600040952.
    ({"last_name": "RDTBUT QUATRE", "first_name": "Adu A", "birth_date": "01/03/1969", "rank": 1,
      "insured_nir": "1690366000409 52", **CNAMTS},
     [{"amc": "Abeille IARD & Santé", "rights_start": "25/06/2022", "rights_end": "28/02/2023",
       "adherent_number": "99474863", "formula": "02A", "formula_rate": "30"}]),
    ({"last_name": "RDTBUT QUATRE", "first_name": "Adu B", "birth_date": "01/03/1975", "rank": 1, "quality": "2",
      "insured_nir": "1690366000409 52", "insured_last_name": "RDTBUT QUATRE", "insured_first_name": "Adu A",
      **CNAMTS}, []),
    # The other ESSAI patients of the optician's follow-up list (no NIR there; birth dates invented).
    ({"last_name": "ESSAI", "first_name": "Alexandre", "birth_date": "10/10/1990", "amo_regime": "10",
      "amo_caisse": "349", "amo_centre": "0210"}, []),
    ({"last_name": "ESSAI", "first_name": "Alexis", "birth_date": "11/11/1991", **CNAMTS},
     [{"amc": "Mut. Test CNDA"}]),
    ({"last_name": "ESSAI", "first_name": "Arthur", "birth_date": "12/12/1992", **CNAMTS}, []),
]

# Winoptics card reading: the demo Vitale card of DESMAUX Nathalie (Caisse de TEST, code gestion 10).
DESMAUX_CARD: dict[str, Any] = {
    "last_name": "DESMAUX", "first_name": "NATHALIE", "birth_date": "15/06/1955", "quality": "0", "rank": 1,
    "address": "5, BD MARIE ET ALEXANDRE OYON", "postcode": "72019", "town": "LE MANS CEDEX 2",
    "insured_last_name": "DESMAUX", "insured_first_name": "NATHALIE", "insured_nir": "2550699999999 34",
    "amo_regime": "01", "amo_caisse": "999", "amo_centre": "9999", "amo_management_code": "10",
    "periods": [{"kind": "droits_amo", "start": "01/02/2020", "end": "31/01/2025"}],
    "amc_contracts": [{"amc_name": "Mut. Test CNDA", "amc_number": "1100000000"}],
}


#: The manual's « Choix de la convention AMC/Mutuelle » row (Id. signataire 1100000000, Lib. signataire Zz1, type
#: CM, critère T, non désactivée), marked as demo data: the real directory is a concentrator's licensed data.
CONVENTIONS: list[dict[str, Any]] = [
    {"signatory_id": "1100000000", "signatory_label": "Zz1", "convention_type": "CM", "secondary_criterion": "T",
     "amc_number": "1100000000", "amc_label": "Mut. Test CNDA", "dre": True, "demo": True},
]


def _load_conventions(ctx: Context) -> None:
    have = {(c.amc_number, c.convention_type, c.secondary_criterion, c.signatory_id)
            for c in amc_conventions.list_conventions(ctx)}
    for entry in CONVENTIONS:
        if (entry["amc_number"], entry["convention_type"], entry["secondary_criterion"],
                entry["signatory_id"]) not in have:
            amc_conventions.add_convention(ctx, entry)


def _load_organisms(ctx: Context) -> dict[str, int]:
    with ctx.db.read() as session:
        have_amo = {(r.regime, r.caisse, r.centre) for r in session.scalars(select(AmoOrganism))}
    for regime, caisse, centre, name in AMO:
        if (regime, caisse, centre) not in have_amo:
            organisms.add_amo_organism(ctx, {"regime": regime, "caisse": caisse, "centre": centre, "name": name})
    with ctx.db.read() as session:
        have_amc = {r.number for r in session.scalars(select(AmcOrganism))}
    for entry in AMC:
        if entry["number"] not in have_amc:
            organisms.add_amc_organism(ctx, {"contract_type": "0", **entry})
    with ctx.db.read() as session:
        return {r.name: r.id for r in session.scalars(select(AmcOrganism))}


def _contract(ctx: Context, patient_id: int, spec: dict[str, Any], amc_ids: dict[str, int]) -> None:
    data = {k: v for k, v in spec.items() if k != "amc"}
    data["amc_organism_id"] = amc_ids[spec["amc"]]
    amc_contracts.add_amc_contract(ctx, patient_id, data)


def load(ctx: Context) -> None:
    """Create the manuals' organisms and patients (with their contracts); a second run changes nothing."""
    amc_ids = _load_organisms(ctx)
    _load_conventions(ctx)
    for data, contracts in PATIENTS:
        try:
            saved = patients.create_patient(ctx, data)
        except ConflictError:
            continue
        for spec in contracts:
            _contract(ctx, saved.id, spec, amc_ids)
    if not patients.search_patients(ctx, "DESMAUX", limit=1):
        patients.create_patient_from_card(ctx, DESMAUX_CARD)
