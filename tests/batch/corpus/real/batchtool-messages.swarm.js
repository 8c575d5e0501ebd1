// Three messages, one after another: the agents, then the files, then the checks.
[BatchTool - Message 1]:
  mcp__claude-flow__swarm_init { topology: "star", maxAgents: 5, strategy: "parallel" }
  mcp__claude-flow__agent_spawn { type: "architect", name: "Schema Lead", task: "Design the invoice schema. Store it in memory under 'billing/schema'." }
  mcp__claude-flow__agent_spawn { type: "coder", name: "Invoice Coder", task: "Read 'billing/schema' from memory and implement invoice totals." }
  mcp__claude-flow__agent_spawn { type: "tester", name: "Invoice Tester", task: "Wait for 'billing/schema' in memory, then write property tests for totals." }

  TodoWrite { todos: [
    { id: "schema", content: "Design the invoice schema", status: "in_progress", priority: "high" },
    { id: "totals", content: "Implement invoice totals", status: "pending", priority: "high" },
    { id: "tests", content: "Write property tests for totals", status: "pending", priority: "medium" }
  ]}

  mcp__claude-flow__memory_usage { action: "store", key: "billing/kickoff", value: { ticket: "BILL-7", opened: Date.now() } }

[BatchTool - Message 2]:
  Bash("mkdir -p billing/{src,tests}")
  Write("billing/README.md", "# Billing\n")

[BatchTool - Message 3]:
  Read("billing/README.md")
  Bash("ls billing")
