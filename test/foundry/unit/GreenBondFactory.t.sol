// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {vm} from "../lib/Vm.sol";
import {BondWorld} from "../lib/BondWorld.sol";
import {GreenBond} from "../../../contracts/bond/GreenBond.sol";
import {GreenBondFactory} from "../../../contracts/bond/GreenBondFactory.sol";
import {IGreenBond} from "../../../contracts/interfaces/IGreenBond.sol";
import {IGreenBondFactory} from "../../../contracts/interfaces/IGreenBondFactory.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {ComplianceGuard} from "../../../contracts/compliance/ComplianceGuard.sol";
import {ParticipantRegistry} from "../../../contracts/registry/ParticipantRegistry.sol";

/// @title GreenBondFactoryTest
/// @notice The factory clones one series per (issuer, ISIN) at a predictable address, initializes and
/// registers it in the same call, and indexes it by issuer, ISIN and creation order.
contract GreenBondFactoryTest is BondWorld {
    function test_constructor_refuses_zero_addresses() public {
        _expectError(abi.encodeWithSelector(IGreenBondFactory.ImplementationZeroAddress.selector));
        new GreenBondFactory(registry, address(0));
        _expectError(abi.encodeWithSelector(ComplianceGuard.RegistryZeroAddress.selector));
        new GreenBondFactory(ParticipantRegistry(address(0)), address(implementation));
        vm.assertEq(factory.implementation(), address(implementation), "implementation");
        vm.assertEq(address(factory.attribution()), address(attribution), "the implementation's attribution");
    }

    function test_createBond_clones_initializes_registers_and_indexes() public {
        IGreenBond.Terms memory t = _terms();
        address predicted = Clones.predictDeterministicAddress(
            address(implementation), keccak256(abi.encode(issuer, t.isin)), address(factory)
        );
        vm.expectEmit(address(factory));
        emit IGreenBondFactory.BondCreated(t.isin, predicted, issuer);
        vm.prank(issuer);
        address bond = factory.createBond(t, "Green 2027", "GRN27");

        vm.assertEq(bond, predicted, "address bound to (issuer, ISIN)");
        vm.assertEq(GreenBond(bond).issuer(), issuer, "initialized with the caller as issuer");
        vm.assertEq(GreenBond(bond).name(), "Green 2027", "name");
        vm.assertTrue(attribution.isInstrument(bond), "registered for attribution");
        vm.assertEq(factory.bondOf(issuer, t.isin), bond, "bondOf");
        vm.assertEq(factory.isinCount(t.isin), 1, "isinCount");
        vm.assertEq(factory.isinAt(t.isin, 0), bond, "isinAt");
        vm.assertEq(factory.bondCount(), 1, "bondCount");
        vm.assertEq(factory.bondAt(0), bond, "bondAt");
    }

    function test_an_issuer_cannot_reuse_an_isin_but_another_issuer_can() public {
        IGreenBond.Terms memory t = _terms();
        vm.prank(issuer);
        address first = factory.createBond(t, "A", "A");
        _expectError(abi.encodeWithSelector(IGreenBondFactory.DuplicateIsin.selector, issuer, t.isin));
        vm.prank(issuer);
        factory.createBond(t, "B", "B");

        address other = _enrolled("issuer2", IParticipantRegistry.Kind.Enterprise);
        vm.prank(other);
        address second = factory.createBond(t, "B", "B");
        vm.assertTrue(second != first, "a distinct clone");
        vm.assertEq(factory.isinCount(t.isin), 2, "two series share the ISIN");
        vm.assertEq(factory.isinAt(t.isin, 1), second, "in creation order");
        vm.assertEq(factory.bondAt(1), second, "bondAt");
    }

    function test_createBond_refusals() public {
        IGreenBond.Terms memory t = _terms();
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, investor, IParticipantRegistry.Reason.WrongKind)
        );
        vm.prank(investor);
        factory.createBond(t, "A", "A");
        t.isin = 0;
        _expectError(abi.encodeWithSelector(IGreenBond.InvalidTerms.selector, bytes32("isin")));
        vm.prank(issuer);
        factory.createBond(t, "A", "A");
        _expectError(abi.encodeWithSelector(IGreenBondFactory.UnknownIsin.selector, issuer, ISIN));
        factory.bondOf(issuer, ISIN);
        vm.assertEq(factory.bondCount(), 0, "nothing created");
    }
}
