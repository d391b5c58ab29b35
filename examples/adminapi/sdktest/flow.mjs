// Drives the adminapi example with Medusa's own JS client, @medusajs/js-sdk, through the flows
// of the admin guide, asserting each answer.
//
//   ADMINAPI_URL=http://127.0.0.1:9000 ADMINAPI_TOKEN=<secret> ADMINAPI_ACTOR=<name> node flow.mjs
//
// ci.sh starts a fresh server and runs this against it.
import assert from "node:assert/strict"
import Medusa, { FetchError } from "@medusajs/js-sdk"

const baseUrl = process.env.ADMINAPI_URL
const token = process.env.ADMINAPI_TOKEN
const actor = process.env.ADMINAPI_ACTOR
if (!baseUrl || !token || !actor) {
  console.error("set ADMINAPI_URL, ADMINAPI_TOKEN and ADMINAPI_ACTOR")
  process.exit(2)
}

// Medusa's secret API key scheme: the SDK sends Authorization: Basic base64(<key>:).
const sdk = new Medusa({ baseUrl, apiKey: token })

let step = 0
async function check(name, fn) {
  step++
  try {
    await fn()
    console.log(`ok ${step} - ${name}`)
  } catch (err) {
    console.log(`not ok ${step} - ${name}`)
    console.error(err)
    process.exit(1)
  }
}

// rejects asserts that the call fails with the HTTP status (the SDK throws a FetchError).
async function rejects(promise, status, messagePart) {
  try {
    await promise
  } catch (err) {
    assert.ok(err instanceof FetchError, `want a FetchError, got ${err}`)
    assert.equal(err.status, status, `want status ${status}, got ${err.status}: ${err.message}`)
    if (messagePart) {
      assert.match(err.message, new RegExp(messagePart.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    }
    return
  }
  assert.fail(`want HTTP ${status}, the call succeeded`)
}

const run = Math.random().toString(36).slice(2, 8)
let ada, bob, group, other

await check("every route refuses a client without credentials (401)", async () => {
  const anonymous = new Medusa({ baseUrl })
  await rejects(anonymous.admin.customerGroup.list(), 401, "Unauthorized")
  await rejects(anonymous.admin.customer.list(), 401)
  const wrong = new Medusa({ baseUrl, apiKey: "sk_not_a_key_of_this_server" })
  await rejects(wrong.admin.customerGroup.retrieve("cusgroup_x"), 401)
})

await check("a bearer token works too (the SDK's JWT header)", async () => {
  const jwt = new Medusa({ baseUrl, auth: { type: "jwt", jwtTokenStorageMethod: "memory" } })
  await jwt.client.setToken(token)
  const { customer_groups, count } = await jwt.admin.customerGroup.list({ limit: 1 })
  assert.ok(Array.isArray(customer_groups))
  assert.equal(typeof count, "number")
})

await check("host side: create customers (admin.customer.create)", async () => {
  ;({ customer: ada } = await sdk.admin.customer.create({
    email: `ada.${run}@example.com`, first_name: "Ada", last_name: "Lovelace",
  }))
  ;({ customer: bob } = await sdk.admin.customer.create({
    email: `bob.${run}@example.com`, first_name: "Bob", last_name: "Barker",
  }))
  assert.match(ada.id, /^cus_/)
  assert.equal(ada.email, `ada.${run}@example.com`)
  assert.equal(ada.created_by, actor)
  assert.notEqual(ada.id, bob.id)
})

await check("create a customer group (admin.customerGroup.create)", async () => {
  ;({ customer_group: group } = await sdk.admin.customerGroup.create({
    name: `VIP ${run}`,
    metadata: { tier: "gold", since: "2024", note: "first" },
  }))
  assert.match(group.id, /^cusgroup_/)
  assert.equal(group.name, `VIP ${run}`)
  assert.deepEqual(Object.entries(group.metadata), [["tier", "gold"], ["since", "2024"], ["note", "first"]])
  assert.equal(group.created_by, actor)
  assert.equal(group.customer_count, 0)
  assert.equal(group.deleted_at, null)
  assert.ok(!Number.isNaN(Date.parse(group.created_at)))
  ;({ customer_group: other } = await sdk.admin.customerGroup.create({ name: `Wholesale ${run}` }))
  assert.equal(other.metadata, null)
})

await check("a duplicate name is refused (400), whatever its case", async () => {
  await rejects(sdk.admin.customerGroup.create({ name: `vip ${run.toUpperCase()}` }), 400, "already exists")
})

await check("invalid input is refused (400): unknown fields, non-string metadata", async () => {
  await rejects(sdk.admin.customerGroup.create({ name: `X ${run}`, handle: "x" }), 400, "Unrecognized fields")
  await rejects(sdk.admin.customerGroup.create({ name: `X ${run}`, metadata: { n: 1 } }), 400)
  await rejects(sdk.admin.customerGroup.list({ colour: "red" }), 400, "Unrecognized fields")
})

await check("list with q, and the envelope (admin.customerGroup.list)", async () => {
  const page = await sdk.admin.customerGroup.list({ q: `vip ${run}` })
  assert.deepEqual(Object.keys(page).slice(0, 4), ["customer_groups", "count", "offset", "limit"])
  assert.equal(page.count, 1)
  assert.equal(page.offset, 0)
  assert.equal(page.limit, 50)
  assert.deepEqual(page.customer_groups.map((g) => g.id), [group.id])

  const both = await sdk.admin.customerGroup.list({ id: [group.id, other.id], order: "-created_at" })
  assert.deepEqual(both.customer_groups.map((g) => g.id), [other.id, group.id])

  const since = await sdk.admin.customerGroup.list({ q: run, created_at: { $gte: group.created_at }, order: "name" })
  assert.deepEqual(since.customer_groups.map((g) => g.name), [`VIP ${run}`, `Wholesale ${run}`])
  const before = await sdk.admin.customerGroup.list({ q: run, created_at: { $lt: group.created_at } })
  assert.equal(before.count, 0)

  const first = await sdk.admin.customerGroup.list({ q: run, limit: 1, order: "name" })
  assert.equal(first.customer_groups.length, 1)
  assert.equal(first.count, 2)
  assert.equal(typeof first.next, "string", "a next cursor when more follow")
  const second = await sdk.admin.customerGroup.list({ q: run, limit: 1, order: "name", after: first.next })
  assert.deepEqual(second.customer_groups.map((g) => g.id), [other.id])
  assert.equal(second.next, undefined)
  await rejects(sdk.admin.customerGroup.list({ limit: 5000 }), 400, "largest page")
})

await check("retrieve (admin.customerGroup.retrieve)", async () => {
  const { customer_group } = await sdk.admin.customerGroup.retrieve(group.id)
  assert.equal(customer_group.name, `VIP ${run}`)
  assert.deepEqual(customer_group.metadata, { tier: "gold", since: "2024", note: "first" })
  const withCustomers = await sdk.admin.customerGroup.retrieve(group.id, { fields: "*customers" })
  assert.deepEqual(withCustomers.customer_group.customers, [])
  const some = await sdk.admin.customerGroup.retrieve(group.id, { fields: "name" })
  assert.deepEqual(Object.keys(some.customer_group), ["id", "name"])
})

await check("update name and metadata: Medusa's merge, \"\" deletes, order kept (admin.customerGroup.update)", async () => {
  const { customer_group } = await sdk.admin.customerGroup.update(group.id, {
    name: `VIP Gold ${run}`,
    metadata: { note: "", tier: "platinum", region: "EU" },
  })
  assert.equal(customer_group.name, `VIP Gold ${run}`)
  assert.deepEqual(Object.entries(customer_group.metadata), [["tier", "platinum"], ["since", "2024"], ["region", "EU"]])
  assert.notEqual(customer_group.updated_at, group.updated_at)
  group = customer_group
})

await check("If-Match with a stale ETag is refused (412); the current one passes", async () => {
  // Version 1 was the create, version 2 the update above.
  await rejects(sdk.admin.customerGroup.update(group.id, { name: `Stale ${run}` }, undefined, { "If-Match": '"1"' }), 412)
  const { customer_group } = await sdk.admin.customerGroup.update(group.id, { metadata: { since: "2023" } }, undefined, { "If-Match": '"2"' })
  assert.equal(customer_group.name, `VIP Gold ${run}`)
  assert.equal(customer_group.metadata.since, "2023")
})

await check("metadata editor: save the whole table with a row inserted above another and a row deleted", async () => {
  const { customer_group } = await sdk.admin.customerGroup.update(group.id, {
    metadata: { tier: "platinum", segment: "B2B", since: "2023", region: "" },
  })
  assert.deepEqual(Object.entries(customer_group.metadata), [["tier", "platinum"], ["segment", "B2B"], ["since", "2023"]])
})

await check("batch add and remove customers (admin.customerGroup.batchCustomers)", async () => {
  let { customer_group } = await sdk.admin.customerGroup.batchCustomers(group.id, { add: [ada.id, bob.id] })
  assert.equal(customer_group.customer_count, 2)
  ;({ customer_group } = await sdk.admin.customerGroup.batchCustomers(group.id, { remove: [ada.id] }))
  assert.equal(customer_group.customer_count, 1)
  await rejects(sdk.admin.customerGroup.batchCustomers(group.id, { add: ["cus_nobody_" + run] }), 404, "cus_nobody_")
  await rejects(sdk.admin.customerGroup.batchCustomers(group.id, { add: [ada.id], remove: [ada.id] }), 400)
  const { customer_group: shown } = await sdk.admin.customerGroup.retrieve(group.id, { fields: "*customers" })
  assert.deepEqual(shown.customers.map((c) => c.id), [bob.id])
  assert.equal(shown.customers[0].email, `bob.${run}@example.com`)
})

await check("list customers by group (admin.customer.list with groups)", async () => {
  let page = await sdk.admin.customer.list({ groups: [group.id] })
  assert.deepEqual(page.customers.map((c) => c.id), [bob.id])
  assert.equal(page.count, 1)
  // The host side: add a customer to groups from the customer (admin.customer.batchCustomerGroups).
  const { customer } = await sdk.admin.customer.batchCustomerGroups(ada.id, { add: [group.id, other.id] })
  assert.equal(customer.id, ada.id)
  page = await sdk.admin.customer.list({ groups: [group.id], order: "email" })
  assert.deepEqual(page.customers.map((c) => c.id), [ada.id, bob.id])
  const { customer: withGroups } = await sdk.admin.customer.retrieve(ada.id, { fields: "*groups" })
  assert.deepEqual(withGroups.groups.map((g) => g.id).sort(), [group.id, other.id].sort())
  await sdk.admin.customer.batchCustomerGroups(ada.id, { remove: [other.id] })
  const { customer_group } = await sdk.admin.customerGroup.retrieve(other.id)
  assert.equal(customer_group.customer_count, 0)
})

await check("delete (admin.customerGroup.delete)", async () => {
  const res = await sdk.admin.customerGroup.delete(group.id)
  assert.deepEqual(res, { id: group.id, object: "customer_group", deleted: true })
  await sdk.admin.customerGroup.delete(other.id)
})

await check("retrieve after delete is 404; the customers stay", async () => {
  await rejects(sdk.admin.customerGroup.retrieve(group.id), 404, group.id)
  await rejects(sdk.admin.customerGroup.delete(group.id), 404)
  const { customer } = await sdk.admin.customer.retrieve(bob.id, { fields: "*groups" })
  assert.deepEqual(customer.groups, [])
})

console.log(`1..${step}`)
