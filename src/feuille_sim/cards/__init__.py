"""Virtual test cards: the definitions shipped here and the tool that provisions a card directory from them."""

from feuille_sim.cards.provision import DEFINITIONS, clone, definitions, provision

__all__ = ["DEFINITIONS", "clone", "definitions", "provision"]
