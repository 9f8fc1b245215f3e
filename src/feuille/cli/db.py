"""``feuille base backup FICHIER`` and ``feuille base restore FICHIER``: each followed by the audit chain's and the
invoices' verification, so that a practice knows the copy it keeps (or has just restored) is whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import typer
from rich.progress import Progress

from feuille import audit
from feuille.auth import Context, Permission, require
from feuille.billing import queries, verification
from feuille.cli.common import console, err_console, handle_errors, state
from feuille.config import get_settings
from feuille.storage import Database
from feuille.storage import backup as backups


def say(message: str) -> None:
    """One line as written (a path or a figure is never cut by the terminal's width)."""
    console.print(message, soft_wrap=True, markup=False, highlight=False)


FILE = typer.Argument(..., metavar="FICHIER", help="Fichier de sauvegarde.")
PROGRESS_FROM = 500  # invoices: below this, the verification is too quick for a progress bar


def _each_invoice(ids: list[int]) -> Iterator[int]:
    if len(ids) < PROGRESS_FROM:
        yield from ids
        return
    with Progress(console=err_console, transient=True) as progress:
        task = progress.add_task("Vérification des factures", total=len(ids))
        for invoice_id in ids:
            yield invoice_id
            progress.advance(task)


def check(ctx: Context, what: str) -> bool:
    """The audit verification, then every invoice's; prints the outcome in French, True when all is sound."""
    report = audit.verify(ctx.db)
    for entry in report.problems:
        err_console.print(f"Journal d'audit : {entry.message}", markup=False)
    failed = 0
    ids = queries.invoice_ids(ctx)
    for invoice_id in _each_invoice(ids):
        result = verification.verify_invoice(ctx, invoice_id)
        for problem in result.problems:
            err_console.print(f"Facture {invoice_id} : {problem}", markup=False)
        failed += not result.ok
    if report.ok and not failed:
        say(f"{what} vérifiée : journal d'audit intègre ({report.checked} entrée(s)), {len(ids)} "
                      "facture(s) sans anomalie.")
        return True
    err_console.print(f"{what} : {len(report.problems)} anomalie(s) du journal d'audit, {failed} facture(s) en "
                      "anomalie sur " f"{len(ids)}.", markup=False)
    return False


def backup_command(fichier: Path = FILE) -> None:
    ctx = state.context()
    require(ctx, Permission.AUDIT_VERIFY)
    backups.check_target(fichier)  # refused at once, before announcing anything
    err_console.print("Sauvegarde en cours (les autres postes peuvent continuer à travailler)…")
    result = backups.backup(ctx.db, fichier)
    say(f"Sauvegarde écrite : {result.path} ({result.size / 1_000_000:.1f} Mo).")
    if result.dialect == "sqlite":  # the copy itself is opened and checked
        copy = Database(f"sqlite:///{result.path.resolve()}")
        try:
            sound = check(Context(db=copy, actor=ctx.actor, clock=ctx.clock), "Sauvegarde")
        finally:
            copy.dispose()
    else:  # a dump is checked by restoring it; here, the database it was taken from
        sound = check(ctx, "Base sauvegardée")
    if not sound:
        raise typer.Exit(code=7)


def restore_command(fichier: Path = FILE) -> None:
    # Not state.database(): that would create the first administrator, and the database must stay empty.
    target = Database(state.database_url or get_settings().database_url)
    try:
        err_console.print("Restauration en cours…")
        backups.restore(target, fichier)
    finally:
        target.dispose()
    say(f"Sauvegarde {fichier} restaurée.")
    if not check(state.context(), "Base restaurée"):
        raise typer.Exit(code=7)


def register(db_app: typer.Typer) -> None:
    """Add ``backup`` and ``restore`` to ``feuille base``."""
    db_app.command("backup", help="Sauvegarde la base entière pendant que les postes travaillent (SQLite : "
                                  "sauvegarde en ligne ; PostgreSQL : pg_dump), puis vérifie le journal d'audit "
                                  "et les signatures des factures.")(handle_errors(backup_command))
    db_app.command("restore", help="Restaure une sauvegarde dans une base VIDE (refus sinon), puis vérifie le "
                                   "journal d'audit et les signatures des factures.")(handle_errors(restore_command))
