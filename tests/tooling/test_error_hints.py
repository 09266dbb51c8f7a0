"""The one formatter of `error:` lines (greenfi.cli.hints): GreenBond's arguments in place, as its ABI types
them, and its hints only where a GreenBond function met the error (docs/operator-cli.md, "Hints")."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from greenfi.chain import artifacts
from greenfi.cli.hints import IN_PLACE, explain
from greenfi.domain.bonds import percent, tdcny, when
from greenfi.paths import BUILD_CONTRACTS

TIMES = st.integers(min_value=0, max_value=2**37)  # up to the year 6325
ADDRESS = "0x" + "ab" * 20


def _errors(contract):
    return {item["name"]: item["inputs"] for item in artifacts.load(contract).abi if item["type"] == "error"}


def _expected_form(name, spec):
    if spec["type"] == "uint64":
        return when
    if spec["name"].endswith("Bps"):
        return percent
    return tdcny if name == "ExceedsUnallocated" else None


def test_in_place_table_is_greenbonds_abi():
    """Every uint64 of GreenBond's own errors (IGreenBond) is a date, every `...Bps` a percentage,
    ExceedsUnallocated's amounts tdCNY, and nothing else is rewritten."""
    expected = {}
    for name, inputs in _errors("IGreenBond").items():
        forms = tuple(_expected_form(name, spec) for spec in inputs)
        if any(forms):
            expected[name] = forms
    assert IN_PLACE == expected


def test_names_rewritten_in_place_are_greenbonds_alone():
    """A text-based rule is safe only for a name no other contract declares with another meaning."""
    for path in BUILD_CONTRACTS.glob("*.json"):
        if path.stem in ("GreenBond", "IGreenBond"):
            continue
        abi = json.loads(path.read_text()).get("abi", [])
        shared = {item["name"] for item in abi if item.get("type") == "error"} & set(IN_PLACE)
        assert not shared, f"{path.stem} also declares {shared}"


@settings(max_examples=50, deadline=None)
@given(start=TIMES, end=TIMES)
def test_bond_dates_read_as_dates_where_they_stand(start, end):
    line = explain(f"subscribe(1) would revert: OutsideSubscriptionWindow({start}, {end})")
    assert line == f"subscribe(1) would revert: OutsideSubscriptionWindow({when(start)}, {when(end)})"


@settings(max_examples=50, deadline=None)
@given(amount=st.integers(min_value=0, max_value=2**128), left=st.integers(min_value=0, max_value=2**128),
       milestone=st.integers(min_value=0, max_value=2**64), deadline=TIMES)
def test_bond_amounts_and_mixed_arguments_in_place(amount, left, milestone, deadline):
    assert explain(f"allocate(1) would revert: ExceedsUnallocated({amount}, {left})") == (
        f"allocate(1) would revert: ExceedsUnallocated({tdcny(amount)}, {tdcny(left)})")
    assert explain(f"releaseMilestone({milestone}) would revert: DeadlinePassed({milestone}, {deadline})") == (
        f"releaseMilestone({milestone}) would revert: DeadlinePassed({milestone}, {when(deadline)})")


def test_an_error_of_the_same_name_with_other_arguments_is_left_as_it_is():
    for line in ("x would revert: IssueDateNotReached(1, 2)", "x would revert: IssueDateNotReached(soon)",
                 "x would revert: RiskScoreAboveLimit(1)"):
        assert explain(line) == line


def test_bond_hints_only_for_a_greenbond_call():
    issuer = "only the series' issuer may do this: pass --from the issuer"
    assert explain(f"settle would revert: NotIssuer({ADDRESS})").endswith(f"; {issuer}")
    assert issuer not in explain(f"issue(1) would revert: NotIssuer({ADDRESS}, 1)")  # CarbonCredits' NotIssuer
    assert "greenfi bond release" in explain(f"withdrawProceeds would revert: NothingToWithdraw({ADDRESS})")
    assert explain(f"withdraw would revert: NothingToWithdraw({ADDRESS})").count(";") == 0  # CarbonMarket's
    assert "record date" in explain(f"claimCoupons would revert: NothingToClaim({ADDRESS})")
    voucher = "claim(7) would revert: NothingToClaim(7)"
    assert explain(voucher) == voucher

