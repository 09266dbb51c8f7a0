"""ParticipantRegistry: who may take part, as what, and every way a regulator's call can be refused."""

import brownie
import pytest
from brownie import chain
from tests.support.chain import custom_error, event, kyc_expiry, now

from greenfi.domain.participants import Kind, Reason, jurisdiction

CN, DE, US = jurisdiction("CN"), jurisdiction("DE"), jurisdiction("US")


def record(registry, account):
    kind, code, expiry, frozen = registry.participant(account)
    return kind, bytes(code), expiry, frozen


# ---------------------------------------------------------------- registration


def test_register_stores_record_and_emits(empty_registry, regulator, enterprise):
    expiry = kyc_expiry()
    tx = empty_registry.register(enterprise, Kind.ENTERPRISE, CN, expiry, {"from": regulator})
    assert record(empty_registry, enterprise) == (Kind.ENTERPRISE, CN, expiry, False)
    assert empty_registry.kindOf(enterprise) == Kind.ENTERPRISE
    assert event(tx, "ParticipantRegistered") == {
        "account": enterprise, "kind": Kind.ENTERPRISE, "jurisdiction": "0x" + CN.hex(), "kycExpiry": expiry
    }
    assert empty_registry.canHold(enterprise) == Reason.OK


def test_register_requires_regulator_role(empty_registry, enterprise, outsider):
    role = empty_registry.REGULATOR_ROLE()
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", outsider, role)):
        empty_registry.register(enterprise, Kind.ENTERPRISE, CN, kyc_expiry(), {"from": outsider})
    assert empty_registry.kindOf(enterprise) == Kind.NONE


@pytest.mark.parametrize(
    "make_args, error",
    [
        (lambda acct: (brownie.ZERO_ADDRESS, Kind.BANK, CN, kyc_expiry()), ("ZeroAddress",)),
        (lambda acct: (acct, Kind.NONE, CN, kyc_expiry()), ("InvalidKind",)),
        (lambda acct: (acct, Kind.BANK, b"cn", kyc_expiry()), ("InvalidJurisdiction", "0x636e")),
        (lambda acct: (acct, Kind.BANK, b"C1", kyc_expiry()), ("InvalidJurisdiction", "0x4331")),
        (lambda acct: (acct, Kind.BANK, b"\x00\x00", kyc_expiry()), ("InvalidJurisdiction", "0x0000")),
    ],
    ids=["zero-address", "kind-none", "lower-case", "digit", "empty-jurisdiction"],
)
def test_register_rejects_bad_input(empty_registry, regulator, bank, make_args, error):
    with brownie.reverts(custom_error(*error)):
        empty_registry.register(*make_args(bank), {"from": regulator})
    assert empty_registry.kindOf(bank) == Kind.NONE


def test_register_rejects_past_or_present_kyc_expiry(empty_registry, regulator, bank):
    latest = now()  # the next block's timestamp is at least this
    for expiry in (latest - 1, latest):
        with brownie.reverts(custom_error("KycExpiryNotInFuture", expiry)):
            empty_registry.register(bank, Kind.BANK, CN, expiry, {"from": regulator})
    assert empty_registry.kindOf(bank) == Kind.NONE


def test_register_twice_reverts(registry, regulator, bank):
    before = record(registry, bank)
    with brownie.reverts(custom_error("AlreadyRegistered", bank)):
        registry.register(bank, Kind.INVESTOR, DE, kyc_expiry(2), {"from": regulator})
    assert record(registry, bank) == before


# ---------------------------------------------------------------- updates


def test_update_changes_kind_and_jurisdiction(registry, regulator, investor):
    tx = registry.update(investor, Kind.ENTERPRISE, US, {"from": regulator})
    kind, code, _, _ = record(registry, investor)
    assert (kind, code) == (Kind.ENTERPRISE, US)
    assert event(tx, "ParticipantUpdated")["kind"] == Kind.ENTERPRISE


def test_update_unknown_account_reverts(registry, regulator, outsider):
    with brownie.reverts(custom_error("NotRegistered", outsider)):
        registry.update(outsider, Kind.BANK, CN, {"from": regulator})


def test_update_rejects_bad_kind_and_jurisdiction(registry, regulator, investor):
    before = record(registry, investor)
    with brownie.reverts(custom_error("InvalidKind")):
        registry.update(investor, Kind.NONE, CN, {"from": regulator})
    with brownie.reverts(custom_error("InvalidJurisdiction", "0x7a7a")):
        registry.update(investor, Kind.BANK, b"zz", {"from": regulator})
    assert record(registry, investor) == before


def test_kyc_expires_and_can_be_renewed(registry, regulator, supplier):
    _, _, expiry, _ = record(registry, supplier)
    chain.sleep(expiry - now() + 3600)
    chain.mine()
    assert registry.canHold(supplier) == Reason.KYC_EXPIRED
    new_expiry = kyc_expiry()
    tx = registry.renewKyc(supplier, new_expiry, {"from": regulator})
    assert event(tx, "KycRenewed") == {"account": supplier, "kycExpiry": new_expiry}
    assert registry.canHold(supplier) == Reason.OK


def test_renew_kyc_rejects_past_expiry_and_unknown_account(registry, regulator, supplier, outsider):
    before = record(registry, supplier)
    with brownie.reverts(custom_error("KycExpiryNotInFuture", 1)):
        registry.renewKyc(supplier, 1, {"from": regulator})
    with brownie.reverts(custom_error("NotRegistered", outsider)):
        registry.renewKyc(outsider, kyc_expiry(), {"from": regulator})
    assert record(registry, supplier) == before


# ---------------------------------------------------------------- freezing and removal


def test_freeze_and_unfreeze(registry, regulator, enterprise):
    reason = "0x" + "ab" * 32
    tx = registry.freeze(enterprise, reason, {"from": regulator})
    assert event(tx, "ParticipantFrozen") == {"account": enterprise, "reasonHash": reason}
    assert registry.canHold(enterprise) == Reason.FROZEN
    registry.unfreeze(enterprise, {"from": regulator})
    assert registry.canHold(enterprise) == Reason.OK


def test_freeze_twice_and_unfreeze_unfrozen_revert(registry, regulator, enterprise):
    with brownie.reverts(custom_error("FrozenStateUnchanged", enterprise, False)):
        registry.unfreeze(enterprise, {"from": regulator})
    registry.freeze(enterprise, b"\x00" * 32, {"from": regulator})
    with brownie.reverts(custom_error("FrozenStateUnchanged", enterprise, True)):
        registry.freeze(enterprise, b"\x00" * 32, {"from": regulator})
    assert record(registry, enterprise)[3] is True


def test_freeze_unknown_account_reverts(registry, regulator, outsider):
    with brownie.reverts(custom_error("NotRegistered", outsider)):
        registry.freeze(outsider, b"\x00" * 32, {"from": regulator})
    with brownie.reverts(custom_error("NotRegistered", outsider)):
        registry.unfreeze(outsider, {"from": regulator})


def test_remove_deletes_the_record(registry, regulator, investor):
    tx = registry.remove(investor, {"from": regulator})
    assert "ParticipantRemoved" in tx.events
    assert record(registry, investor) == (Kind.NONE, b"\x00\x00", 0, False)
    assert registry.canHold(investor) == Reason.NOT_REGISTERED
    with brownie.reverts(custom_error("NotRegistered", investor)):
        registry.remove(investor, {"from": regulator})


@pytest.mark.parametrize("call", ["update", "renewKyc", "freeze", "unfreeze", "remove", "restrict", "pause"])
def test_every_regulator_function_refuses_other_accounts(registry, enterprise, admin, call):
    role = registry.REGULATOR_ROLE()
    calls = {
        "update": lambda: registry.update(enterprise, Kind.BANK, CN, {"from": admin}),
        "renewKyc": lambda: registry.renewKyc(enterprise, kyc_expiry(2), {"from": admin}),
        "freeze": lambda: registry.freeze(enterprise, b"\x00" * 32, {"from": admin}),
        "unfreeze": lambda: registry.unfreeze(enterprise, {"from": admin}),
        "remove": lambda: registry.remove(enterprise, {"from": admin}),
        "restrict": lambda: registry.setJurisdictionRestricted(CN, True, {"from": admin}),
        "pause": lambda: registry.pause({"from": admin}),
    }
    before = record(registry, enterprise)
    with brownie.reverts(custom_error("AccessControlUnauthorizedAccount", admin, role)):
        calls[call]()
    assert record(registry, enterprise) == before
    assert not registry.paused() and not registry.isJurisdictionRestricted(CN)


# ---------------------------------------------------------------- rules: jurisdictions, kinds, pause


def test_jurisdiction_restriction_refuses_its_participants(registry, regulator, investor, enterprise):
    tx = registry.setJurisdictionRestricted(DE, True, {"from": regulator})
    assert event(tx, "JurisdictionRestrictionSet") == {"jurisdiction": "0x" + DE.hex(), "restricted": True}
    assert registry.canHold(investor) == Reason.JURISDICTION_RESTRICTED
    assert registry.canHold(enterprise) == Reason.OK
    assert registry.canTransact(enterprise, investor) == Reason.JURISDICTION_RESTRICTED
    registry.setJurisdictionRestricted(DE, False, {"from": regulator})
    assert registry.canTransact(enterprise, investor) == Reason.OK


def test_restricting_a_malformed_jurisdiction_reverts(registry, regulator):
    with brownie.reverts(custom_error("InvalidJurisdiction", "0x6465")):
        registry.setJurisdictionRestricted(b"de", True, {"from": regulator})


def test_can_act_as_checks_kind_after_standing(registry, regulator, bank, enterprise, outsider):
    assert registry.canActAs(bank, Kind.BANK) == Reason.OK
    assert registry.canActAs(enterprise, Kind.BANK) == Reason.WRONG_KIND
    assert registry.canActAs(outsider, Kind.BANK) == Reason.NOT_REGISTERED
    registry.freeze(bank, b"\x00" * 32, {"from": regulator})
    assert registry.canActAs(bank, Kind.BANK) == Reason.FROZEN


def test_can_transact_reports_sender_first(registry, regulator, enterprise, supplier, outsider):
    assert registry.canTransact(enterprise, supplier) == Reason.OK
    assert registry.canTransact(enterprise, outsider) == Reason.NOT_REGISTERED
    registry.freeze(enterprise, b"\x00" * 32, {"from": regulator})
    assert registry.canTransact(enterprise, outsider) == Reason.FROZEN
    assert registry.canTransact(outsider, enterprise) == Reason.NOT_REGISTERED


def test_pause_makes_every_check_refuse(registry, regulator, enterprise, supplier, bank):
    tx = registry.pause({"from": regulator})
    assert "Paused" in tx.events and registry.paused()
    assert registry.canHold(enterprise) == Reason.SYSTEM_PAUSED
    assert registry.canTransact(enterprise, supplier) == Reason.SYSTEM_PAUSED
    assert registry.canActAs(bank, Kind.BANK) == Reason.SYSTEM_PAUSED
    with brownie.reverts(custom_error("EnforcedPause")):
        registry.pause({"from": regulator})
    registry.unpause({"from": regulator})
    assert registry.canTransact(enterprise, supplier) == Reason.OK
    with brownie.reverts(custom_error("ExpectedPause")):
        registry.unpause({"from": regulator})


def test_registry_management_keeps_working_while_paused(registry, regulator, outsider):
    registry.pause({"from": regulator})
    registry.register(outsider, Kind.INVESTOR, CN, kyc_expiry(), {"from": regulator})
    registry.freeze(outsider, b"\x00" * 32, {"from": regulator})
    assert record(registry, outsider)[3] is True


def test_constructor_rejects_zero_addresses(admin, regulator):
    from brownie import ParticipantRegistry

    # A zero admin is refused by AccessControlDefaultAdminRules before the constructor body runs.
    with brownie.reverts(custom_error("AccessControlInvalidDefaultAdmin", brownie.ZERO_ADDRESS)):
        ParticipantRegistry.deploy(brownie.ZERO_ADDRESS, regulator, 0, {"from": admin})
    with brownie.reverts(custom_error("ZeroAddress")):
        ParticipantRegistry.deploy(admin, brownie.ZERO_ADDRESS, 0, {"from": admin})
