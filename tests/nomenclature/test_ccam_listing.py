"""The CNAM listing reader: the shipped sample, the three real versions, and junk."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feuille.nomenclature.ccam import fold, fold_code, keywords_of, parse_price
from feuille.nomenclature.ccam_listing import parse_listing, parse_title

SAMPLE = Path(__file__).resolve().parents[2] / "src" / "feuille" / "nomenclature" / "data" / "ccam_sample.csv"
# A code row starts a physical line with the code (quoted when its cell also holds modifiers: "JANH798\n[A]").
CODE_LINE = re.compile(r'^"?([A-Z]{4}[0-9]{3})(?=[",\r\n]|$)', re.MULTILINE)
HEADER = ('Code,,Texte,Activité,Phase,"Tarif\nSecteur 1\n(en euro)","Tarif\nHors secteur 1\n(en euro)",'
          "Rembt. ss Cdtions,Accord Préalable,Exo. TM,Regroupement\n")
TITLE = "CNAM - CCAM version 81 applicable 01/01/2026,,,,,,,,,,\n"


def listing(*rows: str) -> str:
    return TITLE + HEADER + "".join(row + "\n" for row in rows)


def codes_in(text: str) -> list[str]:
    return CODE_LINE.findall(text)


@pytest.fixture(scope="module")
def sample():  # type: ignore[no-untyped-def]
    result = parse_listing(SAMPLE.read_bytes())
    assert result.ok, result.errors
    return result


def acts_by_code(result):  # type: ignore[no-untyped-def]
    return {act.code: act for act in result.table.acts}


def test_sample_version_and_every_code_row(sample) -> None:  # type: ignore[no-untyped-def]
    assert (sample.table.version, str(sample.table.applicable_from)) == ("67", "2021-04-26")
    text = SAMPLE.read_text(encoding="utf-8-sig")
    assert [act.code for act in sample.table.acts] == codes_in(text)
    assert 40 <= len(sample.table.acts) <= 80


def test_sample_acts_as_published(sample) -> None:  # type: ignore[no-untyped-def]
    acts = acts_by_code(sample)
    aflb001 = acts["AFLB001"]
    assert aflb001.label == "Injection péridurale [épidurale] de sang autologue [Blood patch]"
    assert [(p.activity, p.phase, p.sector1, p.non_sector1) for p in aflb001.prices] == [
        ("1", "0", Decimal("50.56"), Decimal("35.78"))]  # 50.560000000000002 in the file
    assert aflb001.modifiers == ("F", "P", "S", "U")
    assert (aflb001.exo_tm, aflb001.grouping, aflb001.not_covered) == ("1", "ATM", False)
    assert SAMPLE.read_text(encoding="utf-8-sig").splitlines()[aflb001.line - 1].startswith("AFLB001,")
    # continuation row: activity 4 (anaesthesia) under the act, modifiers in its first cell
    assert [(p.activity, p.sector1) for p in acts["AALA002"].prices] == [("1", Decimal("272.83")),
                                                                         ("4", Decimal("178.05"))]
    assert acts["AALA002"].modifiers == ("A", "J", "K", "T")
    # phases of a multi-phase act with no tariff on its code row
    assert [(p.activity, p.phase) for p in acts["BDLA003"].prices] == [("1", "1"), ("4", "1"), ("1", "2"),
                                                                       ("4", "2")]
    assert acts["DAGA001"].prices[-1].activity == "5"
    assert acts["DBPA005"].prices[-1].activity == "4"  # continuation row whose code cell is "*"
    assert acts["JANH798"].modifiers == ("A",)  # "JANH798\n[A]" in the code cell
    assert acts["AHQP001"].not_covered and acts["AHQP001"].prices[0].sector1 is None
    assert acts["AFLB003"].prices[0].sector1 is None and not acts["AFLB003"].not_covered  # no tariff published
    assert acts["HBLD132"].prices[0].sector1 == Decimal("102.13")  # 102.125, rounded half-up as in v78
    assert acts["HBLD132"].reimbursement_conditions and acts["CBLA002"].prior_agreement
    assert "YYYY603" in acts and acts["YYYY603"].modifiers == ("F",)
    assert sample.skipped > 0  # chapters, notes, the modifiers' chapter


def test_real_listings_every_code_row_found(shared_dir: Path) -> None:
    expected_afl = {"67": ("50.56", "35.78"), "78": ("51.76", "36.47"), "81": ("52.96", "37.17")}
    for path in sorted((shared_dir / "data" / "ccam" / "listing").glob("ccam_v*.csv")):
        data = path.read_bytes()
        result = parse_listing(data)
        assert result.ok, (path.name, result.errors[:5])
        table = result.table
        assert table is not None
        assert path.name.startswith(f"ccam_v{table.version}_{table.applicable_from.isoformat()}")
        codes = codes_in(data.decode("utf-8-sig"))
        assert len(codes) > 8000 and len(set(codes)) == len(codes)
        assert [act.code for act in table.acts] == codes, path.name
        acts = acts_by_code(result)
        price = acts["AFLB001"].prices[0]
        assert (str(price.sector1), str(price.non_sector1)) == expected_afl[table.version]
        assert all(p.sector1 is None or p.sector1 == p.sector1.quantize(Decimal("0.01"))
                   for act in table.acts for p in act.prices)
        assert sum(act.not_covered for act in table.acts) > 250


def test_title_variants() -> None:
    assert parse_title("CNAM - CCAM version 81 applicable 01/01/2026") is not None
    version, applicable = parse_title("\ufeffCNAM - CCAM version 67 applicable au 26/04/2021,,,") or ("", None)
    assert (version, str(applicable)) == ("67", "2021-04-26")
    assert parse_title("CNAM - CCAM version 81 applicable 31/02/2026") is None
    assert parse_title("Liste des patients") is None


@pytest.mark.parametrize("junk", [b"", b"\xef\xbb\xbf", "", "   \n", None, object(), 42, "😴"])
def test_junk_is_refused_with_an_error(junk: object) -> None:
    result = parse_listing(junk)
    assert result.table is None and len(result.errors) == 1
    assert result.errors[0].expected


def test_binary_garbage() -> None:
    result = parse_listing(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert result.table is None and "binaire" in result.errors[0].actual
    latin1 = (TITLE + HEADER).encode("utf-8") + "AFLB001,,Injection péridurale".encode("latin-1")
    result = parse_listing(latin1)
    assert result.table is None and result.errors[0].line == 7 and result.errors[0].expected == "du texte UTF-8"


def test_wrong_title_and_missing_header() -> None:
    result = parse_listing("Code,,Texte\nAFLB001,,x,1,0,1,1,,,1,ATM\n")
    assert result.table is None and result.errors[0].line == 1 and "titre" in result.errors[0].expected
    result = parse_listing(TITLE + "AFLB001,,x,1,0,1,1,,,1,ATM\n")
    assert result.table is None and result.errors[0].line == 2 and "en-tête" in result.errors[0].expected
    assert parse_listing(TITLE).errors[0].actual == "la fin du fichier"


def test_truncated_and_bad_rows_are_reported_with_their_line() -> None:
    text = listing(
        "01.01,,CHAPITRE,,,,,,,,",
        "AFLB001,,Injection péridurale,1,0,50.56,35.78,,,1,ATM",
        "AFLB007,,Injection péridurale sans guidage,1,0",  # truncated
        "AFLH001,,Injection guidée,1,0,68.2x,28.80,,,1,ATM",
        ",,anesthésie,9a,0,10,10,,,1,ADA",
        '"[F, PP]",,,,,,,,,,',
    )
    result = parse_listing(text)
    assert result.table is not None
    errors = [(e.line, e.expected, e.actual) for e in result.errors]
    first_row = 7  # title, 5 header lines
    assert errors[0][:2] == (first_row + 2, "11 colonnes")
    assert errors[1] == (first_row + 3, "un tarif en euros (secteur 1)", "68.2x")
    assert errors[2] == (first_row + 4, "un code activité (1 à 5)", "9a")
    assert errors[3] == (first_row + 5, "un modificateur (une lettre ou un chiffre)", "PP")
    assert [a.code for a in result.table.acts] == ["AFLB001", "AFLH001"]
    assert "ligne 10 : attendu un tarif en euros" in str(result.errors[1])


def test_orphan_continuation_rows_are_errors() -> None:
    result = parse_listing(listing("01.01,,CHAPITRE,,,,,,,,", ",,anesthésie,4,0,10,10,,,1,ADA", '"[A]",,,,,,,,,,'))
    assert [e.expected for e in result.errors] == ["un tarif sous la ligne d'un code",
                                                   "une liste de modificateurs sous un acte"]


def test_excel_date_in_exo_tm_and_comma_prices() -> None:
    result = parse_listing(listing("ADGA724,,Ablation,1,0,\"248, 15\",\"226,88\",,,2021-07-02,ADC"))
    act = result.table.acts[0]  # type: ignore[union-attr]
    assert (act.prices[0].sector1, act.prices[0].non_sector1, act.exo_tm) == (Decimal("248.15"),
                                                                             Decimal("226.88"), "2-7")


def test_parse_price() -> None:
    assert parse_price("50.560000000000002") == Decimal("50.56")
    assert parse_price("163.56999999999999") == Decimal("163.57")
    assert parse_price("627") == Decimal("627.00")
    assert parse_price("102.125") == Decimal("102.13")
    for bad in ("", "abc", "-5", "+20%", "1.23456", "1e3", "NaN", "12.34.5"):
        with pytest.raises(ValueError):
            parse_price(bad)


@given(st.integers(min_value=0, max_value=10**8))
def test_float_artefacts_come_back_to_the_cent(cents: int) -> None:
    amount = Decimal(cents) / 100
    assert parse_price(f"{float(amount):.17g}") == amount
    assert parse_price(repr(float(amount))) == amount


def test_fold_and_keywords() -> None:
    assert fold("Injection PÉRIDURALE [épidurale], cœur") == "injection peridurale epidurale coeur"
    assert fold_code(" afl-b ") == "AFLB"
    assert fold("😴") == "" and fold_code("😴") == ""
    words = keywords_of("Injection péridurale [épidurale] de sang autologue [Blood patch] d’une dent")
    assert words == {"injection": "injection", "peridurale": "péridurale", "epidurale": "épidurale",
                     "sang": "sang", "autologue": "autologue", "blood": "blood", "patch": "patch", "dent": "dent"}
    assert keywords_of("avec sans pour par") == {}
