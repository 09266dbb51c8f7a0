// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @dev A fuzzed seed with its bits spread: the fuzzer favours small and repeated values, and the
/// MRV handlers read many independent choices from the bits of one seed.
function spread(uint256 seed) pure returns (uint256) {
    return uint256(keccak256(abi.encode(seed)));
}
