// Writes to turns, applied optimistically and sent through the API in order. A write made
// offline waits in localStorage and is sent when the connection is back. A write whose
// version is stale (409) is kept as a conflict: the user sees the newer values and can
// reapply or discard it. Nothing is sent twice: an operation leaves the queue when the
// server has answered it.
import { useEffect, useMemo, useSyncExternalStore } from 'react'
import { api, isNetworkError, problemText } from './api.js'
import { useTable } from './sync.js'

const KEY = 'turns.outbox'
const RETRY_MS = 3000

function load(userId) {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) || '{}')
    return saved.userId === userId ? saved.ops : []
  } catch {
    return []
  }
}

let sequence = 0

export class Outbox {
  constructor(userId) {
    this.userId = userId
    this.ops = load(userId)
    this.online = navigator.onLine
    this.listeners = new Set()
    this.sending = false
    this.snapshot = { ops: this.ops, online: this.online }
    this.onOnline = () => this.setOnline(true)
    this.onOffline = () => this.setOnline(false)
    window.addEventListener('online', this.onOnline)
    window.addEventListener('offline', this.onOffline)
    this.timer = setInterval(() => this.flush(), RETRY_MS)
    this.flush()
  }

  /** Drop every queued change of this device (the user signed out). */
  forget() {
    this.ops = []
    localStorage.removeItem(KEY)
  }

  close() {
    clearInterval(this.timer)
    window.removeEventListener('online', this.onOnline)
    window.removeEventListener('offline', this.onOffline)
  }

  subscribe = (listener) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  getSnapshot = () => this.snapshot

  changed() {
    localStorage.setItem(KEY, JSON.stringify({ userId: this.userId, ops: this.ops }))
    this.snapshot = { ops: this.ops, online: this.online }
    for (const listener of this.listeners) listener()
  }

  setOnline(online) {
    this.online = online
    this.changed()
    if (online) this.flush()
  }

  /**
   * Queue a write to one turn.
   * kind: 'update' (PATCH fields), 'transition' ({to_stage_id, note}), 'submit', 'approve', 'reject' ({reason}),
   * 'reopen' ({reason}), 'dates' ({expected_completion_date, move_in_date, reason}), 'handoff'.
   * overlay: the fields the board shows until the server's row arrives.
   */
  write(turn, kind, body, overlay = {}, label = '') {
    const op = {
      id: `${Date.now()}-${(sequence += 1)}`,
      turnId: turn.id,
      kind,
      body,
      overlay,
      label,
      version: Number(turn.version),
      state: 'pending',
    }
    this.ops = [...this.ops, op]
    this.changed()
    this.flush()
    return op.id
  }

  update(id, fields) {
    this.ops = this.ops.map((op) => (op.id === id ? { ...op, ...fields } : op))
    this.changed()
  }

  discard(id) {
    this.ops = this.ops.filter((op) => op.id !== id)
    this.changed()
  }

  /** Send the conflicting change again on top of the row as it is now. */
  reapply(id) {
    const op = this.ops.find((o) => o.id === id)
    if (!op || !op.current) return
    this.update(id, { state: 'pending', version: Number(op.current.version), current: null, message: null })
    this.flush()
  }

  async flush() {
    if (this.sending) return
    this.sending = true
    try {
      for (;;) {
        const op = this.ops.find((o) => o.state === 'pending')
        if (!op) return
        try {
          const row = await send(op)
          this.sent(op, row)
          if (!this.online) this.setOnline(true)
        } catch (error) {
          if (isNetworkError(error)) {
            if (this.online) this.setOnline(false)
            return
          }
          this.fail(op, error)
        }
      }
    } finally {
      this.sending = false
    }
  }

  /** The server took the write; later writes queued on top of it follow its new version. */
  sent(op, row) {
    const version = Number(row.version)
    this.ops = this.ops.map((o) => {
      if (o.id === op.id) return { ...o, state: 'sent', sentVersion: version }
      if (o.state === 'pending' && o.turnId === op.turnId && o.version === op.version) return { ...o, version }
      return o
    })
    this.changed()
  }

  /**
   * A write sent outside the queue, because its body must never be stored on the device (a
   * lock-box code): the server's answer stands in for the synced row until it catches up, so
   * the next change to the turn carries the new version.
   */
  answered(turn, row, overlay) {
    const op = {
      id: `${Date.now()}-${(sequence += 1)}`,
      turnId: turn.id,
      kind: 'answered',
      body: null,
      overlay,
      label: '',
      version: Number(turn.version),
      state: 'pending',
    }
    this.ops = [...this.ops, op]
    this.sent(op, row)
  }

  fail(op, error) {
    const current = error.problem.current
    // A 409 without the current row is a refusal (e.g. the home has another open turn), not a stale version.
    if ((error.status === 409 || error.status === 412) && current) {
      // A write that reached the server before the connection dropped comes back as a
      // conflict with our own values in place: it is done, not a conflict.
      if (Object.entries(op.overlay).every(([k, v]) => sameValue(current[k], v))) {
        this.sent(op, current)
        return
      }
      this.update(op.id, { state: 'conflict', current, message: problemText(error) })
      return
    }
    const missing = Array.isArray(error.problem.missing) ? error.problem.missing : null
    this.update(op.id, { state: 'rejected', message: problemText(error), status: error.status, missing })
  }

  /** Forget sent operations once the synced row has caught up with them. */
  settle(turns) {
    const done = this.ops.filter(
      (op) => op.state === 'sent' && Number(turns.get(op.turnId)?.version ?? 0) >= op.sentVersion,
    )
    if (done.length) {
      const ids = new Set(done.map((op) => op.id))
      this.ops = this.ops.filter((op) => !ids.has(op.id))
      this.changed()
    }
  }
}

/** A value of the server's row (amounts as JSON numbers) against one the user wrote (amounts as text). */
export function sameValue(stored, written) {
  return String(stored ?? '') === String(written ?? '') || (typeof stored === 'number' && stored === Number(written))
}

/** Method and path (under the turn) of each kind of change. */
const ROUTES = {
  update: ['PATCH', ''],
  transition: ['POST', '/transition'],
  submit: ['POST', '/scope/submit'],
  approve: ['POST', '/scope/approve'],
  reject: ['POST', '/scope/reject'],
  reopen: ['POST', '/reopen'],
  dates: ['PUT', '/dates'],
  handoff: ['POST', '/handoff'],
}

function send(op) {
  const [method, path] = ROUTES[op.kind]
  return api(`/api/v1/turns/${op.turnId}${path}`, { method, body: { ...op.body, version: op.version } })
}

export function useOutbox(outbox) {
  return useSyncExternalStore(outbox.subscribe, outbox.getSnapshot)
}

/** Synced turns with the fields of writes not yet confirmed laid over them. */
export function withPending(turns, ops) {
  const active = ops.filter((op) => op.state === 'pending' || op.state === 'sent')
  if (!active.length) return turns
  const merged = new Map(turns)
  for (const op of active) {
    const row = merged.get(op.turnId)
    if (row && !(op.state === 'sent' && Number(row.version) >= op.sentVersion)) {
      const version = op.state === 'sent' ? { version: op.sentVersion } : {}
      merged.set(op.turnId, { ...row, ...op.overlay, ...version })
    }
  }
  return merged
}

/**
 * The turns as the user should see them: synced rows with their own unconfirmed writes laid
 * over them. Also returns the synced rows and the queue.
 */
export function usePendingTurns(store, outbox) {
  const synced = useTable(store, 'turns')
  const { ops } = useOutbox(outbox)
  useEffect(() => outbox.settle(synced), [outbox, synced])
  const turns = useMemo(() => withPending(synced, ops), [synced, ops])
  return { turns, synced, ops }
}
