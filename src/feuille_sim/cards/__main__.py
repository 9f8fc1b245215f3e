"""``python -m feuille_sim.cards provision DIR [--force]``: write the virtual cards' directory."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from feuille.config import Settings
from feuille_sim.cards.provision import ProvisionError, definitions, provision


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m feuille_sim.cards",
                                     description="Cartes de test virtuelles (CPS, CPE, Vitale, appli carte Vitale).")
    sub = parser.add_subparsers(dest="command", required=True)
    prov = sub.add_parser("provision", help="Écrit un dossier de cartes (cartes, jetons SoftHSM2, états).")
    prov.add_argument("dir", type=Path, nargs="?", default=None,
                      help="Dossier de cartes à créer (défaut : FEUILLE_CARDS_DIR, sinon « cartes » dans le dossier "
                           "des données de feuille).")
    prov.add_argument("--force", action="store_true", help="Refaire les cartes d'un dossier déjà provisionné.")
    sub.add_parser("list", help="Les cartes définies et leurs codes.")
    args = parser.parse_args(argv)
    if args.command == "list":
        for name, spec in definitions().items():
            codes = f"code porteur {spec['pin']}, code de déblocage {spec['puk']}" if "pin" in spec else ""
            print(f"{name:16} {spec['kind']:7} {spec['serial']}  {codes}")
        return 0
    if args.dir is None:
        args.dir = Path(Settings().cards_dir)
    try:
        written = provision(args.dir, force=args.force)
    except (ProvisionError, subprocess.CalledProcessError) as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 1
    if not written:
        print(f"{args.dir} contient déjà des cartes : rien n'a été changé (--force pour les refaire).")
    else:
        print(f"{len(written)} cartes écrites dans {args.dir} : {', '.join(written)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
