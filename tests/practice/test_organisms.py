"""AMO and AMC organism lists: add, edit, delete, alphabetical list with search, audit, no row on bad input."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from feuille.auth import Context
from feuille.errors import ConflictError, NotFoundError, ValidationError
from feuille.practice import organisms
from feuille.storage import Database


def count(db: Database, table: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def audit_actions(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return [row[0] for row in conn.execute(sa.text("SELECT action FROM audit_log ORDER BY id"))]


CNDA = {"regime": "01", "caisse": "349", "centre": "9881", "name": "Flux CNAMTS CNDA"}


def test_amo_lifecycle(ctx: Context) -> None:
    first = organisms.add_amo_organism(ctx, CNDA)
    organisms.add_amo_organism(ctx, {"regime": "02", "caisse": "349", "centre": "0000", "name": "Flux MSA CNDA"})
    organisms.add_amo_organism(ctx, {"regime": "01", "caisse": "261", "centre": "0000", "name": "CPAM VALENCE"})
    names = [v.name for v in organisms.list_amo_organisms(ctx)]
    assert names == ["CPAM VALENCE", "Flux CNAMTS CNDA", "Flux MSA CNDA"]
    assert [v.name for v in organisms.list_amo_organisms(ctx, "flux")] == ["Flux CNAMTS CNDA", "Flux MSA CNDA"]
    assert [v.code for v in organisms.list_amo_organisms(ctx, "02")] == ["02 349 0000"]
    organisms.update_amo_organism(ctx, first, {"flux": "CNDA", "comment": "caisse de test"})
    view = organisms.get_amo_organism(ctx, first)
    assert view.flux == "CNDA" and view.comment == "caisse de test" and view.code == "01 349 9881"
    organisms.delete_amo_organism(ctx, first)
    assert count(ctx.db, "amo_organisms") == 2
    assert audit_actions(ctx.db)[-5:] == ["amo.create", "amo.create", "amo.create", "amo.update", "amo.delete"]


@pytest.mark.parametrize(("data", "field"), [
    ({"caisse": "349", "centre": "9881"}, "regime"),
    ({"regime": "01", "centre": "9881"}, "caisse"),
    ({"regime": "01", "caisse": "349"}, "centre"),
    ({"regime": "1", "caisse": "349", "centre": "9881"}, "regime"),
    ({"regime": "01", "caisse": "34X", "centre": "9881"}, "caisse"),
    ({"regime": "01", "caisse": "349", "centre": "9881", "name": "x" * 200}, "name"),
    ({"regime": "01", "caisse": "349", "centre": "9881", "colour": "red"}, "colour"),
])
def test_amo_bad_input_writes_nothing(ctx: Context, data: dict[str, object], field: str) -> None:
    before = count(ctx.db, "audit_log")
    with pytest.raises(ValidationError) as caught:
        organisms.add_amo_organism(ctx, data)
    assert caught.value.field == field
    assert count(ctx.db, "amo_organisms") == 0 and count(ctx.db, "audit_log") == before


def test_amo_duplicate_and_unknown(ctx: Context) -> None:
    organisms.add_amo_organism(ctx, CNDA)
    with pytest.raises(ConflictError) as caught:
        organisms.add_amo_organism(ctx, {**CNDA, "name": "autre"})
    assert "01 349 9881" in caught.value.message and count(ctx.db, "amo_organisms") == 1
    with pytest.raises(NotFoundError) as missing:
        organisms.update_amo_organism(ctx, 999, {"flux": "x"})
    assert missing.value.field == "id" and "inconnu" in missing.value.message
    with pytest.raises(ValidationError):
        organisms.delete_amo_organism(ctx, "abc")


ACORIS = {"name": "ACORIS MUTUELLES", "number": "0780004099", "contract_type": "0", "management": "separee",
          "address": "6-8, VIADUC KENNEDY", "postcode": "54042", "town": "NANCY CEDEX", "phone": "08.10.00.10.20"}


def test_amc_lifecycle(ctx: Context) -> None:
    acoris = organisms.add_amc_organism(ctx, ACORIS)
    organisms.add_amc_organism(ctx, {"name": "ADEP", "number": "44992741", "contract_type": "0"})
    organisms.add_amc_organism(ctx, {"name": "525EME MUTUELLE", "number": "779926294", "contract_type": "0"})
    assert [v.name for v in organisms.list_amc_organisms(ctx)] == ["525EME MUTUELLE", "ACORIS MUTUELLES", "ADEP"]
    assert [v.name for v in organisms.list_amc_organisms(ctx, "mutuelle")] == ["525EME MUTUELLE",
                                                                               "ACORIS MUTUELLES"]
    assert [v.name for v in organisms.list_amc_organisms(ctx, "4499")] == ["ADEP"]
    organisms.update_amc_organism(ctx, acoris, {"email": "contact@acoris.fr", "contact": "M. Durand"})
    view = organisms.get_amc_organism(ctx, acoris)
    assert view.email == "contact@acoris.fr" and view.phone == "0810001020" and view.contract_type == "00"
    with pytest.raises(ValidationError) as caught:
        organisms.update_amc_organism(ctx, acoris, {"contract_type": "89"})
    assert caught.value.field == "management"
    assert organisms.delete_amc_organism(ctx, acoris) == 0
    assert count(ctx.db, "amc_organisms") == 2
    assert audit_actions(ctx.db)[-2:] == ["amc.update", "amc.delete"]


@pytest.mark.parametrize(("data", "field"), [
    ({"number": "1", "contract_type": "0"}, "name"),
    ({"name": "X", "contract_type": "0"}, "number"),
    ({"name": "X", "number": "1"}, "contract_type"),
    ({"name": "X", "number": "12345678901", "contract_type": "0"}, "number"),
    ({"name": "X", "number": "1", "contract_type": "0", "email": "nope"}, "email"),
    ({"name": "X", "number": "1", "contract_type": "0", "fax": "12"}, "fax"),
])
def test_amc_bad_input_writes_nothing(ctx: Context, data: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        organisms.add_amc_organism(ctx, data)
    assert caught.value.field == field and count(ctx.db, "amc_organisms") == 0


def test_amc_duplicate_number(ctx: Context) -> None:
    organisms.add_amc_organism(ctx, ACORIS)
    with pytest.raises(ConflictError) as caught:
        organisms.add_amc_organism(ctx, {**ACORIS, "name": "Autre"})
    assert caught.value.field == "number" and count(ctx.db, "amc_organisms") == 1
    # the same number with another contract type (the C2S one) is another entry
    organisms.add_amc_organism(ctx, {**ACORIS, "contract_type": "89", "management": "unique"})
    assert count(ctx.db, "amc_organisms") == 2
