// What the app keeps on this device between visits, so it can start without a connection:
// each synced table's rows with the shape position they were read at (IndexedDB, one record
// per user and table), and who is signed in for the current session (localStorage, named by
// the session's CSRF cookie). A user's records are deleted when they sign out or their
// session ends, and every other user's when someone signs in.
import { csrfToken } from './api.js'

const DATABASE = 'turns'
const SHAPES = 'shapes'
const ME = 'turns.me'

let opened = null

function open() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1)
    request.onupgradeneeded = () => request.result.createObjectStore(SHAPES, { keyPath: ['userId', 'table'] })
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  return opened
}

/**
 * One transaction on the saved shapes; resolves with the result of the request `use` makes
 * once the transaction has committed. Transactions run in the order they are asked for.
 */
async function run(mode, use) {
  const database = await open()
  return new Promise((resolve, reject) => {
    const transaction = database.transaction(SHAPES, mode)
    const request = use(transaction.objectStore(SHAPES))
    transaction.oncomplete = () => resolve(request.result)
    transaction.onerror = () => reject(transaction.error)
    transaction.onabort = () => reject(transaction.error)
  })
}

function deleteUsers(test) {
  return run('readwrite', (store) => {
    const request = store.openCursor()
    request.onsuccess = () => {
      const cursor = request.result
      if (!cursor) return
      if (test(cursor.value.userId)) cursor.delete()
      cursor.continue()
    }
    return request
  })
}

/** One user's saved copy of one table: load() -> {rows, offset, handle} or undefined, save(that), clear(). */
export function savedShape(userId, table) {
  const key = [userId, table]
  return {
    load: () => run('readonly', (store) => store.get(key)),
    save: ({ rows, offset, handle }) => run('readwrite', (store) => store.put({ userId, table, rows, offset, handle })),
    clear: () => run('readwrite', (store) => store.delete(key)),
  }
}

/** Keep who signed in for this session, and delete what other users left on this device. */
export function rememberMe(me) {
  localStorage.setItem(ME, JSON.stringify({ session: csrfToken(), me }))
  return deleteUsers((userId) => userId !== me.id).catch(() => null)
}

/** The user signed in for the current session, as last confirmed by the server, or null. */
export function savedMe() {
  try {
    const saved = JSON.parse(localStorage.getItem(ME))
    return saved && saved.session === csrfToken() ? saved.me : null
  } catch {
    return null
  }
}

/** Forget who was signed in and delete the user's saved rows. */
export function forgetUser(userId) {
  localStorage.removeItem(ME)
  return deleteUsers((id) => id === userId).catch(() => null)
}
