"""Readings, EIP-712 hashing, signatures, verification and the JSON wire form.

eth-account's typed-data implementation is the reference: our hand-packed hashing must match it
byte for byte, and both sides must recover each other's signatures.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from coincurve import PublicKey
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data
from eth_utils import keccak as reference_keccak
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import (
    UINT64_MAX,
    Domain,
    Reading,
    ReadingFormatError,
    ReadingLimits,
    Reason,
    SignatureError,
    SignedReading,
    Verdict,
    digest,
    domain_separator,
    eip712_typed_data,
    from_json,
    recover_signer,
    sign_reading,
    struct_hash,
    to_compact,
    to_json,
    to_rsv,
    verify_batch,
    verify_reading,
)
from oracles.readings import DOMAIN_TYPEHASH, READING_TYPEHASH
from oracles.signing import SECP256K1_HALF_N, SECP256K1_N

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
SIGNER = Account.from_key(KEY).address
ANCHOR = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
DOMAIN = Domain(31337, ANCHOR)
DEVICE = bytes.fromhex("d0" * 32)
READING = Reading(DEVICE, 7, 1_700_000_000, 1_700_000_900, 1_250)

uint64 = st.integers(0, UINT64_MAX)
readings = st.builds(Reading, st.binary(min_size=32, max_size=32), uint64, uint64, uint64, uint64)
domains = st.builds(
    Domain,
    st.integers(0, 2**256 - 1),
    st.binary(min_size=20, max_size=20).map(lambda raw: "0x" + raw.hex()),
)
private_keys = st.integers(1, SECP256K1_N - 1).map(lambda k: k.to_bytes(32, "big"))


def signed_reading(reading: Reading = READING) -> SignedReading:
    return SignedReading(reading, sign_reading(KEY, reading, DOMAIN))


# --- EIP-712 against eth-account -------------------------------------------------------------

def test_type_hashes_and_curve_constants_match_the_spec():
    assert DOMAIN_TYPEHASH == reference_keccak(
        text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    assert READING_TYPEHASH == reference_keccak(
        text="Reading(bytes32 deviceId,uint64 sequence,uint64 periodStart,uint64 periodEnd,uint64 energyWh)")
    # The bound hard-coded in OpenZeppelin's ECDSA.tryRecover.
    assert SECP256K1_HALF_N == 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0


@settings(max_examples=60, deadline=None)
@given(reading=readings, domain=domains)
def test_hashes_match_eth_account_encode_typed_data(reading, domain):
    signable = encode_typed_data(full_message=eip712_typed_data(reading, domain))
    assert signable.version == b"\x01"
    assert signable.header == domain.separator
    assert signable.body == struct_hash(reading)
    assert _hash_eip191_message(signable) == digest(reading, domain)


@settings(max_examples=25, deadline=None)
@given(key=private_keys, reading=readings, domain=domains)
def test_signatures_agree_with_eth_account_sign_typed_data(key, reading, domain):
    reference = Account.sign_typed_data(key, full_message=eip712_typed_data(reading, domain))
    ours = sign_reading(key, reading, domain)
    address = Account.from_key(key).address
    assert reference.message_hash == digest(reading, domain)
    # Both use RFC 6979 nonces, so the signatures are identical, not merely both valid.
    assert ours == to_compact(bytes(reference.signature))
    assert recover_signer(digest(reading, domain), ours) == address
    signable = encode_typed_data(full_message=eip712_typed_data(reading, domain))
    assert Account.recover_message(signable, signature=to_rsv(ours)) == address


def test_domain_separator_is_cached_and_depends_on_chain_and_contract():
    assert domain_separator(31337, ANCHOR) is domain_separator(31337, ANCHOR.lower())
    assert domain_separator(1, ANCHOR) != DOMAIN.separator
    assert domain_separator(31337, "0x" + "11" * 20) != DOMAIN.separator
    assert Domain(31337, ANCHOR.lower()) == DOMAIN
    assert DOMAIN.verifying_contract == ANCHOR


@pytest.mark.parametrize("address", [
    "0x5fbDB2315678afecb367f032d93F642f64180aa3",  # one letter's case flipped: bad EIP-55 checksum
    "5FbDB2315678afecb367f032d93F642f64180aa3",
    "0x5FbDB2315678afecb367f032d93F642f64180a",
    b"\x01" * 19,
])
def test_domain_rejects_malformed_contract_addresses(address):
    with pytest.raises(ReadingFormatError):
        Domain(1, address)


# --- signatures ------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(key=private_keys, reading=readings)
def test_sign_recover_roundtrip_and_both_signature_forms(key, reading):
    compact = sign_reading(key, reading, DOMAIN)
    rsv = to_rsv(compact)
    address = Account.from_key(key).address
    assert len(compact) == 64 and len(rsv) == 65 and rsv[64] in (27, 28)
    assert int.from_bytes(rsv[32:64], "big") <= SECP256K1_HALF_N
    assert compact[32] >> 7 == rsv[64] - 27  # EIP-2098: the top bit of vs carries v
    assert to_compact(rsv) == compact == to_compact(compact)
    assert to_compact(rsv[:64] + bytes((rsv[64] - 27,))) == compact  # v in {0, 1} too
    assert recover_signer(digest(reading, DOMAIN), compact) == address
    assert recover_signer(digest(reading, DOMAIN), rsv) == address


def _high_s(compact: bytes) -> bytes:
    """The other valid ECDSA signature (r, n - s, other v), which plain ecrecover also accepts."""
    rsv = to_rsv(compact)
    s = int.from_bytes(rsv[32:64], "big")
    return rsv[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes((55 - rsv[64],))  # 27 <-> 28


def test_high_s_is_rejected_as_malleable_in_every_form():
    high = _high_s(signed_reading().signature)
    # It really is a valid signature by the same key: only the malleability rule stops it.
    raw = PublicKey.from_signature_and_message(high[:64] + bytes((high[64] - 27,)), digest(READING, DOMAIN),
                                               hasher=None)
    assert to_checksum_address(reference_keccak(raw.format(compressed=False)[1:])[12:]) == SIGNER
    with pytest.raises(SignatureError) as excinfo:
        to_compact(high)
    assert excinfo.value.reason == Reason.MALLEABLE_SIGNATURE
    assert verify_reading(READING, high, DOMAIN, SIGNER) == (False, Reason.MALLEABLE_SIGNATURE)
    # A compact signature whose s (vs without the top bit) is just above n/2.
    compact = bytes(32 * [1]) + (SECP256K1_HALF_N + 1).to_bytes(32, "big")
    assert verify_reading(READING, compact, DOMAIN, SIGNER) == (False, Reason.MALLEABLE_SIGNATURE)
    with pytest.raises(SignatureError):
        recover_signer(digest(READING, DOMAIN), compact)


@pytest.mark.parametrize("signature, message", [
    (b"\x01" * 63, "expected 64"),
    (b"\x01" * 66, "expected 64"),
    (b"\x01" * 64 + b"\x1d", "v must be 27 or 28"),
    ("0x" + "01" * 64, "expected bytes"),
])
def test_unusable_signature_shapes_are_rejected(signature, message):
    with pytest.raises(SignatureError, match=message) as excinfo:
        to_compact(signature)
    assert excinfo.value.reason == Reason.BAD_SIGNATURE
    assert verify_reading(READING, signature, DOMAIN, SIGNER) == (False, Reason.BAD_SIGNATURE)


@pytest.mark.parametrize("r, s", [(0, 1), (1, 0), (SECP256K1_N, 1), (2**256 - 1, 1)])
def test_signatures_ecrecover_rejects_are_bad_signatures(r, s):
    compact = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert verify_reading(READING, compact, DOMAIN, SIGNER) == (False, Reason.BAD_SIGNATURE)


@pytest.mark.parametrize("field, value", [
    ("device_id", b"\xd1" * 32),
    ("sequence", 8),
    ("period_start", 1_699_999_999),
    ("period_end", 1_700_000_901),
    ("energy_wh", 1_251),
])
def test_tampered_field_recovers_a_different_signer(field, value):
    signature = signed_reading().signature
    tampered = dataclasses.replace(READING, **{field: value})
    assert verify_reading(READING, signature, DOMAIN, SIGNER) == (True, None)
    assert verify_reading(tampered, signature, DOMAIN, SIGNER) == (False, Reason.WRONG_SIGNER)


def test_signature_is_bound_to_chain_and_contract():
    signature = signed_reading().signature
    for other in (Domain(1, ANCHOR), Domain(31337, "0x" + "11" * 20)):
        assert verify_reading(READING, signature, other, SIGNER) == (False, Reason.WRONG_SIGNER)


def test_tampered_signature_never_verifies():
    signature = bytearray(signed_reading().signature)
    signature[5] ^= 0x01
    verdict = verify_reading(READING, bytes(signature), DOMAIN, SIGNER)
    assert verdict.ok is False and verdict.reason in (Reason.WRONG_SIGNER, Reason.BAD_SIGNATURE)


# --- batch verification ----------------------------------------------------------------------

def test_verify_batch_reports_each_reason_in_input_order():
    good = signed_reading()
    other_device = Reading(b"\xee" * 32, 1, 100, 200, 1)
    short = Reading(DEVICE, 8, 1_700_000_000, 1_700_000_000, 0)
    too_long = Reading(DEVICE, 9, 0, 32 * 86_400, 0)
    too_much = Reading(DEVICE, 10, 0, 3_600, 1_000_000_001)  # 1 GW for an hour, plus 1 Wh
    items = [
        good,
        signed_reading(short),
        signed_reading(too_long),
        signed_reading(too_much),
        signed_reading(other_device),
        (READING, b"\x00" * 64),
        (READING, _high_s(good.signature)),
        (READING, to_rsv(good.signature)),  # 65-byte input is fine
        (dataclasses.replace(READING, energy_wh=0), good.signature),
    ]
    verdicts = verify_batch(items, DOMAIN, {DEVICE: SIGNER}.get)
    assert verdicts == [
        Verdict(True, None),
        (False, "bad_period"),
        (False, "bad_period"),
        (False, "energy_out_of_range"),
        (False, "unknown_device"),
        (False, "bad_signature"),
        (False, "malleable_signature"),
        (True, None),
        (False, "wrong_signer"),
    ]


def test_energy_limit_is_exact_at_the_boundary():
    limits = ReadingLimits(max_period_s=3_600, max_power_w=1_000)
    at_cap = signed_reading(Reading(DEVICE, 1, 0, 3_600, 1_000))
    over = signed_reading(Reading(DEVICE, 2, 0, 3_600, 1_001))
    assert verify_batch([at_cap, over], DOMAIN, lambda _: SIGNER.lower(), limits) == [
        (True, None), (False, Reason.ENERGY_OUT_OF_RANGE)]


def test_expected_signer_may_be_given_as_bytes_or_any_case():
    signature = signed_reading().signature
    for expected in (SIGNER, SIGNER.lower(), bytes.fromhex(SIGNER[2:])):
        assert verify_reading(READING, signature, DOMAIN, expected).ok


# --- Reading construction --------------------------------------------------------------------

@pytest.mark.parametrize("changes, field", [
    ({"device_id": b"\x01" * 31}, "deviceId"),
    ({"device_id": "0x" + "01" * 32}, "deviceId"),
    ({"sequence": -1}, "sequence"),
    ({"period_start": UINT64_MAX + 1}, "periodStart"),
    ({"period_end": True}, "periodEnd"),
    ({"energy_wh": 1.0}, "energyWh"),
])
def test_reading_rejects_out_of_range_fields(changes, field):
    with pytest.raises(ReadingFormatError) as excinfo:
        dataclasses.replace(READING, **changes)
    assert excinfo.value.field == field


# --- JSON wire form --------------------------------------------------------------------------

def test_canonical_json_is_exact():
    signed = signed_reading()
    text = to_json(signed)
    assert text == (
        '{"deviceId":"0x' + "d0" * 32 + '","energyWh":1250,"periodEnd":1700000900,'
        '"periodStart":1700000000,"sequence":7,"signature":"0x' + signed.signature.hex() + '"}'
    )
    assert from_json(text) == signed == from_json(json.loads(text)) == from_json(text.encode())


@settings(max_examples=40, deadline=None)
@given(reading=readings)
def test_json_roundtrip(reading):
    signed = SignedReading(reading, sign_reading(KEY, reading, DOMAIN))
    assert from_json(to_json(signed)) == signed


def test_json_input_normalises_65_byte_signatures_and_hex_case():
    signed = signed_reading()
    obj = json.loads(to_json(signed))
    obj["signature"] = "0x" + to_rsv(signed.signature).hex().upper()
    obj["deviceId"] = obj["deviceId"].upper().replace("0X", "0x")
    assert from_json(obj) == signed
    assert to_json(from_json(obj)) == to_json(signed)


def _mutated(**changes) -> str:
    obj = json.loads(to_json(signed_reading()))
    for key, value in changes.items():
        if value is ...:
            del obj[key]
        else:
            obj[key] = value
    return json.dumps(obj)


HIGH_S = "0x" + _high_s(signed_reading().signature).hex()


@pytest.mark.parametrize("text, field, message", [
    ("{", None, "not valid JSON"),
    ("[]", None, "expected a JSON object"),
    ('{"deviceId": 1, "deviceId": 2}', None, "duplicate key 'deviceId'"),
    (_mutated(sequence=...), None, "missing key(s) ['sequence']"),
    (_mutated(extra=1), None, "unknown key(s) ['extra']"),
    (_mutated(deviceId="d0" * 32), "deviceId", "0x-prefixed"),
    (_mutated(deviceId="0x" + "d0" * 31), "deviceId", "got 62 hex digits"),
    (_mutated(deviceId="0x" + "zz" * 32), "deviceId", "non-hex"),
    (_mutated(deviceId=123), "deviceId", "0x-prefixed"),
    (_mutated(sequence="7"), "sequence", "expected an integer, got str"),
    (_mutated(energyWh=1.5), "energyWh", "expected an integer, got float"),
    (_mutated(energyWh=1.0), "energyWh", "expected an integer, got float"),
    (_mutated(periodEnd=True), "periodEnd", "expected an integer, got bool"),
    (_mutated(periodStart=None), "periodStart", "expected an integer, got NoneType"),
    (_mutated(energyWh=-1), "energyWh", "outside uint64"),
    (_mutated(sequence=2**64), "sequence", "outside uint64"),
    (_mutated(sequence=float("nan")), None, "NaN is not a valid JSON number"),
    (_mutated(signature="0x" + "01" * 63), "signature", "got 126 hex digits"),
    (_mutated(signature="0x" + "01" * 64 + "1d"), "signature", "v must be 27 or 28"),
    (_mutated(signature=HIGH_S), "signature", "malleable"),
])
def test_from_json_rejects_malformed_input_with_a_clear_reason(text, field, message):
    with pytest.raises(ReadingFormatError) as excinfo:
        from_json(text)
    assert excinfo.value.field == field
    assert message in str(excinfo.value)
