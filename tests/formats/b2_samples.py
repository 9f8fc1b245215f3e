"""Shared B2 models for the format tests: the golden file's content and Hypothesis strategies of valid files."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from feuille.formats import b2_file as m

D = Decimal
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "


def golden_file() -> m.B2File:
    """DOMAIN.md worked example 2 (C + CCAM AFLB001, formula 052) in lot 001, a plain C in lot 002."""
    header = m.FileHeader("TP", "00000996102182", "CT", "00000001996996", "000042", date(2025, 1, 16),
                          message="ESSAI")
    act_c = m.Act(care_date=date(2025, 1, 15), act_code="C", quantity=1, coefficient=D("1.00"),
                  unit_price=D("23.00"), base=D("23.00"), rate=70, amo=D("16.10"), fees=D("23.00"), amc=D("6.90"),
                  performer_number="996102182", performer_specialty="01")
    act_ccam = m.Act(care_date=date(2025, 1, 15), act_code="CCAM", quantity=1, coefficient=D("1.00"),
                     unit_price=D("50.56"), base=D("50.56"), rate=70, amo=D("35.39"), fees=D("50.56"),
                     amc=D("15.17"), performer_number="996102182", performer_specialty="01")
    lines = (m.Line(act_c, rpps=m.ActRpps(performer_rpps="99700557897")),
             m.Line(act_ccam, detail=m.ActDetail(agreement="9"),
                    ccam=(m.CcamAct("AFLB001", date(2025, 1, 15), association="1"),)))
    signature = m.InvoiceSignature(m.Signer.CPS, "ES256", m.key_fingerprint(b"public key"), bytes(range(72)))
    first = m.Invoice("996102182", "1421962965165", "96", 1, 42,
                      m.InvoiceHeader("01", "996", "9881", "10", proof="4", birth_date=date(1942, 1, 19)),
                      lines, m.InvoiceDetail(doctor_declared="O", doctor_name="MEDECIN", ips="T"), (signature,))
    second = m.Invoice("996102182", "1421962965165", "96", 1, 43, m.InvoiceHeader("01", "996", "9881", "10"),
                       (m.Line(act_c),))
    lot1 = m.Lot(m.LotHeader("996102182", "996", "001", date(2025, 1, 16), partner_name="DOCTEUR ESSAI",
                             certification="S"), (first,))
    lot2 = m.Lot(m.LotHeader("996102182", "996", "002", date(2025, 1, 16)), (second,))
    return m.B2File(header, (lot1, lot2))


#: The content digest of golden/b2_signature_d.txt: 32 bytes chosen for the test.
GOLDEN_DIGEST = bytes.fromhex("a4c4e0b1c4bbb6e83bc7cbd5e5b6aa3ee0ee5b0e3fa5dd8de9b4bd2db15f4e5b")


def golden_signature_d() -> m.InvoiceSignature:
    """A Vitale signature of content D of the golden file's first invoice (golden/b2_signature_d.txt)."""
    return m.InvoiceSignature(m.Signer.VITALE, "ES256", m.key_fingerprint(b"vitale key"), bytes(range(100, 171)),
                              GOLDEN_DIGEST)


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text("0123456789", min_size=n, max_size=n)


def optional_digits(n: int) -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), digits(n).filter(lambda s: set(s) != {"0"}))


def alpha(n: int) -> st.SearchStrategy[str]:
    return st.text(ALNUM, max_size=n).map(str.rstrip)


def cents(width: int) -> st.SearchStrategy[Decimal]:
    return st.integers(0, 10 ** width - 1).map(lambda c: Decimal(c) / 100)


CARE = st.dates(date(2000, 1, 1), date(2099, 12, 31))

acts = st.builds(
    m.Act, care_date=CARE, act_code=alpha(5), quantity=st.integers(0, 99), coefficient=cents(5),
    unit_price=cents(7), base=cents(7), rate=st.integers(0, 999), amo=cents(6), fees=cents(6), amc=cents(5),
    count=st.integers(0, 99), prescriber_number=optional_digits(9), exoneration=alpha(1),
    performer_number=optional_digits(9), performer_specialty=optional_digits(2), qualifier=alpha(1))
ccam_acts = st.builds(
    m.CcamAct, ccam_code=alpha(13), session_date=CARE, activity=digits(1), phase=digits(1), extension=alpha(1),
    modifier_1=alpha(1), modifier_2=alpha(1), modifier_3=alpha(1), modifier_4=alpha(1),
    association=optional_digits(1), conditional=alpha(1), teeth=alpha(32))
lines = st.builds(
    m.Line, act=acts,
    detail=st.none() | st.builds(m.ActDetail, request_date=st.none() | CARE, agreement=alpha(1),
                                 activity_domain=alpha(1)),
    rpps=st.none() | st.builds(m.ActRpps, prescriber_rpps=optional_digits(11), performer_rpps=optional_digits(11)),
    ccam=st.lists(ccam_acts, max_size=3).map(tuple))
signatures = st.builds(m.InvoiceSignature, signer=st.sampled_from(m.Signer),
                       algorithm=st.sampled_from(sorted(m.SIGNATURE_ALGORITHMS.values())),
                       key_fingerprint=st.binary(max_size=10).map(m.key_fingerprint),
                       value=st.binary(min_size=1, max_size=300),
                       content_digest=st.none() | st.binary(min_size=32, max_size=32))


@st.composite
def invoices(draw: st.DrawFn, billing_number: str, created: date) -> m.Invoice:
    header = m.InvoiceHeader(
        regime=draw(digits(2)), caisse=draw(digits(3)), centre=draw(digits(4)), insurance_nature=draw(digits(2)),
        proof=draw(digits(1)), exoneration=draw(alpha(1)), accident=draw(optional_digits(9)),
        amc_separate=draw(alpha(1)), top_m=draw(alpha(1)),
        birth_date=draw(st.none() | st.dates(created - timedelta(days=36_000), created)),
        birth_rank=draw(digits(1)), contract_type=draw(optional_digits(2)), amc_number=draw(optional_digits(10)),
        dre=draw(st.sampled_from(["", "D"])), pec_number=draw(alpha(18)),
        pec_date=draw(st.sampled_from([""]) | st.dates(date(2000, 1, 1), date(2099, 12, 31)).map(
            lambda day: f"{day:%y%m%d}")),
        convention_type=draw(alpha(5)), secondary_criterion=draw(alpha(9)))
    detail = draw(st.none() | st.builds(
        m.InvoiceDetail, certified_nir=alpha(13), certified_nir_key=optional_digits(2), doctor_declared=alpha(1),
        doctor_name=alpha(25), doctor_first_name=alpha(15), doctor_number=optional_digits(9), ips=alpha(1)))
    return m.Invoice(billing_number, draw(alpha(13)), draw(digits(2)), draw(st.integers(0, 999)),
                     draw(st.integers(0, 999_999_999)), header, tuple(draw(st.lists(lines, min_size=1, max_size=3))),
                     detail, tuple(draw(st.lists(signatures, max_size=2))))


@st.composite
def files(draw: st.DrawFn) -> m.B2File:
    created = draw(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
    partner = draw(digits(9))
    first = draw(st.integers(1, 999))
    lots = []
    for n in range(draw(st.integers(1, 3))):
        header = m.LotHeader(partner, draw(digits(3)), f"{(first - 1 + n) % 999 + 1:03d}", draw(CARE),
                             draw(alpha(40)), draw(optional_digits(3)), draw(optional_digits(2)),
                             draw(optional_digits(2)), draw(alpha(2)), draw(st.sampled_from(["", "S", "F", "D"])),
                             draw(alpha(6)))
        closing = m.LotClosing(draw(st.sampled_from("RTD")), draw(st.sampled_from(["", "F"])), draw(alpha(12)),
                               draw(alpha(12)), draw(optional_digits(9)), draw(alpha(32)))
        lots.append(m.Lot(header, tuple(draw(st.lists(invoices(partner, created), min_size=1, max_size=3))),
                          closing))
    header = m.FileHeader(draw(st.sampled_from(["TP", "TE", "SI", "OT"])), draw(digits(14)), draw(alpha(2)),
                          draw(digits(14)), draw(digits(6)), created, draw(alpha(4)), draw(digits(6) | st.just("")),
                          draw(alpha(37)))
    return m.B2File(header, tuple(lots))
