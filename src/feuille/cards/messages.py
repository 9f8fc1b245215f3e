"""The reader's errors in French, as the domain errors the CLI, the API and the billing layer show.

The one translation of card errors: billing (securing, the portable reader, cancelling) and the CLI all
call ``french_error``; each code's class (so its exit code and HTTP status) is the catalogue's
(``feuille.errors.CATALOGUE``, checked by tests/cli/test_errors_catalogue.py).
"""

from __future__ import annotations

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
from feuille.errors import FeuilleError, NotFoundError, StateError, ValidationError

KIND_LABELS = {CardKind.CPS: "CPS", CardKind.CPE: "CPE", CardKind.VITALE: "carte Vitale",
               CardKind.APCV: "appli carte Vitale"}
_FORMATS = {"pin": "Code porteur", "new_pin": "Nouveau code porteur", "puk": "Code de déblocage"}


def tries(count: int) -> str:
    return f"{count} essai restant" if count == 1 else f"{count} essais restants"


def no_professional_card() -> StateError:
    """No CPS or CPE in the reader when one is needed (the catalogue's ``no_card``, like ``NoCardError``)."""
    return StateError("Aucune carte CPS ou CPE dans le lecteur : insérez-la d'abord.", code="no_card",
                      field="carte")


def french_error(error: CardError) -> FeuilleError:
    """The French domain error for a reader error (an unknown subclass gives a generic StateError)."""
    if isinstance(error, WrongPinError):
        return ValidationError(f"Code porteur erroné : {tries(error.remaining)}.", code="wrong_pin", field="pin")
    if isinstance(error, CardBlockedError):
        return StateError(f"Carte {KIND_LABELS.get(error.kind, 'CPS')} bloquée : débloquez-la avec son code de "
                          "déblocage.", code="card_blocked", field="pin")
    if isinstance(error, PinFormatError):
        return ValidationError(f"{_FORMATS.get(error.what, 'Code')} : {error.digits} chiffres attendus.",
                               code="pin_format", field=error.what)
    if isinstance(error, WrongPukError):
        return ValidationError(f"Code de déblocage erroné : {tries(error.remaining)}.", code="wrong_puk",
                               field="puk")
    if isinstance(error, CardUnusableError):
        return StateError("Carte définitivement bloquée : tous les essais du code de déblocage sont épuisés, "
                          "demandez une nouvelle carte.", code="card_dead")
    if isinstance(error, PinNotVerifiedError):
        return StateError("Code porteur non vérifié depuis l'insertion de la carte (ou session de la carte "
                          "terminée) : réinsérez la carte avec --pin ou ajoutez --pin.", code="pin_not_verified",
                          field="pin")
    if isinstance(error, NoCardError):
        return StateError("Carte absente du lecteur : insérez-la d'abord.", code="no_card", field="carte")
    if isinstance(error, UnknownCardError):
        return NotFoundError(f"Carte « {error.name[:40]} » introuvable dans le dossier des cartes "
                             "(voir « feuille carte liste »).", code="card_unknown", field="card")
    if isinstance(error, CardDataError):
        return ValidationError(f"Carte « {error.name[:40]} » illisible : {error.reason}.", code="card_file",
                               field="card")
    if isinstance(error, CardDeviceError):
        return StateError(f"Lecteur de cartes : {error.reason}.", code="card_device")
    return StateError("Lecteur de cartes : la carte a refusé l'opération.", code="card_error", detail=repr(error))
