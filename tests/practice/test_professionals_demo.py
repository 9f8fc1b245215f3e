"""The manuals' professionals, remplaçant, users, prescribers and favourites load, twice."""

from __future__ import annotations

from datetime import date

from feuille import audit
from feuille.auth import Context, actor_for
from feuille.practice import demo_professionals, favourites, prescribers, professionals, replacements
from feuille.storage.models import AuditEntry, Favourite, Prescriber, Professional, User
from tests.practice.test_professionals import count


def test_demo_loads_and_is_idempotent(ctx: Context) -> None:
    demo_professionals.load(ctx)
    sizes = [count(ctx, m) for m in (Professional, Prescriber, Favourite, User, AuditEntry)]
    demo_professionals.load(ctx)
    assert [count(ctx, m) for m in (Professional, Prescriber, Favourite, User, AuditEntry)] == sizes
    assert sizes[:4] == [3, 6, 4, 5]
    assert audit.verify(ctx.db).ok
    firmier = professionals.get_professional(ctx, "99610218 2")
    rempl = professionals.get_professional(ctx, "99700557 8")
    assert rempl.kind == "remplacant" and rempl.rpps == "99700557897" and rempl.caisse == "991"
    assert replacements.can_bill_for(ctx, rempl.id, firmier.id, date(2025, 1, 15))
    assert not replacements.can_bill_for(ctx, rempl.id, firmier.id, date(2025, 1, 18))
    roy = prescribers.get_prescriber(ctx, "99 1 00069 6")
    assert (roy.last_name, roy.first_name, roy.rpps, roy.specialty) == ("ROY", "Patrick", "00991000696", "01")
    nurse = Context(db=ctx.db, actor=actor_for(ctx.db, "afirmier"), clock=ctx.clock)
    assert [f.label for f in favourites.search_favourites(nurse)] == ["Injection à domicile",
                                                                      "Pansement lourd avec IK"]
