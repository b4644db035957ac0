"""Application forms built from process definitions, and server-side validation of answers."""
