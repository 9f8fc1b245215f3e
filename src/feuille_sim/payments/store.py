"""The paying step's tables in the caisse de test's state, and its reads of the lot checker's tables.

Reads (written by ``feuille_sim.lots.store``): ``lots_recus`` (``etat = 'accepte'``, ``paye``, ``recu_le`` the
caisse's date of reception), ``factures_recues`` and ``lignes_recues`` (amounts as decimal text), lot by lot (lines
in one query per lot), so that a return of 100,000 invoices is never held at once.

Writes, all through the producer's ``tx`` (one transaction with the mails, so a kill loses and repeats nothing):

- ``lots_recus.paye = 1`` once a lot's invoices are in a return, by the lot checker's compare-and-set
  ``feuille_sim.lots.store.mark_paid``;
- ``retours_noemie``: one row per return file (its id is the file's identifier), with its reference (576
  payments, 900 rejects), day, payees, invoices and total;
- ``factures_reglees``: what became of each invoice (P paid, R rejected), claimed and paid, for ``etat``;
- ``dettes``: the withholdings (scenario ``retenue``), what is left to recover, whether their initial statement
  (``CIN``) was written;
- ``ponctuels``: the one-off payments (scenario ``paiement_ponctuel``) made, so a rule pays once;
- ``reglages_paiement``: settings given at start (``feuille-sim servir --forme-noemie``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from feuille_sim.state import State, Tx, register_schema

SCHEMA = """
CREATE TABLE IF NOT EXISTS retours_noemie (
    id INTEGER PRIMARY KEY, organisme TEXT NOT NULL, reference TEXT NOT NULL, jour TEXT NOT NULL,
    cle TEXT NOT NULL DEFAULT '', beneficiaires INTEGER NOT NULL, factures INTEGER NOT NULL, total TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS factures_reglees (
    facture INTEGER PRIMARY KEY, organisme TEXT NOT NULL, retour INTEGER NOT NULL, statut TEXT NOT NULL,
    demande TEXT NOT NULL, paye TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dettes (
    id INTEGER PRIMARY KEY, empreinte TEXT NOT NULL UNIQUE, organisme TEXT NOT NULL, facturation TEXT NOT NULL,
    reference TEXT NOT NULL, nature TEXT NOT NULL, constatee_le TEXT NOT NULL, montant TEXT NOT NULL,
    reste TEXT NOT NULL, constat_ecrit INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS ponctuels (
    id INTEGER PRIMARY KEY, empreinte TEXT NOT NULL UNIQUE, organisme TEXT NOT NULL, facturation TEXT NOT NULL,
    code INTEGER NOT NULL, libelle TEXT NOT NULL, montant TEXT NOT NULL, retour INTEGER NOT NULL, jour TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reglages_paiement (cle TEXT PRIMARY KEY, valeur TEXT NOT NULL);
"""
register_schema(SCHEMA)


@dataclass(frozen=True)
class DueLot:
    id: int
    organism: str
    sender: str           # the B2 file's sender (14 digits): the return's recipient
    number: str           # the lot number as received (3 characters)
    received_on: date
    lot_date: date | None = None     # the lot's date (its header 1), which the returns name

    @property
    def dated(self) -> date:
        return self.lot_date or self.received_on


@dataclass(frozen=True)
class Line:
    rank: int
    care_date: date
    act_code: str
    quantity: int
    coefficient: Decimal
    unit_price: Decimal
    base: Decimal
    rate: int
    amo: Decimal
    amc: Decimal = Decimal(0)


@dataclass(frozen=True)
class StoredInvoice:
    id: int
    lot: int
    billing_number: str
    number: int
    nir: str
    nir_key: str
    birth_date: date | None
    rank: int
    insurance_nature: str
    first_care: date
    last_care: date
    amo: Decimal
    amc: Decimal
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Debt:
    id: int
    organism: str
    billing_number: str
    reference: str
    nature: str
    stated_on: date
    amount: Decimal
    remaining: Decimal
    statement_written: bool


def due_lots(tx: Tx, last_reception: date) -> list[DueLot]:
    """Accepted lots not paid yet, received on or before ``last_reception``, oldest first."""
    rows = tx.execute(f"{LOTS} WHERE l.etat = 'accepte' AND l.paye = 0 AND l.recu_le <= ? ORDER BY l.recu_le, l.id",
                      (last_reception.isoformat(),))
    return [_due(row) for row in rows]


LOTS = ("SELECT l.id, l.organisme, l.emetteur, l.lot, l.recu_le, d.date_lot FROM lots_recus l "
        "LEFT JOIN dates_lots d ON d.lot_recu = l.id")


def _due(row: tuple[object, ...]) -> DueLot:
    i, o, s, n, r, d = row
    return DueLot(int(str(i)), str(o), str(s), str(n), date.fromisoformat(str(r)),
                  date.fromisoformat(str(d)) if d else None)


def invoices(tx: Tx, lot_id: int) -> Iterator[StoredInvoice]:
    """A lot's invoices and their lines, in invoice number order (one query each, streamed)."""
    return _invoices(tx, "f.lot_recu = ?", (lot_id,))


def invoice(tx: Tx, invoice_id: int) -> StoredInvoice | None:
    """One accepted invoice (``factures_recues.id``) and its lines."""
    return next(_invoices(tx, "f.id = ?", (invoice_id,)), None)


def _invoices(tx: Tx, where: str, params: tuple[int, ...]) -> Iterator[StoredInvoice]:
    lines: dict[int, list[Line]] = {}
    for row in tx.execute(
            "SELECT l.facture, l.rang_ligne, l.date_soins, l.code_acte, l.quantite, l.coefficient, l.prix_unitaire, "
            "l.base, l.taux, l.amo, l.amc FROM lignes_recues l JOIN factures_recues f ON f.id = l.facture "
            f"WHERE {where} ORDER BY l.facture, l.rang_ligne", params):
        lines.setdefault(int(row[0]), []).append(Line(
            int(row[1]), date.fromisoformat(row[2]), str(row[3]), int(row[4]), Decimal(row[5]), Decimal(row[6]),
            Decimal(row[7]), int(row[8]), Decimal(row[9]), Decimal(row[10])))
    for row in tx.execute(
            "SELECT f.id, f.numero_facturation, f.numero, f.nir, f.cle_nir, f.date_naissance, f.rang, "
            "f.nature_assurance, f.premier_soin, f.dernier_soin, f.amo, f.amc, f.lot_recu FROM factures_recues f "
            f"WHERE {where} ORDER BY f.numero, f.id", params):
        yield StoredInvoice(
            int(row[0]), int(row[12]), str(row[1]), int(row[2]), str(row[3]), str(row[4]),
            date.fromisoformat(row[5]) if row[5] else None, int(row[6]), str(row[7]), date.fromisoformat(row[8]),
            date.fromisoformat(row[9]), Decimal(row[10]), Decimal(row[11]), tuple(lines.pop(int(row[0]), [])))


def latest_billing_number(tx: Tx, organism: str) -> str | None:
    """The billing number of the last invoice accepted for ``organism`` (the payee of a rule that names none)."""
    row = tx.execute("SELECT numero_facturation FROM factures_recues WHERE organisme = ? ORDER BY id DESC LIMIT 1",
                     (organism,)).fetchone()
    return str(row[0]) if row else None


def lot(tx: Tx, lot_id: int) -> DueLot:
    return _due(tuple(tx.execute(f"{LOTS} WHERE l.id = ?", (lot_id,)).fetchone()))


def latest_sender(tx: Tx, organism: str, billing_number: str) -> str | None:
    row = tx.execute("SELECT l.emetteur FROM lots_recus l JOIN factures_recues f ON f.lot_recu = l.id "
                     "WHERE l.organisme = ? AND f.numero_facturation = ? ORDER BY l.id DESC LIMIT 1",
                     (organism, billing_number)).fetchone()
    return str(row[0]) if row else None


def new_return(tx: Tx, organism: str, reference: str, day: date) -> int:
    """The next file identifier (the row's id; the rest is filled by :func:`close_return`)."""
    cursor = tx.execute("INSERT INTO retours_noemie (organisme, reference, jour, beneficiaires, factures, total) "
                        "VALUES (?, ?, ?, 0, 0, '0.00')", (organism, reference, day.isoformat()))
    return int(cursor.lastrowid or 0)


def close_return(tx: Tx, return_id: int, key: str, payees: int, invoice_count: int, amount: Decimal) -> None:
    tx.execute("UPDATE retours_noemie SET cle = ?, beneficiaires = ?, factures = ?, total = ? WHERE id = ?",
               (key, payees, invoice_count, f"{amount:.2f}", return_id))


def record_invoices(tx: Tx, rows: list[tuple[int, str, int, str, Decimal, Decimal]]) -> None:
    """(invoice id, organism, return id, status, claimed, paid) of the invoices just settled."""
    tx.conn.executemany(
        "INSERT OR IGNORE INTO factures_reglees (facture, organisme, retour, statut, demande, paye) "
        "VALUES (?, ?, ?, ?, ?, ?)", [(i, o, r, s, f"{c:.2f}", f"{p:.2f}") for i, o, r, s, c, p in rows])


def add_debt(tx: Tx, fingerprint: str, organism: str, billing_number: str, reference: str, nature: str,
             day: date, amount: Decimal) -> bool:
    cursor = tx.execute(
        "INSERT OR IGNORE INTO dettes (empreinte, organisme, facturation, reference, nature, constatee_le, montant, "
        "reste) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (fingerprint, organism, billing_number, reference, nature, day.isoformat(), f"{amount:.2f}",
         f"{amount:.2f}"))
    return cursor.rowcount == 1


def known_fingerprints(tx: Tx, table: str) -> set[str]:
    assert table in ("dettes", "ponctuels")
    return {str(r[0]) for r in tx.execute(f"SELECT empreinte FROM {table}")}


def open_debts(tx: Tx, organism: str, billing_number: str) -> list[Debt]:
    rows = tx.execute("SELECT id, organisme, facturation, reference, nature, constatee_le, montant, reste, "
                      "constat_ecrit FROM dettes WHERE organisme = ? AND facturation = ? AND reste != '0.00' "
                      "ORDER BY id", (organism, billing_number))
    return [Debt(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), date.fromisoformat(r[5]), Decimal(r[6]),
                 Decimal(r[7]), bool(r[8])) for r in rows]


def debtors(tx: Tx) -> set[tuple[str, str]]:
    """(organism, billing number) that still owe something."""
    return {(str(o), str(b)) for o, b in tx.execute(
        "SELECT DISTINCT organisme, facturation FROM dettes WHERE reste != '0.00'")}


def recover(tx: Tx, debt_id: int, remaining: Decimal) -> None:
    tx.execute("UPDATE dettes SET reste = ?, constat_ecrit = 1 WHERE id = ?", (f"{remaining:.2f}", debt_id))


def add_one_off(tx: Tx, fingerprint: str, organism: str, billing_number: str, code: int, label: str,
                amount: Decimal, return_id: int, day: date) -> None:
    tx.execute("INSERT INTO ponctuels (empreinte, organisme, facturation, code, libelle, montant, retour, jour) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (fingerprint, organism, billing_number, code, label,
                                                   f"{amount:.2f}", return_id, day.isoformat()))


def setting(tx: Tx, key: str) -> str | None:
    row = tx.execute("SELECT valeur FROM reglages_paiement WHERE cle = ?", (key,)).fetchone()
    return str(row[0]) if row else None


def set_setting(state: State, key: str, value: str) -> None:
    with state.transaction() as tx:
        tx.execute("INSERT INTO reglages_paiement (cle, valeur) VALUES (?, ?) "
                   "ON CONFLICT (cle) DO UPDATE SET valeur = excluded.valeur", (key, value))
        tx.log("paiements", "feuille-sim", f"réglage {key}", value)
