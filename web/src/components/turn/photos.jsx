import { useEffect, useId, useMemo, useRef, useState } from 'react'
import { api, problemText } from '../../data/api.js'
import { dismissRefusal, queuePhoto, usePhotoQueue } from '../../data/photo-queue.js'
import { isAdmin, useSession } from '../../data/session.js'
import { shapeRows } from '../../data/sync.js'
import { formatDate, personName } from '../../format.js'
import './photos.css'

/** Who adds photos to the turns they read (the API's rule, access/actions.py ADDS_PHOTOS). */
const ADDS = ['SUPER_ADMIN', 'ADMIN', 'PROPERTY_MANAGER', 'SR_PROPERTY_MANAGER', 'INSPECTOR', 'VENDOR']
export const addsPhotos = (me) => ADDS.includes(me.role)
const PHASES = { before: 'Before', after: 'After' }

/** The address of one size ('original', 'display', 'thumb') of a photo, read through the API. */
export function photoFile(photo, size) {
  return photo.files?.[size] ?? `/api/v1/photos/${photo.id}/file?size=${size}`
}

/** A turn's photos, oldest first, from the synced `photos`: caught up each minute, and live for a while after every photo this device sends or removes. */
export function useTurnPhotos(turnId) {
  const [photos, setPhotos] = useState({ rows: [], ready: false })
  useEffect(
    () =>
      shapeRows(
        'photos',
        { where: 'turn_id = $1', params: { 1: turnId } },
        (rows, table) => setPhotos({ rows, ready: table.ready }),
        { writtenBy: /\/photos\b/ },
      ),
    [turnId],
  )
  const rows = useMemo(
    () => [...photos.rows].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id)),
    [photos.rows],
  )
  return { rows, ready: photos.ready }
}

/** Whom a photo was added by, in words. */
function addedBy(photo, names) {
  const user = names?.users?.get(photo.created_by)
  return user ? personName(user) : 'a member of the team'
}

/**
 * Thumbnails that open a larger view: the photo, its caption, before or after, who added it
 * and when; whoever added it (or an admin) removes it there.
 */
export function PhotoGrid({ photos, names, label, compact = false }) {
  const [open, setOpen] = useState(null)
  if (!photos.length) return null
  return (
    <>
      <ul className={compact ? 'photo-grid compact' : 'photo-grid'} aria-label={label}>
        {photos.map((photo) => (
          <li key={photo.id}>
            <button type="button" className="photo-thumb" onClick={() => setOpen(photo)}>
              <img src={photoFile(photo, 'thumb')} alt={photo.caption || `Photo added by ${addedBy(photo, names)}`} loading="lazy" />
              {photo.phase && <span className={`phase ${photo.phase}`}>{PHASES[photo.phase]}</span>}
            </button>
          </li>
        ))}
      </ul>
      {open && <PhotoView photo={open} names={names} onClose={() => setOpen(null)} />}
    </>
  )
}

function PhotoView({ photo, names, onClose }) {
  const { me } = useSession()
  const dialog = useRef(null)
  const titleId = useId()
  const [problem, setProblem] = useState('')
  useEffect(() => {
    dialog.current?.showModal()
  }, [])
  const removes = isAdmin(me) || photo.created_by === me.id

  async function remove() {
    setProblem('')
    try {
      await api(`/api/v1/photos/${photo.id}`, { method: 'DELETE' })
      onClose()
    } catch (error) {
      setProblem(problemText(error))
    }
  }

  return (
    <dialog ref={dialog} className="photo-view" aria-labelledby={titleId} onClose={onClose}>
      <h2 id={titleId}>{photo.caption || (photo.phase ? `${PHASES[photo.phase]} photo` : 'Photo')}</h2>
      <img src={photoFile(photo, 'display')} alt={photo.caption || 'The photo, larger'} />
      <p className="muted">
        {photo.phase && `${PHASES[photo.phase]} the work · `}Added by {addedBy(photo, names)}, {formatDate(photo.created_at)}
      </p>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      <p className="actions">
        <a href={photoFile(photo, 'original')} target="_blank" rel="noopener noreferrer">
          Full size<span className="visually-hidden"> (new tab)</span>
        </a>
        {removes && (
          <button type="button" className="secondary" onClick={remove}>
            Remove photo
          </button>
        )}
        <button type="button" onClick={() => dialog.current?.close()} autoFocus>
          Close
        </button>
      </p>
    </dialog>
  )
}

/**
 * A button that opens the camera (or the photo library) and keeps the photo for upload;
 * `details` say what it shows ({subject, subject_id, phase, caption}).
 */
export function AddPhoto({ turnId, details, label, className = 'add-photo', onTaken }) {
  async function taken(event) {
    const files = [...event.target.files]
    event.target.value = ''
    for (const file of files) await queuePhoto(turnId, file, details)
    onTaken?.()
  }
  return (
    <label className={className}>
      {label}
      <input type="file" accept="image/*" capture="environment" className="visually-hidden" onChange={taken} />
    </label>
  )
}

/** What this device still holds for the turn, and the photos the server refused. */
export function PhotoUploads({ turnId, subjectId }) {
  const { waiting, refused, sending } = usePhotoQueue(turnId)
  const mine = subjectId === undefined ? waiting : waiting.filter((row) => row.details.subject_id === subjectId)
  return (
    <>
      <p className="muted photo-waiting" role="status">
        {mine.length > 0 &&
          (sending && navigator.onLine
            ? `Uploading ${mine.length} photo${mine.length === 1 ? '' : 's'}…`
            : `${mine.length} photo${mine.length === 1 ? '' : 's'} kept on this device: uploaded when the connection is back.`)}
      </p>
      {subjectId === undefined &&
        refused.map((row) => (
          <p key={row.key} className="error" role="alert">
            {row.name} was not uploaded: {row.text}{' '}
            <button type="button" className="link" onClick={() => dismissRefusal(row.key)}>
              Dismiss
            </button>
          </p>
        ))}
    </>
  )
}

/**
 * The turn's photos: everything taken on it (the scope lines' before and after photos too), and
 * for the people who work on the turn a way to add one with a caption.
 */
export function TurnPhotos({ turn, photos, names }) {
  const { me } = useSession()
  const [caption, setCaption] = useState('')
  const [phase, setPhase] = useState('')
  const details = { subject: 'turn', caption: caption.trim() || undefined, phase: phase || undefined }
  return (
    <section className="panel photos" aria-labelledby="photos-title">
      <h2 id="photos-title">Photos</h2>
      {photos.ready && !photos.rows.length && (
        <p className="muted">
          {addsPhotos(me) ? 'No photos yet: add what you see on site.' : 'No photos yet: the team has not added any.'}
        </p>
      )}
      <PhotoGrid photos={photos.rows} names={names} label={`Photos of ${turn.turn_id}`} />
      {addsPhotos(me) && (
        <div className="photo-add">
          <label>
            Caption (optional)
            <input type="text" maxLength={500} value={caption} onChange={(e) => setCaption(e.target.value)} />
          </label>
          <label>
            Shows
            <select value={phase} onChange={(e) => setPhase(e.target.value)}>
              <option value="">The home</option>
              <option value="before">Before the work</option>
              <option value="after">After the work</option>
            </select>
          </label>
          <AddPhoto turnId={turn.id} details={details} label="Add photo" className="add-photo button" onTaken={() => setCaption('')} />
        </div>
      )}
      <PhotoUploads turnId={turn.id} />
    </section>
  )
}
