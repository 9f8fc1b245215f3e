"""CCAM import, atomic replace, searches and the pricing port, on SQLite and PostgreSQL (shipped sample)."""

from __future__ import annotations

import gzip
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from feuille import audit
from feuille.auth import Role
from feuille.catalog import ccam, ccam_search
from feuille.catalog.ccam import DbCcamTariffs
from feuille.errors import NotFoundError, PermissionDeniedError, ValidationError
from feuille.nomenclature.tariffs import CcamTariffs
from feuille.storage.models import AuditEntry, CcamActRow, CcamKeywordRow, CcamModifierRow, CcamPriceRow, CcamVersion
from tests.conftest import context_as

# The manual's screen "Sélectionner un acte CCAM", code AFL (acts of the sample).
MANUAL_AFL = ["AFLA003", "AFLB001", "AFLB003", "AFLB004", "AFLB006", "AFLB007", "AFLB008"]
# The manual's keyword screen: "Péridurale" → these acts.
MANUAL_PERIDURALE = ["AFLB001", "AFLB007", "AFLB017", "AFLH001", "AGLB001"]


def counts(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return {model.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
                for model in (CcamVersion, CcamActRow, CcamPriceRow, CcamModifierRow, CcamKeywordRow)}


def test_import_sample_then_search_like_the_manual(ctx) -> None:  # type: ignore[no-untyped-def]
    steps: list[tuple[int, int]] = []
    summary = ccam.import_ccam(ctx, ccam.sample_ccam_path(), progress=lambda done, total: steps.append((done, total)))
    assert (summary.version, summary.applicable_from, summary.acts) == ("67", date(2021, 4, 26), 53)
    assert summary.replaced_version is None and summary.source_format == "listing"
    assert steps[0] == (0, 106) and steps[-1] == (106, 106)

    found = [act.code for act in ccam.search_code_prefix(ctx, "AFL")]
    assert found[:7] == MANUAL_AFL and all(code.startswith("AFL") for code in found)
    assert [a.code for a in ccam.search_code_prefix(ctx, " aflb00 ")][:2] == ["AFLB001", "AFLB003"]
    assert ccam.search_code_prefix(ctx, "AFLB0019") == [] and ccam.search_code_prefix(ctx, "ZZZ") == []
    assert len(ccam.search_code_prefix(ctx, "A", limit=3)) == 3

    keywords = ccam.search_keywords(ctx, "Péri")
    assert {"péridural", "péridurale"} <= set(keywords)
    assert all(k.startswith("péri") for k in keywords) and keywords == ccam.search_keywords(ctx, "PERI")
    assert [a.code for a in ccam.acts_for_keyword(ctx, "péridurale")][:5] == [*MANUAL_PERIDURALE[:4], "AFPA001"]
    assert set(MANUAL_PERIDURALE) <= {a.code for a in ccam.acts_for_keyword(ctx, "Peridurale")}

    words = [a.code for a in ccam.search_words(ctx, "injection péridurale sang")]
    assert words == ["AFLB001"]
    assert [a.code for a in ccam.search_words(ctx, "SANG autolog")] == ["AFLB001"]
    assert "BDLA003" in [a.code for a in ccam.search_words(ctx, "kérato")]
    assert ccam.search_words(ctx, "os de") is not None  # short words: anywhere in the label
    assert ccam.search(ctx, "AFLB001")[0].code == "AFLB001"  # auto mode: looks like a code
    assert ccam.search(ctx, "aflb001")[0].code == "AFLB001"
    assert [a.code for a in ccam.search(ctx, "sang")] == ["AFLB001"]  # auto mode: words
    assert ccam.search(ctx, "péridurale", "motcle")[0].code == "AFLB001"

    act = ccam.get_act(ctx, "aflb001")
    assert act.prices[0].sector1 == Decimal("50.56") and act.modifiers == ("F", "P", "S", "U")
    assert act.version == "67"
    info = ccam.current_version(ctx)
    assert info is not None and (info.version, info.act_count, info.source_file) == ("67", 53, "ccam_sample.csv")


def test_searches_refuse_empty_input(ctx) -> None:  # type: ignore[no-untyped-def]
    ccam.import_ccam(ctx, ccam.sample_ccam_path())
    for call in (ccam.search_code_prefix, ccam.search_words, ccam.search_keywords, ccam.acts_for_keyword):
        for junk in ("", "  ", "😴", "%_"):
            with pytest.raises(ValidationError):
                call(ctx, junk)
    with pytest.raises(ValidationError):
        ccam.search(ctx, "AFL", "nimporte")
    with pytest.raises(ValidationError):
        ccam.search_code_prefix(ctx, "AFL", limit=0)
    with pytest.raises(NotFoundError):
        ccam.get_act(ctx, "XXXX999")


def test_nothing_imported_yet(ctx) -> None:  # type: ignore[no-untyped-def]
    assert ccam.current_version(ctx) is None
    assert ccam.search_code_prefix(ctx, "AFL") == []
    assert DbCcamTariffs(ctx.db).ccam_tariff("AFLB001", date(2025, 1, 1)) is None


def test_import_is_audited_and_needs_the_permission(ctx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDeniedError):
        ccam.import_ccam(context_as(ctx.db, Role.SECRETAIRE), ccam.sample_ccam_path())
    summary = ccam.import_ccam(ctx, ccam.sample_ccam_path())
    with ctx.db.read() as session:
        entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "ccam.import"))
    assert entry is not None and entry.entity_id == str(summary.version_id) and '"acts":53' in entry.data
    assert audit.verify(ctx.db).ok
    secretary = context_as(ctx.db, Role.SECRETAIRE)
    assert ccam.search_code_prefix(secretary, "AFLB001")[0].code == "AFLB001"  # reading is for everyone


def test_a_new_version_replaces_the_previous_one(ctx) -> None:  # type: ignore[no-untyped-def]
    first = ccam.import_ccam(ctx, ccam.sample_ccam_path())
    before = counts(ctx.db)
    second = ccam.import_ccam(ctx, ccam.sample_ccam_path(), version="67.1", applicable_from=date(2021, 7, 1))
    assert second.replaced_version == "67" and second.version_id != first.version_id
    after = counts(ctx.db)
    assert after["ccam_versions"] == 2 and {k: v for k, v in after.items() if k != "ccam_versions"} == {
        k: v for k, v in before.items() if k != "ccam_versions"}
    with ctx.db.read() as session:
        active = session.scalars(sa.select(CcamVersion.version).where(CcamVersion.active.is_(True))).all()
    assert active == ["67.1"]
    assert ccam.current_version(ctx).applicable_from == date(2021, 7, 1)  # type: ignore[union-attr]


def test_a_failing_import_leaves_the_previous_version_active(ctx) -> None:  # type: ignore[no-untyped-def]
    ccam.import_ccam(ctx, ccam.sample_ccam_path())
    before = counts(ctx.db)

    def crash(done: int, total: int) -> None:
        if done > total // 2:  # acts written, half their prices and keywords too: then the disk "fills up"
            raise OSError("disque plein")

    with pytest.raises(OSError):
        ccam.import_ccam(ctx, ccam.sample_ccam_path(), version="99", progress=crash)
    assert counts(ctx.db) == before
    assert ccam.current_version(ctx).version == "67"  # type: ignore[union-attr]
    assert [a.code for a in ccam.search_code_prefix(ctx, "AFL")][:7] == MANUAL_AFL
    assert audit.verify(ctx.db).ok


def test_bad_files_are_refused_before_anything_is_written(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ccam.import_ccam(ctx, ccam.sample_ccam_path())
    before = counts(ctx.db)
    with pytest.raises(ValidationError) as missing:
        ccam.import_ccam(ctx, tmp_path / "absent.csv")
    assert missing.value.field == "fichier"
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x01binary")
    with pytest.raises(ccam.CcamFileError) as refused:
        ccam.import_ccam(ctx, junk)
    assert "binaire" in refused.value.message and refused.value.errors[0].line == 1
    broken = tmp_path / "broken.csv"
    text = ccam.sample_ccam_path().read_text(encoding="utf-8-sig")
    broken.write_text(text.replace("AFLB001,,Injection péridurale [épidurale] de sang autologue [Blood patch],1,0,"
                                   "50.560000000000002", "AFLB001,,Injection,1,0,cinquante"), encoding="utf-8")
    with pytest.raises(ccam.CcamFileError) as bad_price:
        ccam.import_ccam(ctx, broken)
    assert "attendu un tarif en euros (secteur 1), trouvé 'cinquante'" in bad_price.value.message
    empty = tmp_path / "empty.csv"
    empty.write_text(text.split("01.01.01.01")[0], encoding="utf-8")
    with pytest.raises(ccam.CcamFileError, match="au moins un acte"):
        ccam.import_ccam(ctx, empty)
    with pytest.raises(ValidationError):
        ccam.import_ccam(ctx, ccam.sample_ccam_path(), fmt="xml")
    with pytest.raises(ValidationError):
        ccam.import_ccam(ctx, ccam.sample_ccam_path(), version="x" * 17)
    assert counts(ctx.db) == before


def test_db_tariffs_for_the_pricing_engine(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ccam.import_ccam(ctx, ccam.sample_ccam_path())
    tariffs: CcamTariffs = DbCcamTariffs(ctx.db)
    on = date(2025, 1, 1)
    tariff = tariffs.ccam_tariff("AFLB001", on)
    assert tariff is not None and tariff.price == Decimal("50.56") and tariff.modifiers == ("F", "P", "S", "U")
    assert tariff.label.startswith("Injection péridurale")
    assert tariffs.ccam_tariff("aflb001", on, sector=2).price == Decimal("35.78")  # type: ignore[union-attr]
    assert tariffs.ccam_tariff("AALA002", on, activity="4").price == Decimal("178.05")  # type: ignore[union-attr]
    assert tariffs.ccam_tariff("BDLA003", on, phase="2").price == Decimal("65.73")  # type: ignore[union-attr]
    not_covered = tariffs.ccam_tariff("AHQP001", on)
    assert not_covered is not None and not_covered.price is None
    assert tariffs.ccam_tariff("AFLB001", on, activity="4") is None
    assert tariffs.ccam_tariff("XXXX999", on) is None
    # a new import is seen at once, despite the cache
    ccam.import_ccam(ctx, _one_act_listing(tmp_path, "52.96"), version="81")
    assert tariffs.ccam_tariff("AFLB001", on).price == Decimal("52.96")  # type: ignore[union-attr]
    assert tariffs.ccam_tariff("AALA002", on) is None


def _one_act_listing(folder: Path, price: str) -> Path:
    text = ccam.sample_ccam_path().read_text(encoding="utf-8-sig")
    head = text.split("01.01.01.01")[0]
    target = folder / f"one_act_{price}.csv"
    target.write_text(head + f"AFLB001,,Injection péridurale [épidurale] de sang autologue,1,0,{price},37.17,,,1,ATM\n",
                      encoding="utf-8")
    return target


def test_json_import_keeps_the_tariff_history(ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    acts = [{"code": "AFLB001", "libelle_court": "inj. péridurale sang autologue", "date_debut": "2005-03-01",
             "libelle_long": "Injection péridurale [épidurale] de sang autologue [Blood patch]"},
            {"code": "ZZZZ001", "libelle_long": "Acte supprimé", "date_debut": "2005-03-01", "date_fin": "2019-12-31"}]
    tariffs = [{"code": "AFLB001", "activite": "1", "phase": "0", "date_effet": day, "tarif": amount}
               for day, amount in (("2025-01-01", 51.76), ("2022-04-01", 50.56), ("2013-07-01", 35.78))]
    tariffs.append({"code": "ZZZZ001", "activite": "1", "phase": "0", "date_effet": "2005-03-01", "tarif": 10})
    (tmp_path / "ccam_actes.json.gz").write_bytes(gzip.compress(json.dumps(acts).encode()))
    (tmp_path / "ccam_tarifs.json.gz").write_bytes(gzip.compress(json.dumps(tariffs).encode()))
    summary = ccam.import_ccam(ctx, tmp_path / "ccam_actes.json.gz")
    assert (summary.version, summary.source_format, summary.prices) == ("78.10", "json", 4)
    port = DbCcamTariffs(ctx.db)
    assert port.ccam_tariff("AFLB001", date(2021, 1, 1)).price == Decimal("35.78")  # type: ignore[union-attr]
    assert port.ccam_tariff("AFLB001", date(2024, 12, 31)).price == Decimal("50.56")  # type: ignore[union-attr]
    assert port.ccam_tariff("AFLB001", date(2025, 1, 1)).price == Decimal("51.76")  # type: ignore[union-attr]
    assert port.ccam_tariff("AFLB001", date(2025, 1, 1), sector=2).price is None  # type: ignore[union-attr]
    assert port.ccam_tariff("AFLB001", date(2010, 1, 1)) is None  # before any tariff
    assert port.ccam_tariff("ZZZZ001", date(2018, 1, 1)).price == Decimal("10.00")  # type: ignore[union-attr]
    assert port.ccam_tariff("ZZZZ001", date(2020, 1, 1)) is None  # ended
    assert ccam.get_act(ctx, "AFLB001").short_label == "inj. péridurale sang autologue"
    with pytest.raises(ValidationError, match=r"ccam_tarifs\.json\.gz"):
        (tmp_path / "ccam_tarifs.json.gz").unlink()
        ccam.import_ccam(ctx, tmp_path)


def test_memory_index_and_sql_give_the_same_answers(ctx) -> None:  # type: ignore[no-untyped-def]
    ccam.import_ccam(ctx, ccam.sample_ccam_path())
    assert ccam_search._index(ctx.db) is None  # the first search through a handle asks SQL...
    assert ccam_search._index(ctx.db) is not None  # ...the next ones the in-memory index
    for text in ("A", "AFL", "afl b", "AFLB001", "HBJ", "Q", "Z", "AFLB0019"):
        assert ccam.search_code_prefix(ctx, text) == ccam.sql_search_code_prefix(ctx, text), text
    for text in ("Péri", "p", "inj", "anesth", "cathé", "zzz"):
        assert ccam.search_keywords(ctx, text) == ccam.sql_search_keywords(ctx, text), text
    for text in ("péridurale", "injection", "pose", "sang", "peridura"):
        assert ccam.acts_for_keyword(ctx, text) == ccam.sql_acts_for_keyword(ctx, text), text
    for text in ("injection péridurale", "inj peri", "os", "de la", "cathéter pose", "kérato", "avec anesth"):
        assert ccam.search_words(ctx, text) == ccam.sql_search_words(ctx, text), text
