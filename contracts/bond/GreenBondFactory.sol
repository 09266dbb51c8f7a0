// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IGreenBond} from "../interfaces/IGreenBond.sol";
import {IGreenBondFactory} from "../interfaces/IGreenBondFactory.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";

/// @title GreenBondFactory
/// @notice Deploys green bond series as clones of one GreenBond implementation: a series costs a
/// ~45-byte proxy plus its terms, and every series shares the suite contracts the implementation
/// was built with.
contract GreenBondFactory is IGreenBondFactory, ComplianceGuard {
    /// @notice The GreenBond every series delegates to.
    address public immutable implementation;

    mapping(bytes32 isin => address) private _bonds;
    address[] private _all;

    constructor(IParticipantRegistry registry_, address implementation_) ComplianceGuard(registry_) {
        if (implementation_ == address(0)) revert ImplementationZeroAddress();
        implementation = implementation_;
    }

    /// @inheritdoc IGreenBondFactory
    function createBond(IGreenBond.Terms calldata terms, string calldata name, string calldata symbol)
        external
        returns (address bond)
    {
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Enterprise);
        if (_bonds[terms.isin] != address(0)) revert DuplicateIsin(terms.isin);
        // The clone is initialized in this same call, so nobody can initialize it first.
        bond = Clones.cloneDeterministic(implementation, terms.isin);
        _bonds[terms.isin] = bond;
        _all.push(bond);
        IGreenBond(bond).initialize(terms, msg.sender, name, symbol);
        emit BondCreated(terms.isin, bond, msg.sender);
    }

    /// @inheritdoc IGreenBondFactory
    function bondOf(bytes32 isin) external view returns (address bond) {
        bond = _bonds[isin];
        if (bond == address(0)) revert UnknownIsin(isin);
    }

    /// @inheritdoc IGreenBondFactory
    function bondCount() external view returns (uint256) {
        return _all.length;
    }

    /// @inheritdoc IGreenBondFactory
    function bondAt(uint256 index) external view returns (address) {
        return _all[index];
    }
}
