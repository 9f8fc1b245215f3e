"""Integrating NOEMIE return files, once (docs/returns.md).

- :func:`integrate_file`: a file given by path or bytes;
- :func:`integrate_received`: every NOEMIE mail the mailbox stored (``received_mails`` kind ``noemie``, outcome
  ``a_rapprocher``), each in its own transaction, the mail's outcome set in it (``integre``, ``deja_integre``,
  ``refuse``, ``illisible``).

**Once**: a file's bytes (SHA-256) and its identifier (emitter type, emitter number, file id) are unique in
``noemie_files``; a second integration changes nothing and says « déjà intégré le … » (code
``noemie_deja_integre``); two processes at once: the database's unique index lets one win, the other reports it.
**One transaction per file**: a crash anywhere leaves the file integrated or not, never half.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.errors import ConflictError, ValidationError, quoted
from feuille.formats import noemie_stream as ns
from feuille.returns import walk
from feuille.returns.matching import Problem
from feuille.returns.source import ReturnSource
from feuille.storage.models import NoemieFileRow, ReceivedMail
from feuille.storage.retry import use_case
from feuille.transmission import mail_message
from feuille.transmission import settings as tsettings
from feuille.transmission.checkpoints import checkpoint

ALREADY = "noemie_deja_integre"
#: The mail outcome for each file outcome.
MAIL_OUTCOMES = {"integre": "integre", "integre_partiel": "integre", "deja_integre": "deja_integre",
                 "refuse": "refuse", "illisible": "illisible"}
OUTCOME_LABELS = {"integre": "intégré", "integre_partiel": "intégré en partie (voir les problèmes)",
                  "refuse": "refusé", "deja_integre": "déjà intégré", "illisible": "illisible"}


@dataclass(frozen=True)
class IntegrationReport:
    """What one integration did (a view: no ORM row)."""

    source: str
    outcome: str                    # integre, integre_partiel, refuse, deja_integre, illisible
    message: str                    # French
    file_id: int | None = None
    invoices: int = 0
    matched: int = 0
    unmatched: int = 0
    problems: tuple[dict[str, Any], ...] = ()
    code: str | None = None         # noemie_deja_integre when already integrated
    integrated_at: datetime | None = None
    mail_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "resultat": self.outcome, "message": self.message, "fichier": self.file_id,
                "factures": self.invoices, "rapprochees": self.matched, "non_rapprochees": self.unmatched,
                "problemes": list(self.problems), "code": self.code,
                "integre_le": self.integrated_at.isoformat() if self.integrated_at else None,
                "courriel": self.mail_id}


def _why(error: OSError | ValueError) -> str:
    if isinstance(error, FileNotFoundError):
        return "fichier introuvable"
    if isinstance(error, IsADirectoryError):
        return "c'est un dossier"
    if isinstance(error, PermissionError):
        return "accès refusé"
    return "erreur de lecture" if isinstance(error, OSError) else "nom de fichier invalide"


def _read(source: Path | str | bytes, name: str | None) -> ReturnSource:
    if isinstance(source, bytes):
        return ReturnSource(name or "données", data=source)
    path = Path(source)
    try:
        return ReturnSource(name or path.name, path=path)
    except (OSError, ValueError) as error:   # ValueError: a NUL in the name
        raise ValidationError(f"Fichier NOEMIE {quoted(str(path), 80)} illisible ({_why(error)}).",
                              code="noemie_fichier", field="fichier") from None


def integrate_file(ctx: Context, source: Path | str | bytes, *, name: str | None = None) -> IntegrationReport:
    """Integrate one return file (path or bytes) in one transaction; see the module docstring."""
    require(ctx, Permission.INVOICE_DRAFT)
    report = _integrate(ctx, _read(source, name), None)
    assert report is not None  # only a mail may have been done by another desk
    return report


def integrate_received(ctx: Context) -> list[IntegrationReport]:
    """Integrate every NOEMIE mail waiting in ``received_mails``, each in its own transaction, in arrival order."""
    require(ctx, Permission.INVOICE_DRAFT)
    with ctx.db.read() as session:
        waiting = list(session.scalars(select(ReceivedMail.id).where(
            ReceivedMail.kind == "noemie", ReceivedMail.outcome == "a_rapprocher").order_by(ReceivedMail.id)))
    reports = []
    for mail_id in waiting:
        report = _integrate(ctx, None, mail_id)
        if report is not None:
            reports.append(report)
    return reports


def _existing(session: Session, sha: str, identifier: tuple[str, str, str] | None) -> NoemieFileRow | None:
    condition = NoemieFileRow.sha256 == sha
    if identifier is not None:
        condition = or_(condition, (NoemieFileRow.emitter_type == identifier[0])
                        & (NoemieFileRow.emitter_number == identifier[1]) & (NoemieFileRow.file_id == identifier[2]))
    return session.scalar(select(NoemieFileRow).where(condition).order_by(NoemieFileRow.id).limit(1))


def _already(row: NoemieFileRow, source: str, mail_id: int | None) -> IntegrationReport:
    same = "les mêmes octets" if source and row.source == source else f"« {row.source} »"
    return IntegrationReport(
        source, "deja_integre", f"Fichier NOEMIE déjà intégré le {row.integrated_at:%d/%m/%Y à %H:%M} (fichier "
        f"n° {row.id}, {same}, émetteur {row.emitter_number.strip()} n° {row.file_id}) : rien n'a changé.",
        file_id=row.id, code=ALREADY, integrated_at=row.integrated_at, mail_id=mail_id)


def _set_mail(session: Session, mail_id: int | None, outcome: str) -> None:
    if mail_id is not None:
        session.execute(update(ReceivedMail).where(ReceivedMail.id == mail_id, ReceivedMail.outcome == "a_rapprocher")
                        .values(outcome=MAIL_OUTCOMES[outcome]))


def _load_mail(session: Session, mail_id: int) -> tuple[ReturnSource | None, IntegrationReport | None]:
    mail = session.scalar(select(ReceivedMail).where(ReceivedMail.id == mail_id).with_for_update())
    if mail is None or mail.outcome != "a_rapprocher":
        return None, None                      # another desk did it meanwhile
    incoming = mail_message.read_incoming(mail.message_id, mail.raw)
    source = f"courriel {mail.message_id}"[:255]
    if incoming.junk or not incoming.payload:
        _set_mail(session, mail_id, "illisible")
        problem = Problem("courriel_illisible", f"Courriel illisible : {incoming.problem or 'pièce vide'}.")
        return None, IntegrationReport(source, "illisible", problem.message, problems=(problem.to_json(),),
                                       mail_id=mail_id)
    return ReturnSource(source, data=incoming.payload), None


@use_case
def _integrate(ctx: Context, given: ReturnSource | None, mail_id: int | None) -> IntegrationReport | None:
    current = given
    try:
        with ctx.db.transaction() as session:
            if mail_id is not None:
                current, done = _load_mail(session, mail_id)
                if current is None:
                    return done  # None: another desk integrated this mail meanwhile
            assert current is not None
            report = _walk(ctx, session, current, mail_id)
            checkpoint("retour_avant_commit")
        checkpoint("retour_apres_commit")
        return report
    except IntegrityError:
        # Another process integrated the same bytes or identifier between our check and our insert.
        assert current is not None
        return _after_race(ctx, current, mail_id)
    except walk.Refused as refused:
        assert current is not None
        try:
            return _store_refused(ctx, current, mail_id, refused)
        except IntegrityError:   # the same refused file stored by another desk meanwhile
            return _after_race(ctx, current, mail_id)


def _walk(ctx: Context, session: Session, current: ReturnSource, mail_id: int | None) -> IntegrationReport:
    known = _existing(session, current.sha, None)
    if known is not None:
        _set_mail(session, mail_id, "deja_integre")
        return _already(known, current.name, mail_id)
    auto = tsettings.read(session).lettrage_auto
    run = walk.Walk(ctx, session, current, mail_id, auto)
    try:
        run.run()
    except walk.Already as already:
        row = session.get(NoemieFileRow, already.file_id)
        assert row is not None
        _set_mail(session, mail_id, "deja_integre")
        return _already(row, current.name, mail_id)
    problems = tuple(p.to_json() for p in run.problems)
    if run.file_id is None:
        _set_mail(session, mail_id, "illisible")
        return IntegrationReport(current.name, "illisible", "Fichier NOEMIE illisible : aucun en-tête lisible, "
                                 "rien n'a été intégré.", problems=problems, mail_id=mail_id)
    outcome = run.finish()
    _set_mail(session, mail_id, outcome)
    audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="noemie.integrate", entity="noemie_file",
                 entity_id=str(run.file_id), data={"source": current.name, "sha256": current.sha,
                                                   "resultat": outcome, "factures": run.invoices,
                                                   "non_rapprochees": run.unmatched, "courriel": mail_id})
    pending = "" if auto else " (lettrage automatique désactivé : feuille noemie rapprocher)"
    message = (f"Fichier NOEMIE {OUTCOME_LABELS[outcome]} : {run.invoices} facture(s), {run.matched} rapprochée(s), "
               f"{run.unmatched} non rapprochée(s){pending}, {len(run.problems)} problème(s).")
    return IntegrationReport(current.name, outcome, message, file_id=run.file_id, invoices=run.invoices,
                             matched=run.matched, unmatched=run.unmatched,
                             problems=tuple(p.to_json() for p in run.problems), integrated_at=ctx.clock(),
                             mail_id=mail_id)


def _identifier(start: Any) -> tuple[str, str, str]:
    h = start.header
    return h.emitter_type.strip()[:2], h.emitter_number.strip()[:14], h.file_id.strip()[:6]


@use_case
def _after_race(ctx: Context, current: ReturnSource, mail_id: int | None) -> IntegrationReport:
    with ctx.db.transaction() as session:
        row = _existing(session, current.sha, None)
        if row is None:  # the identifier collided, not the bytes: find it through the header
            start = next((e for e in ns.iter_returns(current.for_stream()) if isinstance(e, ns.Start)), None)
            row = _existing(session, current.sha, _identifier(start) if start else None)
        if row is None:
            raise ConflictError("Fichier NOEMIE : un autre poste l'intègre en même temps ; recommencez.",
                                code="noemie_conflit", field="fichier")
        _set_mail(session, mail_id, "deja_integre")
        return _already(row, current.name, mail_id)


@use_case
def _store_refused(ctx: Context, current: ReturnSource, mail_id: int | None,
                   refused: walk.Refused) -> IntegrationReport:
    """A file for another professional: kept (its bytes, the problem), nothing of it integrated."""
    with ctx.db.transaction() as session:
        known = _existing(session, current.sha, _identifier(refused.start))
        if known is not None:
            _set_mail(session, mail_id, "deja_integre")
            return _already(known, current.name, mail_id)
        files = walk.table(NoemieFileRow)
        values = walk.file_row(refused.start, sha=current.sha, size=current.size, source=current.name,
                               mail_id=mail_id, outcome="refuse", problems=[refused.problem],
                               actor=ctx.actor.login, at=ctx.clock())
        file_id = session.execute(insert(files).returning(files.c.id), [values]).scalar_one()
        walk.store_chunks(session, file_id, current)
        _set_mail(session, mail_id, "refuse")
        audit.record(session, actor=ctx.actor.login, at=ctx.clock(), action="noemie.refuse", entity="noemie_file",
                     entity_id=str(file_id), data={"source": current.name, "sha256": current.sha,
                                                   "raison": refused.problem.message, "courriel": mail_id})
    return IntegrationReport(current.name, "refuse", refused.problem.message, file_id=file_id,
                             problems=(refused.problem.to_json(),), integrated_at=ctx.clock(), mail_id=mail_id)
