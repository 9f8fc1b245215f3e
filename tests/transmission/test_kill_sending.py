"""A transmission killed (SIGKILL of a ``feuille teletransmission`` subprocess) at every step — after the files are
written, before the SMTP dialogue, in the middle of it, once the server accepted the mail but before the client
heard it, after the server accepted it and before the state is stored, after it is stored, after an ARL is stored
and before it is deleted from the mailbox — then run again: the caisse de test has received every invoice exactly
once, every lot is acknowledged once, and no lot was refused (SQLite; the caisse's own tables are read)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from feuille.auth import Context, actor_for, bootstrap, utc_now
from feuille.billing import drafts, install_guards, rate_check, securing
from feuille.cards.virtual import VirtualCardReader
from feuille.domain.lots import LotState
from feuille.rights.settings import read_setting, write_setting
from feuille.storage import Database
from feuille.storage.models import Invoice, Lot
from feuille.transmission import files, lotting, mail_settings
from tests.billing.support import consultation, practice
from tests.conftest import MODULE
from tests.support.caisse import REPO, CaisseDeTest, start_caisse
from tests.support.kill_points import ENV, Link, sitecustomize_dir

FEUILLE = Path(sys.executable).with_name("feuille")
PIN = "1234"
INVOICES = 3   # two lots: SESAM-Vitale (2 invoices) and SESAM sans Vitale (1)


@dataclass
class Desk:
    ctx: Context
    url: str
    env: dict[str, str]
    caisse: CaisseDeTest

    def run(self, *args: str, kill_at: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {**self.env, **({ENV: kill_at} if kill_at else {})}
        return subprocess.run([str(FEUILLE), "-u", "admin", "teletransmission", *args], capture_output=True,
                              text=True, env=env, timeout=timeout, check=False)

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([str(FEUILLE), "-u", "admin", "teletransmission", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=self.env)

    def caisse_count(self, sql: str) -> int:
        with sqlite3.connect(self.caisse.dir / "caisse.db") as conn:
            try:
                return int(conn.execute(sql).fetchone()[0])
            except sqlite3.OperationalError:   # the lot checker's tables come with the first lot
                return 0


@pytest.fixture
def desk(tmp_path: Path, provisioned_cards: Path, card_dir: Path) -> Iterator[Desk]:
    install_guards()
    url = f"sqlite:///{tmp_path / 'feuille.db'}"
    db = Database(url)
    db.upgrade()
    bootstrap(db)
    secrets = tmp_path / "secrets.json"
    os.environ["FEUILLE_SECRETS_FILE"] = str(secrets)   # connect stores the mailbox password there
    try:
        with start_caisse(tmp_path / "caisse", "--cartes", str(provisioned_cards)) as caisse:
            ctx = Context(db, actor_for(db, "admin"), utc_now)
            practice(ctx)
            mail_settings.connect_test_caisse(ctx, caisse.dir)
            secure_invoices(ctx, VirtualCardReader(card_dir, MODULE))
            env = {**os.environ, "FEUILLE_DATABASE_URL": url, "FEUILLE_SECRETS_FILE": str(secrets),
                   "PYTHONPATH": os.pathsep.join([str(sitecustomize_dir(tmp_path)), str(REPO)])}
            yield Desk(ctx, url, env, caisse)
    finally:
        os.environ.pop("FEUILLE_SECRETS_FILE", None)
        db.dispose()


def secure_invoices(ctx: Context, reader: VirtualCardReader) -> None:
    day = utc_now().date().isoformat()
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    for mode in ("synchronise", "synchronise", "sans-vitale"):
        if mode == "sans-vitale":
            reader.remove("vitale")
        draft = drafts.create_draft(ctx, consultation(date=day))
        rate_check.check_rates(ctx, draft.id)
        securing.secure(ctx, draft.id, mode, reader, PIN)


def lot_and_write(desk: Desk) -> None:
    lotting.put_in_lots(desk.ctx)
    files.write_files(desk.ctx)


def finish_and_check(desk: Desk) -> None:
    """Run « envoyer » again (twice: the second changes nothing) and check both sides."""
    for _ in range(2):
        done = desk.run("envoyer")
        assert done.returncode == 0, done.stdout + done.stderr
    assert desk.caisse_count("SELECT count(*) FROM factures_recues") == INVOICES
    assert desk.caisse_count("SELECT count(DISTINCT numero) FROM factures_recues") == INVOICES
    assert desk.caisse_count("SELECT count(*) FROM lots_recus WHERE etat = 'accepte'") == 2
    assert desk.caisse_count("SELECT count(*) FROM lots_recus WHERE etat <> 'accepte'") == 0
    with desk.ctx.db.read() as session:
        assert sorted(session.scalars(select(Lot.state))) == [LotState.ARL_POSITIF] * 2
        assert set(session.scalars(select(Invoice.state))) == {"acknowledged"}


@pytest.mark.parametrize("point", ["avant_envoi", "apres_acceptation", "apres_envoi", "apres_reception"])
def test_killed_at_a_checkpoint_of_envoyer(desk: Desk, point: str) -> None:
    lot_and_write(desk)
    killed = desk.run("envoyer", kill_at=point)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    finish_and_check(desk)


def test_killed_after_the_files_are_written_by_auto(desk: Desk) -> None:
    killed = desk.run("auto", kill_at="fichier_ecrit")
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert desk.caisse_count("SELECT count(*) FROM courriels_recus") == 0
    done = desk.run("auto")
    assert done.returncode == 0, done.stdout + done.stderr
    finish_and_check(desk)


def smtp_through(desk: Desk, link: Link) -> None:
    with desk.ctx.db.transaction() as session:
        data = dict(read_setting(session, mail_settings.NAME) or {})
        data["smtp"] = {**data["smtp"], "port": link.port}
        write_setting(desk.ctx, session, mail_settings.NAME, data)


def kill_when(process: subprocess.Popen[str], ready: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not ready() and time.monotonic() < deadline:   # type: ignore[operator]
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    assert ready(), "the SMTP dialogue did not reach the point to kill at"   # type: ignore[operator]
    process.send_signal(signal.SIGKILL)
    process.wait(30)


@pytest.mark.parametrize("mode", ["cut", "mute"])
def test_killed_during_the_smtp_dialogue(desk: Desk, mode: str) -> None:
    """``cut``: the client's bytes stop after 3000 (the first mail may complete, the one then under way never
    does); ``mute``: the caisse stored and answered a mail, the client never heard its « 250 »."""
    lot_and_write(desk)
    link = Link(("127.0.0.1", desk.caisse.ports["smtp"]), mode, after=3000)
    try:
        smtp_through(desk, link)
        process = desk.start("envoyer")
        if mode == "cut":
            kill_when(process, link.tripped.is_set)
            time.sleep(0.3)
            assert desk.caisse_count("SELECT count(*) FROM courriels_recus") < 2   # one mail never completed
        else:
            kill_when(process, lambda: desk.caisse_count("SELECT count(*) FROM courriels_recus WHERE etat <> 'recu'")
                      >= 1)
    finally:
        link.close()
    assert process.returncode == -signal.SIGKILL
    with desk.ctx.db.transaction() as session:   # the next run goes straight to the caisse
        data = dict(read_setting(session, mail_settings.NAME) or {})
        data["smtp"] = {**data["smtp"], "port": desk.caisse.ports["smtp"]}
        write_setting(desk.ctx, session, mail_settings.NAME, data)
    finish_and_check(desk)
