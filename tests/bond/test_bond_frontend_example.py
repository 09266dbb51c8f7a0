"""The front-end example of docs/frontend.md (docs/examples/read-suite.mjs), run with node against the
test chain: a CAI's supply and the bond series it prints agree with what the contracts say, and the
export keeps the series (clones) apart from the GreenBond implementation."""

import json
import shutil
import subprocess

import pytest
from tests.bond.support import b32
from brownie import CarbonCredits, MockMonitoringReportsForCarbon, web3

from greenfi.chain.abi_export import export
from greenfi.chain.deployments import Deployed, DeploymentRecord
from greenfi.paths import NODE_BIN, REPO_ROOT

EXAMPLE = REPO_ROOT / "docs" / "examples" / "read-suite.mjs"
PERIOD0 = 1_735_689_600  # 2025-01-01


@pytest.fixture
def issued_cai(bond_registry, projects, admin, regulator, developer, verifier):
    """CarbonCredits on the bond fixtures' projects, with one batch issued for project 1: (credits, CAI)."""
    reports = MockMonitoringReportsForCarbon.deploy({"from": admin})
    credits = CarbonCredits.deploy(bond_registry, projects, reports, admin, regulator, 1_000, {"from": admin})
    end = PERIOD0 + 90 * 86400
    reports.setReport(1, (1, PERIOD0, end, 7 * 10**6, 1_000 * 10**6, b32("report-1"), verifier), True)
    batch_id = credits.issue(1, {"from": developer}).return_value
    return credits, credits.caiOf(batch_id)


def run_example(tmp_path, contracts: dict, cai: str):
    records = tmp_path / "deployments"
    record = DeploymentRecord(web3.eth.chain_id, records)
    for name, contract in contracts.items():
        record.put(name, Deployed(contract.address, contract.tx.txid, contract.tx.block_number, "", ""))
    index = export(tmp_path / "abi", records, w3=web3)
    node = shutil.which("node")
    assert node, "node is needed (it ships with the npm dev tools)"
    done = subprocess.run([node, str(EXAMPLE), str(tmp_path / "abi"), web3.provider.endpoint_uri, cai],
                          capture_output=True, text=True, timeout=120, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr
    return index, json.loads(done.stdout)


def test_the_example_reads_the_supply_and_lists_the_series(tmp_path, issued_cai, make_bond, factory, investor):
    credits, cai = issued_cai
    bonds = [make_bond(isin=b32("XS0000GREEN1")), make_bond(isin=b32("XS0000GREEN2"))]
    bonds[0].subscribe(150, {"from": investor})  # one series with bonds outstanding
    index, shown = run_example(tmp_path, {"CarbonCredits": credits, "GreenBondFactory": factory},
                               "0x" + bytes(cai).hex())

    supply = credits.supplyOf(credits.batchOfCai(cai)).dict()
    assert {k: int(v) for k, v in shown["cai"].items() if k in supply} == {k: int(v) for k, v in supply.items()}
    assert shown["cai"]["readable"] == credits.caiString(credits.batchOfCai(cai))
    statuses = {v: k for k, v in index["enums"]["IGreenBond.Status"].items()}
    assert [(s["address"], s["isin"], int(s["totalSupply"]), s["status"]) for s in shown["series"]] == [
        (b.address, "0x" + bytes(b.terms()[0]).hex(), b.totalSupply(), statuses[b.status()]) for b in bonds]
    chain = str(web3.eth.chain_id)
    series = index["clones"][chain]["GreenBond"]
    assert factory.implementation() not in [s["address"] for s in series]
    assert len(series) == factory.bondCount() == 2
    assert all(s["block"] >= index["blocks"][chain]["GreenBondFactory"] for s in series)
