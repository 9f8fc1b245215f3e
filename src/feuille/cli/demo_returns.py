"""The tour's steps after the teletransmission: the NOEMIE returns of the caisse de test, the correction of the
rejected invoice, the transfers (``feuille demo``, ``make demo``).

The caisse de test is the one ``make demo`` started (``FEUILLE_SIM_DIR``, else ``caisse-de-test`` in the data
folder); the product never imports it: the tour runs its command line, ``feuille-sim`` beside this Python, to
load the demo scenario and move its clock past the payment delay. **feuille's own** demo scenario
(docs/caisse-de-test.md): the caisse rejects RDTBUT QUATRE Adu A's invoice of the professional's **first** lot
(« droits fermés »); its correction, a new invoice in a later lot, is paid.

Run again, the tour adds nothing twice: the caisse is advanced only while invoices wait for their return, a
return is integrated once, a rejected invoice is corrected once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from rich.table import Table

from feuille.auth import Context
from feuille.billing.rate_check import check_rates
from feuille.billing.securing import secure
from feuille.cards.port import CardError
from feuille.cards.virtual import VirtualCardReader
from feuille.cli.common import console
from feuille.domain import follow_up as fu
from feuille.errors import FeuilleError
from feuille.money import format_euros_fr
from feuille.returns import corrections, receiving, rejects, transfers
from feuille.returns.follow_up import FollowUpLine, list_follow_up, parse_filters
from feuille.transmission.mail_transport import configured_transport

REJECTED_NIR = "169036600040952"        # RDTBUT QUATRE Adu A (manual 003's tiers payant card, vitale-rdtbut)
PAYMENT_DELAY = 5                       # the caisse de test's default (docs/caisse-de-test.md « Paiements »)
SCENARIO = {"nom": "démonstration de feuille", "regles": [
    {"regle": "rejeter", "nir": REJECTED_NIR, "motif": "Droits AMO fermés à la date des soins", "lot": 1},
    {"regle": "delai_paiement", "jours": PAYMENT_DELAY}]}
WAITING = (fu.FollowUp.EN_COURS,)


def sim(directory: Path, *args: str) -> str | None:
    """Run ``feuille-sim ARGS --dir DIRECTORY``; its French refusal, or None when it worked."""
    script = Path(sys.executable).with_name("feuille-sim")
    try:
        done = subprocess.run([str(script), *args, "--dir", str(directory)], capture_output=True, text=True,
                              timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"feuille-sim {args[0]} : {error}"
    return None if done.returncode == 0 else (done.stderr or done.stdout).strip()


def load_scenario(directory: Path) -> str | None:
    path = directory / "scenario-demo.json"
    path.write_text(json.dumps(SCENARIO, ensure_ascii=False, indent=1), encoding="utf-8")
    return sim(directory, "scenario", str(path))


def follow_up_lines(ctx: Context) -> list[FollowUpLine]:
    return list_follow_up(ctx, parse_filters(per_page=50)).lines


def advance_and_receive(ctx: Context, folder: str | Path) -> bool:
    """Move the caisse's clock past its payment delay when invoices wait for a return, then fetch and integrate
    (once each). False when the caisse could not be driven (the reason printed)."""
    directory = Path(folder)
    waiting = [line for line in follow_up_lines(ctx) if line.state in WAITING]
    if waiting:
        refused = load_scenario(directory) or sim(directory, "avancer", "--jours", str(PAYMENT_DELAY))
        if refused:
            console.print(f"Caisse de test : {refused}", markup=False)
            return False
        console.print(f"La caisse de test avance de {PAYMENT_DELAY} jours (feuille-sim avancer) : elle paie les "
                      f"lots acceptés ({len(waiting)} facture(s) en attente).")
    else:
        console.print("Aucune facture en attente de retour : la caisse n'est pas avancée.")
    done = receiving.receive(ctx, configured_transport(ctx))
    for report in done.integrated:
        console.print(f"{report.source} : {report.message}", markup=False)
    if not done.integrated:
        console.print("Aucun nouveau retour NOEMIE (déjà intégrés lors d'une visite précédente).")
    return True


def show_follow_up(ctx: Context, keep: Callable[[FollowUpLine], bool] | None = None) -> list[FollowUpLine]:
    page = list_follow_up(ctx, parse_filters(per_page=20))
    lines = [line for line in page.lines if keep is None or keep(line)]
    table = Table("N°", "Client", "Lot", "Attendu", "Payé", "Restant dû", "État", "Suite", title="Suivi Facturations")
    for line in lines:
        table.add_row(str(line.number or ""), line.patient, line.lot, format_euros_fr(line.expected),
                      format_euros_fr(line.paid), format_euros_fr(line.remaining), line.state_label,
                      "; ".join(filter(None, (line.follow_on, *line.notes))))
    console.print(table)
    console.print(page.footer)
    return lines


def show_transfers(ctx: Context) -> None:
    today = ctx.clock().date()
    _, found = transfers.listing_transfers(ctx, start=today - timedelta(days=60), end=today + timedelta(days=3650),
                                           limit=200)
    if not found:
        console.print("Aucun virement reçu.")
        return
    table = Table("N°", "Date", "Libellé du virement", "Organisme payeur", "Payé", "Contrôle", title="Virements")
    for item in found[-10:]:
        table.add_row(str(item.id), f"{item.settlement_date:%d/%m/%Y}", item.label, item.paying_organism,
                      format_euros_fr(item.paid), item.check.message())
    console.print(table)
    detail = transfers.detail(ctx, found[-1].id)
    lines = [f"Virement n° {found[-1].id} du {found[-1].settlement_date:%d/%m/%Y} :"]
    lines += [f"  facture n° {paid.number.lstrip('0')} {paid.patient_name}".rstrip() + " : AMO "
              f"{format_euros_fr(paid.amo_paid)}, AMC {format_euros_fr(paid.amc_paid)}" for paid in detail.invoices]
    lines += [f"  {m.operation} {m.debt_reference} : {format_euros_fr(m.amount)}" for m in detail.movements]
    check = detail.transfer.check
    lines.append(f"Factures {format_euros_fr(check.invoices)} + paiements ponctuels {format_euros_fr(check.one_off)}"
                 f" − retenues {format_euros_fr(check.withheld)} = {format_euros_fr(check.computed)} : "
                 f"{check.message()}")
    console.print("\n".join(lines), markup=False)
    console.print(f"Détail : feuille virements detail {found[-1].id} ; feuille virements liste --csv FICHIER.")


def safely(action: Callable[[], object], what: str) -> bool:
    try:
        action()
    except FeuilleError as error:
        console.print(f"{what} : {error.message}", markup=False)
        return False
    return True


def show_rejects(ctx: Context) -> None:
    for item in rejects.list_rejects(ctx).lines:
        line = item.line
        console.print(f"Rejet : facture n° {line.number} de {line.patient} (lot {line.lot}), code {item.codes} : "
                      f"{item.reason}" + (f" ({line.follow_on})" if line.follow_on else ""), markup=False)


def correct_rejected(ctx: Context, reader: VirtualCardReader) -> set[int] | None:
    """Correct every rejected invoice not corrected yet: a new linked draft, its rates checked, secured in
    SESAM sans Vitale with the doctor's CPS (the patient is not at the desk). The ids of the corrections, or None
    when there is nothing to correct (the reason printed)."""
    waiting = rejects.list_rejects(ctx, unhandled_only=True).lines
    if not waiting:
        console.print("Aucun rejet à corriger (déjà corrigé lors d'une visite précédente).")
        return None
    done: set[int] = set()
    for item in waiting:
        try:
            correction = corrections.correct(ctx, item.line.invoice_id)
            check_rates(ctx, correction.draft_id)
            reader.insert("cps-medecin")
            reader.remove("vitale")
            secured = secure(ctx, correction.draft_id, "sans-vitale", reader, pin="1234")
        except (FeuilleError, CardError) as error:
            console.print(f"Correction de la facture n° {item.line.number} : {getattr(error, 'message', error)}",
                          markup=False)
            continue
        console.print(f"Facture n° {item.line.number} corrigée par la facture n° {secured.number} "
                      "(sécurisée en SESAM sans Vitale avec la CPS du médecin).", markup=False)
        done.add(correction.draft_id)
    return done or None
