"""The application layer: one module per use case, built from one context (see docs/architecture.md)."""
