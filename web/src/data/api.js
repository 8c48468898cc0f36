// Calls to the Turns API with the session cookie; writes carry the CSRF token.
import { useCallback, useEffect, useState } from 'react'

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`)
    this.status = status
    this.problem = problem || {}
  }
}

/** The CSRF cookie's value; the cookie exists only while a session may be live. */
export function csrfToken() {
  const found = document.cookie.split('; ').find((part) => part.startsWith('turns_csrf='))
  return found ? decodeURIComponent(found.slice('turns_csrf='.length)) : ''
}

/**
 * A new key for one upload, kept with it on the device and sent with every try
 * (`Idempotency-Key`), so an upload whose answer was lost and is sent again is kept once. A UUID
 * where the browser makes one (not over plain http), else as many random bits.
 */
export function uploadKey() {
  if (crypto.randomUUID) return crypto.randomUUID()
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/**
 * A call to the API; `form` (a FormData, sent as multipart, or a Blob such as a photo, sent as is
 * with its type) replaces a JSON `body`; `headers` are added (e.g. an `idempotency-key`).
 */
export async function api(path, { method = 'GET', body, query, form, headers: extra = {} } = {}) {
  const headers = { accept: 'application/json', ...extra }
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken()
  let url = path
  if (query) {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') params.append(key, value)
    }
    if ([...params].length) url += `?${params}`
  }
  const response = await fetch(url, {
    method,
    headers,
    body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
    credentials: 'same-origin',
  })
  if (response.ok && method !== 'GET') for (const listener of writeListeners) listener(path)
  if (response.status === 204) return null
  const type = response.headers.get('content-type') || ''
  const data = type.includes('json') ? await response.json() : await response.text()
  if (!response.ok) throw new ApiError(response.status, typeof data === 'object' ? data : { detail: data })
  return data
}

const writeListeners = new Set()

/** Call `listener(path)` after each write the server accepted, until the returned function is called. */
export function onWrite(listener) {
  writeListeners.add(listener)
  return () => writeListeners.delete(listener)
}

/** A network failure (offline, server unreachable) as opposed to an answer from the server. */
export function isNetworkError(error) {
  return !(error instanceof ApiError)
}

export function problemText(error) {
  if (!(error instanceof ApiError)) return 'You are offline: the change is kept and sent when the connection is back.'
  const { problem } = error
  const details = (problem.errors || []).map((e) => e.msg || e.message || JSON.stringify(e))
  return [problem.detail || problem.title || error.message, ...details].join(' ')
}

/** Words for a failed read: the server's problem, or that it could not be reached. */
export function readProblemText(error) {
  if (error instanceof ApiError) return problemText(error)
  return 'The server could not be reached: check the connection and try again.'
}

/**
 * The answer to GET path?query while mounted: {data} or {error}, and loading while asked.
 * Asked again when path, query or `again` change, or on retry(); nothing is asked without a path.
 */
export function useApi(path, query, again) {
  const key = JSON.stringify(query ?? {})
  const [attempt, setAttempt] = useState(0)
  const retry = useCallback(() => setAttempt((n) => n + 1), [])
  // The last answer, with the request it answers: loading until the current request's is in,
  // while the previous answer stays shown.
  const [answer, setAnswer] = useState({})
  const asked = JSON.stringify([path, key, again, attempt])

  useEffect(() => {
    if (!path) return undefined
    let current = true
    api(path, { query: JSON.parse(key) })
      .then((data) => current && setAnswer({ asked, data }))
      .catch((error) => current && setAnswer({ asked, error }))
    return () => {
      current = false
    }
  }, [path, key, asked])

  return { data: answer.data, error: answer.error, loading: answer.asked !== asked, retry }
}
