// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @dev A hostile settlement token: on every transfer it calls `target` with `payload` once (as
/// itself) and records whether that re-entry reverted and with what data.
contract ReentrantTokenForBonds is ERC20 {
    address public target;
    bytes public payload;
    bool public attempted;
    bool public reentrySucceeded;
    bytes public reentryRevertData;
    bool private _inside;

    constructor() ERC20("Hostile", "HST") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
        attempted = false;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (target != address(0) && !_inside && from != address(0) && to != address(0)) {
            _inside = true;
            (bool ok, bytes memory data) = target.call(payload);
            attempted = true;
            reentrySucceeded = ok;
            reentryRevertData = data;
            _inside = false;
        }
    }
}
