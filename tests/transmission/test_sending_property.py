"""Any sequence of sendings, answers (positive, negative on the file or on the mail, lost, late), delays, manual
re-sends and crashes at the checkpoints keeps the promises of issue 12 (Hypothesis, in-memory transport, SQLite):
no mail leaves without its outbox row, a lot acknowledged stays so, a lot is never sent twice for one ARL, an
invoice follows its lot (acknowledged with it, given back when it is refused) and is in one live lot at most."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from feuille.auth import Context, actor_for
from feuille.billing import install_guards
from feuille.domain.lots import LotState
from feuille.errors import StateError
from feuille.storage import Database
from feuille.storage.models import Invoice, Lot, LotInvoice, LotMail
from feuille.transmission import checkpoints, sending
from tests.billing.support import practice
from tests.support.kill_points import Crash
from tests.support.sending import FakeTransport, arl_incoming, make_lot
from tests.transmission.test_sending import secured


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 15, 10, 30)

    def __call__(self) -> datetime:
        return self.now


operations = st.lists(st.one_of(
    st.tuples(st.just("envoyer"), st.sampled_from(["P", "N2004", "N5001", None])),
    st.tuples(st.just("attendre"), st.integers(1, 4)),
    st.tuples(st.just("arl_tardif"), st.sampled_from(["P", "N2004"])),
    st.tuples(st.just("relancer"), st.just(None)),
    st.tuples(st.just("panne"), st.sampled_from(["avant_envoi", "apres_acceptation", "apres_envoi",
                                                 "apres_reception"]))), min_size=1, max_size=10)


def check(ctx: Context, transport: FakeTransport, acknowledged: dict[int, int]) -> None:
    """``acknowledged``: lot id -> how many mails had left when it was first seen acknowledged."""
    with ctx.db.read() as session:
        stamps = {m.stamp: m for m in session.scalars(select(LotMail))}
        for item in transport.sent:   # no mail left without its outbox row
            assert item.stamp in stamps
        for mail in stamps.values():
            assert mail.state != "envoye" or mail.stamp in {i.stamp for i in transport.sent}
        for lot in session.scalars(select(Lot)):
            states = {str(s) for s in session.scalars(
                select(Invoice.state).join(LotInvoice, LotInvoice.invoice_id == Invoice.id)
                .where(LotInvoice.lot_id == lot.id, LotInvoice.live.is_(True)))}
            if lot.id in acknowledged:
                assert lot.state == LotState.ARL_POSITIF   # an acknowledged lot stays so
                assert len(transport.sent) == acknowledged[lot.id]   # and is never sent again
            if lot.state == LotState.ARL_POSITIF:
                acknowledged.setdefault(lot.id, len(transport.sent))
                assert states == {"acknowledged"}
            if lot.state == LotState.REJETE:
                assert states == set()
            if lot.state in (LotState.EXPEDIE, LotState.REEXPEDIE, LotState.ABSENCE_ARL_RENVOYER,
                             LotState.ABSENCE_ARL_MANUEL, LotState.ARL_NEGATIF):
                assert states == {"sent"}
        live = session.scalar(select(func.count()).select_from(LotInvoice).where(LotInvoice.live.is_(True)))
        distinct = session.scalar(select(func.count(func.distinct(LotInvoice.invoice_id)))
                                  .where(LotInvoice.live.is_(True)))
        assert live == distinct


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations)
def test_any_sequence_keeps_the_promises(sqlite_template: Path, ops: list[tuple[str, object]]) -> None:
    install_guards()
    folder = Path(tempfile.mkdtemp(prefix="send-property-"))
    shutil.copy(sqlite_template, folder / "feuille.db")
    db = Database(f"sqlite:///{folder / 'feuille.db'}")
    clock = Clock()
    ctx = Context(db, actor_for(db, "admin"), clock)
    crash: list[str] = []

    def crash_at(name: str) -> None:
        if name in crash:
            crash.remove(name)
            raise Crash(name)

    checkpoints.observe(crash_at)
    try:
        practice(ctx)
        lot = make_lot(ctx, secured(ctx, 2))
        transport, acknowledged = FakeTransport(), dict[int, int]()
        for op, value in ops:
            try:
                if op == "envoyer":
                    transport.answer = None if value is None else str(value)[0]
                    transport.reason = str(value)[1:] if value and str(value) != "P" else "2004"
                    sending.exchange(ctx, transport)
                elif op == "attendre":
                    clock.now += timedelta(days=int(str(value)))
                elif op == "arl_tardif" and transport.sent:
                    item = transport.sent[0]
                    transport.mailbox[f"late{len(transport.mailbox)}-{clock.now:%H%M%S%f}"] = arl_incoming(
                        item, value == "P", "2004", f"<late-{len(transport.forgotten)}-{value}@t>")
                elif op == "relancer":
                    sending.relaunch(ctx, transport, lot)
                elif op == "panne":
                    crash[:] = [str(value)]
            except (Crash, StateError):
                pass
            if op != "panne":
                crash.clear()
            check(ctx, transport, acknowledged)
    finally:
        checkpoints._OBSERVERS.remove(crash_at)
        db.dispose()
        shutil.rmtree(folder, ignore_errors=True)
