// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "./Vm.sol";

/// @title Vectors
/// @notice Reads a chunk of the differential vectors tools/forge_vectors.py wrote (make test writes
/// them first): build/forge/vectors/<kind>-<chunk>.hex, the hex of abi.encode(Case[]).
library Vectors {
    uint256 internal constant CHUNKS = 10;

    function load(string memory kind, uint256 chunk) internal view returns (bytes memory) {
        string memory path = string.concat(vm.projectRoot(), "/build/forge/vectors/", kind, "-", vm.toString(chunk), ".hex");
        return vm.parseBytes(vm.readFile(path));
    }
}
