//! OpenAPI v3 JSON → Schema (being written).
