Message 1: [BatchTool]
  // Coordination first
  - mcp__claude-flow__swarm_init
  - mcp__claude-flow__agent_spawn (researcher)
  - mcp__claude-flow__agent_spawn (code-analyzer)

Message 2: [BatchTool - Claude Code execution]
  1. Task("Scanner", "Find every place that reads the old config file.", "researcher")
  2. Task("Auditor", "Check the config readers for unsafe defaults.", "code-analyzer")
  * Bash("grep -rn config.ini src")
  - TodoWrite { todos: [
      {id: "scan", content: "Find the config readers", status: "in_progress", priority: "high"},
      {id: "audit", content: "Check for unsafe defaults", status: "pending", priority: "medium"}
    ]}
  - Write file1.js
