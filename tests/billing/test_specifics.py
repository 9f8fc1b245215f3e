"""The insurance details and billing specifics, pure: reading, refusals naming the field, the mapping onto the
pricing contract, the anonymous NIR rule, the forced securing mode, and the wizard's document fragments."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from stdnum.fr import nir as stdnum_nir

from feuille.billing import specifics as sp
from feuille.billing import wizard_document as wd
from feuille.billing import wizard_specifics as ws
from feuille.domain.identifiers import validate_nir
from feuille.domain.invoice_fields import named
from feuille.domain.invoices import SecureMode
from feuille.errors import ValidationError

DAY = date(2025, 1, 14)


def doc(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"date": "2025-01-14", "coverage": {"nature": "maladie"}, "acts": [{"code": "C"}]}
    base.update(changes)
    return base


def mapped(**changes: Any) -> dict[str, Any]:
    priced: dict[str, Any] = {key: value for key, value in doc(**changes).items() if key in ("coverage", "acts")}
    sp.apply(priced, doc(**changes))
    return priced


# --- the anonymous NIR --------------------------------------------------------------------------------------------

def test_fictitious_nir_is_the_reserved_anonymous_nir_with_its_key() -> None:
    girl = sp.fictitious_nir("2", "349")
    assert girl[:13] == "2555555349042" and stdnum_nir.is_valid(girl)
    assert girl[13:] == stdnum_nir.calc_check_digits(girl[:13])
    assert validate_nir(girl).value == girl  # a NIR the rest of feuille accepts
    assert sp.fictitious_nir("1", "999")[:13] == "1555555999042"
    assert sp.fictitious_nir("2", "349") == girl  # deterministic


def test_sex_digit_and_minor_age() -> None:
    assert sp.sex_digit("2100675123456", None, "6") == "2"
    assert sp.sex_digit(None, "1720369123045", "0") == "1"  # he is the insured
    assert sp.sex_digit(None, "1720369123045", "6") is None  # the insured's NIR says nothing of a child
    assert sp.sex_digit("8100675123456", None, "6") == "2"  # temporary number
    assert sp.is_minor("20070115", DAY) and not sp.is_minor("20070114", DAY)
    assert sp.is_minor("20080229", date(2026, 2, 28)) and not sp.is_minor("20080229", date(2026, 3, 1))
    # lunar: counted from the earliest date it may be, so a patient who may be 18 is not a minor
    assert not sp.is_minor("20070000", DAY) and sp.is_minor("20080000", DAY)


def test_forced_mode() -> None:
    anonymous = doc(specifics={"sante_sexuelle": {"anonymous_minor": True}})
    assert sp.forced_mode(anonymous) == SecureMode.SANS_VITALE
    assert sp.forced_mode(doc(specifics={"sante_sexuelle": True})) is None
    sp.check_secure_mode({"specifics": {"sante_sexuelle": {"anonymous_minor": True}}}, SecureMode.SANS_VITALE)
    with pytest.raises(ValidationError) as caught:
        sp.check_secure_mode({"specifics": {"sante_sexuelle": {"anonymous_minor": True}}}, SecureMode.DEGRADE)
    assert caught.value.field == "mode" and "SESAM sans Vitale" in caught.value.message
    sp.check_secure_mode({}, SecureMode.SYNCHRONISE)


# --- the mapping onto pricing -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "coverage"), [
    ({"exoneration_justification": "3"}, {"nature": "maladie", "exoneration": "3"}),
    ({"exoneration_justification": "aucune"}, {"nature": "maladie"}),
    ({"ald": {"related": True}}, {"nature": "maladie", "exoneration": "4", "ald_related": True}),
    ({"ald": {"forced": True}}, {"nature": "maladie", "exoneration": "4", "ald_related": True}),
    ({"ald": False}, {"nature": "maladie", "ald_related": False}),
    ({"specifics": {"victime_attentat": True, "attestation_attentat": True}},
     {"nature": "maladie", "exoneration": "3"}),
    ({"specifics": {"sante_sexuelle": True}}, {"nature": "maladie", "exoneration": "3"}),
    ({"specifics": {"prevention_commune": {"programme": "MTDENTS"}}},
     {"nature": "prevention"}),
    ({"specifics": {"service_amo": {"code": "C2S", "start": "2025-01-01", "end": "2025-12-31"}}},
     {"nature": "maladie", "service_amo": "C2S"}),
    ({"specifics": {"service_amo": {"code": "AME", "start": "2025-01-01", "end": "2025-12-31"}}},
     {"nature": "maladie"}),
    ({"coverage": {"nature": "at"}, "accident_work": {"date": "2023-03-07"}},
     {"nature": "at", "accident_date": "2023-03-07"}),
    ({"coverage": {"nature": "maladie", "exoneration": "5"},
      "specifics": {"victime_attentat": True, "attestation_attentat": True}},
     {"nature": "maladie", "exoneration": "5"}),  # an exoneration already there is kept
])
def test_mapping(changes: dict[str, Any], coverage: dict[str, Any]) -> None:
    assert mapped(**changes)["coverage"] == coverage


def test_mapping_never_changes_the_input_and_groups() -> None:
    original = doc(specifics={"group_identical": True, "sante_sexuelle": True})
    priced = {"coverage": original["coverage"]}
    sp.apply(priced, original)
    assert priced["group_identical"] is True and original["coverage"] == {"nature": "maladie"}
    assert sp.effective_nature(doc(specifics={"prevention_commune": {"programme": "DEP"}})) == "prevention"


def test_warnings_say_where_feuille_chose() -> None:
    notes = sp.warnings(doc(specifics={"victime_attentat": True, "attestation_attentat": True,
                                       "sante_sexuelle": {"anonymous_minor": True},
                                       "service_amo": {"code": "AME", "start": "2025-01-01", "end": "2025-12-31"}}))
    assert any("victime d'attentat" in n and "à vérifier" in n for n in notes)
    assert any("santé sexuelle" in n for n in notes) and any("NIR fictif" in n for n in notes)
    assert any("AME" in n for n in notes)
    assert sp.warnings(doc()) == []


# --- refusals -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "field"), [
    ({"exoneration_justification": "Z"}, "exoneration_justification"),
    ({"exoneration_justification": 3}, "exoneration_justification"),
    ({"exoneration_justification": "3", "coverage": {"exoneration": "5"}}, "exoneration_justification"),
    ({"ald": "oui"}, "ald"),
    ({"ald": {"related": "oui"}}, "ald.related"),
    ({"ald": {"forced": True, "related": False}}, "ald.related"),
    ({"ald": {"x": 1}}, "ald.x"),
    ({"accident": {"common_law_accident": True}}, "accident.date"),
    ({"accident": {"common_law_accident": True, "date": "2025-01-20"}}, "accident.date"),
    ({"accident": {"common_law_accident": True, "date": "14/01/2025"}}, "accident.date"),
    ({"accident": {"common_law_accident": True, "date": "2025-01-01"}, "coverage": {"nature": "maternite"}},
     "accident.common_law_accident"),
    ({"accident": {"common_law_accident": "oui"}}, "accident.common_law_accident"),
    ({"accident_work": {"identifier": 12}}, "accident_work.identifier"),
    ({"accident_work": {"identifier": "1234567890"}}, "accident_work.identifier"),
    ({"accident_work": {"code": "A2B"}}, "accident_work.code"),
    ({"accident_work": {"organism": "01349988"}}, "accident_work.organism"),
    ({"accident_work": {"date": "2023-03-07"}}, "accident_work"),  # maladie
    ({"accident_work": {"identifier": "020105342"}, "coverage": {"nature": "at"}}, "accident_work.date"),
    ({"accident_work": {"date": "2023-03-07"}, "coverage": {"nature": "at", "accident_date": "2023-03-08"}},
     "accident_work.date"),
    ({"accident_work": {"date": "2025-02-01"}, "coverage": {"nature": "at"}}, "accident_work.date"),
    ({"specifics": {"victime_attentat": True}}, "specifics.attestation_attentat"),
    ({"specifics": {"victime_attentat": True, "attestation_attentat": False}}, "specifics.attestation_attentat"),
    ({"specifics": {"prevention_commune": True}}, "specifics.prevention_commune.programme"),
    ({"specifics": {"prevention_commune": {}}}, "specifics.prevention_commune.programme"),
    ({"specifics": {"prevention_commune": {"programme": "DEP"}}, "coverage": {"nature": "at"}},
     "specifics.prevention_commune"),
    ({"specifics": {"sante_sexuelle": {"sex": "3"}}}, "specifics.sante_sexuelle.sex"),
    ({"specifics": {"sante_sexuelle": {"caisse": "34"}}}, "specifics.sante_sexuelle.caisse"),
    ({"specifics": {"sante_sexuelle": {"anonymous_minor": "oui"}}}, "specifics.sante_sexuelle.anonymous_minor"),
    ({"specifics": {"exoneration_per_act": True}}, "acts[0].exoneration"),
    ({"specifics": {"group_identical": True}, "group_identical": False}, "specifics.group_identical"),
    ({"specifics": {"service_amo": {"code": "XYZ", "start": "2025-01-01", "end": "2025-12-31"}}},
     "specifics.service_amo.code"),
    ({"specifics": {"service_amo": {"code": "C2S", "end": "2025-12-31"}}}, "specifics.service_amo.start"),
    ({"specifics": {"service_amo": {"code": "C2S", "start": "2025-01-15", "end": "2025-12-31"}}},
     "specifics.service_amo.start"),
    ({"specifics": {"service_amo": {"code": "C2S", "start": "2024-01-01", "end": "2024-12-31"}}},
     "specifics.service_amo.end"),
    ({"specifics": {"service_amo": {"code": "C2S", "start": "2025-02-01", "end": "2025-01-01"}}},
     "specifics.service_amo.end"),
    ({"specifics": {"service_amo": {"code": "C2S", "start": "2025-01-01", "end": "2025-12-31"}},
      "coverage": {"service_amo": "AME"}}, "specifics.service_amo.code"),
    ({"specifics": {"amc_convention": {"criterion": "001"}}}, "specifics.amc_convention.type"),
    ({"specifics": {"amc_convention": "A L!"}}, "specifics.amc_convention.type"),
    ({"specifics": {"bonus": True}}, "specifics.bonus"),
    ({"specifics": "attentat"}, "specifics"),
])
def test_refusals_name_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        sp.check(doc(**changes), DAY)
    assert caught.value.field == field, caught.value.message
    assert caught.value.message.startswith(f"{named(field)} : ")


def test_accepted_together() -> None:
    sp.check(doc(coverage={"nature": "at", "accident_date": "2023-03-07"},
                 accident_work={"identifier": "020105342", "code": "01", "organism": "01 349 9881",
                                "date": "2023-03-07"},
                 exoneration_justification="aucune", ald={"related": False},
                 specifics={"exoneration_per_act": False, "group_identical": True,
                            "service_amo": {"code": "c2s", "start": "2025-01-01", "end": "2025-01-14"},
                            "amc_convention": "al"}), DAY)
    sp.check(doc(accident={"common_law_accident": False}), DAY)  # unticked: no date needed


# --- the wizard's fragments ---------------------------------------------------------------------------------------

def test_wizard_document_with_everything() -> None:
    answers = wd.WizardAnswers(
        patient_id=3, invoice_date=DAY, nature="at", nature_date=date(2023, 3, 7),
        accident_work=ws.AccidentWorkAnswer("020105342", "01", "013499881"), exoneration_justification="0",
        mt_declaration="oui", prescription_date=date(2025, 1, 10), prescriber_id=7,
        photo=ws.PhotoAnswer("o.png", "image/png", b"\x89PNG\r\n\x1a\nxx"),
        acts=(wd.ActAnswer("AIS", "3"), wd.FavouriteAnswer(2)), entente=ws.EntenteAnswer("4", date(2025, 1, 5)),
        specifics=ws.SpecificsAnswer(victime_attentat=True, prevention_programme="DEP", sante_sexuelle=True,
                                     anonymous_minor=True, sex="2", act_exonerations=("5", "7"),
                                     group_identical=True, amc_convention=sp.Convention("AL", "001"),
                                     service_amo=ws.ServiceAnswer("C2S", date(2025, 1, 1), date(2025, 12, 31))))
    built = wd.build_document(answers)
    assert built["accident_work"] == {"identifier": "020105342", "code": "01", "organism": "013499881",
                                      "date": "2023-03-07"}
    assert built["coverage"]["accident_date"] == "2023-03-07" and built["mt_declaration"] == "oui"
    assert built["prescription"]["photo"] == {"base64": "iVBORw0KGgp4eA==", "media_type": "image/png",
                                              "filename": "o.png"}
    assert built["entente_prealable"] == {"code": "4", "date": "2025-01-05"}
    assert built["acts"] == [{"code": "AIS", "coefficient": "3", "exoneration": "5"},
                             {"favourite": 2, "exoneration": "7"}]
    assert built["specifics"] == {
        "victime_attentat": True, "attestation_attentat": True, "prevention_commune": {"programme": "DEP"},
        "sante_sexuelle": {"anonymous_minor": True, "sex": "2"}, "exoneration_per_act": True,
        "group_identical": True, "service_amo": {"code": "C2S", "start": "2025-01-01", "end": "2025-12-31"},
        "amc_convention": {"type": "AL", "criterion": "001"}}
    common = wd.build_document(wd.WizardAnswers(patient_id=3, invoice_date=DAY, acts=(wd.ActAnswer("C"),),
                                                common_law_accident=date(2025, 1, 2), ald_forced=True))
    assert common["accident"] == {"common_law_accident": True, "date": "2025-01-02"}
    assert common["ald"] == {"related": True, "forced": True} and "specifics" not in common


def test_wizard_parsers() -> None:
    assert ws.parse_ep_code("d") == "D" and ws.parse_justification("", "5") == "5"
    assert ws.parse_justification("Aucune") == "aucune" and ws.parse_mt_declaration("") == "ne_sait_pas"
    assert ws.parse_mt_declaration("Ne  sait pas") == "ne_sait_pas" and ws.parse_mt_declaration("o") == "oui"
    assert ws.parse_at_identifier("") is None and ws.parse_at_organism("01 349 9881") == "013499881"
    assert ws.parse_service_code("c2s") == "C2S" and ws.parse_sex("F") == "2" and ws.parse_caisse("349") == "349"
    for parse, junk in ((ws.parse_ep_code, "9"), (ws.parse_justification, "Z"), (ws.parse_mt_declaration, "peut"),
                        (ws.parse_at_code, "ABC"), (ws.parse_programme, ""), (ws.parse_service_code, "X"),
                        (ws.parse_sex, "3"), (ws.parse_caisse, "12")):
        with pytest.raises(ValidationError) as caught:
            parse(junk)
        assert caught.value.field and caught.value.message
