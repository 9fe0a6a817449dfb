//! Functions for operators: checking, rebuilding, describing.

mod info;
mod refresh;
mod verify;
