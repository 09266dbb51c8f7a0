// A front end's first read, in plain Node with ethers 6 (from node_modules; `npm ci` installs it):
// a CAI's supply and the bond series of the chain, from the files `greenfi abi export` writes.
//
//   greenfi abi export --out abi --network development
//   node docs/examples/read-suite.mjs abi http://127.0.0.1:8545 0x<CAI bytes32>
//
// Prints one JSON object: {chainId, cai: {...supply}, series: [{address, isin, issuer, block, name,
// totalSupply, status}]}. Amounts are base units as strings; status is the IGreenBond.Status name.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ethers } from "ethers";

const [abiDir, rpcUrl, cai] = process.argv.slice(2);
const load = (name) => JSON.parse(readFileSync(join(abiDir, `${name}.json`), "utf8"));
const provider = new ethers.JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
const chainId = String((await provider.getNetwork()).chainId);
const index = load("index");
const result = { chainId };

if (cai) {
  const credits = load("CarbonCredits");
  const carbon = new ethers.Contract(credits.addresses[chainId], credits.abi, provider);
  const batchId = await carbon.batchOfCai(cai);
  const supply = await carbon.supplyOf(batchId);
  result.cai = { cai, batchId: batchId.toString(), readable: await carbon.caiString(batchId) };
  for (const field of ["issued", "circulating", "escrowed", "retired", "cancelled", "buffered"]) {
    result.cai[field] = supply[field].toString();
  }
}

// GreenBond.json's `addresses` is the implementation; the series are its clones.
const bond = load("GreenBond");
const statusName = Object.fromEntries(Object.entries(index.enums["IGreenBond.Status"]).map(([k, v]) => [v, k]));
result.series = [];
for (const series of bond.clones[chainId] ?? []) {
  const contract = new ethers.Contract(series.address, bond.abi, provider);
  result.series.push({
    ...series,
    name: await contract.name(),
    totalSupply: (await contract.totalSupply()).toString(),
    status: statusName[Number(await contract.status())],
  });
}
console.log(JSON.stringify(result, null, 2));
provider.destroy();
