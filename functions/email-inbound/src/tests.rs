//! Replies through the whole path: S3, the store, the gate.
