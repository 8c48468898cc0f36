// The local copy: one Electric shape per synced table, read from Turns' /v1/shape with the
// session cookie, kept live, and rendered from. The server decides which rows and columns
// each user receives; this file only mirrors them.
import { ShapeStream, isChangeMessage, isControlMessage } from '@electric-sql/client'
import { useSyncExternalStore } from 'react'

/** Tables kept live (changes arrive as they commit) and tables caught up every REFRESH_MS. */
export const LIVE = ['turns', 'properties', 'notifications']
export const REFERENCE = ['turn_stages', 'vendors', 'users', 'utility_providers']
const REFRESH_MS = 60_000

const EMPTY = new Map()

function shapeUrl() {
  return new URL('/v1/shape', window.location.origin).href
}

const sameOrigin = (input, init) => fetch(input, { ...init, credentials: 'same-origin' })

/**
 * Rows of one shape, applied from the stream's messages in order. A live table holds a
 * long-poll open; a reference table (stages, vendors, ...) is read to its end and caught
 * up from its offset every REFRESH_MS, so a browser's six HTTP/1.1 connections per origin
 * are not all held by shapes.
 */
class Table {
  constructor(name, params, onChange, live = true) {
    this.name = name
    this.params = params
    this.onChange = onChange
    this.live = live
    this.rows = EMPTY
    this.pending = new Map()
    this.ready = false
    this.error = null
    this.start()
    if (!live) this.timer = setInterval(() => this.start(this.stream), REFRESH_MS)
  }

  start(previous) {
    if (previous && !previous.isUpToDate) return
    this.unsubscribe?.()
    const stream = new ShapeStream({
      url: shapeUrl(),
      params: { table: this.name, ...this.params },
      fetchClient: sameOrigin,
      subscribe: this.live,
      ...(previous?.shapeHandle ? { offset: previous.lastOffset, handle: previous.shapeHandle } : {}),
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
        if (control === 'must-refetch') this.pending = new Map()
        if (control === 'up-to-date') changed = true
      }
    }
    if (changed) {
      this.rows = new Map(this.pending)
      this.ready = true
      this.error = null
      this.onChange(this)
    }
  }

  close() {
    clearInterval(this.timer)
    this.unsubscribe?.()
  }
}

/** All synced tables of the signed-in user; components subscribe with useTable(). */
export class Store {
  constructor() {
    this.listeners = new Set()
    this.version = 0
    const emit = () => this.emit()
    this.tables = Object.fromEntries([
      ...LIVE.map((name) => [name, new Table(name, {}, emit, true)]),
      ...REFERENCE.map((name) => [name, new Table(name, {}, emit, false)]),
    ])
  }

  emit() {
    this.version += 1
    for (const listener of this.listeners) listener()
  }

  subscribe = (listener) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  rows(name) {
    return this.tables[name]?.rows ?? EMPTY
  }

  get ready() {
    return Object.values(this.tables).every((table) => table.ready)
  }

  close() {
    for (const table of Object.values(this.tables)) table.close()
    this.listeners.clear()
  }
}

/** A Map of primary key -> row of one table, re-rendering on every change. */
export function useTable(store, name) {
  return useSyncExternalStore(store.subscribe, () => store.rows(name))
}

export function useStoreVersion(store) {
  return useSyncExternalStore(store.subscribe, () => store.version)
}

/** Rows of a one-off shape (e.g. one turn's stage history), live while mounted. */
export function shapeRows(name, params, onRows) {
  const table = new Table(name, params, (t) => onRows([...t.rows.values()], t))
  return () => table.close()
}
