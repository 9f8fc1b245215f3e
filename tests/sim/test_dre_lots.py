"""DRE lots to a complementary's mailbox of the caisse de test (docs/dre.md): accepted with a positive ARL from
the complementary, the same signed invoice also accepted by the AMO in its FSE lot, refused when an invoice has no
DRE for this complementary or the file is addressed elsewhere; over SMTP to a running caisse too."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from feuille.formats import b2_file as m
from feuille.transmission import dre
from tests.sim.lots_desk import PARTNER, Desk, make_desk, next_stamp
from tests.sim.test_lots_server import exchange
from tests.support import lots as L
from tests.support.caisse import CaisseDeTest

AMC = "1100000000"
MAILBOX = "AMC" + AMC


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Desk:
    made = make_desk(tmp_path)
    monkeypatch.setenv("FEUILLE_CARDS_DIR", str(tmp_path / "cartes"))
    return made


def dre_invoice(number: int, cards: dict[str, L.SoftCard] | None, *, amc_number: str = AMC) -> m.Invoice:
    """An FSE + DRE as feuille signs it: record 2 says F (AMC billed separately), D (a DRE goes to the AMC), the
    AMC number, the PEC and the convention; the cards sign those records."""
    bare = L.invoice(PARTNER, number, care=L.days_ago(3), cards=None)
    header = replace(bare.header, amc_separate="F", dre="D", amc_number=amc_number, contract_type="01",
                     pec_number="1234", pec_date="240528", convention_type="CM", secondary_criterion="T")
    unsigned = replace(bare, header=header)
    if not cards:
        return unsigned
    return replace(unsigned, signatures=(cards["cps"].sign(unsigned), cards["vitale"].sign(unsigned)))


def dre_file(invoices: list[m.Invoice], *, lot: str = "AAA", amc_number: str = AMC) -> m.B2File:
    header = m.LotHeader(PARTNER, dre.LOT_ORGANISM, lot, L.today(), partner_name="DOCTEUR ESSAI",
                         certification="S")
    return dre.dre_file(sender_number="00000996102182", file_id="000001", created=L.today(), lot=header,
                        amc_number=amc_number, invoices=tuple(invoices))


def send(desk: Desk, file: m.B2File, organism: str = MAILBOX) -> tuple[int, list[L.ArlMail]]:
    certificate = desk.pki.organism_certificate(organism)
    mail = L.lot_mail(m.write_b2(file), certificate, stamp=next_stamp(), organism=organism,
                      invoices=sum(len(lot.invoices) for lot in file.lots))
    return desk.deliver(mail.raw, organism)


def test_a_dre_lot_is_accepted_by_the_complementary_and_its_fse_by_the_amo(desk: Desk) -> None:
    invoices = [dre_invoice(1, desk.cards), dre_invoice(2, desk.cards)]
    mail_id, arls = send(desk, dre_file(invoices))
    assert len(arls) == 1 and arls[0].arl.positive and arls[0].arl.lot_number == "AAA", arls
    assert arls[0].message["From"] == f"{AMC}@amc.rss.fr"
    assert desk.status(mail_id) == ("traite", "lot AAA accepté")
    with desk.state.transaction() as tx:
        rows = tx.execute("SELECT organisme, numero, amc, numero_pec, date_pec, convention FROM dre_recues "
                          "ORDER BY numero").fetchall()
        paid = tx.execute("SELECT paye FROM lots_recus").fetchall()
    assert rows == [(MAILBOX, 1, "9.00", "1234", "240528", "CM T"), (MAILBOX, 2, "9.00", "1234", "240528", "CM T")]
    assert paid == [(1,)]   # the caisse's NOEMIE step never pays a DRE
    # The same signed invoices in their FSE lot to the AMO: no duplicate, accepted.
    _, fse_arls = desk.send_file(L.b2_file(PARTNER, [("001", invoices)]))
    assert [a.arl.positive for a in fse_arls] == [True]
    # The same DRE again (another lot number): duplicates for this complementary.
    _, again = send(desk, dre_file(invoices, lot="AAB"))
    assert not again[0].arl.positive and {d.reason for d in again[0].arl.details} == {"4003"}


def test_an_invoice_without_dre_for_this_complementary_is_refused(desk: Desk) -> None:
    plain = desk.invoice(3)   # an FSE only: record 2 says nothing of a DRE
    header = m.LotHeader(PARTNER, dre.LOT_ORGANISM, "AAA", L.today(), certification="S")
    file = m.B2File(m.FileHeader("TP", "00000996102182", "OC", AMC.zfill(14), "000002", L.today()),
                    (m.Lot(header, (plain, dre_invoice(4, desk.cards, amc_number="2200000000"))),))
    _, arls = send(desk, file)
    arl = arls[0].arl
    assert not arl.positive and [d.reason for d in arl.details] == ["4007", "4007"]
    assert [d.record for d in arl.details] == [3, 12]   # after the first invoice: 2, 4, 5 and its signatures


def test_a_dre_file_addressed_to_another_complementary_is_refused(desk: Desk) -> None:
    _, arls = send(desk, dre_file([dre_invoice(5, desk.cards, amc_number="2200000000")], amc_number="2200000000"))
    arl = arls[0].arl
    assert not arl.positive and arl.reason == "4006" and (arl.regime, arl.caisse) == ("00", "000")


def test_an_fse_file_sent_to_a_complementary_is_refused(desk: Desk) -> None:
    _, arls = send(desk, L.b2_file(PARTNER, [("001", [desk.invoice(6)])]))
    assert {d.reason for d in arls[0].arl.details} >= {"4006"}


def test_the_writer_refuses_a_dre_lot_of_an_fse_only_invoice() -> None:
    with pytest.raises(Exception) as caught:
        dre_file([L.invoice(PARTNER, 7, care=date(2026, 1, 5), cards=None)])
    assert "pas de DRE pour la complémentaire 1100000000" in str(caught.value)


def test_the_running_caisse_accepts_a_dre_lot_over_smtp(caisse_de_test: CaisseDeTest, tmp_path: Path) -> None:
    """Over SMTP (STARTTLS) to the complementary's mailbox, its certificate made by ``feuille-sim certificat``;
    the ARL fetched over POP3. Unsigned lot (no certification): the session caisse knows no test cards."""
    made = caisse_de_test.sim("certificat", MAILBOX)
    assert made.returncode == 0, made.stderr
    assert Path(made.stdout.strip()).name == f"{AMC}.pem"   # the mailbox's local part, as a sender looks it up
    invoice = dre_invoice(901, None)
    header = m.LotHeader("996102216", dre.LOT_ORGANISM, "AAA", L.today(), certification="")
    file = dre.dre_file(sender_number="00000996102216", file_id="000001", created=L.today(), lot=header,
                        amc_number=AMC, invoices=(replace(invoice, billing_number="996102216"),))
    mail = L.lot_mail(m.write_b2(file), Path(made.stdout.strip()), sender="00000996102216", stamp=next_stamp(),
                      organism=MAILBOX)
    arls = exchange(caisse_de_test, mail)
    assert len(arls) == 1 and arls[0].arl.positive and arls[0].arl.lot_number == "AAA"
    assert arls[0].message["From"] == f"{AMC}@amc.rss.fr"
