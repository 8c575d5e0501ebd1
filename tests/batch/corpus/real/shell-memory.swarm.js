[Single Message - Shell memory]:
Task("Planner", `Plan the database migration.
When done, run: npx claude-flow@alpha memory store "migrate/plan" "ready" --namespace coordination
After each edit: npx claude-flow@alpha hooks post-edit --file migration.sql --memory-key "migrate/edits"`, "planner")
Task("Migrator", `Wait until the plan exists:
while ! npx claude-flow@alpha memory retrieve --key migrate/plan --namespace coordination; do sleep 5; done
Then apply the migration.`, "backend-dev")
Task("Auditor", "Check the edits: npx claude-flow@alpha memory get migrate/edits. Also read the last audit with memory get audits/latest.", "reviewer")
Bash("npx claude-flow@alpha memory store --key migrate/window --value 'Sunday 02:00' --namespace coordination")
