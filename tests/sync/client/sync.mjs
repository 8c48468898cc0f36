// Drives Electric's official client against Turns' /v1/shape for the Python tests.
//
//   node sync.mjs '<json options>'
//
// Options: url, token, table, where, params, columns, replica, liveSse, log, offset, handle,
// rows (the rows a resumed client already holds), exitWhenUpToDate, subsetMethod, first (a
// command to run at once, before the stream has read anything).
// Prints one JSON line per batch that ends up to date: the rows held, the handle and offset,
// and counts that reveal duplicates (an insert of a key already held) or gaps (an update
// or delete of a key not held). With log=changes_only the client holds only the rows it
// loaded, so changes to other keys are counted as unheld and not applied.
//
// Commands, one JSON line each on stdin, for subset snapshots:
//   {"request": {where, params, limit, offset, orderBy, method}}  requestSnapshot: the rows join
//     the stream (reloaded counts subset rows already held); prints {"snapshot": {keys, metadata}}
//   {"fetch": {...}}  fetchSnapshot: prints {"fetched": {data, metadata}}, holds nothing
// A refused snapshot prints {"snapshotError", "status"} and the client carries on.
import { createInterface } from 'node:readline'
import { ShapeStream, isChangeMessage, isControlMessage } from '@electric-sql/client'

const options = JSON.parse(process.argv[2])
const rows = new Map(Object.entries(options.rows ?? {}))
const counts = {
  insert: 0,
  update: 0,
  delete: 0,
  duplicate: 0,
  missing: 0,
  unheld: 0,
  reloaded: 0,
  mustRefetch: 0,
  batches: 0,
}
const changesOnly = options.log === 'changes_only'

const params = { table: options.table }
for (const name of ['where', 'params', 'columns', 'replica']) {
  if (options[name] !== undefined) params[name] = options[name]
}

const stream = new ShapeStream({
  url: `${options.url}/v1/shape`,
  params,
  headers: { Authorization: `Bearer ${options.token}` },
  offset: options.offset,
  handle: options.handle,
  liveSse: options.liveSse ?? false,
  log: options.log,
  subsetMethod: options.subsetMethod,
})

function report(extra = {}) {
  const held = Object.fromEntries(rows)
  process.stdout.write(
    JSON.stringify({ rows: held, handle: stream.shapeHandle, offset: stream.lastOffset, counts, ...extra }) + '\n'
  )
}

stream.subscribe(
  (messages) => {
    let upToDate = false
    for (const message of messages) {
      if (isChangeMessage(message)) {
        const op = message.headers.operation
        const held = rows.get(message.key)
        if (changesOnly && op !== 'insert' && !held) {
          counts.unheld += 1
          continue
        }
        counts[op] += 1
        if (op === 'insert') {
          if (held && message.headers.snapshot_mark !== undefined) counts.reloaded += 1
          else if (held) counts.duplicate += 1
          rows.set(message.key, message.value)
        } else if (op === 'update') {
          if (!held) counts.missing += 1
          rows.set(message.key, { ...(held ?? {}), ...message.value })
        } else {
          if (!held) counts.missing += 1
          rows.delete(message.key)
        }
      } else if (isControlMessage(message)) {
        if (message.headers.control === 'must-refetch') {
          counts.mustRefetch += 1
          rows.clear()
        }
        if (message.headers.control === 'up-to-date') upToDate = true
      }
    }
    if (upToDate) {
      counts.batches += 1
      report()
      if (options.exitWhenUpToDate) {
        stream.unsubscribeAll()
        process.exit(0)
      }
    }
  },
  (error) => {
    const failed = { error: String(error?.message ?? error), status: error?.status ?? null, json: error?.json ?? null }
    process.stdout.write(JSON.stringify(failed) + '\n')
    process.exit(3)
  }
)

async function run(command) {
  try {
    if (command.request) {
      const { data, metadata } = await stream.requestSnapshot(command.request)
      report({ snapshot: { keys: data.map((message) => message.key), metadata } })
    } else if (command.fetch) {
      const { data, metadata } = await stream.fetchSnapshot(command.fetch)
      report({ fetched: { data, metadata } })
    }
  } catch (error) {
    report({ snapshotError: String(error?.message ?? error), status: error?.status ?? null })
  }
}

if (options.first) run(options.first) // before the stream has read anything
createInterface({ input: process.stdin }).on('line', (line) => run(JSON.parse(line)))
