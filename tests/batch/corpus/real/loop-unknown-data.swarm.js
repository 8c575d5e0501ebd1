// The team comes from a function: its members are not in the batch
loadTeam("team.json").forEach(m => {
  mcp__claude-flow__agent_spawn({ type: m.type, name: m.name })
})
