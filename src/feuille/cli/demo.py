"""``feuille demo``: load the manuals' demo data, then a guided tour of the practice in the terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import typer
from rich.panel import Panel
from rich.table import Table

from feuille import audit
from feuille.auth import ROLE_LABELS, Context, Role, actor_for, list_users
from feuille.billing.drafts import create_draft
from feuille.billing.rate_check import check_rates
from feuille.billing.securing import secure
from feuille.billing.verification import verify_invoice
from feuille.cards.port import CardError
from feuille.cards.virtual import reader_from_settings
from feuille.catalog.ccam_search import DbCcamTariffs, current_version, search, sql_search_keywords
from feuille.cli import demo_returns
from feuille.cli.common import console, handle_errors, state
from feuille.cli.rights import show as show_rights
from feuille.config import default_test_caisse_dir
from feuille.demo import DEMO_PASSWORDS, load_demo
from feuille.domain.professionals import KIND_LABELS, Kind
from feuille.errors import FeuilleError
from feuille.money import format_euros_fr
from feuille.practice import amc_contracts, favourites, organisms, patients, prescribers, professionals
from feuille.pricing import price_document
from feuille.returns import receiving
from feuille.rights import lookup
from feuille.rights import settings as rights_settings
from feuille.transmission import auto, mail_settings
from feuille.transmission.mail_transport import configured_transport

DEMO_INVOICE = {
    "date": "2025-01-01",
    "professional": {"profession": "medecin", "specialty": "01", "sector": 1},
    "coverage": {"nature": "maladie", "exoneration": "0", "ald_related": False, "regime_local": False,
                 "parcours": "T", "rate": None},
    "amc": {"formula": "052", "percent": None, "amount": None},
    "acts": [{"code": "C", "coefficient": 1, "quantity": 1},
             {"code": "AFLB001", "activity": "1", "phase": "0", "association": "1"}],
}


def _pause(interactive: bool) -> None:
    if interactive:
        typer.prompt("Entrée pour continuer", default="", show_default=False, prompt_suffix=" ↵ ")


def _section(title: str, text: str) -> None:
    console.rule(f"[bold]{title}")
    console.print(text, highlight=False)


def _practice(ctx: Context) -> None:
    _section("1. Le cabinet", "Les professionnels connus (titulaires et remplaçants), enregistrés depuis leur "
                              "carte CPS.")
    table = Table("Nom", "N° de facturation", "Spécialité", "Type")
    for pro in professionals.list_professionals(ctx):
        table.add_row(f"{pro.last_name} {pro.first_name or ''}", pro.billing_number, pro.specialty,
                      KIND_LABELS[Kind(pro.kind)])
    console.print(table)
    users = Table("Utilisateur", "Rôle")
    for user in list_users(ctx):
        users.add_row(user.login, ROLE_LABELS[Role(user.role)])
    console.print(users)


def _organisms(ctx: Context) -> None:
    _section("2. Organismes", "Les listes AMO (régime, caisse, centre) et AMC (mutuelles) des Paramètres SV.")
    amo = Table("Régime", "Caisse", "Centre", "Libellé")
    for org in organisms.list_amo_organisms(ctx)[:6]:
        amo.add_row(org.regime, org.caisse, org.centre, org.name or "")
    console.print(amo)
    amc = Table("Mutuelle", "Numéro")
    for mutuelle in organisms.list_amc_organisms(ctx, "A")[:6]:
        amc.add_row(mutuelle.name, mutuelle.number or "")
    console.print(amc)


def _patients(ctx: Context) -> None:
    _section("3. Patients", "Recherche par les premières lettres du nom ou du prénom (« ES », puis « NAT »).")
    for prefix in ("ES", "NAT"):
        table = Table("N°", "Nom", "Prénom", "Né(e) le", "Rang", "NIR assuré", title=f"Recherche « {prefix} »")
        for p in patients.search_patients(ctx, prefix):
            table.add_row(str(p.id), p.last_name, p.first_name or "", p.birth_date, str(p.rank), p.insured_nir or "")
        console.print(table)
    found = patients.search_patients(ctx, "DESMAUX")
    if found:
        contracts = amc_contracts.list_amc_contracts(ctx, found[0].id)
        lines = [f"{'→ ' if c.selected else '  '}{c.label()} — formule {c.formula or ''} "
                 f"{c.formula_rate or c.fixed_amount or ''}" for c in contracts] or ["aucune"]
        console.print(Panel("\n".join(lines), title=f"Complémentaires de {found[0].last_name} {found[0].first_name}"))


def _prescribers(ctx: Context) -> None:
    _section("4. Prescripteurs et favoris", "Les prescripteurs du manuel et les favoris d'actes des praticiens.")
    table = Table("Nom", "Prénom", "Numéro")
    for p in prescribers.search_prescribers(ctx):
        table.add_row(p.last_name, p.first_name or "", p.number)
    console.print(table)
    favs = Table("Praticien", "Favori", "Actes")
    for pro in professionals.list_professionals(ctx):
        for fav in favourites.search_favourites(ctx, pro.id):
            favs.add_row(pro.last_name, fav.label, ", ".join(a.code for a in fav.acts))
    console.print(favs)


def _ccam(ctx: Context) -> None:
    version = current_version(ctx)
    _section("5. Nomenclature CCAM", f"Table CCAM version {version.version if version else '?'} "
                                     "(échantillon livré ; `feuille ccam importer` charge la table complète).")
    table = Table("Code", "Libellé", title="Recherche « AFL »")
    for act in search(ctx, "AFL", mode="code")[:8]:
        table.add_row(act.code, act.short_label or act.label)
    console.print(table)
    console.print("Mots-clés commençant par « Péri » : " + ", ".join(sql_search_keywords(ctx, "Péri")[:8]))


def _pricing(ctx: Context) -> None:
    _section("6. Tarification", "Consultation C et péridurale AFLB001 (tarif lu dans la table CCAM), maladie, "
                                "parcours T, complémentaire en formule 052 (100 % du ticket modérateur).")
    result = price_document(DEMO_INVOICE, DbCcamTariffs(ctx.db))
    table = Table("Acte", "Montant", "Base", "Taux", "AMO", "AMC", "Patient")
    for line in result["lines"]:
        table.add_row(line["code"], line["total"], line["base"], f"{line['rate']} %", line["amo"], line["amc"],
                      line["patient"])
    totals = result["totals"]
    table.add_row("[bold]Total", totals["total"], "", "", totals["amo"], totals["amc"], totals["patient"])
    console.print(table)
    console.print(Panel("\n".join(result["trace"]), title="Règles appliquées"))


def _invoice(ctx: Context) -> None:
    _section("7. Facture sécurisée", "Le Dr MEDECIN0043390 insère sa CPS (code 1234) et la carte Vitale d'ESSAI Alain, "
                                     "crée la facture d'une consultation G, contrôle les taux, puis la sécurise en "
                                     "mode synchronisé : signature réelle par PKCS#11 (jeton SoftHSM2). Puis de même "
                                     "pour RDTBUT QUATRE Adu A (sa carte Vitale).")
    reader = reader_from_settings()
    if not reader.names():
        console.print("Aucune carte virtuelle : lancez « python -m feuille_sim.cards provision » (fait par "
                      "« make demo »).")
        return
    doctor = Context(db=ctx.db, actor=actor_for(ctx.db, "vmedecin"), clock=ctx.clock)
    reader.insert("cps-medecin")
    # RDTBUT QUATRE's card holds two beneficiaries of rank 1 on one NIR: the patient is named by its id
    rdtbut = [{"id": p.id} for p in patients.search_patients(ctx, "RDTBUT", limit=5) if p.first_name == "Adu A"]
    billed: list[tuple[str, dict[str, object]]] = [("vitale-essai", {"nir": "142196296516596", "rank": 1})]
    for card, patient in billed + [("vitale-rdtbut", found) for found in rdtbut[:1]]:
        reader.insert(card)
        draft = create_draft(doctor, {
            "date": doctor.clock().date().isoformat(), "patient": patient,
            "professional": "00103390 1", "coverage": {"nature": "maladie", "exoneration": "0", "parcours": "T"},
            "amc": None, "acts": [{"code": "G"}], "payer": {"tp_amo": True}})
        check_rates(doctor, draft.id)
        secured = secure(doctor, draft.id, "synchronise", reader, pin="1234")
        verification = verify_invoice(doctor, secured.id)
        totals = secured.totals
        console.print(f"Facture n° {secured.number} ({secured.state_label}) : total {_euros(totals, 'total')}, AMO "
                      f"{_euros(totals, 'amo')}, patient {_euros(totals, 'patient')} ; signatures "
                      f"{'valides' if verification.ok else 'INVALIDES'} ({len(verification.checks)}).")


def _euros(totals: dict[str, str], key: str) -> str:
    return format_euros_fr(Decimal(totals[key]))


def _rights(ctx: Context) -> None:
    _section("8. Droits du patient (ADRi)", "Le Dr MEDECIN0043390 interroge le service ADRi de la caisse de test sur "
                                            "les droits d'ADRUN (écran « Consultation ADRI - ADRUN » du manuel, "
                                            "date de référence 01/01/2025), requête signée par sa CPS.")
    if _caisse_connection(ctx) is None:
        return
    reader = reader_from_settings()
    adrun = patients.search_patients(ctx, "ADRUN", limit=1)
    if not reader.names() or not adrun:
        console.print("Cartes virtuelles ou patient ADRUN absents : étape sautée.")
        return
    doctor = Context(db=ctx.db, actor=actor_for(ctx.db, "vmedecin"), clock=ctx.clock)
    card, _ = reader.insert("cps-medecin")
    try:
        reader.verify_pin(card.serial, "1234")
        view = lookup.lookup_rights(doctor, adrun[0].id, reader, reference=date(2025, 1, 1))
    except (FeuilleError, CardError) as error:
        console.print(f"ADRi : {getattr(error, 'message', error)}")
        return
    if view.other_person:
        console.print(view.question())
    show_rights(view)
    console.print(f"Choix à faire par l'utilisateur : feuille patient droits {view.patient_id} --appliquer "
                  "tout|aucun|CHAMPS (le tour ne modifie pas le dossier).")


def _caisse_connection(ctx: Context) -> rights_settings.Connection | None:
    """The caisse de test the practice is connected to (the one ``make demo`` started, connected on the way), or
    None with the French way to start one."""
    connection = rights_settings.get_connection(ctx) or _connect_default(ctx)
    if connection is None:
        console.print("Aucune caisse de test reliée : lancez-la (« make demo ») puis « feuille caisse-de-test "
                      "connecter DOSSIER ».")
    return connection


def _connect_default(ctx: Context) -> rights_settings.Connection | None:
    """``make demo`` starts the caisse de test in the data folder: connect to it when it runs."""
    folder = default_test_caisse_dir()
    if not (folder / "ports.json").exists():
        return None
    try:
        return mail_settings.connect_test_caisse(ctx, folder)[0]
    except FeuilleError as error:
        console.print(f"Caisse de test : {error.message}")
        return None


def _teletransmission(ctx: Context) -> None:
    _section("9. Télétransmission", "« Télétransmettre Auto » : les factures sécurisées du jour sont mises en lot "
                                    "et en fichier B2, envoyées par courriel chiffré à la caisse de test, qui "
                                    "répond par un ARL (accusé de réception logique).")
    connection = _caisse_connection(ctx)
    if connection is None:
        return
    _teletransmit(ctx, connection)
    console.print("La suite : feuille teletransmission lots (suivi), feuille teletransmission bordereau --date "
                  "JJ/MM/AAAA (bordereau PDF).")


def _teletransmit(ctx: Context, connection: rights_settings.Connection) -> None:
    """« Télétransmettre Auto » (the mailbox connected on the way), its lots and ARLs shown."""
    try:
        try:
            transport = configured_transport(ctx)
        except FeuilleError as missing:
            if missing.code != "mail_not_configured":
                raise
            mail_settings.connect_test_caisse(ctx, connection.directory)   # the mailbox's password: secret store
            transport = configured_transport(ctx)
        report = auto.run(ctx, transport)
        integrated = receiving.after_exchange(ctx)   # « Intégrer les fichiers RSP après télétransmission »
    except FeuilleError as error:
        console.print(f"Télétransmission : {error.message}")
        return
    table = Table("Lot", "Organisme", "Envoi", "État", "Libellé ARL")
    arls = {arl.lot_id: arl for arl in report.exchange.received.arls}
    for sent in report.exchange.sent:
        arl = arls.get(sent.lot_id)
        table.add_row(sent.lot_number, sent.organism, sent.error or f"courriel {sent.stamp}",
                      arl.state if arl else sent.state, arl.label if arl else "")
    if report.exchange.sent:
        console.print(table)
    else:
        console.print("Aucune nouvelle facture à télétransmettre (déjà envoyées lors d'une visite précédente).")
    for done in integrated or ():
        console.print(f"Retour NOEMIE {done.source} : {done.message}", markup=False)


def _returns(ctx: Context) -> None:
    _section("10. Retours NOEMIE", "La caisse de test paie les lots acceptés après son délai de paiement : son horloge "
                                   "avance (feuille-sim avancer), feuille relève la boîte aux lettres, intègre les "
                                   "retours NOEMIE (une seule fois chacun) et rapproche chaque paiement de sa "
                                   "facture. Le scénario de la démonstration rejette la facture de RDTBUT QUATRE du "
                                   "premier lot (droits fermés).")
    connection = _caisse_connection(ctx)
    if connection is None or not demo_returns.safely(
            lambda: demo_returns.advance_and_receive(ctx, connection.directory), "Retours"):
        return
    demo_returns.show_follow_up(ctx)
    demo_returns.show_rejects(ctx)


def _correction(ctx: Context) -> None:
    _section("11. Correction du rejet", "La facture rejetée est corrigée par une nouvelle facture (nouveau numéro, "
                                        "liée à la première), sécurisée avec les cartes virtuelles, envoyée dans un "
                                        "nouveau lot ; la caisse la paie.")
    connection = _caisse_connection(ctx)
    if connection is None:
        return
    doctor = Context(db=ctx.db, actor=actor_for(ctx.db, "vmedecin"), clock=ctx.clock)
    corrected = demo_returns.correct_rejected(doctor, reader_from_settings())
    if corrected is None:
        return
    _teletransmit(ctx, connection)
    if demo_returns.safely(lambda: demo_returns.advance_and_receive(ctx, connection.directory), "Retours"):
        demo_returns.show_follow_up(ctx, lambda line: line.invoice_id in corrected)


def _transfers(ctx: Context) -> None:
    _section("12. Suivi des virements", "Les virements reçus (date, libellé, organisme payeur, montant) et leur "
                                        "contrôle : factures payées + paiements ponctuels − retenues = montant du "
                                        "virement ; puis le détail du dernier.")
    demo_returns.safely(lambda: demo_returns.show_transfers(ctx), "Virements")


def _audit(ctx: Context) -> None:
    report = audit.verify(ctx.db)
    _section("13. Journal d'audit", f"Chaque modification est chaînée : {report.checked} entrées, "
                                   f"{'intègre' if report.ok else 'ALTÉRÉ'}.")


TOUR: list[Callable[[Context], None]] = [_practice, _organisms, _patients, _prescribers, _ccam, _pricing, _invoice,
                                         _rights, _teletransmission, _returns, _correction, _transfers, _audit]


def _web_accounts(address: str) -> None:
    """What ``make demo`` prints last: where the web application answers and the demo's accounts."""
    table = Table("Identifiant", "Mot de passe", "Rôle", title=f"Application web : {address}")
    roles = {user.login: ROLE_LABELS[Role(user.role)] for user in list_users(state.context())}
    for login, password in DEMO_PASSWORDS:
        table.add_row(login, password, roles.get(login, ""))
    console.print(table)
    console.print("Ces mots de passe sont ceux de la démonstration : changez-les avant tout usage réel.")


def demo(
    sans_pause: bool = typer.Option(False, "--sans-pause", help="Enchaîne la visite sans attendre Entrée."),
    comptes_web: str = typer.Option("", "--comptes-web", metavar="ADRESSE",
                                    help="Affiche seulement l'adresse de l'application web et les comptes de la "
                                         "démonstration."),
) -> None:
    """Charge les données de démonstration des manuels puis fait visiter le cabinet."""
    ctx = state.context()
    loaded = load_demo(ctx)
    if comptes_web:
        _web_accounts(comptes_web)
        return
    console.print(Panel(f"Base : {ctx.db.url}\nDonnées de démonstration chargées (CCAM {loaded.ccam_version}).",
                        title="feuille — démonstration"))
    interactive = sys.stdin.isatty() and not sans_pause
    for step in TOUR:
        step(ctx)
        _pause(interactive)
    console.print("Fin de la visite. [bold]feuille --help[/] liste toutes les commandes.")


def register(app: typer.Typer) -> None:
    app.command("demo", help="Charge les données de démonstration des manuels et fait visiter le cabinet.")(
        handle_errors(demo))
