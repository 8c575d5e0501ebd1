// Welcome to swarmtui. This batch is a fan-out: three researchers work at the same time,
// each storing notes in memory, and a writer waits for all of them.
// Press ctrl+r to run it (offline rehearsal: no model is called), f1 for help.
[Single Message - Pick a database]:
mcp__claude_flow__swarm_init({ topology: "star", maxAgents: 4 })

Task("Postgres Scout", "Compare Postgres for our event store. " +
     "Store findings in memory under 'swarm/db/postgres'.", "researcher")
Task("SQLite Scout", "Compare SQLite for our event store. " +
     "Store findings in memory under 'swarm/db/sqlite'.", "researcher")
Task("DuckDB Scout", "Compare DuckDB for our event store. " +
     "Store findings in memory under 'swarm/db/duckdb'.", "researcher")
Task("Decision Writer", "Read 'swarm/db/*' from memory. Write a one-page recommendation. " +
     "Store it in memory as 'swarm/db/decision'.", "api-docs")

TodoWrite({ todos: [
  {id: "pg", content: "Compare Postgres", status: "pending", priority: "high", agent: "Postgres Scout"},
  {id: "lite", content: "Compare SQLite", status: "pending", priority: "high", agent: "SQLite Scout"},
  {id: "duck", content: "Compare DuckDB", status: "pending", priority: "medium", agent: "DuckDB Scout"},
  {id: "doc", content: "Write the recommendation", status: "pending", priority: "high", agent: "Decision Writer"},
]})
