"""CLI group ``feuille noemie`` (issue 13): ``lire FICHIER`` decodes any NOEMIE return (either physical form) with
the stream of ``feuille.formats.noemie_stream`` and shows, as it reads, its header, settlements, invoices, movements,
one-off payments and every problem (entity number and byte offset), in French; ``--json`` writes the same events as
one JSON document, written event by event (a file of a million records is never held). The integration commands
are added by ``cli/noemie_returns.py``."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import typer

from feuille.cli.common import console, handle_errors
from feuille.errors import ValidationError
from feuille.formats import noemie_stream as ns
from feuille.money import format_euros_fr

HELP = "Retours NOEMIE : lecture d'un fichier, intégration, fichiers intégrés."
app = typer.Typer(help=HELP, no_args_is_help=True)

#: The ``type`` of each event in the JSON output.
KINDS = {ns.Start: "debut", ns.SettlementStart: "reglement", ns.InvoiceReturn: "facture",
         ns.MovementReturn: "mouvement", ns.OneOffReturn: "paiement_ponctuel", ns.SettlementEnd: "fin_reglement",
         ns.End: "fin", ns.Problem: "probleme"}


def _source(fichier: str) -> Path | BinaryIO:
    if fichier == "-":
        return sys.stdin.buffer
    path = Path(fichier)
    try:
        with path.open("rb"):
            pass
    except FileNotFoundError:
        raise ValidationError(f"FICHIER : fichier introuvable : {fichier}", code="file_not_found",
                              field="FICHIER") from None
    except OSError as exc:
        raise ValidationError(f"FICHIER : lecture impossible de {fichier} ({exc.strerror or 'accès refusé'}).",
                              code="file_unreadable", field="FICHIER") from None
    return path


def _events(source: Path | BinaryIO) -> Iterator[ns.Event]:
    try:
        yield from ns.iter_returns(source)
    except OSError as exc:   # the file went away or the disk failed while reading
        raise ValidationError(f"FICHIER : lecture interrompue ({exc.strerror or 'erreur d’entrée-sortie'}).",
                              code="file_unreadable", field="FICHIER") from None


@app.command("lire", help="Décode un retour NOEMIE (ou - pour l'entrée standard), continu ou en blocs de 128, et "
                          "liste ses règlements, factures, mouvements et problèmes.")
@handle_errors
def read(fichier: str = typer.Argument(..., metavar="FICHIER", help="Le fichier NOEMIE."),
         json_out: bool = typer.Option(False, "--json", help="Sortie JSON (écrite au fil de la lecture).")) -> None:
    events = _events(_source(fichier))
    problems = _write_json(events) if json_out else _show(events)
    if problems:
        raise typer.Exit(code=2)


def plain(value: object) -> Any:
    """An event as JSON: its fields (models as objects), the settlement of a return by its entity number."""
    if isinstance(value, ns.SettlementStart | ns.InvoiceReturn | ns.MovementReturn | ns.OneOffReturn
                  | ns.SettlementEnd | ns.Start | ns.End | ns.Problem):
        fields = {k: plain(v) for k, v in vars(value).items() if k != "settlement"}
        if (settlement := getattr(value, "settlement", None)) is not None:
            fields["reglement"] = settlement.entity
        return {"type": KINDS[type(value)], **fields}
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    if hasattr(value, "__dataclass_fields__"):
        return {k: plain(v) for k, v in vars(value).items()}
    if isinstance(value, str | int | bool) or value is None:
        return value
    return str(value)   # Decimal (as written: 12.50), date (ISO)


def _write_json(events: Iterator[ns.Event]) -> int:
    """``{"evenements": [...], "problemes": n, "valide": bool}``, one event at a time."""
    out, problems, first = sys.stdout, 0, True
    out.write('{\n  "evenements": [')
    for event in events:
        problems += isinstance(event, ns.Problem)
        out.write(("\n    " if first else ",\n    ") + json.dumps(plain(event), ensure_ascii=False))
        first = False
    out.write(f'\n  ],\n  "problemes": {problems},\n  "valide": {json.dumps(problems == 0)}\n}}\n')
    return problems


def _day(value: object) -> str:
    return f"{value:%d/%m/%Y}" if value is not None else "—"


def _show(events: Iterator[ns.Event]) -> int:
    problems = 0
    for event in events:
        if isinstance(event, ns.Problem):
            problems += 1
            where = f"entité {event.entity if event.entity is not None else '—'}, octet " \
                    f"{event.offset if event.offset is not None else '—'}"
            _line(f"Problème ({where}) : {event.message}")
        elif isinstance(event, ns.InvoiceReturn):
            _invoice(event)
        else:
            _other(event)
    _line("Fichier NOEMIE valide." if not problems else f"Fichier NOEMIE non valide : {problems} problème(s).")
    return problems


def _line(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _other(event: ns.Event) -> None:
    if isinstance(event, ns.Start):
        h = event.header
        _line(f"Fichier NOEMIE {h.file_id} du {_day(h.created)} (référence {h.reference}, forme "
              f"{'en blocs de 128' if event.blocked else 'continue'}) : émetteur {h.emitter_type} {h.emitter_number} "
              f"→ destinataire {h.recipient_type} {h.recipient_number}."
              + (f" Mandataire {event.mandataire}." if event.mandataire else ""))
    elif isinstance(event, ns.SettlementStart):
        if event.transfer is None:
            _line(f"Journée comptable du {_day(event.date)} (destinataire de règlement {event.payee}) :")
        else:
            t = event.transfer
            labels = " / ".join(label for label in (t.label_1, t.label_2) if label)
            _line(f"Virement du {_day(event.date)} (destinataire de règlement {event.payee}) : « {labels} », "
                  f"organisme payeur {t.paying_organism or '—'} :")
    elif isinstance(event, ns.MovementReturn):
        m = event.movement
        _line(f"  Mouvement financier {m.line} : dette {m.debt_reference or '—'} ({m.debt_nature}) du "
              f"{_day(m.debt_date)}, opération {m.operation}, {format_euros_fr(m.amount)}, solde "
              f"{format_euros_fr(m.remaining)}.")
    elif isinstance(event, ns.OneOffReturn):
        p = event.payment
        _line(f"  Paiement ponctuel {p.code} : {format_euros_fr(p.amount)}.")
        for d in p.details:
            _line(f"    Détail {d.code} « {d.label} » {d.nir} du {_day(d.start)} au {_day(d.end)} : "
                  f"{format_euros_fr(d.amount)}.")
    elif isinstance(event, ns.SettlementEnd):
        declared = "contrôle 990 absent" if event.declared_count is None or event.declared_total is None else \
            f"contrôle 990 : {event.declared_count} entité(s), {format_euros_fr(event.declared_total)}"
        _line(f"  Fin du règlement ({declared}).")
    elif isinstance(event, ns.End):
        if event.record_count is None or event.total is None:
            _line("Fin de fichier 999 absente ou illisible.")
        else:
            _line(f"Fin de fichier : {event.record_count} entités, {event.lot_count} lot(s), total "
                  f"{format_euros_fr(event.total)}.")


def _share(name: str, share: Any) -> str:
    if share is None:
        return f"{name} —"
    status = {"P": "payé", "R": "rejeté", "D": "différé"}.get(share.status, "non traité")
    return f"{name} demandé {format_euros_fr(share.claimed)}, payé {format_euros_fr(share.paid)} ({status})"


def _invoice(event: ns.InvoiceReturn) -> None:
    i = event.invoice
    lot = f"lot {event.lot_number} du {_day(event.lot_date)}" if event.lot_number is not None else "lot illisible"
    _line(f"  Facture {i.number} ({lot}, retour {event.return_kind or '—'}) : {_share('AMO', i.amo)} ; "
          f"{_share('AMC', i.amc)}.")
    for act in i.acts:
        _line(f"    Acte {act.line} {act.act_code} : base {format_euros_fr(act.base)}, taux {act.rate} %, "
              f"remboursé {format_euros_fr(act.reimbursed)}.")
    for message in i.messages:
        _line(f"    Message {message.code} (ligne {message.line}) : {message.label}")
    for reject in i.rejects:
        _line(f"    Rejet {reject.code} (niveau {reject.reject_level or '—'}, part {reject.share or '—'}) : "
              f"{reject.label}" + (f" — {reject.information}" if reject.information else ""))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="noemie")
