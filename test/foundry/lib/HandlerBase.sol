// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "./Vm.sol";
import {console} from "./Console.sol";
import {ComplianceGuard} from "../../../contracts/compliance/ComplianceGuard.sol";
import {ParticipantRegistry} from "../../../contracts/registry/ParticipantRegistry.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";

/// @title HandlerBase
/// @notice What every invariant handler shares: a few actors, input bounding, and the check that a
/// refused call is refused the way the contract says: it reverts, with the named error expected,
/// and leaves the state the handler fingerprints unchanged.
/// @dev The suites run with `fail_on_revert = true`: a handler never lets a call revert unchecked.
/// A valid call that reverts, or a check below that fails, fails the run with its reason.
abstract contract HandlerBase {
    /// @dev Solidity's own failures: a refusal must be a custom error, never one of these.
    bytes4 private constant _PANIC = 0x4e487b71; // Panic(uint256)
    bytes4 private constant _ERROR = 0x08c379a0; // Error(string)

    ParticipantRegistry public immutable registry;
    address public immutable regulator;
    address[] internal actors;

    /// @notice How many calls of each outcome the run made.
    uint256 public ghostAccepted;
    uint256 public ghostRefused;

    // The census: accepted and refused calls per entry point, printed by `logCensus` (forge -vv).
    string[] private _entryPoints;
    mapping(bytes32 entryPoint => uint256[2]) private _outcomes;

    constructor(ParticipantRegistry registry_, address regulator_, address[] memory actors_) {
        registry = registry_;
        regulator = regulator_;
        actors = actors_;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function actorAt(uint256 i) external view returns (address) {
        return actors[i];
    }

    /// @notice The regulator unfreezes the frozen actor if there is one, else freezes a registered
    /// actor in one pick of four: at most one party is frozen at a time, for about one pick in
    /// thirteen, so every refusal for a frozen party is exercised and the rest still act.
    function toggleFreeze(uint256 seed) external {
        for (uint256 i; i < actors.length; ++i) {
            if (registry.participant(actors[i]).frozen) {
                vm.prank(regulator);
                registry.unfreeze(actors[i]);
                return;
            }
        }
        address account = _actor(seed);
        if ((seed >> 128) % 4 != 0 || registry.kindOf(account) == IParticipantRegistry.Kind.None || _neverFrozen(account)) return;
        vm.prank(regulator);
        registry.freeze(account, bytes32(0));
    }

    /// @notice The regulator pauses the network in one pick of eight and unpauses it at the next pick.
    function togglePause(uint256 seed) external {
        bool paused = registry.paused();
        if (!paused && seed % 8 != 0) return;
        vm.prank(regulator);
        if (paused) registry.unpause();
        else registry.pause();
    }

    /// @dev Accounts the suite keeps unfrozen (none by default).
    function _neverFrozen(address) internal view virtual returns (bool) {
        return false;
    }

    /// @dev `seed` mapped into [min, max] (inclusive) without discarding the run, as forge-std's bound.
    function _bound(uint256 seed, uint256 min, uint256 max) internal pure returns (uint256) {
        if (max <= min) return min;
        uint256 size = max - min + 1;
        return min + seed % size;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    /// @dev The expectation for a call the handler's model says is valid.
    bytes4 internal constant SUCCEEDS = bytes4(0);
    /// @dev The expectation for a refusal whose exact error depends on checks the model does not
    /// order (any custom error passes, a panic or a string still fails).
    bytes4 internal constant REFUSED = 0xffffffff;

    /// @dev Calls `target` with `data` as `caller` and checks the outcome against the model:
    /// `expected == SUCCEEDS`: the call must succeed (else its own error fails the run);
    /// otherwise it must revert with the custom error `expected` (never a panic or a string), and
    /// leave the fingerprinted state as it was. Returns the call's return data.
    function _call(address caller, address target, bytes memory data, bytes4 expected, string memory what)
        internal
        returns (bytes memory result)
    {
        bytes32 before = expected == SUCCEEDS ? bytes32(0) : _fingerprint();
        vm.prank(caller);
        (bool ok, bytes memory ret) = target.call(data);
        if (expected == SUCCEEDS) {
            if (!ok) {
                // Bubble the contract's own error up so the failing run names it.
                assembly {
                    revert(add(ret, 32), mload(ret))
                }
            }
            ++ghostAccepted;
            _count(what, 0);
            return ret;
        }
        if (ok) revert(string.concat("refused call succeeded: ", what));
        if (ret.length < 4) revert(string.concat("refused without a named error: ", what));
        bytes4 selector = bytes4(ret);
        if (selector == _PANIC || selector == _ERROR) revert(string.concat("refused by a panic or string: ", what));
        if (expected != REFUSED && selector != expected) {
            revert(string.concat("refused with the wrong error: ", what, ", got selector ", vm.toString(uint256(uint32(selector)))));
        }
        if (_fingerprint() != before) revert(string.concat("refused call changed state: ", what));
        ++ghostRefused;
        _count(string.concat(what, " (", _selectorHex(selector), ")"), 1);
        return ret;
    }

    function _selectorHex(bytes4 selector) private pure returns (string memory) {
        bytes memory hexed = bytes(vm.toString(bytes32(selector)));
        bytes memory out = new bytes(10);
        for (uint256 i; i < 10; ++i) {
            out[i] = hexed[i];
        }
        return string(out);
    }

    function _count(string memory what, uint256 outcome) private {
        bytes32 key = keccak256(bytes(what));
        uint256[2] storage o = _outcomes[key];
        if (o[0] == 0 && o[1] == 0) _entryPoints.push(what);
        ++o[outcome];
    }

    /// @notice Prints, per entry point, how many calls the run accepted and refused (a suite's
    /// `afterInvariant` calls it; forge shows it with -vv): a handler whose valid calls never
    /// succeed would test nothing.
    function logCensus() external view {
        for (uint256 i; i < _entryPoints.length; ++i) {
            uint256[2] memory o = _outcomes[keccak256(bytes(_entryPoints[i]))];
            uint256 n = o[0] + o[1];
            console.log(string.concat(_entryPoints[i], ": ", vm.toString(n), o[0] > 0 ? " accepted" : " refused"));
        }
    }

    /// @dev The error ComplianceGuard turns the registry's answer `reason` into, or SUCCEEDS.
    function _guardError(IParticipantRegistry.Reason reason) internal pure returns (bytes4) {
        if (reason == IParticipantRegistry.Reason.Ok) return SUCCEEDS;
        if (reason == IParticipantRegistry.Reason.SystemPaused) return ComplianceGuard.NetworkPaused.selector;
        return ComplianceGuard.ComplianceRefused.selector;
    }

    /// @dev A digest of every piece of state the handler's contracts expose; a refusal must not move it.
    function _fingerprint() internal view virtual returns (bytes32);
}
