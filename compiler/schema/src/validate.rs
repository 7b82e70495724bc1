//! Validation of evaluated objects (being written).
