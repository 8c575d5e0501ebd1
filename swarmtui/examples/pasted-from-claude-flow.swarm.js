// The way claude-flow's guides write a batch: MCP coordination, Claude Code's Task tool,
// calls without parentheses. swarmtui runs the agents, the todos and the memory store; it records
// the tools agents use themselves (Read) and the coordination it does itself (task_orchestrate).
[Single Message - Add CSV export]:
  mcp__claude-flow__swarm_init { topology: "hierarchical", maxAgents: 4, strategy: "parallel" }
  mcp__claude-flow__task_orchestrate { task: "Add CSV export to the reports page", strategy: "parallel" }

  Task("Researcher", "Find how the reports page builds its tables. Store a short summary in memory under 'csv/tables'.", "researcher")
  Task("Coder", "Read 'csv/tables' from memory and add a CSV export button. Store the changed files in memory under 'csv/changes'.", "coder")
  Task({
    description: "Tester",
    prompt: "Wait for 'csv/changes' in memory, then test the export with empty and very large reports.",
    subagent_type: "tester"
  })

  TodoWrite { todos: [
    { id: "tables", content: "Find how the tables are built", status: "in_progress", priority: "high" },
    { id: "export", content: "Add the CSV export button", status: "pending", priority: "high" },
    { id: "tests", content: "Test the export", status: "pending", priority: "medium" }
  ]}

  Read("reports/page.js")
  mcp__claude-flow__memory_usage { action: "store", namespace: "csv", key: "ticket", value: "REP-42" }
