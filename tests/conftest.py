"""Fixtures: every test that takes ``db`` runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from feuille import signin
from feuille.auth import Actor, Context, Role, actor_for, bootstrap
from feuille.billing import install_guards
from feuille.cards.virtual import VirtualCardReader
from feuille.config import DEFAULT_PKCS11_MODULE
from feuille.storage import Database
from feuille.storage.models import Base
from feuille_sim.cards import clone, provision
from tests.cards.agents import card_agents, session_minutes
from tests.support import pg
from tests.support.caisse import caisse_de_test

# Every card agent a test starts (feuille card insert NAME --pin) is stopped after it, whatever the folder.
__all__ = ["caisse_de_test", "card_agents", "session_minutes"]

FIXED_NOW = datetime(2025, 1, 15, 10, 30, 0)
MODULE = os.environ.get("FEUILLE_PKCS11_MODULE", "").strip() or DEFAULT_PKCS11_MODULE
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def no_caisse_in_the_data_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A caisse de test that ``make demo`` left running in the real data folder must not answer the tests."""
    before = os.environ.get("FEUILLE_SIM_DIR")
    os.environ["FEUILLE_SIM_DIR"] = str(tmp_path_factory.mktemp("sans-caisse") / "caisse-de-test")
    yield
    if before is None:
        os.environ.pop("FEUILLE_SIM_DIR", None)
    else:
        os.environ["FEUILLE_SIM_DIR"] = before


@pytest.fixture(scope="session", autouse=True)
def secrets_outside_the_user_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Passwords tests store (``caisse-de-test connecter``, ``messagerie configurer``) never reach the user's real
    secret store: one file for the session, outside it."""
    before = os.environ.get("FEUILLE_SECRETS_FILE")
    os.environ["FEUILLE_SECRETS_FILE"] = str(tmp_path_factory.mktemp("secrets") / "secrets.json")
    yield
    if before is None:
        os.environ.pop("FEUILLE_SECRETS_FILE", None)
    else:
        os.environ["FEUILLE_SECRETS_FILE"] = before


def fixed_clock() -> datetime:
    return FIXED_NOW


@pytest.fixture(scope="session", autouse=True)
def light_password_hashing() -> Iterator[None]:
    """argon2 at the product's cost takes about 0.14 s a hash and as much a check on the CI machine, paid at every
    password set and every sign-in of the web tests. The tests hash with the lightest argon2id instead (the hash
    says its own parameters, so checking follows); the product's parameters are tested in tests/web/test_signin.py."""
    light = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signin, "_hasher", light)
        patch.setattr(signin, "_DUMMY_HASH", light.hash("feuille-mot-de-passe-factice"))
        yield


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "feuille.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    bootstrap(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    server = pg.server_url()
    schema = f"t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{server}?options={quote(f'-csearch_path={schema}')}"
    db = Database(url)
    db.upgrade()
    db.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _truncate_pg(db: Database) -> None:
    """Every table emptied and every sequence restarted, as ``TRUNCATE … RESTART IDENTITY`` would, in one round trip.

    DELETE, children first, rather than TRUNCATE: a test leaves a few rows, and TRUNCATE of 58 tables costs about
    0.2 s against 0.03 s (it recreates each table's files), paid by every PostgreSQL test."""
    deletes = [f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        sequences = conn.execute(sa.text("SELECT sequencename FROM pg_sequences "
                                         "WHERE schemaname = current_schema()")).scalars().all()
        conn.exec_driver_sql("; ".join(deletes + [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, bootstrapped, empty database URL of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "feuille.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("pg_schema_url")
    db = Database(url)
    _truncate_pg(db)
    bootstrap(db)
    db.dispose()
    yield url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    install_guards()  # as the application does at start-up
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def ctx(db: Database) -> Context:
    """The bootstrap administrator, at a fixed time."""
    return Context(db=db, actor=actor_for(db, "admin"), clock=fixed_clock)


def context_as(db: Database, role: Role, login: str = "someone") -> Context:
    """A context for a role without a stored user (permission checks only)."""
    return Context(db=db, actor=Actor(login=login, role=role), clock=fixed_clock)


@pytest.fixture
def shared_dir() -> Path:
    """../shared: CI always has it; a test that needs it fails loudly when it is missing."""
    if not SHARED.is_dir():
        pytest.fail(f"this test needs the shared folder beside the project ({SHARED}); it is missing")
    return SHARED


@pytest.fixture
def cli(db_url: str):  # type: ignore[no-untyped-def]
    from tests.support.cli import Cli

    return Cli(db_url)


# --- cards: one provisioned card directory per session (SoftHSM tokens), a fresh copy per test -------------------
# SoftHSM2 is required: without it the tests fail loudly, they never skip. (Here so that tests/billing uses them.)

@pytest.fixture(scope="session")
def provisioned_cards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not Path(MODULE).exists() or shutil.which("softhsm2-util") is None:
        pytest.fail(f"SoftHSM2 is missing ({MODULE} or softhsm2-util not found): the card tests need it. "
                    "Install it with `apt-get install softhsm2` (or run scripts/ensure-softhsm.sh as root).",
                    pytrace=False)
    root = tmp_path_factory.mktemp("cards-template") / "cartes"
    provision(root, module=MODULE)
    return root


@pytest.fixture
def card_dir(provisioned_cards: Path, tmp_path: Path) -> Path:
    """A private copy: tests may block cards and change PINs."""
    return clone(provisioned_cards, tmp_path / "cartes")


@pytest.fixture
def reader(card_dir: Path) -> VirtualCardReader:
    return VirtualCardReader(card_dir, MODULE)


@pytest.fixture
def card_cli(cli, card_dir: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The ``cli`` fixture (SQLite and PostgreSQL) with the card commands pointed at ``card_dir``."""
    # The « carte » group is one row of cli/names.py:GROUPS, loaded when it runs: registering it here as well
    # added an English « card » group to the shared app, listed by every later test's --help.
    monkeypatch.setenv("FEUILLE_CARDS_DIR", str(card_dir))
    monkeypatch.setenv("FEUILLE_PKCS11_MODULE", MODULE)
    return cli
