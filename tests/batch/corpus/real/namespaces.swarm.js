[Single Message - Shared namespace]:
mcp__claude-flow__memory_usage({ action: "store", namespace: "team", key: "brief", value: "Ship the search page" })
Task("Designer", "Read the brief from memory. Store the page design in memory namespace 'team'.", "frontend-dev")
Task("Reviewer", "Read from 'team' namespace and review what is there.", "reviewer")
