// The app shell, kept for starts without a connection: the page (network first, the kept
// copy when the network fails) and its built assets (from the cache first: their names carry
// a hash of their content, so a kept file never goes stale). API and sync answers are never
// kept here; the app keeps its own copy of the synced rows (src/data/local-db.js).
//
// One cache, named for these rules: change CACHE when they change, and activation deletes
// the old one. A new build does not need a new name: when the page changes, the assets it
// names are fetched and those it no longer names are dropped, so the cache holds one build
// (plus any chunk that build loads later, kept on first use).
const CACHE = 'turns-shell-v1'
const PAGE = '/'
const ASSETS = '/assets/'

self.addEventListener('install', (event) => {
  event.waitUntil(
    fetch(PAGE, { cache: 'no-cache' })
      .then(keepPage)
      .then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', (event) => {
  const old = (name) => name.startsWith('turns-shell-') && name !== CACHE
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter(old).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  )
})

self.addEventListener('fetch', (event) => {
  const { request } = event
  const url = new URL(request.url)
  if (request.method !== 'GET' || url.origin !== self.location.origin) return
  if (request.mode === 'navigate' && url.pathname === PAGE) event.respondWith(page(event))
  else if (url.pathname.startsWith(ASSETS)) event.respondWith(asset(request))
})

async function page(event) {
  try {
    const response = await fetch(event.request)
    if (response.ok) event.waitUntil(keepPage(response.clone()))
    return response
  } catch (error) {
    const kept = await caches.match(PAGE)
    if (kept) return kept
    throw error
  }
}

async function asset(request) {
  const kept = await caches.match(request)
  if (kept) return kept
  const response = await fetch(request)
  if (response.ok) {
    const cache = await caches.open(CACHE)
    await cache.put(request, response.clone())
  }
  return response
}

/** Keep the page; when it is a new build, fetch the assets it names and drop the others. */
async function keepPage(response) {
  const cache = await caches.open(CACHE)
  const html = await response.clone().text()
  const previous = await cache.match(PAGE)
  if (previous && (await previous.text()) === html) return
  const named = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1])
  await cache.addAll(named)
  await cache.put(PAGE, response)
  const stale = (await cache.keys()).filter((request) => {
    const { pathname } = new URL(request.url)
    return pathname.startsWith(ASSETS) && !named.includes(pathname)
  })
  await Promise.all(stale.map((request) => cache.delete(request)))
}
