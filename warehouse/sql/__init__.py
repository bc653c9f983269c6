"""SQL built as sqlglot expressions from the spec: DDL, staging, loads, checks."""
