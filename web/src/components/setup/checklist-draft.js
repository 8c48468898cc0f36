// A template's checklist as the editor holds it until saved: areas in walking order, each with its
// items. The API stores items only (an area is the name its items share), in one order; these
// functions turn one into the other and make the editor's changes without touching the original.

let counter = 0
/** A key for a row of the editor (a new row has no id yet). */
const nextKey = () => `row-${++counter}`

/** The template's items grouped by area, each area where its first item stands. */
export function draftOf(template) {
  const areas = new Map()
  for (const item of template.items) {
    if (!areas.has(item.area)) areas.set(item.area, { key: nextKey(), name: item.area, items: [] })
    areas.get(item.area).items.push({ key: item.id, id: item.id, version: item.version, item: item.item, trade: item.trade, unit: item.unit })
  }
  return [...areas.values()]
}

/** The body of PUT …/items: the items in walking order, and those the draft dropped with the versions read. */
export function checklistOf(template, areas) {
  const items = areas.flatMap((area) =>
    area.items.map(({ id, version, item, trade, unit }) => ({ ...(id ? { id, version } : {}), area: area.name.trim(), item: item.trim(), trade, unit })),
  )
  const kept = new Set(items.map((item) => item.id).filter(Boolean))
  const removed = template.items.filter((item) => !kept.has(item.id)).map(({ id, version }) => ({ id, version }))
  return { items, removed }
}

/** What stops the draft from being saved, in words; '' when nothing does. */
export function draftProblem(areas) {
  const names = new Set()
  for (const [index, area] of areas.entries()) {
    const name = area.name.trim()
    if (!name) return `Area ${index + 1} has no name: name it or remove it.`
    if (names.has(name.toLowerCase())) return `There are two areas named ${name}: rename one.`
    names.add(name.toLowerCase())
    if (!area.items.length) return `${name} has no items: add one or remove the area.`
    const items = new Set()
    for (const [at, item] of area.items.entries()) {
      const words = item.item.trim()
      if (!words) return `Item ${at + 1} of ${name} has no name: name it or remove it.`
      if (items.has(words.toLowerCase())) return `${name} lists ${words} twice: rename or remove one.`
      items.add(words.toLowerCase())
    }
  }
  return ''
}

/** The list with the entry at `from` moved by `step` (-1 up, +1 down). */
export function moved(list, from, step) {
  const to = from + step
  if (to < 0 || to >= list.length) return list
  const copy = [...list]
  ;[copy[from], copy[to]] = [copy[to], copy[from]]
  return copy
}

export const newArea = (name) => ({ key: nextKey(), name, items: [] })
export const newItem = (item, trade, unit = 'each') => ({ key: nextKey(), item, trade, unit })
