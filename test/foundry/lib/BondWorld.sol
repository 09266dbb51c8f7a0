// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BondTerms} from "./BondTerms.sol";
import {vm} from "./Vm.sol";
import {UnitTest} from "./UnitTest.sol";
import {GreenBond} from "../../../contracts/bond/GreenBond.sol";
import {GreenBondFactory} from "../../../contracts/bond/GreenBondFactory.sol";
import {SettlementToken} from "../../../contracts/token/SettlementToken.sol";
import {ImpactAttribution} from "../../../contracts/finance/ImpactAttribution.sol";
import {MockProjectRegistry} from "../../../contracts/mocks/MockProjectRegistry.sol";
import {MockMonitoringReportsForBonds} from "../../../contracts/mocks/MockMonitoringReportsForBonds.sol";
import {MockRiskOracle} from "../../../contracts/mocks/MockRiskOracle.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../../../contracts/interfaces/IProjectRegistry.sol";
import {IGreenBond} from "../../../contracts/interfaces/IGreenBond.sol";

/// @title BondWorld
/// @notice The unit tests' bond world: the real registry, settlement token, attribution and factory;
/// projects 1 and 2 (active, one developer each), verified output and risk scores from the test
/// doubles; an issuer, two investors, a verifier and an unregistered outsider. `_series` creates a
/// quarterly one-year series callable after six months at 101 %, `_issued` takes it to Issued.
abstract contract BondWorld is UnitTest {
    uint256 internal constant DENOMINATION = 1_000e6;
    uint256 internal constant MINIMUM_CLAIM = 1e6;
    bytes32 internal constant ISIN = bytes32("XS0000GREEN1");

    SettlementToken internal token;
    MockProjectRegistry internal projects;
    MockMonitoringReportsForBonds internal reports;
    MockRiskOracle internal oracle;
    ImpactAttribution internal attribution;
    GreenBond internal implementation;
    GreenBondFactory internal factory;

    address internal issuer;
    address internal investor;
    address internal investor2;
    address internal verifier;
    address internal developer;
    address internal developer2;
    address internal outsider;

    function setUp() public virtual {
        _deployRegistry();
        token = new SettlementToken("Settlement", "eCNY", registry, admin, admin);
        projects = new MockProjectRegistry();
        reports = new MockMonitoringReportsForBonds();
        oracle = new MockRiskOracle();
        attribution = new ImpactAttribution(reports, admin, MINIMUM_CLAIM, 0);
        implementation = new GreenBond(registry, token, projects, attribution, oracle);
        factory = new GreenBondFactory(registry, address(implementation));
        attribution.grantRole(attribution.REGISTRAR_ROLE(), address(factory));

        issuer = _enrolled("issuer", IParticipantRegistry.Kind.Enterprise);
        investor = _enrolled("investor", IParticipantRegistry.Kind.Investor);
        investor2 = _enrolled("investor2", IParticipantRegistry.Kind.Investor);
        verifier = _enrolled("verifier", IParticipantRegistry.Kind.Verifier);
        developer = _enrolled("developer", IParticipantRegistry.Kind.ProjectDeveloper);
        developer2 = _enrolled("developer2", IParticipantRegistry.Kind.ProjectDeveloper);
        outsider = vm.addr(0xBAD);
        projects.setProject(1, developer, IProjectRegistry.ProjectStatus.Active);
        projects.setProject(2, developer2, IProjectRegistry.ProjectStatus.Active);
        oracle.setScore(issuer, 100, 1);
        token.mint(issuer, 1e30);
        token.mint(investor, 1e24);
        token.mint(investor2, 1e24);
    }

    /// @dev The shared quarterly, callable series (BondTerms).
    function _terms() internal view returns (IGreenBond.Terms memory) {
        return BondTerms.quarterlyCallable(ISIN, DENOMINATION);
    }

    /// @dev A series on `t`, created by the issuer through the factory; everyone approved it.
    function _series(IGreenBond.Terms memory t) internal returns (GreenBond bond) {
        vm.prank(issuer);
        bond = GreenBond(factory.createBond(t, "Green 2027", "GRN27"));
        address[3] memory payers = [issuer, investor, investor2];
        for (uint256 i; i < payers.length; ++i) {
            vm.prank(payers[i]);
            token.approve(address(bond), type(uint256).max);
        }
    }

    function _subscribe(GreenBond bond, address who, uint256 bonds) internal {
        vm.prank(who);
        bond.subscribe(bonds);
    }

    /// @dev `t`'s series with `bonds` (investor) and `bonds2` (investor2) subscribed, settled at the issue date.
    function _issued(IGreenBond.Terms memory t, uint256 bonds, uint256 bonds2) internal returns (GreenBond) {
        return _settled(_series(t), bonds, bonds2);
    }

    /// @dev `bond` with `bonds` (investor) and `bonds2` (investor2) subscribed, settled at its issue date.
    function _settled(GreenBond bond, uint256 bonds, uint256 bonds2) internal returns (GreenBond) {
        _subscribe(bond, investor, bonds);
        if (bonds2 != 0) _subscribe(bond, investor2, bonds2);
        vm.warp(bond.terms().issueDate);
        vm.prank(issuer);
        bond.settle();
        return bond;
    }
}
