"""The transmission slip (« bordereau de télétransmission », manual 003 §VI « Edition Bordereau »), as a PDF.

The slip lists what left the practice: the practice and the professional, the day it is printed, and for each lot
its number, its recipient organism, its certification mode, its state, its number of invoices, its totals (fees,
AMO, AMC) and its invoices. The manual names the slip and lets it be printed again from the list of lots; it gives
no layout: this one is **feuille's own** (docs/teletransmission.md).

Three stages, as the care sheet (``billing/care_sheet.py``): :class:`Slip` is a plain summary (no database object
in it), :func:`slip_lines` its text (pure, the golden file of the tests), :func:`render_pdf` draws it with fpdf2
(core fonts: text brought to Latin-1). Reading the lots into a :class:`Slip` is ``transmission/slip_data.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from feuille.billing.care_sheet import latin1
from feuille.money import format_euros_fr, total

if TYPE_CHECKING:
    from fpdf import FPDF

TITLE = "BORDEREAU DE TÉLÉTRANSMISSION"
INVOICE_HEADER = ("Facture", "Date", "Patient", "Honoraires", "AMO", "AMC")
_WIDTHS = (24, 22, 64, 27, 26, 27)

@dataclass(frozen=True)
class SlipInvoice:
    number: int
    invoice_date: date
    patient: str
    fees: Decimal
    amo: Decimal
    amc: Decimal


@dataclass(frozen=True)
class SlipLot:
    number: str                      # three characters, as in the B2 lot header
    organism: str                    # « 01 996 » and its name when known
    certification: str               # « SESAM-Vitale », « SESAM sans Vitale », « dégradé »…
    state: str                       # the lot's state label (« Lot expédié », « ARL positif reçu »…)
    sent_at: datetime | None
    invoices: tuple[SlipInvoice, ...]

    @property
    def fees(self) -> Decimal:
        return total(i.fees for i in self.invoices)

    @property
    def amo(self) -> Decimal:
        return total(i.amo for i in self.invoices)

    @property
    def amc(self) -> Decimal:
        return total(i.amc for i in self.invoices)


@dataclass(frozen=True)
class Slip:
    practice: str                    # the practice's name (setting ``nom_cabinet``), empty when not set
    professional: str                # name
    billing_number: str
    printed_on: date
    lots: tuple[SlipLot, ...]

    @property
    def invoice_count(self) -> int:
        return sum(len(lot.invoices) for lot in self.lots)

    def totals(self) -> tuple[Decimal, Decimal, Decimal]:
        return (total(lot.fees for lot in self.lots), total(lot.amo for lot in self.lots),
                total(lot.amc for lot in self.lots))


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _moment(value: datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value else "pas encore envoyé"


def lot_heading(lot: SlipLot) -> str:
    return f"Lot {lot.number} — organisme {lot.organism} — {lot.certification}"


def lot_summary(lot: SlipLot) -> list[str]:
    return [f"État : {lot.state} ; envoi : {_moment(lot.sent_at)}",
            f"{len(lot.invoices)} facture(s) ; honoraires {format_euros_fr(lot.fees)}, AMO "
            f"{format_euros_fr(lot.amo)}, AMC {format_euros_fr(lot.amc)}"]


def invoice_cells(invoice: SlipInvoice) -> tuple[str, ...]:
    return (f"{invoice.number:09d}", _day(invoice.invoice_date), invoice.patient, format_euros_fr(invoice.fees),
            format_euros_fr(invoice.amo), format_euros_fr(invoice.amc))


def slip_lines(slip: Slip) -> list[str]:
    """The whole text of the slip, one printed line per item (what the PDF shows, in order)."""
    out = [TITLE, *header_lines(slip)]
    for lot in slip.lots:
        out += ["", lot_heading(lot), *lot_summary(lot), "  ".join(INVOICE_HEADER)]
        out += ["  ".join(invoice_cells(i)) for i in lot.invoices]
    return [*out, "", total_line(slip)]


def header_lines(slip: Slip) -> list[str]:
    return [*([slip.practice] if slip.practice else []),
            f"{slip.professional} — n° de facturation {slip.billing_number}", f"Édité le {_day(slip.printed_on)}"]


def total_line(slip: Slip) -> str:
    fees, amo, amc = slip.totals()
    return (f"Total : {len(slip.lots)} lot(s), {slip.invoice_count} facture(s) ; honoraires "
            f"{format_euros_fr(fees)}, AMO {format_euros_fr(amo)}, AMC {format_euros_fr(amc)}")


def render_pdf(slip: Slip, *, compress: bool = True, created: datetime | None = None) -> bytes:
    """Draw the slip (A4, a page break where needed). ``compress=False`` keeps the page streams readable."""
    from fpdf import FPDF  # here, not at import: fpdf2 costs every CLI command a quarter of a second

    pdf = FPDF(format="A4")
    pdf.set_compression(compress)
    if created is not None:
        pdf.set_creation_date(created)
    pdf.set_title(latin1(f"Bordereau de télétransmission du {_day(slip.printed_on)}"))
    pdf.set_author(latin1(slip.professional))
    pdf.set_creator("feuille")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    _line(pdf, TITLE, 8)
    pdf.set_font("Helvetica", "", 11)
    for text in header_lines(slip):
        _line(pdf, text, 6)
    for lot in slip.lots:
        pdf.ln(4)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 6, latin1(lot_heading(lot)), new_x="LMARGIN", new_y="NEXT", border="B")
        pdf.set_font("Helvetica", "", 10)
        for text in lot_summary(lot):
            _line(pdf, text, 5.5)
        _invoices_table(pdf, lot.invoices)
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    _line(pdf, total_line(slip), 6)
    return bytes(pdf.output())


def _line(pdf: FPDF, text: str, height: float) -> None:
    pdf.cell(0, height, latin1(text), new_x="LMARGIN", new_y="NEXT")


def _invoices_table(pdf: FPDF, invoices: Iterable[SlipInvoice]) -> None:
    pdf.set_font("Helvetica", "B", 9)
    for width, head in zip(_WIDTHS, INVOICE_HEADER, strict=True):
        pdf.cell(width, 6, latin1(head), border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for invoice in invoices:
        for index, (width, text) in enumerate(zip(_WIDTHS, invoice_cells(invoice), strict=True)):
            pdf.cell(width, 6, latin1(text[:34]), border=1, align="R" if index >= 3 else "L")
        pdf.ln()
