"""An in-process caisse de test for the lot tests: its state, PKI and cards, and ``deliver`` (store a mail as the
SMTP handler does, run the hooks, return the ARLs it queued). The SMTP/POP3 path is tested in test_lots_server."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feuille.formats import b2_file as m
from feuille_sim import hooks
from feuille_sim.lots import receive  # noqa: F401  (registers the hook)
from feuille_sim.pki import Pki
from feuille_sim.state import State
from tests.support import lots as L

PARTNER = "996102182"
_stamps = itertools.count(1)


def next_stamp() -> str:
    return f"20261205120000{next(_stamps) % 100_000:05d}"


@dataclass
class Desk:
    state: State
    pki: Pki
    cards: dict[str, L.SoftCard]
    certificate: Path

    def deliver(self, raw: bytes, organism: str = "01996") -> tuple[int, list[L.ArlMail]]:
        before = {mail.id for mail in self.state.mailbox_content("cabinet")}
        with self.state.transaction() as tx:
            address = (f"{organism[3:]}@amc.rss.fr" if organism.startswith("AMC")
                       else f"{organism}@{organism[2:]}.{organism[:2]}.rss.fr")
            mail_id = tx.add_received("cabinet@example.org", address, organism, raw)
        hooks.process_mail(self.state, mail_id)
        new = [mail for mail in self.state.mailbox_content("cabinet") if mail.id not in before]
        return mail_id, [L.read_arl_mail(mail.raw) for mail in new]

    def send_file(self, file: m.B2File, **options: Any) -> tuple[int, list[L.ArlMail]]:
        invoices = sum(len(lot.invoices) for lot in file.lots)
        mail = L.lot_mail(m.write_b2(file), self.certificate, stamp=next_stamp(), invoices=invoices, **options)
        return self.deliver(mail.raw)

    def invoice(self, number: int, **options: Any) -> m.Invoice:
        options.setdefault("care", L.days_ago(3))
        return L.invoice(PARTNER, number, cards=self.cards, **options)

    def status(self, mail_id: int) -> tuple[str, str]:
        with self.state.transaction() as tx:
            row = tx.received(mail_id)
        return str(row["status"]), str(row["detail"])

    def count(self, table: str) -> int:
        with self.state.transaction() as tx:
            return int(tx.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def make_desk(root: Path) -> Desk:
    cards = L.write_card_dir(root / "cartes")
    state = State(root / "caisse")
    pki = Pki(root / "caisse")
    pki.ensure()
    return Desk(state, pki, cards, pki.organism_certificate("01996"))
