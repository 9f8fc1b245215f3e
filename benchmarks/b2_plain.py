"""The same bytes as ``feuille.formats.b2_file.write_b2`` for the records a benchmark lot holds (000, 1, 2, 4, 5, 7,
6, 999), written with plain f-strings and no layout engine: the baseline ``benchmarks.lots`` compares the engine
with. Column positions copied by hand from ``feuille.formats.b2`` (the benchmark checks the bytes are equal)."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

from feuille.formats import b2_file as m

ZERO = Decimal("0.00")


def _d(day: date | None) -> str:
    return f"{day:%y%m%d}" if day else "000000"


def _m(amount: Decimal, width: int) -> str:
    return f"{int(amount * 100):0{width}d}"


def _n(text: str, width: int) -> str:
    return text.rjust(width, "0") if text else "0" * width


def _a(text: str, width: int) -> str:
    return f"{text.upper():<{width}.{width}}"


def _prefix(kind: str, invoice: m.Invoice) -> str:
    return f"{kind}{invoice.billing_number:0>9} {invoice.insured_nir:<13}{invoice.nir_key:0>2}"


def _record_2(i: m.Invoice) -> str:
    h = i.header
    return (f"{_prefix('2', i)}{i.rank:03d}{i.number:09d}1{_a(h.dre, 1)}{_a(h.top_m, 1)}{'':7}{_n(h.regime, 2)}"
            f"{_n(h.caisse, 3)}{_n(h.centre, 4)}{_n(h.proof, 1)}{_a(h.pec_number, 18)}{_n(h.insurance_nature, 2)}"
            f"{_a(h.exoneration, 1)}{_a(h.pec_date, 6)}{_n(h.accident, 9)}{_a(h.amc_separate, 1)}{_d(h.birth_date)}"
            f"{_n(h.birth_rank, 1)}{_a(h.convention_type, 5)}{_a(h.secondary_criterion, 9)}{_n(h.contract_type, 2)}"
            f"{_n(h.amc_number, 10)}")


def _record_4(i: m.Invoice, a: m.Act) -> str:
    return (f"{_prefix('4', i)}{i.rank:03d}{i.number:09d}{'':5}{_n(a.prescriber_number, 9)} {_a(a.exoneration, 1)}"
            f"  {_n(a.performer_number, 9)}  {_n(a.performer_specialty, 2)}{_d(a.care_date)}{_a(a.act_code, 5)}"
            f"{a.quantity:02d}{_m(a.coefficient, 6)}{a.count:02d}{_m(a.unit_price, 7)}{_m(a.base, 7)}{a.rate:03d}"
            f"{_m(a.amo, 7)}{_m(a.fees, 7)}{_a(a.qualifier, 1)}{_m(a.amc, 6)}")


def _record_5(i: m.Invoice) -> str:
    return (f"{_prefix('5', i)}{i.rank:03d}{i.number:09d}{i.line_records:03d}{'':16}{_m(i.fees, 8)}{_m(i.amo, 8)}"
            f"{'':16}{_m(i.amc, 8)}{'':31}")


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def _records_7(i: m.Invoice, s: m.InvoiceSignature) -> list[str]:
    text = _b32(s.value)
    chunks = [text[n:n + 86] for n in range(0, len(text), 86)]
    if s.content_digest is not None:
        chunks.insert(0, _b32(s.content_digest))
    common = f"{_prefix('7', i)}{i.number:09d}{s.signer.value}"
    head = (f"{common}000{len(chunks):03d}{s.algorithm:<5}{len(s.value):04d}{s.content}{s.key_fingerprint:<64}"
            f"{'':12}")
    return [head, *(f"{common}{n:03d}{'':3}{chunk:<86}" for n, chunk in enumerate(chunks, start=1))]


def _invoice(i: m.Invoice) -> list[str]:
    if i.detail is not None or any(line.detail or line.rpps or line.ccam for line in i.lines):
        raise ValueError("the plain writer knows records 2, 4, 5 and 7 only")
    out = [_record_2(i), *(_record_4(i, line.act) for line in i.lines), _record_5(i)]
    for signature in i.signatures:
        out.extend(_records_7(i, signature))
    return out


def _lot(lot: m.Lot) -> list[str]:
    h, c, invoices = lot.header, lot.closing, lot.invoices
    out = [f"1{h.partner_number:0>9}{'':6}{_n(h.organism, 3)}{h.lot_number:<3}{_n(h.category, 3)}"
           f"{_n(h.legal_status, 2)}{_n(h.tariff_mode, 2)}{_a(h.partner_name, 40)}B2{_d(h.lot_date)} "
           f"{_a(h.norme_code, 2)}{_a(h.certification, 1)}{_a(h.norme_version, 6)}U{'':40}"]
    for invoice in invoices:
        out.extend(_invoice(invoice))
    fees, amo, amc = (sum((getattr(i, name) for i in invoices), ZERO) for name in ("fees", "amo", "amc"))
    out.append(f"6{h.partner_number:0>9}{len(invoices):03d}{sum(len(i.lines) for i in invoices):04d}"
               f"{sum(1 + (i.detail is not None) for i in invoices):04d}{len(invoices):03d}{_m(fees, 9)}"
               f"{_m(amo, 9)}{_m(amc, 9)}{h.lot_number:<3}{c.marking}{_a(c.sesam, 1)}{'':4}"
               f"{_a(c.software_approval, 12)}{_a(c.reader_approval, 12)}{'':3}{_n(c.substitute_number, 9)}"
               f"{_a(c.certification_zone, 32)}")
    return out


def write_b2(file: m.B2File) -> str:
    h = file.header
    parties = f"{h.sender_type:<2}{h.sender_number:0>14}{'':6}{h.recipient_type:<2}{h.recipient_number:0>14}"
    records = [f"000{parties}{h.reception_date:<6}TR{h.file_id:0>6}{_d(h.created)}{h.norme:<4}B2{'':15}128{'':6}"
               f"{_a(h.message, 37)}"]
    for lot in file.lots:
        records.extend(_lot(lot))
    records.append(f"999{parties}{'':6}TR{h.file_id:0>6}{len(records) + 1:08d}{'':19}{len(file.lots):03d}{'':43}")
    return "".join(records)


def main() -> None:
    """A lot of 999 unsigned consultations written both ways, best of five (a quick look at the ratio; the figures
    of record are ``benchmarks.lots``')."""
    import time

    from tests.support import lots as samples

    invoices = tuple(samples.invoice("001033901", n, care=date(2025, 1, 14), cards=None, serial=n)
                     for n in range(1, 1000))
    file = samples.b2_file("001033901", [("001", list(invoices))], created=date(2025, 1, 15))
    assert write_b2(file) == m.write_b2(file)
    timings = {}
    for name, writer in (("engine", m.write_b2), ("plain", write_b2)):
        runs = []
        for _ in range(5):
            began = time.perf_counter()
            writer(file)
            runs.append(time.perf_counter() - began)
        timings[name] = min(runs)
    print(f"moteur {timings['engine']:.4f} s, f-strings {timings['plain']:.4f} s, "
          f"rapport {timings['engine'] / timings['plain']:.2f}")


if __name__ == "__main__":
    main()
