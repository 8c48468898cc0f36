export function Properties() {
  return <h1>Properties</h1>
}
