"""The caisse de test's complementaries: mailboxes that take DRE lots and answer their ARL (docs/dre.md).

**feuille's own** (no public source gives a complementary's DRE address): a complementary's mailbox is
``<n° AMC, 10 digits>@amc.rss.fr`` (``feuille.formats.mail.amc_address``); the caisse keys it as the organism
``AMC<n° AMC>``. A DRE file is addressed to it (000 header: recipient type ``OC``, number = the AMC number on 14
digits; lot header 1: organism ``000``), every invoice says in its record 2 that its DRE goes to this
complementary (column 40 ``D``, column 95 ``F``, columns 119-128 its number, an AMC amount), and the usual checks
follow (signatures over the same records as the FSE, NIR keys, care dates). An accepted DRE lot is recorded and
never paid by the AMO's NOEMIE step: it is marked paid at once. Its invoices are kept apart (``dre_recues``) so that
the same invoice sent to the AMO in its FSE lot is no duplicate.

The complementary pays its share on its own NOEMIE return (``feuille_sim.payments.amc``): ``parts_amc`` lists
what each complementary owes, written here when a lot is accepted: a DRE invoice (``source = 'dre'``, the
``dre_recues`` row), or an FSE invoice in gestion unique (``source = 'gu'``, the ``factures_recues`` row: record 2
names the AMC number, without column 95 ``F`` nor a DRE, and claims an AMC amount; the AMO forwards it and the
complementary pays once the AMO has paid). In gestion séparée without DRE nothing is recorded: nobody pays the
complementary's share through the caisse.
"""

from __future__ import annotations

from decimal import Decimal

from feuille.errors import quoted
from feuille.formats import b2_file as m
from feuille.formats import mail as mail_facts
from feuille_sim.lots.checks import PlacedLot, Problem
from feuille_sim.state import Tx, register_schema

PREFIX = "AMC"
RECIPIENT_TYPE = "OC"
LOT_ORGANISM = "000"
ARL_REGIME, ARL_CAISSE = "00", "000"   # the ARL's régime and caisse columns, for a complementary

SCHEMA = """
CREATE TABLE IF NOT EXISTS dre_recues (
    id INTEGER PRIMARY KEY, lot_recu INTEGER NOT NULL REFERENCES lots_recus (id), organisme TEXT NOT NULL,
    numero_facturation TEXT NOT NULL, numero INTEGER NOT NULL, nir TEXT NOT NULL, amc TEXT NOT NULL,
    numero_pec TEXT NOT NULL, date_pec TEXT NOT NULL, convention TEXT NOT NULL,
    UNIQUE (organisme, numero_facturation, numero));
CREATE TABLE IF NOT EXISTS parts_amc (
    id INTEGER PRIMARY KEY, source TEXT NOT NULL, facture INTEGER NOT NULL, lot_recu INTEGER NOT NULL,
    amc TEXT NOT NULL, montant TEXT NOT NULL, paye INTEGER NOT NULL DEFAULT 0, retour INTEGER,
    UNIQUE (source, facture));
"""
register_schema(SCHEMA)


def organism_of(address: str) -> str | None:
    """``AMC1100000000`` for ``1100000000@amc.rss.fr``; None for any other address."""
    number = mail_facts.amc_of_address(address)
    return PREFIX + number if number else None


def is_amc(organism: str) -> bool:
    return organism.startswith(PREFIX)


def number(organism: str) -> str:
    return organism[len(PREFIX):]


def address(organism: str) -> str:
    return mail_facts.amc_address(number(organism))


def check_envelope(file: m.B2File, organism: str) -> list[Problem]:
    wanted = number(organism).zfill(14)
    if file.header.recipient_type != RECIPIENT_TYPE or file.header.recipient_number != wanted:
        return [Problem(1, "unknown_organism", f"fichier adressé à {file.header.recipient_type} "
                        f"{file.header.recipient_number}, reçu dans la boîte de la complémentaire {number(organism)} "
                        f"(attendu {RECIPIENT_TYPE} {wanted}).")]
    return []


def check_lot(placed: PlacedLot, organism: str) -> list[Problem]:
    """Each invoice of the DRE lot is one whose DRE goes to this complementary."""
    wanted = number(organism)
    out = []
    for item in placed.invoices:
        header = item.invoice.header
        if header.dre != "D" or header.amc_separate != "F" or header.amc_number != wanted or item.invoice.amc <= 0:
            out.append(Problem(item.record, "dre_not_for_this_amc", f"facture n° {item.invoice.number} : pas de DRE "
                               f"pour la complémentaire {wanted} (enregistrement 2 : DRE « {header.dre} », gestion "
                               f"« {header.amc_separate} », n° AMC « {header.amc_number} », part AMC "
                               f"{quoted(item.invoice.amc)})."))
    return out


def known_invoices(tx: Tx, organism: str, billing_numbers: set[str]) -> set[tuple[str, int]]:
    out: set[tuple[str, int]] = set()
    for billing in billing_numbers:
        out.update((billing, int(n)) for (n,) in tx.execute(
            "SELECT numero FROM dre_recues WHERE organisme = ? AND numero_facturation = ?", (organism, billing)))
    return out


def gestion_unique(invoice: m.Invoice) -> bool:
    """The AMO forwards the AMC share: record 2 names the complementary, no separate billing, no DRE."""
    header = invoice.header
    return (bool(header.amc_number.strip("0 ")) and header.amc_separate != "F" and header.dre != "D"
            and invoice.amc > 0)


def add_share(tx: Tx, source: str, invoice_id: int, lot_id: int, amc_number: str, amount: Decimal) -> None:
    tx.execute("INSERT OR IGNORE INTO parts_amc (source, facture, lot_recu, amc, montant) VALUES (?, ?, ?, ?, ?)",
               (source, invoice_id, lot_id, amc_number, f"{amount:.2f}"))


def add_invoices(tx: Tx, lot_id: int, organism: str, invoices: tuple[m.Invoice, ...]) -> None:
    for i in invoices:
        cursor = tx.execute(
            "INSERT INTO dre_recues (lot_recu, organisme, numero_facturation, numero, nir, amc, numero_pec, date_pec, "
            "convention) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (lot_id, organism, i.billing_number, i.number, i.insured_nir + i.nir_key, f"{i.amc:.2f}",
             i.header.pec_number, i.header.pec_date,
             (i.header.convention_type + " " + i.header.secondary_criterion).strip()))
        add_share(tx, "dre", int(cursor.lastrowid or 0), lot_id, number(organism), i.amc)
    tx.execute("UPDATE lots_recus SET paye = 1 WHERE id = ?", (lot_id,))
