// On a property's page, for admins: edit the property, deactivate or reactivate it.
import { useState } from 'react'
import { ActiveToggle } from './active-toggle.jsx'
import { PropertyForm } from './property-form.jsx'

export function PropertySetup({ property }) {
  const [open, setOpen] = useState(false)
  const [saved, setSaved] = useState(null)
  // The synced row catches up within a moment; until then the API's answer is shown.
  const shown = saved && Number(saved.version) > Number(property.version) ? { ...property, ...saved } : property
  return (
    <section className="panel" aria-label="Set-up of this property">
      <p className="row-actions">
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Close the edit form' : 'Edit property'}
        </button>
        <ActiveToggle path="/api/v1/properties" record={shown} name={property.name} onSaved={setSaved} />
      </p>
      {open && <PropertyForm property={shown} onSaved={setSaved} />}
    </section>
  )
}
