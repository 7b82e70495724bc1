//! The canonical formatter of `.ced` source (work in progress).
