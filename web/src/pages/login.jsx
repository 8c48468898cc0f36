import { useState } from 'react'
import { api, problemText } from '../data/api.js'

export function Login({ onSignedIn }) {
  const [error, setError] = useState(null)
  const [busy, setBusy] = useState(false)

  async function submit(event) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    setBusy(true)
    setError(null)
    try {
      await api('/api/v1/auth/login', {
        method: 'POST',
        body: { email: form.get('email'), password: form.get('password') },
      })
      onSignedIn(await api('/api/v1/auth/me'))
    } catch (e) {
      setError(problemText(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <main className="login">
      <h1>Turns</h1>
      <p>Make-ready board for property operations.</p>
      <form onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <label>
          E-mail
          <input name="email" type="email" autoComplete="username" required autoFocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && (
          <p id="login-error" className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
