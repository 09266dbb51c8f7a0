"""`greenfi abi export` lists the loan facilities (clones of GreenLoan) apart from the implementation, as it
lists bond series (docs/frontend.md)."""

from brownie import web3

from greenfi.chain.abi_export import export
from greenfi.chain.deployments import Deployed, DeploymentRecord


def test_the_export_lists_each_facility_the_factory_created(tmp_path, loan_factory, make_loan, borrower, lender,
                                                            project_id):
    loans = [make_loan(), make_loan()]
    records = tmp_path / "deployments"
    DeploymentRecord(web3.eth.chain_id, records).put("GreenLoanFactory", Deployed(
        loan_factory.address, loan_factory.tx.txid, loan_factory.tx.block_number, "", ""))
    index = export(tmp_path / "abi", records, w3=web3)
    facilities = index["clones"][str(web3.eth.chain_id)]["GreenLoan"]
    assert [f["address"] for f in facilities] == [loan.address for loan in loans]
    assert [f["loanId"] for f in facilities] == [loan_factory.loanCount() - 1, loan_factory.loanCount()]
    assert all(f["borrower"] == borrower and f["lender"] == lender and f["projectId"] == project_id
               for f in facilities)
    assert loan_factory.implementation() not in [f["address"] for f in facilities]
    assert all(f["block"] >= loan_factory.tx.block_number for f in facilities)
