"""``feuille teletransmission auto | envoyer | recevoir | bordereau | relancer | traiter | parametrer-bordereau``
against the caisse de test; the mail server down; nothing configured (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from feuille.auth import Context, utc_now
from feuille.billing import drafts, rate_check, securing
from feuille.cards.virtual import VirtualCardReader
from feuille.rights.settings import read_setting, write_setting
from feuille.storage.models import Lot
from feuille.transmission import mail_settings
from tests.billing.support import consultation, practice
from tests.support.caisse import CaisseDeTest, start_caisse
from tests.support.cli import Cli


@pytest.fixture
def caisse(tmp_path: Path, provisioned_cards: Path) -> Iterator[CaisseDeTest]:
    with start_caisse(tmp_path / "caisse", "--cartes", str(provisioned_cards)) as running:
        yield running


@pytest.fixture
def desk(ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reader: VirtualCardReader) -> Context:
    monkeypatch.setenv("FEUILLE_SECRETS_FILE", str(tmp_path / "secrets.json"))
    now = Context(ctx.db, ctx.actor, utc_now)
    practice(now)
    reader.insert("cps-medecin")
    reader.insert("vitale-essai")
    for _ in range(2):
        draft = drafts.create_draft(now, consultation(date=(utc_now() - timedelta(days=1)).date().isoformat()))
        rate_check.check_rates(now, draft.id)
        securing.secure(now, draft.id, "synchronise", reader, "1234")
    return now


def lot_ids(ctx: Context) -> list[int]:
    with ctx.db.read() as session:
        return list(session.scalars(select(Lot.id).order_by(Lot.id)))


def test_auto_then_the_slip_and_what_is_refused(desk: Context, cli: Cli, caisse: CaisseDeTest,
                                                 tmp_path: Path) -> None:
    assert cli("caisse-de-test", "connecter", str(caisse.dir)).exit_code == 0
    done = cli("teletransmission", "parametrer-bordereau", "--cabinet", "Cabinet du Parc", "--dossier",
               str(tmp_path / "auto"))
    assert done.exit_code == 0 and "Cabinet du Parc" in done.stdout, done.stderr
    assert cli("teletransmission", "parametrer", "--bordereau-apres", "oui").exit_code == 0
    done = cli("teletransmission", "auto", "--json")
    assert done.exit_code == 0, done.stderr
    report = json.loads(done.stdout)
    [slip] = report["bordereaux"]   # « Edition après Télétransmission »
    assert slip["lots"] == ["001"] and Path(slip["fichier"]).parent == tmp_path / "auto"
    assert report["mise_en_lot"]["factures"] == 2 and [f["erreur"] for f in report["fichiers"]] == [None]
    assert [e["error"] for e in report["envois"]] == [None]
    assert [a["state"] for a in report["arl"]] == ["ARL positif reçu"]
    done = cli("teletransmission", "envoyer")
    assert done.exit_code == 0 and "Rien à envoyer ni à recevoir." in done.stdout
    assert cli("teletransmission", "recevoir", "--json").exit_code == 0
    day = utc_now().strftime("%d/%m/%Y")
    done = cli("teletransmission", "bordereau", "--date", day, "--dossier", str(tmp_path / "slips"))
    assert done.exit_code == 0 and "Bordereau des lots 001 écrit" in done.stdout, done.stderr
    [pdf] = (tmp_path / "slips").glob("bordereau-*.pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")
    [lot] = lot_ids(desk)
    done = cli("teletransmission", "relancer", str(lot))
    assert done.exit_code == 6 and "rien à relancer" in done.stderr
    done = cli("teletransmission", "traiter", str(lot), "--note", "appel à la caisse")
    assert done.exit_code == 6 and "traitement manuel" in done.stderr
    assert cli("teletransmission", "bordereau").exit_code == 2
    assert cli("teletransmission", "bordereau", "--date", "31/02/2025").exit_code == 2


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_mail_server_down_leaves_the_lot_ready_and_says_so(desk: Context, cli: Cli, caisse: CaisseDeTest) -> None:
    assert cli("caisse-de-test", "connecter", str(caisse.dir)).exit_code == 0
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with desk.db.transaction() as session:
        data = dict(read_setting(session, mail_settings.NAME) or {})
        data["smtp"] = {**data["smtp"], "port": port}
        write_setting(desk, session, mail_settings.NAME, data)
    assert cli("teletransmission", "mettre-en-lot").exit_code == 0
    assert cli("teletransmission", "mettre-en-fichier").exit_code == 0
    done = cli("teletransmission", "envoyer")
    assert done.exit_code == 7 and "non envoyé, il reste prêt (Fichier créé)" in done.stderr, done.stderr
    assert "injoignable" in done.stderr
    with desk.db.read() as session:
        assert list(session.scalars(select(Lot.state))) == ["fichier_cree"]


def test_nothing_configured_is_refused_in_french(cli: Cli) -> None:
    done = cli("teletransmission", "envoyer")
    assert done.exit_code == 6 and "Messagerie non configurée" in done.stderr
    assert cli("teletransmission", "traiter", "12", "--note", "").exit_code == 2
    assert cli("teletransmission", "relancer", "abc").exit_code == 2
