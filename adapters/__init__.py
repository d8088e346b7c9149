"""Adapters shipped with the kit: the reference engine's, the Node.js example and wrong implementations."""
