// Photos waiting to be uploaded. A photo taken on site is kept on the device (IndexedDB, with
// the image itself) before anything is sent, so one taken without a connection survives a
// reload and goes up when the connection is back: in the order taken, one at a time, and
// once (a photo leaves the queue when the server has answered for it; one whose answer was lost
// is sent again under its upload key, and the server keeps it once). One tab uploads at a time
// (a Web Lock), so two open tabs do not send the same photo twice.
import { useEffect, useSyncExternalStore } from 'react'
import { api, isNetworkError, problemText, uploadKey } from './api.js'

const DATABASE = 'turns-photos'
const UPLOADS = 'uploads'
const RETRY_MS = 5000

let opened = null

function open() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1)
    request.onupgradeneeded = () => request.result.createObjectStore(UPLOADS, { keyPath: 'key', autoIncrement: true })
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  return opened
}

async function run(mode, use) {
  const database = await open()
  return new Promise((resolve, reject) => {
    const transaction = database.transaction(UPLOADS, mode)
    const request = use(transaction.objectStore(UPLOADS))
    transaction.oncomplete = () => resolve(request.result)
    transaction.onerror = () => reject(transaction.error)
    transaction.onabort = () => reject(transaction.error)
  })
}

const all = () => run('readonly', (store) => store.getAll())
const drop = (key) => run('readwrite', (store) => store.delete(key))

let snapshot = { waiting: [], refused: [], sending: false }
const listeners = new Set()
let userId = null
let flushing = null

function publish(change) {
  snapshot = { ...snapshot, ...change }
  for (const listener of listeners) listener()
}

async function refresh() {
  const rows = await all().catch(() => [])
  publish({ waiting: rows.filter((row) => row.userId === userId) })
}

/**
 * Keep `file` for the turn and send it as soon as possible; `details` are the upload's query
 * parameters (subject, subject_id, phase, caption).
 */
export async function queuePhoto(turnId, file, details) {
  const row = {
    userId,
    turnId,
    details,
    blob: file,
    name: file.name || 'photo',
    takenAt: new Date().toISOString(),
    uploadKey: uploadKey(),
  }
  await run('readwrite', (store) => store.add(row))
  await refresh()
  return flush()
}

/** Send what waits, oldest first; stops at the first network failure (retried later). */
export function flush() {
  if (!userId) return Promise.resolve()
  flushing ??= (navigator.locks ? navigator.locks.request('turns-photo-upload', send) : send()).finally(() => {
    flushing = null
  })
  return flushing
}

async function send() {
  publish({ sending: true })
  try {
    for (;;) {
      const rows = (await all()).filter((row) => row.userId === userId)
      if (!rows.length) return
      const [row] = rows
      try {
        const headers = row.uploadKey ? { 'idempotency-key': row.uploadKey } : {}
        await api(`/api/v1/turns/${row.turnId}/photos`, { method: 'POST', query: row.details, form: row.blob, headers })
      } catch (error) {
        if (isNetworkError(error) || error.status === 401 || error.status === 429 || error.status >= 500) return
        // Refused for good (not an image, too large, no longer allowed): say so, and drop it.
        publish({ refused: [...snapshot.refused, { key: row.key, turnId: row.turnId, name: row.name, text: problemText(error) }] })
      }
      await drop(row.key)
      await refresh()
    }
  } finally {
    publish({ sending: false })
    await refresh()
  }
}

/** Start sending the signed-in user's waiting photos, now, when back online and every RETRY_MS. */
export function startPhotoQueue(user) {
  userId = user.id
  const online = () => flush()
  window.addEventListener('online', online)
  const timer = setInterval(() => navigator.onLine && flush(), RETRY_MS)
  refresh().then(flush)
  return () => {
    userId = null
    clearInterval(timer)
    window.removeEventListener('online', online)
    publish({ waiting: [], refused: [] })
  }
}

/** Delete every photo this device still holds for `id` (the user signed out). */
export async function forgetPhotos(id) {
  const rows = await all().catch(() => [])
  await Promise.all(rows.filter((row) => row.userId === id).map((row) => drop(row.key)))
}

function subscribe(listener) {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** The photos of one turn still on the device ({waiting, refused, sending}), live. */
export function usePhotoQueue(turnId) {
  const state = useSyncExternalStore(subscribe, () => snapshot)
  useEffect(() => {
    flush()
  }, [turnId])
  return {
    waiting: state.waiting.filter((row) => row.turnId === turnId),
    refused: state.refused.filter((row) => row.turnId === turnId),
    sending: state.sending,
  }
}

/** Forget a refusal once the user has read it. */
export function dismissRefusal(key) {
  publish({ refused: snapshot.refused.filter((row) => row.key !== key) })
}
