// A move-out inspection on a phone with no signal: each item's result and each photo waits on
// the device (IndexedDB: the photo's bytes too) and is sent when the connection is back, in
// the order it was made, once. A result is recorded by (inspection, item), so sending it again
// after an answer that never arrived changes nothing, and a photo carries the upload key it was
// queued with, so one sent again is kept once; an entry leaves the queue only when the
// server has answered it. The inspection as last read (its template and results) is kept too,
// so the walk goes on after the page is opened again offline.
import { api, ApiError, csrfToken, isNetworkError, problemText, uploadKey } from './api.js'

const DATABASE = 'turns-inspections'
const QUEUE = 'queue' // {seq, kind: 'result' | 'photo', inspectionId, turnId, itemId, values | blob + uploadKey}
const RESULTS = 'results' // {inspectionId, itemId, id, version}: the server's result of an item
const INSPECTIONS = 'inspections' // {id, detail}: the inspection as last read
const RETRY_MS = 3000

let opened = null
const listeners = new Set()
const failures = [] // {itemId, text}: entries the server refused, dropped from the queue
let running = null
let timer = null
let userId = null

function open() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1)
    request.onupgradeneeded = () => {
      const db = request.result
      db.createObjectStore(QUEUE, { keyPath: 'seq', autoIncrement: true })
      db.createObjectStore(RESULTS, { keyPath: ['inspectionId', 'itemId'] })
      db.createObjectStore(INSPECTIONS, { keyPath: 'id' })
    }
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  return opened
}

async function run(store, mode, use) {
  const db = await open()
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(store, mode)
    const request = use(transaction.objectStore(store))
    transaction.oncomplete = () => resolve(request?.result)
    transaction.onerror = () => reject(transaction.error)
    transaction.onabort = () => reject(transaction.error)
  })
}

function changed() {
  for (const listener of listeners) listener()
}

/** Call `listener()` whenever the queue or its failures change, until the returned function is called. */
export function subscribe(listener) {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** The entries of an inspection still waiting to be sent, oldest first. */
export async function waiting(inspectionId) {
  const all = await run(QUEUE, 'readonly', (store) => store.getAll())
  return all.filter((entry) => entry.inspectionId === inspectionId)
}

export function refusals() {
  return [...failures]
}

let sends = 0 // answers received so far: a reading of the server asked before the last one is stale

/** How many entries the server has answered; pass it to keep() with what was read after it. */
export function sendCount() {
  return sends
}

/**
 * The inspection as the device knows it (null: never read on this device): as last read from
 * the server, with each item's result as this device last made it (its inspector has the last word).
 */
export async function kept(inspectionId) {
  const record = await run(INSPECTIONS, 'readonly', (store) => store.get(inspectionId))
  if (!record) return null
  const results = new Map(record.detail.results.map((result) => [result.template_item_id, result]))
  for (const [itemId, values] of Object.entries(record.made || {})) {
    results.set(itemId, { ...results.get(itemId), template_item_id: itemId, ...values })
  }
  return { ...record.detail, results: [...results.values()] }
}

/**
 * Keep the inspection as read from the server (with its photos counted per item) and which result
 * each item has there, unless an entry was answered since `since` (the reading may miss it).
 */
export async function keep(detail, since) {
  if (since !== sends) return
  const record = await run(INSPECTIONS, 'readonly', (store) => store.get(detail.id))
  await run(INSPECTIONS, 'readwrite', (store) => store.put({ id: detail.id, detail, made: record?.made || {} }))
  for (const result of detail.results) await remember(detail.id, result)
}

async function amend(inspectionId, change) {
  const record = await run(INSPECTIONS, 'readonly', (store) => store.get(inspectionId))
  if (record) await run(INSPECTIONS, 'readwrite', (store) => store.put(change(record)))
}

function remember(inspectionId, result) {
  const known = { inspectionId, itemId: result.template_item_id, id: result.id, version: result.version }
  return run(RESULTS, 'readwrite', (store) => store.put(known))
}

async function add(entry) {
  await run(QUEUE, 'readwrite', (store) => store.add({ ...entry, userId }))
  changed()
  flush()
}

/** Queue an item's condition, note and quantity. */
export async function queueResult(inspection, itemId, values) {
  await amend(inspection.id, (record) => ({ ...record, made: { ...record.made, [itemId]: values } }))
  return add({ kind: 'result', inspectionId: inspection.id, turnId: inspection.turn_id, itemId, values })
}

/** Queue a photo of an item (sent after the item's result, so it has a result to belong to). */
export async function queuePhoto(inspection, itemId, file) {
  const blob = new Blob([await file.arrayBuffer()], { type: file.type || 'image/jpeg' })
  return add({ kind: 'photo', inspectionId: inspection.id, turnId: inspection.turn_id, itemId, blob, uploadKey: uploadKey() })
}

function patchResult(id, version, values) {
  return api(`/api/v1/inspection-results/${id}`, { method: 'PATCH', body: { ...values, version } })
}

/** The item's result as the device last made it, whatever the server held (the inspector's device has the last word). */
async function sendResult(entry) {
  const known = await run(RESULTS, 'readonly', (store) => store.get([entry.inspectionId, entry.itemId]))
  let answer
  try {
    answer = known
      ? await patchResult(known.id, known.version, entry.values)
      : await api(`/api/v1/inspections/${entry.inspectionId}/results`, {
          method: 'POST',
          body: { template_item_id: entry.itemId, ...entry.values },
        })
  } catch (error) {
    const current = error instanceof ApiError && error.status === 409 ? error.problem.current : null
    if (!current?.template_item_id) throw error
    answer = await patchResult(current.id, current.version, entry.values)
  }
  await remember(entry.inspectionId, answer)
}

async function sendPhoto(entry) {
  const known = await run(RESULTS, 'readonly', (store) => store.get([entry.inspectionId, entry.itemId]))
  if (!known) throw new ApiError(422, { detail: 'the photo has no result to belong to: choose a condition first' })
  const query = new URLSearchParams({ subject: 'inspection', subject_id: known.id, phase: 'before' })
  const response = await fetch(`/api/v1/turns/${entry.turnId}/photos?${query}`, {
    method: 'POST',
    headers: {
      'content-type': entry.blob.type,
      'x-csrf-token': csrfToken(),
      accept: 'application/json',
      // Sent again after a lost answer, the photo is kept once (entries queued before keys: none).
      ...(entry.uploadKey ? { 'idempotency-key': entry.uploadKey } : {}),
    },
    body: entry.blob,
    credentials: 'same-origin',
  })
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}))
    throw new ApiError(response.status, problem)
  }
  await amend(entry.inspectionId, (record) => {
    const photos = record.detail.photos || {}
    return { ...record, detail: { ...record.detail, photos: { ...photos, [entry.itemId]: (photos[entry.itemId] || 0) + 1 } } }
  })
}

async function sendAll() {
  for (;;) {
    const [entry] = await run(QUEUE, 'readonly', (store) => store.getAll(undefined, 1))
    if (!entry) return
    try {
      await (entry.kind === 'photo' ? sendPhoto(entry) : sendResult(entry))
    } catch (error) {
      // Offline, or the session must be renewed: the entry waits. Any other refusal is shown and dropped.
      if (isNetworkError(error) || error.status === 401 || error.status >= 500) return
      failures.push({ itemId: entry.itemId, text: problemText(error) })
    }
    await run(QUEUE, 'readwrite', (store) => store.delete(entry.seq))
    sends += 1
    changed()
  }
}

/** Send what waits, in order; one run at a time (the next call waits for it). */
export function flush() {
  if (!navigator.onLine) return Promise.resolve()
  running ??= sendAll()
    .catch(() => {})
    .finally(() => {
      running = null
      changed()
    })
  return running
}

/**
 * Send what waits now, when the connection comes back, and every few seconds, as `user`; what
 * another user left on this device is dropped (as the outbox drops their writes), never sent as this one.
 */
export async function startSending(user) {
  if (userId === user) return
  userId = user
  await run(QUEUE, 'readwrite', (store) => {
    const request = store.openCursor()
    request.onsuccess = () => {
      const cursor = request.result
      if (!cursor) return
      if (cursor.value.userId !== user) cursor.delete()
      cursor.continue()
    }
    return request
  })
  if (timer) return flush()
  window.addEventListener('online', flush)
  timer = setInterval(flush, RETRY_MS)
  flush()
}
