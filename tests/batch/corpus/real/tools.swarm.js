[Single Message - Investigate]:
  Task("Investigator", "Find why the nightly job fails. Store the cause in memory under 'nightly/cause'.", "researcher")
  Task("Fixer", "Read 'nightly/cause' from memory and fix it.", "coder")
  Read("jobs/nightly.yml")
  Grep({ pattern: "timeout", path: "jobs" })
  Glob("**/*.yml")
  LS("jobs")
  Edit({ file_path: "jobs/nightly.yml", old_string: "timeout: 10", new_string: "timeout: 30" })
  WebSearch("cron timezone daylight saving")
  WebFetch({ url: "https://example.org/cron", prompt: "How are time zones handled?" })
  mcp__claude-flow__task_orchestrate { task: "Fix the nightly job", strategy: "parallel" }
  mcp__claude-flow__swarm_status {}
  mcp__github__create_issue { title: "Nightly job times out", body: "Investigating." }
