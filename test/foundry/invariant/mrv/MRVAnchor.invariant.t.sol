// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../../lib/Vm.sol";
import {Actors} from "../../lib/Actors.sol";
import {MRVSuiteSetup} from "./MRVSuiteSetup.sol";
import {SumTreeModel} from "./SumTreeModel.sol";
import {AnchorHandler} from "./AnchorHandler.sol";
import {AnchoredReportsHandler} from "./AnchoredReportsHandler.sol";
import {MRVAnchor} from "../../../../contracts/mrv/MRVAnchor.sol";
import {MRVReports} from "../../../../contracts/mrv/MRVReports.sol";
import {DeviceRegistry} from "../../../../contracts/mrv/DeviceRegistry.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {MockProjectRegistry} from "../../../../contracts/mocks/MockProjectRegistry.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";
import {IDeviceRegistry} from "../../../../contracts/interfaces/IDeviceRegistry.sol";
import {IMRVAnchor} from "../../../../contracts/interfaces/IMRVAnchor.sol";
import {IMRVReports} from "../../../../contracts/interfaces/IMRVReports.sol";

/// @title MRVAnchorInvariants
/// @notice Law (docs/mrv.md): a batch's declared totals equal the sum of its leaves, or the batch
/// is disprovable (a totals challenge with the model's proof rejects it), and a wrong batch never
/// becomes final; a replayed reading counts once; no reading is counted in two approved reports,
/// and reports consume each batch once. On the real MRVAnchor (k = 2 of 3 operators),
/// DeviceRegistry and MRVReports, driven by AnchorHandler and AnchoredReportsHandler; each refused
/// call is checked on the call itself (a named error, nothing changed).
contract MRVAnchorInvariants is MRVSuiteSetup {
    MRVAnchor internal anchor;
    MRVReports internal reports;
    AnchorHandler internal handler;
    AnchoredReportsHandler internal reportsHandler;

    function setUp() public {
        (ParticipantRegistry registry, address regulator, MockProjectRegistry projects) = _world();
        DeviceRegistry devices = new DeviceRegistry(registry, projects);
        anchor = new MRVAnchor(registry, devices, address(this), regulator, 2);
        reports = new MRVReports(registry, projects, anchor, address(this), regulator);

        AnchorHandler.Parties memory parties;
        address[] memory actors = new address[](10);
        for (uint256 i; i < 3; ++i) {
            parties.operatorKeys[i] = 0x0A11 + i;
            parties.operators[i] = vm.addr(parties.operatorKeys[i]);
            vm.label(parties.operators[i], string.concat("operator", vm.toString(i)));
            Actors.enrol(registry, regulator, parties.operators[i], IParticipantRegistry.Kind.OracleOperator);
            vm.prank(regulator);
            anchor.addOperator(parties.operators[i]);
            actors[i] = parties.operators[i];
        }
        AnchoredReportsHandler.ReportParties memory p = _reportParties(registry, regulator, projects, reports);
        parties.verifiers = p.verifiers;
        (actors[3], actors[4], actors[5], actors[6]) = (p.developers[0], p.developers[1], p.verifiers[0], p.verifiers[1]);
        _registerDevices(parties, devices, p.developers);
        parties.challenger = Actors.make("challenger"); // anyone: never registered
        parties.outsiderKey = 0x0B5;
        parties.outsider = vm.addr(parties.outsiderKey);
        vm.label(parties.outsider, "outsider");
        (actors[7], actors[8], actors[9]) = (p.issuer, parties.challenger, parties.outsider);

        handler = new AnchorHandler(anchor, devices, registry, regulator, parties, actors);
        reportsHandler = new AnchoredReportsHandler(reports, handler, registry, regulator, p, actors);
        _targetHandlers();
    }

    /// @dev Devices 0-2 of project 1, device 3 of project 2, 10 kW each, active from now.
    function _registerDevices(AnchorHandler.Parties memory parties, DeviceRegistry devices, address[2] memory developers)
        private
    {
        for (uint256 d; d < 4; ++d) {
            parties.deviceKeys[d] = 0xD000 + d;
            parties.deviceIds[d] = keccak256(abi.encode("device", d));
            uint256 projectId = d < 3 ? 1 : 2;
            vm.prank(developers[projectId - 1]);
            devices.registerDevice(
                parties.deviceIds[d], projectId, vm.addr(parties.deviceKeys[d]), IDeviceRegistry.DeviceKind.PvInverter,
                10_000, uint64(block.timestamp - 1 days)
            );
            vm.prank(parties.verifiers[0]);
            devices.activate(parties.deviceIds[d]);
        }
    }

    function _targetHandlers() private {
        bytes4[] memory selectors = new bytes4[](13);
        selectors[0] = handler.anchorBatch.selector;
        selectors[1] = handler.anchorBatch.selector; // anchoring twice as often: batches feed everything else
        selectors[2] = handler.challengeTotals.selector;
        selectors[3] = handler.challengeReading.selector;
        selectors[4] = handler.challengeReplayAsConflict.selector;
        selectors[5] = handler.excludeReplay.selector;
        selectors[6] = handler.restoreReplay.selector;
        selectors[7] = handler.finalize.selector;
        selectors[8] = handler.warp.selector;
        selectors[9] = handler.toggleDevice.selector;
        selectors[10] = handler.toggleFreeze.selector;
        selectors[11] = handler.togglePause.selector;
        selectors[12] = handler.govern.selector;
        _target(address(handler), selectors);
        bytes4[] memory reportSelectors = new bytes4[](3);
        reportSelectors[0] = reportsHandler.openReport.selector;
        reportSelectors[1] = reportsHandler.decide.selector;
        reportSelectors[2] = reportsHandler.consume.selector;
        _target(address(reportsHandler), reportSelectors);
    }

    /// @notice The three laws below, checked in one campaign (every 50 calls and after the last):
    /// each handler call costs far more than in the other suites (signatures, trees), and three
    /// campaigns would triple the suite's time for the same calls.
    function invariant_mrvAnchorLaws() public view {
        _totalsAreTheLeavesOrDisprovable();
        _replayCountedOnce();
        _noReadingInTwoApprovedReports();
    }

    // ---------------------------------------------------------------- the totals law

    /// @notice Every batch's anchored totals (counted + excluded) are what its header declared;
    /// where they differ from the sum of its leaves, or its tree is otherwise false, the batch is
    /// rejected or, while its window is open, disprovable by the model's proof; a batch with a
    /// forged reading or one of an inactive device likewise by challengeReading; only such batches
    /// are ever rejected, and none of them is ever final.
    function _totalsAreTheLeavesOrDisprovable() private view {
        for (uint256 b; b < handler.batchCount(); ++b) {
            _checkBatchTotals(b);
        }
    }

    function _checkBatchTotals(uint256 b) private view {
        AnchorHandler.GhostBatch memory g = handler.batchAt(b);
        IMRVAnchor.Batch memory rec = anchor.batch(g.id);
        vm.assertEq(uint256(rec.status), uint256(g.status) + 1, "batch status != model");
        SumTreeModel.Tree memory t = handler.treeOf(b);
        (bool lying,,) = SumTreeModel.firstFault(t);
        _checkDeclaredTotals(g, rec, t, lying);
        bool faulty = lying || _faultyLeaf(g) < g.readings.length;
        if (rec.status == IMRVAnchor.BatchStatus.Rejected) {
            vm.assertTrue(faulty, "an honest batch was rejected");
            return;
        }
        vm.assertTrue(!faulty || !anchor.isFinal(g.id), "a wrong batch is final");
        if (lying) _checkDisprovable(g, t);
        else if (faulty) _checkReadingDisprovable(b, g);
    }

    /// @dev The model's proof of the highest false statement shows the anchor the same fault.
    function _checkDisprovable(AnchorHandler.GhostBatch memory g, SumTreeModel.Tree memory t) private view {
        (, uint256 lo, uint256 hi) = SumTreeModel.firstFault(t);
        IMRVAnchor.TotalsProof memory proof = SumTreeModel.proof(t, lo, hi, handler.readingAt(g.readings[lo]).signed);
        vm.assertEq(uint256(anchor.totalsFault(g.id, proof)), uint256(SumTreeModel.fault(t, lo, hi)), "a false tree is not disprovable");
    }

    function _checkReadingDisprovable(uint256 b, AnchorHandler.GhostBatch memory g) private view {
        uint256 leaf = _faultyLeaf(g);
        AnchorHandler.GhostReading memory rd = handler.readingAt(g.readings[leaf]);
        IMRVAnchor.Fault found = anchor.readingFault(g.id, rd.signed, handler.leafPath(b, leaf));
        vm.assertEq(uint256(found), uint256(rd.fault), "a faulty reading is not disprovable");
    }

    /// @dev The anchor holds the declared totals; an honest tree declares the leaves' sums.
    function _checkDeclaredTotals(
        AnchorHandler.GhostBatch memory g,
        IMRVAnchor.Batch memory rec,
        SumTreeModel.Tree memory t,
        bool lying
    ) private view {
        (uint64 exE, uint32 exC) = anchor.excluded(g.id);
        IMRVAnchor.SumNode memory declared = SumTreeModel.root(t);
        vm.assertEq(uint256(rec.energyWh) + exE, declared.energyWh, "anchored energy != declared");
        vm.assertEq(uint256(rec.readingCount) + exC, declared.count, "anchored count != declared");
        (uint256 leafWh, uint256 leafCount) = (0, t.energies.length);
        for (uint256 i; i < leafCount; ++i) {
            leafWh += t.energies[i];
        }
        if (declared.energyWh != leafWh || declared.count != leafCount) vm.assertTrue(lying, "model: a wrong total without a false statement");
    }

    function _faultyLeaf(AnchorHandler.GhostBatch memory g) private view returns (uint256 i) {
        for (; i < g.readings.length; ++i) {
            if (handler.readingAt(g.readings[i]).fault != IMRVAnchor.Fault.None) return i;
        }
    }

    // ---------------------------------------------------------------- replays

    /// @notice A replayed reading counts once: among the standing batches whose window has closed,
    /// each reading is counted (not excluded) in at most one; every exclusion is the model's; each
    /// standing batch counts its leaves less its exclusions; the finalized totals are the finalized
    /// batches' counts; operators are blamed exactly for the rejected batches they signed.
    function _replayCountedOnce() private view {
        uint256[] memory counted = new uint256[](handler.readingCount());
        uint256[3] memory blamed;
        uint256[3] memory finalizedWh;
        for (uint256 b; b < handler.batchCount(); ++b) {
            AnchorHandler.GhostBatch memory g = handler.batchAt(b);
            IMRVAnchor.Batch memory rec = anchor.batch(g.id);
            vm.assertEq(uint256(rec.signers), uint256(g.signers), "signers != model");
            if (rec.status == IMRVAnchor.BatchStatus.Rejected) {
                for (uint256 i; i < 3; ++i) {
                    if (g.signers & (1 << i) != 0) ++blamed[i];
                }
                continue;
            }
            (uint256 wh, uint256 n) = handler.countedTotals(b);
            vm.assertEq(rec.energyWh, wh, "counted energy != declared less excluded");
            vm.assertEq(rec.readingCount, n, "counted readings != declared less excluded");
            bool closed = block.timestamp >= rec.challengeEnd;
            for (uint256 i; i < g.readings.length; ++i) {
                AnchorHandler.GhostReading memory rd = handler.readingAt(g.readings[i]);
                vm.assertEq(anchor.countedInstead(g.id, rd.digest), g.countedIn[i], "exclusion != model");
                if (closed && g.countedIn[i] == 0) {
                    vm.assertEq(counted[g.readings[i]]++, 0, "a replayed reading counted twice");
                }
            }
            if (rec.status == IMRVAnchor.BatchStatus.Finalized) finalizedWh[rec.projectId] += rec.energyWh;
        }
        for (uint256 i; i < 3; ++i) {
            vm.assertEq(anchor.misbehaviourCount(handler.operatorAt(i)), blamed[i], "blame != rejected batches signed");
        }
        for (uint256 p = 1; p <= 2; ++p) {
            vm.assertEq(anchor.finalizedEnergy(p), finalizedWh[p], "finalized energy != finalized batches");
            vm.assertEq(anchor.finalizedEnergy(p), handler.ghostFinalizedWh(p), "finalized energy != model");
        }
    }

    // ---------------------------------------------------------------- reports

    /// @notice No reading is counted in two approved reports (nor twice in one); each batch is in
    /// at most one live report, the model's; a report is consumed at most once and only when
    /// approved; each report's and each project's verified generation is the energy of the very
    /// readings its batches count.
    function _noReadingInTwoApprovedReports() private view {
        bool[] memory seen = new bool[](handler.readingCount());
        uint256[3] memory verified;
        for (uint256 id = 1; id <= reports.reportCount(); ++id) {
            IMRVReports.Report memory r = reports.report(id);
            vm.assertEq(uint256(r.status), uint256(reportsHandler.ghostStatus(id)), "report status != model");
            vm.assertLe(reportsHandler.ghostConsumptions(id), 1, "a report consumed twice");
            vm.assertEq(r.netGenerationWh, reportsHandler.countedWh(id), "report energy != its batches' counted readings");
            if (r.status != IMRVReports.ReportStatus.Approved && r.status != IMRVReports.ReportStatus.Consumed) continue;
            verified[r.projectId] += r.netGenerationWh;
            uint256[] memory listed = reportsHandler.batchesOf(id);
            for (uint256 k; k < listed.length; ++k) {
                _markReadings(listed[k], seen);
            }
        }
        for (uint256 b; b < handler.batchCount(); ++b) {
            vm.assertEq(reports.reportOfBatch(handler.batchAt(b).id), reportsHandler.ghostBatchReport(b), "a batch's live report != model");
        }
        for (uint256 p = 1; p <= 2; ++p) {
            (uint256 wh,) = reports.verifiedTotals(p);
            vm.assertEq(wh, verified[p], "verified generation != approved reports");
            vm.assertEq(wh, reportsHandler.ghostVerifiedWh(p), "verified generation != model");
        }
    }

    /// @dev Mark the readings batch b counts (by the anchor's exclusions); none may be marked already.
    function _markReadings(uint256 b, bool[] memory seen) private view {
        AnchorHandler.GhostBatch memory g = handler.batchAt(b);
        for (uint256 i; i < g.readings.length; ++i) {
            if (anchor.countedInstead(g.id, handler.readingAt(g.readings[i]).digest) != 0) continue;
            vm.assertTrue(!seen[g.readings[i]], "a reading counted in two approved reports");
            seen[g.readings[i]] = true;
        }
    }

    /// @notice After each run: how many calls of each entry point were accepted and refused (-vv).
    function afterInvariant() public view {
        handler.logCensus();
        reportsHandler.logCensus();
    }
}
