//! Reading CustomResourceDefinitions (being written).
