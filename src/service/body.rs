//! The request body before `domain::parse_patch` sees it: reading it within the size limit,
//! and the media type (C3.1). Validation itself is the domain's; nothing here decides whether
//! a value is valid.

use std::pin::Pin;

use axum::body::{Body, Bytes, HttpBody};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};

use super::errors::ApiError;

/// The largest body the service takes (1 MiB); larger answers 413.
pub const BODY_LIMIT: usize = 1 << 20;
/// Up to this much of an over-limit body is still read (and dropped) before the 413, so the
/// client sees the answer instead of a reset connection.
const DRAIN_LIMIT: usize = 16 << 20;
/// At most this much is set aside before any of the body has arrived.
const PRESIZE_LIMIT: u64 = 16 << 10;

/// Reads the whole body, or refuses one over [`BODY_LIMIT`] with 413.
pub(crate) async fn read(headers: &HeaderMap, mut body: Body) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return Err(ApiError::too_large(BODY_LIMIT));
    }
    // Sized by the declared length, up to a bound a client that lies about it cannot inflate.
    let mut kept = Vec::with_capacity(declared.map_or(0, |n| n.min(PRESIZE_LIMIT) as usize));
    let mut seen = 0usize;
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|e| {
            ApiError::bad_request(format!(
                "the request body could not be read ({e}); send it again"
            ))
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len());
        if seen <= BODY_LIMIT {
            kept.extend_from_slice(&data);
        } else if seen > DRAIN_LIMIT {
            break;
        }
    }
    if seen > BODY_LIMIT {
        return Err(ApiError::too_large(BODY_LIMIT));
    }
    Ok(Bytes::from(kept))
}

/// C3.1: the media type must be `application/json` (in any letter case, as media types are);
/// parameters are allowed.
pub(crate) fn check_media_type(
    headers: &HeaderMap,
    refusal_status: StatusCode,
) -> Result<(), ApiError> {
    let raw = headers.get(CONTENT_TYPE);
    let text = raw.and_then(|v| v.to_str().ok());
    let essence = text.map(|t| t.split(';').next().unwrap_or("").trim());
    if essence.is_some_and(|e| e.eq_ignore_ascii_case("application/json")) {
        return Ok(());
    }
    let shown = match (raw, text) {
        (None, _) => None,
        (Some(_), Some(t)) => Some(t),
        (Some(_), None) => Some("(not readable as text)"),
    };
    Err(ApiError::unsupported_media_type(refusal_status, shown))
}
