// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../../lib/Vm.sol";
import {Actors} from "../../lib/Actors.sol";
import {InvariantTest} from "../../lib/InvariantTest.sol";
import {RegistryHandler} from "./RegistryHandler.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {SettlementToken} from "../../../../contracts/token/SettlementToken.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";

/// @title RegistryPauseInvariants
/// @notice Law: the registry says exactly what its regulator decided, and every refused call
/// changes nothing. Each account's record, canHold and canActAs equal the model of the accepted
/// calls (so a refused call, which the handler checks reverted with its named error and left the
/// registry and the token digest unchanged, never leaks into the state); the pause and the
/// restricted jurisdictions are the model's.
contract RegistryPauseInvariants is InvariantTest {
    ParticipantRegistry internal registry;
    RegistryHandler internal handler;

    function setUp() public {
        address regulator = Actors.make("regulator");
        address bank = Actors.make("bank");
        registry = Actors.registry(address(this), regulator);
        SettlementToken token = new SettlementToken("Settlement", "eCNY", registry, address(this), bank);
        address[] memory actors = new address[](6);
        for (uint256 i; i < 6; ++i) {
            actors[i] = Actors.make(string.concat("account", vm.toString(i)));
        }
        handler = new RegistryHandler(registry, token, regulator, bank, actors);
        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = handler.register.selector;
        selectors[1] = handler.update.selector;
        selectors[2] = handler.renewKyc.selector;
        selectors[3] = handler.setFrozen.selector;
        selectors[4] = handler.remove.selector;
        selectors[5] = handler.setRestricted.selector;
        selectors[6] = handler.setPaused.selector;
        selectors[7] = handler.mint.selector;
        selectors[8] = handler.warp.selector;
        selectors[9] = handler.register.selector; // registration twice as often: most accounts get in
        _target(address(handler), selectors);
    }

    function invariant_registryIsTheModel() public view {
        vm.assertEq(registry.paused(), handler.modelPaused(), "pause != model");
        for (uint256 i; i < handler.actorCount(); ++i) {
            address account = handler.actorAt(i);
            IParticipantRegistry.Participant memory p = registry.participant(account);
            IParticipantRegistry.Participant memory m = handler.model(account);
            vm.assertEq(uint256(p.kind), uint256(m.kind), "kind != model");
            vm.assertEq(bytes32(p.jurisdiction), bytes32(m.jurisdiction), "jurisdiction != model");
            vm.assertEq(uint256(p.kycExpiry), uint256(m.kycExpiry), "KYC expiry != model");
            vm.assertEq(p.frozen, m.frozen, "frozen != model");
            vm.assertEq(uint256(registry.canHold(account)), uint256(handler.modelCanHold(account)), "canHold != model");
            IParticipantRegistry.Reason expected = handler.modelCanHold(account);
            if (expected == IParticipantRegistry.Reason.Ok && m.kind != IParticipantRegistry.Kind.Bank) {
                expected = IParticipantRegistry.Reason.WrongKind;
            }
            vm.assertEq(uint256(registry.canActAs(account, IParticipantRegistry.Kind.Bank)), uint256(expected), "canActAs != model");
        }
        vm.assertEq(registry.isJurisdictionRestricted("CN"), handler.modelRestricted("CN"), "CN restriction != model");
        vm.assertEq(registry.isJurisdictionRestricted("DE"), handler.modelRestricted("DE"), "DE restriction != model");
        vm.assertEq(registry.isJurisdictionRestricted("US"), handler.modelRestricted("US"), "US restriction != model");
    }

    /// @notice After each run: how many calls of each entry point were accepted and refused (-vv).
    function afterInvariant() public view {
        handler.logCensus();
    }
}
