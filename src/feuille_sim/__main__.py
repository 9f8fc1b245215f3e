"""``python -m feuille_sim``: the same as the ``feuille-sim`` script."""

from feuille_sim.cli import main

main()
