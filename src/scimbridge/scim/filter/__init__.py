"""SCIM filter expressions (RFC 7644 §3.4.2.2): tokens → AST → evaluation or SQL."""
