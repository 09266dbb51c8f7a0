// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {GovernedAccessControl, networkAdminDelay} from "../access/GovernedAccessControl.sol";
import {IParticipantRegistry} from "../interfaces/IParticipantRegistry.sol";
import {ComplianceGuard} from "../compliance/ComplianceGuard.sol";

/// @title SettlementToken
/// @notice The network's cash leg for local use: a tokenized bank deposit (an e-CNY stand-in) with
/// 6 decimals. A bank mints it to eligible participants against deposits; holders burn it to
/// redeem. On testnets any existing ERC-20 can be configured instead, so instruments never rely on
/// this token's own checks: they run their compliance checks themselves.
contract SettlementToken is ERC20, ERC20Burnable, ERC20Permit, GovernedAccessControl, ComplianceGuard {
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @dev A mint of zero units.
    error ZeroAmount();

    /// @param admin receives DEFAULT_ADMIN_ROLE and GOVERNOR_ROLE. @param bank receives MINTER_ROLE
    /// (a governed role: only GOVERNOR_ROLE grants it).
    constructor(string memory name_, string memory symbol_, IParticipantRegistry registry_, address admin, address bank)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
        ComplianceGuard(registry_)
        GovernedAccessControl(networkAdminDelay(address(registry_)), admin)
    {
        _governRole(MINTER_ROLE);
        _grantRole(MINTER_ROLE, bank);
    }

    /// @notice 6 decimals, like most fiat-backed tokens.
    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Mint `amount` base units to `to` against a deposit received off chain.
    /// @dev Caller: MINTER_ROLE. Reverts ZeroAmount; NetworkPaused or ComplianceRefused when `to`
    /// may not hold network assets. Emits Transfer.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        if (amount == 0) revert ZeroAmount();
        _requireCanHold(to);
        _mint(to, amount);
    }
}
