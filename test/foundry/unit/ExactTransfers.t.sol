// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {vm} from "../lib/Vm.sol";
import {UnitTest} from "../lib/UnitTest.sol";
import {ExactTransfers} from "../../../contracts/utils/ExactTransfers.sol";
import {FeeOnTransferToken} from "../../../contracts/mocks/FeeOnTransferToken.sol";

/// @dev Exposes the library's two pulls.
contract ExactTransfersHarness {
    function pull(IERC20 token, address from, uint256 amount) external {
        ExactTransfers.pullExact(token, from, amount);
    }

    function move(IERC20 token, address from, address to, uint256 amount) external {
        ExactTransfers.moveExact(token, from, to, amount);
    }
}

/// @title ExactTransfersTest
/// @notice A token that delivers the exact amount passes; a fee-on-transfer token is refused with
/// what it delivered, and the refused pull moves nothing.
contract ExactTransfersTest is UnitTest {
    FeeOnTransferToken private token;
    ExactTransfersHarness private harness;
    address private payer = address(0xA11CE);
    address private payee = address(0xB0B);

    function setUp() public {
        token = new FeeOnTransferToken(0);
        harness = new ExactTransfersHarness();
        token.mint(payer, 1_000);
        vm.prank(payer);
        token.approve(address(harness), type(uint256).max);
    }

    function test_an_exact_token_is_pulled_and_moved() public {
        harness.pull(token, payer, 100);
        harness.move(token, payer, payee, 50);
        vm.assertEq(token.balanceOf(address(harness)), 100, "pulled");
        vm.assertEq(token.balanceOf(payee), 50, "moved");
        vm.assertEq(token.balanceOf(payer), 850, "paid");
    }

    function test_a_fee_on_transfer_token_is_refused() public {
        token.setFee(100); // 1 %
        _expectError(abi.encodeWithSelector(ExactTransfers.ExactTransfersAmountMismatch.selector, address(token), 100, 99));
        harness.pull(token, payer, 100);
        _expectError(abi.encodeWithSelector(ExactTransfers.ExactTransfersAmountMismatch.selector, address(token), 100, 99));
        harness.move(token, payer, payee, 100);
        vm.assertEq(token.balanceOf(payer), 1_000, "nothing moved");
    }
}
