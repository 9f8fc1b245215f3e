"""Every reader error has its French message and exit code."""

from __future__ import annotations

import pytest

from feuille.cards.messages import french_error, tries
from feuille.cards.port import (
    CardBlockedError,
    CardDataError,
    CardDeviceError,
    CardError,
    CardKind,
    CardUnusableError,
    NoCardError,
    PinFormatError,
    PinNotVerifiedError,
    UnknownCardError,
    WrongPinError,
    WrongPukError,
)


@pytest.mark.parametrize(("error", "message", "exit_code"), [
    (WrongPinError(2), "Code porteur erroné : 2 essais restants.", 2),
    (WrongPinError(1), "Code porteur erroné : 1 essai restant.", 2),
    (CardBlockedError(), "Carte CPS bloquée : débloquez-la avec son code de déblocage.", 6),
    (CardBlockedError(CardKind.CPE, "2501000004"), "Carte CPE bloquée : débloquez-la avec son code de déblocage.", 6),
    (PinFormatError("pin", 4), "Code porteur : 4 chiffres attendus.", 2),
    (PinFormatError("new_pin", 4), "Nouveau code porteur : 4 chiffres attendus.", 2),
    (PinFormatError("puk", 8), "Code de déblocage : 8 chiffres attendus.", 2),
    (WrongPukError(9), "Code de déblocage erroné : 9 essais restants.", 2),
    (CardUnusableError("x"), "Carte définitivement bloquée", 6),
    (PinNotVerifiedError("x"), "Code porteur non vérifié", 6),
    (NoCardError("x"), "Carte absente du lecteur", 6),
    (UnknownCardError("cps-x"), "Carte « cps-x » introuvable", 3),
    (CardDataError("cps-x", "JSON invalide"), "Carte « cps-x » illisible : JSON invalide.", 2),
    (CardDeviceError("module PKCS#11 introuvable"), "Lecteur de cartes : module PKCS#11 introuvable.", 6),
    (CardError("other"), "Lecteur de cartes : la carte a refusé l'opération.", 6),
])
def test_french_messages(error: CardError, message: str, exit_code: int) -> None:
    french = french_error(error)
    assert french.message.startswith(message)
    assert french.exit_code == exit_code
    assert french.code


def test_tries_plural() -> None:
    assert [tries(n) for n in (0, 1, 2)] == ["0 essais restants", "1 essai restant", "2 essais restants"]
