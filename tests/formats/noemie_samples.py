"""The return files of the golden tests: the manuals' screens (003 « Suivi Virements », « Op. Ponctuelles ») as
models. The caisse de test and the returns tests may build on them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from feuille.formats.noemie_file import (
    PAID,
    REJECTED,
    Act,
    AmcShare,
    Beneficiary,
    Header,
    Insured,
    Invoice,
    Lot,
    Message,
    Movement,
    NoemieFile,
    OneOffDetail,
    OneOffPayment,
    Patient,
    Payee,
    RejectLine,
    ReturnGroup,
    Settlement,
    Share,
    Transfer,
)

PAYEE = "000000992604231"     # « Numéro destinataire Regl. » of the manual's one-off payment screen
DAY = date(2024, 5, 29)


def header(file_id: str, reference: str = "576") -> Header:
    return Header("CP", "00000010349000", "TP", "00000992604231", file_id, DAY, reference=reference, flow="T",
                  application="TR")


def paid_invoice(number: str, amount: str, *, extended: bool = True) -> Invoice:
    value = Decimal(amount)
    if not extended:
        return Invoice(number, extended=False, amo=Share(value, PAID, value))
    return Invoice(
        number, lot_number="016", lot_date=date(2024, 5, 28), invoice_type="F", invoice_date=date(2024, 5, 28),
        insurance_nature="AS",
        beneficiary=Beneficiary("2550699999999", "34", "DESMAUX", first_name="NATHALIE", birth_date="550615",
                                rank="1"),
        amo=Share(value, PAID, value),
        acts=(Act(1, "C", value, base=Decimal("26.50"), unit_price=Decimal("26.50"), rate=70, quantity=1,
                  coefficient="00100", count=1, care_start=date(2024, 5, 28), expense=Decimal("26.50")),))


def transfer(label: str, settled: tuple[ReturnGroup, ...]) -> Settlement:
    return Settlement(DAY, Transfer(f"VIR AMO LIGNE 1-{label}", f"VIR AMO LIGNE 2 -{label}", "10349000"), settled)


def two_transfers() -> NoemieFile:
    first = ReturnGroup("01", lots=(Lot(date(2024, 5, 28), 16, (paid_invoice("259", "4.69"),
                                                                 paid_invoice("260", "0.83", extended=False))),))
    second = ReturnGroup("01", lots=(Lot(date(2024, 5, 28), 17, (paid_invoice("261", "3.22"),)),))
    return NoemieFile(header("000101"), (Payee(PAYEE, (transfer("1FR", (first,)), transfer("9FR", (second,)))),))


def partial_payment() -> NoemieFile:
    invoice = Invoice(
        "254", lot_number="027", lot_date=date(2024, 5, 28), invoice_type="F", invoice_date=date(2024, 5, 28),
        amc_processing="N", insurance_nature="AS", insured=Insured("2550699999999", "34", "P", "DESMAUX", "NATHALIE"),
        patient=Patient("550615", "1", "DESMAUX", "NATHALIE", "9999"), nature="AS", archive="24149000000012345",
        amo=Share(Decimal("0.09"), PAID, Decimal("0.06")),
        amc=AmcShare(Decimal("100.00"), PAID, Decimal("80.00"), amc_number="1100000000", member_id="ADH-001"),
        acts=(Act(1, "VU3", Decimal("0.03"), base=Decimal("0.05"), unit_price=Decimal("103.00"), rate=60,
                  quantity=1, care_start=date(2024, 5, 28), expense=Decimal("103.00"), expense_qualifier="DE"),
              Act(2, "M03", Decimal("0.03"), base=Decimal("0.05"), unit_price=Decimal("209.00"), rate=60,
                  quantity=1, care_start=date(2024, 5, 28), expense=Decimal("209.00"), expense_qualifier="DE")),
        messages=(Message(0, "P001", "PAIEMENT PARTIEL : BASE DE REMBOURSEMENT PLAFONNEE"),))
    lots = (Lot(date(2024, 5, 28), 27, (invoice,)),)
    return NoemieFile(header("000102"), (Payee(PAYEE, (transfer("3FR", (ReturnGroup("01", lots=lots),)),)),))


def reject() -> NoemieFile:
    invoice = Invoice(
        "212", lot_number="013", lot_date=date(2024, 1, 8), invoice_type="F", invoice_date=date(2024, 1, 8),
        insurance_nature="AS", amo=Share(Decimal("0.03"), REJECTED),
        messages=(Message(1, "R102", "DROITS AMO FERMES A LA DATE DES SOINS"),),
        rejects=(RejectLine("0102", "ASSURE INCONNU OU DROITS FERMES", "L", "O", act="VU3",
                            care_date=date(2024, 1, 8), performer="992604231", line=1, rank=1,
                            information="VERIFIER LA CARTE VITALE"),))
    lots = (Lot(date(2024, 1, 8), 13, (invoice,)),)
    return NoemieFile(header("000103", reference="900"),
                      (Payee(PAYEE, (Settlement(DAY, None, (ReturnGroup("01", lots=lots),)),)),))


def withholding() -> NoemieFile:
    movements = (Movement(1, "DETTE7FR", "ODL", "CIN", Decimal("5.52"), date(2024, 5, 29), Decimal("5.52")),
                 Movement(2, "DETTE7FR", "ODL", "RPR", Decimal("-5.52"), date(2024, 5, 29)))
    groups = (ReturnGroup("01", lots=(Lot(date(2024, 5, 28), 18, (paid_invoice("262", "100.00"),)),)),
              ReturnGroup("05", movements=movements))
    return NoemieFile(header("000104"), (Payee(PAYEE, (transfer("7FR", groups),)),))


def one_off_payment() -> NoemieFile:
    details = (OneOffDetail("CODE1", "LIBELLE1", "PAT01", "", "991130", "", "A", date(2024, 1, 1),
                            date(2024, 12, 31), Decimal("40.00")),)
    payments = (OneOffPayment("00001", Decimal("40.00"), details), OneOffPayment("00002", Decimal("60.00")))
    return NoemieFile(header("000105"), (Payee(PAYEE, (transfer("7FR-2", (ReturnGroup("03", payments=payments),)),)),),
                      mandataire="000000992604231")


def every_entity() -> NoemieFile:
    """Every entity type at least once: 020, a transfer 071 and an accounting day 070, a 100 invoice, a 102 with
    103, 110, 120, 150, 160, 198, 199, 210, 290 and 294, movements 250 (return type 05), one-off payments 261/262
    (return type 03)."""
    full = Invoice(
        "301", number_complement="A1", lot_number="031", lot_date=date(2024, 5, 27), invoice_type="F",
        invoice_date=date(2024, 5, 27), amc_processing="N", insurance_nature="AS",
        beneficiary=Beneficiary("1840275123456", "12", "MARTIN", "DURAND", "PAUL", "2900575123456", "45", "900512",
                                "2", "MARTIN", "LEA", "0123"),
        insured=Insured("1840275123456", "12", "P", "MARTIN", "PAUL"), patient=Patient("900512", "2", "MARTIN", "LEA",
                                                                                      "0123"),
        nature="AS", archive="24148000000000301",
        amo=Share(Decimal("18.55"), PAID, Decimal("18.55")),
        amc=AmcShare(Decimal("7.95"), REJECTED, Decimal("-1.20"), amc_number="0750001234", member_id="ADH-42"),
        acts=(Act(1, "G", Decimal("18.55"), base=Decimal("26.50"), unit_price=Decimal("26.50"), rate=70,
                  quantity=1, coefficient="00100", count=1, management_code="10", exoneration="0",
                  processing_mode="01", discipline="001", prescription_date=date(2024, 5, 20),
                  care_start=date(2024, 5, 27), care_end=date(2024, 5, 27), expense=Decimal("26.50"),
                  expense_qualifier="DE", amc_rate=30, amc_amount=Decimal("7.95"), amc_base=Decimal("26.50")),),
        messages=(Message(0, "A201", "PART AMC REJETEE : CONTRAT NON TROUVE"),),
        rejects=(RejectLine("0201", "ADHERENT INCONNU DE L'AMC", "F", "C", line=0, rank=1,
                            information="VERIFIER L'ATTESTATION"),))
    short = Invoice("302", extended=False, amo=Share(Decimal("9.00"), PAID, Decimal("9.00")))
    rejected = Invoice("303", lot_number="031", lot_date=date(2024, 5, 27), invoice_type="F",
                       invoice_date=date(2024, 5, 27), insurance_nature="AS", amo=Share(Decimal("3.00"), REJECTED),
                       messages=(Message(1, "R102", "DROITS AMO FERMES A LA DATE DES SOINS"),),
                       rejects=(RejectLine("0102", "ASSURE INCONNU OU DROITS FERMES", "L", "O", act="G",
                                           care_date=date(2024, 5, 27), performer="992604231", line=1, rank=1),))
    movements = (Movement(1, "DETTE9FR", "IND", "CIN", Decimal("2.00"), date(2024, 5, 29), Decimal("2.00")),
                 Movement(2, "DETTE9FR", "IND", "RPR", Decimal("-2.00"), date(2024, 5, 29)))
    payments = (OneOffPayment("00007", Decimal("50.00"), (
        OneOffDetail("ROSP", "REMUNERATION SUR OBJECTIFS", "1840275123456", "12", "840201", "1", "A",
                     date(2024, 1, 1), date(2024, 12, 31), Decimal("50.00")),)),)
    transfer_groups = (ReturnGroup("01", "PARIS", lots=(Lot(date(2024, 5, 27), 31, (full, short)),)),
                       ReturnGroup("05", movements=movements), ReturnGroup("03", payments=payments))
    day_groups = (ReturnGroup("01", lots=(Lot(date(2024, 5, 27), 31, (rejected,)),)),)
    return NoemieFile(header("000106"), (Payee(PAYEE, (transfer("5FR", transfer_groups),
                                                       Settlement(DAY, None, day_groups))),),
                      mandataire="000000992604231")


SAMPLES = {"deux_virements": two_transfers, "paiement_partiel": partial_payment, "rejet": reject,
           "retenue": withholding, "paiement_ponctuel": one_off_payment, "toutes_entites": every_entity}
