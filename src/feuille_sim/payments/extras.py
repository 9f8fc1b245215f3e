"""Invoices a transfer carries outside the lots due, from two scenario rules (docs/caisse-de-test.md, all
**feuille's own**: no public source gives an insurer's decisions):

- ``regulariser``: an invoice already paid, in a transfer of an earlier day, is taken back in a later transfer of
  the same organism to the same payee: entity 102 (its number, lot and beneficiary) with the AMO share 198 paid
  **negative** (sign ``N``), every act line negated when the whole payment is taken back (``montant`` absent or
  equal), a message 290 ``G001`` « REGULARISATION ». It waits while the invoice is not paid yet; applied once.
- ``facture_inconnue``: a transfer of that organism to that payee pays an invoice number the professional never
  sent (default 999999999), one act ``C`` of ``montant``, the beneficiary the rule's NIR or that of the payee's
  last invoice; applied once.

Once: each rule's fingerprint (its content and rank among identical rules, as ``paiement_ponctuel``) is written
in ``regles_appliquees`` in the advance's transaction, with the return that carried it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from feuille.formats.noemie_file import PAID, Act, Beneficiary, Invoice, Lot, Message, Share
from feuille.money import total
from feuille_sim.payments import build, store
from feuille_sim.state import Tx, register_schema

SCHEMA = """
CREATE TABLE IF NOT EXISTS regles_appliquees (
    empreinte TEXT PRIMARY KEY, regle TEXT NOT NULL, organisme TEXT NOT NULL, facturation TEXT NOT NULL,
    facture TEXT NOT NULL, montant TEXT NOT NULL, retour INTEGER NOT NULL, jour TEXT NOT NULL);
"""
register_schema(SCHEMA)
REGULARISATION_CODE = "G001"
KINDS = ("regulariser", "facture_inconnue")


@dataclass(frozen=True)
class Extra:
    fingerprint: str
    kind: str
    organism: str
    billing_number: str
    sender: str            # the return's recipient (the B2 files' sender)
    lot: Lot               # one invoice


def pending(tx: Tx, rules: dict[str, list[tuple[str, dict[str, Any]]]], first: date) -> list[Extra]:
    """The rules (fingerprint, rule) not applied yet whose invoice can be written on day ``first``."""
    done = {str(r[0]) for r in tx.execute("SELECT empreinte FROM regles_appliquees")}
    out = []
    for fingerprint, rule in rules.get("regulariser", ()):
        if fingerprint not in done and (extra := _regularisation(tx, fingerprint, rule, first)) is not None:
            out.append(extra)
    for fingerprint, rule in rules.get("facture_inconnue", ()):
        if fingerprint not in done and (extra := _unknown(tx, fingerprint, rule, first)) is not None:
            out.append(extra)
    return out


def applied(tx: Tx, extra: Extra, return_id: int, day: date) -> None:
    [invoice] = extra.lot.invoices
    tx.execute("INSERT INTO regles_appliquees (empreinte, regle, organisme, facturation, facture, montant, retour, "
               "jour) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               (extra.fingerprint, extra.kind, extra.organism, extra.billing_number, invoice.number,
                f"{invoice.total:.2f}", return_id, day.isoformat()))


def _regularisation(tx: Tx, fingerprint: str, rule: dict[str, Any], first: date) -> Extra | None:
    sql = ("SELECT f.id, r.paye FROM factures_recues f JOIN factures_reglees r ON r.facture = f.id "
           "JOIN retours_noemie n ON n.id = r.retour WHERE f.numero = ? AND r.statut = 'P' AND n.jour < ?")
    params: list[object] = [int(rule["facture"]), first.isoformat()]
    if rule.get("facturation"):
        sql += " AND f.numero_facturation = ?"
        params.append(str(rule["facturation"]))
    row = tx.execute(sql + " ORDER BY f.id DESC LIMIT 1", tuple(params)).fetchone()
    stored = store.invoice(tx, int(row[0])) if row else None
    if stored is None:
        return None
    paid = Decimal(row[1])
    amount = Decimal(str(rule["montant"])) if rule.get("montant") else paid
    lot = store.lot(tx, stored.lot)
    settled = build.settle(stored, lot, build.Decision(PAID))
    whole = amount == paid and total(a.reimbursed for a in settled.acts) == paid
    acts = tuple(replace(a, reimbursed=-a.reimbursed) for a in settled.acts) if whole else ()
    invoice = replace(settled, amo=Share(stored.amo, PAID, -amount), amc=None, acts=acts, messages=(
        Message(0, REGULARISATION_CODE, f"REGULARISATION : {amount} EUROS REPRIS SUR LA FACTURE {stored.number}"),))
    number = int(lot.number) if lot.number.isdigit() else 0
    return Extra(fingerprint, "regulariser", lot.organism, stored.billing_number, lot.sender,
                 Lot(lot.dated, number, (invoice,)))


def _unknown(tx: Tx, fingerprint: str, rule: dict[str, Any], first: date) -> Extra | None:
    organism = str(rule["organisme"])
    billing = rule.get("facturation") or store.latest_billing_number(tx, organism)
    if billing is None:
        return None
    row = tx.execute("SELECT f.nir, f.cle_nir, l.lot, l.recu_le, l.emetteur FROM factures_recues f "
                     "JOIN lots_recus l ON l.id = f.lot_recu WHERE f.organisme = ? AND f.numero_facturation = ? "
                     "ORDER BY f.id DESC LIMIT 1", (organism, billing)).fetchone()
    nir = str(rule["nir"]) if rule.get("nir") else (str(row[0]) + str(row[1]) if row else "")
    if len(nir) != 15:
        return None
    amount = Decimal(str(rule["montant"]))
    care = first - timedelta(days=3)
    lot_number = int(row[2]) if row and str(row[2]).isdigit() else 1
    lot_date = date.fromisoformat(row[3]) if row else care
    invoice = Invoice(f"{int(rule['numero']):09d}", lot_number=f"{lot_number:03d}", lot_date=lot_date,
                      invoice_type="F", invoice_date=care, beneficiary=Beneficiary(nir[:13], nir[13:]),
                      amo=Share(amount, PAID, amount),
                      acts=(Act(1, "C", amount, base=amount, unit_price=amount, rate=100, quantity=1,
                                coefficient="00100", care_start=care),))
    sender = str(row[4]) if row else billing.rjust(14, "0")
    return Extra(fingerprint, "facture_inconnue", organism, billing, sender, Lot(lot_date, lot_number, (invoice,)))
