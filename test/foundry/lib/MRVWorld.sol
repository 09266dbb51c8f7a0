// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {vm} from "./Vm.sol";
import {UnitTest} from "./UnitTest.sol";
import {DeviceRegistry} from "../../../contracts/mrv/DeviceRegistry.sol";
import {MRVAnchor} from "../../../contracts/mrv/MRVAnchor.sol";
import {MRVReports} from "../../../contracts/mrv/MRVReports.sol";
import {MockProjectRegistry} from "../../../contracts/mocks/MockProjectRegistry.sol";
import {IParticipantRegistry} from "../../../contracts/interfaces/IParticipantRegistry.sol";
import {IProjectRegistry} from "../../../contracts/interfaces/IProjectRegistry.sol";
import {IDeviceRegistry} from "../../../contracts/interfaces/IDeviceRegistry.sol";
import {IMRVAnchor} from "../../../contracts/interfaces/IMRVAnchor.sol";

/// @title MRVWorld
/// @notice The MRV unit tests' world (docs/mrv.md): the real DeviceRegistry, MRVAnchor (k = 1 of 3
/// operators to start with; every operator's key is known, so co-signatures are made with
/// `vm.sign`) and MRVReports over a project registry double. Project 1 (`developer`) has two
/// devices, project 2 (`otherDeveloper`) one, each 10 kW and activated at `T0` by `verifier`.
/// Helpers sign readings with a device's key, build Merkle-sum trees of one or two leaves and anchor
/// their headers. Digests, leaves and node hashes are computed here from docs/mrv.md's formulas, not
/// asked of the anchor: the tests hold the contract to the documented hashes, and building a call's
/// arguments never makes a call of its own (which `vm.expectRevert` and `vm.prank` would take).
abstract contract MRVWorld is UnitTest {
    uint256 internal constant PROJECT = 1;
    uint256 internal constant OTHER_PROJECT = 2;
    uint64 internal constant CAPACITY_W = 10_000;
    /// @dev When the devices are activated; readings start here.
    uint64 internal constant T0 = 30 days;
    uint64 internal constant HOUR = 3600;
    uint256 internal constant DEVICE_KEY = 0xD0;
    uint256 internal constant DEVICE2_KEY = 0xD1;
    uint256 internal constant FOREIGN_DEVICE_KEY = 0xD2;
    uint256 internal constant FORGER_KEY = 0xBAD;
    bytes32 internal constant DEVICE = keccak256("device");
    bytes32 internal constant DEVICE2 = keccak256("device2");
    bytes32 internal constant FOREIGN_DEVICE = keccak256("foreign device");
    bytes32 internal constant CONTENT = keccak256("batch document");

    MockProjectRegistry internal projects;
    DeviceRegistry internal devices;
    MRVAnchor internal anchor;
    MRVReports internal reports;

    address internal developer;
    address internal otherDeveloper;
    address internal verifier;
    address internal issuer;
    address internal outsider;
    uint256[3] internal operatorKeys;
    address[3] internal operators;
    /// @dev The anchor's EIP-712 domain: ("greenfi MRV", "1", chain id, anchor).
    bytes32 internal domainSeparator;

    function setUp() public virtual {
        vm.warp(T0);
        _deployRegistry();
        projects = new MockProjectRegistry();
        devices = new DeviceRegistry(registry, projects);
        anchor = new MRVAnchor(registry, devices, admin, regulator, 1);
        reports = new MRVReports(registry, projects, anchor, admin, regulator);
        domainSeparator = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("greenfi MRV"),
                keccak256("1"),
                block.chainid,
                address(anchor)
            )
        );
        developer = _enrolled("developer", IParticipantRegistry.Kind.ProjectDeveloper);
        otherDeveloper = _enrolled("otherDeveloper", IParticipantRegistry.Kind.ProjectDeveloper);
        verifier = _enrolled("verifier", IParticipantRegistry.Kind.Verifier);
        issuer = _enrolled("issuer", IParticipantRegistry.Kind.Enterprise);
        outsider = vm.addr(0x0575); // never registered
        projects.setProject(PROJECT, developer, IProjectRegistry.ProjectStatus.Active);
        projects.setProject(OTHER_PROJECT, otherDeveloper, IProjectRegistry.ProjectStatus.Active);
        for (uint256 i; i < 3; ++i) {
            operatorKeys[i] = 0x0A11 + i;
            operators[i] = vm.addr(operatorKeys[i]);
            vm.label(operators[i], string.concat("operator", vm.toString(i)));
            _enrolAt(operators[i], IParticipantRegistry.Kind.OracleOperator);
            vm.prank(regulator);
            anchor.addOperator(operators[i]);
        }
        _device(DEVICE, PROJECT, DEVICE_KEY, developer);
        _device(DEVICE2, PROJECT, DEVICE2_KEY, developer);
        _device(FOREIGN_DEVICE, OTHER_PROJECT, FOREIGN_DEVICE_KEY, otherDeveloper);
        reports.grantRole(reports.ISSUER_ROLE(), issuer);
        vm.prank(regulator);
        reports.setEmissionFactor(PROJECT, 581_000, keccak256("grid 2024"));
        vm.warp(T0 + 1 days);
    }

    function _enrolAt(address account, IParticipantRegistry.Kind kind) internal {
        vm.prank(regulator);
        registry.register(account, kind, "CN", uint64(block.timestamp + 100 * 365 days));
    }

    function _device(bytes32 id, uint256 projectId, uint256 key, address by) private {
        vm.prank(by);
        devices.registerDevice(id, projectId, vm.addr(key), IDeviceRegistry.DeviceKind.PvInverter, CAPACITY_W, T0 - 1 days);
        vm.prank(verifier);
        devices.activate(id);
    }

    // ---------------------------------------------------------------- readings

    function _reading(bytes32 deviceId, uint64 sequence, uint64 start, uint64 end, uint64 energyWh)
        internal
        pure
        returns (IMRVAnchor.Reading memory)
    {
        return IMRVAnchor.Reading(deviceId, sequence, start, end, energyWh);
    }

    /// @dev `reading` with an EIP-2098 compact signature by `key` over its EIP-712 digest.
    function _sign(uint256 key, IMRVAnchor.Reading memory reading) internal view returns (IMRVAnchor.SignedReading memory) {
        (bytes32 r, bytes32 vs) = _compact(key, _readingDigest(reading));
        return IMRVAnchor.SignedReading(reading, r, vs);
    }

    /// @dev The `hour`-th hour after T0 of `deviceId` (signed by `key`), `energyWh` in it.
    function _hourly(bytes32 deviceId, uint256 key, uint64 hour, uint64 energyWh)
        internal
        view
        returns (IMRVAnchor.SignedReading memory)
    {
        return _sign(key, _reading(deviceId, hour, T0 + hour * HOUR, T0 + (hour + 1) * HOUR, energyWh));
    }

    /// @dev The EIP-712 digest of `Reading(bytes32 deviceId,uint64 sequence,uint64 periodStart,uint64 periodEnd,uint64 energyWh)`.
    function _readingDigest(IMRVAnchor.Reading memory reading) internal view returns (bytes32) {
        bytes32 typeHash =
            keccak256("Reading(bytes32 deviceId,uint64 sequence,uint64 periodStart,uint64 periodEnd,uint64 energyWh)");
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, keccak256(abi.encode(typeHash, reading))));
    }

    /// @dev The EIP-712 digest of the BatchAttestation operators co-sign.
    function _attestationDigest(IMRVAnchor.BatchHeader memory header) internal view returns (bytes32) {
        bytes32 typeHash = keccak256(
            "BatchAttestation(bytes32 merkleRoot,uint256 projectId,uint64 windowStart,uint64 windowEnd,uint64 energyWh,uint32 readingCount,bytes32 contentHash)"
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, keccak256(abi.encode(typeHash, header))));
    }

    function _compact(uint256 key, bytes32 digest) internal pure returns (bytes32 r, bytes32 vs) {
        (uint8 v, bytes32 r_, bytes32 s) = vm.sign(key, digest);
        return (r_, bytes32(uint256(v - 27) << 255 | uint256(s)));
    }

    // ---------------------------------------------------------------- trees

    /// @dev A leaf: (the reading's double keccak256, its energy, 1).
    function _leaf(IMRVAnchor.SignedReading memory signed) internal pure returns (IMRVAnchor.SumNode memory) {
        bytes32 h = keccak256(bytes.concat(keccak256(abi.encode(signed.reading, signed.r, signed.vs))));
        return IMRVAnchor.SumNode(h, signed.reading.energyWh, 1);
    }

    /// @dev An inner node's hash: keccak256 of its children's six words, left then right.
    function _nodeHash(IMRVAnchor.SumNode memory l, IMRVAnchor.SumNode memory r) internal pure returns (bytes32) {
        return keccak256(abi.encode(l.hash, l.energyWh, l.count, r.hash, r.energyWh, r.count));
    }

    /// @dev The parent of `l` and `r` stating their true sums.
    function _parent(IMRVAnchor.SumNode memory l, IMRVAnchor.SumNode memory r) internal pure returns (IMRVAnchor.SumNode memory) {
        return IMRVAnchor.SumNode(_nodeHash(l, r), l.energyWh + r.energyWh, l.count + r.count);
    }

    function _path(IMRVAnchor.SumNode memory sibling, bool siblingLeft) internal pure returns (IMRVAnchor.SumPath memory p) {
        p.siblings = new IMRVAnchor.SumNode[](1);
        p.siblings[0] = sibling;
        p.leftSides = siblingLeft ? 1 : 0;
    }

    function _noPath() internal pure returns (IMRVAnchor.SumPath memory p) {
        p.siblings = new IMRVAnchor.SumNode[](0);
    }

    /// @dev The header of a batch of PROJECT over [T0, T0 + 1 day) whose root node is `root`.
    function _header(IMRVAnchor.SumNode memory root) internal pure returns (IMRVAnchor.BatchHeader memory) {
        return IMRVAnchor.BatchHeader(root.hash, PROJECT, T0, T0 + 1 days, uint64(root.energyWh), uint32(root.count), CONTENT);
    }

    /// @dev Anchored by operator 0 alone (the threshold is 1 unless a test raised it).
    function _anchor(IMRVAnchor.BatchHeader memory header) internal returns (bytes32) {
        vm.prank(operators[0]);
        anchor.anchorBatch(header, new IMRVAnchor.CompactSignature[](0));
        return header.merkleRoot;
    }

    /// @dev A batch of one reading: its root is the reading's leaf, its path empty.
    function _anchorOne(IMRVAnchor.SignedReading memory signed) internal returns (bytes32) {
        return _anchor(_header(_leaf(signed)));
    }

    /// @dev A batch of two readings (`a` left, `b` right); returns its id and each reading's path.
    function _anchorTwo(IMRVAnchor.SignedReading memory a, IMRVAnchor.SignedReading memory b)
        internal
        returns (bytes32 id, IMRVAnchor.SumPath memory pathA, IMRVAnchor.SumPath memory pathB)
    {
        (IMRVAnchor.SumNode memory la, IMRVAnchor.SumNode memory lb) = (_leaf(a), _leaf(b));
        id = _anchor(_header(_parent(la, lb)));
        (pathA, pathB) = (_path(lb, false), _path(la, true));
    }

    /// @dev An EIP-712 BatchAttestation co-signature by `key` over `header`.
    function _cosign(uint256 key, IMRVAnchor.BatchHeader memory header) internal view returns (IMRVAnchor.CompactSignature memory) {
        (bytes32 r, bytes32 vs) = _compact(key, _attestationDigest(header));
        return IMRVAnchor.CompactSignature(r, vs);
    }

    function _status(bytes32 batchId) internal view returns (uint256) {
        return uint256(anchor.batch(batchId).status);
    }
}
