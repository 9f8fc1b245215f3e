"""End to end against the caisse de test: invoices secured with the virtual cards in each mode, lotted, written,
sent by mail, acknowledged by ARL; a degraded lot without its care sheet refused (negative ARL shown); a lost
ARL re-sent after the delay and acknowledged once (SQLite; the happy path on PostgreSQL too). The product's
clock is today's (the caisse's clock starts at today and refuses care of more than a year)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from feuille.auth import Actor, Context, Role, utc_now
from feuille.billing import attachments, care_sheet, drafts, rate_check, securing
from feuille.cards.virtual import VirtualCardReader
from feuille.domain.lots import LotState
from feuille.storage.models import Lot
from feuille.transmission import files, lotting, mail_settings, scor_pieces, sending
from feuille.transmission.mail_transport import configured_transport
from tests.billing.support import consultation, practice
from tests.support.caisse import CaisseDeTest, start_caisse
from tests.support.sending import invoice_states

PIN = "1234"


@pytest.fixture
def caisse(tmp_path: Path, provisioned_cards: Path) -> Iterator[CaisseDeTest]:
    """A caisse of each test's own (its lot numbers and invoice numbers start again with the database's), that
    knows the provisioned cards (the reader's copies have the same keys)."""
    with start_caisse(tmp_path / "caisse", "--cartes", str(provisioned_cards)) as running:
        yield running


class Clock:
    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def desk(ctx: Context, caisse: CaisseDeTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Context:
    monkeypatch.setenv("FEUILLE_SECRETS_FILE", str(tmp_path / "secrets.json"))
    today = Context(ctx.db, ctx.actor, Clock())
    practice(today)
    mail_settings.connect_test_caisse(today, caisse.dir)
    return today


def scenario(caisse: CaisseDeTest, tmp_path: Path, *rules: dict[str, object]) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps({"nom": "envoi", "regles": list(rules)}), encoding="utf-8")
    done = caisse.sim("scenario", str(path))
    assert done.returncode == 0, done.stderr


def secure(ctx: Context, reader: VirtualCardReader, mode: str) -> int:
    day = (ctx.clock() - timedelta(days=1)).date().isoformat()
    draft = drafts.create_draft(ctx, consultation(date=day))
    rate_check.check_rates(ctx, draft.id)
    return securing.secure(ctx, draft.id, mode, reader, PIN).id


def lots(ctx: Context) -> dict[str, tuple[str, str | None]]:
    """Certification → (state, ARL label) of every lot."""
    with ctx.db.read() as session:
        return {lot.certification: (lot.state, lot.arl_label) for lot in session.scalars(select(Lot))}


def received(caisse: CaisseDeTest) -> dict[str, int]:
    done = caisse.sim("etat", "--json")
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)["organismes"].get("01349", {})
    return {key: counts.get(key, 0) for key in ("lots_recus", "lots_acceptes", "lots_refuses")}


def test_each_mode_is_sent_and_acknowledged(desk: Context, reader: VirtualCardReader, caisse: CaisseDeTest,
                                            tmp_path: Path) -> None:
    scenario(caisse, tmp_path)
    before = received(caisse)
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    synchronised = secure(desk, reader, "synchronise")
    secretary = Context(desk.db, Actor("sec", Role.SECRETAIRE), desk.clock)
    reader.insert("cpe-secretaire")
    reader.insert("vitale-essai")
    desynchronised = secure(secretary, reader, "desynchronise")
    reader.insert("cps-medecin")
    securing.finalise(desk, desynchronised, reader, PIN)
    reader.remove("vitale")
    without = secure(desk, reader, "sans-vitale")
    made = lotting.put_in_lots(desk)
    assert sorted(lot.certification for lot in made.lots) == ["F", "S"] and made.invoices == 3
    assert all(f.error is None for f in files.write_files(desk))
    report = sending.exchange(desk, configured_transport(desk))
    assert [s.ok for s in report.sent] == [True, True], report.sent
    assert [a.state for a in report.received.arls] == ["ARL positif reçu"] * 2, report.received
    assert {state for state, _ in lots(desk).values()} == {LotState.ARL_POSITIF}
    assert invoice_states(desk, [synchronised, desynchronised, without]) == ["acknowledged"] * 3
    after = received(caisse)
    assert after["lots_acceptes"] - before["lots_acceptes"] == 2 and after["lots_refuses"] == before["lots_refuses"]
    again = sending.exchange(desk, configured_transport(desk))
    assert again.sent == [] and again.received.arls == () and received(caisse) == after


SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)   # the happy path runs on both


@SQLITE_ONLY
def test_a_lot_the_caisse_refuses_shows_its_negative_arl(desk: Context, reader: VirtualCardReader,
                                                          caisse: CaisseDeTest, tmp_path: Path) -> None:
    """A degraded invoice whose care sheet is attached but not sent to the caisse as a SCOR piece: code 4005."""
    scenario(caisse, tmp_path)
    reader.insert("cps-medecin")
    degraded = secure(desk, reader, "degrade")
    attachments.attach(desk, degraded, "feuille.pdf", care_sheet.care_sheet_pdf(desk, degraded))
    lotting.put_in_lots(desk)
    files.write_files(desk)
    report = sending.exchange(desk, configured_transport(desk))
    [arl] = report.received.arls
    assert not arl.positive and arl.state == "Lot rejeté" and arl.label.startswith("Code: 4005")
    assert any("feuille de soins" in d for d in arl.details), arl.details
    assert lots(desk)["D"][0] == LotState.REJETE and invoice_states(desk, [degraded]) == ["secured"]


@SQLITE_ONLY
def test_a_lost_arl_is_sent_again_after_the_delay_and_acknowledged_once(
        desk: Context, reader: VirtualCardReader, caisse: CaisseDeTest, tmp_path: Path) -> None:
    scenario(caisse, tmp_path, {"regle": "perdre_arl"})
    before = received(caisse)
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    invoice = secure(desk, reader, "synchronise")
    lotting.put_in_lots(desk)
    files.write_files(desk)
    transport = configured_transport(desk)
    first = sending.exchange(desk, transport)
    assert [s.ok for s in first.sent] == [True] and first.received.arls == ()
    assert lots(desk)["S"][0] == LotState.EXPEDIE
    scenario(caisse, tmp_path)                       # the caisse answers again
    desk.clock.now += timedelta(days=3, minutes=1)   # type: ignore[attr-defined]
    second = sending.exchange(desk, configured_transport(desk))
    assert [m.state for m in second.missing] == ["Absence ARL Renvoyer lot"]
    assert [s.resent for s in second.sent] == [True]
    assert [a.state for a in second.received.arls] == ["ARL positif reçu"]
    assert lots(desk)["S"][0] == LotState.ARL_POSITIF and invoice_states(desk, [invoice]) == ["acknowledged"]
    after = received(caisse)
    assert after["lots_acceptes"] - before["lots_acceptes"] == 1   # the re-sent copy is not a second lot


def send_all(desk: Context) -> sending.ExchangeReport:
    lotting.put_in_lots(desk)
    files.write_files(desk)
    return sending.exchange(desk, configured_transport(desk))


@SQLITE_ONLY
def test_a_refused_lots_invoice_goes_in_a_new_lot_that_the_caisse_accepts(
        desk: Context, reader: VirtualCardReader, caisse: CaisseDeTest, tmp_path: Path) -> None:
    """Lot 001 accepted, lot 002 refused (a degraded invoice whose care sheet was not checked, so not sent as SCOR),
    then the care sheet checked: the invoice goes in lot 003 with its SCOR lot, and the caisse accepts it (a refused
    lot consumes its number, as manual 003 VII shows lots 005-007 refused then 008)."""
    scenario(caisse, tmp_path)
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    first = secure(desk, reader, "synchronise")
    assert [arl.lot_number for arl in send_all(desk).received.arls if arl.positive] == ["001"]
    reader.remove("vitale")
    degraded = secure(desk, reader, "degrade")
    piece = scor_pieces.add_piece(desk, degraded, "feuille.pdf", care_sheet.care_sheet_pdf(desk, degraded),
                                  "feuille-de-soins")
    [refused] = send_all(desk).received.arls
    assert (refused.lot_number, refused.positive, refused.state) == ("002", False, "Lot rejeté"), refused
    assert invoice_states(desk, [first, degraded]) == ["acknowledged", "secured"]
    found = scor_pieces.inspect_invoice(desk, degraded)
    answers = {(page, criterion): True for item in found if item.inspection
               for page, criterion, _ in item.inspection.questions()}
    assert scor_pieces.record_check(desk, degraded, piece.attachment_id or 0, answers).conforming
    made = lotting.put_in_lots(desk)
    assert [lot.number for lot in made.lots] == ["003"]
    files.write_files(desk)
    again = sending.exchange(desk, configured_transport(desk))
    [arl] = again.received.arls
    assert arl.positive and arl.lot_number == "003", arl
    assert invoice_states(desk, [degraded]) == ["acknowledged"]
    assert received(caisse)["lots_acceptes"] == 2
