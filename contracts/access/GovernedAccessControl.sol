// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {IAccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";

/// @dev The default-admin delay of the network: the participant registry's (its constructor
/// parameter, set per deployment), read once when an instrument is constructed. Zero for a zero
/// registry, so the instrument's own RegistryZeroAddress check is the error that surfaces.
function networkAdminDelay(address registry) view returns (uint48) {
    if (registry == address(0)) return 0;
    return IAccessControlDefaultAdminRules(registry).defaultAdminDelay();
}

/// @title GovernedAccessControl
/// @notice The access control of every greenfi contract with roles (docs/governance.md):
/// - DEFAULT_ADMIN_ROLE follows OpenZeppelin's AccessControlDefaultAdminRules: one holder, moved
///   only in two steps (`beginDefaultAdminTransfer`, then `acceptDefaultAdminTransfer` by the new
///   admin after `defaultAdminDelay()`), never by `grantRole`.
/// - GOVERNOR_ROLE gates every value-moving parameter change (fees, buffer share, emission
///   factors, tolerances, thresholds) and administers the "governed" roles (minting, issuing,
///   posting, pricing). It administers itself, so the default admin cannot grant it. It starts with
///   the admin; on live networks `greenfi deploy` hands it to a TimelockController and the admin
///   renounces it, so every such change waits out the timelock's delay.
abstract contract GovernedAccessControl is AccessControlDefaultAdminRules {
    /// @notice The role that changes value-moving parameters and grants the governed roles.
    bytes32 public constant GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");

    /// @param adminDelay seconds a default-admin transfer waits between its two steps.
    /// @param admin receives DEFAULT_ADMIN_ROLE and, until the deployment hands it on, GOVERNOR_ROLE.
    constructor(uint48 adminDelay, address admin) AccessControlDefaultAdminRules(adminDelay, admin) {
        _setRoleAdmin(GOVERNOR_ROLE, GOVERNOR_ROLE);
        _grantRole(GOVERNOR_ROLE, admin);
    }

    /// @dev Named here so that contracts adding interfaces can override `(…, GovernedAccessControl)`.
    function supportsInterface(bytes4 interfaceId) public view virtual override returns (bool) {
        return super.supportsInterface(interfaceId);
    }

    /// @dev Make GOVERNOR_ROLE the admin of `role` (a role that mints, issues, posts or prices).
    function _governRole(bytes32 role) internal {
        _setRoleAdmin(role, GOVERNOR_ROLE);
    }
}
