// Fan-in: one contract, two implementers, one integrator.
[Single Message - Search index]:
mcp__claude_flow__swarm_init({ topology: "star", maxAgents: 8 })

Task("Contract Author", "Define the document format for the search index. " +
     "Store the format in memory under 'swarm/index/format'.", "system-architect")
Task("Tokenizer Dev", "Wait for 'swarm/index/format' in memory. Implement the tokenizer. " +
     "Store a short report in 'swarm/index/tokenizer'.", "coder")
Task("Store Dev", "Read the format from memory 'swarm/index/format'. Implement the posting lists. " +
     "Store a short report in 'swarm/index/postings'.", "backend-dev")
Task("Integrator", "Wait for both implementation reports. Connect the tokenizer to the postings and " +
     "write an end-to-end test to sessions/.../artifacts/tests/test_index.py.", "tester")
Task("Ops", "Write a nightly rebuild job for the index.", "cicd-engineer", { timeout: 600 })

TodoWrite({ todos: [
  {id: "format", content: "Define the document format", status: "in_progress", priority: "critical", agent: "Contract Author"},
  {id: "tokens", content: "Implement the tokenizer", status: "pending", priority: "high"},
  {id: "postings", content: "Implement posting lists", status: "pending", priority: "high"},
  {id: "e2e", content: "End-to-end test", status: "pending", priority: "medium"},
  {id: "nightly", content: "Nightly rebuild job", status: "pending", priority: "low"},
]})

const kickoff = "Index kickoff"
mcp__claude_flow__memory_usage({ action: "store", key: "kickoff", value: kickoff, namespace: "coordination", ttl: 3600 })
