// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @dev A misbehaving settlement token for tests: every transfer between two holders burns
/// `feeBps` of the amount (a fee-on-transfer token), and `rebase` scales every balance by a factor
/// (a rebasing token), so the instruments' refusal of such tokens can be tested.
contract FeeOnTransferToken is ERC20 {
    uint256 public feeBps;

    constructor(uint256 feeBps_) ERC20("Fee on transfer", "FOT") {
        feeBps = feeBps_;
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setFee(uint256 feeBps_) external {
        feeBps = feeBps_;
    }

    /// @dev Takes `value` from `holder` without a transfer: what a negative rebase does to one account.
    function rebaseDown(address holder, uint256 value) external {
        _burn(holder, value);
    }

    function _update(address from, address to, uint256 value) internal override {
        uint256 fee = (from != address(0) && to != address(0)) ? (value * feeBps) / 10_000 : 0;
        if (fee > 0) super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
