// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../lib/Vm.sol";
import {UnitTest} from "../lib/UnitTest.sol";
import {SettlementToken} from "../../../contracts/token/SettlementToken.sol";
import {ComplianceGuard} from "../../../contracts/compliance/ComplianceGuard.sol";
import {ParticipantRegistry} from "../../../contracts/registry/ParticipantRegistry.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";

/// @title SettlementTokenTest
/// @notice The bank mints to participants who may hold, never zero; 6 decimals; the permit path;
/// MINTER_ROLE is governed (granted by GOVERNOR_ROLE, not by the default admin alone).
contract SettlementTokenTest is UnitTest {
    SettlementToken private token;
    address private bank;
    address private investor;

    function setUp() public {
        _deployRegistry();
        bank = _enrolled("bank", IParticipantRegistry.Kind.Enterprise);
        investor = _enrolled("investor", IParticipantRegistry.Kind.Investor);
        token = new SettlementToken("Settlement", "eCNY", registry, admin, bank);
    }

    function test_metadata_and_roles() public view {
        vm.assertEq(token.decimals(), 6, "6 decimals");
        vm.assertEq(token.name(), "Settlement", "name");
        vm.assertTrue(token.hasRole(token.MINTER_ROLE(), bank), "bank mints");
        vm.assertEq(token.getRoleAdmin(token.MINTER_ROLE()), token.GOVERNOR_ROLE(), "governed");
        vm.assertEq(address(token.registry()), address(registry), "registry");
    }

    function test_constructor_refuses_a_zero_registry() public {
        _expectError(abi.encodeWithSelector(ComplianceGuard.RegistryZeroAddress.selector));
        new SettlementToken("S", "S", ParticipantRegistry(address(0)), admin, bank);
    }

    function test_mint_refusals() public {
        _expectMissingRole(investor, token.MINTER_ROLE());
        vm.prank(investor);
        token.mint(investor, 1);
        vm.startPrank(bank);
        _expectError(abi.encodeWithSelector(SettlementToken.ZeroAmount.selector));
        token.mint(investor, 0);
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, address(7), IParticipantRegistry.Reason.NotRegistered)
        );
        token.mint(address(7), 1);
        vm.stopPrank();
        _pause();
        _expectPaused();
        vm.prank(bank);
        token.mint(investor, 1);
        vm.assertEq(token.totalSupply(), 0, "nothing minted");
    }

    function test_mint_and_burn() public {
        vm.prank(bank);
        token.mint(investor, 500);
        vm.assertEq(token.balanceOf(investor), 500, "minted");
        vm.prank(investor);
        token.burn(200);
        vm.assertEq(token.totalSupply(), 300, "burnt");
    }

    function test_permit_sets_an_allowance_from_a_signature() public {
        uint256 key = 0xA11CE;
        address owner = vm.addr(key);
        bytes32 typehash =
            keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                token.DOMAIN_SEPARATOR(),
                keccak256(abi.encode(typehash, owner, investor, 42, token.nonces(owner), block.timestamp))
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        token.permit(owner, investor, 42, block.timestamp, v, r, s);
        vm.assertEq(token.allowance(owner, investor), 42, "allowance");
        vm.assertEq(token.nonces(owner), 1, "nonce used");
    }
}
