"""ImpactAttribution: an instrument counts only output verified after its claim, several instruments share a
project pro rata to their claims, dust buys nothing, and only registered instruments may claim. Every refusal is
a named error and changes nothing."""

import brownie
import pytest
from brownie import ImpactAttribution
from tests.finance.support import MINIMUM
from tests.support.chain import custom_error, event

MWH = 10**6  # Wh
TONNE = 10**6  # grams


def state(attribution, instruments, project=1):
    return (tuple(attribution.project(project)),
            [(int(attribution.claimOf(i, project)), tuple(attribution.attributed(i, project))) for i in instruments])


def test_output_verified_before_the_first_claim_is_nobodys(attribution, totals, instruments):
    a, = instruments[:1]
    totals.setTotals(1, 5_000 * MWH, 2_000 * TONNE)  # someone else's plant, with a history
    tx = attribution.claim(1, MINIMUM, {"from": a})
    assert event(tx, "ClaimIncreased") == {"instrument": str(a), "projectId": 1, "amount": MINIMUM,
                                           "claimAfter": MINIMUM, "totalAfter": MINIMUM}
    p = attribution.project(1).dict()
    assert p["claimed"] and (p["baselineWh"], p["baselineGrams"]) == (5_000 * MWH, 2_000 * TONNE)
    assert tuple(attribution.attributed(a, 1)) == (0, 0)
    totals.setTotals(1, 5_003 * MWH + 7, 2_001 * TONNE + 1)
    assert tuple(attribution.attributed(a, 1)) == (3 * MWH + 7, TONNE + 1)  # a sole financier gets every unit


def test_two_instruments_share_pro_rata_and_a_release_stops_the_share(attribution, totals, instruments):
    a, b = instruments[:2]
    attribution.claim(1, 3 * MINIMUM, {"from": a})
    totals.setTotals(1, 100 * MWH, 0)  # a alone: all 100 MWh
    attribution.claim(1, MINIMUM, {"from": b})  # from here 3 : 1
    totals.setTotals(1, 180 * MWH, 0)
    assert attribution.attributed(a, 1)[0] == 160 * MWH and attribution.attributed(b, 1)[0] == 20 * MWH
    tx = attribution.release(1, 3 * MINIMUM, {"from": a})  # a's financing ended
    assert event(tx, "OutputAttributed") == {"projectId": 1, "generationWh": 80 * MWH, "reductionGrams": 0,
                                             "totalClaimed": 4 * MINIMUM}
    assert event(tx, "ClaimReleased")["claimAfter"] == 0
    totals.setTotals(1, 200 * MWH, 0)
    assert attribution.attributed(a, 1)[0] == 160 * MWH  # what was attributed stays; nothing new
    assert attribution.attributed(b, 1)[0] == 40 * MWH


def test_a_reversal_is_never_counted_twice(attribution, totals, instruments):
    a, = instruments[:1]
    attribution.claim(1, MINIMUM, {"from": a})
    totals.setTotals(1, 100, 0)
    attribution.claim(1, MINIMUM, {"from": a})  # takes in the 100
    totals.setTotals(1, 40, 0)  # verified output reversed
    assert attribution.attributed(a, 1)[0] == 100
    totals.setTotals(1, 130, 0)  # only what lies above the highest total seen is new
    assert attribution.attributed(a, 1)[0] == 130


def test_output_verified_while_nobody_claims_is_nobodys(attribution, totals, instruments):
    a, b = instruments[:2]
    attribution.claim(1, MINIMUM, {"from": a})
    attribution.release(1, MINIMUM, {"from": a})
    totals.setTotals(1, 500, 500)
    attribution.claim(1, MINIMUM, {"from": b})
    totals.setTotals(1, 600, 600)
    assert tuple(attribution.attributed(a, 1)) == (0, 0) and tuple(attribution.attributed(b, 1)) == (100, 100)


def test_dust_unregistered_and_over_release_are_refused_and_change_nothing(attribution, totals, instruments, outsider,
                                                                          admin):
    a, b = instruments[:2]
    attribution.claim(1, MINIMUM, {"from": a})
    totals.setTotals(1, 10, 10)
    before = state(attribution, instruments)
    with brownie.reverts(custom_error("ImpactAttributionClaimBelowMinimum", MINIMUM - 1, MINIMUM)):
        attribution.claim(1, MINIMUM - 1, {"from": b})
    with brownie.reverts(custom_error("ImpactAttributionNotInstrument", outsider)):
        attribution.claim(1, MINIMUM, {"from": outsider})
    with brownie.reverts(custom_error("ImpactAttributionNotInstrument", outsider)):
        attribution.release(1, 0, {"from": outsider})
    with brownie.reverts(custom_error("ImpactAttributionExceedsClaim", MINIMUM + 1, MINIMUM)):
        attribution.release(1, MINIMUM + 1, {"from": a})
    with brownie.reverts(custom_error("ImpactAttributionClaimAboveMaximum", 2**96 + MINIMUM, 2**96)):
        attribution.claim(1, 2**96, {"from": b})
    totals.setBroken(1, True)
    with brownie.reverts(custom_error("ImpactAttributionReportsUnavailable", 1)):
        attribution.claim(1, MINIMUM, {"from": b})
    totals.setBroken(1, False)
    assert state(attribution, instruments) == before


def test_an_opened_position_holds_no_claim_and_changes_nobody_elses_share(attribution, totals, instruments,
                                                                          outsider):
    a, b = instruments[:2]
    attribution.claim(1, MINIMUM, {"from": a})
    totals.setTotals(1, 7 * MWH, 3 * TONNE)
    before = state(attribution, instruments)
    tx = attribution.open(1, {"from": b})
    assert event(tx, "PositionOpened") == {"instrument": str(b), "projectId": 1}
    assert attribution.isOpen(b, 1) and not attribution.isOpen(instruments[2], 1)
    assert state(attribution, instruments) == before  # no claim, no output taken in, nobody's share moved
    totals.setTotals(1, 10 * MWH, 4 * TONNE)
    assert tuple(attribution.attributed(b, 1)) == (0, 0)
    assert tuple(attribution.attributed(a, 1)) == (10 * MWH, 4 * TONNE)  # still the sole claimant
    with brownie.reverts(custom_error("ImpactAttributionPositionOpen", b, 1)):
        attribution.open(1, {"from": b})
    with brownie.reverts(custom_error("ImpactAttributionPositionOpen", a, 1)):
        attribution.open(1, {"from": a})  # a claim opened it
    with brownie.reverts(custom_error("ImpactAttributionNotInstrument", outsider)):
        attribution.open(1, {"from": outsider})
    attribution.claim(1, MINIMUM, {"from": b})  # from now on b shares, and only what is verified from now on
    totals.setTotals(1, 12 * MWH, 4 * TONNE)
    assert tuple(attribution.attributed(b, 1)) == (MWH, 0)
    assert attribution.attributedWh(a, 1) == attribution.attributed(a, 1)[0] == 11 * MWH


def test_totals_beyond_the_packed_width_are_refused(attribution, totals, instruments):
    a, = instruments[:1]
    totals.setTotals(1, 2**120, 0)
    with brownie.reverts(revert_pattern=r"SafeCastOverflowedUintDowncast: .*"):
        attribution.claim(1, MINIMUM, {"from": a})
    assert not attribution.project(1).dict()["claimed"]


def test_only_registrars_register_and_only_once(attribution, instruments, outsider, admin):
    with brownie.reverts(revert_pattern=r"AccessControlUnauthorizedAccount: .*"):
        attribution.registerInstrument(outsider, {"from": outsider})
    with brownie.reverts(custom_error("ImpactAttributionCannotRegister", instruments[0], True)):
        attribution.registerInstrument(instruments[0], {"from": admin})
    with brownie.reverts(custom_error("ImpactAttributionCannotRegister", "0x" + "00" * 20, False)):
        attribution.registerInstrument("0x" + "00" * 20, {"from": admin})
    assert not attribution.isInstrument(outsider) and attribution.isInstrument(instruments[0])
    tx = attribution.registerInstrument(outsider, {"from": admin})
    assert event(tx, "InstrumentRegistered") == {"instrument": str(outsider), "registrar": str(admin)}


@pytest.mark.parametrize("args, error", [
    (("0x" + "00" * 20, 1), "ImpactAttributionZeroAddress"),
    (("totals", 0), "ImpactAttributionInvalidMinimum"),
])
def test_constructor_refuses_zero_inputs(totals, admin, args, error):
    reports = totals if args[0] == "totals" else args[0]
    with brownie.reverts(revert_pattern=rf"{error}.*"):
        ImpactAttribution.deploy(reports, admin, args[1], 0, {"from": admin})
