// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "./Vm.sol";
import {UnitTest} from "./UnitTest.sol";
import {CarbonCredits} from "../../../contracts/carbon/CarbonCredits.sol";
import {CarbonMarket} from "../../../contracts/carbon/CarbonMarket.sol";
import {ProjectRegistry} from "../../../contracts/carbon/ProjectRegistry.sol";
import {SettlementToken} from "../../../contracts/token/SettlementToken.sol";
import {MockMonitoringReportsForCarbon} from "../../../contracts/mocks/MockMonitoringReportsForCarbon.sol";
import {IMonitoringReports} from "../../../contracts/interfaces/IMonitoringReports.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../../../contracts/interfaces/IProjectRegistry.sol";
import {ICarbonCredits} from "../../../contracts/interfaces/ICarbonCredits.sol";

/// @title CarbonWorld
/// @notice The unit tests' carbon world: the real registry, project registry, credits (10 % buffer),
/// market (2.5 % fee) and settlement token; approved reports from the test double. One developer
/// with an active green-electricity project (`gec`, Wh) and an active emission-reduction project
/// (`ver`, grams), a buyer, a treasury; both traders approved the market.
abstract contract CarbonWorld is UnitTest {
    uint16 internal constant BUFFER_BPS = 1_000;
    uint16 internal constant FEE_BPS = 250;
    uint256 internal constant UNIT = 1e6;
    /// @dev 2024-01-01T00:00:00Z: the first vintage starts here.
    uint64 internal constant JAN_2024 = 1_704_067_200;

    ProjectRegistry internal projects;
    MockMonitoringReportsForCarbon internal reports;
    CarbonCredits internal credits;
    SettlementToken internal token;
    CarbonMarket internal market;

    address internal developer;
    address internal buyer;
    address internal verifier;
    address internal treasury;
    uint256 internal gec;
    uint256 internal ver;

    uint256 private _reportCount;
    mapping(uint256 projectId => uint64) private _cursor;

    function setUp() public virtual {
        _deployRegistry();
        projects = new ProjectRegistry(registry, admin, regulator);
        reports = new MockMonitoringReportsForCarbon();
        credits = new CarbonCredits(registry, projects, reports, admin, regulator, BUFFER_BPS);
        token = new SettlementToken("Settlement", "eCNY", registry, admin, admin);
        developer = _enrolled("developer", IParticipantRegistry.Kind.ProjectDeveloper);
        buyer = _enrolled("buyer", IParticipantRegistry.Kind.Enterprise);
        verifier = _enrolled("verifier", IParticipantRegistry.Kind.Verifier);
        treasury = _enrolled("treasury", IParticipantRegistry.Kind.Enterprise);
        market = new CarbonMarket(registry, credits, token, admin, treasury, FEE_BPS);
        credits.grantRole(credits.MARKET_ROLE(), address(market));
        gec = _activeProject(IProjectRegistry.CreditClass.GreenElectricityCertificate);
        ver = _activeProject(IProjectRegistry.CreditClass.VerifiedEmissionReduction);
        token.mint(buyer, 1e24);
        address[2] memory traders = [developer, buyer];
        for (uint256 i; i < traders.length; ++i) {
            vm.startPrank(traders[i]);
            credits.setApprovalForAll(address(market), true);
            token.approve(address(market), type(uint256).max);
            vm.stopPrank();
        }
    }

    function _activeProject(IProjectRegistry.CreditClass creditClass) private returns (uint256 id) {
        vm.prank(developer);
        id = projects.submitProject(bytes32("AMS-I.D"), 0, creditClass, "CN", bytes32("site"));
        vm.prank(verifier);
        projects.validate(id, 0);
        vm.prank(regulator);
        projects.activate(id, 0);
        _cursor[id] = JAN_2024;
    }

    /// @dev An approved report on `projectId` for its next 30 days, verifying `quantity` Wh and grams.
    function _report(uint256 projectId, uint256 quantity) internal returns (uint256 reportId) {
        uint64 start = _cursor[projectId];
        _cursor[projectId] = start + 30 days;
        reportId = _reportWith(projectId, start, start + 30 days, quantity);
    }

    function _reportWith(uint256 projectId, uint64 start, uint64 end, uint256 quantity) internal returns (uint256 reportId) {
        reportId = ++_reportCount;
        reports.setReport(
            reportId,
            IMonitoringReports.IssuableReport(projectId, start, end, quantity, quantity, keccak256(abi.encode(reportId)), verifier),
            true
        );
    }

    /// @dev The developer issues a batch of `units` whole units on `projectId`.
    function _issue(uint256 projectId, uint256 units) internal returns (uint256 batchId) {
        uint256 reportId = _report(projectId, units * UNIT);
        vm.prank(developer);
        batchId = credits.issue(reportId);
    }

    /// @dev A claim for the first half of 2024 on behalf of the buyer.
    function _claim() internal view returns (ICarbonCredits.Claim memory) {
        return ICarbonCredits.Claim(buyer, keccak256("Buyer Ltd"), 1, "CN", JAN_2024, JAN_2024 + 182 days);
    }
}
