import { createRoot } from 'react-dom/client'
import { App } from './app.jsx'
import './styles.css'

createRoot(document.getElementById('root')).render(<App />)

// The service worker keeps the page and its assets so the app opens without a connection.
// Production builds only: the dev server's modules change with every edit. Without it (an
// unsupported browser, a refused registration) the app still works, online.
if (import.meta.env.PROD && 'serviceWorker' in navigator) {
  window.addEventListener('load', () => navigator.serviceWorker.register('/sw.js').catch(() => null))
}
