"""Load the manuals' demo data into an empty (or partly filled) database; idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from feuille import signin
from feuille.auth import Context
from feuille.catalog import ccam as ccam_import
from feuille.catalog.ccam_search import current_version
from feuille.practice import demo_patients, demo_professionals

#: The demo's web accounts (login, password): printed by ``make demo``; never for a real practice.
DEMO_PASSWORDS = (("admin", "admin-demo-feuille"), ("afirmier", "afirmier-demo-feuille"),
                  ("vmedecin", "vmedecin-demo-feuille"), ("nrempex", "nrempex-demo-feuille"),
                  ("secretaire", "secretaire-demo-feuille"))


@dataclass(frozen=True)
class DemoLoaded:
    ccam_version: str


def load_demo(ctx: Context) -> DemoLoaded:
    """Professionals, users, prescribers, favourites, organisms, patients and the CCAM sample."""
    demo_professionals.load(ctx)
    demo_patients.load(ctx)
    for login, password in DEMO_PASSWORDS:
        signin.set_initial_password(ctx, login, password)
    version = current_version(ctx)
    if version is None:
        summary = ccam_import.import_ccam(ctx, ccam_import.sample_ccam_path())
        return DemoLoaded(summary.version)
    return DemoLoaded(version.version)
