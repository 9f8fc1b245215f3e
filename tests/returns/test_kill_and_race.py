"""One transaction per file, once: a ``feuille noemie integrer`` subprocess killed (SIGKILL) at every point of the
integration then run again integrates the file exactly once; two processes integrating the same file at once: one
wins, the other reports « déjà intégré » (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from feuille.auth import Context
from feuille.returns.amounts import amounts_for
from feuille.storage.models import NoemieFileChunk, NoemieFileRow, ReturnAct, ReturnInvoice, TransferRow
from tests.returns.support import answer, file_of, practice, send, write
from tests.support.caisse import REPO
from tests.support.kill_points import ENV, sitecustomize_dir
from tests.support.sending import invoice_states

FEUILLE = Path(sys.executable).with_name("feuille")
POINTS = ["retour_fichier", "retour_morceaux", "retour_factures", "retour_avant_commit", "retour_apres_commit"]


def _env(db_url: str, tmp_path: Path, kill_at: str | None = None) -> dict[str, str]:
    env = {**os.environ, "FEUILLE_DATABASE_URL": db_url,
           "PYTHONPATH": os.pathsep.join([str(sitecustomize_dir(tmp_path)), str(REPO)])}
    if kill_at:
        env[ENV] = kill_at
    return env


def _integrate(db_url: str, tmp_path: Path, path: Path, kill_at: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(FEUILLE), "-u", "admin", "noemie", "integrer", str(path), "--json"],
                          capture_output=True, text=True, env=_env(db_url, tmp_path, kill_at), timeout=120,
                          check=False)


def _counts(ctx: Context) -> dict[str, int]:
    with ctx.db.read() as session:
        return {model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (NoemieFileRow, NoemieFileChunk, TransferRow, ReturnInvoice, ReturnAct)}


def _prepare(ctx: Context, tmp_path: Path) -> tuple[list[int], list[Decimal], Path]:
    practice(ctx)
    sent = send(ctx, 3)
    path = tmp_path / "retour.noemie"
    path.write_bytes(write(file_of(sent, [answer(i, sent) for i in sent.invoices]), blocks=True))
    return [i.id for i in sent.invoices], [i.amo for i in sent.invoices], path


KILLS = [pytest.param("sqlite", point, id=f"sqlite-{point}") for point in POINTS] + [
    pytest.param("postgresql", point, id=f"postgresql-{point}") for point in ("retour_factures", "retour_apres_commit")]


@pytest.mark.parametrize(("db_url", "point"), KILLS, indirect=["db_url"])
def test_killed_then_run_again_integrates_once(ctx: Context, db_url: str, tmp_path: Path, point: str) -> None:
    ids, expected, path = _prepare(ctx, tmp_path)
    killed = _integrate(db_url, tmp_path, path, point)
    assert killed.returncode == -9, killed.stdout + killed.stderr
    committed = point == "retour_apres_commit"
    assert _counts(ctx)["noemie_files"] == (1 if committed else 0)
    again = _integrate(db_url, tmp_path, path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert ('"deja_integre"' in again.stdout) == committed
    assert _integrate(db_url, tmp_path, path).returncode == 0   # and once more: nothing changes
    assert _counts(ctx) == {"noemie_files": 1, "noemie_file_chunks": 1, "noemie_transfers": 1,
                            "return_invoices": 3, "return_acts": 3}
    assert invoice_states(ctx, ids) == ["paid"] * 3
    with ctx.db.read() as session:
        assert [a.paid for a in amounts_for(session, ids).values()] == expected


def test_two_processes_at_once(ctx: Context, db_url: str, tmp_path: Path) -> None:
    ids, _expected, path = _prepare(ctx, tmp_path)
    cmd = [str(FEUILLE), "-u", "admin", "noemie", "integrer", str(path), "--json"]
    running = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=_env(db_url, tmp_path)) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in running]
    assert [p.returncode for p in running] == [0, 0], outputs
    results = sorted("deja_integre" if '"deja_integre"' in out else "integre" for out, _err in outputs)
    assert results == ["deja_integre", "integre"], outputs
    assert _counts(ctx)["return_invoices"] == 3 and _counts(ctx)["noemie_files"] == 1
    assert invoice_states(ctx, ids) == ["paid"] * 3
