// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../../lib/Vm.sol";
import {Actors} from "../../lib/Actors.sol";
import {AnchorStub} from "./AnchorStub.sol";
import {MRVSuiteSetup} from "./MRVSuiteSetup.sol";
import {ReportsHandler} from "./ReportsHandler.sol";
import {MRVReports} from "../../../../contracts/mrv/MRVReports.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {MockProjectRegistry} from "../../../../contracts/mocks/MockProjectRegistry.sol";
import {IMRVAnchor} from "../../../../contracts/interfaces/IMRVAnchor.sol";
import {IMRVReports} from "../../../../contracts/interfaces/IMRVReports.sol";

/// @title MRVReportsInvariants
/// @notice Law: no reading is counted in two approved reports, and reports consume each batch once.
/// Every batch is in at most one live (not rejected) report, the one the model says; each project's
/// verified generation = Σ energy of the batches of its approved reports; a report is consumed for
/// issuance at most once, and only an approved one; a project's live report periods never overlap.
/// @dev Batches come from AnchorStub: that a batch's declared totals equal its leaves (or the batch
/// is disprovable) is the anchor's law and needs the real anchor (docs/quality.md).
contract MRVReportsInvariants is MRVSuiteSetup {
    MRVReports internal reports;
    ReportsHandler internal handler;

    function setUp() public {
        (ParticipantRegistry registry, address regulator, MockProjectRegistry projects) = _world();
        AnchorStub anchor = new AnchorStub();
        reports = new MRVReports(registry, projects, IMRVAnchor(address(anchor)), address(this), regulator);
        ReportsHandler.ReportParties memory p = _reportParties(registry, regulator, projects, reports);
        address[] memory actors = new address[](6);
        (actors[0], actors[1], actors[2], actors[3]) = (p.developers[0], p.developers[1], p.verifiers[0], p.verifiers[1]);
        (actors[4], actors[5]) = (p.issuer, Actors.make("outsider"));
        handler = new ReportsHandler(reports, anchor, registry, regulator, p, actors);
        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = handler.addBatch.selector;
        selectors[1] = handler.openReport.selector;
        selectors[2] = handler.decide.selector;
        selectors[3] = handler.consume.selector;
        selectors[4] = handler.warp.selector;
        selectors[5] = handler.toggleFreeze.selector;
        selectors[6] = handler.togglePause.selector;
        _target(address(handler), selectors);
    }

    function invariant_eachBatchCountedOnce() public view {
        for (uint256 i; i < handler.batchCount(); ++i) {
            bytes32 batchId = handler.batchIds(i);
            vm.assertEq(reports.reportOfBatch(batchId), handler.ghostBatchReport(batchId), "a batch's live report != model");
        }
        for (uint256 p = 1; p <= 2; ++p) {
            (uint256 wh,) = reports.verifiedTotals(p);
            vm.assertEq(wh, handler.ghostVerifiedWh(p), "verified generation != batches of approved reports");
        }
        uint64[3] memory lastEnd;
        for (uint256 id = 1; id <= reports.reportCount(); ++id) {
            IMRVReports.Report memory r = reports.report(id);
            uint256 consumed = handler.ghostConsumptions(id);
            vm.assertLe(consumed, 1, "a report consumed twice");
            vm.assertEq(r.status == IMRVReports.ReportStatus.Consumed, consumed == 1, "consumed status != consumptions");
            if (r.status == IMRVReports.ReportStatus.Rejected) continue;
            vm.assertGe(r.periodStart, lastEnd[r.projectId], "live report periods overlap");
            lastEnd[r.projectId] = r.periodEnd;
        }
    }

    /// @notice After each run: how many calls of each entry point were accepted and refused (-vv).
    function afterInvariant() public view {
        handler.logCensus();
    }
}
