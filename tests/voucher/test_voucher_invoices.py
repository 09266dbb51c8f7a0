"""greenfi.domain.invoices: trivial re-encodings of an invoice hash alike; any change to a hashed field does
not; malformed invoices stop with one InvoiceError (a ConfigError), never a traceback."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenfi.errors import ConfigError
from greenfi.domain.invoices import InvoiceError, canonical_bytes, invoice_file_hash, invoice_hash

INVOICE = {"number": "INV-2025-0042", "seller": "91310000MA1K4AB12X", "buyer": "91110000100000000Y",
           "issue_date": "2025-03-01", "currency": "CNY", "total": "1250.50"}


def test_the_canonical_bytes_are_compact_sorted_json():
    assert canonical_bytes(INVOICE) == (b'{"buyer":"91110000100000000Y","currency":"CNY","issue_date":"2025-03-01",'
                                        b'"number":"INV-2025-0042","seller":"91310000MA1K4AB12X","total":1250500000}')


def reencode(invoice, key_case, pad, date_form, total_form, seller_hyphens, extra):
    """One trivial re-encoding of `invoice`: key case and padding, date and total formats, tax-id
    hyphens and spaces, fields that are not hashed."""
    dates = {"iso": "2025-03-01", "slash": "2025/03/01", "dot": "2025.3.1", "compact": "20250301",
             "cn": "2025年3月1日", "datetime": "2025-03-01T09:30:00+08:00"}
    totals = {"text": "1250.50", "grouped": "1,250.500000", "decimal": Decimal("1250.5"), "spaced": " 1 250.5 "}
    out = {
        pad + key_case("number") + pad: pad + invoice["number"].lower() + pad,
        key_case("seller"): "9131-0000 MA1K4AB12X" if seller_hyphens else invoice["seller"],
        key_case("buyer"): invoice["buyer"].lower(),
        key_case("issue-date"): dates[date_form],
        key_case("currency"): " " + invoice["currency"].lower(),
        key_case("total"): totals[total_form],
    }
    if extra:
        out["notes"] = "paper copy, page 2"
    return out


@settings(max_examples=60, deadline=None)
@given(key_case=st.sampled_from([str.lower, str.upper, str.title]), pad=st.sampled_from(["", " ", "\t"]),
       date_form=st.sampled_from(["iso", "slash", "dot", "compact", "cn", "datetime"]),
       total_form=st.sampled_from(["text", "grouped", "decimal", "spaced"]), seller_hyphens=st.booleans(),
       extra=st.booleans())
def test_trivial_reencodings_hash_alike(key_case, pad, date_form, total_form, seller_hyphens, extra):
    assert invoice_hash(reencode(INVOICE, key_case, pad, date_form, total_form, seller_hyphens, extra)) == \
        invoice_hash(INVOICE)


@pytest.mark.parametrize("field, value", [
    ("number", "INV-2025-0043"), ("seller", "91310000MA1K4AB12Y"), ("buyer", "91110000100000000X"),
    ("issue_date", "2025-03-02"), ("currency", "USD"), ("total", "1250.51"), ("total", "1250.500001"),
])
def test_a_changed_field_is_another_invoice(field, value):
    assert invoice_hash({**INVOICE, field: value}) != invoice_hash(INVOICE)


@pytest.mark.parametrize("change, message", [
    ({"total": "12.0000001"}, "at most 6 decimals"),
    ({"total": "-1"}, "at most 6 decimals"),
    ({"total": "twelve"}, "not a number"),
    ({"total": True}, "must be a number"),
    ({"issue_date": "01/03/2025"}, "not a date"),
    ({"issue_date": "2025-02-30"}, "not a date"),
    ({"currency": "yuan"}, "ISO 4217"),
    ({"number": "  "}, "number is empty"),
    ({"seller": 913100}, "seller must be text"),
])
def test_malformed_invoices_stop_with_one_error(change, message):
    with pytest.raises(InvoiceError, match=message):
        invoice_hash({**INVOICE, **change})
    assert issubclass(InvoiceError, ConfigError)


def test_missing_fields_are_named():
    with pytest.raises(InvoiceError, match="lacks buyer, total"):
        invoice_hash({k: v for k, v in INVOICE.items() if k not in ("buyer", "total")})


def test_files_that_are_not_json_objects_are_refused(tmp_path):
    for name, text in (("list.json", "[1, 2]"), ("broken.json", "{")):
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(InvoiceError):
            invoice_file_hash(path)
    with pytest.raises(InvoiceError, match="cannot read"):
        invoice_file_hash(tmp_path / "missing.json")
