"""SCOR pieces of the invoices: what each needs, what is attached, its conformity, its purge (manual 003 IV and
VIII, FORMATS.md §4). The flow that sends them is ``transmission/scor.py``.

What an invoice needs (**feuille's own** reading of the manuals): a prescription when it was billed on one (its
input has ``prescription``: manual 003 IV adds the « Ordonnance » after signing), and its care sheet when it was
secured in degraded mode (seed 004), unless the care sheet goes on paper (``feuille facture papier``: « COLLECTE
PAPIER »). A needed piece with no file is MANQUANT: computed, never stored. A piece row is made with its file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.billing import attachments, state
from feuille.domain.invoices import InvoiceState, SecureMode
from feuille.domain.scor import (
    KIND_LABELS,
    SATISFIED,
    PieceEvent,
    PieceKind,
    PieceState,
    parse_kind,
    parse_state,
    transition,
)
from feuille.errors import NotFoundError, Problems, StateError, ValidationError, quoted
from feuille.storage.models import Invoice, InvoiceAttachment, Patient, ScorPiece
from feuille.storage.retry import use_case
from feuille.transmission import scor_conformity, settings

#: Invoices whose pieces are followed: signed, not cancelled (a draft's photo is followed once it is signed).
FOLLOWED = (InvoiceState.PARTLY_SECURED, InvoiceState.SECURED, InvoiceState.IN_LOT, InvoiceState.SENT,
            InvoiceState.ACKNOWLEDGED, InvoiceState.PAID, InvoiceState.PARTLY_PAID, InvoiceState.REJECTED,
            InvoiceState.ANOMALY)
LIST_LIMIT = 500                        # invoices in one « Pièces jointes » list (the most recent)
SV_LABELS = {SecureMode.SYNCHRONISE: "SV", SecureMode.DESYNCHRONISE: "SV", SecureMode.SANS_VITALE: "SSV",
             SecureMode.DEGRADE: "DEO"}  # manual 003 VIII « Etat SV »: SV, DEO (dégradé)


@dataclass(frozen=True)
class PieceView:
    """One row of the « Pièces jointes » tab (manual 003 VIII)."""

    invoice_id: int
    invoice_number: int | None
    sv: str
    last_name: str
    first_name: str
    state: PieceState
    kind: PieceKind
    sent_on: date | None
    attachment_id: int | None
    filename: str | None
    reasons: tuple[str, ...]
    purge_on: date | None

    def to_json(self) -> dict[str, object]:
        return {"date_envoi": self.sent_on.isoformat() if self.sent_on else None, "facture": self.invoice_id,
                "numero_facture": self.invoice_number, "etat_sv": self.sv, "nom": self.last_name,
                "prenom": self.first_name, "etat_pj": self.state.value, "type": KIND_LABELS[self.kind],
                "piece": self.attachment_id, "fichier": self.filename, "motifs": list(self.reasons),
                "purge_le": self.purge_on.isoformat() if self.purge_on else None}


def needed(row: Invoice) -> list[PieceKind]:
    """The pieces an invoice needs (see the module's doc)."""
    kinds = []
    if state.document(row).prescription:
        kinds.append(PieceKind.PRESCRIPTION)
    if row.secure_mode == SecureMode.DEGRADE:
        kinds.append(PieceKind.CARE_SHEET)
    return kinds


def _kind_of(attachment_kind: str) -> PieceKind | None:
    try:
        return PieceKind(attachment_kind)
    except ValueError:
        return None


def _state_of(piece: ScorPiece | None) -> PieceState:
    """A file attached through billing (a draft's photo, ``feuille facture joindre``) has no SCOR row until it
    is checked: it is to be checked."""
    return PieceState(piece.state) if piece is not None else PieceState.A_CONTROLER


def _pieces_of(session: Session, invoice_ids: Iterable[int]
               ) -> dict[int, list[tuple[InvoiceAttachment, ScorPiece | None]]]:
    ids = sorted(set(invoice_ids))
    found: dict[int, list[tuple[InvoiceAttachment, ScorPiece | None]]] = {i: [] for i in ids}
    for chunk in range(0, len(ids), 500):
        rows = session.execute(
            select(InvoiceAttachment, ScorPiece).outerjoin(ScorPiece, ScorPiece.attachment_id == InvoiceAttachment.id)
            .options(defer(InvoiceAttachment.content))   # a list needs no file's bytes
            .where(InvoiceAttachment.invoice_id.in_(ids[chunk:chunk + 500])).order_by(InvoiceAttachment.id))
        for attachment, piece in rows:
            if _kind_of(attachment.kind) is not None:
                found[attachment.invoice_id].append((attachment, piece))
    return found


def _rows(row: Invoice, patient: Patient | None, pieces: list[tuple[InvoiceAttachment, ScorPiece | None]]
          ) -> list[PieceView]:
    sv = SV_LABELS.get(SecureMode(row.secure_mode), "") if row.secure_mode else ""
    last, first = (patient.last_name, patient.first_name or "") if patient is not None else ("", "")

    def make(kind: PieceKind, piece_state: PieceState, attachment: InvoiceAttachment | None = None,
             piece: ScorPiece | None = None) -> PieceView:
        return PieceView(row.id, row.number, sv, last, first, piece_state, kind,
                         piece.sent_at.date() if piece is not None and piece.sent_at else None,
                         attachment.id if attachment is not None else None,
                         attachment.filename if attachment is not None else None,
                         tuple(json.loads(piece.reasons)) if piece is not None and piece.reasons else (),
                         piece.purge_on if piece is not None else None)

    out = []
    for attachment, piece in pieces:
        kind = _kind_of(attachment.kind)
        assert kind is not None
        out.append(make(kind, _state_of(piece), attachment, piece))
    present = {view.kind for view in out}
    for kind in needed(row):
        if kind not in present:
            paper = kind is PieceKind.CARE_SHEET and row.paper_sent
            out.append(make(kind, PieceState.COLLECTE_PAPIER if paper else PieceState.MANQUANT))
    return out


def list_pieces(ctx: Context, wanted: object = None, limit: object = LIST_LIMIT) -> list[PieceView]:
    """The « Pièces jointes » tab: the pieces of the ``limit`` most recent signed invoices (newest first);
    ``wanted``: one state only (« MANQUANT », « non conforme »…)."""
    require(ctx, Permission.READ)
    only = parse_state(wanted) if wanted not in (None, "") else None
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100_000:
        raise ValidationError(f"limite : {quoted(limit)} refusée (de 1 à 100 000 factures).", code="validation",
                              field="limite")
    with ctx.db.read() as session:
        invoices = session.execute(select(Invoice, Patient).outerjoin(Patient, Patient.id == Invoice.patient_id)
                                   .where(Invoice.state.in_([s.value for s in FOLLOWED]))
                                   .order_by(Invoice.id.desc()).limit(limit)).all()
        pieces = _pieces_of(session, [row.id for row, _ in invoices])
        views = [view for row, patient in invoices for view in _rows(row, patient, pieces[row.id])]
    return [view for view in views if only is None or view.state is only]


def missing_pieces(session: Session, invoice_ids: Iterable[int]) -> dict[int, list[str]]:
    """For the blocking setting « Blocage télétransmission des FSE si documents absents »: the invoices among
    ``invoice_ids`` that lack a piece, each with French labels of what is missing (« pièce SCOR manquante
    (ordonnance) », « pièce SCOR à contrôler (feuille de soins) », « pièce SCOR non conforme (ordonnance) »). An
    invoice with everything it needs is not in the answer."""
    ids = sorted(set(invoice_ids))
    rows = {row.id: row for chunk in range(0, len(ids), 500)
            for row in session.scalars(select(Invoice).where(Invoice.id.in_(ids[chunk:chunk + 500])))}
    pieces = _pieces_of(session, rows)
    out: dict[int, list[str]] = {}
    for invoice_id, row in rows.items():
        views = _rows(row, None, pieces[invoice_id])
        for kind in needed(row):
            states = [view.state for view in views if view.kind is kind]
            if not any(s in SATISFIED for s in states):
                worst = PieceState.MANQUANT if not states or PieceState.MANQUANT in states else states[-1]
                out.setdefault(invoice_id, []).append(f"pièce SCOR {_missing_word(worst)} "
                                                      f"({KIND_LABELS[kind].lower()})")
    return out


def _missing_word(piece_state: PieceState) -> str:
    return {PieceState.MANQUANT: "manquante", PieceState.A_CONTROLER: "à contrôler",
            PieceState.NON_CONFORME: "non conforme"}.get(piece_state, piece_state.value.lower())


# --- one piece: attach, check -------------------------------------------------------------------------------------

def _piece_row(ctx: Context, session: Session, attachment: InvoiceAttachment) -> ScorPiece:
    """The SCOR row of an attachment, made (state A CONTROLER) the first time the piece is acted upon."""
    piece = session.scalar(select(ScorPiece).where(ScorPiece.attachment_id == attachment.id))
    if piece is None:
        now = ctx.clock()
        piece = ScorPiece(attachment_id=attachment.id, state=transition(PieceState.MANQUANT, PieceEvent.ATTACH),
                          version=1, created_at=now, updated_at=now)
        session.add(piece)
        session.flush()
    return piece


def move(ctx: Context, session: Session, piece: ScorPiece, event: PieceEvent, data: Mapping[str, object],
         **values: object) -> PieceState:
    """The one place a piece's state changes: the table decides, the row changes, the audit log records."""
    old = PieceState(piece.state)
    new = transition(old, event)
    for name, value in values.items():
        setattr(piece, name, value)
    piece.state, piece.version, piece.updated_at = new.value, piece.version + 1, ctx.clock()
    session.flush()
    audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action=f"scor_piece.{event.value}",
                 entity="scor_piece", entity_id=str(piece.id),
                 data={"attachment_id": piece.attachment_id, "from": old.value, "to": new.value, **dict(data)})
    return new


def _file_name(filename: str) -> str:
    """The file's own name (a path sent by a browser cut to its last part), required."""
    name = (filename or "").strip().replace("\\", "/").rsplit("/", 1)[-1][:255]
    if not name:
        raise ValidationError("fichier : le nom du fichier est obligatoire.", code="attachment_name", field="fichier")
    return name


@use_case
def add_piece(ctx: Context, ref: object, filename: str, content: bytes, kind: object) -> PieceView:
    """Attach a file (``attachments`` of billing) as a SCOR piece to be checked, in one transaction."""
    require(ctx, Permission.INVOICE_DRAFT)
    piece_kind = parse_kind(kind)
    name = _file_name(filename)
    media_type = attachments.check_content(content)
    with ctx.db.transaction() as session:
        row = state.load(session, ref, lock=True)
        if row.state not in FOLLOWED:
            raise StateError(f"Facture n° {row.id} : une pièce SCOR se joint à une facture signée, non annulée "
                             "(état actuel : elle ne l'est pas).", code="scor_invoice_state", field="facture")
        attachment_id = attachments.add_in_session(ctx, session, row, name, content, piece_kind.value, media_type)
        attachment = session.get(InvoiceAttachment, attachment_id)
        assert attachment is not None
        _piece_row(ctx, session, attachment)
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="scor_piece.attach", entity="invoice",
                     entity_id=str(row.id), data={"attachment_id": attachment_id, "type": piece_kind.value})
        views = _rows(row, session.get(Patient, row.patient_id) if row.patient_id else None,
                      _pieces_of(session, [row.id])[row.id])
        return next(view for view in views if view.attachment_id == attachment_id)


@dataclass(frozen=True)
class ToCheck:
    """A piece of an invoice, measured: what the CLI shows before asking its questions."""

    attachment_id: int
    kind: PieceKind
    filename: str
    state: PieceState
    inspection: scor_conformity.Inspection | None
    refusal: str | None              # why the file cannot even be read (French)


def inspect_invoice(ctx: Context, ref: object) -> list[ToCheck]:
    """Every piece of the invoice that can still be judged, with each page measured (nothing is written)."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        row = state.load(session, ref)
        pieces = _pieces_of(session, [row.id])[row.id]
        loaded = [(a.id, _kind_of(a.kind), a.filename, _state_of(p), bytes(a.content)) for a, p in pieces]
    if not loaded:
        raise NotFoundError(f"Facture n° {row.id} : aucune pièce SCOR jointe (feuille scor ajouter).",
                            code="scor_no_piece", field="facture")
    out = []
    for attachment_id, kind, filename, piece_state, content in loaded:
        assert kind is not None
        if piece_state not in (PieceState.A_CONTROLER, PieceState.CONFORME, PieceState.NON_CONFORME,
                               PieceState.A_RECONSTITUER):
            continue
        try:
            out.append(ToCheck(attachment_id, kind, filename, piece_state, scor_conformity.inspect(content), None))
        except ValidationError as refused:
            out.append(ToCheck(attachment_id, kind, filename, piece_state, None, refused.message))
    return out


@use_case
def record_check(ctx: Context, ref: object, attachment_id: int, answers: Mapping[tuple[int, str], bool],
                 declared: object = None, *, every_page: Mapping[str, bool] | None = None
                 ) -> scor_conformity.Judgement:
    """Judge one piece (automatic checks run again on the stored bytes, the user's ``answers`` by page and
    criterion — or ``every_page``: one answer per criterion for all the pages —, the reasons the user
    ``declared``: codes of ``scor_conformity.DECLARED``) and store the verdict with its French reasons:
    CONFORME or NON CONFORME."""
    require(ctx, Permission.INVOICE_DRAFT)
    seen = scor_conformity.declared_reasons(declared)
    with ctx.db.transaction() as session:
        row = state.load(session, ref, lock=True)
        attachment = session.scalar(select(InvoiceAttachment).where(InvoiceAttachment.id == attachment_id,
                                                                    InvoiceAttachment.invoice_id == row.id))
        if attachment is None or _kind_of(attachment.kind) is None:
            raise NotFoundError(f"Pièce n° {quoted(attachment_id)} introuvable pour la facture n° {row.id}.",
                                code="attachment_not_found", field="piece")
        piece = _piece_row(ctx, session, attachment)
        try:
            inspection = scor_conformity.inspect(bytes(attachment.content))
            if every_page is not None:
                answers = {(page.number, criterion): value for page in inspection.pages
                           for criterion, value in every_page.items()}
            judgement = scor_conformity.judge(inspection, answers, seen)
            pages: int | None = len(judgement.pages)
        except ValidationError as refused:   # an unreadable file is a failing piece, with the reason why
            judgement = scor_conformity.Judgement(False, (refused.message, *(
                f"document : {scor_conformity.DECLARED[code]} (constaté)" for code in seen)), ())
            pages = None
        event = PieceEvent.JUDGE_CONFORMING if judgement.conforming else PieceEvent.JUDGE_FAILING
        move(ctx, session, piece, event, {"invoice_id": row.id, "reasons": list(judgement.reasons)},
             pages=pages, checks=json.dumps(judgement.pages, ensure_ascii=False),
             reasons=json.dumps(list(judgement.reasons), ensure_ascii=False),
             answers=json.dumps({**{f"{p}/{c}": v for (p, c), v in sorted(answers.items())},
                                 **{f"document/{code}": False for code in seen}}, ensure_ascii=False),
             checked_by=ctx.actor.login, checked_at=ctx.clock())
        return judgement


def record_answer(ctx: Context, ref: object, attachment_id: int, conforming: object, declared: object = None
                  ) -> scor_conformity.Judgement:
    """The manual's screen « Etat de la conformité »: « Le document est-il conforme ? » answered for the whole
    document (« oui » / « non »), with the reasons seen when « non » (codes of ``scor_conformity.DECLARED``).
    « oui » answers every question of every page; the automatic checks still decide with it."""
    require(ctx, Permission.INVOICE_DRAFT)
    answer = conforming if isinstance(conforming, bool) else (
        {"oui": True, "non": False}.get(conforming.strip().lower()) if isinstance(conforming, str) else None)
    problems = Problems()
    if answer is None:
        problems.add("conforme", "conforme : répondez « Conforme » ou « Non conforme ».", "required")
    try:
        seen = scor_conformity.declared_reasons(declared)
    except ValidationError as refused:
        problems.add("motifs", refused.message, refused.code)
        seen = ()
    if answer is True and seen:
        problems.add("motifs", "motifs : un document conforme n'a pas de motif de non-conformité ; décochez-les ou "
                     "répondez « Non conforme ».")
    if answer is False and not seen:
        problems.add("motifs", "motifs : choisissez au moins un motif de non-conformité.", "required")
    problems.raise_if_any()
    refused_questions = {scor_conformity.DECLARED_ANSWERS[code] for code in seen
                         if code in scor_conformity.DECLARED_ANSWERS}
    return record_check(ctx, ref, attachment_id, {}, seen,
                        every_page={criterion: criterion not in refused_questions
                                    for criterion in scor_conformity.QUESTIONS})


# --- one piece: read, delete, replace -----------------------------------------------------------------------

def _attachment(session: Session, row: Invoice, attachment_id: object) -> InvoiceAttachment:
    wanted = attachment_id if isinstance(attachment_id, int) and not isinstance(attachment_id, bool) else (
        int(attachment_id) if isinstance(attachment_id, str) and attachment_id.strip().isdigit()
        and len(attachment_id.strip()) < 12 else None)     # as typed on a command line
    attachment = session.scalar(select(InvoiceAttachment).where(InvoiceAttachment.id == wanted,
                                                                InvoiceAttachment.invoice_id == row.id)
                                ) if wanted is not None else None
    if attachment is None or _kind_of(attachment.kind) is None:
        raise NotFoundError(f"Pièce n° {quoted(attachment_id)} introuvable pour la facture n° {row.id}.",
                            code="attachment_not_found", field="piece")
    return attachment


def piece(ctx: Context, ref: object, attachment_id: object) -> PieceView:
    """One piece of an invoice as its row of the « Pièces jointes » tab."""
    require(ctx, Permission.READ)
    with ctx.db.read() as session:
        row = state.load(session, ref)
        attachment = _attachment(session, row, attachment_id)
        views = _rows(row, session.get(Patient, row.patient_id) if row.patient_id else None,
                      _pieces_of(session, [row.id])[row.id])
        return next(view for view in views if view.attachment_id == attachment.id)


def _remove_in(ctx: Context, session: Session, row: Invoice, attachment: InvoiceAttachment, why: str) -> None:
    """Delete a piece not sent yet (the table decides; a piece already in a SCOR lot stays), audited, the
    invoice's seal following the change."""
    if row.state not in FOLLOWED:
        raise StateError(f"Facture n° {row.id} : ses pièces SCOR se suppriment une fois la facture signée, tant "
                         "qu'elles ne sont pas envoyées.", code="scor_invoice_state", field="facture")
    found = session.scalar(select(ScorPiece).where(ScorPiece.attachment_id == attachment.id))
    if found is not None and found.scor_lot_id is not None:
        raise StateError(f"Pièce n° {attachment.id} déjà dans le lot SCOR n° {found.scor_lot_id} : elle part avec "
                         "lui et ne se supprime plus.", code="scor_state", field="piece")
    old = _state_of(found)
    transition(old, PieceEvent.REMOVE)
    removed = {"attachment_id": attachment.id, "kind": attachment.kind, "filename": attachment.filename,
               "sha256": attachment.sha256, "from": old.value, "why": why}
    audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="scor_piece.remove",
                 entity="scor_piece" if found is not None else "invoice",
                 entity_id=str(found.id if found is not None else row.id), data={"invoice_id": row.id, **removed})
    if found is not None:
        session.delete(found)
        session.flush()          # the SCOR row first: the attachment's deletion would cascade to it
    session.delete(attachment)
    session.flush()
    state.record(ctx, session, row, "attachment_remove", removed)


@use_case
def remove_piece(ctx: Context, ref: object, attachment_id: object) -> PieceView:
    """Delete a piece not sent yet (A CONTROLER, CONFORME, NON CONFORME, in no SCOR lot); what the invoice then
    needs of that kind (MANQUANT) is what is given back, or the piece's last row when nothing is needed."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.transaction() as session:
        row = state.load(session, ref, lock=True)
        attachment = _attachment(session, row, attachment_id)
        kind = _kind_of(attachment.kind)
        gone = _rows(row, None, [(attachment, session.scalar(
            select(ScorPiece).where(ScorPiece.attachment_id == attachment.id)))])[0]
        _remove_in(ctx, session, row, attachment, "supprimee")
        views = _rows(row, session.get(Patient, row.patient_id) if row.patient_id else None,
                      _pieces_of(session, [row.id])[row.id])
        return next((view for view in views if view.kind is kind and view.state is PieceState.MANQUANT), gone)


@use_case
def replace_piece(ctx: Context, ref: object, attachment_id: object, filename: str, content: bytes) -> PieceView:
    """Replace a piece not sent yet (typically NON CONFORME) by another file of the same kind, in one
    transaction: the old one deleted, the new one to be checked."""
    require(ctx, Permission.INVOICE_DRAFT)
    name = _file_name(filename)
    media_type = attachments.check_content(content)
    with ctx.db.transaction() as session:
        row = state.load(session, ref, lock=True)
        old = _attachment(session, row, attachment_id)
        kind, old_id = old.kind, old.id
        _remove_in(ctx, session, row, old, "remplacee")
        new_id = attachments.add_in_session(ctx, session, row, name, content, kind, media_type)
        attachment = session.get(InvoiceAttachment, new_id)
        assert attachment is not None
        _piece_row(ctx, session, attachment)
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="scor_piece.replace", entity="invoice",
                     entity_id=str(row.id), data={"replaced": old_id, "attachment_id": new_id, "type": kind})
        views = _rows(row, session.get(Patient, row.patient_id) if row.patient_id else None,
                      _pieces_of(session, [row.id])[row.id])
        return next(view for view in views if view.attachment_id == new_id)


# --- retention and purge ------------------------------------------------------------------------------------------

def retention_days(session: Session) -> int:
    """Days a piece is kept after sending: the setting ``retention_scor`` (FORMATS.md §4's 90 by default, six
    months at most: manual 003 IV), read from the teletransmission settings."""
    return settings.read(session).retention_scor


def purge_day(sent: datetime, days: int) -> date:
    return sent.date() + timedelta(days=days)


@dataclass(frozen=True)
class PurgeResult:
    day: date
    purged: tuple[int, ...]          # attachment ids whose content was deleted now

    def to_json(self) -> dict[str, object]:
        return {"date": self.day.isoformat(), "pieces_purgees": list(self.purged)}


@use_case
def purge(ctx: Context, day: date | None = None) -> PurgeResult:
    """Delete the content of every piece whose retention ended on ``day`` (today by default): ARCHIVE, the row
    and its SHA-256 kept. One transaction; run again, it finds nothing more to do."""
    require(ctx, Permission.INVOICE_DRAFT)
    when = day or ctx.clock().date()
    purgeable = [s.value for s in (PieceState.ENVOYE, PieceState.SAUVEGARDE_PARTIELLE, PieceState.A_RECONSTITUER)]
    with ctx.db.transaction() as session:
        due = session.execute(select(ScorPiece.id, InvoiceAttachment.invoice_id)
                              .join(InvoiceAttachment, InvoiceAttachment.id == ScorPiece.attachment_id)
                              .where(ScorPiece.state.in_(purgeable), ScorPiece.purge_on <= when)).all()
        by_invoice: dict[int, list[int]] = {}
        for piece_id, invoice_id in due:
            by_invoice.setdefault(invoice_id, []).append(piece_id)
        purged = []
        for invoice_id in sorted(by_invoice):          # locks in increasing order
            row = state.load(session, invoice_id, lock=True)
            for piece_id in sorted(by_invoice[invoice_id]):
                piece = session.get(ScorPiece, piece_id)
                attachment = session.get(InvoiceAttachment, piece.attachment_id) if piece else None
                if piece is None or attachment is None or piece.state not in purgeable:
                    continue
                move(ctx, session, piece, PieceEvent.PURGE, {"invoice_id": invoice_id, "sha256": attachment.sha256,
                                                             "day": when.isoformat()}, purged_at=ctx.clock())
                attachment.content = b""     # the row and its SHA-256 stay for the audit trail
                purged.append(attachment.id)
            state.record(ctx, session, row, "scor_purge", {"attachments": sorted(purged), "day": when.isoformat()})
        return PurgeResult(when, tuple(sorted(purged)))
