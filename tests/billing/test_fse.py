"""The FSE as transmitted: each securing mode with the virtual cards, then the invoice's B2 model written in a lot
and given to the caisse de test's checker in process (it knows the cards from the provisioned card directory, as
``feuille-sim`` does): accepted; a tampered record: ``signature_invalid``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feuille.auth import Context, Role
from feuille.billing import drafts, fse, rate_check, sealing, securing, verification
from feuille.cards.signatures import canonical_bytes
from feuille.cards.virtual import VirtualCardReader
from feuille.formats import b2_file as m
from feuille.formats.b2_reader import read_b2, read_invoice
from feuille.storage.models import Invoice, InvoiceSignature
from feuille_sim.lots import checks, references
from tests.billing.support import consultation, nurse_care, practice
from tests.conftest import context_as
from tests.formats.b2_samples import invoices
from tests.support import lots as L

PIN = "1234"
PARTNER = "001033901"          # MEDECIN, whose CPS is cps-medecin
CARE_DAY = date(2025, 1, 20)   # the caisse's date: a few days after the care (tests' clock: 15/01/2025)


def priced(ctx: Context, **changes: object) -> int:
    return rate_check.check_rates(ctx, drafts.create_draft(ctx, consultation(**changes)).id).id


def caisse_checks(file: m.B2File, card_dir: Path, scor: set[tuple[str, int]] | None = None) -> list[checks.Problem]:
    """The caisse de test's checks of the file's only lot, as its reception runs them."""
    text = m.write_b2(file)
    reading = read_b2(text)
    assert reading.ok, reading.problems
    assert reading.file is not None
    lines = [text[i:i + 128] for i in range(0, len(text), 128)]
    placed = checks.place(reading.file, lines)
    context = checks.Context("01", "349", CARE_DAY, references.known_cards(card_dir), None, set(), scor or set())
    return checks.check_lot(placed[0], context)


def lot(ctx: Context, invoice_ids: list[int], certification: str) -> m.B2File:
    with ctx.db.read() as session:
        invoices = fse.b2_invoices(session, invoice_ids)
    return L.b2_file(PARTNER, [("001", [invoices[i] for i in invoice_ids])], certification=certification,
                     organism=("01", "349"), created=CARE_DAY)


def signature_rows(ctx: Context, invoice: int) -> list[tuple[str, str]]:
    with ctx.db.read() as session:
        rows = session.scalars(sa.select(InvoiceSignature).where(InvoiceSignature.invoice_id == invoice)
                               .order_by(InvoiceSignature.id))
        return [(r.step, r.card_kind) for r in rows]


def test_every_securing_mode_gives_a_lot_the_caisse_accepts(ctx: Context, reader: VirtualCardReader,
                                                             card_dir: Path) -> None:
    practice(ctx)
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    synchronised = securing.secure(ctx, priced(ctx), "synchronise", reader, PIN).id
    reader.insert("apcv-durand")
    durand = drafts.patient_from_vitale(ctx, reader, 1)
    app = securing.secure(ctx, priced(ctx, patient={"id": durand}), "synchronise", reader, PIN).id
    secretary = context_as(ctx.db, Role.SECRETAIRE, "sec")
    reader.insert("cpe-secretaire")
    reader.insert("vitale-essai")
    desynchronised = securing.secure(secretary, priced(ctx), "desynchronise", reader, PIN).id
    reader.insert("cps-medecin")
    securing.finalise(ctx, desynchronised, reader, PIN)
    assert signature_rows(ctx, synchronised) == [("final", "cps"), ("vitale", "vitale")]
    assert signature_rows(ctx, app) == [("final", "cps"), ("vitale", "apcv")]
    assert signature_rows(ctx, desynchronised) == [("first", "cpe"), ("vitale", "vitale"), ("final", "cps")]
    file = lot(ctx, [synchronised, app, desynchronised], "S")
    assert [[s.signer for s in i.signatures] for i in file.lots[0].invoices] == [
        [m.Signer.CPS, m.Signer.VITALE], [m.Signer.CPS, m.Signer.VITALE],
        [m.Signer.CPE, m.Signer.VITALE, m.Signer.CPS]]
    assert caisse_checks(file, card_dir) == []
    assert all(verification.verify_invoice(ctx, i).ok for i in (synchronised, app, desynchronised))

    reader.remove("vitale")
    without = securing.secure(ctx, priced(ctx), "sans-vitale", reader, PIN).id
    degraded = securing.secure(ctx, priced(ctx), "degrade", reader, PIN).id
    assert signature_rows(ctx, without) == signature_rows(ctx, degraded) == [("final", "cps")]
    assert caisse_checks(lot(ctx, [without], "F"), card_dir) == []
    assert fse.CERTIFICATIONS == {"synchronise": "S", "desynchronise": "S", "sans-vitale": "F", "degrade": "D"}
    number = lot(ctx, [degraded], "D").lots[0].invoices[0].number
    assert caisse_checks(lot(ctx, [degraded], "D"), card_dir, {(PARTNER, number)}) == []


def test_another_professionals_cps_may_make_the_first_signature(ctx: Context, reader: VirtualCardReader,
                                                                 card_dir: Path) -> None:
    practice(ctx)
    reader.insert("cps-firmier")    # the nurse's CPS at the patient's home, for the doctor's invoice
    reader.insert("vitale-essai")
    invoice = securing.secure(ctx, priced(ctx), "desynchronise", reader, PIN).id
    reader.insert("cps-medecin")
    securing.finalise(ctx, invoice, reader, PIN)
    file = lot(ctx, [invoice], "S")
    assert [s.signer for s in file.lots[0].invoices[0].signatures] == [m.Signer.CPS, m.Signer.VITALE, m.Signer.CPS]
    assert caisse_checks(file, card_dir) == []
    first_only = replace(file.lots[0].invoices[0], signatures=file.lots[0].invoices[0].signatures[:2])
    refused = caisse_checks(replace(file, lots=(replace(file.lots[0], invoices=(first_only,)),)), card_dir)
    assert [p.code for p in refused] == ["signature_unknown_card"] and "autre professionnel" in refused[0].message


def test_a_tampered_record_is_refused_by_the_caisse(ctx: Context, reader: VirtualCardReader,
                                                      card_dir: Path) -> None:
    practice(ctx)
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    invoice = securing.secure(ctx, priced(ctx), "synchronise", reader, PIN).id
    file = lot(ctx, [invoice], "S")
    signed = file.lots[0].invoices[0]
    line = signed.lines[0]
    changed = replace(signed, lines=(replace(line, act=replace(line.act, amo=line.act.amo + Decimal("1.00"))),))
    tampered = replace(file, lots=(replace(file.lots[0], invoices=(changed,)),))
    found = caisse_checks(tampered, card_dir)
    assert {p.code for p in found} == {"signature_invalid"} and len(found) == 2   # the CPS and the Vitale card
    assert all("fausse" in p.message for p in found)
    other_digest = replace(signed, signatures=tuple(replace(s, content_digest=bytes(32)) for s in signed.signatures))
    assert {p.code for p in caisse_checks(replace(file, lots=(replace(file.lots[0], invoices=(other_digest,)),)),
                                          card_dir)} == {"signature_invalid"}


def test_the_b2_model_is_the_signed_records_and_the_invoices_facts(ctx: Context, reader: VirtualCardReader) -> None:
    practice(ctx)
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    acts = [{"code": "C"}, {"code": "AFLB001", "unit_price": "50.56", "modifiers": ["F"]}]
    invoice = securing.secure(ctx, priced(ctx, acts=acts, coverage={"nature": "maladie", "parcours": "T"}),
                              "synchronise", reader, PIN).id
    with ctx.db.read() as session:
        model = fse.b2_invoice(session, invoice)
        row = session.get(Invoice, invoice)
        assert row is not None
        fresh = fse.invoice_of(row)
    assert replace(model, signatures=()) == fresh   # the stored M's records are the mapping of today
    assert (model.billing_number, model.insured_nir, model.nir_key, model.rank, model.number) == (
        PARTNER, "1421962965165", "96", 1, 1)
    header = model.header
    assert (header.regime, header.caisse, header.centre, header.insurance_nature, header.proof) == (
        "01", "349", "9881", "10", "4")
    assert header.birth_date == date(1942, 1, 1) and model.detail == m.InvoiceDetail(ips="T")
    c, ccam = model.lines
    assert (c.act.act_code, c.act.fees, c.act.base, c.act.amo, c.act.rate, c.act.performer_number) == (
        "C", Decimal("23.00"), Decimal("23.00"), Decimal("16.10"), 70, PARTNER)
    assert ccam.act.act_code == "CCAM" and ccam.act.unit_price == Decimal("50.56")
    assert [(a.ccam_code, a.activity, a.phase, a.modifier_1) for a in ccam.ccam] == [("AFLB001", "1", "0", "F")]
    assert len(model.signatures) == 2 and all(s.content == "D" for s in model.signatures)


@settings(max_examples=50, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(invoice=invoices("001033901", date(2025, 1, 16)),
       extra=st.dictionaries(st.sampled_from(["invoice", "state", "zone"]), st.text(), max_size=3))
def test_the_stored_form_splits_back_into_what_was_signed(invoice: m.Invoice, extra: dict[str, str]) -> None:
    content = canonical_bytes({"format": sealing.FSE_FORMAT, **extra})   # texts may hold line feeds: escaped
    message = fse.card_message(invoice, content)
    parts = fse.split(fse.stored_form(message, content))
    assert parts is not None and parts.message == message and parts.content == content
    assert parts.records == m.signed_data(invoice) and parts.digest == hashlib.sha256(content).digest()
    assert fse.split(content) is None and fse.split(message) is None
    assert fse.split(fse.stored_form(message, canonical_bytes({"format": sealing.SIGNED_FORMAT}))) is None


def test_an_invoice_written_before_the_mapping_leaves_its_unknown_fields_empty() -> None:
    """No ``record_rights.beneficiary`` (an invoice stored before it was kept), SMG (no sourced nature code)."""
    document = {"date": "2025-01-14", "patient": {"nir": "1421962965165 96", "rank": 1}, "acts": [{"code": "C"}],
                "professional": PARTNER, "record_rights": {"complementary": None, "coverage": {},
                                                           "tiers_payant": None, "trace": [], "warnings": []}}
    line = {"amc": "0.00", "amo": "16.10", "base": "23.00", "code": "C", "date": "2025-01-14", "exoneration": "0",
            "patient": "6.90", "quantity": 1, "rate": 70, "total": "23.00"}
    totals = {"amc": "0.00", "amo": "16.10", "due_by_amc": "0.00", "due_by_amo": "16.10", "due_by_patient": "6.90",
              "patient": "6.90", "total": "23.00"}
    row = SimpleNamespace(billing_number=PARTNER, patient_nir="142196296516596", patient_rank=1, number=5,
                          invoice_date=date(2025, 1, 14), nature="smg", document=json.dumps(document),
                          priced=json.dumps({"lines": [line], "totals": totals}), secure_mode="sans-vitale",
                          performer_id=None)
    invoice = fse.invoice_of(row)
    assert invoice.header == m.InvoiceHeader("00", "000", "0000", "00")   # zeros, as the reader gives them
    assert read_invoice(m.signed_data(invoice), date(2025, 1, 14)) == (invoice, ())


def test_the_prescriber_frozen_in_the_invoice_is_on_its_lines(ctx: Context, reader: VirtualCardReader) -> None:
    practice(ctx)
    reader.insert("cps-firmier")
    reader.insert("vitale-essai")
    draft = drafts.create_draft(ctx, nurse_care())
    invoice = securing.secure(ctx, rate_check.check_rates(ctx, draft.id).id, "synchronise", reader, PIN).id
    with ctx.db.read() as session:
        model = fse.b2_invoice(session, invoice)
    assert [(line.act.prescriber_number, line.rpps) for line in model.lines] == [("991000696", None)]
    assert model.billing_number == "996102182" and model.lines[0].act.performer_number == "996102182"


def test_a_tampered_line_is_reported_in_french(ctx: Context, reader: VirtualCardReader) -> None:
    practice(ctx)
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    invoice = securing.secure(ctx, priced(ctx), "synchronise", reader, PIN).id
    with ctx.db.transaction() as session:
        session.execute(sa.update(Invoice).where(Invoice.id == invoice)
                        .values(priced=sa.func.replace(Invoice.priced, '"16.10"', '"17.10"')))
    report = verification.verify_invoice(ctx, invoice)
    assert not report.ok and all(check.valid for check in report.checks)
    assert any(p.startswith("ligne 1 (C) : part AMO modifiée en base (signé 16,10, trouvé 17,10)")
               for p in report.problems), report.problems
    assert any("fichier B2 : amo modifié en base (signé 16,10, recalculé 17,10)" in p for p in report.problems)


def test_a_missing_vitale_signature_is_reported(ctx: Context, reader: VirtualCardReader) -> None:
    practice(ctx)
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    invoice = securing.secure(ctx, priced(ctx), "synchronise", reader, PIN).id
    with ctx.db.transaction() as session:
        session.execute(sa.delete(InvoiceSignature).where(InvoiceSignature.invoice_id == invoice,
                                                          InvoiceSignature.step == "vitale"))
    problems = verification.verify_invoice(ctx, invoice).problems
    assert any("sans la signature de la carte Vitale" in p for p in problems)


@pytest.mark.parametrize("size", [1, 3])
def test_the_bulk_reading_takes_two_statements(ctx: Context, reader: VirtualCardReader, size: int) -> None:
    practice(ctx)
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    ids = [securing.secure(ctx, priced(ctx), "synchronise", reader, PIN).id for _ in range(size)]
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    with ctx.db.read() as session:
        engine = session.get_bind()
        sa.event.listen(engine, "before_cursor_execute", seen)
        try:
            found = fse.b2_invoices(session, [*ids, 999])
        finally:
            sa.event.remove(engine, "before_cursor_execute", seen)
    assert sorted(found) == ids and len([s for s in statements if s.startswith("SELECT")]) == 2
