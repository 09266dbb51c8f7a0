"""greenfi.chain.approvals: the state override that simulates an approval is exactly the approval,
for any owner, spender and amount (differential: the token's own `allowance` view under the override
answers the amount), and it writes nothing on chain."""

from brownie import web3
from brownie.test import given, strategy
from eth_abi import decode as abi_decode
from hypothesis import settings

from greenfi.chain import contracts
from greenfi.chain.approvals import allowance_override, mapping_key


@settings(max_examples=25, deadline=None)
@given(owner=strategy("address"), spender=strategy("address"), amount=strategy("uint256", min_value=1))
def test_the_override_is_the_approval_and_nothing_else(settlement_token, owner, spender, amount):
    token = contracts.at(web3, "SettlementToken", settlement_token.address)
    override = allowance_override(web3, token, owner.address, spender.address, amount)
    slot = mapping_key(spender.address, mapping_key(owner.address, (1).to_bytes(32, "big")))  # OpenZeppelin: slot 1
    assert override == {token.address: {"stateDiff": {"0x" + slot.hex(): "0x" + amount.to_bytes(32, "big").hex()}}}
    view = token.functions.allowance(owner.address, spender.address)
    raw = web3.eth.call({"to": token.address, "data": view._encode_transaction_data()}, "latest", override)
    assert abi_decode(["uint256"], raw)[0] == amount
    assert settlement_token.allowance(owner, spender) == 0  # simulated, never written
