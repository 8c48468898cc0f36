// Set-up (#/setup/<section>): what admins configure before and while turns run: properties,
// vendors, users, stages, the approval thresholds and the inspection templates. Other roles are told who does it.
import { isAdmin, useSession } from '../data/session.js'
import { useRoute } from '../router.js'
import { SetupApprovals } from '../components/setup/approvals.jsx'
import { SetupProperties } from '../components/setup/properties.jsx'
import { SetupStages } from '../components/setup/stages.jsx'
import { SetupTemplates } from '../components/setup/templates.jsx'
import { SetupUsers } from '../components/setup/users.jsx'
import { SetupVendors } from '../components/setup/vendors.jsx'
import '../components/setup/setup.css'

const SECTIONS = [
  ['properties', 'Properties', SetupProperties],
  ['vendors', 'Vendors', SetupVendors],
  ['users', 'Users', SetupUsers],
  ['stages', 'Stages', SetupStages],
  ['approvals', 'Approval thresholds', SetupApprovals],
  ['inspections', 'Inspection templates', SetupTemplates],
]

export function Setup() {
  const { me } = useSession()
  const { params } = useRoute()
  if (!isAdmin(me)) {
    return (
      <section aria-labelledby="setup-title">
        <h1 id="setup-title">Set-up</h1>
        <p>Only admins set up properties, vendors, users, stages, approval thresholds and inspection templates. Ask an admin for a change.</p>
      </section>
    )
  }
  const [key, label, Section] = SECTIONS.find(([k]) => k === params[0]) || SECTIONS[0]
  return (
    <section aria-labelledby="setup-title" className="setup">
      <div className="page-head">
        <h1 id="setup-title">Set-up</h1>
      </div>
      <nav className="setup-tabs" aria-label="Set-up sections">
        {SECTIONS.map(([k, l]) => (
          <a key={k} href={`#/setup/${k}`} aria-current={k === key ? 'page' : undefined}>
            {l}
          </a>
        ))}
      </nav>
      <h2 className="visually-hidden">{label}</h2>
      <Section />
    </section>
  )
}
