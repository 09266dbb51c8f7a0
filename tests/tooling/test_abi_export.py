"""`greenfi abi export`: one JSON per contract plus an index, with addresses from deployment records."""

import json

from greenfi.chain import artifacts
from greenfi.chain.abi_export import export
from greenfi.chain.deployments import Deployed, DeploymentRecord


def test_export_writes_abis_and_addresses_per_chain(tmp_path):
    deployments = tmp_path / "deployments"
    record = DeploymentRecord(11155111, deployments)
    record.put("ParticipantRegistry", Deployed("0x" + "11" * 20, "0x" + "aa" * 32, 7, "0x", "0x"))
    index = export(tmp_path / "abi", deployments)

    assert index["chains"] == {"11155111": {"ParticipantRegistry": "0x" + "11" * 20}}
    assert {"ParticipantRegistry", "SettlementToken"} <= set(index["contracts"])
    registry = json.loads((tmp_path / "abi" / "ParticipantRegistry.json").read_text())
    assert registry["abi"] == artifacts.load("ParticipantRegistry").abi
    assert registry["addresses"] == {"11155111": "0x" + "11" * 20}
    token = json.loads((tmp_path / "abi" / "SettlementToken.json").read_text())
    assert token["addresses"] == {}
    assert json.loads((tmp_path / "abi" / "index.json").read_text()) == index


def test_export_with_no_deployments(tmp_path):
    index = export(tmp_path / "abi", tmp_path / "none")
    assert index["chains"] == {} and "ParticipantRegistry" in index["contracts"]


def test_export_writes_deployment_blocks_and_the_enums_of_the_build(tmp_path):
    deployments = tmp_path / "deployments"
    record = DeploymentRecord(11155111, deployments)
    record.put("GreenBond", Deployed("0x" + "22" * 20, "0x" + "bb" * 32, 41, "0x", "0x"))
    record.put("SettlementToken", Deployed("0x" + "33" * 20, None, None, "", "", external=True))
    index = export(tmp_path / "abi", deployments)

    bond = json.loads((tmp_path / "abi" / "GreenBond.json").read_text())
    assert bond["blocks"] == {"11155111": 41} and bond["clones"] == {}  # series need a node (--network)
    assert index["blocks"]["11155111"] == {"GreenBond": 41, "SettlementToken": None}
    # IGreenBond.Status as declared: Subscription, Issued, Failed, Redeemable.
    assert bond["enums"]["IGreenBond.Status"] == {"Subscription": 0, "Issued": 1, "Failed": 2, "Redeemable": 3}
    for name, members in index["enums"].items():
        assert list(members.values()) == list(range(len(members))) and members, name
    used = {n for n in index["contracts"] for n in json.loads((tmp_path / "abi" / f"{n}.json").read_text())["enums"]}
    assert used == set(index["enums"])
