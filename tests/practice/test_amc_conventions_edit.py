"""One convention of the AMC directory edited, disabled, enabled, deleted (each audited, one transaction), and the
directory read page by page."""

from __future__ import annotations

import json

import pytest

from feuille import audit
from feuille.auth import GRANTS, Context, Permission, Role
from feuille.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from feuille.practice import amc_conventions
from feuille.storage.models import AmcConvention, AuditEntry
from tests.billing.test_drafts import count
from tests.conftest import context_as

AMC = "1100000000"


def _add(ctx: Context, kind: str = "CM", criterion: str | None = None, number: str = AMC) -> int:
    data = {"signatory_id": "ZZ1", "convention_type": kind, "amc_number": number, "amc_label": "MUT TEST"}
    if criterion:
        data["secondary_criterion"] = criterion
    return amc_conventions.add_convention(ctx, data)


def _last(ctx: Context) -> tuple[str, dict[str, object]]:
    entry = audit.newest(ctx.db, 1)[0][0]
    return entry.action, json.loads(entry.data)


def test_a_convention_is_edited_field_by_field(ctx: Context) -> None:
    one = _add(ctx)
    assert amc_conventions.update_convention(ctx, one, {"secondary_criterion": "t", "dre": "oui",
                                                        "amc_label": "Mut. Test"}) is True
    view = amc_conventions.get_convention(ctx, one)
    assert (view.label(), view.dre, view.amc_label, view.signatory_id) == ("CM / T", True, "Mut. Test", "ZZ1")
    assert _last(ctx) == ("amc_convention.update", {"secondary_criterion": "T", "dre": True,
                                                    "amc_label": "Mut. Test"})
    before = count(ctx, AuditEntry)
    assert amc_conventions.update_convention(ctx, one, {"dre": "oui"}) is False   # nothing changed, nothing audited
    assert count(ctx, AuditEntry) == before
    assert amc_conventions.update_convention(ctx, one, {"secondary_criterion": ""}) is True
    assert amc_conventions.get_convention(ctx, one).secondary_criterion is None


def test_junk_and_a_duplicate_are_refused_naming_the_field(ctx: Context) -> None:
    one, two = _add(ctx), _add(ctx, criterion="T")
    with pytest.raises(ConflictError) as twice:
        amc_conventions.update_convention(ctx, two, {"secondary_criterion": ""})
    assert (twice.value.code, twice.value.field) == ("amc_convention_exists", "convention_type")
    with pytest.raises(ValidationError) as junk:
        amc_conventions.update_convention(ctx, one, {"amc_number": "??", "convention_type": "", "dre": "peut-être"})
    assert {p.field for p in junk.value.problems} == {"amc_number", "convention_type", "dre"}
    with pytest.raises(ValidationError):
        amc_conventions.update_convention(ctx, one, {"inconnu": "x"})
    for missing in (999_999, 0, -1, True, "1", None):
        with pytest.raises(NotFoundError):
            amc_conventions.update_convention(ctx, missing, {"dre": "oui"})  # type: ignore[arg-type]
    assert amc_conventions.get_convention(ctx, two).label() == "CM / T"


def test_disabled_conventions_are_no_longer_offered_and_may_come_back(ctx: Context) -> None:
    one = _add(ctx)
    assert amc_conventions.search_conventions(ctx, AMC).total == 1
    assert amc_conventions.set_convention_active(ctx, one, False) is True
    assert _last(ctx)[0] == "amc_convention.disable"
    assert amc_conventions.set_convention_active(ctx, one, False) is False
    assert amc_conventions.search_conventions(ctx, AMC).total == 0
    assert amc_conventions.get_convention(ctx, one).disabled
    assert amc_conventions.set_convention_active(ctx, one, True) is True
    assert _last(ctx)[0] == "amc_convention.enable" and amc_conventions.search_conventions(ctx, AMC).total == 1


def test_a_convention_is_deleted_and_audited(ctx: Context) -> None:
    one = _add(ctx)
    amc_conventions.delete_convention(ctx, one)
    assert count(ctx, AmcConvention) == 0
    action, data = _last(ctx)
    assert action == "amc_convention.delete" and data["convention_type"] == "CM"
    with pytest.raises(NotFoundError):
        amc_conventions.delete_convention(ctx, one)
    assert audit.verify(ctx.db).ok


def test_each_change_checks_the_right_to_write_organisms(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    one = _add(ctx)
    secretary = context_as(ctx.db, Role.SECRETAIRE)
    assert amc_conventions.set_convention_active(secretary, one, False) is True   # every role may, as to add
    monkeypatch.setitem(GRANTS, Permission.ORGANISM_WRITE, {Role.ADMINISTRATEUR})
    for call in (lambda: amc_conventions.update_convention(secretary, one, {"dre": "oui"}),
                 lambda: amc_conventions.set_convention_active(secretary, one, True),
                 lambda: amc_conventions.delete_convention(secretary, one)):
        with pytest.raises(PermissionDeniedError):
            call()
    assert count(ctx, AmcConvention) == 1 and amc_conventions.get_convention(ctx, one).disabled


def test_the_directory_is_read_page_by_page(ctx: Context) -> None:
    for index in range(7):
        _add(ctx, kind=f"C{index}")
    _add(ctx, number="75500017")
    first = amc_conventions.page_conventions(ctx, None, 1, 3)
    assert (first.total, first.pages, [v.convention_type for v in first.rows]) == (8, 3, ["C0", "C1", "C2"])
    last = amc_conventions.page_conventions(ctx, None, 3, 3)
    assert [v.amc_number for v in last.rows] == [AMC, "75500017"]
    assert amc_conventions.page_conventions(ctx, None, 9, 3).page == 3      # past the end: the last page
    assert amc_conventions.page_conventions(ctx, "75500017", 1, 3).total == 1
    assert amc_conventions.page_conventions(ctx, "99999999").rows == ()
    for junk in (0, -1, True, "2"):
        with pytest.raises(ValidationError):
            amc_conventions.page_conventions(ctx, None, junk)  # type: ignore[arg-type]
