"""The mail settings: connecting to the caisse de test keeps the password out of the database; an older practice's
stored credentials are moved out on first use (audited); bad settings are refused in French, all at once."""

from __future__ import annotations

import json
import stat
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from feuille.auth import Context
from feuille.errors import StateError, ValidationError
from feuille.rights import settings as rights_settings
from feuille.rights.settings import read_setting, write_setting
from feuille.storage import Database
from feuille.storage.backup import backup
from feuille.storage.models import AuditEntry, Base, PracticeSetting
from feuille.transmission import mail_settings, secrets
from feuille.transmission.mail_transport import configured_transport
from tests.support.caisse import CaisseDeTest


def database_dump(db: Database) -> str:
    """Every row of every table, as text: what a backup or a dump would carry."""
    with db.engine.connect() as conn:
        return "\n".join("\t".join(str(value) for value in row) for table in Base.metadata.sorted_tables
                         for row in conn.execute(sa.select(table)).all())


def test_connecting_keeps_the_password_out_of_the_database(ctx: Context, caisse_de_test: CaisseDeTest,
                                                           tmp_path: Path) -> None:
    user, password = caisse_de_test.mailbox
    connection, found = mail_settings.connect_test_caisse(ctx, caisse_de_test.dir)
    assert connection.adri.url == caisse_de_test.adri_url
    assert found.user == user and found.secret and found.smtp.security == "starttls" and found.protocol == "pop3"
    assert password not in database_dump(ctx.db)
    if ctx.db.url.startswith("sqlite"):   # the backup file, byte for byte (pg_dump's custom format is compressed)
        backup(ctx.db, tmp_path / "copie.db")
        assert password.encode() not in (tmp_path / "copie.db").read_bytes()
    assert secrets.read(found.secret) == password
    assert stat.S_IMODE(secrets.secrets_file().stat().st_mode) == 0o600
    with ctx.db.read() as session:
        assert "identifiants" not in json.dumps(read_setting(session, rights_settings.TEST_CAISSE))
    # the stored settings reach the caisse's mailbox (the certificates are checked on the day, not at FIXED_NOW)
    assert isinstance(configured_transport(ctx, clock=datetime.now).receive(), list)
    again, _ = mail_settings.connect_test_caisse(ctx, caisse_de_test.dir)   # idempotent: the same reference
    assert mail_settings.load(ctx)[0].secret == found.secret and again.directory == connection.directory


def test_old_credentials_are_moved_out_on_first_use(ctx: Context, caisse_de_test: CaisseDeTest) -> None:
    """A practice connected before issue 12 has ``identifiants`` in ``caisse_de_test``: the first use moves them."""
    found = rights_settings.read_connection(caisse_de_test.dir)
    old = {**found.test, "messagerie": {**found.test["messagerie"], "identifiants": found.mailboxes}}
    with ctx.db.transaction() as session:
        write_setting(ctx, session, rights_settings.ADRI, found.adri)
        # as the older version stored it (its audit entry masked only the top-level keys: see docs)
        session.add(PracticeSetting(name=rights_settings.TEST_CAISSE, value=json.dumps(old), updated_by="admin",
                                    updated_at=ctx.clock()))
    password = caisse_de_test.mailbox[1]
    assert password in database_dump(ctx.db)
    settings, read_password = mail_settings.load(ctx)
    assert read_password == password and settings.user == caisse_de_test.mailbox[0]
    assert password not in database_dump(ctx.db)
    with ctx.db.read() as session:
        actions = [e.action for e in session.scalars(sa.select(AuditEntry))]
        stored = read_setting(session, rights_settings.TEST_CAISSE) or {}
    assert "secrets.migrate" in actions and "identifiants" not in stored["messagerie"]
    assert mail_settings.load(ctx) == (settings, password)   # once only: nothing left to move


def test_a_setting_audit_masks_secrets_at_any_depth(ctx: Context) -> None:
    with ctx.db.transaction() as session:
        write_setting(ctx, session, "essai", {"messagerie": {"identifiants": {"cabinet": {"mot_de_passe": "zut"}}},
                                              "ca": "PEM", "garde": 1})
    with ctx.db.read() as session:
        data = [e.data for e in session.scalars(sa.select(AuditEntry)) if e.entity_id == "essai"]
    assert data and "zut" not in data[0] and "PEM" not in data[0] and '"garde":1' in data[0]


def good() -> dict[str, object]:
    return {"smtp": {"hote": "smtp.exemple.fr", "port": 465, "securite": "tls"},
            "releve": {"protocole": "imap", "hote": "imap.exemple.fr", "port": 993, "securite": "tls"},
            "utilisateur": "cabinet", "expediteur": "cabinet@exemple.fr"}


def test_configure_then_load(ctx: Context) -> None:
    with pytest.raises(StateError) as missing:
        mail_settings.load(ctx)
    assert missing.value.code == "mail_not_configured"
    found = mail_settings.configure(ctx, good(), "secret-é")
    assert mail_settings.load(ctx) == (found, "secret-é") and "secret-é" not in database_dump(ctx.db)
    changed = mail_settings.configure(ctx, {"smtp": {"port": 587, "securite": "starttls"}})
    assert (changed.smtp.host, changed.smtp.port, changed.secret) == ("smtp.exemple.fr", 587, found.secret)
    assert mail_settings.load(ctx)[1] == "secret-é"
    assert mail_settings.configure(ctx, {}, forget_password=True).secret is None


def test_a_password_missing_on_this_desk(ctx: Context) -> None:
    found = mail_settings.configure(ctx, good(), "x")
    secrets.remove(found.secret or "")
    with pytest.raises(StateError) as caught:
        mail_settings.load(ctx)
    assert caught.value.code == "mail_password_missing" and "feuille messagerie configurer" in caught.value.message


def test_never_a_password_in_clear_unless_for_a_test_server(ctx: Context) -> None:
    plain = {**good(), "smtp": {"hote": "127.0.0.1", "port": 2525, "securite": "aucune"}}
    with pytest.raises(ValidationError) as caught:
        mail_settings.configure(ctx, plain, "x")
    assert caught.value.code == "mail_plain_password"
    assert mail_settings.configure(ctx, {**plain, "clair_pour_essai": True}, "x").plain_for_test
    assert mail_settings.configure(ctx, plain, forget_password=True).secret is None


@pytest.mark.parametrize("junk", [None, "", "😴", 3, [], {"hote": object()}, {"port": True}])
def test_junk_settings_every_problem_in_french(junk: object) -> None:
    with pytest.raises(ValidationError) as caught:
        mail_settings.parse({"smtp": junk, "releve": junk, "utilisateur": junk, "expediteur": junk, "ca": 3,
                             "annuaire": "http://x", "delai": -1, "code_objet": "12"})
    fields = {p.field for p in caught.value.problems}
    assert {"smtp", "releve", "utilisateur", "expediteur", "ca", "annuaire", "delai", "code_objet"} <= fields
    assert all(p.code == "mail_settings" for p in caught.value.problems)


def test_the_secrets_file_is_where_the_environment_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(secrets.ENV, str(tmp_path / "ailleurs.json"))
    secrets.store("r", "v")
    assert (tmp_path / "ailleurs.json").exists()


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                                   max_size=4), max_leaves=10)
KEYS = st.sampled_from(["smtp", "releve", "utilisateur", "expediteur", "ca", "secret", "certificats_organismes",
                        "annuaire", "delai", "code_objet", "clair_pour_essai", "hote", "port", "securite"])


SERVERISH = st.fixed_dictionaries({}, optional={"hote": JSONISH, "port": JSONISH, "securite": JSONISH,
                                                "protocole": JSONISH})


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(KEYS, JSONISH | SERVERISH, max_size=12))
def test_any_stored_form_gives_settings_or_a_french_refusal(data: dict[str, object]) -> None:
    try:
        found = mail_settings.parse(data)
    except ValidationError as error:
        assert error.code in ("mail_settings", "mail_plain_password") and error.message
    else:
        assert mail_settings.parse(found.to_json()) == found
