// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title ExactTransfers
/// @notice Pulls settlement tokens and refuses any token that does not deliver the exact amount.
/// @dev greenfi books amounts, it never re-reads balances, so a fee-on-transfer or rebasing token would
/// leave the books promising more than the contract holds. Every instrument pulls through `pullExact`:
/// such a token is refused at the first transfer, before anything is booked.
library ExactTransfers {
    using SafeERC20 for IERC20;

    /// @notice Thrown when `token` delivered `received` instead of the `expected` amount.
    /// @param token The settlement token that misbehaved.
    /// @param expected The amount the transfer asked for.
    /// @param received The balance increase the contract actually saw.
    error ExactTransfersAmountMismatch(address token, uint256 expected, uint256 received);

    /// @notice Moves exactly `amount` of `token` from `from` to this contract, or reverts.
    function pullExact(IERC20 token, address from, uint256 amount) internal {
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(from, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != amount) revert ExactTransfersAmountMismatch(address(token), amount, received);
    }

    /// @notice Moves exactly `amount` of `token` from `from` straight to `to` (a pass-through
    /// payment the contract never holds), or reverts when `to` received anything else.
    function moveExact(IERC20 token, address from, address to, uint256 amount) internal {
        uint256 before = token.balanceOf(to);
        token.safeTransferFrom(from, to, amount);
        uint256 received = token.balanceOf(to) - before;
        if (received != amount) revert ExactTransfersAmountMismatch(address(token), amount, received);
    }
}
