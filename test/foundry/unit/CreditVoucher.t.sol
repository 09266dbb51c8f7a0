// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {vm} from "../lib/Vm.sol";
import {UnitTest} from "../lib/UnitTest.sol";
import {CreditVoucher} from "../../../contracts/voucher/CreditVoucher.sol";
import {SettlementToken} from "../../../contracts/token/SettlementToken.sol";
import {MockRiskOracle} from "../../../contracts/mocks/MockRiskOracle.sol";
import {MockProjectRegistry} from "../../../contracts/mocks/MockProjectRegistry.sol";
import {ICreditVoucher} from "../../../contracts/interfaces/ICreditVoucher.sol";
import {IRiskOracle} from "../../../contracts/interfaces/IRiskOracle.sol";
import {IProjectRegistry} from "../../../contracts/interfaces/IProjectRegistry.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {ComplianceGuard} from "../../../contracts/compliance/ComplianceGuard.sol";

/// @title CreditVoucherTest
/// @notice Issue against three fresh trade documents, split and hand down with acceptance (or reclaim
/// after the window), discount with a bank at a risk-quoted rate, repay and claim pro rata, and the
/// regulator's freeze, document release and rules, each refusal with its exact error.
contract CreditVoucherTest is UnitTest {
    uint256 private constant FACE = 1_000e6;
    uint64 private constant MIN_PART = 100e6;
    uint64 private constant TENOR = 90 days;
    uint32 private constant WINDOW = 7 days;

    CreditVoucher private vouchers;
    SettlementToken private token;
    MockRiskOracle private oracle;
    MockProjectRegistry private projects;
    address private obligor;
    address private supplier;
    address private sub;
    address private bank;
    uint64 private maturity;
    uint256 private docs;

    function setUp() public {
        _deployRegistry();
        token = new SettlementToken("Settlement", "eCNY", registry, admin, admin);
        oracle = new MockRiskOracle();
        projects = new MockProjectRegistry();
        vouchers = new CreditVoucher(registry, token, oracle, projects, admin, regulator);
        obligor = _enrolled("obligor", IParticipantRegistry.Kind.Enterprise);
        supplier = _enrolled("supplier", IParticipantRegistry.Kind.Enterprise);
        sub = _enrolled("sub", IParticipantRegistry.Kind.Enterprise);
        bank = _enrolled("bank", IParticipantRegistry.Kind.Bank);
        projects.setProject(7, supplier, IProjectRegistry.ProjectStatus.Active);
        oracle.setScore(obligor, 200, 1);
        token.mint(obligor, 1e15);
        token.mint(bank, 1e15);
        vm.prank(obligor);
        token.approve(address(vouchers), type(uint256).max);
        vm.prank(bank);
        token.approve(address(vouchers), type(uint256).max);
        maturity = uint64(block.timestamp + TENOR);
    }

    /// @dev The obligor issues `amount` to the supplier on three fresh documents.
    function _issue(uint256 amount, uint256 projectId) private returns (uint256 id) {
        ++docs;
        vm.prank(obligor);
        id = vouchers.issue(supplier, amount, maturity, _doc("o"), _doc("d"), _doc("i"), projectId);
    }

    function _doc(string memory kind) private view returns (bytes32) {
        return keccak256(abi.encode(kind, docs));
    }

    /// @dev Two parts, `own` for the supplier and `handed` for `other`.
    function _parts(uint256 own, uint256 handed, address other)
        private
        view
        returns (uint256[] memory amounts, address[] memory to)
    {
        amounts = new uint256[](2);
        amounts[0] = own;
        amounts[1] = handed;
        to = new address[](2);
        to[0] = supplier;
        to[1] = other;
    }

    /// @dev The supplier splits `id` into a part for itself and a pending part for `sub`.
    function _split(uint256 id, uint256 own, uint256 handed) private {
        (uint256[] memory amounts, address[] memory to) = _parts(own, handed, sub);
        vm.prank(supplier);
        vouchers.split(id, amounts, to);
    }

    function _state(uint256 id) private view returns (uint256) {
        return uint256(vouchers.voucher(id).state);
    }

    // ---------------------------------------------------------------- construction and parameters

    function test_constructor_refuses_zero_addresses_and_sets_the_defaults() public {
        _expectError(abi.encodeWithSelector(ICreditVoucher.ZeroAddressParameter.selector));
        new CreditVoucher(registry, IERC20(address(0)), oracle, projects, admin, regulator);
        _expectError(abi.encodeWithSelector(ICreditVoucher.ZeroAddressParameter.selector));
        new CreditVoucher(registry, token, IRiskOracle(address(0)), projects, admin, regulator);
        _expectError(abi.encodeWithSelector(ICreditVoucher.ZeroAddressParameter.selector));
        new CreditVoucher(registry, token, oracle, IProjectRegistry(address(0)), admin, regulator);
        _expectError(abi.encodeWithSelector(ICreditVoucher.ZeroAddressParameter.selector));
        new CreditVoucher(registry, token, oracle, projects, admin, address(0));
        (uint64 maxTenor, uint64 minPart, uint8 maxDepth, uint32 window) = vouchers.rules();
        vm.assertEq(maxTenor, 180 days, "max tenor");
        vm.assertEq(minPart, MIN_PART, "min part");
        vm.assertEq(maxDepth, 6, "depth");
        vm.assertEq(window, WINDOW, "window");
        (uint16 base, uint32 spread, uint16 green) = vouchers.pricing();
        vm.assertEq(base, 300, "base");
        vm.assertEq(spread, 10_000, "spread");
        vm.assertEq(green, 50, "green discount");
    }

    function test_setRules_is_the_governors_and_bounded() public {
        _expectMissingRole(obligor, vouchers.GOVERNOR_ROLE());
        vm.prank(obligor);
        vouchers.setRules(1 days, 1, 1, 1 days);
        vm.startPrank(regulator);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidParameter.selector, bytes32("maxTenor"), 0));
        vouchers.setRules(0, 1, 1, 1 days);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidParameter.selector, bytes32("maxTenor"), 365 days + 1));
        vouchers.setRules(365 days + 1, 1, 1, 1 days);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidParameter.selector, bytes32("minPartAmount"), 0));
        vouchers.setRules(1 days, 0, 1, 1 days);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidParameter.selector, bytes32("maxDepth"), 0));
        vouchers.setRules(1 days, 1, 0, 1 days);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidParameter.selector, bytes32("maxDepth"), 49));
        vouchers.setRules(1 days, 1, 49, 1 days);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidParameter.selector, bytes32("acceptWindow"), 0));
        vouchers.setRules(1 days, 1, 1, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidParameter.selector, bytes32("acceptWindow"), 90 days + 1));
        vouchers.setRules(1 days, 1, 1, 90 days + 1);
        vm.expectEmit(address(vouchers));
        emit ICreditVoucher.RulesUpdated(30 days, 5, 2, 3 days);
        vouchers.setRules(30 days, 5, 2, 3 days);
        vm.stopPrank();
        (uint64 maxTenor,, uint8 maxDepth,) = vouchers.rules();
        vm.assertEq(maxTenor, 30 days, "set");
        vm.assertEq(maxDepth, 2, "set");
    }

    function test_setPricing_is_the_pricers_and_bounded() public {
        _expectMissingRole(regulator, vouchers.PRICING_ROLE());
        vm.prank(regulator);
        vouchers.setPricing(0, 0, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidParameter.selector, bytes32("baseRateBps"), 10_001));
        vouchers.setPricing(10_001, 0, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidParameter.selector, bytes32("spreadFactorBps"), 100_001));
        vouchers.setPricing(0, 100_001, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidParameter.selector, bytes32("greenDiscountBps"), 10_001));
        vouchers.setPricing(0, 0, 10_001);
        vm.expectEmit(address(vouchers));
        emit ICreditVoucher.PricingUpdated(100, 5_000, 20);
        vouchers.setPricing(100, 5_000, 20);
    }

    // ---------------------------------------------------------------- issue

    function test_issue_records_the_voucher_and_its_documents() public {
        ++docs;
        vm.expectEmit(address(vouchers));
        emit ICreditVoucher.VoucherIssued(1, obligor, supplier, FACE, maturity, 7, _doc("o"), _doc("d"), _doc("i"));
        vm.prank(obligor);
        uint256 id = vouchers.issue(supplier, FACE, maturity, _doc("o"), _doc("d"), _doc("i"), 7);
        vm.assertEq(id, 1, "first root");
        vm.assertEq(vouchers.rootCount(), 1, "roots");
        ICreditVoucher.VoucherView memory v = vouchers.voucher(id);
        vm.assertEq(v.holder, supplier, "holder");
        vm.assertEq(v.amount, FACE, "amount");
        vm.assertEq(v.rootId, id, "its own root");
        vm.assertEq(v.obligor, obligor, "obligor");
        vm.assertEq(v.projectId, 7, "green tag");
        ICreditVoucher.RootView memory r = vouchers.rootInfo(id);
        vm.assertEq(r.face, FACE, "face");
        vm.assertEq(r.maturity, maturity, "maturity");
        vm.assertEq(vouchers.documentVoucher(obligor, supplier, _doc("d")), id, "document used");
        vm.assertEq(vouchers.voucher(99).amount, 0, "unknown: empty view");
        vm.assertEq(vouchers.rootInfo(99).face, 0, "unknown root: empty view");
    }

    function test_issue_refusals() public {
        bytes32 o = keccak256("o");
        bytes32 d = keccak256("d");
        bytes32 i = keccak256("i");
        _expectError(abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, bank, IParticipantRegistry.Reason.WrongKind));
        vm.prank(bank);
        vouchers.issue(supplier, FACE, maturity, o, d, i, 0);
        vm.startPrank(obligor);
        _expectError(abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, bank, IParticipantRegistry.Reason.WrongKind));
        vouchers.issue(bank, FACE, maturity, o, d, i, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.SelfIssue.selector, obligor));
        vouchers.issue(obligor, FACE, maturity, o, d, i, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.ZeroAmount.selector));
        vouchers.issue(supplier, 0, maturity, o, d, i, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.AmountTooLarge.selector, uint256(type(uint64).max) + 1));
        vouchers.issue(supplier, uint256(type(uint64).max) + 1, maturity, o, d, i, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.MaturityNotInFuture.selector, uint64(block.timestamp)));
        vouchers.issue(supplier, FACE, uint64(block.timestamp), o, d, i, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.TenorTooLong.selector, 180 days + 1, 180 days));
        vouchers.issue(supplier, FACE, uint64(block.timestamp + 180 days + 1), o, d, i, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.ProjectNotActive.selector, 5));
        vouchers.issue(supplier, FACE, maturity, o, d, i, 5);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidTradeDocument.selector, bytes32(0)));
        vouchers.issue(supplier, FACE, maturity, 0, d, i, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidTradeDocument.selector, bytes32(0)));
        vouchers.issue(supplier, FACE, maturity, o, 0, i, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidTradeDocument.selector, o));
        vouchers.issue(supplier, FACE, maturity, o, o, i, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidTradeDocument.selector, bytes32(0)));
        vouchers.issue(supplier, FACE, maturity, o, d, 0, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidTradeDocument.selector, o));
        vouchers.issue(supplier, FACE, maturity, o, d, o, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidTradeDocument.selector, d));
        vouchers.issue(supplier, FACE, maturity, o, d, d, 0);
        vouchers.issue(supplier, FACE, maturity, o, d, i, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.TradeDocumentUsed.selector, o, 1));
        vouchers.issue(supplier, FACE, maturity, o, keccak256("d2"), keccak256("i2"), 0);
        vm.stopPrank();
        vm.prank(sub); // another obligor may use the same documents with the supplier
        vouchers.issue(supplier, FACE, maturity, o, d, i, 0);
        vm.assertEq(vouchers.rootCount(), 2, "two roots");
    }

    function test_releaseDocument_frees_a_document_for_reuse() public {
        uint256 id = _issue(FACE, 0);
        bytes32 o = _doc("o");
        bytes32 key = vouchers.documentKey(obligor, supplier, o);
        _expectMissingRole(obligor, vouchers.REGULATOR_ROLE());
        vm.prank(obligor);
        vouchers.releaseDocument(obligor, supplier, o, 0);
        vm.startPrank(regulator);
        _expectError(abi.encodeWithSelector(ICreditVoucher.TradeDocumentNotUsed.selector, obligor, supplier, keccak256("x")));
        vouchers.releaseDocument(obligor, supplier, keccak256("x"), 0);
        vm.expectEmit(address(vouchers));
        emit ICreditVoucher.TradeDocumentReleased(key, id, obligor, supplier, o, keccak256("error"));
        vouchers.releaseDocument(obligor, supplier, o, keccak256("error"));
        vm.stopPrank();
        vm.assertEq(vouchers.documentVoucher(obligor, supplier, o), 0, "released");
        vm.prank(obligor);
        vouchers.issue(supplier, FACE, maturity, o, keccak256("d9"), keccak256("i9"), 0);
    }

    // ---------------------------------------------------------------- split, transfer, accept, reclaim

    function test_split_creates_parts_and_hands_them_down() public {
        uint256 id = _issue(FACE, 0);
        uint256 own = vouchers.childId(id, 0);
        uint256 handed = vouchers.childId(id, 1);
        _split(id, 600e6, 400e6);
        vm.assertEq(_state(id), uint256(ICreditVoucher.State.Split), "parent split");
        vm.assertEq(_state(own), uint256(ICreditVoucher.State.Active), "own part active");
        ICreditVoucher.VoucherView memory v = vouchers.voucher(handed);
        vm.assertEq(uint256(v.state), uint256(ICreditVoucher.State.Pending), "handed part pending");
        vm.assertEq(v.pendingFrom, supplier, "from the splitter");
        vm.assertEq(v.acceptDeadline, block.timestamp + WINDOW, "deadline");
        vm.assertEq(v.parentId, id, "parent");
        vm.assertEq(v.depth, 1, "depth");
        vm.assertEq(vouchers.rootInfo(id).face, FACE, "face = the sum of the live parts");
        vm.assertEq(vouchers.rootInfo(own).face, 0, "a part is no root");

        vm.expectEmit(address(vouchers));
        emit ICreditVoucher.TransferAccepted(handed, id, sub);
        vm.prank(sub);
        vouchers.accept(handed);
        vm.assertEq(_state(handed), uint256(ICreditVoucher.State.Active), "accepted");

        // A split of the own part entirely to the splitter: nothing pending.
        (uint256[] memory amounts, address[] memory to) = _parts(300e6, 300e6, supplier);
        vm.prank(supplier);
        vouchers.split(own, amounts, to);
        vm.assertEq(_state(vouchers.childId(own, 1)), uint256(ICreditVoucher.State.Active), "no acceptance needed");
    }

    function test_split_refusals() public {
        uint256 id = _issue(FACE, 0);
        (uint256[] memory two, address[] memory to) = _parts(500e6, 500e6, sub);
        _expectError(abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, bank, IParticipantRegistry.Reason.WrongKind));
        vm.prank(bank);
        vouchers.split(id, two, to);
        vm.startPrank(supplier);
        _expectError(abi.encodeWithSelector(ICreditVoucher.UnknownVoucher.selector, 9));
        vouchers.split(9, two, to);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidPartCount.selector, 1, 1));
        vouchers.split(id, new uint256[](1), new address[](1));
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidPartCount.selector, 9, 9));
        vouchers.split(id, new uint256[](9), new address[](9));
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidPartCount.selector, 2, 3));
        vouchers.split(id, two, new address[](3));
        uint256[] memory amounts = new uint256[](2);
        amounts[0] = 950e6;
        amounts[1] = 50e6;
        _expectError(abi.encodeWithSelector(ICreditVoucher.PartBelowMinimum.selector, 1, 50e6, MIN_PART));
        vouchers.split(id, amounts, to);
        amounts[0] = 950e6;
        amounts[1] = 100e6;
        _expectError(abi.encodeWithSelector(ICreditVoucher.SplitExceedsHeld.selector, id, 1_050e6, FACE));
        vouchers.split(id, amounts, to);
        amounts[0] = 800e6;
        _expectError(abi.encodeWithSelector(ICreditVoucher.SplitBelowHeld.selector, id, 900e6, FACE));
        vouchers.split(id, amounts, to);
        to[1] = bank;
        _expectError(abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, bank, IParticipantRegistry.Reason.WrongKind));
        vouchers.split(id, two, to);
        vm.stopPrank();
        _expectError(abi.encodeWithSelector(ICreditVoucher.NotHolder.selector, id, sub));
        vm.prank(sub);
        vouchers.split(id, two, to);

        vm.prank(regulator);
        vouchers.setRules(180 days, MIN_PART, 1, WINDOW);
        _split(id, 500e6, 500e6);
        to[1] = supplier;
        uint256[] memory halves = new uint256[](2);
        halves[0] = 250e6;
        halves[1] = 250e6;
        uint256 own = vouchers.childId(id, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.DepthExceeded.selector, 2, 1));
        vm.prank(supplier);
        vouchers.split(own, halves, to);
        uint256 pending = vouchers.childId(id, 1);
        _expectError(
            abi.encodeWithSelector(ICreditVoucher.WrongState.selector, pending, ICreditVoucher.State.Pending, ICreditVoucher.State.Active)
        );
        vm.prank(sub);
        vouchers.split(pending, halves, to);
    }

    function test_frozen_or_matured_trees_refuse_every_move() public {
        uint256 id = _issue(FACE, 0);
        (uint256[] memory two, address[] memory to) = _parts(500e6, 500e6, sub);
        vm.prank(regulator);
        vouchers.freezeTree(id, 0);
        vm.startPrank(supplier);
        _expectError(abi.encodeWithSelector(ICreditVoucher.VoucherTreeFrozen.selector, id));
        vouchers.split(id, two, to);
        _expectError(abi.encodeWithSelector(ICreditVoucher.VoucherTreeFrozen.selector, id));
        vouchers.transfer(id, sub);
        _expectError(abi.encodeWithSelector(ICreditVoucher.VoucherTreeFrozen.selector, id));
        vouchers.offer(id, bank, 500);
        vm.stopPrank();
        vm.prank(regulator);
        vouchers.unfreezeTree(id);
        vm.warp(maturity);
        vm.startPrank(supplier);
        _expectError(abi.encodeWithSelector(ICreditVoucher.VoucherMatured.selector, id, maturity));
        vouchers.split(id, two, to);
        _expectError(abi.encodeWithSelector(ICreditVoucher.VoucherMatured.selector, id, maturity));
        vouchers.transfer(id, sub);
        vm.stopPrank();
    }

    function test_transfer_then_accept_or_reclaim() public {
        uint256 id = _issue(FACE, 0);
        _expectError(abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, bank, IParticipantRegistry.Reason.WrongKind));
        vm.prank(bank);
        vouchers.transfer(id, sub);
        vm.startPrank(supplier);
        _expectError(abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, bank, IParticipantRegistry.Reason.WrongKind));
        vouchers.transfer(id, bank);
        _expectError(abi.encodeWithSelector(ICreditVoucher.SelfTransfer.selector, id));
        vouchers.transfer(id, supplier);
        _expectError(
            abi.encodeWithSelector(ICreditVoucher.WrongState.selector, id, ICreditVoucher.State.Active, ICreditVoucher.State.Pending)
        );
        vouchers.accept(id);
        _expectError(
            abi.encodeWithSelector(ICreditVoucher.WrongState.selector, id, ICreditVoucher.State.Active, ICreditVoucher.State.Pending)
        );
        vouchers.reclaim(id);
        uint64 deadline = uint64(block.timestamp) + WINDOW;
        vm.expectEmit(address(vouchers));
        emit ICreditVoucher.TransferProposed(id, id, sub, supplier, deadline);
        vouchers.transfer(id, sub);
        vm.stopPrank();
        ICreditVoucher.VoucherView memory v = vouchers.voucher(id);
        vm.assertEq(v.holder, sub, "the receiver holds it while pending");
        vm.assertEq(v.pendingFrom, supplier, "from the sender");
        _expectError(abi.encodeWithSelector(ICreditVoucher.AcceptanceOpen.selector, id, deadline));
        vouchers.reclaim(id);
        _expectError(abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, bank, IParticipantRegistry.Reason.WrongKind));
        vm.prank(bank);
        vouchers.accept(id);
        vm.prank(regulator);
        vouchers.freezeTree(id, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.VoucherTreeFrozen.selector, id));
        vm.prank(sub);
        vouchers.accept(id);
        vm.warp(deadline);
        _expectError(abi.encodeWithSelector(ICreditVoucher.VoucherTreeFrozen.selector, id));
        vouchers.reclaim(id);
        vm.prank(regulator);
        vouchers.unfreezeTree(id);
        _expectError(abi.encodeWithSelector(ICreditVoucher.AcceptanceExpired.selector, id, deadline));
        vm.prank(sub);
        vouchers.accept(id);
        _freeze(supplier);
        _expectFrozen(supplier);
        vouchers.reclaim(id);
        vm.prank(regulator);
        registry.unfreeze(supplier);
        vm.expectEmit(address(vouchers));
        emit ICreditVoucher.TransferReclaimed(id, id, supplier);
        vm.prank(outsiderOf());
        vouchers.reclaim(id); // anyone may return it after the window
        vm.assertEq(vouchers.voucher(id).holder, supplier, "back with the sender");
        _expectError(abi.encodeWithSelector(ICreditVoucher.UnknownVoucher.selector, 9));
        vouchers.reclaim(9);

        vm.prank(supplier);
        vouchers.transfer(id, sub);
        vm.prank(sub);
        vouchers.accept(id);
        vm.assertEq(vouchers.voucher(id).pendingFrom, address(0), "no handover left");
    }

    function outsiderOf() private pure returns (address) {
        return address(0xBAD);
    }

    function test_an_unaccepted_part_returns_to_the_splitter() public {
        uint256 id = _issue(FACE, 0);
        _split(id, 600e6, 400e6);
        uint256 handed = vouchers.childId(id, 1);
        vm.warp(block.timestamp + WINDOW);
        vouchers.reclaim(handed);
        ICreditVoucher.VoucherView memory v = vouchers.voucher(handed);
        vm.assertEq(v.holder, supplier, "the parent's holder");
        vm.assertEq(uint256(v.state), uint256(ICreditVoucher.State.Active), "active again");
    }

    function test_childId_bounds() public {
        uint256 id = _issue(FACE, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.UnknownVoucher.selector, 9));
        vouchers.childId(9, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.InvalidPartCount.selector, 9, 9));
        vouchers.childId(id, 8);
        vm.assertEq(vouchers.childId(id, 2), id | (uint256(3) << 64), "third part: digit 3 above the root");
    }

    function test_childId_refuses_below_the_deepest_level() public {
        vm.prank(regulator);
        vouchers.setRules(180 days, 1, 48, WINDOW);
        uint256 id = _issue(FACE, 0);
        uint256[] memory amounts = new uint256[](2);
        address[] memory to = new address[](2);
        to[0] = supplier;
        to[1] = supplier;
        vm.startPrank(supplier);
        for (uint256 depth; depth < 48; ++depth) {
            amounts[0] = FACE - depth - 1;
            amounts[1] = 1;
            vouchers.split(id, amounts, to);
            id = vouchers.childId(id, 0);
        }
        vm.stopPrank();
        vm.assertEq(vouchers.voucher(id).depth, 48, "48 splits deep");
        _expectError(abi.encodeWithSelector(ICreditVoucher.DepthExceeded.selector, 49, 48));
        vouchers.childId(id, 0);
    }

    // ---------------------------------------------------------------- financing

    function test_a_bank_discounts_an_offered_voucher_at_its_rate() public {
        uint256 id = _issue(FACE, 7);
        (uint16 quoted, uint16 score) = vouchers.quoteRate(id);
        vm.assertEq(score, 200, "the obligor's score");
        vm.assertEq(quoted, 300 + 200 - 50, "base + score - green discount");
        _expectError(abi.encodeWithSelector(ICreditVoucher.UnknownVoucher.selector, 9));
        vouchers.quoteRate(9);

        vm.expectEmit(address(vouchers));
        emit ICreditVoucher.FinancingOffered(id, id, bank, supplier, 600);
        vm.prank(supplier);
        vouchers.offer(id, bank, 600);
        vm.assertEq(vouchers.financing(id).maxRateBps, 600, "ask");
        uint256 price = vouchers.discountedPrice(FACE, 450, TENOR);
        vm.assertEq(price, FACE * (10_000 * 365 days - 450 * TENOR) / (10_000 * 365 days), "discount formula");
        uint256 before = token.balanceOf(supplier);
        vm.expectEmit(address(vouchers));
        emit ICreditVoucher.Financed(id, id, bank, supplier, FACE, price, 450, quoted, 200, 1);
        vm.prank(bank);
        vm.assertEq(vouchers.acceptOffer(id, 450), price, "price");
        vm.assertEq(token.balanceOf(supplier) - before, price, "the seller is paid");
        vm.assertEq(vouchers.voucher(id).holder, bank, "the bank holds it");
        ICreditVoucher.Financing memory f = vouchers.financing(id);
        vm.assertTrue(f.financed, "financed");
        vm.assertEq(f.rateBps, 450, "rate");
    }

    function test_offer_and_acceptOffer_refusals() public {
        uint256 id = _issue(FACE, 0);
        _expectError(abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, sub, IParticipantRegistry.Reason.WrongKind));
        vm.prank(supplier);
        vouchers.offer(id, sub, 500);
        _expectError(abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, bank, IParticipantRegistry.Reason.WrongKind));
        vm.prank(bank);
        vouchers.offer(id, bank, 500);
        _expectError(abi.encodeWithSelector(ICreditVoucher.RateTooHigh.selector, 10_001));
        vm.prank(supplier);
        vouchers.offer(id, bank, 10_001);

        vm.startPrank(bank);
        _expectError(abi.encodeWithSelector(ICreditVoucher.UnknownVoucher.selector, 9));
        vouchers.acceptOffer(9, 100);
        _expectError(
            abi.encodeWithSelector(ICreditVoucher.WrongState.selector, id, ICreditVoucher.State.Active, ICreditVoucher.State.Offered)
        );
        vouchers.acceptOffer(id, 100);
        vm.stopPrank();
        _expectError(abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, supplier, IParticipantRegistry.Reason.WrongKind));
        vm.prank(supplier);
        vouchers.acceptOffer(id, 100);

        vm.prank(supplier);
        vouchers.offer(id, bank, 500);
        address bank2 = _enrolled("bank2", IParticipantRegistry.Kind.Bank);
        _expectError(abi.encodeWithSelector(ICreditVoucher.NotOfferedTo.selector, id, bank2));
        vm.prank(bank2);
        vouchers.acceptOffer(id, 100);
        vm.startPrank(bank);
        _expectError(abi.encodeWithSelector(ICreditVoucher.RateAboveAsk.selector, 501, 500));
        vouchers.acceptOffer(id, 501);
        oracle.clearScore(obligor);
        _expectError(abi.encodeWithSelector(ICreditVoucher.RiskScoreUnavailable.selector, obligor));
        vouchers.acceptOffer(id, 100);
        vm.stopPrank();
        _freeze(supplier);
        _expectFrozen(supplier);
        vm.prank(bank);
        vouchers.acceptOffer(id, 100);
        vm.prank(regulator);
        registry.unfreeze(supplier);
        vm.warp(maturity);
        _expectError(abi.encodeWithSelector(ICreditVoucher.VoucherMatured.selector, id, maturity));
        vm.prank(bank);
        vouchers.acceptOffer(id, 100);
        vm.assertEq(_state(id), uint256(ICreditVoucher.State.Offered), "still offered");
    }

    function test_cancelOffer_returns_the_voucher_to_its_holder() public {
        uint256 id = _issue(FACE, 0);
        _expectError(
            abi.encodeWithSelector(ICreditVoucher.WrongState.selector, id, ICreditVoucher.State.Active, ICreditVoucher.State.Offered)
        );
        vm.prank(supplier);
        vouchers.cancelOffer(id);
        vm.prank(supplier);
        vouchers.offer(id, bank, 500);
        _pause();
        _expectPaused();
        vm.prank(supplier);
        vouchers.cancelOffer(id);
        vm.startPrank(regulator);
        registry.unpause();
        vouchers.freezeTree(id, 0);
        vm.stopPrank();
        _expectError(abi.encodeWithSelector(ICreditVoucher.VoucherTreeFrozen.selector, id));
        vm.prank(supplier);
        vouchers.cancelOffer(id);
        vm.prank(regulator);
        vouchers.unfreezeTree(id);
        vm.expectEmit(address(vouchers));
        emit ICreditVoucher.OfferCancelled(id, id);
        vm.prank(supplier);
        vouchers.cancelOffer(id);
        vm.assertEq(_state(id), uint256(ICreditVoucher.State.Active), "active");
        vm.assertEq(vouchers.financing(id).bank, address(0), "offer deleted");
    }

    function test_a_full_year_at_100_percent_is_worth_nothing_and_moves_no_money() public {
        vm.prank(regulator);
        vouchers.setRules(365 days, MIN_PART, 6, WINDOW);
        maturity = uint64(block.timestamp + 365 days);
        uint256 id = _issue(FACE, 0);
        vm.prank(supplier);
        vouchers.offer(id, bank, 10_000);
        uint256 before = token.balanceOf(bank);
        vm.prank(bank);
        vm.assertEq(vouchers.acceptOffer(id, 10_000), 0, "price zero");
        vm.assertEq(token.balanceOf(bank), before, "no payment");
        vm.assertEq(vouchers.discountedPrice(FACE, 10_000, 366 days), 0, "never negative");
    }

    function test_the_quote_is_capped_and_the_green_discount_floors_at_zero() public {
        uint256 green = _issue(FACE, 7);
        uint256 plain = _issue(FACE, 0);
        vouchers.setPricing(0, 0, 50);
        (uint16 rate,) = vouchers.quoteRate(green);
        vm.assertEq(rate, 0, "the discount never goes below zero");
        vouchers.setPricing(10_000, 100_000, 0);
        (rate,) = vouchers.quoteRate(plain);
        vm.assertEq(rate, 10_000, "capped at 100 %");
        projects.setStatus(7, IProjectRegistry.ProjectStatus.Suspended);
        vouchers.setPricing(300, 0, 50);
        (rate,) = vouchers.quoteRate(green);
        vm.assertEq(rate, 300, "no green discount once the project is inactive");
    }

    // ---------------------------------------------------------------- repayment and claims

    function test_repay_refusals() public {
        uint256 id = _issue(FACE, 0);
        _split(id, 600e6, 400e6);
        _expectError(abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, bank, IParticipantRegistry.Reason.WrongKind));
        vm.prank(bank);
        vouchers.repay(id, 1);
        vm.startPrank(obligor);
        _expectError(abi.encodeWithSelector(ICreditVoucher.UnknownVoucher.selector, 9));
        vouchers.repay(9, 1);
        uint256 part = vouchers.childId(id, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.NotARoot.selector, part));
        vouchers.repay(part, 1);
        _expectError(abi.encodeWithSelector(ICreditVoucher.ZeroAmount.selector));
        vouchers.repay(id, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.RepaymentExceedsFace.selector, id, FACE + 1, FACE));
        vouchers.repay(id, FACE + 1);
        vm.stopPrank();
        _expectError(abi.encodeWithSelector(ICreditVoucher.NotObligor.selector, id, supplier));
        vm.prank(supplier);
        vouchers.repay(id, 1);
        vm.prank(regulator);
        vouchers.freezeTree(id, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.VoucherTreeFrozen.selector, id));
        vm.prank(obligor);
        vouchers.repay(id, 1);
    }

    function test_holders_claim_pro_rata_to_what_was_deposited() public {
        uint256 id = _issue(FACE, 0);
        _split(id, 600e6, 400e6);
        uint256 own = vouchers.childId(id, 0);
        uint256 handed = vouchers.childId(id, 1);
        vm.prank(sub);
        vouchers.accept(handed);
        vm.expectEmit(address(vouchers));
        emit ICreditVoucher.Repaid(id, obligor, 500e6, 500e6);
        vm.prank(obligor);
        vouchers.repay(id, 500e6);
        vm.assertEq(vouchers.claimable(own), 0, "nothing before maturity");
        _expectError(abi.encodeWithSelector(ICreditVoucher.NotMatured.selector, own, maturity));
        vm.prank(supplier);
        vouchers.claim(own);

        vm.warp(maturity);
        vm.assertTrue(vouchers.isOverdue(own), "half unpaid at maturity");
        vm.assertEq(vouchers.claimable(own), 300e6, "half of 600");
        vm.expectEmit(address(vouchers));
        emit ICreditVoucher.Claimed(own, id, supplier, 300e6, 300e6);
        vm.prank(supplier);
        vm.assertEq(vouchers.claim(own), 300e6, "pro rata");
        vm.assertEq(vouchers.voucher(own).claimed, 300e6, "claimed so far");
        _expectError(abi.encodeWithSelector(ICreditVoucher.NothingToClaim.selector, own));
        vm.prank(supplier);
        vouchers.claim(own);

        vm.prank(obligor);
        vouchers.repay(id, 500e6);
        vm.assertFalse(vouchers.isOverdue(own), "fully funded");
        vm.prank(supplier);
        vm.assertEq(vouchers.claim(own), 300e6, "the rest");
        vm.assertEq(_state(own), uint256(ICreditVoucher.State.Redeemed), "redeemed");
        vm.assertEq(vouchers.voucher(own).claimed, 600e6, "all of it");
        vm.assertFalse(vouchers.isOverdue(own), "a redeemed part is never overdue");
        vm.assertEq(vouchers.claimable(own), 0, "nothing left");
        _expectError(abi.encodeWithSelector(ICreditVoucher.AlreadyClaimed.selector, own));
        vm.prank(supplier);
        vouchers.claim(own);

        vm.prank(sub);
        vm.assertEq(vouchers.claim(handed), 400e6, "in full at once");
        vm.assertEq(vouchers.rootInfo(id).paid, FACE, "paid = face");
    }

    function test_claim_refusals() public {
        uint256 id = _issue(FACE, 0);
        _split(id, 600e6, 400e6);
        vm.warp(maturity);
        _expectError(abi.encodeWithSelector(ICreditVoucher.UnknownVoucher.selector, 9));
        vm.prank(supplier);
        vouchers.claim(9);
        _expectError(
            abi.encodeWithSelector(ICreditVoucher.WrongState.selector, id, ICreditVoucher.State.Split, ICreditVoucher.State.Active)
        );
        vm.prank(supplier);
        vouchers.claim(id);
        uint256 own = vouchers.childId(id, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.NotHolder.selector, own, sub));
        vm.prank(sub);
        vouchers.claim(own);
        _expectError(abi.encodeWithSelector(ICreditVoucher.NothingToClaim.selector, own));
        vm.prank(supplier);
        vouchers.claim(own);
        _expectError(
            abi.encodeWithSelector(ComplianceGuard.ComplianceRefused.selector, address(0xBAD), IParticipantRegistry.Reason.NotRegistered)
        );
        vm.prank(address(0xBAD));
        vouchers.claim(own);
        vm.prank(regulator);
        vouchers.freezeTree(id, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.VoucherTreeFrozen.selector, id));
        vm.prank(supplier);
        vouchers.claim(own);
        vm.assertFalse(vouchers.isOverdue(id), "a split node is never overdue");
        vm.assertFalse(vouchers.isOverdue(9), "an unknown node is never overdue");
        vm.assertEq(vouchers.claimable(id), 0, "a split node claims nothing");
    }

    function test_markOverdue_records_a_shortfall_at_maturity() public {
        uint256 id = _issue(FACE, 0);
        _expectError(abi.encodeWithSelector(ICreditVoucher.NotMatured.selector, id, maturity));
        vouchers.markOverdue(id);
        vm.warp(maturity);
        _pause();
        _expectPaused();
        vouchers.markOverdue(id);
        vm.prank(regulator);
        registry.unpause();
        vm.expectEmit(address(vouchers));
        emit ICreditVoucher.MarkedOverdue(id, FACE, 0);
        vouchers.markOverdue(id);
        vm.assertTrue(vouchers.rootInfo(id).overdueMarked, "marked");
        _expectError(abi.encodeWithSelector(ICreditVoucher.AlreadyMarkedOverdue.selector, id));
        vouchers.markOverdue(id);

        uint256 paid = _issueMatured();
        _expectError(abi.encodeWithSelector(ICreditVoucher.FullyFunded.selector, paid));
        vouchers.markOverdue(paid);
    }

    /// @dev A voucher repaid in full, at its maturity.
    function _issueMatured() private returns (uint256 id) {
        maturity = uint64(block.timestamp + TENOR);
        id = _issue(FACE, 0);
        vm.prank(obligor);
        vouchers.repay(id, FACE);
        vm.warp(maturity);
    }

    function test_freeze_and_unfreeze_are_the_regulators_and_change_something() public {
        uint256 id = _issue(FACE, 0);
        _expectMissingRole(obligor, vouchers.REGULATOR_ROLE());
        vm.prank(obligor);
        vouchers.freezeTree(id, 0);
        vm.startPrank(regulator);
        _expectError(abi.encodeWithSelector(ICreditVoucher.FreezeUnchanged.selector, id, false));
        vouchers.unfreezeTree(id);
        vm.expectEmit(address(vouchers));
        emit ICreditVoucher.TreeFrozen(id, keccak256("aml"));
        vouchers.freezeTree(id, keccak256("aml"));
        _expectError(abi.encodeWithSelector(ICreditVoucher.FreezeUnchanged.selector, id, true));
        vouchers.freezeTree(id, 0);
        vm.expectEmit(address(vouchers));
        emit ICreditVoucher.TreeUnfrozen(id);
        vouchers.unfreezeTree(id);
        vm.stopPrank();
        vm.assertFalse(vouchers.rootInfo(id).frozen, "unfrozen");
    }
}
