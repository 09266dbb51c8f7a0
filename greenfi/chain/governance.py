"""The governance path of a deployment (docs/governance.md): the TimelockController that holds
GOVERNOR_ROLE on every governed contract, the hand-over `greenfi deploy` performs on live networks,
and the pieces `greenfi governance schedule|execute|status` are made of.

Pure parts (argument coercion, operation states) are plain functions; chain access goes through
web3.py contracts handed in by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from web3 import Web3
from web3.contract import Contract

from greenfi.errors import ConfigError, DeploymentError

TIMELOCK = "GovernanceTimelock"
ZERO_ADDRESS = "0x" + "00" * 20
ZERO_BYTES32 = b"\0" * 32

# Parameter roles, besides GOVERNOR_ROLE itself, that a contract's constructor gives the admin and
# that the timelock takes over: whoever holds them changes value-moving parameters.
EXTRA_PARAMETER_ROLES: dict[str, tuple[str, ...]] = {"CreditVoucher": ("PRICING_ROLE",)}

# TimelockController.OperationState
STATES = ("Unset", "Waiting", "Ready", "Done")

# A live deployment refuses delays shorter than these (seconds): a zero delay is for local chains.
MIN_LIVE_TIMELOCK_DELAY = 3600
MIN_LIVE_ADMIN_DELAY = 3600
DEFAULT_LIVE_ADMIN_DELAY = 2 * 24 * 3600  # when `greenfi deploy` is not given --admin-delay


@dataclass(frozen=True)
class TimelockConfig:
    """The timelock `greenfi deploy` sets up: its delay and who may propose and execute."""

    delay: int  # seconds between schedule and execute
    proposers: tuple[str, ...]  # may schedule and cancel
    executors: tuple[str, ...]  # may execute; (ZERO_ADDRESS,) lets anyone execute a ready operation

    def args(self) -> list[Any]:
        # admin = 0: the timelock governs its own roles, nobody can bypass its delay.
        return [self.delay, list(self.proposers), list(self.executors), ZERO_ADDRESS]


def check_live_delays(admin_delay: int, timelock: TimelockConfig | None) -> None:
    """Live networks: a timelock is required, and neither delay may be (near) zero."""
    if timelock is None:
        raise ConfigError("a live deployment needs a timelock: give --timelock-delay SECONDS "
                          f"(at least {MIN_LIVE_TIMELOCK_DELAY})")
    if timelock.delay < MIN_LIVE_TIMELOCK_DELAY:
        raise ConfigError(f"--timelock-delay {timelock.delay} is below the live minimum {MIN_LIVE_TIMELOCK_DELAY} s; "
                          "a zero delay is for local chains only")
    if admin_delay < MIN_LIVE_ADMIN_DELAY:
        raise ConfigError(f"--admin-delay {admin_delay} is below the live minimum {MIN_LIVE_ADMIN_DELAY} s; "
                          "a zero delay is for local chains only")


# ---------------------------------------------------------------- hand-over


def governed(contracts_by_name: dict[str, Contract]) -> dict[str, Contract]:
    """The contracts of a suite that have GOVERNOR_ROLE (external contracts and the timelock excluded)."""
    return {name: c for name, c in contracts_by_name.items()
            if name != TIMELOCK and any(item.get("name") == "GOVERNOR_ROLE" for item in c.abi)}


def hand_over(contracts_by_name: dict[str, Contract], timelock: str, signer_address: str,
              others: tuple[str, ...], send: Callable[[Any], Any]) -> list[str]:
    """Give the timelock GOVERNOR_ROLE (and the contract's extra parameter roles) on every governed
    contract, then take them from the deployer and from `others` (the regulator). Idempotent: a
    contract already handed over is left alone. Returns one line per transaction sent."""
    done = []
    for name, c in contracts_by_name.items():
        governor = c.functions.GOVERNOR_ROLE().call()
        if not c.functions.hasRole(governor, signer_address).call():
            if c.functions.hasRole(governor, timelock).call():
                continue  # handed over by an earlier run
            raise DeploymentError(f"{name}: neither the deployer nor the timelock holds GOVERNOR_ROLE")
        roles = [governor, *(getattr(c.functions, r)().call() for r in EXTRA_PARAMETER_ROLES.get(name, ()))]
        for role in roles:
            if not c.functions.hasRole(role, timelock).call():
                send(c.functions.grantRole(role, timelock))
                done.append(f"{name}: granted {_role_name(c, role)} to the timelock")
        for role in roles[1:]:
            if c.functions.hasRole(role, signer_address).call():
                send(c.functions.revokeRole(role, signer_address))
                done.append(f"{name}: revoked {_role_name(c, role)} from the deployer")
        for other in others:
            if other != signer_address and c.functions.hasRole(governor, other).call():
                send(c.functions.revokeRole(governor, other))
                done.append(f"{name}: revoked GOVERNOR_ROLE from {other}")
        send(c.functions.renounceRole(governor, signer_address))  # last: the calls above need it
        done.append(f"{name}: the deployer renounced GOVERNOR_ROLE")
    return done


def _role_name(c: Contract, role: bytes) -> str:
    for item in c.abi:
        name = item.get("name", "")
        if name.endswith("_ROLE") and item.get("type") == "function" and not item.get("inputs"):
            if getattr(c.functions, name)().call() == role:
                return name
    return "0x" + bytes(role).hex()


# ---------------------------------------------------------------- calls through the timelock


def coerce(abi_type: str, text: str) -> Any:
    """A command-line word as a value of `abi_type` (ints, addresses, bool, bytesN, string)."""
    try:
        if abi_type.startswith(("uint", "int")):
            return int(text, 0)
        if abi_type == "address":
            if not Web3.is_address(text):
                raise ValueError
            return Web3.to_checksum_address(text)
        if abi_type == "bool":
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError
            return text.lower() in ("true", "1")
        if abi_type.startswith("bytes"):
            raw = bytes.fromhex(text.removeprefix("0x"))
            if abi_type != "bytes" and len(raw) != int(abi_type[5:]):
                raise ValueError
            return raw
        if abi_type == "string":
            return text
    except ValueError:
        pass
    raise ConfigError(f"{text!r} is not a {abi_type}")


def encode_call(contract: Contract, function: str, words: list[str]) -> bytes:
    """The calldata of `function(words...)` on `contract`, each word coerced to its ABI type."""
    candidates = [f for f in contract.abi if f.get("type") == "function" and f["name"] == function]
    if not candidates:
        raise ConfigError(f"{function} is not a function of this contract")
    matching = [f for f in candidates if len(f["inputs"]) == len(words)]
    if not matching:
        wanted = " or ".join(str(len(f["inputs"])) for f in candidates)
        raise ConfigError(f"{function} takes {wanted} arguments, got {len(words)}")
    spec = matching[0]
    if spec.get("stateMutability") in ("view", "pure"):
        raise ConfigError(f"{function} only reads: nothing to schedule")
    args = [coerce(i["type"], w) for i, w in zip(spec["inputs"], words, strict=True)]
    return bytes.fromhex(contract.encode_abi(function, args=args).removeprefix("0x"))


def salt_of(text: str | None) -> bytes:
    """An operation's salt: 0x + 64 hex digits, or any text (keccak256 of it); zero when not given."""
    if text is None:
        return ZERO_BYTES32
    if text.startswith("0x") and len(text) == 66:
        return bytes.fromhex(text[2:])
    return Web3.keccak(text=text)


@dataclass(frozen=True)
class Operation:
    """One call scheduled on the timelock, as its CallScheduled event and current state tell it."""

    id: str
    target: str
    data: bytes
    ready_at: int
    state: str
    call: str  # "Contract.function(arg, ...)" when the target and selector are known, else the raw data


def operations(timelock: Contract, targets: dict[str, Contract], from_block: int) -> list[Operation]:
    """Every operation scheduled on `timelock` since `from_block`, oldest first, decoded against the
    contracts in `targets` (name -> contract)."""
    by_address = {c.address.lower(): (name, c) for name, c in targets.items()}
    found = []
    for log in timelock.events.CallScheduled().get_logs(from_block=from_block):
        a = log["args"]
        op_id = bytes(a["id"])
        state = STATES[timelock.functions.getOperationState(op_id).call()]
        ready_at = timelock.functions.getTimestamp(op_id).call()
        found.append(Operation("0x" + op_id.hex(), a["target"], bytes(a["data"]), ready_at, state,
                               describe(by_address.get(a["target"].lower()), bytes(a["data"]))))
    return found


def describe(named: tuple[str, Contract] | None, data: bytes) -> str:
    if named is None:
        return "0x" + data.hex()
    name, contract = named
    try:
        fn, args = contract.decode_function_input(data)
    except ValueError:
        return f"{name}: 0x{data.hex()}"
    shown = ", ".join(f"0x{v.hex()}" if isinstance(v, bytes) else str(v) for v in args.values())
    return f"{name}.{fn.fn_name}({shown})"
