// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGreenBond} from "./IGreenBond.sol";

/// @title IGreenBondFactory
/// @notice Creates green bond series as EIP-1167 clones of one GreenBond implementation and indexes
/// them by their ISIN-like id.
interface IGreenBondFactory {
    /// @dev A series with this id exists already.
    error DuplicateIsin(bytes32 isin);
    /// @dev No series has this id.
    error UnknownIsin(bytes32 isin);
    /// @dev The implementation address is zero.
    error ImplementationZeroAddress();

    event BondCreated(bytes32 indexed isin, address indexed bond, address indexed issuer);

    /// @notice Create a series with the caller as its issuer.
    /// @dev Caller: a participant of Kind.Enterprise (the issuer). Reverts DuplicateIsin,
    /// ComplianceRefused, NetworkPaused, and the series' InvalidTerms. Emits BondCreated.
    function createBond(IGreenBond.Terms calldata terms, string calldata name, string calldata symbol)
        external
        returns (address bond);

    /// @notice The series with id `isin`. Reverts UnknownIsin.
    function bondOf(bytes32 isin) external view returns (address);

    /// @notice How many series exist.
    function bondCount() external view returns (uint256);

    /// @notice The `index`-th series created.
    function bondAt(uint256 index) external view returns (address);
}
