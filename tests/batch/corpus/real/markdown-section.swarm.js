## Parallel work

Everything below goes in **one** message:

1. **TodoWrite** keeps every todo in one call
2. **Task** calls spawn the agents together

```javascript
[Single Message - Docs refresh]:
  Task("Outline Writer", "Outline the new user guide. Store the outline in memory under 'docs/outline'.", "planner")
  Task("Guide Writer", "Read the outline from memory 'docs/outline' and write the guide.", "api-docs")
  TodoWrite { todos: [
    {id: "outline", content: "Outline the user guide", status: "in_progress", priority: "high"},
    {id: "guide", content: "Write the user guide", status: "pending", priority: "high"}
  ]}
```

Then review the result.
