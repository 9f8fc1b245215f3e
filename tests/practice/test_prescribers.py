"""Prescribers: create, edit, search by prefix, delete; bad input writes nothing."""

from __future__ import annotations

import pytest

from feuille.auth import Context, Role
from feuille.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from feuille.practice import prescribers
from feuille.storage.models import Prescriber
from tests.conftest import context_as
from tests.practice.test_professionals import actions, count

MANUAL = [("GENE", "Alain", "99 1 14560 8"), ("MASSEUR", "Anne", "99 7 10088 8"), ("PAROLE", "Jean", "99 9 10331 0"),
          ("ROY", "Patrick", "99 1 00069 6"), ("SOINS", "Anne", "00 1 07316 2"), ("VISION", "Jean", "99 9 20315 1")]


def _load(ctx: Context) -> None:
    for last, first, number in MANUAL:
        prescribers.create_prescriber(ctx, {"last_name": last, "first_name": first, "number": number})


def test_create_and_search_by_prefix_of_name_or_first_name(ctx: Context) -> None:
    _load(ctx)
    assert [p.last_name for p in prescribers.search_prescribers(ctx)] == [m[0] for m in MANUAL]
    assert [p.last_name for p in prescribers.search_prescribers(ctx, "a")] == ["GENE", "MASSEUR", "SOINS"]
    assert [p.last_name for p in prescribers.search_prescribers(ctx, "j", descending=True)] == ["VISION", "PAROLE"]
    assert [p.last_name for p in prescribers.search_prescribers(ctx, "Ro")] == ["ROY"]
    # LIKE wildcards are not wildcards: they are not part of the searchable form of a name
    assert prescribers.search_prescribers(ctx, "G%E") == [] and prescribers.search_prescribers(ctx, "G_NE") == []
    assert prescribers.get_prescriber(ctx, "99 1 00069 6").first_name == "Patrick"
    assert actions(ctx).count("prescriber.create") == 6


def test_accents_are_ignored_in_search(ctx: Context) -> None:
    prescribers.create_prescriber(ctx, {"last_name": "Élodie", "first_name": "Hélène", "number": "991145608",
                                        "specialty": "1 - Médecine générale", "rpps": "00991000696"})
    [row] = prescribers.search_prescribers(ctx, "elo")
    assert row.specialty == "01" and row.rpps == "00991000696"
    assert len(prescribers.search_prescribers(ctx, "HEL")) == 1


def test_edit(ctx: Context) -> None:
    pid = prescribers.create_prescriber(ctx, {"last_name": "ROY", "number": "991000696"})
    prescribers.edit_prescriber(ctx, pid, {"first_name": "Patrick", "specialty": "01"})
    prescribers.edit_prescriber(ctx, pid, {"first_name": "Patrick"})  # no change, no audit entry
    row = prescribers.get_prescriber(ctx, pid)
    assert (row.first_name, row.specialty) == ("Patrick", "01")
    assert actions(ctx).count("prescriber.update") == 1
    other = prescribers.create_prescriber(ctx, {"last_name": "GENE", "number": "991145608"})
    with pytest.raises(ConflictError) as err:
        prescribers.edit_prescriber(ctx, other, {"number": "99 1 00069 6"})
    assert err.value.field == "number" and "ROY" in err.value.message
    with pytest.raises(ValidationError) as err:
        prescribers.edit_prescriber(ctx, other, {"last_name": ""})
    assert err.value.field == "last_name"
    assert prescribers.get_prescriber(ctx, other).last_name == "GENE"


@pytest.mark.parametrize(("data", "field"), [
    ({"number": "991000696"}, "last_name"),
    ({"last_name": "ROY"}, "number"),
    ({"last_name": "ROY", "number": "991000695"}, "number"),
    ({"last_name": "ROY", "number": "12345"}, "number"),
    ({"last_name": "ROY", "number": "991000696", "specialty": "99"}, "specialty"),
    ({"last_name": "ROY", "number": "991000696", "rpps": "1"}, "rpps"),
    ({"last_name": "😴", "number": "991000696"}, "last_name"),
])
def test_bad_input_writes_nothing(ctx: Context, data: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as err:
        prescribers.create_prescriber(ctx, data)
    assert err.value.field == field
    assert count(ctx, Prescriber) == 0 and "prescriber.create" not in actions(ctx)


def test_duplicate_number(ctx: Context) -> None:
    prescribers.create_prescriber(ctx, {"last_name": "ROY", "number": "991000696"})
    with pytest.raises(ConflictError) as err:
        prescribers.create_prescriber(ctx, {"last_name": "AUTRE", "number": "99 1 00069 6"})
    assert err.value.field == "number" and "déjà" in err.value.message
    assert count(ctx, Prescriber) == 1


def test_delete(ctx: Context) -> None:
    pid = prescribers.create_prescriber(ctx, {"last_name": "ROY", "number": "991000696"})
    prescribers.delete_prescriber(ctx, pid)
    assert count(ctx, Prescriber) == 0 and actions(ctx)[-1] == "prescriber.delete"
    with pytest.raises(NotFoundError):
        prescribers.delete_prescriber(ctx, pid)


def test_every_role_may_write_prescribers_and_read_them(ctx: Context) -> None:
    secretary = context_as(ctx.db, Role.SECRETAIRE)
    pid = prescribers.create_prescriber(secretary, {"last_name": "ROY", "number": "991000696"})
    assert prescribers.get_prescriber(secretary, pid).number == "991000696"


def test_unknown_role_is_refused(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    from feuille import auth

    monkeypatch.setitem(auth.GRANTS, auth.Permission.PRESCRIBER_WRITE, {Role.ADMINISTRATEUR})
    with pytest.raises(PermissionDeniedError):
        prescribers.create_prescriber(context_as(ctx.db, Role.SECRETAIRE), {"last_name": "ROY", "number": "991000696"})
    assert count(ctx, Prescriber) == 0
