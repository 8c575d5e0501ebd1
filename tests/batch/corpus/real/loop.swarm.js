const members = [{ type: "coder", name: "A" }, { type: "tester", name: "B" }]
members.forEach(m => {
  mcp__claude-flow__agent_spawn({ type: m.type, name: m.name })
})
