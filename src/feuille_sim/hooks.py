"""What later parts of the simulator plug in: hooks run on each received mail, and plug-in modules.

A hook is ``fn(tx, mail_id) -> None`` run inside one transaction after the mail is stored (``tx.received(mail_id)``
gives it); it sets the mail's status (``tx.set_received_status``) and may queue answers (``tx.add_outgoing``,
keyed, so running it again after a kill changes nothing). A mail stays ``recu`` until its hooks have run; the server
runs the hooks of every ``recu`` mail again at start.

Modules that register hooks or producers are imported by ``load_plugins``: those listed in ``PLUGINS`` (later
helpers add theirs here) and those named in ``FEUILLE_SIM_PLUGINS`` (comma-separated; tests use it).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable

from feuille_sim.state import State, Tx

MailHook = Callable[[Tx, int], None]

PLUGINS: tuple[str, ...] = ("feuille_sim.lots.receive", "feuille_sim.payments.produce", "feuille_sim.payments.amc")
_MAIL_HOOKS: dict[str, MailHook] = {}


def on_mail_received(name: str) -> Callable[[MailHook], MailHook]:
    """Decorator: register ``fn(tx, mail_id)`` under ``name`` (registering the same name again replaces it)."""
    def register(fn: MailHook) -> MailHook:
        _MAIL_HOOKS[name] = fn
        return fn
    return register


def mail_hooks() -> dict[str, MailHook]:
    return dict(_MAIL_HOOKS)


def load_plugins() -> None:
    extra = [m.strip() for m in os.environ.get("FEUILLE_SIM_PLUGINS", "").split(",") if m.strip()]
    for module in (*PLUGINS, *extra):
        importlib.import_module(module)


def process_mail(state: State, mail_id: int) -> None:
    """Run the hooks on one received mail in one transaction; with no hook the mail is just ``stocke``."""
    with state.transaction() as tx:
        if tx.received(mail_id)["status"] != "recu":
            return
        for hook in _MAIL_HOOKS.values():
            hook(tx, mail_id)
        if tx.received(mail_id)["status"] == "recu":
            tx.set_received_status(mail_id, "stocke")


def process_pending(state: State) -> list[int]:
    """The mails a kill left unprocessed, processed now (at start)."""
    pending = state.unprocessed_mails()
    for mail_id in pending:
        process_mail(state, mail_id)
    return pending
