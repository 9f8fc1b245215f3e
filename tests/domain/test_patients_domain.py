"""Pure validators of patients, organisms and AMC contracts: junk, rules, lunar dates, formulas."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feuille.domain import fields
from feuille.domain import organisms as org
from feuille.domain import patients as dom
from feuille.errors import ValidationError

JUNK = [None, "", " ", "😴", object(), 12345, "x" * 300, 1.5, ["a"], {"a": 1}]


def _err(func, *args, **kwargs) -> ValidationError:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as caught:
        func(*args, **kwargs)
    return caught.value


# --- birth dates ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["15/06/1955", "1955-06-15", "19550615", "15.06.1955"])
def test_ordinary_birth_date_forms(text: str) -> None:
    birth = dom.parse_birth_date(text)
    assert birth == dom.BirthDate("19550615") and birth.display() == "15/06/1955" and birth.b2() == "150655"
    assert birth.as_date() == date(1955, 6, 15)


def test_impossible_ordinary_date_is_refused_unless_lunar() -> None:
    error = _err(dom.parse_birth_date, "30/02/2023")
    assert error.field == "birth_date" and "n'existe pas" in error.message and "Date de naissance" in error.message
    lunar = dom.parse_birth_date("30/02/2023", lunar=True)
    assert lunar.value == "20230230" and lunar.lunar and lunar.as_date() is None


@pytest.mark.parametrize("text", ["00/00/1950", "00/05/1950", "31/00/1950", "15/20/1950", "01/50/1950"])
def test_lunar_dates_allowed(text: str) -> None:
    assert dom.parse_birth_date(text, lunar=True).lunar


@pytest.mark.parametrize("text", ["32/01/1950", "01/13/1950", "01/19/1950", "01/43/1950"])
def test_impossible_lunar_dates_refused(text: str) -> None:
    assert _err(dom.parse_birth_date, text, lunar=True).code == "date_impossible"


def test_card_date_off_the_calendar_becomes_lunar() -> None:
    assert dom.parse_birth_date("00/00/1942", from_card=True) == dom.BirthDate("19420000", True)


def test_a_real_date_flagged_lunar_stays_flagged() -> None:
    assert dom.parse_birth_date("01/01/1950", lunar=True).lunar


@pytest.mark.parametrize("text", ["01/01/1849", "01/01/2200", "1/1/50", "2023-2-30", "aa/bb/cccc"])
def test_implausible_birth_dates(text: str) -> None:
    assert _err(dom.parse_birth_date, text).field == "birth_date"


@pytest.mark.parametrize("junk", JUNK)
def test_birth_date_junk(junk: object) -> None:
    assert _err(dom.parse_birth_date, junk).field == "birth_date"


@given(st.dates(min_value=date(1850, 1, 1), max_value=date(2199, 12, 31)))
def test_birth_date_round_trip(day: date) -> None:
    birth = dom.parse_birth_date(f"{day:%d/%m/%Y}")
    assert birth.as_date() == day and dom.parse_birth_date(birth.value) == birth


# --- text helpers ---------------------------------------------------------------------------------------------------

def test_search_key() -> None:
    assert fields.search_key("Élodie  d’Aubigné-Œuf") == "ELODIE D'AUBIGNE-OEUF"
    assert fields.search_key("😴") == "" and fields.prefix_upper_bound("DUP") == "DUQ"


@given(st.text(max_size=40))
def test_search_key_is_idempotent_and_ascii(text: str) -> None:
    key = fields.search_key(text)
    assert fields.search_key(key) == key and key.isascii() and key == key.upper()


@pytest.mark.parametrize("junk", ["12", "abcdefghij", "+33", "06 12 34 56 7", "😴", "1" * 40])
def test_phone_junk(junk: str) -> None:
    assert _err(fields.validate_phone, junk, "phone", "Téléphone").field == "phone"


def test_phone_forms() -> None:
    assert fields.validate_phone("08.10.00.10.20", "phone", "Téléphone") == "0810001020"
    assert fields.validate_phone("+33 6 12 34 56 78", "phone", "Téléphone") == "+33612345678"
    assert fields.validate_phone("", "phone", "Téléphone") is None


@pytest.mark.parametrize("junk", ["7501", "ABCDE", "750011", object(), 75001])
def test_postcode_junk(junk: object) -> None:
    assert _err(fields.validate_postcode, junk).field == "postcode"


def test_email_and_dates() -> None:
    assert _err(fields.validate_email, "pas-un-mail").field == "email"
    assert fields.parse_date("2025-01-31", "d", "Date") == date(2025, 1, 31)
    assert _err(fields.parse_date, "31/02/2025", "d", "Date").code == "date_impossible"
    assert _err(fields.parse_date, object(), "d", "Date").code == "date_format"


# --- patient record -------------------------------------------------------------------------------------------------

BASE = {"last_name": "Martin", "first_name": "Paul", "birth_date": "20/01/1955"}


def test_minimal_patient_defaults() -> None:
    record = dom.validate_patient(BASE)
    assert record.rank == 1 and record.quality == "0" and record.insured_last_name == "Martin"
    assert record.ik == Decimal("0.00") and record.last_name_key == "MARTIN" and record.first_name_key == "PAUL"


def test_missing_required_fields_are_all_named() -> None:
    error = _err(dom.validate_patient, {"first_name": "Paul"})
    assert error.field == "last_name" and "Nom : champ obligatoire" in error.message
    assert "Date de naissance : champ obligatoire" in error.message


def test_unknown_key_is_refused() -> None:
    assert _err(dom.validate_patient, {**BASE, "nom": "x"}).field == "nom"


@pytest.mark.parametrize(("key", "value"), [
    ("last_name", "😴"), ("last_name", "x" * 65), ("last_name", 12), ("first_name", "Jean@"), ("rank", "0"),
    ("rank", "10"), ("rank", "a"), ("quality", "Z"), ("beneficiary_nir", "123"), ("phone", "12"),
    ("postcode", "1234"), ("ik", "-1"), ("ik", "1.234"), ("ik", "1000"), ("ik", 1.5),
    ("insured_nir", "1421962965165 97"), ("insured_nir", "😴"), ("amo_regime", "1"), ("amo_management_code", "1"),
    ("amo_proof", "papyrus"),
    ("exoneration", "8"), ("ald", "peut-être"), ("periods", "x"), ("periods", [1]), ("work_accidents", {"a": 1}),
    ("extra_info", "a\x00b"),
])
def test_patient_junk_names_its_field(key: str, value: object) -> None:
    error = _err(dom.validate_patient, {**BASE, key: value})
    assert error.field is not None and error.field.startswith(key.split("_")[0] if key.startswith("amo") else key)


def test_typed_nir_with_wrong_key_is_refused_card_one_is_a_warning() -> None:
    assert _err(dom.validate_patient, {**BASE, "insured_nir": "2550699999999 35"}).code == "nir_key"
    record = dom.validate_patient({**BASE, "insured_nir": "2550699999999 35"}, from_card=True)
    assert record.insured_nir == "255069999999935" and any("clé" in w for w in record.warnings)


def test_amo_must_be_complete() -> None:
    error = _err(dom.validate_patient, {**BASE, "amo_regime": "01", "amo_caisse": "349"})
    assert error.field == "amo_centre" and "Centre" in error.message
    record = dom.validate_patient({**BASE, "amo_regime": "01", "amo_caisse": "349", "amo_centre": "9881"})
    assert (record.amo_regime, record.amo_caisse, record.amo_centre) == ("01", "349", "9881")


def test_reimbursement_rate_rule() -> None:
    error = _err(dom.validate_patient, {**BASE, "amo_proof": "carte_papier"})
    assert error.field == "reimbursement_rate" and "obligatoire" in error.message
    record = dom.validate_patient({**BASE, "amo_proof": "Carte papier, consultation télématique",
                                   "reimbursement_rate": "Taux FSV"})
    assert record.amo_proof is dom.AmoProof.CARTE_PAPIER and record.reimbursement_rate == "fsv"
    error = _err(dom.validate_patient, {**BASE, "amo_proof": "carte_vitale", "reimbursement_rate": "fsv"})
    assert error.code == "rate_not_allowed"
    error = _err(dom.validate_patient, {**BASE, "amo_proof": "aucune", "reimbursement_rate": "99"})
    assert error.code == "unknown_code"


def test_periods_and_work_accidents() -> None:
    record = dom.validate_patient({**BASE, "periods": [
        {"kind": "service_amo", "code": "c2s", "start": "01/01/2025", "end": "31/12/2025"},
        {"kind": "couverture", "code": "4", "start": "01/01/2025"},
    ], "work_accidents": [{"date": "07/03/2023", "identifier": "020105342", "code": "01", "organism": "013499881"}]})
    assert record.periods[0] == dom.Period(dom.PeriodKind.SERVICE, date(2025, 1, 1), date(2025, 12, 31), "C2S")
    assert record.periods[1].code == "4" and record.work_accidents[0].organism == "013499881"


@pytest.mark.parametrize(("period", "field"), [
    ({"kind": "x", "start": "01/01/2025"}, "periods[0].kind"),
    ({"kind": "droits_amo"}, "periods[0].start"),
    ({"kind": "droits_amo", "start": "02/01/2025", "end": "01/01/2025"}, "periods[0].end"),
    ({"kind": "service_amo", "start": "01/01/2025"}, "periods[0].code"),
    ({"kind": "service_amo", "start": "01/01/2025", "code": "XYZ"}, "periods[0].code"),
    ({"kind": "droits_amo", "start": "31/02/2025"}, "periods[0].start"),
    ({"kind": "droits_amo", "start": "01/01/2025", "foo": 1}, "foo"),
])
def test_bad_periods(period: dict[str, object], field: str) -> None:
    assert _err(dom.validate_patient, {**BASE, "periods": [period]}).field == field


@pytest.mark.parametrize(("accident", "field"), [
    ({}, "work_accidents[0].date"),
    ({"date": "01/01/2020", "identifier": "ABC"}, "work_accidents[0].identifier"),
    ({"date": "01/01/2020", "organism": "12"}, "work_accidents[0].organism"),
    ({"date": "01/01/2020", "code": "!!"}, "work_accidents[0].code"),
])
def test_bad_work_accidents(accident: dict[str, object], field: str) -> None:
    assert _err(dom.validate_patient, {**BASE, "work_accidents": [accident]}).field == field


# --- organisms ------------------------------------------------------------------------------------------------------

def test_amo_organism() -> None:
    amo = org.validate_amo({"regime": "01", "caisse": "349", "centre": "9881", "name": "Flux CNAMTS CNDA"})
    assert amo.code == "01 349 9881"
    for missing in ("regime", "caisse", "centre"):
        data = {"regime": "01", "caisse": "349", "centre": "9881", missing: ""}
        error = _err(org.validate_amo, data)
        assert error.field == missing and "obligatoire" in error.message


@pytest.mark.parametrize("junk", JUNK[1:])
def test_amo_junk(junk: object) -> None:
    _err(org.validate_amo, {"regime": junk, "caisse": "349", "centre": "9881"})


def test_amc_organism() -> None:
    amc = org.validate_amc({"name": "ACORIS MUTUELLES", "number": "0780004099", "contract_type": "0",
                            "phone": "08.10.00.10.20", "postcode": "54042"})
    assert amc.contract_type == "00" and amc.management is org.Management.SEPAREE and amc.phone == "0810001020"
    error = _err(org.validate_amc, {})
    assert "Nom : champ obligatoire" in error.message and "Numéro AMC : champ obligatoire" in error.message
    assert "Type de contrat : champ obligatoire" in error.message
    assert _err(org.validate_amc, {"name": "C2S", "number": "99999997", "contract_type": "89"}).field == "management"
    assert org.validate_amc({"name": "C2S", "number": "99999997", "contract_type": "89",
                             "management": "unique"}).management is org.Management.UNIQUE
    assert _err(org.validate_amc, {"name": "X", "number": "1", "contract_type": "ab"}).field == "contract_type"
    assert _err(org.validate_amc, {"name": "X", "number": "😴", "contract_type": "0"}).field == "number"
    assert _err(org.validate_amc, {"name": "X", "number": "1", "contract_type": "0",
                                   "management": "mixte"}).field == "management"


# --- AMC contracts and formulas -------------------------------------------------------------------------------------

CONTRACT = {"amc_name": "ALMERYS", "amc_number": "98532001"}


@pytest.mark.parametrize("code", ["012", "021", "02A", "050", "02a"])
def test_formulas_with_a_rate(code: str) -> None:
    record = org.validate_contract({**CONTRACT, "formula": code, "formula_rate": "30,5 %"})
    assert record.formula == org.Formula(code.upper()) and record.formula_rate == Decimal("30.50")
    assert _err(org.validate_contract, {**CONTRACT, "formula": code}).field == "formula_rate"


@pytest.mark.parametrize("code", ["020", "029", "052"])
def test_formulas_without_a_rate(code: str) -> None:
    assert org.validate_contract({**CONTRACT, "formula": code}).formula_rate is None
    assert _err(org.validate_contract, {**CONTRACT, "formula": code, "formula_rate": "50"}).code == "rate_not_allowed"


@pytest.mark.parametrize(("data", "field"), [
    ({"formula": "099"}, "formula"), ({"formula": "012", "formula_rate": "0"}, "formula_rate"),
    ({"formula": "012", "formula_rate": "1001"}, "formula_rate"), ({"formula": "012", "formula_rate": 1.5},
                                                                    "formula_rate"),
    ({"formula": "012", "formula_rate": "abc"}, "formula_rate"), ({"formula": "012", "formula_rate": "1.234"},
                                                                   "formula_rate"),
    ({"formula": "052", "fixed_amount": "100"}, "fixed_amount"), ({"fixed_amount": "-5"}, "fixed_amount"),
    ({"fixed_amount": "0"}, "fixed_amount"), ({"fixed_amount": 1.5}, "fixed_amount"),
    ({"formula_rate": "10"}, "formula_rate"),
    ({"rights_start": "01/02/2025", "rights_end": "01/01/2025"}, "rights_end"),
    ({"reference_date": "hier"}, "reference_date"), ({"amc_proof": "x"}, "amc_proof"),
    ({"contract_type": "89"}, "management"), ({"adherent_number": "😴"}, "adherent_number"),
    ({"amc_number": ""}, "amc_number"), ({"amc_name": None}, "amc_name"), ({"bogus": 1}, "bogus"),
])
def test_bad_contracts(data: dict[str, object], field: str) -> None:
    assert _err(org.validate_contract, {**CONTRACT, **data}).field == field


def test_fixed_amount_and_fields() -> None:
    record = org.validate_contract({**CONTRACT, "fixed_amount": "100,00", "reference_date": "Date de prescription",
                                    "secondary_criterion": "001", "convention_type": "AL",
                                    "treatment_indicator": "22", "management": "unique"})
    assert record.fixed_amount == Decimal("100.00") and record.formula is None
    assert record.reference_date is org.ReferenceDate.PRESCRIPTION and record.management is org.Management.UNIQUE


def test_current_year_period() -> None:
    assert org.current_year_period(date(2025, 1, 15)) == (date(2025, 1, 1), date(2025, 12, 31))
def test_in_ald_by_the_flag_or_a_running_period() -> None:
    from feuille.domain.patients import in_ald

    day = date(2025, 1, 14)
    assert in_ald(True, [], day)
    assert in_ald(False, [("ald", date(2024, 1, 1), None)], day)
    assert in_ald(False, [("ald", date(2024, 1, 1), day)], day)  # its last day still counts
    assert not in_ald(False, [("ald", date(2024, 1, 1), date(2025, 1, 13))], day)
    assert not in_ald(False, [("ald", date(2025, 1, 15), None)], day)
    assert not in_ald(False, [("couverture", date(2024, 1, 1), None), ("ald", None, None)], day)
