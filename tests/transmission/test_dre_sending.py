"""DRE lots sent and acknowledged like FSE lots (docs/dre.md), against a running caisse de test: « Télétransmettre
Auto » sends the FSE lot to the AMO and the DRE lot to the complementary, both acknowledged, the invoice's state
moved once (it follows its FSE lot only); a DRE lot the complementary refuses is « Lot rejeté », the invoice's
state unchanged, its DRE lotted again in a new DRE lot (next letter number) by the next « Mettre en lot », the
invoice's verification clean at each step. The happy path on SQLite and PostgreSQL, the refusal on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from feuille.auth import Context
from feuille.billing import drafts, rate_check, securing, verification
from feuille.cards.virtual import VirtualCardReader
from feuille.domain.lots import LotState
from feuille.practice import organisms
from feuille.storage.models import AmcOrganism, AuditEntry, Invoice, Lot, LotInvoice
from feuille.transmission import auto, lotting, mail_settings
from feuille.transmission.mail_transport import configured_transport
from tests.billing.support import consultation, practice
from tests.support.caisse import CaisseDeTest, start_caisse
from tests.support.sending import invoice_states
from tests.transmission.test_dre_lots import AMC, with_dre
from tests.transmission.test_sending_caisse import PIN, Clock, scenario

OTHER_AMC = "2200000000"   # another complementary's mailbox: the caisse refuses a file not addressed to it (4006)


@pytest.fixture
def caisse(tmp_path: Path, provisioned_cards: Path) -> Iterator[CaisseDeTest]:
    with start_caisse(tmp_path / "caisse", "--cartes", str(provisioned_cards)) as running:
        yield running


@pytest.fixture
def desk(ctx: Context, caisse: CaisseDeTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Context:
    monkeypatch.setenv("FEUILLE_SECRETS_FILE", str(tmp_path / "secrets.json"))
    return Context(ctx.db, ctx.actor, Clock())


def secure_with_dre(desk: Context, caisse: CaisseDeTest, reader: VirtualCardReader) -> int:
    """The practice connected to the caisse, and one invoice whose DRE goes to complementary ``AMC``."""
    setup = practice(desk)
    mail_settings.connect_test_caisse(desk, caisse.dir)
    payer = with_dre(desk, setup.patient)
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    day = (desk.clock() - timedelta(days=1)).date()
    payer["pec"]["date"] = day.isoformat()
    draft = drafts.create_draft(desk, consultation(date=day.isoformat(), payer=payer))
    rate_check.check_rates(desk, draft.id)
    return securing.secure(desk, draft.id, "synchronise", reader, PIN).id


def lots(ctx: Context) -> dict[str, str]:
    """Lot number → state."""
    with ctx.db.read() as session:
        return {lot.number: lot.state for lot in session.scalars(sa.select(Lot))}


def dre_rows(ctx: Context, invoice: int) -> list[tuple[str, bool | None]]:
    """The invoice's DRE rows: (lot number, live), oldest first."""
    with ctx.db.read() as session:
        return [tuple(r) for r in session.execute(
            sa.select(Lot.number, LotInvoice.live).join(Lot, Lot.id == LotInvoice.lot_id)
            .where(LotInvoice.invoice_id == invoice, LotInvoice.kind == "DRE").order_by(LotInvoice.id))]


def moves(ctx: Context, invoice: int) -> list[str]:
    """The invoice's audited changes, in order."""
    with ctx.db.read() as session:
        return list(session.scalars(sa.select(AuditEntry.action).where(
            AuditEntry.entity == "invoice", AuditEntry.entity_id == str(invoice),
            AuditEntry.action.in_(["invoice.add_to_lot", "invoice.send", "invoice.acknowledge",
                                   "invoice.remove_from_lot", "invoice.dre_release", "invoice.dre_relot"]))
            .order_by(AuditEntry.id)))


def clean(ctx: Context, invoice: int) -> bool:
    with ctx.db.read() as session:
        row = session.get(Invoice, invoice)
        assert row is not None
        return verification.check(session, row).ok


def test_auto_sends_the_fse_lot_and_the_dre_lot_both_acknowledged(desk: Context, caisse: CaisseDeTest,
                                                                   reader: VirtualCardReader) -> None:
    invoice = secure_with_dre(desk, caisse, reader)
    report = auto.run(desk, configured_transport(desk))
    sent = {s.lot_number: s for s in report.exchange.sent}
    assert sorted(sent) == ["001", "AAA"] and all(s.ok for s in sent.values()), report.exchange.sent
    assert sent["AAA"].organism == AMC
    assert sorted((a.lot_number, a.state) for a in report.exchange.received.arls) == [
        ("001", "ARL positif reçu"), ("AAA", "ARL positif reçu")], report.exchange.received
    assert lots(desk) == {"001": LotState.ARL_POSITIF, "AAA": LotState.ARL_POSITIF}
    assert invoice_states(desk, [invoice]) == ["acknowledged"]
    assert moves(desk, invoice) == ["invoice.add_to_lot", "invoice.send", "invoice.acknowledge"]   # once each
    assert clean(desk, invoice)
    again = auto.run(desk, configured_transport(desk))
    assert again.exchange.sent == [] and again.exchange.received.arls == ()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_dre_lots_arl_does_not_move_the_invoice(desk: Context, caisse: CaisseDeTest, reader: VirtualCardReader,
                                                     tmp_path: Path) -> None:
    """The FSE lot's ARL lost, the DRE lot's positive: the invoice stays « envoyée » (its FSE lot decides)."""
    scenario(caisse, tmp_path, {"regle": "perdre_arl", "lot": 1})
    invoice = secure_with_dre(desk, caisse, reader)
    report = auto.run(desk, configured_transport(desk))
    assert [(a.lot_number, a.state) for a in report.exchange.received.arls] == [("AAA", "ARL positif reçu")]
    assert lots(desk) == {"001": LotState.EXPEDIE, "AAA": LotState.ARL_POSITIF}
    assert invoice_states(desk, [invoice]) == ["sent"]
    assert moves(desk, invoice) == ["invoice.add_to_lot", "invoice.send"]
    assert clean(desk, invoice)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_refused_dre_lot_is_rejected_and_its_dre_lotted_again(desk: Context, caisse: CaisseDeTest,
                                                                 reader: VirtualCardReader) -> None:
    """The complementary's DRE address mistyped (another complementary's mailbox): that mailbox refuses the file
    (4006); once the address is corrected, the next « Mettre en lot » puts the DRE in lot AAB, which is accepted."""
    invoice = secure_with_dre(desk, caisse, reader)
    with desk.db.read() as session:
        organism = session.scalars(sa.select(AmcOrganism.id).where(AmcOrganism.number == AMC)).one()
    organisms.update_amc_organism(desk, organism, {"dre_address": f"{OTHER_AMC}@amc.rss.fr"})
    report = auto.run(desk, configured_transport(desk))
    arls = {a.lot_number: a for a in report.exchange.received.arls}
    assert arls["001"].state == "ARL positif reçu"
    assert arls["AAA"].state == "Lot rejeté" and arls["AAA"].label.startswith("Code: 4006"), arls["AAA"]
    assert invoice_states(desk, [invoice]) == ["acknowledged"]   # the FSE lot alone moves the invoice
    assert dre_rows(desk, invoice) == [("AAA", None)]
    assert clean(desk, invoice)                                  # the release is audited with the seal

    organisms.update_amc_organism(desk, organism, {"dre_address": f"{AMC}@amc.rss.fr"})
    made = lotting.put_in_lots(desk).lots
    assert [(lot.number, lot.recipient, lot.invoice_count) for lot in made] == [("AAB", AMC, 1)]
    assert dre_rows(desk, invoice) == [("AAA", None), ("AAB", True)]
    assert clean(desk, invoice)
    assert lotting.put_in_lots(desk).lots == ()                  # idempotent
    second = auto.run(desk, configured_transport(desk))
    assert [(s.lot_number, s.ok) for s in second.exchange.sent] == [("AAB", True)]
    assert [(a.lot_number, a.state) for a in second.exchange.received.arls] == [("AAB", "ARL positif reçu")]
    assert lots(desk) == {"001": LotState.ARL_POSITIF, "AAA": LotState.REJETE, "AAB": LotState.ARL_POSITIF}
    assert invoice_states(desk, [invoice]) == ["acknowledged"]
    assert moves(desk, invoice) == ["invoice.add_to_lot", "invoice.send", "invoice.acknowledge",
                                    "invoice.dre_release", "invoice.dre_relot"]
    assert clean(desk, invoice)
