"""The three real CCAM listings and the nomensland JSON, imported one after the other (SQLite and PostgreSQL).

One test per database kind imports everything in turn, each import replacing the one before: that also
proves the atomic replace at full size. Needs ``../shared`` (the ``shared_dir`` fixture fails loudly).
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from feuille.catalog import ccam, ccam_search
from feuille.catalog.ccam import DbCcamTariffs
from feuille.storage.models import CcamActRow, CcamVersion

CODE_LINE = re.compile(r'^"?([A-Z]{4}[0-9]{3})(?=[",\r\n]|$)', re.MULTILINE)
LISTINGS = {  # file → (version, applicable date, AFLB001 sector 1, AFLB001 other sectors)
    "ccam_v67_2021-04-26.csv": ("67", date(2021, 4, 26), "50.56", "35.78"),
    "ccam_v78_2025-02-01.csv": ("78", date(2025, 2, 1), "51.76", "36.47"),
    "ccam_v81_2026-01-01.csv": ("81", date(2026, 1, 1), "52.96", "37.17"),
}


def stored_codes(db) -> list[str]:  # type: ignore[no-untyped-def]
    with db.read() as session:
        return list(session.scalars(sa.select(CcamActRow.code)
                                    .join(CcamVersion, CcamVersion.id == CcamActRow.version_id)
                                    .where(CcamVersion.active.is_(True)).order_by(CcamActRow.code)))


def test_real_tables_imported_in_turn(ctx, shared_dir: Path) -> None:  # type: ignore[no-untyped-def]
    folder = shared_dir / "data" / "ccam"
    port = DbCcamTariffs(ctx.db)
    previous = None
    for name, (version, applicable, sector1, other) in LISTINGS.items():
        path = folder / "listing" / name
        expected = CODE_LINE.findall(path.read_bytes().decode("utf-8-sig"))  # counted independently of the reader
        summary = ccam.import_ccam(ctx, path)
        assert (summary.version, summary.applicable_from, summary.acts) == (version, applicable, len(expected))
        assert summary.replaced_version == previous
        assert stored_codes(ctx.db) == sorted(expected)
        act = ccam.get_act(ctx, "AFLB001")
        assert (str(act.prices[0].sector1), str(act.prices[0].non_sector1)) == (sector1, other)
        assert port.ccam_tariff("AFLB001", applicable).price == Decimal(sector1)  # type: ignore[union-attr]
        assert port.ccam_tariff("AFLB001", applicable, sector=2).price == Decimal(other)  # type: ignore[union-attr]
        found = [a.code for a in ccam.search_code_prefix(ctx, "AFL")]
        assert found[:7] == ["AFLA003", "AFLB001", "AFLB003", "AFLB004", "AFLB006", "AFLB007", "AFLB008"]
        assert {"péridural", "péridurale", "périarticulaire", "périnéale"} <= set(ccam.search_keywords(ctx, "Péri"))
        assert {"AFLB001", "AFLB007", "AFLB017", "AFLH001", "AGLB001"} <= {
            a.code for a in ccam.acts_for_keyword(ctx, "péridurale")}
        if version == "81":  # the in-memory index and the SQL indexes agree at full size
            ccam_search._index(ctx.db)
            assert ccam_search._index(ctx.db) is not None
            for text in ("A", "AFL", "HBJA", "ZZ", "QZFA0"):
                assert ccam.search_code_prefix(ctx, text) == ccam.sql_search_code_prefix(ctx, text)
            for text in ("péri", "inj", "arthro", "radio"):
                assert ccam.search_keywords(ctx, text) == ccam.sql_search_keywords(ctx, text)
                assert ccam.acts_for_keyword(ctx, text + "graphie") == ccam.sql_acts_for_keyword(ctx, text + "graphie")
            for text in ("injection péridurale", "resect osse", "pose abord", "os de", "coelioscopie"):
                assert ccam.search_words(ctx, text, limit=200) == ccam.sql_search_words(ctx, text, limit=200)
        previous = version

    nomensland = folder / "nomensland"
    summary = ccam.import_ccam(ctx, nomensland / "ccam_actes.json.gz", version="78.10")
    codes = [row["code"] for row in json.loads(gzip.decompress((nomensland / "ccam_actes.json.gz").read_bytes()))]
    assert (summary.version, summary.acts, summary.replaced_version) == ("78.10", len(codes), "81")
    assert stored_codes(ctx.db) == sorted(codes)
    assert port.ccam_tariff("AFLB001", date(2024, 6, 1)).price == Decimal("50.56")  # type: ignore[union-attr]
    assert port.ccam_tariff("AFLB001", date(2025, 1, 1)).price == Decimal("51.76")  # type: ignore[union-attr]
    assert port.ccam_tariff("AFLB001", date(2025, 1, 1), sector=2).price == Decimal("36.47")  # type: ignore[union-attr]
    assert ccam.get_act(ctx, "AFLB001").short_label == "inj. péridurale sang autologue"
    with ctx.db.read() as session:
        versions = session.scalars(sa.select(CcamVersion.version).order_by(CcamVersion.id)).all()
    assert versions == ["67", "78", "81", "78.10"]
