// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IGreenBond} from "./IGreenBond.sol";

/// @title IGreenBondFactory
/// @notice Creates green bond series as EIP-1167 clones of one GreenBond implementation, registers each as
/// an instrument of the ImpactAttribution, and indexes them by (issuer, ISIN-like id): an ISIN names a
/// series only together with its issuer, so nobody can take another issuer's ISIN.
interface IGreenBondFactory {
    /// @notice Thrown when `issuer` already has a series with id `isin`.
    error DuplicateIsin(address issuer, bytes32 isin);
    /// @notice Thrown when `issuer` has no series with id `isin`.
    error UnknownIsin(address issuer, bytes32 isin);
    /// @notice Thrown when the implementation address is zero.
    error ImplementationZeroAddress();

    /// @notice Emitted when `issuer` creates series `bond` with id `isin`.
    event BondCreated(bytes32 indexed isin, address indexed bond, address indexed issuer);

    /// @notice Create a series with the caller as its issuer.
    /// @dev Caller: a participant of Kind.Enterprise (the issuer). Reverts DuplicateIsin,
    /// ComplianceRefused, NetworkPaused, and the series' InvalidTerms. Emits BondCreated (and the
    /// attribution's InstrumentRegistered).
    function createBond(IGreenBond.Terms calldata terms, string calldata name, string calldata symbol)
        external
        returns (address bond);

    /// @notice The series of `issuer` with id `isin`. Reverts UnknownIsin.
    function bondOf(address issuer, bytes32 isin) external view returns (address);

    /// @notice How many series (of any issuers) carry id `isin`.
    function isinCount(bytes32 isin) external view returns (uint256);

    /// @notice The `index`-th series created with id `isin` (check its issuer).
    function isinAt(bytes32 isin, uint256 index) external view returns (address);

    /// @notice How many series exist.
    function bondCount() external view returns (uint256);

    /// @notice The `index`-th series created.
    function bondAt(uint256 index) external view returns (address);
}
