// Drives Electric's official client against Turns' /v1/shape for the Python tests.
//
//   node sync.mjs '<json options>'
//
// Options: url, token, table, where, params, columns, replica, liveSse, log, offset, handle,
// rows (the rows a resumed client already holds), exitWhenUpToDate.
// Prints one JSON line per batch that ends up to date: the rows held, the handle and offset,
// and counts that reveal duplicates (an insert of a key already held) or gaps (an update
// or delete of a key not held).
import { ShapeStream, isChangeMessage, isControlMessage } from '@electric-sql/client'

const options = JSON.parse(process.argv[2])
const rows = new Map(Object.entries(options.rows ?? {}))
const counts = { insert: 0, update: 0, delete: 0, duplicate: 0, missing: 0, mustRefetch: 0, batches: 0 }

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
        counts[op] += 1
        const held = rows.get(message.key)
        if (op === 'insert') {
          if (held) counts.duplicate += 1
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
    process.stdout.write(JSON.stringify({ error: String(error?.message ?? error), status: error?.status ?? null }) + '\n')
    process.exit(3)
  }
)
