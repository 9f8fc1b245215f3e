"""The feuille de soins (care sheet) of an invoice secured in degraded mode, as a PDF.

In degraded mode (no Vitale card) the invoice travels with its care sheet, attached (« feuille de soins SCOR »)
or sent on paper. :func:`care_sheet_pdf` prints it: the professional and his billing number, the patient and the
insured with his NIR, the AMO organism, the date, nature and conditions, the acts with their amounts, the totals
AMO / AMC / patient, the invoice number, and the professional's scanned signature when one is stored
(:mod:`feuille.billing.signature_scan`). The text lines come from :func:`care_sheet_lines` (pure), tested against
a golden file; the PDF is drawn with fpdf2 (core fonts: text is brought to Latin-1).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

if TYPE_CHECKING:
    from fpdf import FPDF

from feuille.auth import Context, Permission, require
from feuille.billing import state
from feuille.billing.signature_scan import signature_of
from feuille.domain.invoices import STATE_LABELS, InvoiceState, SecureMode
from feuille.domain.patients import BirthDate
from feuille.domain.professionals import format_billing_number, specialty_label
from feuille.errors import StateError
from feuille.money import format_amount
from feuille.storage.models import AmoOrganism, Invoice, InvoiceSignature, Patient, Prescriber, Professional

#: States of an invoice that was secured (and not cancelled): its care sheet may be printed.
PRINTABLE = frozenset({InvoiceState.SECURED, InvoiceState.IN_LOT, InvoiceState.SENT, InvoiceState.ACKNOWLEDGED,
                       InvoiceState.PAID, InvoiceState.PARTLY_PAID, InvoiceState.REJECTED, InvoiceState.ANOMALY})
NATURE_LABELS = {"maladie": "maladie", "maternite": "maternité", "at": "accident du travail",
                 "smg": "soins médicaux gratuits", "prevention": "prévention"}
PLACE_LABELS = {"cabinet": "au cabinet", "domicile": "à domicile"}
_LATIN1_FIXES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...",
                               "€": "EUR", "≥": ">=", "≤": "<=", "×": "x", "\u202f": " ", "\u2009": " ",
                               "\u00a0": " "})


@dataclass(frozen=True)
class SheetLine:
    date: str
    code: str
    quantity: str
    rate: str
    total: str
    amo: str
    amc: str
    patient: str


@dataclass(frozen=True)
class CareSheet:
    """What the care sheet shows, read from the stored invoice (no database object in it)."""

    number: int
    invoice_date: str
    professional: str
    billing_number: str
    rpps: str
    specialty: str
    performer: str | None
    patient: str
    birth_date: str
    rank: str
    insured: str
    insured_nir: str
    amo_organism: str
    nature: str
    exoneration: str
    parcours: str
    place: str
    prescription: str | None
    tiers_payant: str
    lines: list[SheetLine]
    totals: dict[str, str]
    secured_on: str
    signature_png: bytes | None = field(default=None, repr=False)


def format_nir(nir: str | None) -> str:
    """``1 42 01 96 296 516 96`` as on the card; empty when unknown."""
    text = (nir or "").replace(" ", "")
    if len(text) != 15:
        return text
    return f"{text[0]} {text[1:3]} {text[3:5]} {text[5:7]} {text[7:10]} {text[10:13]} {text[13:]}"


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return str(text)


def _check_printable(row: Invoice) -> None:
    if row.secure_mode != SecureMode.DEGRADE:
        if row.state in (InvoiceState.DRAFT, InvoiceState.PRICED):
            raise StateError(f"Facture n° {row.id} non sécurisée ({STATE_LABELS[InvoiceState(row.state)]}) : la "
                             "feuille de soins n'existe que pour une facture sécurisée en mode dégradé.",
                             code="care_sheet_not_secured", field="id")
        raise StateError(f"Facture n° {row.id} : la feuille de soins ne s'imprime que pour une facture sécurisée en "
                         "mode dégradé (sans carte Vitale) ; celle-ci a été sécurisée "
                         f"{'autrement' if row.secure_mode else 'sans mode connu'}.",
                         code="care_sheet_not_degraded", field="id")
    if InvoiceState(row.state) not in PRINTABLE or row.number is None:
        raise StateError(f"Facture n° {row.id} « {STATE_LABELS[InvoiceState(row.state)]} » : pas de feuille de "
                         "soins (facture non sécurisée, annulée ou supprimée).",
                         code="care_sheet_not_secured", field="id")


def _prescription(session: Any, doc: dict[str, Any]) -> str | None:
    prescription = doc.get("prescription")
    if not isinstance(prescription, dict):
        return None
    text = f"du {_day(str(prescription.get('date')))}"
    ref = prescription.get("prescriber")
    row = session.get(Prescriber, ref) if isinstance(ref, int) else None
    if row is not None:
        text += f", par {row.last_name} {row.first_name or ''}".rstrip() + f" ({row.number})"
    return text


def _amo_organism(session: Any, patient: Patient | None) -> str:
    if patient is None:
        return ""
    codes = " ".join(c for c in (patient.amo_regime, patient.amo_caisse, patient.amo_centre) if c)
    organism = session.get(AmoOrganism, patient.amo_organism_id) if patient.amo_organism_id else None
    if organism is None and patient.amo_regime and patient.amo_caisse and patient.amo_centre:
        organism = session.scalar(select(AmoOrganism).where(
            AmoOrganism.regime == patient.amo_regime, AmoOrganism.caisse == patient.amo_caisse,
            AmoOrganism.centre == patient.amo_centre).limit(1))
    name = organism.name if organism is not None and organism.name else ""
    return " - ".join(part for part in (codes, name) if part) or "non renseigné"


def _mapping(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _secured_on(session: Any, row: Invoice) -> str:
    signed = session.scalar(select(InvoiceSignature.at).where(InvoiceSignature.invoice_id == row.id)
                            .order_by(InvoiceSignature.id.desc()).limit(1))
    when = signed if isinstance(signed, datetime) else row.updated_at
    return when.strftime("%d/%m/%Y") if isinstance(when, datetime) else ""


def _tiers_payant(doc: dict[str, Any]) -> str:
    tp = _mapping(doc.get("tiers_payant"))
    payer = _mapping(doc.get("payer"))
    amo = bool(tp.get("amo", payer.get("tp_amo", False)))
    amc = bool(tp.get("amc", payer.get("tp_amc", False)))
    parts = [name for name, on in (("AMO", amo), ("AMC", amc)) if on]
    return "tiers payant " + " et ".join(parts) if parts else "pas de tiers payant (le patient avance les frais)"


def load_care_sheet(ctx: Context, ref: object) -> CareSheet:
    """The care sheet's content; refused (StateError, French) unless the invoice is secured in degraded mode."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        row = state.load(session, ref)
        _check_printable(row)
        assert row.number is not None  # _check_printable
        pro = session.get(Professional, row.professional_id)
        assert pro is not None  # FK
        performer = session.get(Professional, row.performer_id) if row.performer_id else None
        patient = session.get(Patient, row.patient_id) if row.patient_id else None
        doc = dict(state.document(row).content)
        coverage = _mapping(doc.get("coverage"))
        lines = [SheetLine(date=_day((line.date or row.invoice_date).isoformat()), code=line.code,
                           quantity=str(1 if line.quantity is None else line.quantity), rate=f"{line.rate} %",
                           total=format_amount(line.total), amo=format_amount(line.amo), amc=format_amount(line.amc),
                           patient=format_amount(line.patient)) for line in state.priced(row).lines]
        totals = {"total": f"{row.total:.2f}", "amo": f"{row.amo:.2f}", "amc": f"{row.amc:.2f}",
                  "patient": f"{row.patient_part:.2f}", "due_by_patient": f"{row.due_by_patient:.2f}"}
        insured = ""
        if patient is not None:
            insured = " ".join(p for p in (patient.insured_last_name, patient.insured_first_name) if p) or (
                f"{patient.last_name} {patient.first_name or ''}".strip() if patient.rank == 1 else "")
        nature = str(coverage.get("nature", row.nature))
        nature_text = NATURE_LABELS.get(nature, nature)
        if coverage.get("maternity_date"):
            nature_text += f" (date {_day(str(coverage['maternity_date']))})"
        if coverage.get("accident_date"):
            nature_text += f" (accident du {_day(str(coverage['accident_date']))})"
        if coverage.get("smg_amount") is not None:
            nature_text += f" (prise en charge {coverage['smg_amount']})"
        return CareSheet(
            number=row.number, invoice_date=row.invoice_date.strftime("%d/%m/%Y"),
            professional=f"{pro.civility} {pro.last_name} {pro.first_name}".strip(),
            billing_number=format_billing_number(pro.billing_number), rpps=pro.rpps or "",
            specialty=specialty_label(pro.specialty),
            performer=(f"{performer.last_name} {performer.first_name} "
                       f"({format_billing_number(performer.billing_number)})") if performer else None,
            patient=f"{patient.last_name} {patient.first_name or ''}".strip() if patient else "",
            birth_date=BirthDate(patient.birth_date, patient.lunar).display() if patient else "",
            rank=str(row.patient_rank or ""), insured=insured, insured_nir=format_nir(row.patient_nir),
            amo_organism=_amo_organism(session, patient), nature=nature_text,
            exoneration=str(coverage.get("exoneration", "0")), parcours=str(coverage.get("parcours") or "-"),
            place=PLACE_LABELS.get(str(doc.get("place", "cabinet")), str(doc.get("place"))),
            prescription=_prescription(session, doc), tiers_payant=_tiers_payant(doc), lines=lines, totals=totals,
            secured_on=_secured_on(session, row),
            signature_png=signature_of(session, pro))


# --- the text (pure) ------------------------------------------------------------------------------------------------

TITLE = "FEUILLE DE SOINS - mode dégradé (sans carte Vitale)"
LINE_HEADER = ("Date", "Acte", "Qté", "Taux", "Montant", "AMO", "AMC", "Patient")


def care_sheet_sections(sheet: CareSheet) -> list[tuple[str, list[str]]]:
    """The sheet's text, section by section (what the PDF prints, in that order)."""
    pro = [f"{sheet.professional}", f"N° de facturation : {sheet.billing_number}"]
    if sheet.rpps:
        pro.append(f"RPPS : {sheet.rpps}")
    pro.append(f"Spécialité : {sheet.specialty}")
    if sheet.performer:
        pro.append(f"Soins réalisés par le remplaçant : {sheet.performer}")
    patient = [f"Patient : {sheet.patient}, né(e) le {sheet.birth_date}, rang {sheet.rank}",
               f"Assuré : {sheet.insured or '-'}", f"NIR de l'assuré : {sheet.insured_nir or '-'}",
               f"Organisme AMO : {sheet.amo_organism}"]
    care = [f"Date des soins : {sheet.invoice_date}", f"Nature de l'assurance : {sheet.nature}",
            f"Exonération : {sheet.exoneration} ; parcours de soins : {sheet.parcours}", f"Lieu : {sheet.place}"]
    if sheet.prescription:
        care.append(f"Prescription {sheet.prescription}")
    care.append(f"Règlement : {sheet.tiers_payant}")
    acts = ["  ".join(LINE_HEADER)]
    acts += ["  ".join((line.date, line.code, line.quantity, line.rate, line.total, line.amo, line.amc,
                        line.patient)) for line in sheet.lines]
    totals = [f"Total : {sheet.totals['total']}", f"Part AMO : {sheet.totals['amo']}",
              f"Part AMC : {sheet.totals['amc']}", f"Part patient : {sheet.totals['patient']}",
              f"À payer par le patient : {sheet.totals['due_by_patient']}"]
    signature = [f"Facture n° {sheet.number}, sécurisée en mode dégradé le {sheet.secured_on}.",
                 "Signature du professionnel :" if sheet.signature_png else
                 "Signature du professionnel : (aucune signature numérisée enregistrée : signer à la main)"]
    return [("Professionnel de santé", pro), ("Patient et assuré", patient), ("Soins", care),
            ("Actes", acts), ("Montants", totals), ("Signature", signature)]


def care_sheet_lines(sheet: CareSheet) -> list[str]:
    """The whole text, one line a list item (the golden file of the tests)."""
    out = [TITLE, f"Facture n° {sheet.number} du {sheet.invoice_date}"]
    for title, lines in care_sheet_sections(sheet):
        out += ["", f"[{title}]", *lines]
    return out


def latin1(text: str) -> str:
    """The PDF core fonts speak Latin-1: typographic signs are replaced, anything else becomes « ? »."""
    return text.translate(_LATIN1_FIXES).encode("latin-1", "replace").decode("latin-1")


# --- the PDF ----------------------------------------------------------------------------------------------------------

_WIDTHS = (22, 24, 12, 14, 26, 26, 26, 26)


def render_pdf(sheet: CareSheet, *, compress: bool = True, created: datetime | None = None) -> bytes:
    """Draw the care sheet (A4). ``compress=False`` keeps the page streams readable (tests)."""
    from fpdf import FPDF  # here, not at import: fpdf2 and its font tools cost every CLI command 0.25 s

    pdf = FPDF(format="A4")
    pdf.set_compression(compress)
    if created is not None:
        pdf.set_creation_date(created)
    pdf.set_title(latin1(f"Feuille de soins - facture {sheet.number}"))
    pdf.set_author(latin1(sheet.professional))
    pdf.set_creator("feuille")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, latin1(TITLE), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 7, latin1(f"Facture n° {sheet.number} du {sheet.invoice_date}"), new_x="LMARGIN", new_y="NEXT")
    for title, lines in care_sheet_sections(sheet):
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(0, 6, latin1(title), new_x="LMARGIN", new_y="NEXT", border="B")
        pdf.set_font("Helvetica", "", 10)
        if title == "Actes":
            _acts_table(pdf, sheet)
            continue
        for line in lines:
            pdf.cell(0, 5.5, latin1(line), new_x="LMARGIN", new_y="NEXT")
        if title == "Signature" and sheet.signature_png:
            pdf.image(io.BytesIO(sheet.signature_png), w=60)
    return bytes(pdf.output())


def _acts_table(pdf: FPDF, sheet: CareSheet) -> None:
    pdf.set_font("Helvetica", "B", 9)
    for width, head in zip(_WIDTHS, LINE_HEADER, strict=True):
        pdf.cell(width, 6, latin1(head), border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for line in sheet.lines:
        cells = (line.date, line.code, line.quantity, line.rate, line.total, line.amo, line.amc,
                 line.patient)
        for index, (width, text) in enumerate(zip(_WIDTHS, cells, strict=True)):
            pdf.cell(width, 6, latin1(text), border=1, align="R" if index >= 2 else "L")
        pdf.ln()


def care_sheet_pdf(ctx: Context, ref: object, *, compress: bool = True) -> bytes:
    """The PDF of the care sheet of a degraded invoice (refused in French otherwise)."""
    sheet = load_care_sheet(ctx, ref)
    return render_pdf(sheet, compress=compress, created=ctx.clock())
