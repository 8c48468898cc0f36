// The page an invitation or password-reset e-mail links to (#/welcome?token=…): the person
// chooses a password (the API's password rule decides) and is signed in with it.
import { useState } from 'react'
import { ApiError, api, problemText } from '../data/api.js'

export function welcomeToken() {
  const match = window.location.hash.match(/^#\/welcome\?(.*)$/)
  return match ? new URLSearchParams(match[1]).get('token') || '' : null
}

/** The API's one sentence (a weak password, a used link), as a sentence. */
function refusal(error) {
  const text = error instanceof ApiError && error.problem.detail ? error.problem.detail : problemText(error)
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`
}

export function Welcome({ token, onSignedIn }) {
  const [error, setError] = useState(null)
  const [busy, setBusy] = useState(false)

  async function submit(event) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const password = form.get('password')
    if (password !== form.get('again')) {
      setError('The two passwords differ: type the same password twice.')
      return
    }
    setBusy(true)
    setError(null)
    try {
      const { email } = await api('/api/v1/auth/accept-invite', { method: 'POST', body: { token, password } })
      await api('/api/v1/auth/login', { method: 'POST', body: { email, password } })
      window.location.hash = '#/board'
      onSignedIn(await api('/api/v1/auth/me'))
    } catch (e) {
      setError(refusal(e))
      setBusy(false)
    }
  }

  return (
    <main className="login">
      <h1>Welcome to Turns</h1>
      <p>Choose the password you will sign in with: at least 10 characters, hard to guess (a few unrelated words work well).</p>
      <form onSubmit={submit} aria-describedby={error ? 'welcome-error' : undefined}>
        <label>
          New password
          <input name="password" type="password" autoComplete="new-password" required minLength={10} autoFocus />
        </label>
        <label>
          The same password again
          <input name="again" type="password" autoComplete="new-password" required />
        </label>
        {error && (
          <p id="welcome-error" className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || !token}>
          {busy ? 'Saving…' : 'Set password and sign in'}
        </button>
      </form>
    </main>
  )
}
