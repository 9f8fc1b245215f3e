"""Deleting invoices on the portable reader: unsigned ones only, all or nothing, audited, a repeat is a no-op."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from feuille.auth import Context, actor_for
from feuille.billing import portable, portable_delete
from feuille.errors import StateError, ValidationError
from feuille.storage import Database
from feuille.storage.models import PortableLoad
from tests.billing.support import CPS_MEDECIN, VITALE_ESSAI, FakeReader, consultation, practice
from tests.billing.test_drafts import actions
from tests.billing.test_portable import priced, state_of
from tests.conftest import fixed_clock


def current_loads(ctx: Context) -> list[int]:
    with ctx.db.read() as session:
        return list(session.scalars(sa.select(PortableLoad.invoice_id).where(PortableLoad.current.is_(True))
                                    .order_by(PortableLoad.invoice_id)))


def test_unsigned_invoices_are_deleted_on_the_reader(ctx: Context) -> None:
    practice(ctx)
    first, second, kept = (priced(ctx, consultation(date=d)) for d in ("2025-01-13", "2025-01-14", "2025-01-15"))
    portable.load(ctx, [first, second, kept])
    result = portable_delete.delete_on_reader(ctx, [first, str(second)])
    assert [i.id for i in result.deleted] == [first, second] and result.already == []
    assert state_of(ctx, first) == state_of(ctx, second) == "deleted" and state_of(ctx, kept) == "priced"
    assert current_loads(ctx) == [kept]
    assert [i.id for i in portable.listing(ctx)] == [kept]
    assert actions(ctx).count("invoice.portable_delete") == 2 and actions(ctx).count("invoice.delete") == 2
    again = portable_delete.delete_on_reader(ctx, [first])  # a repeat: nothing more
    assert again.deleted == [] and again.already == [first]
    assert actions(ctx).count("invoice.portable_delete") == 2
    assert result.to_json()["deleted"][0]["id"] == first


def test_a_signed_invoice_stops_the_whole_deletion(ctx: Context) -> None:
    practice(ctx)
    unsigned, signed = priced(ctx, consultation(date="2025-01-13")), priced(ctx, consultation())
    portable.load(ctx, [unsigned, signed])
    recap = portable.sign(ctx, FakeReader().insert(CPS_MEDECIN, VITALE_ESSAI), [signed])
    assert [line.id for line in recap.signed] == [signed]
    with pytest.raises(StateError) as caught:
        portable_delete.delete_on_reader(ctx, [unsigned, signed])
    assert caught.value.code == "invoice_signed_on_reader" and "avoir" in caught.value.message
    assert state_of(ctx, unsigned) == "priced" and current_loads(ctx) == [unsigned, signed]  # none deleted
    assert "invoice.portable_delete" not in actions(ctx)


def test_only_invoices_carried_by_this_reader(ctx: Context) -> None:
    practice(ctx)
    at_desk, elsewhere = priced(ctx, consultation(date="2025-01-13")), priced(ctx, consultation())
    portable.load(ctx, [elsewhere], "sac-2")
    for ref in (at_desk, elsewhere):
        with pytest.raises(StateError) as caught:
            portable_delete.delete_on_reader(ctx, [ref])
        assert caught.value.code == "invoice_not_on_reader"
    with pytest.raises(ValidationError) as nothing:
        portable_delete.delete_on_reader(ctx, [])
    assert nothing.value.code == "no_invoice"
    with pytest.raises(ValidationError):
        portable_delete.delete_on_reader(ctx, ["douze"])
    with pytest.raises(ValidationError):
        portable_delete.delete_on_reader(ctx, [elsewhere], "Sac 2")
    assert state_of(ctx, at_desk) == state_of(ctx, elsewhere) == "priced"


def test_cli_delete_asks_and_reports(cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    db = Database(db_url)
    try:
        ctx = Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)
        practice(ctx)
        invoice = priced(ctx, consultation())
        portable.load(ctx, [invoice])
    finally:
        db.dispose()
    refused = cli("lecteur", "supprimer", str(invoice), input="n\n")
    assert refused.exit_code == 1 and "rien n'a été supprimé" in refused.stderr
    done = cli("lecteur", "supprimer", str(invoice), "--oui", "--json")
    assert done.exit_code == 0, done.stderr
    assert [i["id"] for i in json.loads(done.stdout)["deleted"]] == [invoice]
    repeat = cli("lecteur", "supprimer", str(invoice), "--oui")
    assert repeat.exit_code == 0 and "1 déjà supprimée(s)" in repeat.stdout
    missing = cli("lecteur", "supprimer", "999", "--oui")
    assert missing.exit_code == 3 and "999" in missing.stderr
