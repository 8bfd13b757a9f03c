"""SMS: the outbox (every message is a database row first), gateways, jobs, schedules."""
