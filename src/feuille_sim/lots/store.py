"""The lot checker's tables in the caisse de test's state (``DIR/caisse.db``), read and written through a ``Tx``.

- ``lots_recus``: every lot answered (accepted or refused), with the ARL sent; the paying step reads the accepted
  ones (``etat = 'accepte'``). ``empreinte`` is the SHA-256 of the lot's records as received: a lot received
  again with the same records is a re-send, answered with the same ARL and not stored twice.
- ``factures_recues`` and ``lignes_recues``: the invoices and lines of accepted lots (what the NOEMIE producer
  pays). Amounts are stored as decimal text (``"12.50"``), never as floats.
- ``courriels_lots``: every lot mail answered, by organism and Message-ID (or the SHA-256 of the mail): the same
  mail delivered again is answered once.
- ``pieces_scor``: the care sheets received as SCOR pieces (feuille's own rule, docs/caisse-de-test.md): parts of
  a lot mail, or care sheets of an accepted SCOR lot.
- ``lots_scor_recus`` and ``pieces_scor_flux``: every SCOR lot answered (its own mail, linked to an FSE lot) and
  the pieces of the accepted ones (kind, media type, size, SHA-256).

Lot numbering (FORMATS.md §1: per recipient, the previous + 1) is per partner (the lot header's partner number)
and organism: the next number follows either the last lot **received** (accepted or refused: a refused lot's
invoices come back in a new lot, as manual 003 VII shows lots 005-007 refused then 008) or the last **accepted**
one (a refused lot corrected and sent again under its number); until a first lot is accepted any number may come.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from feuille.formats import b2_file as m
from feuille_sim.lots import amc
from feuille_sim.state import Tx, register_schema

SCHEMA = """
CREATE TABLE IF NOT EXISTS lots_recus (
    id INTEGER PRIMARY KEY, courriel INTEGER NOT NULL, organisme TEXT NOT NULL, emetteur TEXT NOT NULL,
    partenaire TEXT NOT NULL, fichier TEXT NOT NULL, lot TEXT NOT NULL, empreinte TEXT NOT NULL,
    recu_le TEXT NOT NULL, etat TEXT NOT NULL, motif TEXT NOT NULL, factures INTEGER NOT NULL,
    total_honoraires TEXT NOT NULL, total_amo TEXT NOT NULL, total_amc TEXT NOT NULL, arl TEXT NOT NULL,
    certification TEXT NOT NULL DEFAULT '', paye INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS lots_recus_lot ON lots_recus (organisme, partenaire, lot);
CREATE TABLE IF NOT EXISTS factures_recues (
    id INTEGER PRIMARY KEY, lot_recu INTEGER NOT NULL REFERENCES lots_recus (id), organisme TEXT NOT NULL,
    numero_facturation TEXT NOT NULL, numero INTEGER NOT NULL, nir TEXT NOT NULL, cle_nir TEXT NOT NULL,
    date_naissance TEXT, rang INTEGER NOT NULL, regime TEXT NOT NULL, caisse TEXT NOT NULL, centre TEXT NOT NULL,
    nature_assurance TEXT NOT NULL, premier_soin TEXT NOT NULL, dernier_soin TEXT NOT NULL,
    honoraires TEXT NOT NULL, amo TEXT NOT NULL, amc TEXT NOT NULL,
    UNIQUE (numero_facturation, numero));
CREATE TABLE IF NOT EXISTS lignes_recues (
    id INTEGER PRIMARY KEY, facture INTEGER NOT NULL REFERENCES factures_recues (id), rang_ligne INTEGER NOT NULL,
    date_soins TEXT NOT NULL, code_acte TEXT NOT NULL, quantite INTEGER NOT NULL, coefficient TEXT NOT NULL,
    prix_unitaire TEXT NOT NULL, base TEXT NOT NULL, taux INTEGER NOT NULL, honoraires TEXT NOT NULL,
    amo TEXT NOT NULL, amc TEXT NOT NULL, codes_ccam TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS dates_lots (
    lot_recu INTEGER PRIMARY KEY REFERENCES lots_recus (id), date_lot TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sequences_lots (
    organisme TEXT NOT NULL, partenaire TEXT NOT NULL, dernier_lot TEXT NOT NULL,
    PRIMARY KEY (organisme, partenaire));
CREATE TABLE IF NOT EXISTS derniers_lots_recus (
    organisme TEXT NOT NULL, partenaire TEXT NOT NULL, dernier_lot TEXT NOT NULL,
    PRIMARY KEY (organisme, partenaire));
CREATE TABLE IF NOT EXISTS courriels_lots (
    organisme TEXT NOT NULL, ident TEXT NOT NULL, courriel INTEGER NOT NULL, resultat TEXT NOT NULL,
    PRIMARY KEY (organisme, ident));
CREATE TABLE IF NOT EXISTS pieces_scor (
    numero_facturation TEXT NOT NULL, numero INTEGER NOT NULL, courriel INTEGER NOT NULL, type TEXT NOT NULL,
    octets INTEGER NOT NULL, PRIMARY KEY (numero_facturation, numero));
CREATE TABLE IF NOT EXISTS lots_scor_recus (
    id INTEGER PRIMARY KEY, courriel INTEGER NOT NULL, organisme TEXT NOT NULL, emetteur TEXT NOT NULL,
    partenaire TEXT NOT NULL, fichier TEXT NOT NULL, lot_fse TEXT NOT NULL, recu_le TEXT NOT NULL,
    etat TEXT NOT NULL, motif TEXT NOT NULL, pieces INTEGER NOT NULL, arl TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pieces_scor_flux (
    id INTEGER PRIMARY KEY, lot_scor INTEGER NOT NULL REFERENCES lots_scor_recus (id),
    numero_facturation TEXT NOT NULL, numero INTEGER NOT NULL, nature TEXT NOT NULL, type TEXT NOT NULL,
    octets INTEGER NOT NULL, sha256 TEXT NOT NULL);
"""
register_schema(SCHEMA)
_READY: set[str] = set()


def ensure_schema(tx: Tx, database: str) -> None:
    """Create the tables when the state was opened before this module was imported (the server opens its state,
    then loads the plug-ins); once per database and process."""
    if database in _READY:
        return
    for statement in SCHEMA.split(";"):
        if statement.strip():
            tx.execute(statement)
    _READY.add(database)


@dataclass(frozen=True)
class StoredLot:
    id: int
    status: str            # accepte, refuse
    arl: str               # the ARL records as sent


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def previous_lot(tx: Tx, organism: str, partner: str) -> str | None:
    row = tx.execute("SELECT dernier_lot FROM sequences_lots WHERE organisme = ? AND partenaire = ?",
                     (organism, partner)).fetchone()
    return str(row[0]) if row else None


def previous_received(tx: Tx, organism: str, partner: str) -> str | None:
    """The last lot received from the partner whose header could be read, accepted or refused."""
    row = tx.execute("SELECT dernier_lot FROM derniers_lots_recus WHERE organisme = ? AND partenaire = ?",
                     (organism, partner)).fetchone()
    return str(row[0]) if row else None


def expected_lot(previous: str | None) -> str | None:
    """The number after ``previous`` (001 after 999); None when any number may come (first lot, letters)."""
    if previous is None or not previous.isdigit():
        return None
    return f"{int(previous) % 999 + 1:03d}"


def same_lot(tx: Tx, organism: str, partner: str, lot_number: str, fingerprint: str) -> StoredLot | None:
    """The accepted lot with exactly these records, if it was already received (a re-send)."""
    row = tx.execute("SELECT id, etat, arl FROM lots_recus WHERE organisme = ? AND partenaire = ? AND lot = ? "
                     "AND empreinte = ? AND etat = 'accepte' ORDER BY id LIMIT 1",
                     (organism, partner, lot_number, fingerprint)).fetchone()
    return StoredLot(int(row[0]), str(row[1]), str(row[2])) if row else None


def known_invoices(tx: Tx, billing_numbers: set[str]) -> set[tuple[str, int]]:
    """(billing number, invoice number) of the invoices already accepted for these professionals."""
    out: set[tuple[str, int]] = set()
    for number in billing_numbers:
        out.update((number, int(n)) for (n,) in tx.execute(
            "SELECT numero FROM factures_recues WHERE numero_facturation = ?", (number,)))
    return out


def scor_pieces(tx: Tx, billing_numbers: set[str]) -> set[tuple[str, int]]:
    out: set[tuple[str, int]] = set()
    for number in billing_numbers:
        out.update((number, int(n)) for (n,) in tx.execute(
            "SELECT numero FROM pieces_scor WHERE numero_facturation = ?", (number,)))
    return out


def add_scor_piece(tx: Tx, billing_number: str, invoice_number: int, mail_id: int, kind: str, size: int) -> None:
    tx.execute("INSERT OR IGNORE INTO pieces_scor (numero_facturation, numero, courriel, type, octets) "
               "VALUES (?, ?, ?, ?, ?)", (billing_number, invoice_number, mail_id, kind, size))


def lot_known(tx: Tx, organism: str, partner: str, lot_number: str) -> bool:
    """A lot with this number was received from this partner by this organism (accepted or refused)."""
    return tx.execute("SELECT 1 FROM lots_recus WHERE organisme = ? AND partenaire = ? AND lot = ? LIMIT 1",
                      (organism, partner, lot_number)).fetchone() is not None


def add_scor_lot(tx: Tx, mail_id: int, organism: str, values: dict[str, object],
                 pieces: list[tuple[str, int, str, str, int, str]]) -> int:
    """An answered SCOR lot (``values``: emetteur, partenaire, fichier, lot_fse, recu_le, etat, motif, arl) and,
    when accepted, its pieces (billing number, invoice number, kind, media type, size, SHA-256); an accepted
    care sheet also goes in ``pieces_scor`` (the degraded invoices' check reads it)."""
    cursor = tx.execute(
        "INSERT INTO lots_scor_recus (courriel, organisme, emetteur, partenaire, fichier, lot_fse, recu_le, etat, "
        "motif, pieces, arl) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (mail_id, organism, values["emetteur"], values["partenaire"], values["fichier"], values["lot_fse"],
         values["recu_le"], values["etat"], values["motif"], len(pieces), values["arl"]))
    lot_id = int(cursor.lastrowid or 0)
    for billing, number, kind, media, size, digest in pieces:
        tx.execute("INSERT INTO pieces_scor_flux (lot_scor, numero_facturation, numero, nature, type, octets, "
                   "sha256) VALUES (?, ?, ?, ?, ?, ?, ?)", (lot_id, billing, number, kind, media, size, digest))
        if kind == "feuille_de_soins":
            add_scor_piece(tx, billing, number, mail_id, media, size)
    return lot_id


@dataclass(frozen=True)
class LotRow:
    mail_id: int
    organism: str
    sender: str
    partner: str
    file_id: str
    lot_number: str
    fingerprint: str
    received_on: date
    status: str
    reason: str
    arl: str
    lot: m.Lot | None = None


def add_lot(tx: Tx, row: LotRow) -> int:
    """Record an answered lot; an accepted one stores its invoices and lines and moves the numbering on."""
    lot = row.lot
    invoices = lot.invoices if lot is not None and row.status == "accepte" else ()
    cursor = tx.execute(
        "INSERT INTO lots_recus (courriel, organisme, emetteur, partenaire, fichier, lot, empreinte, recu_le, etat, "
        "motif, factures, total_honoraires, total_amo, total_amc, arl, certification) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (row.mail_id, row.organism, row.sender, row.partner, row.file_id, row.lot_number, row.fingerprint,
         row.received_on.isoformat(), row.status, row.reason, len(lot.invoices) if lot else 0,
         _money(sum((i.fees for i in invoices), m.ZERO)), _money(sum((i.amo for i in invoices), m.ZERO)),
         _money(sum((i.amc for i in invoices), m.ZERO)), row.arl, lot.header.certification if lot else ""))
    lot_id = int(cursor.lastrowid or 0)
    if lot is not None:   # the lot's own date (header 1), which its returns name; apart: older states lack it
        tx.execute("INSERT OR IGNORE INTO dates_lots (lot_recu, date_lot) VALUES (?, ?)",
                   (lot_id, lot.header.lot_date.isoformat()))
    if amc.is_amc(row.organism):   # a complementary's DRE lot: its invoices kept apart, never paid here
        if invoices:
            amc.add_invoices(tx, lot_id, row.organism, invoices)
        invoices = ()
    for invoice in invoices:
        _add_invoice(tx, lot_id, row.organism, invoice)
    if lot is not None:
        tx.execute("INSERT INTO derniers_lots_recus (organisme, partenaire, dernier_lot) VALUES (?, ?, ?) "
                   "ON CONFLICT (organisme, partenaire) DO UPDATE SET dernier_lot = excluded.dernier_lot",
                   (row.organism, row.partner, row.lot_number))
    if row.status == "accepte":
        tx.execute("INSERT INTO sequences_lots (organisme, partenaire, dernier_lot) VALUES (?, ?, ?) "
                   "ON CONFLICT (organisme, partenaire) DO UPDATE SET dernier_lot = excluded.dernier_lot",
                   (row.organism, row.partner, row.lot_number))
    return lot_id


def _add_invoice(tx: Tx, lot_id: int, organism: str, invoice: m.Invoice) -> None:
    header = invoice.header
    dates = [line.act.care_date for line in invoice.lines]
    cursor = tx.execute(
        "INSERT INTO factures_recues (lot_recu, organisme, numero_facturation, numero, nir, cle_nir, date_naissance, "
        "rang, regime, caisse, centre, nature_assurance, premier_soin, dernier_soin, honoraires, amo, amc) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (lot_id, organism, invoice.billing_number, invoice.number, invoice.insured_nir, invoice.nir_key,
         header.birth_date.isoformat() if header.birth_date else None, invoice.rank, header.regime, header.caisse,
         header.centre, header.insurance_nature, min(dates).isoformat(), max(dates).isoformat(),
         _money(invoice.fees), _money(invoice.amo), _money(invoice.amc)))
    invoice_id = int(cursor.lastrowid or 0)
    tx.conn.executemany(
        "INSERT INTO lignes_recues (facture, rang_ligne, date_soins, code_acte, quantite, coefficient, prix_unitaire, "
        "base, taux, honoraires, amo, amc, codes_ccam) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(invoice_id, n, line.act.care_date.isoformat(), line.act.act_code, line.act.quantity,
          _money(line.act.coefficient), _money(line.act.unit_price), _money(line.act.base), line.act.rate,
          _money(line.act.fees), _money(line.act.amo), _money(line.act.amc),
          " ".join(c.ccam_code for c in line.ccam))
         for n, line in enumerate(invoice.lines, start=1)])
    if amc.gestion_unique(invoice):
        amc.add_share(tx, "gu", invoice_id, lot_id, invoice.header.amc_number.zfill(10), invoice.amc)


def answered_mail(tx: Tx, organism: str, ident: str) -> int | None:
    row = tx.execute("SELECT courriel FROM courriels_lots WHERE organisme = ? AND ident = ?",
                     (organism, ident)).fetchone()
    return int(row[0]) if row else None


def mark_answered(tx: Tx, organism: str, ident: str, mail_id: int, result: str) -> None:
    tx.execute("INSERT OR IGNORE INTO courriels_lots (organisme, ident, courriel, resultat) VALUES (?, ?, ?, ?)",
               (organism, ident, mail_id, result[:500]))


# ---------------------------------------------------------------------------------------------------------------
# The paying step (``feuille_sim.payments.store``) reads the accepted lots; it marks them paid here.


def mark_paid(tx: Tx, lot_id: int) -> bool:
    """Compare-and-set: True when this call marked the lot paid, False when it already was (or is not accepted)."""
    cursor = tx.execute("UPDATE lots_recus SET paye = 1 WHERE id = ? AND etat = 'accepte' AND paye = 0", (lot_id,))
    return cursor.rowcount == 1
