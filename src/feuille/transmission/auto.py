"""« Télétransmettre Auto » (manual 003 §VI): the screen's steps in order — « Mettre en Lot », « Mettre en
Fichier », « Envoyer et Recevoir », then « Edition Bordereau » when the settings say so (« Edition après
Télétransmission ») — with one summary at the end. Each step is the service the screen's own button runs, so
running ``auto`` again after a crash (or twice) picks up where the first stopped and sends nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from feuille.auth import Context, Permission, require
from feuille.errors import FeuilleError
from feuille.transmission import files, lotting, send_settings, sending, slip_data
from feuille.transmission.checkpoints import checkpoint
from feuille.transmission.transport import Transport

Step = Callable[[str, int], None]   # (step's French name, how many done)


@dataclass(frozen=True)
class AutoReport:
    lotting: lotting.LottingResult
    files: list[files.FileResult]
    exchange: sending.ExchangeReport
    slips: list[slip_data.WrittenSlip] = field(default_factory=list)
    slip_problem: str | None = None   # French: the slip could not be written (the sending itself is done)

    def to_json(self) -> dict[str, Any]:
        return {"mise_en_lot": self.lotting.to_json(), "fichiers": [f.to_json() for f in self.files],
                **exchange_json(self.exchange),
                "bordereaux": [{"fichier": str(s.path), "lots": list(s.lots), "imprime": s.printed,
                                "probleme": s.problem} for s in self.slips],
                "probleme_bordereau": self.slip_problem}


def exchange_json(report: sending.ExchangeReport) -> dict[str, Any]:
    return {"envois": [vars(s) for s in report.sent],
            "arl": [vars(a) for a in report.received.arls],
            "retours_noemie": report.received.noemie, "autres_courriels": report.received.other,
            "problemes": list(report.received.problems),
            "absences_arl": [vars(m) for m in report.missing],
            "lots_scor": [v.to_json() for v in report.scor]}


def slips_after(ctx: Context, report: sending.ExchangeReport) -> tuple[list[slip_data.WrittenSlip], str | None]:
    """The slips of the lots just sent, when the settings ask for them (« Edition après Télétransmission »)."""
    with ctx.db.read() as session:
        wanted = send_settings.read(session).slip_after_sending
    sent = [s.lot_id for s in report.sent if s.ok]
    if not wanted or not sent:
        return [], None
    try:
        return slip_data.write_slips(ctx, slip_data.slips_for_lots(ctx, sent)), None
    except FeuilleError as error:
        return [], error.message


def run(ctx: Context, transport: Transport, step: Step | None = None) -> AutoReport:
    require(ctx, Permission.INVOICE_DRAFT)

    def tell(name: str) -> Callable[[int], None]:
        return lambda count: step(name, count) if step else None

    lots = lotting.put_in_lots(ctx, progress=tell("Mise en lot"))
    written = files.write_files(ctx, progress=tell("Mise en fichier"))
    checkpoint("fichier_ecrit")
    exchange = sending.exchange(ctx, transport, progress=lambda _: tell("Envoi")(1))
    slips, problem = slips_after(ctx, exchange)
    return AutoReport(lots, written, exchange, slips, problem)
