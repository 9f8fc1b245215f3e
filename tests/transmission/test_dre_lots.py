"""DRE lots made by « Mettre en lot » (docs/dre.md): an invoice with a DRE in its FSE lot to the AMO and in a DRE
lot to its complementary (numbered AAA… per professional and AMC), once; its seal covering both rows; the DRE
file written by « Mettre en fichier » read back, and accepted by the caisse de test's complementary checks; the
gestion unique carried in the FSE only. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from feuille.auth import Context
from feuille.billing import drafts, fse, rate_check, securing, verification
from feuille.cards.virtual import VirtualCardReader
from feuille.formats import arl as arl_format
from feuille.formats import mail as mail_facts
from feuille.formats.b2_reader import read_b2
from feuille.practice import amc_contracts, amc_conventions, organisms
from feuille.storage.models import Lot, LotInvoice
from feuille.transmission import dre, files, lot_views, lotting, mail_settings, sending
from feuille.transmission.mail_transport import configured_transport
from feuille_sim.lots import amc, checks, references
from tests.billing.support import consultation, practice
from tests.transmission.support import secured
from tests.transmission.test_files import CARE_DAY, PIN, unsigned

AMC = "1100000000"


def with_dre(ctx: Context, patient: int, *, pec_required: bool = False) -> dict[str, Any]:
    """A complementary that takes DRE, its convention, the patient's contract: the payer of an invoice with a DRE."""
    organism = organisms.add_amc_organism(ctx, {"name": "MUT TEST CNDA", "number": AMC, "contract_type": "01",
                                                "dre_accepted": True, "dre_address": f"{AMC}@amc.rss.fr"})
    amc_conventions.add_convention(ctx, {"signatory_id": AMC, "convention_type": "CM", "secondary_criterion": "T",
                                         "amc_number": AMC, "dre": True, "pec_required": pec_required})
    contract = amc_contracts.add_amc_contract(ctx, patient, {"amc_organism_id": organism, "formula": "052"})
    return {"amc_contract": contract, "tp_amo": True, "tp_amc": True, "pec": {"number": "1234",
                                                                             "date": "2025-01-10"}}


def rows(ctx: Context) -> list[tuple[int, str, bool | None]]:
    with ctx.db.read() as session:
        return [tuple(r) for r in session.execute(sa.select(LotInvoice.invoice_id, LotInvoice.kind, LotInvoice.live)
                                                  .order_by(LotInvoice.id))]


def test_an_invoice_with_a_dre_goes_in_an_fse_lot_and_a_dre_lot_once(ctx: Context) -> None:
    setup = practice(ctx)
    payer = with_dre(ctx, setup.patient)
    first = secured(ctx, payer=payer)
    second = secured(ctx, payer=payer)
    plain = secured(ctx)   # no complementary: FSE only
    made = lotting.put_in_lots(ctx).lots
    assert sorted((lot.number, lot.recipient, lot.invoice_count) for lot in made) == [
        ("001", "01 349", 3), ("AAA", AMC, 2)]
    assert rows(ctx) == [(first, "FSE", True), (second, "FSE", True), (plain, "FSE", True), (first, "DRE", True),
                         (second, "DRE", True)]
    assert lotting.put_in_lots(ctx).lots == ()   # idempotent
    dre_lot = next(lot for lot in made if lot.number == "AAA")
    assert (str(dre_lot.total), str(dre_lot.amo), str(dre_lot.amc)) == ("46.00", "32.20", "13.80")
    with ctx.db.read() as session:
        for invoice in (first, second, plain):   # the seal of the « in lot » move covers the DRE rows
            assert verification.check(session, _row(session, invoice)).ok
        assert dre.mailbox(session, AMC) == f"{AMC}@amc.rss.fr"
    results = files.write_files(ctx, source=unsigned)
    assert [r.error for r in results] == [None, None]
    text = files.file_bytes(ctx, dre_lot.id).decode("ascii")
    reading = read_b2(text)
    assert reading.ok and reading.file is not None, reading.problems
    header, lot = reading.file.header, reading.file.lots[0]
    assert (header.recipient_type, header.recipient_number, lot.header.organism, lot.header.lot_number) == (
        "OC", "00001100000000", "000", "AAA")
    assert [(i.number, i.header.dre, i.header.amc_separate, i.header.amc_number, i.header.pec_number,
             i.header.pec_date, i.header.convention_type) for i in lot.invoices] == [
        (1, "D", "F", AMC, "1234", "250110", "CM"), (2, "D", "F", AMC, "1234", "250110", "CM")]
    fse_text = files.file_bytes(ctx, next(lot for lot in made if lot.number == "001").id).decode("ascii")
    fse_file = read_b2(fse_text).file
    assert fse_file is not None and [i.header.dre for i in fse_file.lots[0].invoices] == ["D", "D", ""]
    listed = {row.number: row for row in lot_views.listing(ctx)}
    assert set(listed) == {"001", "AAA"}


def _row(session: Any, invoice_id: int) -> Any:
    from feuille.storage.models import Invoice
    return session.get(Invoice, invoice_id)


def test_gestion_unique_travels_in_the_fse_only(ctx: Context) -> None:
    setup = practice(ctx)
    c2s = organisms.add_amc_organism(ctx, {"name": "C2S", "number": "99999997", "contract_type": "89",
                                           "management": "unique"})
    contract = amc_contracts.add_amc_contract(ctx, setup.patient, {"amc_organism_id": c2s, "formula": "052"})
    invoice = secured(ctx, payer={"amc_contract": contract, "tp_amo": True, "tp_amc": True})
    made = lotting.put_in_lots(ctx).lots
    assert [(lot.number, lot.invoice_count) for lot in made] == [("001", 1)]
    with ctx.db.read() as session:
        header = fse.b2_invoice(session, invoice).header
    assert (header.contract_type, header.amc_number, header.amc_separate, header.dre) == ("89", "0099999997", "",
                                                                                          "")


def test_a_dre_lot_of_virtual_cards_is_accepted_by_the_complementarys_checks(
        ctx: Context, reader: VirtualCardReader, card_dir: Path) -> None:
    setup = practice(ctx)
    payer = with_dre(ctx, setup.patient, pec_required=True)
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    invoice = rate_check.check_rates(ctx, drafts.create_draft(ctx, consultation(payer=payer)).id).id
    securing.secure(ctx, invoice, "synchronise", reader, PIN)
    made = lotting.put_in_lots(ctx).lots
    assert all(r.error is None for r in files.write_files(ctx))
    dre_lot = next(lot for lot in made if lot.number == "AAA")
    text = files.file_bytes(ctx, dre_lot.id).decode("ascii")
    reading = read_b2(text)
    assert reading.ok and reading.file is not None
    placed = checks.place(reading.file, [text[i:i + 128] for i in range(0, len(text), 128)])
    mailbox = amc.PREFIX + AMC
    context = checks.Context(amc.ARL_REGIME, amc.ARL_CAISSE, CARE_DAY, references.known_cards(card_dir), None,
                             set(), set())
    assert [*amc.check_envelope(reading.file, mailbox), *amc.check_lot(placed[0], mailbox),
            *checks.check_lot(placed[0], context)] == []


def test_a_dre_lot_is_sent_to_the_complementary_and_acknowledged(
        ctx: Context, reader: VirtualCardReader, tmp_path: Path, provisioned_cards: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The DRE file feuille writes, sent by the product's transport to the complementary's DRE address at a running
    caisse de test (its certificate fetched from the caisse's directory): a positive ARL comes back. « Envoyer et
    Recevoir » sends both lots (tests/transmission/test_dre_sending.py)."""
    from tests.support.caisse import start_caisse
    from tests.transmission.test_sending_caisse import Clock

    monkeypatch.setenv("FEUILLE_SECRETS_FILE", str(tmp_path / "secrets.json"))
    with start_caisse(tmp_path / "caisse", "--cartes", str(provisioned_cards)) as caisse:
        desk = Context(ctx.db, ctx.actor, Clock())
        setup = practice(desk)
        mail_settings.connect_test_caisse(desk, caisse.dir)
        payer = with_dre(desk, setup.patient)
        reader.insert("cps-medecin")
        reader.insert("vitale-essai")
        day = (desk.clock() - timedelta(days=1)).date()
        payer["pec"]["date"] = day.isoformat()
        draft = drafts.create_draft(desk, consultation(date=day.isoformat(), payer=payer))
        rate_check.check_rates(desk, draft.id)
        securing.secure(desk, draft.id, "synchronise", reader, PIN)
        made = {lot.number: lot.id for lot in lotting.put_in_lots(desk).lots}
        assert sorted(made) == ["001", "AAA"]
        assert all(f.error is None for f in files.write_files(desk))
        assert sending.lots_to_send(desk) == [made["001"], made["AAA"]]
        stamp = mail_facts.stamp(desk.clock(), 7)
        with desk.db.read() as session:
            item = sending._item(session, session.get(Lot, made["AAA"]), stamp)
        assert item.recipient.address == f"{AMC}@amc.rss.fr"
        transport = configured_transport(desk)
        transport.send(item)
        arls = [arl_format.read_arl(mail.payload) for mail in transport.receive()
                if mail.kind == "ARL" and stamp in mail.subject]
        assert [(arl.positive, arl.lot_number) for arl in arls] == [(True, "AAA")]
