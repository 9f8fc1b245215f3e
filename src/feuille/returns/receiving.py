"""Fetching the returns: the mailbox read with the teletransmission's « Recevoir uniquement », then every NOEMIE mail
it stored integrated (``feuille noemie recevoir``); and the integration that follows each exchange (« Envoyer et
Recevoir », « Recevoir », « Télétransmettre Auto ») when the setting « Intégrer les fichiers RSP après
télétransmission » (``integrer_retours``) is on.

``transmission`` may not import ``returns`` (the layers): the interfaces call :func:`after_exchange` after the
transmission use case.
"""

from __future__ import annotations

from dataclasses import dataclass

from feuille.auth import Context, Permission, require
from feuille.returns.integration import IntegrationReport, integrate_received
from feuille.transmission import sending
from feuille.transmission import settings as tsettings
from feuille.transmission.transport import Transport


@dataclass(frozen=True)
class Received:
    exchange: sending.ExchangeReport
    integrated: tuple[IntegrationReport, ...]


def after_exchange(ctx: Context) -> tuple[IntegrationReport, ...] | None:
    """Integrate the NOEMIE mails waiting when ``integrer_retours`` is on; None when it is off."""
    if not tsettings.get(ctx).integrer_retours:
        return None
    return tuple(integrate_received(ctx))


def receive(ctx: Context, transport: Transport) -> Received:
    """« Recevoir » then integrate every NOEMIE mail waiting, whatever the setting (the user asked for it)."""
    require(ctx, Permission.INVOICE_DRAFT)
    exchange = sending.exchange(ctx, transport, receive_only=True)
    return Received(exchange, tuple(integrate_received(ctx)))
