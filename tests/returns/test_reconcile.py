"""Automatic matching off (« Lettrage auto. »): the returns wait, ``reconcile_pending`` matches them later; a return
matched by hand (``match_return``); the CLI of ``feuille noemie``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feuille.auth import Context, Role
from feuille.errors import ConflictError, NotFoundError, StateError, ValidationError
from feuille.returns import files, integration, reconcile
from feuille.storage.models import ReturnInvoice
from feuille.transmission import settings as tsettings
from tests.conftest import context_as
from tests.returns.support import answer, file_of, practice, send, write
from tests.support.sending import invoice_states, lot_row
from tests.transmission.support import secured


@pytest.fixture
def desk(ctx: Context) -> Context:
    practice(ctx)
    return ctx


def _returns(ctx: Context) -> list[tuple[int, str, int | None]]:
    with ctx.db.read() as session:
        return [(r.id, r.match, r.invoice_id) for r in session.query(ReturnInvoice).order_by(ReturnInvoice.id)]


def test_lettrage_off_then_reconcile(desk: Context) -> None:
    tsettings.update(desk, {"lettrage_auto": "non"})
    sent = send(desk, 2)
    report = integration.integrate_file(desk, write(file_of(sent, [answer(i, sent) for i in sent.invoices])))
    assert report.outcome == "integre" and report.matched == 0 and report.unmatched == 2
    assert [m for _i, m, _inv in _returns(desk)] == ["a_rapprocher"] * 2
    assert invoice_states(desk, [i.id for i in sent.invoices]) == ["acknowledged"] * 2
    done = reconcile.reconcile_pending(desk)
    assert (done.examined, done.matched, done.unmatched) == (2, 2, 0)
    assert invoice_states(desk, [i.id for i in sent.invoices]) == ["paid"] * 2
    assert lot_row(desk, sent.lot_id).state == "acquitte"
    assert files.list_files(desk)[0].unmatched == 0
    assert reconcile.reconcile_pending(desk).examined == 0   # nothing left


def test_match_by_hand(desk: Context) -> None:
    sent = send(desk, 2)
    a, b = sent.invoices
    integration.integrate_file(desk, write(file_of(sent, [answer(a, sent, number=777_777), answer(b, sent)])))
    [(unmatched, match, none), (matched, _m, _b)] = _returns(desk)
    assert (match, none) == ("non_rapproche", None)
    view = reconcile.match_return(desk, unmatched, a.id)
    assert (view.invoice_id, view.state, view.follow_up) == (a.id, "paid", "Payé")
    assert view.amounts.remaining == 0
    assert reconcile.match_return(desk, str(unmatched), str(a.id)).state == "paid"   # again: nothing changes
    with pytest.raises(ConflictError) as taken:
        reconcile.match_return(desk, matched, a.id)
    assert taken.value.code == "retour_deja_rapproche"
    with pytest.raises(NotFoundError):
        reconcile.match_return(desk, 999_999, a.id)
    with pytest.raises(ValidationError):
        reconcile.match_return(desk, "abc", a.id)
    assert files.list_files(desk)[0].unmatched == 0
    assert lot_row(desk, sent.lot_id).state == "acquitte"


def test_match_by_hand_refuses_an_invoice_not_sent(desk: Context) -> None:
    sent = send(desk, 1)
    integration.integrate_file(desk, write(file_of(sent, [answer(sent.invoices[0], sent, number=777_777)])))
    [(unmatched, _m, _i)] = _returns(desk)
    fresh = secured(desk)
    with pytest.raises(StateError) as refused:
        reconcile.match_return(desk, unmatched, fresh)
    assert refused.value.code == "retour_etat_facture"


def test_a_secretary_integrates_and_reads(desk: Context) -> None:
    secretary = context_as(desk.db, Role.SECRETAIRE)
    sent = send(desk, 1)
    report = integration.integrate_file(secretary, write(file_of(sent, [answer(sent.invoices[0], sent)])))
    assert report.outcome == "integre"
    assert [f.invoices for f in files.list_files(secretary)] == [1]


def test_cli(cli, desk: Context, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sent = send(desk, 2)
    path = tmp_path / "retour.txt"
    path.write_bytes(write(file_of(sent, [answer(sent.invoices[0], sent), answer(sent.invoices[1], sent,
                                                                                  number=888_888)])))
    done = cli("noemie", "integrer", str(path))
    assert done.exit_code == 0, done.stderr
    assert "intégré en partie" in done.stdout and "Facture n° 000888888 inconnue" in done.stdout
    again = cli("noemie", "integrer", str(path), "--json")
    assert again.exit_code == 0 and json.loads(again.stdout)[0]["code"] == "noemie_deja_integre"
    listed = cli("noemie", "fichiers", "--json")
    [row] = json.loads(listed.stdout)
    assert (row["factures"], row["non_rapprochees"], row["resultat"]) == (2, 1, "integre_partiel")
    shown = cli("noemie", "fichier", str(row["id"]))
    assert shown.exit_code == 0 and "facture_inconnue" in shown.stdout and "non rapprochée" in shown.stdout
    detail = json.loads(cli("noemie", "fichier", str(row["id"]), "--json").stdout)
    assert detail["problemes"][0]["code"] == "facture_inconnue" and len(detail["retours"]) == 2
    assert cli("noemie", "fichier", "999").exit_code == 3
    assert cli("noemie", "rapprocher").exit_code == 0
    missing = cli("noemie", "integrer", str(tmp_path / "absent.txt"))
    assert missing.exit_code == 2 and "illisible" in missing.stderr
