"""End to end, the returns against the caisse de test: invoices secured with the virtual cards in every mode
(synchronised, desynchronised, degraded with its care sheet, SESAM sans Vitale), lotted, sent, acknowledged; the
caisse's clock moved past its payment delay (``feuille-sim avancer``); the NOEMIE returns fetched from the
mailbox, integrated once and reconciled: paid, partly paid (``payer_partiel``), rejected then corrected and paid
in a new lot, a debt withheld from a transfer (``retenue``), the same return delivered twice (``doubler_retour``),
a regularisation, a payment for an invoice never sent (``facture_inconnue``).

The product's clock is today's: the caisse's clock starts at today (it refuses care of more than a year)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from feuille.auth import Actor, Context, Role
from feuille.billing import care_sheet, drafts, rate_check, securing
from feuille.cards.virtual import VirtualCardReader
from feuille.domain import follow_up as fu
from feuille.storage.models import Invoice, Lot
from feuille.transmission import files, lotting, scor_pieces, sending
from feuille.transmission.mail_transport import configured_transport
from tests.billing.support import consultation
from tests.support.caisse import CaisseDeTest
from tests.support.cli import Cli
from tests.support.sending import invoice_states
from tests.transmission.test_sending_caisse import scenario

PIN = "1234"
DELAY = 5          # the caisse's payment delay (docs/caisse-de-test.md « Paiements »)
D = Decimal


def advance(caisse: CaisseDeTest, days: int) -> None:
    done = caisse.sim("avancer", "--jours", str(days))
    assert done.returncode == 0, done.stderr


def sent_returns(caisse: CaisseDeTest) -> int:
    done = caisse.sim("etat", "--json")
    assert done.returncode == 0, done.stderr
    return sum(int(o.get("noemie_envoyes", 0)) for o in json.loads(done.stdout)["organismes"].values())


def secure(ctx: Context, reader: VirtualCardReader, mode: str) -> int:
    day = (ctx.clock() - timedelta(days=1)).date().isoformat()
    draft = drafts.create_draft(ctx, consultation(date=day))
    rate_check.check_rates(ctx, draft.id)
    return securing.secure(ctx, draft.id, mode, reader, PIN).id


def degraded_with_its_care_sheet(ctx: Context, reader: VirtualCardReader) -> int:
    """A degraded invoice whose care sheet is scanned and checked: it travels as a SCOR piece with its lot."""
    reader.remove("vitale")
    invoice = secure(ctx, reader, "degrade")
    piece = scor_pieces.add_piece(ctx, invoice, "feuille.pdf", care_sheet.care_sheet_pdf(ctx, invoice),
                                  "feuille-de-soins")
    found = scor_pieces.inspect_invoice(ctx, invoice)
    answers = {(page, criterion): True for item in found if item.inspection
               for page, criterion, _ in item.inspection.questions()}
    assert scor_pieces.record_check(ctx, invoice, piece.attachment_id or 0, answers).conforming
    return invoice


def send_all(ctx: Context) -> sending.ExchangeReport:
    lotting.put_in_lots(ctx)
    assert all(f.error is None for f in files.write_files(ctx))
    report = sending.exchange(ctx, configured_transport(ctx))
    assert all(s.ok for s in report.sent), report.sent
    assert all(a.positive for a in report.received.arls), report.received.arls
    return report


def lot_numbers(ctx: Context) -> dict[int, str]:
    """Invoice id → the number of the FSE lot it went in."""
    from feuille.storage.models import LotInvoice
    with ctx.db.read() as session:
        rows = session.execute(select(LotInvoice.invoice_id, Lot.number).join(Lot, Lot.id == LotInvoice.lot_id))
        return {int(i): str(n) for i, n in rows}


def integrate(ctx: Context) -> list[Any]:
    """« Envoyer et Recevoir » (receive only), then integrate what the mailbox brought (the reports)."""
    from feuille.returns import integration
    sending.exchange(ctx, configured_transport(ctx), receive_only=True)
    return list(integration.integrate_received(ctx))


def fetch_and_integrate(ctx: Context) -> list[str]:
    return [r.outcome for r in integrate(ctx)]


def follow_up(ctx: Context, invoice_ids: list[int]) -> dict[int, tuple[fu.FollowUp, Decimal, Decimal]]:
    """Invoice id → (state, paid, remaining), from « Suivi Facturations »."""
    from feuille.returns.follow_up import list_follow_up, parse_filters
    page = list_follow_up(ctx, parse_filters(per_page=200))
    lines = {line.invoice_id: line for line in page.lines}
    return {i: (lines[i].state, lines[i].paid, lines[i].remaining) for i in invoice_ids}


def test_every_mode_is_paid_one_partly_and_a_debt_is_withheld(desk: Context, reader: VirtualCardReader,
                                                               caisse: CaisseDeTest, tmp_path: Path) -> None:
    scenario(caisse, tmp_path)
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    synchronised = secure(desk, reader, "synchronise")
    secretary = Context(desk.db, Actor("sec", Role.SECRETAIRE), desk.clock)
    reader.insert("cpe-secretaire")
    reader.insert("vitale-essai")
    desynchronised = secure(secretary, reader, "desynchronise")
    reader.insert("cps-medecin")
    securing.finalise(desk, desynchronised, reader, PIN)
    degraded = degraded_with_its_care_sheet(desk, reader)
    without = secure(desk, reader, "sans-vitale")
    send_all(desk)
    ids = [synchronised, desynchronised, degraded, without]
    assert invoice_states(desk, ids) == ["acknowledged"] * 4
    lots = lot_numbers(desk)
    scenario(caisse, tmp_path, {"regle": "payer_partiel", "lot": int(lots[without]), "taux": 50},
             {"regle": "retenue", "organisme": "01349", "montant": "5.00", "reference": "DETTE1"},
             {"regle": "doubler_retour"})
    advance(caisse, DELAY)
    assert sent_returns(caisse) == 2                      # the payment file, delivered twice (doubler_retour)
    outcomes = fetch_and_integrate(desk)
    assert outcomes in (["integre"], ["integre", "deja_integre"]), outcomes   # integrated once
    states = follow_up(desk, ids)
    assert [states[i][0] for i in (synchronised, desynchronised, degraded)] == [fu.FollowUp.PAYE] * 3, states
    state, paid, remaining = states[without]
    assert state == fu.FollowUp.PARTIEL and paid > 0 and remaining > 0, states[without]
    assert fetch_and_integrate(desk) == []                                     # nothing new, nothing twice
    assert follow_up(desk, ids) == states
    from feuille.returns import transfers
    _, listed = transfers.listing_transfers(desk, start=desk.clock().date() - timedelta(days=30),
                                            end=desk.clock().date() + timedelta(days=30))
    [transfer] = listed
    detail = transfers.detail(desk, transfer.id)
    assert detail.transfer.check.ok and detail.transfer.check.withheld == D("5.00"), detail.transfer.check
    assert [m.amount for m in detail.movements if m.operation == "RPR"] == [D("-5.00")], detail.movements


ESSAI_NIR = "142196296516596"
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)   # the first test runs on both


def number_of(ctx: Context, invoice_id: int) -> int:
    with ctx.db.read() as session:
        row = session.get(Invoice, invoice_id)
        assert row is not None and row.number is not None
        return int(row.number)


def unmatched(ctx: Context) -> list[tuple[int, str]]:
    from feuille.storage.models import ReturnInvoice
    with ctx.db.read() as session:
        return [(int(i), str(n)) for i, n in session.execute(
            select(ReturnInvoice.id, ReturnInvoice.invoice_number).where(ReturnInvoice.invoice_id.is_(None)))]


@SQLITE_ONLY
def test_a_reject_an_unknown_invoice_and_a_regularisation(desk: Context, reader: VirtualCardReader,
                                                          caisse: CaisseDeTest, tmp_path: Path, cli: Cli) -> None:
    scenario(caisse, tmp_path)
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    paid = secure(desk, reader, "synchronise")
    reader.remove("vitale")
    rejected = secure(desk, reader, "sans-vitale")       # alone in its lot (certification F)
    send_all(desk)
    lots = lot_numbers(desk)
    assert lots[paid] != lots[rejected]
    scenario(caisse, tmp_path, {"regle": "rejeter", "nir": ESSAI_NIR, "motif": "Droits fermés",
                                "lot": int(lots[rejected])},
             {"regle": "facture_inconnue", "organisme": "01349", "montant": "12.34", "numero": 777777})
    advance(caisse, DELAY)
    done = cli("noemie", "recevoir", "--json")               # the CLI path: fetch and integrate
    assert done.exit_code == 0, done.stderr + done.stdout
    states = follow_up(desk, [paid, rejected])
    assert states[paid][0] == fu.FollowUp.PAYE and states[rejected][0] == fu.FollowUp.REJETE, states
    [(unknown, number)] = unmatched(desk)                     # kept, shown, not matched to anything
    assert number == "000777777"
    assert fetch_and_integrate(desk) == [] and unmatched(desk) == [(unknown, number)]

    from feuille.returns import corrections
    correction = corrections.correct(desk, rejected).draft_id     # a new invoice, linked to the rejected one
    rate_check.check_rates(desk, correction)
    securing.secure(desk, correction, "sans-vitale", reader, PIN)
    send_all(desk)
    assert lot_numbers(desk)[correction] not in (lots[paid], lots[rejected])   # a new lot
    assert number_of(desk, correction) != number_of(desk, rejected)
    advance(caisse, DELAY)
    [report] = integrate(desk)
    assert report.outcome == "integre", (report.message, report.problems)
    states = follow_up(desk, [rejected, correction])
    assert states[correction][0] == fu.FollowUp.PAYE and states[rejected][0] == fu.FollowUp.REJETE, states

    from feuille.returns import reconcile
    matched = reconcile.match_return(desk, unknown, rejected)  # by hand: the payment was for that invoice
    assert matched.invoice_id == rejected and unmatched(desk) == []

    scenario(caisse, tmp_path, {"regle": "regulariser", "facture": number_of(desk, paid), "montant": "99.00"})
    advance(caisse, 1)
    [report] = integrate(desk)
    assert report.outcome == "integre_partiel", (report.message, report.problems)     # reported with its record
    assert any("régularisation" in str(p.get("message", "")) for p in report.problems), report.problems
    assert follow_up(desk, [paid])[paid][0] == fu.FollowUp.ANOMALIE          # took back more than it paid


@SQLITE_ONLY
def test_a_dre_is_paid_by_the_amo_then_by_the_complementary_on_its_own_return(
        desk: Context, reader: VirtualCardReader, caisse: CaisseDeTest, tmp_path: Path) -> None:
    from feuille.storage.models import Patient
    from feuille.transmission import auto
    from tests.transmission.test_dre_lots import with_dre
    scenario(caisse, tmp_path)
    with desk.db.read() as session:
        patient = session.scalars(select(Patient.id)).one()
    payer = with_dre(desk, patient)                   # its DRE goes to complementary 1100000000 (docs/dre.md)
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    day = (desk.clock() - timedelta(days=1)).date()
    payer["pec"]["date"] = day.isoformat()
    draft = drafts.create_draft(desk, consultation(date=day.isoformat(), payer=payer))
    rate_check.check_rates(desk, draft.id)
    invoice = securing.secure(desk, draft.id, "synchronise", reader, PIN).id
    sent = auto.run(desk, configured_transport(desk))
    assert len(sent.exchange.sent) == 2 and all(a.positive for a in sent.exchange.received.arls)   # FSE + DRE
    advance(caisse, DELAY)
    assert fetch_and_integrate(desk) == ["integre"]                 # the AMO pays its share
    state, paid_amo, _ = follow_up(desk, [invoice])[invoice]
    assert state == fu.FollowUp.PARTIEL and paid_amo > 0, state    # the AMC share still expected
    advance(caisse, 7)                                              # the complementary's delay
    [report] = integrate(desk)
    assert report.outcome == "integre", (report.message, report.problems)
    state, paid, remaining = follow_up(desk, [invoice])[invoice]
    assert state == fu.FollowUp.PAYE and remaining == 0, (state, paid, remaining)


@SQLITE_ONLY
def test_gestion_unique_the_complementary_pays_its_share_after_the_amo(
        desk: Context, reader: VirtualCardReader, caisse: CaisseDeTest, tmp_path: Path) -> None:
    from feuille.practice import amc_contracts, organisms
    from feuille.storage.models import Patient
    scenario(caisse, tmp_path)
    with desk.db.read() as session:
        patient = session.scalars(select(Patient.id)).one()
    mutual = organisms.add_amc_organism(desk, {"name": "MUTUELLE GU", "number": "1100000000", "contract_type": "01",
                                               "management": "unique", "dre_accepted": False})
    contract = amc_contracts.add_amc_contract(desk, patient, {"amc_organism_id": mutual, "formula": "052"})
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    day = (desk.clock() - timedelta(days=1)).date().isoformat()
    draft = drafts.create_draft(desk, consultation(date=day, payer={"amc_contract": contract, "tp_amo": True,
                                                                    "tp_amc": True}))
    rate_check.check_rates(desk, draft.id)
    invoice = securing.secure(desk, draft.id, "synchronise", reader, PIN).id
    send_all(desk)
    advance(caisse, DELAY)
    assert fetch_and_integrate(desk) == ["integre"]
    assert follow_up(desk, [invoice])[invoice][0] == fu.FollowUp.PARTIEL      # the AMC share is awaited
    advance(caisse, 7)
    [report] = integrate(desk)
    assert report.outcome == "integre", (report.message, report.problems)
    state, _, remaining = follow_up(desk, [invoice])[invoice]
    assert state == fu.FollowUp.PAYE and remaining == 0, (state, remaining)


@SQLITE_ONLY
def test_a_payment_larger_than_claimed_is_an_anomaly_reported_with_its_file(
        desk: Context, reader: VirtualCardReader, caisse: CaisseDeTest, tmp_path: Path) -> None:
    scenario(caisse, tmp_path, {"regle": "payer_plus", "nir": ESSAI_NIR, "montant": "3.00"})
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    invoice = secure(desk, reader, "synchronise")
    send_all(desk)
    advance(caisse, DELAY)
    [report] = integrate(desk)
    assert report.outcome == "integre_partiel" and report.problems, (report.message, report.problems)
    assert report.file_id is not None and any("trop-perçu" in str(p["message"]) for p in report.problems)
    state, paid, remaining = follow_up(desk, [invoice])[invoice]
    assert state == fu.FollowUp.ANOMALIE and remaining == D("-3.00"), (state, paid, remaining)
