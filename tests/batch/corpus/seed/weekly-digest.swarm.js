[Single Message - Weekly digest]:
mcp__claude_flow__swarm_init({ topology: "hierarchical", maxAgents: 5 })

Task("Collector", "Gather the pull requests merged this week. " +
     "Store the list in memory under 'swarm/digest/merged'.", "researcher")
Task("Editor", "Read the merged list from memory 'swarm/digest/merged'. Write the digest. " +
     "Save it to sessions/.../artifacts/docs/digest.md and store a summary in 'swarm/digest/summary'.", "api-docs")
Task("Checker", "Wait for the digest summary. Check links and names.", "reviewer")

TodoWrite({ todos: [
  {id: "1", content: "Gather merged pull requests", status: "in_progress", priority: "high"},
  {id: "2", content: "Write the digest", status: "pending", priority: "high"},
  {id: "3", content: "Check the digest", status: "pending", priority: "medium"},
]})

Bash("mkdir -p sessions/session-YYYYMMDD-HHMMSS-digest/artifacts/{docs,scripts}")
memory.store("swarm/digest/meta", JSON.stringify({ week: 48, started: new Date().toISOString() }))
