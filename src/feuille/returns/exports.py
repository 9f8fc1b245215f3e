"""The CSV columns of the follow-up's lists and of the reports: the one definition the command line's
``--csv FICHIER`` and the web's « Exporter (CSV) » links both write (:mod:`feuille.formats.csv_export`), so a
file has the same French headers whichever way it was asked for."""

from __future__ import annotations

from typing import Any, cast

from feuille.formats.csv_export import Column

FOLLOW_UP_COLUMNS = (
    Column("Id", "invoice_id"), Column("Reçu le", "received_on"), Column("Nom du client", "patient"),
    Column("Facture", "invoice_date"), Column("N° facture", "number"), Column("Lot", "lot"),
    Column("Mt attendu", "expected"), Column("Mt payé", "paid"), Column("Mt restant dû", "remaining"),
    Column("Org. AMO/AMC", "organisms"), Column("Etat", "state_label"), Column("SV", "sesam_vitale"),
    Column("Attendu AMO", "expected_amo"), Column("Payé AMO", "paid_amo"), Column("Attendu AMC", "expected_amc"),
    Column("Payé AMC", "paid_amc"), Column("Suite", "follow_on"))


def _of_line(column: Column) -> Column:
    """The same column read from a rejected line's follow-up line."""
    return Column(column.header, lambda row: column.read(cast(Any, row).line))


REJECT_COLUMNS = (*(_of_line(c) for c in FOLLOW_UP_COLUMNS), Column("Codes", "codes"), Column("Motif", "reason"))
UNMATCHED_COLUMNS = (
    Column("Retour", "return_id"), Column("Reçu le", "received_on"), Column("Fichier", "source"),
    Column("N° facture", "invoice_number"), Column("Lot", "lot_number"), Column("Date facture", "invoice_date"),
    Column("NIR", "nir"), Column("Patient", "patient"), Column("AMO réclamé", "amo_claimed"),
    Column("État AMO", "amo_status"), Column("AMO payé", "amo_paid"), Column("AMC payé", "amc_paid"),
    Column("Rapprochement", "match_label"))

TRANSFER_COLUMNS = (
    Column("n°", "id"), Column("Date", "settlement_date"), Column("Libellé du virement (ligne 1)", "label_1"),
    Column("Libellé du virement (ligne 2)", "label_2"), Column("Organisme payeur", "paying_organism"),
    Column("Payé", "paid"), Column("Total calculé", "computed"), Column("Écart", "difference"),
    Column("Contrôle", "check_message"))


def _columns(headers: tuple[str, ...], names: tuple[str, ...]) -> tuple[Column, ...]:
    return tuple(Column(h, n) for h, n in zip(headers, names, strict=True))


PAYMENT_HEADERS = ("n°", "Date comptable", "Organisme", "Code", "Libellé", "Montant paiement")
PAYMENT_COLUMNS = _columns(PAYMENT_HEADERS, ("id", "accounting_date", "organism", "code", "label", "amount"))
WITHHOLDING_HEADERS = ("n°", "Date comptable", "Libellé du virement", "Réf. dette", "Nature des opérations",
                       "Montant")
WITHHOLDING_COLUMNS = _columns(WITHHOLDING_HEADERS, ("id", "accounting_date", "transfer_label", "debt_reference",
                                                     "operation_label", "amount"))

ORGANISM_HEADERS = ("Part", "Organisme", "Factures", "Attendu", "Payé", "Restant dû")
ORGANISM_COLUMNS = _columns(ORGANISM_HEADERS, ("share", "organism", "invoices", "expected", "paid", "remaining"))
AGEING_HEADERS = ("Part", "Organisme", "Tranche (jours)", "Factures", "Restant dû")
AGEING_COLUMNS = _columns(AGEING_HEADERS, ("share_label", "organism", "bucket", "invoices", "remaining"))
MONTHLY_HEADERS = ("Mois", "Part", "Organisme", "Factures", "Facturé", "Payé", "Rejeté", "Factures rejetées")
MONTHLY_COLUMNS = _columns(MONTHLY_HEADERS, ("month", "share", "organism", "invoices", "billed", "paid", "rejected",
                                             "rejected_invoices"))
MODES_COLUMNS = (Column("Mois", "month"), Column("Factures", "total"), Column("SESAM-Vitale", "sesam_vitale"),
                 Column("SESAM sans Vitale", "without_vitale"), Column("Dégradé (pièces numérisées)", "degraded"),
                 Column("Dégradé (feuille papier)", "paper"), Column("Part SESAM-Vitale (%)", "percent"))

__all__ = ["AGEING_COLUMNS", "AGEING_HEADERS", "FOLLOW_UP_COLUMNS", "MODES_COLUMNS", "MONTHLY_COLUMNS",
           "MONTHLY_HEADERS", "ORGANISM_COLUMNS", "ORGANISM_HEADERS", "PAYMENT_COLUMNS", "PAYMENT_HEADERS",
           "REJECT_COLUMNS", "TRANSFER_COLUMNS", "UNMATCHED_COLUMNS", "WITHHOLDING_COLUMNS", "WITHHOLDING_HEADERS"]
