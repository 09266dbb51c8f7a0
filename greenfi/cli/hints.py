"""The one formatter of an `error:` line (docs/operator-cli.md, "Hints"; docs/bonds.md): the decoded custom
error's arguments in human units and the command that fixes the cause where there is one. Every command's
error line passes here (greenfi.cli.GreenfiGroup), the bond commands' too.

Works on the decoded text (`Name(arg, ...)`, greenfi.chain.transactions), so every command gets the
same treatment without knowing which errors its call can reach. Three tables, by error name:
- IN_PLACE: arguments rewritten where they stand (GreenBond's dates, tdCNY amounts, percentages);
- UNITS: a phrase after the error that reads its figures (e.g. both amounts of ERC20InsufficientBalance);
- FIXES: what to do about it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from greenfi.domain.bonds import percent, tdcny, when
from greenfi.domain.units import format_amount, format_date
from greenfi.errors import GreenfiError

# The kind a refused call needs, by the function the error line names (e.g. `submitProject would revert`).
KIND_BY_FUNCTION = {
    "submitProject": "project-developer", "registerDevice": "project-developer", "openReport": "project-developer",
    "validate": "verifier", "approveReport": "verifier", "rejectReport": "verifier", "activate": "verifier",
    "addOperator": "oracle-operator",
}


def _register(account: str, function: str) -> str:
    kind = KIND_BY_FUNCTION.get(function, "KIND")
    return (f"{account} is not a registered participant: the regulator registers it with `greenfi participant "
            f"register {account} --kind {kind} --jurisdiction CC --kyc-expiry YYYY-MM-DD`")


def _standing_hint(account: str, reason: str, function: str) -> str | None:
    return {
        "NotRegistered": lambda: _register(account, function),
        "Frozen": lambda: f"{account} is frozen: the regulator lifts it with `greenfi participant unfreeze {account}`",
        "KycExpired": lambda: (f"{account}'s KYC has expired: the regulator renews it with `greenfi participant kyc "
                               f"{account} --expiry YYYY-MM-DD`"),
        "JurisdictionRestricted": lambda: f"{account}'s jurisdiction is restricted by the regulator",
        "WrongKind": lambda: (f"{account} is registered as another kind: see `greenfi participant show {account}`; "
                              f"the regulator changes it with `greenfi participant update`"),
    }.get(reason, lambda: None)()


@cache
def _bond_functions() -> frozenset[str]:
    """GreenBond's function names, from the build (none without one: then no bond call can have run)."""
    from greenfi.chain import artifacts

    try:
        return frozenset(i["name"] for i in artifacts.load("GreenBond").abi if i.get("type") == "function")
    except GreenfiError:
        return frozenset()


def _from_bond(hint: str) -> Callable[[list[str], str], str | None]:
    """`hint` for an error whose name another contract uses too (NotIssuer: CarbonCredits; NothingToWithdraw:
    CarbonMarket; NothingToClaim: CreditVoucher), given only when a GreenBond function met it."""
    return lambda a, fn: hint if fn in _bond_functions() else None


# Error name -> how each argument reads where it stands (None: as decoded). GreenBond's uint64 arguments are
# dates, its settlement amounts tdCNY, its `...Bps` percentages (tests/bond/test_bond_cli.py checks the
# table against IGreenBond's ABI).
IN_PLACE: dict[str, tuple[Callable[[int], str] | None, ...]] = {
    "OutsideSubscriptionWindow": (when, when),
    "IssueDateNotReached": (when,),
    "SettlementGraceNotOver": (when,),
    "PaymentDateNotReached": (None, when),
    "CallWindowClosed": (when, when),
    "RedemptionNotOpen": (when,),
    "InvalidDeadline": (when, when),
    "DeadlineNotReached": (None, when),
    "DeadlinePassed": (None, when),
    "ExceedsUnallocated": (tdcny, tdcny),
    "RiskScoreAboveLimit": (percent, percent),
}

# Error name -> its arguments in human units (positions in the decoded argument list).
UNITS: dict[str, Callable[[list[str]], str]] = {
    "InsufficientAllowance": lambda a: f"allowance {format_amount(int(a[1]))} tdCNY, price {format_amount(int(a[2]))} tdCNY",
    "ERC20InsufficientBalance": lambda a: f"balance {format_amount(int(a[1]))} tdCNY, needed {format_amount(int(a[2]))} tdCNY",
    "ERC20InsufficientAllowance": lambda a: f"allowance {format_amount(int(a[1]))} tdCNY, needed {format_amount(int(a[2]))} tdCNY",
    "KycExpiryNotInFuture": lambda a: f"KYC expiry {format_date(int(a[0]))} is not in the future",
    "ListingExpired": lambda a: f"expired {format_date(int(a[1]))}",
    "ExpiryNotInFuture": lambda a: f"expiry {format_date(int(a[0]))} is not in the future",
    "ChallengeWindowOpen": lambda a: f"challenges are open until {format_date(int(a[1]))}",
    "ChallengeWindowClosed": lambda a: f"the challenge window closed {format_date(int(a[1]))}",
    "BatchNotFinal": lambda a: f"challenges are open until {format_date(int(a[1]))}: finalize it after that",
    "ExceedsListing": lambda a: f"{a[1]} units left, {a[2]} asked",
    "InsufficientUnits": lambda a: f"{a[2]} units held, {a[3]} asked",
    "EmissionFactorAboveMax": lambda a: f"{a[0]} g/MWh above the maximum {a[1]} g/MWh",
}

FIXES: dict[str, Callable[[list[str], str], str | None]] = {
    "ComplianceRefused": lambda a, fn: _standing_hint(a[0], a[1], fn),
    "NotRegistered": lambda a, fn: _register(a[0], fn),
    "NetworkPaused": lambda a, fn: "the network is paused: the regulator resumes it with `greenfi network unpause`",
    "AccessControlUnauthorizedAccount": lambda a, fn: f"send it --from an account that holds {a[1]}",
    "NotRegulator": lambda a, fn: "send it --from the carbon regulator (REGULATOR_ROLE on CarbonCredits)",
    "ERC20InsufficientBalance": lambda a, fn: f"the bank mints tdCNY with `greenfi token mint {a[0]} AMOUNT`",
    "NotOperator": lambda a, fn: f"the regulator adds it with `greenfi mrv operator add {a[0]}`",
    "ChallengeWindowOpen": lambda a, fn: "see `greenfi mrv batch show ROOT`",
    # GreenBond's refusals (docs/bonds.md)
    "NotIssuer": _from_bond("only the series' issuer may do this: pass --from the issuer"),
    "NothingToWithdraw": _from_bond("a milestone must be released to the developer first (`greenfi bond release`)"),
    "NothingToClaim": _from_bond("coupons are claimable once a funded period's record date has passed"),
    "MilestoneConditionNotMet": lambda a, fn: ("attestation milestones need `greenfi bond attest` by a verifier; "
                                               "MWh milestones need verified output attributed to the series"),
    "KpiNotObserved": lambda a, fn: "observe the KPI first: `greenfi bond observe-kpi`",
    "CouponsOutstanding": lambda a, fn: "fund every due coupon first: `greenfi bond fund-coupon`",
}

_REVERT = re.compile(r"(?: would revert| reverted(?: in transaction \S+)?): ")
_ERROR = re.compile(r"(\w+)\(([^()]*)\)")


def explain(message: str) -> str:
    """`message` with the decoded error's arguments in human units and a fix, where known; as it is when it
    names no decoded error, or when the error's arguments are not what its tables expect (another error of the
    same name)."""
    revert = _REVERT.search(message)
    found = revert and _ERROR.match(message, revert.end())
    if not found:
        return message
    function, name = re.match(r"\w*", message).group(0), found.group(1)
    args = [a.strip() for a in found.group(2).split(",")] if found.group(2).strip() else []
    try:
        shown = _in_place(name, args)
        extra = [UNITS[name](args)] if name in UNITS else []
        fix = FIXES.get(name, lambda a, fn: None)(args, function)
    except (IndexError, ValueError, OverflowError, OSError):
        return message
    line = f"{message[:found.start()]}{name}({', '.join(shown)}){message[found.end():]}" if shown != args else message
    return "; ".join([line, *extra, *([fix] if fix else [])])


def _in_place(name: str, args: list[str]) -> list[str]:
    formats = IN_PLACE.get(name)
    if formats is None:
        return args
    if len(formats) != len(args):
        raise ValueError(f"{name} has {len(args)} arguments, not {len(formats)}")
    return [shown if form is None else form(int(shown)) for form, shown in zip(formats, args)]
