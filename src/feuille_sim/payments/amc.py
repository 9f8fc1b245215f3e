"""The ``noemie_amc`` producer: the complementaries of the caisse de test pay their share on their own returns.

**feuille's own** (no public source gives a complementary's flow; docs/caisse-de-test.md « Paiements »):

- **what**: the shares listed in ``parts_amc`` when a lot was accepted (``feuille_sim.lots.amc``): an invoice in
  gestion unique (the AMO forwards it) once the AMO **paid** it (a rejected invoice is never forwarded), an invoice
  of an accepted DRE lot; gestion séparée without DRE is never paid here;
- **when**: the AMO's payment day (gestion unique) or the DRE lot's acceptance day, plus the scenario's last
  ``delai_paiement_amc``, else ``DEFAULT_DELAY`` days; never before the first day of the advance;
- **the file**: one payment file (576) per complementary and day, emitter type ``OC``, emitter number the AMC
  number on 14 digits, recipient the B2 files' sender; per payee a transfer 071 (``VIR AMC <n° AMC> <JJMMAA>``,
  ``REF NOEMIE <fichier>-<n>``, paying organism the AMC number), the invoices by lot (the FSE lot, which the
  professional's invoice names; for a DRE whose FSE never reached the AMO, the DRE lot), each with its AMC
  share 199 paid whole (status ``P``, AMC number), no 198, and
  its act lines 210 carrying the AMC amount of the line (``reimbursed`` and ``amc_amount``);
- **the mail**: from ``<n° AMC>@amc.rss.fr`` to ``cabinet``, subject ``NOEMIE/576/AMC<n° AMC>/<fichier>/<date>``,
  ``IRISTEST/NOEMIE`` when the invoice went to the test organism 01996 (or its DRE lot carried test invoices).

Once: a share is marked paid by compare-and-set (``parts_amc.paye``) in the advance's transaction, with its file.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from feuille.formats.noemie_file import (
    PAID,
    AmcShare,
    Beneficiary,
    Header,
    Invoice,
    Lot,
    NoemieFile,
    Payee,
    ReturnGroup,
    Settlement,
    Transfer,
    write_file,
)
from feuille_sim.clock import producer
from feuille_sim.lots import amc as lots_amc
from feuille_sim.payments import build, store
from feuille_sim.payments.mail import TEST_ORGANISM, noemie_mail
from feuille_sim.payments.produce import physical_form
from feuille_sim.state import OutgoingMail, Tx

DEFAULT_DELAY = 7     # feuille's own: days between the AMO's payment (or the DRE's acceptance) and the AMC's
EMITTER_TYPE = "OC"
_ = lots_amc          # its table exists before it is read


@dataclass(frozen=True)
class Due:
    id: int
    source: str        # gu, dre
    invoice: int       # factures_recues.id (gu) or dre_recues.id (dre)
    lot: int
    amc: str
    amount: Decimal
    since: date        # the AMO's payment day, or the DRE lot's acceptance


GU = ("SELECT a.id, a.source, a.facture, a.lot_recu, a.amc, a.montant, n.jour FROM parts_amc a "
      "JOIN factures_reglees r ON r.facture = a.facture JOIN retours_noemie n ON n.id = r.retour "
      "WHERE a.source = 'gu' AND a.paye = 0 AND r.statut = 'P' AND n.jour <= ?")
DRE = ("SELECT a.id, a.source, a.facture, a.lot_recu, a.amc, a.montant, l.recu_le FROM parts_amc a "
       "JOIN lots_recus l ON l.id = a.lot_recu WHERE a.source = 'dre' AND a.paye = 0 AND l.recu_le <= ?")


def delay(tx: Tx) -> int:
    rules = tx.rules("delai_paiement_amc")
    return int(rules[-1]["jours"]) if rules else DEFAULT_DELAY


@producer("noemie_amc")   # after ``noemie``: a share forwarded by the AMO in this advance may fall due in it
def produce_amc_returns(tx: Tx, from_date: date, to_date: date) -> list[OutgoingMail]:
    if to_date <= from_date:
        return []
    wait = delay(tx)
    first = from_date + timedelta(days=1)
    last = (to_date - timedelta(days=wait)).isoformat()
    days: dict[tuple[date, str], list[Due]] = {}
    for sql in (GU, DRE):
        for r in tx.execute(sql, (last,)).fetchall():
            due = Due(int(r[0]), str(r[1]), int(r[2]), int(r[3]), str(r[4]), Decimal(r[5]), date.fromisoformat(r[6]))
            days.setdefault((max(due.since + timedelta(days=wait), first), due.amc), []).append(due)
    form = physical_form(tx)
    mails: list[OutgoingMail] = []
    for (day, amc_number), shares in sorted(days.items()):
        mails += _return(tx, day, amc_number, sorted(shares, key=lambda d: d.id), form)
    return mails


def _return(tx: Tx, day: date, amc_number: str, shares: list[Due], form: str) -> list[OutgoingMail]:
    organism = lots_amc.PREFIX + amc_number
    file_id = store.new_return(tx, organism, build.PAYMENTS, day)
    by_payee: dict[str, dict[tuple[int, str], list[Invoice]]] = {}
    senders: list[str] = []
    test = False
    for due in shares:
        if tx.execute("UPDATE parts_amc SET paye = 1, retour = ? WHERE id = ? AND paye = 0",
                      (file_id, due.id)).rowcount != 1:
            continue     # compare-and-set: each share paid once
        billing, invoice, amo_organism, lot = _invoice(tx, due, store.lot(tx, due.lot))
        test = test or amo_organism == TEST_ORGANISM
        senders.append(lot.sender)
        by_payee.setdefault(billing, {}).setdefault((lot.id, lot.number), []).append(invoice)
    payees = []
    for index, (billing, lots) in enumerate(sorted(by_payee.items()), start=1):
        found = tuple(Lot(invoices[0].lot_date or day, int(number) if number.isdigit() else 0, tuple(invoices))
                      for (_, number), invoices in lots.items())
        transfer = Transfer(f"VIR AMC {amc_number} {day:%d%m%y}", f"REF NOEMIE {file_id % 1_000_000:06d}-{index}",
                            amc_number)
        payees.append(Payee(build.payee_number(billing),
                            (Settlement(day, transfer, (ReturnGroup("01", lots=found),)),)))
    if not payees:
        return []
    header = Header(EMITTER_TYPE, amc_number.zfill(14), "PS", senders[0][-14:].rjust(14, "0"),
                    f"{file_id % 1_000_000:06d}", day, reference=build.PAYMENTS, flow="T")
    file = NoemieFile(header, tuple(payees))
    content = write_file(file, blocks=form == "blocs")
    count = sum(len(lot.invoices) for p in file.payees for s in p.settlements for g in s.groups for lot in g.lots)
    key = f"noemie/{organism}/{build.PAYMENTS}/{day.isoformat()}/{file_id:06d}"
    store.close_return(tx, file_id, key, len(payees), count, file.total)
    tx.log("paiements", organism, f"retour AMC {build.PAYMENTS} n° {header.file_id} du {day.isoformat()}",
           f"{count} facture(s), {file.total} €")
    return [noemie_mail(organism=organism, reference=build.PAYMENTS, file_id=header.file_id, day=day,
                        content=content, key=key, invoices=count, amount=file.total, amc=amc_number, test=test)]


def _invoice(tx: Tx, due: Due, lot: store.DueLot) -> tuple[str, Invoice, str, store.DueLot]:
    """(payee's billing number, the invoice as the AMC's return reports it, the AMO organism of its FSE, the lot it
    names: the FSE lot, which the professional's invoice knows; the DRE lot when the FSE never reached the AMO)."""
    stored_id = due.invoice
    organism = lot.organism
    if due.source == "dre":
        billing, number, nir = tx.execute("SELECT numero_facturation, numero, nir FROM dre_recues WHERE id = ?",
                                          (due.invoice,)).fetchone()
        fse = tx.execute("SELECT id, organisme FROM factures_recues WHERE numero_facturation = ? AND numero = ?",
                         (billing, number)).fetchone()
        if fse is None:     # the FSE never reached the AMO: the DRE alone says what is paid
            share = AmcShare(due.amount, PAID, due.amount, amc_number=due.amc)
            lot_number = lot.number if lot.number.isdigit() else ""
            return str(billing), Invoice(f"{int(number):09d}", lot_number=lot_number, lot_date=lot.dated,
                                         invoice_type="F", beneficiary=Beneficiary(nir[:13], nir[13:]),
                                         amc=share), organism, lot
        stored_id, organism = int(fse[0]), str(fse[1])
    stored = store.invoice(tx, stored_id)
    assert stored is not None
    lot = store.lot(tx, stored.lot)
    settled = build.settle(stored, lot, build.Decision(PAID))
    acts = tuple(replace(act, reimbursed=line.amc, amc_amount=line.amc)
                 for act, line in zip(settled.acts, stored.lines, strict=True))
    return stored.billing_number, replace(settled, amo=None, amc=AmcShare(due.amount, PAID, due.amount,
                                                                          amc_number=due.amc), acts=acts), organism, lot
