"""Health: CSComs (facilities), FP/RH information topics, enrollment for subsidized care."""
