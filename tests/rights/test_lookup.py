"""The product's ADRi client against the caisse de test: lookup kept on the patient, the choice applied and
audited (compare-and-set), the ADRUN case, a service down, slow or mute never holding billing past the timeout."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from feuille.auth import Context
from feuille.cards.virtual import VirtualCardReader
from feuille.errors import ConflictError, StateError, ValidationError
from feuille.practice import demo_patients, patients
from feuille.rights import lookup, settings
from feuille.storage.models import AuditEntry
from feuille_sim.rights.service import write_fault
from tests.support.adri import RunningAdri


def connect(ctx: Context, adri: RunningAdri, tmp_path: Path, timeout: float = 20.0) -> None:
    """As ``feuille caisse-de-test connecter`` does, from the files a caisse de test writes.

    The timeout is generous: on a loaded 2-core CI machine the first TLS exchange can take seconds, and a test that
    expects an answer must not see the « sans réponse » path; the timeout test passes its own short one."""
    folder = tmp_path / "dir"
    (folder / "pki").mkdir(parents=True)
    (folder / "pki" / "ca.pem").write_text(adri.ca_pem, encoding="ascii")
    (folder / "ports.json").write_text(json.dumps({"ports": {"adri": adri.port, "smtp": 2525, "pop3": 1110},
                                                   "boites": {"utilisateur": "ps", "mot_de_passe": "x"}}))
    settings.connect_test_caisse(ctx, folder, timeout=timeout)


def desmaux(ctx: Context) -> int:
    return patients.create_patient_from_card(ctx, demo_patients.DESMAUX_CARD).id


def test_lookup_kept_and_compared(ctx: Context, adri: RunningAdri, cps_reader: VirtualCardReader,
                                  tmp_path: Path) -> None:
    connect(ctx, adri, tmp_path)
    patient = desmaux(ctx)
    view = lookup.lookup_rights(ctx, patient, cps_reader)
    assert view.result == "ok" and not view.other_person and view.applied is None
    rights = {d.field: d for d in view.differences}
    assert rights["droits"].differs and "depuis le 01/02/2020" in rights["droits"].adri
    assert not rights["organisme"].differs
    assert lookup.last_lookup(ctx, patient) == view


def test_choice_applied_once_and_audited(ctx: Context, adri: RunningAdri, cps_reader: VirtualCardReader,
                                         tmp_path: Path) -> None:
    connect(ctx, adri, tmp_path)
    patient = desmaux(ctx)
    view = lookup.lookup_rights(ctx, patient, cps_reader)
    chosen = lookup.choose(ctx, view.id, ["droits"])
    assert chosen.applied == ["droits"]
    stored = patients.get_patient(ctx, patient)
    assert [(p["kind"], p["start"], p["end"]) for p in stored.periods] == [("droits_amo", date(2020, 2, 1), None)]
    assert stored.values["amo_proof"] == "adri"
    with pytest.raises(ConflictError) as again:
        lookup.choose(ctx, view.id, ["tout"])
    assert again.value.code == "adri_already_chosen"
    with ctx.db.read() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["rights.lookup", "rights.choice"]


def test_keep_the_stored_data(ctx: Context, adri: RunningAdri, cps_reader: VirtualCardReader,
                              tmp_path: Path) -> None:
    connect(ctx, adri, tmp_path)
    patient = desmaux(ctx)
    before = patients.get_patient(ctx, patient)
    view = lookup.lookup_rights(ctx, patient, cps_reader)
    assert lookup.choose(ctx, view.id, ["aucun"]).applied == []
    assert patients.get_patient(ctx, patient) == before


def test_patient_changed_since_the_question(ctx: Context, adri: RunningAdri, cps_reader: VirtualCardReader,
                                            tmp_path: Path) -> None:
    connect(ctx, adri, tmp_path)
    patient = patients.create_patient(ctx, {"last_name": "PETIT", "first_name": "Julien", "birth_date": "12/07/1985",
                                            "insured_nir": "1850775123456 08", "amo_proof": "carte_vitale"}).id
    view = lookup.lookup_rights(ctx, patient, cps_reader)
    later = Context(db=ctx.db, actor=ctx.actor, clock=lambda: ctx.clock().replace(minute=59))
    patients.update_patient(later, patient, {"phone": "0612345678"})
    with pytest.raises(ConflictError) as changed:
        lookup.choose(ctx, view.id, ["tout"])
    assert changed.value.code == "adri_patient_changed"


def test_the_adrun_case_asks_before_taking(ctx: Context, adri: RunningAdri, cps_reader: VirtualCardReader,
                                           tmp_path: Path) -> None:
    connect(ctx, adri, tmp_path)
    adrun = next(data for data, _ in demo_patients.PATIENTS if data["last_name"] == "ADRUN")
    patient = patients.create_patient(ctx, adrun).id
    view = lookup.lookup_rights(ctx, patient, cps_reader, reference=date(2024, 6, 1))
    assert view.other_person and view.found == "ADRUN Baptiste"
    assert view.question() == ("Les données remontées par le service ADRI concernent cependant ADRUN Baptiste. "
                               "Souhaitez-vous continuer ?")
    assert {d.field for d in view.differences if d.differs} == {"organisme"}
    with pytest.raises(StateError) as refused:
        lookup.choose(ctx, view.id, ["organisme"])
    assert refused.value.code == "adri_other_person"
    lookup.choose(ctx, view.id, ["organisme"], other_person_confirmed=True)
    stored = patients.get_patient(ctx, patient).values
    assert (stored["amo_caisse"], stored["amo_centre"], stored["amo_proof"]) == ("349", "9881", "adri")
    assert stored["reimbursement_rate"] is None


def test_work_accident_ald_and_alsace(ctx: Context, adri: RunningAdri, cps_reader: VirtualCardReader,
                                      tmp_path: Path) -> None:
    connect(ctx, adri, tmp_path)
    ids = []
    for name in ("vitale-at", "vitale-ald", "vitale-alsace"):
        from feuille_sim.cards import definitions

        card = {k: v for k, v in definitions()[name]["beneficiaries"][0].items() if k not in ("work_accidents",
                                                                                             "alsace_moselle")}
        card["periods"] = [p for p in card.get("periods", []) if p["kind"] == "droits_amo"]
        card.pop("ald", None), card.pop("exoneration", None)
        ids.append(patients.create_patient_from_card(ctx, card).id)
    views = [lookup.lookup_rights(ctx, i, cps_reader, reference=date(2026, 10, 1)) for i in ids]
    for view in views:
        lookup.choose(ctx, view.id, ["tout"])
    at, ald, alsace = (patients.get_patient(ctx, i) for i in ids)
    assert at.work_accidents[0]["identifier"] == "260910001"
    assert ald.values["ald"] is True and ald.values["exoneration"] == "4"
    assert alsace.values["alsace_moselle"] is True


def test_unknown_person_has_nothing_to_take(ctx: Context, adri: RunningAdri, cps_reader: VirtualCardReader,
                                            tmp_path: Path) -> None:
    connect(ctx, adri, tmp_path)
    patient = patients.create_patient(ctx, {"last_name": "NULLEPART", "birth_date": "01/01/1950",
                                            "insured_nir": "1500175000001 " + f"{97 - 1500175000001 % 97:02d}",
                                            "amo_proof": "carte_vitale"}).id
    view = lookup.lookup_rights(ctx, patient, cps_reader)
    assert view.result == "inconnu" and view.differences == []
    with pytest.raises(StateError):
        lookup.choose(ctx, view.id, ["tout"])
    with pytest.raises(ValidationError):
        lookup.choose(ctx, view.id, ["n_importe_quoi"])


@pytest.mark.parametrize("mode", ["erreur", "lent", "muet"])
def test_service_down_slow_or_mute(ctx: Context, adri: RunningAdri, cps_reader: VirtualCardReader,
                                   tmp_path: Path, mode: str) -> None:
    connect(ctx, adri, tmp_path, timeout=1.0)
    patient = desmaux(ctx)
    write_fault(adri.state_dir, mode, 60)
    started = time.monotonic()
    with pytest.raises(StateError) as failed:
        lookup.lookup_rights(ctx, patient, cps_reader)
    waited = time.monotonic() - started
    assert failed.value.code == ("adri_unavailable" if mode == "erreur" else "adri_timeout")
    assert "continue avec les droits enregistrés" in failed.value.message
    assert waited < 30  # the fault lasts 60 s: the client gave up at its own limit (1 s), not the server's
    assert lookup.last_lookup(ctx, patient) is None


def test_not_configured_and_no_cps(ctx: Context, reader: VirtualCardReader, adri: RunningAdri,
                                   tmp_path: Path) -> None:
    patient = desmaux(ctx)
    with pytest.raises(StateError) as missing:
        lookup.lookup_rights(ctx, patient, reader)
    assert missing.value.code == "adri_not_configured"
    connect(ctx, adri, tmp_path)
    with pytest.raises(StateError) as no_card:
        lookup.lookup_rights(ctx, patient, reader)
    assert no_card.value.code == "no_card"


def test_a_server_with_another_ca_is_refused(ctx: Context, adri: RunningAdri, cps_reader: VirtualCardReader,
                                             tmp_path: Path) -> None:
    from tests.support.adri import make_pki

    other = make_pki(tmp_path / "other")
    connect(ctx, RunningAdri(adri.url, adri.port, other.ca_pem, adri.state_dir), tmp_path)
    with pytest.raises(StateError) as refused:
        lookup.lookup_rights(ctx, desmaux(ctx), cps_reader)
    assert refused.value.code == "adri_unavailable" and "certificat" in refused.value.message
