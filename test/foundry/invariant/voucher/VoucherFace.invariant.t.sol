// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "../../lib/Vm.sol";
import {Actors} from "../../lib/Actors.sol";
import {InvariantTest} from "../../lib/InvariantTest.sol";
import {VoucherHandler} from "./VoucherHandler.sol";
import {CreditVoucher} from "../../../../contracts/voucher/CreditVoucher.sol";
import {SettlementToken} from "../../../../contracts/token/SettlementToken.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {MockRiskOracle} from "../../../../contracts/mocks/MockRiskOracle.sol";
import {MockProjectRegistry} from "../../../../contracts/mocks/MockProjectRegistry.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";
import {ICreditVoucher} from "../../../../contracts/interfaces/ICreditVoucher.sol";

/// @title VoucherFaceInvariants
/// @notice Law: a voucher tree's face is the sum of its live leaves, its money is conserved, and
/// nothing is financed twice. Per root: face = Σ amounts of its unsplit nodes; paid ≤ deposited ≤
/// face, deposited and paid as the handler booked them; the contract holds Σ (deposited − paid).
/// No node is discounted twice, the financed leaves of a tree never exceed its face, and each trade
/// document backs, for its obligor and supplier, exactly the one voucher it was first used for.
contract VoucherFaceInvariants is InvariantTest {
    CreditVoucher internal vouchers;
    SettlementToken internal token;
    VoucherHandler internal handler;

    function setUp() public {
        address regulator = Actors.make("regulator");
        ParticipantRegistry registry = Actors.registry(address(this), regulator);
        token = new SettlementToken("Settlement", "eCNY", registry, address(this), address(this));
        MockRiskOracle oracle = new MockRiskOracle();
        vouchers = new CreditVoucher(registry, token, oracle, new MockProjectRegistry(), address(this), regulator);
        address bank = Actors.make("bank");
        Actors.enrol(registry, regulator, bank, IParticipantRegistry.Kind.Bank);
        address[] memory actors = new address[](6);
        for (uint256 i; i < 4; ++i) {
            actors[i] = Actors.make(string.concat("enterprise", vm.toString(i)));
            Actors.enrol(registry, regulator, actors[i], IParticipantRegistry.Kind.Enterprise);
            oracle.setScore(actors[i], uint16(100 * (i + 1)), 1);
        }
        actors[4] = bank;
        actors[5] = Actors.make("outsider");
        for (uint256 i; i < 5; ++i) {
            token.mint(actors[i], 1e20);
            vm.prank(actors[i]);
            token.approve(address(vouchers), type(uint256).max);
        }
        handler = new VoucherHandler(vouchers, token, registry, regulator, bank, actors);
        bytes4[] memory selectors = new bytes4[](13);
        selectors[0] = handler.issue.selector;
        selectors[1] = handler.split.selector;
        selectors[2] = handler.transfer.selector;
        selectors[3] = handler.accept.selector;
        selectors[4] = handler.reclaim.selector;
        selectors[5] = handler.offer.selector;
        selectors[6] = handler.acceptOffer.selector;
        selectors[7] = handler.repay.selector;
        selectors[8] = handler.claim.selector;
        selectors[9] = handler.toggleTreeFreeze.selector;
        selectors[10] = handler.warp.selector;
        selectors[11] = handler.toggleFreeze.selector;
        selectors[12] = handler.togglePause.selector;
        _target(address(handler), selectors);
    }

    function invariant_faceIsLiveLeavesAndNoDoubleFinancing() public view {
        uint256 roots = handler.rootCount();
        uint256[] memory leaves = new uint256[](roots + 1);
        uint256[] memory financed = new uint256[](roots + 1);
        for (uint256 i; i < handler.nodeCount(); ++i) {
            uint256 id = handler.nodes(i);
            ICreditVoucher.VoucherView memory v = vouchers.voucher(id);
            vm.assertLe(handler.ghostFinancings(id), 1, "a node was discounted twice");
            if (v.state == ICreditVoucher.State.Split) continue;
            leaves[v.rootId] += v.amount;
            if (vouchers.financing(id).financed) financed[v.rootId] += v.amount;
        }
        uint256 owed;
        for (uint256 r = 1; r <= roots; ++r) {
            ICreditVoucher.RootView memory info = vouchers.rootInfo(r);
            vm.assertEq(info.face, leaves[r], "face != sum of live leaves");
            vm.assertLe(financed[r], info.face, "financed leaves exceed the face");
            vm.assertLe(info.paid, info.deposited, "paid > deposited");
            vm.assertLe(info.deposited, info.face, "deposited > face");
            vm.assertEq(info.deposited, handler.ghostDeposited(r), "deposited != repayments");
            vm.assertEq(info.paid, handler.ghostPaid(r), "paid != claims");
            owed += info.deposited - info.paid;
        }
        vm.assertEq(token.balanceOf(address(vouchers)), owed, "contract balance != deposited - paid");
        for (uint256 d; d < handler.documentCount(); ++d) {
            VoucherHandler.Documents memory doc = handler.documentsAt(d);
            address o = doc.obligor;
            address p = doc.supplier;
            vm.assertEq(vouchers.documentVoucher(o, p, doc.order), doc.rootId, "order document bound to another voucher");
            vm.assertEq(vouchers.documentVoucher(o, p, keccak256(abi.encode("delivery", doc.order))), doc.rootId, "delivery document rebound");
            vm.assertEq(vouchers.documentVoucher(o, p, keccak256(abi.encode("invoice", doc.order))), doc.rootId, "invoice document rebound");
        }
    }

    /// @notice After each run: how many calls of each entry point were accepted and refused (-vv).
    function afterInvariant() public view {
        handler.logCensus();
    }
}
