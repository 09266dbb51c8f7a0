// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../lib/Vm.sol";
import {UnitTest} from "../lib/UnitTest.sol";
import {ComplianceGuard} from "../../../contracts/compliance/ComplianceGuard.sol";
import {ComplianceGuardMock} from "../../../contracts/mocks/ComplianceGuardMock.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";

/// @title ComplianceGuardTest
/// @notice Each registry answer becomes its named error: the pause as NetworkPaused, any other
/// refusal as ComplianceRefused naming the refused account (for a transfer, the side refused).
contract ComplianceGuardTest is UnitTest {
    ComplianceGuardMock private guard;
    address private investor;
    address private developer;

    function setUp() public {
        _deployRegistry();
        guard = new ComplianceGuardMock(registry);
        investor = _enrolled("investor", IParticipantRegistry.Kind.Investor);
        developer = _enrolled("developer", IParticipantRegistry.Kind.ProjectDeveloper);
    }

    function test_constructor_refuses_a_zero_registry() public {
        _expectError(abi.encodeWithSelector(ComplianceGuard.RegistryZeroAddress.selector));
        new ComplianceGuardMock(IParticipantRegistry(address(0)));
        vm.assertEq(address(guard.registry()), address(registry), "registry");
    }

    function test_whenNetworkActive_stops_while_paused() public {
        guard.act();
        _pause();
        _expectPaused();
        guard.act();
        vm.assertEq(guard.actions(), 1, "one action before the pause");
    }

    function test_hold_and_act_as() public {
        guard.checkHold(investor);
        guard.checkActAs(developer, IParticipantRegistry.Kind.ProjectDeveloper);
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, investor, IParticipantRegistry.Reason.WrongKind)
        );
        guard.checkActAs(investor, IParticipantRegistry.Kind.ProjectDeveloper);
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, address(1), IParticipantRegistry.Reason.NotRegistered)
        );
        guard.checkHold(address(1));
        _pause();
        _expectPaused();
        guard.checkHold(investor);
    }

    function test_a_refused_transfer_names_the_refused_side() public {
        guard.checkTransact(investor, developer);
        _freeze(investor);
        _expectFrozen(investor);
        guard.checkTransact(investor, developer);
        _expectFrozen(investor);
        guard.checkTransact(developer, investor);
        _pause();
        _expectPaused();
        guard.checkTransact(developer, developer);
    }
}
