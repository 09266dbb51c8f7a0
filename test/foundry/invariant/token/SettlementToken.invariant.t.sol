// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../../lib/Vm.sol";
import {Actors} from "../../lib/Actors.sol";
import {InvariantTest} from "../../lib/InvariantTest.sol";
import {SettlementTokenHandler} from "./SettlementTokenHandler.sol";
import {SettlementToken} from "../../../../contracts/token/SettlementToken.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";

/// @title SettlementTokenInvariants
/// @notice Law: the settlement token's supply is conserved. totalSupply = Σ balances = minted − burned,
/// whatever the order of mints, transfers, burns, burnFroms, freezes and pauses.
contract SettlementTokenInvariants is InvariantTest {
    SettlementToken internal token;
    SettlementTokenHandler internal handler;

    function setUp() public {
        address regulator = Actors.make("regulator");
        address bank = Actors.make("bank");
        ParticipantRegistry registry = Actors.registry(address(this), regulator);
        token = new SettlementToken("Settlement", "eCNY", registry, address(this), bank);
        address[] memory actors = new address[](5);
        for (uint256 i; i < 4; ++i) {
            actors[i] = Actors.make(string.concat("holder", vm.toString(i)));
            Actors.enrol(registry, regulator, actors[i], IParticipantRegistry.Kind.Enterprise);
        }
        actors[4] = Actors.make("outsider"); // never registered
        handler = new SettlementTokenHandler(token, registry, bank, regulator, actors);
        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = handler.mint.selector;
        selectors[1] = handler.transfer.selector;
        selectors[2] = handler.burn.selector;
        selectors[3] = handler.approve.selector;
        selectors[4] = handler.burnFrom.selector;
        selectors[5] = handler.toggleFreeze.selector;
        selectors[6] = handler.togglePause.selector;
        _target(address(handler), selectors);
    }

    /// @notice totalSupply = Σ balances of every account that ever held (the actors) = minted − burned,
    /// to the base unit.
    function invariant_supplyConserved() public view {
        uint256 sum;
        for (uint256 i; i < handler.actorCount(); ++i) {
            sum += token.balanceOf(handler.actorAt(i));
        }
        vm.assertEq(token.totalSupply(), sum, "totalSupply != sum of balances");
        vm.assertEq(token.totalSupply(), handler.ghostMinted() - handler.ghostBurned(), "totalSupply != minted - burned");
    }

    /// @notice After each run: how many calls of each entry point were accepted and refused (-vv).
    function afterInvariant() public view {
        handler.logCensus();
    }
}
