"""What an `error:` line adds to a decoded custom error: its amounts and dates in human units, and the
command that fixes the cause where there is one (docs/operator-cli.md, "Hints").

Works on the decoded text (`Name(arg, ...)`, greenfi.chain.transactions), so every command gets the
same hints without knowing which errors its call can reach.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from greenfi.domain.units import format_amount, format_date

ADDRESS = r"0x[0-9a-fA-F]{40}"
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
}

_REVERT = re.compile(r"(?: would revert| reverted(?: in transaction \S+)?): ")
_ERROR = re.compile(r"(\w+)\(([^()]*)\)")


def explain(message: str) -> str:
    """`message` with the decoded error's arguments in human units and a fix, where known."""
    parts = _REVERT.split(message, maxsplit=1)
    found = _ERROR.match(parts[-1])
    if len(parts) != 2 or not found:
        return message
    function, name = re.match(r"\w*", parts[0]).group(0), found.group(1)
    args = [a.strip() for a in found.group(2).split(",")] if found.group(2).strip() else []
    extra = []
    try:
        if name in UNITS:
            extra.append(UNITS[name](args))
        fix = FIXES.get(name, lambda a, fn: None)(args, function)
    except (IndexError, ValueError, OverflowError, OSError):  # another error of the same name: leave it as is
        return message
    if fix:
        extra.append(fix)
    return "; ".join([message, *extra])
