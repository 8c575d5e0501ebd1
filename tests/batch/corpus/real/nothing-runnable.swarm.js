[BatchTool]:
  Read("src/app.js")
  mcp__claude-flow__task_orchestrate { task: "Refactor the app", strategy: "parallel" }
  Multiple Write operations
