//! HTTP plumbing shared by every endpoint: body extraction with problem errors, ETags,
//! pagination, request ids, metrics, large bodies sent in slices, and the answers for unknown
//! routes and methods.

pub mod body;
pub mod etag;
pub mod fallback;
pub mod guard;
pub mod metrics;
pub mod negotiate;
pub mod pagination;
pub mod request_id;
pub mod slices;
