// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title console
/// @notice forge's console.log for one string (what forge-std's console does: a static call to the
/// console address that forge decodes and prints with -vv).
library console {
    address private constant _CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    function log(string memory message) internal view {
        (bool ok,) = _CONSOLE.staticcall(abi.encodeWithSignature("log(string)", message));
        ok; // forge always answers; nothing to do otherwise
    }
}
