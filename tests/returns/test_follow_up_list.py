"""« Suivi Facturations »: the lines with their amounts and states, every filter, paging, the SV line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from feuille.auth import Context
from feuille.domain.follow_up import FollowUp
from feuille.domain.invoices import Event
from feuille.errors import ValidationError
from feuille.returns.follow_up import list_follow_up, parse_filters
from feuille.storage.models import Invoice
from tests.returns.follow_up_support import add_return, practice, send, set_state

AMO = Decimal("16.10")  # 70 % of the 23.00 consultation


@pytest.fixture
def four(ctx: Context) -> list[int]:
    """a paid, b rejected, c waiting, d waiting and secured in degraded mode (not SESAM-Vitale)."""
    practice(ctx)
    ids = send(ctx, 4).ids
    a, b, _c, d = ids
    add_return(ctx, a, created=date(2025, 1, 20))
    set_state(ctx, a, Event.PAY)
    add_return(ctx, b, amo_status="R", created=date(2025, 1, 21),
               rejects=(("290", "R001", "ASSURE INCONNU"), ("294", "R001", "ASSURE INCONNU")))
    set_state(ctx, b, Event.REJECT)
    with ctx.db.transaction() as session:
        session.execute(sa.update(Invoice).where(Invoice.id == d).values(secure_mode="degrade"))
    return ids


def ids_of(ctx: Context, **filters: object) -> list[int]:
    return [line.invoice_id for line in list_follow_up(ctx, parse_filters(**filters)).lines]  # type: ignore[arg-type]


def test_lines_amounts_and_footer(ctx: Context, four: list[int]) -> None:
    a, b, c, d = four
    page = list_follow_up(ctx)
    assert page.total == 4
    assert page.footer == "4 dossiers dont 3 sécurisés en sesam vitale soit 75 %"
    by_id = {line.invoice_id: line for line in page.lines}
    assert sorted(by_id) == sorted(four)
    paid = by_id[a]
    assert (paid.expected, paid.paid, paid.remaining) == (AMO, AMO, Decimal("0.00"))
    assert paid.state is FollowUp.PAYE and paid.state_label == "Payé"
    assert paid.received_on == date(2025, 1, 20)
    assert paid.lot == "001" and paid.amo_organism == "01 996" and paid.organisms == "01 996 / "
    assert paid.patient.startswith("ESSAI")
    assert by_id[b].state_label == "Rejeté" and by_id[b].paid == 0 and by_id[b].remaining == AMO
    assert by_id[c].state_label == "En cours" and by_id[c].received_on is None
    assert by_id[c].sesam_vitale and not by_id[d].sesam_vitale
    json = page.to_json()
    assert json["pied"] == page.footer
    assert json["lignes"][0]["amo"].keys() == {"organisme", "attendu", "paye", "restant_du"}


def test_filters(ctx: Context, four: list[int]) -> None:
    a, b, c, d = four
    assert ids_of(ctx, states=["rejete"]) == [b]
    assert sorted(ids_of(ctx, states=["Payé", "rejete"])) == sorted([a, b])
    assert sorted(ids_of(ctx, states=["en-cours"])) == sorted([c, d])
    assert sorted(ids_of(ctx, no_matched_return=True)) == sorted([c, d])
    assert sorted(ids_of(ctx, since="21/01/2025", selon="retour")) == [b]
    assert ids_of(ctx, until="19/01/2025", selon="retour") == []
    assert len(ids_of(ctx, since="14/01/2025", until="14/01/2025")) == 4
    assert ids_of(ctx, since="15/01/2025") == []
    assert len(ids_of(ctx, amo="01 996")) == 4
    assert ids_of(ctx, amo="01 349") == []
    assert ids_of(ctx, amc="99999997") == []
    assert len(ids_of(ctx, patient="ess")) == 4
    assert ids_of(ctx, patient="DUPONT") == []
    assert len(ids_of(ctx, patient="1 42 19 62 965 165")) == 4
    assert len(ids_of(ctx, professional="001033901")) == 4


def test_paging_newest_first(ctx: Context, four: list[int]) -> None:
    first = list_follow_up(ctx, parse_filters(per_page=3))
    second = list_follow_up(ctx, parse_filters(per_page=3, page=2))
    assert [line.invoice_id for line in first.lines] == sorted(four, reverse=True)[:3]
    assert [line.invoice_id for line in second.lines] == [min(four)]
    assert first.total == second.total == 4


def test_not_teletransmitted_invoices_are_not_followed(ctx: Context) -> None:
    practice(ctx)
    from tests.transmission.support import secured

    secured(ctx)
    assert list_follow_up(ctx).total == 0
    assert list_follow_up(ctx).footer == "0 dossier dont 0 sécurisé en sesam vitale soit 0 %"


@pytest.mark.parametrize(("filters", "code", "field"), [
    ({"states": ["payée-ou-pas"]}, "follow_up_state", "etat"),
    ({"states": [None]}, "follow_up_state", "etat"),
    ({"since": "32/01/2025"}, "date_impossible", "du"),
    ({"since": "hier"}, "date_format", "du"),
    ({"since": "02/01/2025", "until": "01/01/2025"}, "period_order", "au"),
    ({"selon": "lune"}, "follow_up_basis", "selon"),
    ({"amo": "01-349"}, "follow_up_amo", "amo"),
    ({"amo": "😴"}, "follow_up_amo", "amo"),
    ({"amc": "12345678901"}, "follow_up_amc", "amc"),
    ({"patient": "123"}, "follow_up_patient", "patient"),
    ({"patient": "!!!"}, "follow_up_patient", "patient"),
    ({"page": "0"}, "follow_up_page", "page"),
    ({"per_page": "1001"}, "follow_up_page", "par_page"),
    ({"per_page": "-5"}, "follow_up_page", "par_page"),
])
def test_junk_filters_refused_in_french(filters: dict[str, object], code: str, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_filters(**filters)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert caught.value.field == field


def test_unknown_professional(ctx: Context, four: list[int]) -> None:
    with pytest.raises(Exception) as caught:
        ids_of(ctx, professional="999999999")
    assert getattr(caught.value, "code", None)
