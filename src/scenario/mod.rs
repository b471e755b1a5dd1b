//! Scenario files: typed schema, loading and layering, validation.
