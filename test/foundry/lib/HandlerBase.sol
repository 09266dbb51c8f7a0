// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "./Vm.sol";

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

    address[] internal actors;

    /// @notice How many calls of each outcome the run made (read by the suites' summaries).
    uint256 public ghostAccepted;
    uint256 public ghostRefused;

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
        return ret;
    }

    /// @dev A digest of every piece of state the handler's contracts expose; a refusal must not move it.
    function _fingerprint() internal view virtual returns (bytes32);
}
