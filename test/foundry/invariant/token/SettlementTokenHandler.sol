// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {vm} from "../../lib/Vm.sol";
import {HandlerBase} from "../../lib/HandlerBase.sol";
import {SettlementToken} from "../../../../contracts/token/SettlementToken.sol";
import {ParticipantRegistry} from "../../../../contracts/registry/ParticipantRegistry.sol";
import {ComplianceGuard} from "../../../../contracts/compliance/ComplianceGuard.sol";
import {IParticipantRegistry} from "../../../../contracts/interfaces/IParticipantRegistry.sol";

/// @title SettlementTokenHandler
/// @notice Drives SettlementToken: mints by the bank and by others, to eligible, frozen and
/// unregistered accounts, of zero and of real amounts; transfers, burns, approvals and burnFrom of
/// up to more than a balance or allowance; freezes and the network pause. Keeps minted and burned.
contract SettlementTokenHandler is HandlerBase {
    SettlementToken public immutable token;
    address public immutable bank;

    uint256 public ghostMinted;
    uint256 public ghostBurned;

    constructor(SettlementToken token_, ParticipantRegistry registry_, address bank_, address regulator_, address[] memory actors_)
        HandlerBase(registry_, regulator_, actors_)
    {
        token = token_;
        bank = bank_;
    }



    function mint(uint256 callerSeed, uint256 toSeed, uint256 amount) external {
        address to = _actor(toSeed);
        amount = _bound(amount, 0, 1e15);
        // One call in eight comes from someone who is not the bank.
        address caller = callerSeed % 8 == 0 ? _actor(callerSeed >> 8) : bank;
        IParticipantRegistry.Reason reason = registry.canHold(to);
        bytes4 expected = caller != bank
            ? IAccessControl.AccessControlUnauthorizedAccount.selector
            : amount == 0
                ? SettlementToken.ZeroAmount.selector
                : reason == IParticipantRegistry.Reason.SystemPaused
                    ? ComplianceGuard.NetworkPaused.selector
                    : reason != IParticipantRegistry.Reason.Ok ? ComplianceGuard.ComplianceRefused.selector : SUCCEEDS;
        _call(caller, address(token), abi.encodeCall(SettlementToken.mint, (to, amount)), expected, "mint");
        if (expected == SUCCEEDS) ghostMinted += amount;
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = _actor(fromSeed);
        uint256 balance = token.balanceOf(from);
        amount = _bound(amount, 0, balance + balance / 4 + 1); // sometimes more than held
        bytes4 expected = amount > balance ? IERC20Errors.ERC20InsufficientBalance.selector : SUCCEEDS;
        _call(from, address(token), abi.encodeCall(token.transfer, (_actor(toSeed), amount)), expected, "transfer");
    }

    function burn(uint256 fromSeed, uint256 amount) external {
        address from = _actor(fromSeed);
        uint256 balance = token.balanceOf(from);
        amount = _bound(amount, 0, balance + balance / 4 + 1);
        bytes4 expected = amount > balance ? IERC20Errors.ERC20InsufficientBalance.selector : SUCCEEDS;
        _call(from, address(token), abi.encodeCall(token.burn, (amount)), expected, "burn");
        if (expected == SUCCEEDS) ghostBurned += amount;
    }

    function approve(uint256 ownerSeed, uint256 spenderSeed, uint256 amount) external {
        bytes memory data = abi.encodeCall(token.approve, (_actor(spenderSeed), _bound(amount, 0, 1e15)));
        _call(_actor(ownerSeed), address(token), data, SUCCEEDS, "approve");
    }

    function burnFrom(uint256 spenderSeed, uint256 ownerSeed, uint256 amount) external {
        address spender = _actor(spenderSeed);
        address owner = _actor(ownerSeed);
        uint256 allowance = token.allowance(owner, spender);
        amount = _bound(amount, 0, allowance + 2);
        bytes4 expected = amount > allowance
            ? IERC20Errors.ERC20InsufficientAllowance.selector
            : amount > token.balanceOf(owner) ? IERC20Errors.ERC20InsufficientBalance.selector : SUCCEEDS;
        _call(spender, address(token), abi.encodeCall(token.burnFrom, (owner, amount)), expected, "burnFrom");
        if (expected == SUCCEEDS) ghostBurned += amount;
    }



    function _fingerprint() internal view override returns (bytes32 digest) {
        digest = keccak256(abi.encode(token.totalSupply()));
        for (uint256 i; i < actors.length; ++i) {
            digest = keccak256(abi.encode(digest, token.balanceOf(actors[i])));
            for (uint256 j; j < actors.length; ++j) {
                digest = keccak256(abi.encode(digest, token.allowance(actors[i], actors[j])));
            }
        }
    }
}
