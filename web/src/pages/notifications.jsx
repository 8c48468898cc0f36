export function Notifications() {
  return <h1>Notifications</h1>
}
