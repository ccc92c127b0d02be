"""Link analysis over the caller's visible subgraph (associates, and more to come)."""
