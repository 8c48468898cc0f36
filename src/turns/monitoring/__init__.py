"""Database monitoring (slow queries, sizes, unused indexes, connections) and Prometheus metrics."""
