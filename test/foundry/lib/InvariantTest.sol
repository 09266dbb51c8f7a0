// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title InvariantTest
/// @notice The part of forge-std's StdInvariant the suites need: forge asks a test contract for
/// `targetContracts()` and `targetSelectors()` and fuzzes only those. Each suite targets its handler
/// alone, so every call goes through the handler's bounded, several-actor entry points.
abstract contract InvariantTest {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address[] private _targets;
    FuzzSelector[] private _selectors;

    /// @dev Fuzz `handler`'s `selectors` only.
    function _target(address handler, bytes4[] memory selectors) internal {
        _targets.push(handler);
        _selectors.push(FuzzSelector(handler, selectors));
    }

    function targetContracts() public view returns (address[] memory) {
        return _targets;
    }

    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _selectors;
    }
}
