"""Root of the command tree. Each group lives in its own module and is registered here."""

from __future__ import annotations

import typer

from feuille import __version__
from feuille.cli import (
    admin,
    cards,
    care_sheet,
    ccam,
    db,
    demo,
    french,
    invoice_pieces,
    invoices,
    ngap,
    organisms,
    patients,
    portable,
    prescribers,
    pricing,
    professionals,
    wizard,
)
from feuille.cli.common import state

french.install()

app = typer.Typer(
    name="feuille",
    help="feuille : facturation SESAM-Vitale libre pour les professionnels de santé.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(
    utilisateur: str = typer.Option(None, "--utilisateur", "-u", envvar="FEUILLE_USER",
                                    help="Identifiant de l'utilisateur qui agit (défaut : admin)."),
    base: str = typer.Option(None, "--base", envvar="FEUILLE_DATABASE_URL",
                             help="URL de la base de données (défaut : SQLite dans le dossier utilisateur)."),
) -> None:
    state.user = utilisateur
    state.database_url = base


@app.command("version", help="Affiche la version de feuille.")
def version() -> None:
    typer.echo(f"feuille {__version__}")


for module in (professionals, patients, organisms, prescribers, pricing, ccam, ngap, cards, invoices, portable,
               demo, admin):
    module.register(app)
# Commands that live in their own modules but belong to an existing group.
care_sheet.register(invoices.app_invoice)              # feuille invoice feuille-de-soins
care_sheet.register_signature(professionals.pro_app)   # feuille pro signature ID FICHIER.png
wizard.register(invoices.app_invoice)                  # feuille invoice assistant
invoice_pieces.register(invoices.app_invoice)          # feuille invoice piece ID PIECE (prescription photo)
db.register(admin.db_app)                              # feuille db backup|restore FICHIER


def main() -> None:
    app()
