//! The cedc language server (work in progress).
