"""Process definitions: schema, loader of the shared library, conditions and fees."""
