"""« Suivi Facturations » (manual 003 VII): the teletransmitted invoices with what was expected, paid and remains,
their follow-up state, and the SESAM-Vitale share line under the list.

The amounts come from :mod:`feuille.returns.amounts` (the one place they are computed), the states from
:mod:`feuille.domain.follow_up` (the follow-up state IS the invoice's state). A page is read in a fixed number
of queries whatever the number of invoices: the count and the SV share of everything the filters keep, the
page's ids (newest invoice date first, as the manual's list; index ``ix_invoices_state_date``), then the page's
patients and amounts, lots, last return date and handlings by ``IN``.

Filters (:func:`parse_filters`, every refusal French with a stable code): follow-up states, a date range on the
invoice date or on the return date (``selon="retour"``), the AMO organism (régime + caisse [+ centre], the FSE
lot's recipient), the AMC number, the patient (name or NIR), the professional, « RSP non rapproché » (invoices
no return has been matched to yet; the returns matched to nothing are ``feuille suivi non-rapproches``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from feuille.auth import Context, Permission, require
from feuille.domain import follow_up as fu
from feuille.domain.fields import check_period, parse_date, prefix_upper_bound, search_key
from feuille.domain.invoices import InvoiceState, SecureMode
from feuille.errors import ValidationError, quoted
from feuille.money import ZERO, round_cents
from feuille.practice import professionals
from feuille.returns import amounts
from feuille.returns.follow_up_sql import amc_number_of
from feuille.storage.models import (
    Invoice,
    Lot,
    LotInvoice,
    NoemieFileRow,
    Patient,
    RejectHandling,
    ReturnInvoice,
)

#: Secured in SESAM-Vitale mode: with the patient's Vitale card, synchronised or desynchronised (manual 003 VII
#: « sécurisés en sesam vitale »); degraded and SESAM sans Vitale are not.
SV_MODES = (SecureMode.SYNCHRONISE.value, SecureMode.DESYNCHRONISE.value)
FOLLOWED = tuple(state.value for state in fu.FROM_INVOICE)
PER_PAGE, MAX_PER_PAGE = 50, 1000
GONE = (InvoiceState.DELETED.value, InvoiceState.CANCELLED.value)


# --- the SV share -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SesamVitaleShare:
    total: int
    secured: int

    @property
    def percent(self) -> int:
        """Rounded half-up to the unit (18 of 21 → 86); 0 for an empty list."""
        if self.total <= 0:
            return 0
        ratio = Decimal(self.secured * 100) / Decimal(self.total)
        return int(ratio.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @property
    def line(self) -> str:
        """« 21 dossiers dont 18 sécurisés en sesam vitale soit 86 % » (manual 003 VII, its words)."""
        files = "dossier" if self.total <= 1 else "dossiers"
        secured = "sécurisé" if self.secured <= 1 else "sécurisés"
        return f"{self.total} {files} dont {self.secured} {secured} en sesam vitale soit {self.percent} %"

    def to_json(self) -> dict[str, Any]:
        return {"dossiers": self.total, "securises_sesam_vitale": self.secured, "pourcentage": self.percent,
                "ligne": self.line}


def sesam_vitale_share(total: int, secured: int) -> SesamVitaleShare:
    """THE rule of the line under the follow-up list (reports use it too): the share of the files secured in
    SESAM-Vitale mode (:data:`SV_MODES`), in percent rounded half-up."""
    if total < 0 or secured < 0 or secured > total:
        raise ValueError(f"share of {secured} in {total}")
    return SesamVitaleShare(total, secured)


def sesam_vitale_secured(invoices: Any = None) -> ColumnElement[int]:
    """1 for an invoice secured in SESAM-Vitale mode, else 0 (SUM it next to a COUNT)."""
    table = invoices if invoices is not None else Invoice.__table__
    return case((table.c.secure_mode.in_(SV_MODES), 1), else_=0)


# --- filters ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    states: tuple[fu.FollowUp, ...] = ()
    since: date | None = None
    until: date | None = None
    by_return: bool = False
    amo: tuple[str, str, str | None] | None = None     # régime, caisse, centre
    amc: str | None = None
    patient_nir: str | None = None
    patient_name: str | None = None
    professional: object = None
    no_matched_return: bool = False
    page: int = 1
    per_page: int = PER_PAGE


def _states(values: Iterable[object]) -> tuple[fu.FollowUp, ...]:
    found: list[fu.FollowUp] = []
    for value in values:
        state = fu.parse(value) if isinstance(value, str) else None
        if state is None:
            names = ", ".join(label for label in fu.LABELS.values())
            raise ValidationError(f"état : {quoted(value)} inconnu (attendu : {names} ; ex. « rejete »).",
                                  code="follow_up_state", field="etat")
        if state not in found:
            found.append(state)
    return tuple(found)


def _amo(value: object) -> tuple[str, str, str | None] | None:
    if value is None:
        return None
    digits = "".join(str(value).split())
    if not (digits.isdigit() and len(digits) in (5, 9)):
        raise ValidationError(f"organisme AMO : {quoted(value)} : régime et caisse attendus (ex. « 01 349 », "
                              "ou avec le centre « 01 349 9881 »).", code="follow_up_amo", field="amo")
    return digits[:2], digits[2:5], digits[5:] or None


def _amc(value: object) -> str | None:
    if value is None:
        return None
    digits = "".join(str(value).split())
    if not (digits.isdigit() and 1 <= len(digits) <= 10):
        raise ValidationError(f"organisme AMC : {quoted(value)} : numéro AMC attendu (jusqu'à 10 chiffres, "
                              "ex. « 99999997 »).", code="follow_up_amc", field="amc")
    return digits


def _patient(value: object) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    text = str(value).strip()
    compact = "".join(text.split())
    if compact.isdigit() or (len(compact) in (13, 15) and compact[:5].isdigit()):
        if len(compact) not in (13, 15):
            raise ValidationError(f"patient : {quoted(value)} : NIR de 13 ou 15 caractères, ou nom, attendu.",
                                  code="follow_up_patient", field="patient")
        return compact[:13].upper(), None
    key = search_key(text) if len(text) <= 64 else ""
    if not key:
        raise ValidationError(f"patient : {quoted(value)} : nom (ou début du nom) ou NIR attendu.",
                              code="follow_up_patient", field="patient")
    return None, key


def _bounded(value: object, field_name: str, label: str, default: int, upper: int) -> int:
    if value is None:
        return default
    text = str(value).strip()
    if not (text.isdigit() and len(text) <= 9 and 1 <= int(text) <= upper):
        raise ValidationError(f"{label} : {quoted(value)} : nombre entier de 1 à {upper} attendu.",
                              code="follow_up_page", field=field_name)
    return int(text)


def parse_filters(*, states: Iterable[object] = (), since: object = None, until: object = None,
                  selon: object = None, amo: object = None, amc: object = None, patient: object = None,
                  professional: object = None, no_matched_return: bool = False, page: object = None,
                  per_page: object = None) -> Filters:
    """The filters as typed (CLI options, query string), checked once, refusals in French naming the option."""
    first = parse_date(since, "du", "Du")
    last = parse_date(until, "au", "Au")
    check_period(first, last, "au", "Période")
    basis = str(selon).strip().lower() if selon is not None else "facture"
    if basis not in ("facture", "retour"):
        raise ValidationError(f"selon : {quoted(selon)} : « facture » (date de la facture) ou « retour » (date du "
                              "retour) attendu.", code="follow_up_basis", field="selon")
    nir, name = _patient(patient)
    return Filters(states=_states(states), since=first, until=last, by_return=basis == "retour", amo=_amo(amo),
                   amc=_amc(amc), patient_nir=nir, patient_name=name, professional=professional,
                   no_matched_return=bool(no_matched_return),
                   page=_bounded(page, "page", "Page", 1, 1_000_000),
                   per_page=_bounded(per_page, "par_page", "Par page", PER_PAGE, MAX_PER_PAGE))


def _date_conditions(f: Filters, inv: Any) -> list[ColumnElement[bool]]:
    if f.since is None and f.until is None:
        return []
    if not f.by_return:
        return [c for c in (inv.c.invoice_date >= f.since if f.since else None,
                            inv.c.invoice_date <= f.until if f.until else None) if c is not None]
    ri, nf = ReturnInvoice.__table__, NoemieFileRow.__table__
    window = [c for c in (nf.c.created >= f.since if f.since else None,
                          nf.c.created <= f.until if f.until else None) if c is not None]
    # IN rather than a correlated EXISTS: the count then reads the invoices' index alone (ids are in it)
    return [inv.c.id.in_(select(ri.c.invoice_id).select_from(ri.join(nf, nf.c.id == ri.c.noemie_file_id))
                         .where(ri.c.match.in_(amounts.MATCHED), ri.c.invoice_id.is_not(None), *window))]


def _organism_conditions(f: Filters, inv: Any) -> list[ColumnElement[bool]]:
    li, lots = LotInvoice.__table__, Lot.__table__
    found: list[ColumnElement[bool]] = []
    if f.amo is not None:
        regime, caisse, centre = f.amo
        found.append(inv.c.id.in_(select(li.c.invoice_id).select_from(li.join(lots, lots.c.id == li.c.lot_id))
                                  .where(li.c.kind == "FSE", lots.c.regime == regime, lots.c.caisse == caisse,
                                         *([lots.c.centre == centre] if centre else []))))
    if f.amc is not None:
        found.append(or_(amc_number_of(inv) == f.amc, inv.c.id.in_(
            select(li.c.invoice_id).select_from(li.join(lots, lots.c.id == li.c.lot_id))
            .where(lots.c.amc_number == f.amc))))
    return found


def conditions(session: Session, f: Filters) -> list[ColumnElement[bool]]:
    """The WHERE of the list (also the rejects' list and the reports can reuse it)."""
    inv = Invoice.__table__
    states = [s.value for state in f.states for s in fu.TO_INVOICE[state]] or list(FOLLOWED)
    where: list[ColumnElement[bool]] = [inv.c.state.in_(states)]
    if f.professional is not None:
        where.append(inv.c.professional_id == professionals.resolve(session, f.professional, "professionnel").id)
    if f.patient_nir is not None:
        where.append(inv.c.patient_nir.like(f"{f.patient_nir}%"))
    if f.patient_name is not None:
        pat = Patient.__table__
        where.append(inv.c.patient_id.in_(select(pat.c.id).where(
            pat.c.last_name_key >= f.patient_name, pat.c.last_name_key < prefix_upper_bound(f.patient_name))))
    if f.no_matched_return:
        ri = ReturnInvoice.__table__
        where.append(inv.c.id.not_in(select(ri.c.invoice_id).where(ri.c.match.in_(amounts.MATCHED),
                                                                   ri.c.invoice_id.is_not(None))))
    return [*where, *_date_conditions(f, inv), *_organism_conditions(f, inv)]


# --- the list -----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FollowUpLine:
    """One line of « Suivi Facturations » (the manual's columns; per share in the JSON and the detail)."""

    invoice_id: int
    number: int | None
    invoice_date: date
    received_on: date | None          # « Reçu le »: the date of its last matched return
    patient: str
    lot: str                          # the FSE lot's number
    expected_amo: Decimal
    paid_amo: Decimal
    expected_amc: Decimal
    paid_amc: Decimal
    amo_organism: str                 # « 01 349 9881 »
    amc_organism: str                 # the AMC number, "" when none
    state: fu.FollowUp
    sesam_vitale: bool
    secure_mode: str | None
    professional_id: int
    handled: bool = False             # « Traitement manuel » done
    corrected_by: str | None = None   # « corrigée par n° X »
    corrects: str | None = None       # « corrige n° Y »
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def expected(self) -> Decimal:
        return self.expected_amo + self.expected_amc

    @property
    def paid(self) -> Decimal:
        return self.paid_amo + self.paid_amc

    @property
    def remaining(self) -> Decimal:
        return self.expected - self.paid

    @property
    def state_label(self) -> str:
        return fu.LABELS[self.state]

    @property
    def organisms(self) -> str:
        return f"{self.amo_organism} / {self.amc_organism}"

    @property
    def follow_on(self) -> str:
        """What was done about it: « TRAITÉ », « corrigée par n° X », « corrige n° Y »."""
        return " ; ".join(text for text in ("TRAITÉ" if self.handled else None, self.corrected_by, self.corrects)
                          if text)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.invoice_id, "numero": self.number, "date_facture": self.invoice_date,
                "recu_le": self.received_on, "client": self.patient, "lot": self.lot,
                "attendu": self.expected, "paye": self.paid, "restant_du": self.remaining,
                "amo": {"organisme": self.amo_organism, "attendu": self.expected_amo, "paye": self.paid_amo,
                        "restant_du": self.expected_amo - self.paid_amo},
                "amc": {"organisme": self.amc_organism, "attendu": self.expected_amc, "paye": self.paid_amc,
                        "restant_du": self.expected_amc - self.paid_amc},
                "etat": self.state.value, "etat_libelle": self.state_label, "sesam_vitale": self.sesam_vitale,
                "mode_securisation": self.secure_mode, "traite": self.handled, "corrigee_par": self.corrected_by,
                "corrige": self.corrects, "suite": self.follow_on}


@dataclass(frozen=True)
class FollowUpPage:
    lines: list[FollowUpLine]
    total: int
    secured: int
    page: int
    per_page: int

    @property
    def share(self) -> SesamVitaleShare:
        return sesam_vitale_share(self.total, self.secured)

    @property
    def footer(self) -> str:
        return self.share.line

    def to_json(self) -> dict[str, Any]:
        return {"lignes": [line.to_json() for line in self.lines], "total": self.total, "page": self.page,
                "par_page": self.per_page, "sesam_vitale": self.share.to_json(), "pied": self.footer}


def _number_label(number: int | None, invoice_id: int) -> str:
    return f"n° {number}" if number is not None else f"brouillon (n° interne {invoice_id})"


def page_amounts(session: Session, ids: Sequence[int]) -> dict[int, amounts.Amounts]:
    """:func:`feuille.returns.amounts.amounts_for` for a page: the same definitions (expected per share, paid = the
    matched returns, :data:`amounts.MATCHED`), the returns read for these invoices only (its selectable sums every
    return first: 0.6 s per page against 400,000 returns on SQLite)."""
    inv, ri = Invoice.__table__, ReturnInvoice.__table__
    rows = session.execute(
        select(inv.c.id, amounts.expected_amo(inv).label("expected_amo"),
               amounts.expected_amc(inv).label("expected_amc"),
               func.coalesce(func.sum(ri.c.amo_paid), ZERO).label("paid_amo"),
               func.coalesce(func.sum(ri.c.amc_paid), ZERO).label("paid_amc"), func.count(ri.c.id).label("returns"))
        .select_from(inv.outerjoin(ri, and_(ri.c.invoice_id == inv.c.id, ri.c.match.in_(amounts.MATCHED))))
        .where(inv.c.id.in_(ids)).group_by(inv.c.id, inv.c.amo, inv.c.amc, inv.c.document))
    return {row.id: amounts.Amounts(round_cents(Decimal(row.expected_amo)), round_cents(Decimal(row.expected_amc)),
                                    round_cents(Decimal(row.paid_amo)), round_cents(Decimal(row.paid_amc)),
                                    int(row.returns)) for row in rows}


def _handlings(session: Session, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Per invoice of the page: handled, corrected by, corrects (alive corrections only)."""
    rh, inv = RejectHandling.__table__, Invoice.__table__
    found: dict[int, dict[str, Any]] = {i: {} for i in ids}
    rows = session.execute(
        select(rh.c.invoice_id, rh.c.kind, rh.c.correction_id, inv.c.number, inv.c.state)
        .select_from(rh.outerjoin(inv, inv.c.id == rh.c.correction_id))
        .where(or_(rh.c.invoice_id.in_(ids), rh.c.correction_id.in_(ids))).order_by(rh.c.id))
    originals: dict[int, int] = {}
    for row in rows:
        if row.kind == "traite" and row.invoice_id in found:
            found[row.invoice_id]["handled"] = True
        if row.kind == "corrigee" and row.correction_id is not None and row.state not in GONE:
            if row.invoice_id in found:
                found[row.invoice_id]["corrected_by"] = (
                    f"corrigée par {_number_label(row.number, row.correction_id)}")
            if row.correction_id in found:
                originals[row.correction_id] = row.invoice_id
    if originals:
        for oid, number in session.execute(select(inv.c.id, inv.c.number).where(inv.c.id.in_(set(originals.values())))):
            for correction, original in originals.items():
                if original == oid:
                    found[correction]["corrects"] = f"corrige {_number_label(number, oid)}"
    return found


def _lots(session: Session, ids: Sequence[int]) -> tuple[dict[int, Any], dict[int, str]]:
    """The FSE lot of each invoice: the live one, else the latest it was in; and the DRE lot's AMC number."""
    li, lots = LotInvoice.__table__, Lot.__table__
    fse: dict[int, Any] = {}
    dre: dict[int, str] = {}
    rows = session.execute(select(li.c.invoice_id, li.c.kind, li.c.live, lots.c.number, lots.c.regime,
                                  lots.c.caisse, lots.c.centre, lots.c.amc_number)
                           .select_from(li.join(lots, lots.c.id == li.c.lot_id))
                           .where(li.c.invoice_id.in_(ids)).order_by(li.c.id))
    for row in rows:
        if row.kind == "DRE":
            dre[row.invoice_id] = row.amc_number or ""
        elif row.live or row.invoice_id not in fse or not fse[row.invoice_id].live:
            fse[row.invoice_id] = row
    return fse, dre


def _received(session: Session, ids: Sequence[int]) -> dict[int, date]:
    ri, nf = ReturnInvoice.__table__, NoemieFileRow.__table__
    rows = session.execute(select(ri.c.invoice_id, func.max(nf.c.created))
                           .select_from(ri.join(nf, nf.c.id == ri.c.noemie_file_id))
                           .where(ri.c.invoice_id.in_(ids), ri.c.match.in_(amounts.MATCHED))
                           .group_by(ri.c.invoice_id))
    return {invoice_id: day for invoice_id, day in rows}


def client_name(last: str | None, first: str | None) -> str:
    """« Nom du client » as the manual's list writes it: « ESSAI ALAIN »."""
    return f"{last or ''} {first or ''}".strip().upper()


def _amo_label(lot: Any) -> str:
    if lot is None:
        return ""
    return " ".join(part for part in (lot.regime, lot.caisse, lot.centre) if part)


def read_lines(session: Session, ids: Sequence[int]) -> list[FollowUpLine]:
    """The follow-up lines of these invoices, in the order given (a fixed number of queries)."""
    if not ids:
        return []
    inv, pat = Invoice.__table__, Patient.__table__
    rows = {row.id: row for row in session.execute(
        select(inv.c.id, inv.c.number, inv.c.invoice_date, inv.c.state, inv.c.secure_mode, inv.c.professional_id,
               amc_number_of(inv).label("amc_number"), pat.c.last_name, pat.c.first_name)
        .select_from(inv.outerjoin(pat, pat.c.id == inv.c.patient_id)).where(inv.c.id.in_(ids)))}
    money = page_amounts(session, ids)
    fse_lots, dre_lots = _lots(session, ids)
    received = _received(session, ids)
    handled = _handlings(session, ids)
    lines: list[FollowUpLine] = []
    for invoice_id in ids:
        row = rows.get(invoice_id)
        if row is None:
            continue
        sums = money[invoice_id]
        lot = fse_lots.get(invoice_id)
        amc = dre_lots.get(invoice_id) or row.amc_number or ""
        state = fu.of_invoice(row.state) or fu.FollowUp.EN_COURS
        lines.append(FollowUpLine(
            invoice_id=invoice_id, number=row.number, invoice_date=row.invoice_date,
            received_on=received.get(invoice_id), patient=client_name(row.last_name, row.first_name),
            lot=lot.number if lot is not None else "", expected_amo=sums.expected_amo, paid_amo=sums.paid_amo,
            expected_amc=sums.expected_amc, paid_amc=sums.paid_amc, amo_organism=_amo_label(lot),
            amc_organism=amc, state=state, sesam_vitale=row.secure_mode in SV_MODES,
            secure_mode=row.secure_mode, professional_id=row.professional_id, **handled[invoice_id]))
    return lines


def page_ids(session: Session, f: Filters, where: Sequence[ColumnElement[bool]]) -> list[int]:
    inv = Invoice.__table__
    query = (select(inv.c.id).where(*where).order_by(inv.c.invoice_date.desc(), inv.c.id.desc())
             .limit(f.per_page).offset((f.page - 1) * f.per_page))
    return list(session.scalars(query))


def count(session: Session, where: Sequence[ColumnElement[bool]]) -> int:
    return int(session.scalar(select(func.count()).select_from(Invoice.__table__).where(*where)) or 0)


def iter_lines(ctx: Context, filters: Filters | None = None, batch: int = MAX_PER_PAGE) -> Iterator[FollowUpLine]:
    """Every line the filters keep, newest first, read a batch at a time (keyset on the list's order, one short
    read per batch): what an export writes, in flat memory whatever the number of invoices."""
    require(ctx, Permission.READ)
    f = filters or Filters()
    inv = Invoice.__table__
    after: tuple[date, int] | None = None
    while True:
        with ctx.db.read() as session:
            where = conditions(session, f)
            if after is not None:
                day, last = after
                where.append(or_(inv.c.invoice_date < day, and_(inv.c.invoice_date == day, inv.c.id < last)))
            ids = list(session.scalars(select(inv.c.id).where(*where)
                                       .order_by(inv.c.invoice_date.desc(), inv.c.id.desc()).limit(batch)))
            lines = read_lines(session, ids)
        yield from lines
        if len(ids) < batch:
            return
        after = (lines[-1].invoice_date, lines[-1].invoice_id)


def list_follow_up(ctx: Context, filters: Filters | None = None) -> FollowUpPage:
    """A page of « Suivi Facturations » with the count and the SV share of everything the filters keep."""
    require(ctx, Permission.READ)
    f = filters or Filters()
    inv = Invoice.__table__
    with ctx.db.read() as session:
        where = conditions(session, f)
        total, secured = session.execute(
            select(func.count(), func.coalesce(func.sum(sesam_vitale_secured(inv)), 0)).where(*where)).one()
        ids = page_ids(session, f, where)
        return FollowUpPage(read_lines(session, ids), int(total), int(secured), f.page, f.per_page)


__all__ = ["FOLLOWED", "MAX_PER_PAGE", "PER_PAGE", "SV_MODES", "Filters", "FollowUpLine", "FollowUpPage",
           "SesamVitaleShare", "client_name", "conditions", "count", "iter_lines", "list_follow_up", "page_ids",
           "parse_filters", "read_lines", "sesam_vitale_secured", "sesam_vitale_share"]
