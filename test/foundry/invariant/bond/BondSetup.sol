// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BondTerms} from "../../lib/BondTerms.sol";
import {vm} from "../../lib/Vm.sol";
import {Actors} from "../../lib/Actors.sol";
import {InvariantTest} from "../../lib/InvariantTest.sol";
import {BondHandler} from "./BondHandler.sol";
import {GreenBond} from "../../../../contracts/bond/GreenBond.sol";
import {GreenBondFactory} from "../../../../contracts/bond/GreenBondFactory.sol";
import {SettlementToken} from "../../../../contracts/token/SettlementToken.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {MockProjectRegistry} from "../../../../contracts/mocks/MockProjectRegistry.sol";
import {MockMonitoringReportsForBonds} from "../../../../contracts/mocks/MockMonitoringReportsForBonds.sol";
import {MockRiskOracle} from "../../../../contracts/mocks/MockRiskOracle.sol";
import {ImpactAttribution} from "../../../../contracts/finance/ImpactAttribution.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../../../../contracts/interfaces/IProjectRegistry.sol";
import {IGreenBond} from "../../../../contracts/interfaces/IGreenBond.sol";

/// @title BondSetup
/// @notice The bond suites' world: one quarterly, callable GreenBond series cloned by the real
/// factory, with the real registry and settlement token; projects, verified output and risk scores
/// from the test doubles; three investors, the issuer, two developers, a verifier, an outsider.
abstract contract BondSetup is InvariantTest {
    uint256 internal constant DENOMINATION = 1_000e6;
    /// @dev The attribution contract's smallest claim: allocations below it are dust and refused.
    uint256 internal constant MINIMUM_CLAIM = 1e6;

    GreenBond internal bond;
    SettlementToken internal token;
    BondHandler internal handler;
    ParticipantRegistry private registry;
    MockProjectRegistry private projects;
    MockMonitoringReportsForBonds internal reports;
    MockRiskOracle private oracle;
    ImpactAttribution internal attribution;
    address private regulator;

    function setUp() public {
        regulator = Actors.make("regulator");
        registry = Actors.registry(address(this), regulator);
        token = new SettlementToken("Settlement", "eCNY", registry, address(this), address(this));
        projects = new MockProjectRegistry();
        reports = new MockMonitoringReportsForBonds();
        oracle = new MockRiskOracle();
        attribution = new ImpactAttribution(reports, address(this), MINIMUM_CLAIM, 0);
        GreenBondFactory factory =
            new GreenBondFactory(registry, address(new GreenBond(registry, token, projects, attribution, oracle)));
        attribution.grantRole(attribution.REGISTRAR_ROLE(), address(factory));

        address[] memory actors = new address[](8);
        address issuer = Actors.make("issuer");
        address verifier = Actors.make("verifier");
        Actors.enrol(registry, regulator, issuer, IParticipantRegistry.Kind.Enterprise);
        Actors.enrol(registry, regulator, verifier, IParticipantRegistry.Kind.Verifier);
        for (uint256 i; i < 3; ++i) {
            actors[i] = Actors.make(string.concat("investor", vm.toString(i)));
            Actors.enrol(registry, regulator, actors[i], IParticipantRegistry.Kind.Investor);
        }
        for (uint256 i; i < 2; ++i) {
            actors[3 + i] = Actors.make(string.concat("developer", vm.toString(i)));
            Actors.enrol(registry, regulator, actors[3 + i], IParticipantRegistry.Kind.ProjectDeveloper);
            projects.setProject(1 + i, actors[3 + i], IProjectRegistry.ProjectStatus.Active);
        }
        actors[5] = issuer;
        actors[6] = verifier;
        actors[7] = Actors.make("outsider");
        oracle.setScore(issuer, 100, 1);

        vm.prank(issuer);
        bond = GreenBond(factory.createBond(_terms(), "Green 2027", "GRN27"));
        token.mint(issuer, 1e30);
        for (uint256 i; i < 8; ++i) {
            if (i < 3) token.mint(actors[i], 1e24);
            vm.prank(actors[i]);
            token.approve(address(bond), type(uint256).max);
        }
        handler = new BondHandler(bond, token, attribution, registry, projects, reports, oracle, issuer, verifier, regulator, actors);
        attribution.grantRole(attribution.REGISTRAR_ROLE(), address(this));
        attribution.registerInstrument(address(handler));
        bytes4[] memory selectors = new bytes4[](23);
        selectors[0] = handler.subscribe.selector;
        selectors[1] = handler.settle.selector;
        selectors[2] = handler.abandon.selector;
        selectors[3] = handler.refund.selector;
        selectors[4] = handler.allocate.selector;
        selectors[5] = handler.attest.selector;
        selectors[6] = handler.release.selector;
        selectors[7] = handler.reallocate.selector;
        selectors[8] = handler.withdrawProceeds.selector;
        selectors[9] = handler.fundCoupon.selector;
        selectors[10] = handler.claimCoupons.selector;
        selectors[11] = handler.transfer.selector;
        selectors[12] = handler.depositPrincipal.selector;
        selectors[13] = handler.callBonds.selector;
        selectors[14] = handler.redeem.selector;
        selectors[15] = handler.setProjectActive.selector;
        selectors[16] = handler.addVerifiedOutput.selector;
        selectors[17] = handler.warp.selector;
        selectors[18] = handler.toggleFreeze.selector;
        selectors[19] = handler.togglePause.selector;
        selectors[20] = handler.expire.selector;
        selectors[21] = handler.otherClaim.selector;
        selectors[22] = handler.otherRelease.selector;
        _target(address(handler), selectors);
    }

    /// @dev The shared quarterly, callable series (BondTerms).
    function _terms() private view returns (IGreenBond.Terms memory) {
        return BondTerms.quarterlyCallable(bytes32("XS0000GREEN1"), DENOMINATION);
    }

    /// @notice After each run: how many calls of each entry point were accepted and refused (-vv).
    function afterInvariant() public view {
        handler.logCensus();
    }
}
