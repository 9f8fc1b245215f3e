"""The portable reader signed from the desk's browser (``portable.prepare_sign`` / ``commit_sign`` /
``release_sign`` / ``recap``): the cards read at the desk, the three steps on the reader's side, every outcome
noted on the stay for the recap; the desk guard still holds for everything else."""

from __future__ import annotations

import pytest

from feuille.auth import Context
from feuille.billing import portable, securing
from feuille.billing.signing import Prepared
from feuille.errors import ConflictError, StateError, ValidationError
from tests.billing.support import CPE_SECRETAIRE, VITALE_ESSAI, VITALE_OTHER, FakeReader, consultation, practice
from tests.billing.test_drafts import actions
from tests.billing.test_portable import priced, state_of


def cards(reader: FakeReader) -> securing.Cards:
    card = reader.professional_card()
    assert card is not None
    return securing.Cards(card, reader.vitale_card())


def on_reader(ctx: Context, count: int = 2) -> list[int]:
    practice(ctx)
    ids = [priced(ctx, consultation()) for _ in range(count)]
    portable.load(ctx, ids)
    return ids


def test_three_steps_sign_on_the_reader_and_the_recap_says_so(ctx: Context) -> None:
    first, second = on_reader(ctx)
    desk = FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI)
    prepared = portable.prepare_sign(ctx, first, cards(desk))
    assert isinstance(prepared, Prepared) and prepared.vitale_serial == "VIT-ESSAI"
    signature = desk.sign(prepared.card_serial, prepared.data)
    vitale = desk.sign("VIT-ESSAI", prepared.data)
    view = portable.commit_sign(ctx, first, prepared.id, signature, vitale)
    assert view.state == "partly_secured" and state_of(ctx, first) == "partly_secured"
    assert actions(ctx).count("invoice.portable_sign") == 1
    assert not isinstance(portable.prepare_sign(ctx, first, cards(desk)), Prepared)  # signed before: a no-op
    result = portable.recap(ctx, [first, second])
    assert [line.id for line in result.signed] == [first]
    assert [(line.id, line.reason) for line in result.not_signed] == [(second, "non signée.")]
    with pytest.raises(StateError, match="est sur le lecteur portable"):  # at the desk: still refused
        securing.secure(ctx, second, "desynchronise", desk)


def test_refusals_are_noted_on_the_stay(ctx: Context) -> None:
    first, _ = on_reader(ctx)
    with pytest.raises(ValidationError, match="n'est pas celle de l'assuré") as wrong:
        portable.prepare_sign(ctx, first, cards(FakeReader().insert(CPE_SECRETAIRE, VITALE_OTHER)))
    assert wrong.value.code == "wrong_vitale"
    with pytest.raises(ValidationError) as none:
        portable.prepare_sign(ctx, first, cards(FakeReader().insert(CPE_SECRETAIRE)))
    assert none.value.code == "no_vitale"
    [line] = portable.recap(ctx, [first]).not_signed
    assert line.reason == wrong.value.message
    with pytest.raises(StateError, match="« autre »"):
        portable.prepare_sign(ctx, first, cards(FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI)), "autre")


def test_released_or_unloaded_meanwhile_nothing_is_signed(ctx: Context) -> None:
    first, second = on_reader(ctx)
    desk = FakeReader().insert(CPE_SECRETAIRE, VITALE_ESSAI)
    released = portable.prepare_sign(ctx, first, cards(desk))
    assert isinstance(released, Prepared)
    portable.release_sign(ctx, first, released.id, "Code porteur   non vérifié.")
    assert portable.recap(ctx, [first]).not_signed[0].reason == "carte : Code porteur non vérifié."
    late = portable.prepare_sign(ctx, second, cards(desk))
    assert isinstance(late, Prepared)
    portable.unload(ctx)  # back at the desk before the cards' signatures arrive
    with pytest.raises(ConflictError, match="modifiée pendant la signature"):  # released: its number unused
        portable.commit_sign(ctx, second, late.id, desk.sign(late.card_serial, late.data),
                             desk.sign("VIT-ESSAI", late.data))
    assert state_of(ctx, first) == state_of(ctx, second) == "priced"
