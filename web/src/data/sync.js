// The local copy: one Electric shape per synced table, read from Turns' /v1/shape with the
// session cookie, kept live, and rendered from. The server decides which rows and columns
// each user receives; this file only mirrors them. The store's tables are also kept on the
// device (local-db.js), so the app starts from them and reads only what changed since.
import { ShapeStream, isChangeMessage, isControlMessage } from '@electric-sql/client'
import { useSyncExternalStore } from 'react'
import { onWrite } from './api.js'
import { savedShape } from './local-db.js'

/** Tables kept live (changes arrive as they commit) and tables caught up every REFRESH_MS. */
export const LIVE = ['turns', 'properties', 'notifications']
export const REFERENCE = ['turn_stages', 'vendors', 'users', 'utility_providers']
const REFRESH_MS = 60_000
/** How long a reference table stays live after the user wrote to it. */
const FOLLOW_MS = 30_000
/** The API paths whose writes change a reference table. */
const WRITTEN_BY = [
  [/^\/api\/v1\/users\b/, 'users'],
  [/^\/api\/v1\/(imports\/)?vendors\b/, 'vendors'],
  [/^\/api\/v1\/turn-stages\b/, 'turn_stages'],
  [/^\/api\/v1\/utility-providers\b/, 'utility_providers'],
]
/** A table is written to the device at most this often. */
const SAVE_MS = 2_000

const EMPTY = new Map()

function shapeUrl() {
  return new URL('/v1/shape', window.location.origin).href
}

const sameOrigin = (input, init) => fetch(input, { ...init, credentials: 'same-origin' })

/**
 * Rows of one shape, applied from the stream's messages in order. A live table holds a
 * long-poll open; a reference table (stages, vendors, ...) is read to its end and caught
 * up from its offset every REFRESH_MS, so a browser's six HTTP/1.1 connections per origin
 * are not all held by shapes. With `saved` (a savedShape), the rows of each up-to-date
 * point and that point's position are kept on the device, and the next start shows them
 * at once and reads on from there.
 */
class Table {
  constructor(name, params, onChange, { live = true, saved = null } = {}) {
    this.name = name
    this.params = params
    this.onChange = onChange
    this.live = live
    this.saved = saved
    this.rows = EMPTY
    this.pending = new Map()
    // {offset, handle} of the last up-to-date point: where a new stream reads on from.
    this.position = null
    this.savedAt = 0
    this.ready = false
    this.error = null
    this.restore().then(() => this.closed || this.start())
    if (!live) this.timer = setInterval(() => !this.live && this.stream?.isUpToDate && this.start(), REFRESH_MS)
  }

  /**
   * Hold a reference table live for FOLLOW_MS: what the user just wrote (a user invited, a
   * vendor added) reaches the pages that pick from it as soon as it is synced, not at the
   * next minute's catch-up.
   */
  follow() {
    if (this.live && !this.following) return
    clearTimeout(this.following)
    this.following = setTimeout(() => {
      this.following = null
      this.live = false
      this.start()
    }, FOLLOW_MS)
    if (!this.live) {
      this.live = true
      this.start()
    }
  }

  async restore() {
    const kept = await this.saved?.load().catch(() => null)
    if (!kept || this.closed) return
    this.pending = new Map(kept.rows)
    this.position = { offset: kept.offset, handle: kept.handle }
    this.show()
  }

  start() {
    this.unsubscribe?.()
    this.aborting?.abort()
    // Closing (or starting again) ends the request in flight: a long-poll left open would hold
    // one of the browser's six connections, and the writes of the next page would wait for it.
    this.aborting = new AbortController()
    const stream = new ShapeStream({
      url: shapeUrl(),
      params: { table: this.name, ...this.params },
      fetchClient: sameOrigin,
      signal: this.aborting.signal,
      subscribe: this.live,
      ...this.position,
      // Network errors and 5xx are retried by the client with backoff; anything else is kept
      // visible and retried, except a session that ended (the app asks to sign in again).
      onError: (error) => {
        this.error = error
        this.onChange(this)
        return error && error.status === 401 ? undefined : {}
      },
    })
    this.stream = stream
    this.unsubscribe = stream.subscribe((messages) => this.apply(messages))
  }

  apply(messages) {
    let changed = false
    for (const message of messages) {
      if (isChangeMessage(message)) {
        const { operation } = message.headers
        const id = message.value.id ?? message.key
        if (operation === 'delete') this.pending.delete(id)
        else if (operation === 'update') this.pending.set(id, { ...this.pending.get(id), ...message.value })
        else this.pending.set(id, message.value)
      } else if (isControlMessage(message)) {
        const control = message.headers.control
        if (control === 'must-refetch') this.refetch()
        if (control === 'up-to-date') changed = true
      }
    }
    if (changed) {
      this.position = { offset: this.stream.lastOffset, handle: this.stream.shapeHandle }
      this.show()
      this.keep()
    }
  }

  show() {
    this.rows = new Map(this.pending)
    this.ready = true
    this.error = null
    this.onChange(this)
  }

  /** The shape starts over (the server replaced it): its saved copy is of no use any more. */
  refetch() {
    this.pending = new Map()
    this.position = null
    clearTimeout(this.saveTimer)
    this.saveTimer = null
    this.saved?.clear().catch(() => null)
  }

  /** Write the rows and their position to the device, at most once every SAVE_MS. */
  keep() {
    if (!this.saved || this.saveTimer) return
    const save = () => {
      this.saveTimer = null
      this.savedAt = Date.now()
      this.saved.save({ rows: [...this.rows], ...this.position }).catch(() => null)
    }
    this.saveTimer = setTimeout(save, Math.max(0, this.savedAt + SAVE_MS - Date.now()))
  }

  close() {
    this.closed = true
    clearInterval(this.timer)
    clearTimeout(this.following)
    clearTimeout(this.saveTimer)
    this.unsubscribe?.()
    this.aborting?.abort()
  }
}

/**
 * All synced tables of the signed-in user, kept on the device under their id; components
 * subscribe with useTable(). `sessionEnded` turns true when the server no longer knows the
 * session (401).
 */
export class Store {
  constructor(userId) {
    this.listeners = new Set()
    this.sessionEnded = false
    const changed = (table) => {
      if (table.error?.status === 401) this.sessionEnded = true
      this.emit()
    }
    this.tables = Object.fromEntries(
      [...LIVE, ...REFERENCE].map((name) => {
        const options = { live: LIVE.includes(name), saved: savedShape(userId, name) }
        return [name, new Table(name, {}, changed, options)]
      }),
    )
    this.stopFollowing = onWrite((path) => {
      for (const [pattern, name] of WRITTEN_BY) if (pattern.test(path)) this.tables[name].follow()
    })
  }

  emit() {
    for (const listener of this.listeners) listener()
  }

  subscribe = (listener) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  rows(name) {
    return this.tables[name]?.rows ?? EMPTY
  }

  close() {
    this.stopFollowing()
    for (const table of Object.values(this.tables)) table.close()
    this.listeners.clear()
  }
}

/** A Map of primary key -> row of one table, re-rendering on every change. */
export function useTable(store, name) {
  return useSyncExternalStore(store.subscribe, () => store.rows(name))
}

/**
 * Rows of a one-off shape (e.g. one turn's stage history), live while mounted. With
 * `writtenBy` (a pattern of API paths), the shape is not held live but caught up every
 * REFRESH_MS, and live for FOLLOW_MS after each write to such a path: a page that shows many
 * shapes leaves the browser's connections to its images.
 */
export function shapeRows(name, params, onRows, { writtenBy } = {}) {
  const table = new Table(name, params, (t) => onRows([...t.rows.values()], t), { live: !writtenBy })
  const stop = writtenBy ? onWrite((path) => writtenBy.test(path) && table.follow()) : () => null
  return () => {
    stop()
    table.close()
  }
}
