// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {IGreenBond} from "../interfaces/IGreenBond.sol";
import {IGreenBondFactory} from "../interfaces/IGreenBondFactory.sol";
import {IImpactAttribution} from "../interfaces/IImpactAttribution.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";

/// @title GreenBondFactory
/// @notice Deploys green bond series as clones of one GreenBond implementation: a series costs a
/// ~45-byte proxy plus its terms, and every series shares the suite contracts the implementation
/// was built with. Needs ImpactAttribution's REGISTRAR_ROLE: each series is registered there, so only
/// series created here may claim a project's output.
contract GreenBondFactory is IGreenBondFactory, ComplianceGuard {
    /// @notice The GreenBond every series delegates to.
    address public immutable implementation;
    /// @notice Where every series is registered as an instrument (the implementation's attribution).
    IImpactAttribution public immutable attribution;

    mapping(address issuer => mapping(bytes32 isin => address)) private _bonds;
    mapping(bytes32 isin => address[]) private _byIsin;
    address[] private _all;

    constructor(IParticipantRegistry registry_, address implementation_) ComplianceGuard(registry_) {
        if (implementation_ == address(0)) revert ImplementationZeroAddress();
        implementation = implementation_;
        attribution = IGreenBond(implementation_).attribution();
    }

    /// @inheritdoc IGreenBondFactory
    function createBond(IGreenBond.Terms calldata terms, string calldata name, string calldata symbol)
        external
        returns (address bond)
    {
        _requireCanActAs(msg.sender, IParticipantRegistry.Kind.Enterprise);
        if (_bonds[msg.sender][terms.isin] != address(0)) revert DuplicateIsin(msg.sender, terms.isin);
        // The clone is initialized in this same call, so nobody can initialize it first; the salt binds the
        // address to (issuer, ISIN), so another issuer's ISIN can never collide with it.
        bond = Clones.cloneDeterministic(implementation, keccak256(abi.encode(msg.sender, terms.isin)));
        _bonds[msg.sender][terms.isin] = bond;
        _byIsin[terms.isin].push(bond);
        _all.push(bond);
        IGreenBond(bond).initialize(terms, msg.sender, name, symbol);
        attribution.registerInstrument(bond);
        emit BondCreated(terms.isin, bond, msg.sender);
    }

    /// @inheritdoc IGreenBondFactory
    function bondOf(address issuer, bytes32 isin) external view returns (address bond) {
        bond = _bonds[issuer][isin];
        if (bond == address(0)) revert UnknownIsin(issuer, isin);
    }

    /// @inheritdoc IGreenBondFactory
    function isinCount(bytes32 isin) external view returns (uint256) {
        return _byIsin[isin].length;
    }

    /// @inheritdoc IGreenBondFactory
    function isinAt(bytes32 isin, uint256 index) external view returns (address) {
        return _byIsin[isin][index];
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
