export function TurnDetail() {
  return <h1>TurnDetail</h1>
}
