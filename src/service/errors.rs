//! The one error type of the service's handlers, and how every refusal is written: the OData
//! error body `{"error": {"code", "message", "innerError": {"request-id", "date"}}}` (C6.1).
//!
//! Handlers return `Result<_, ApiError>`; the one handler every request reaches
//! (`service::answer`) writes the error with the request's id and the active fault and
//! deviations, so there is one place where error bodies are made.

use axum::http::header::{HeaderValue, ALLOW, CONTENT_TYPE, RETRY_AFTER};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::faults::{self, Deviation, Fault};

/// Content-Type of error bodies (Graph answers errors with plain `application/json`).
pub(crate) const ERROR_CONTENT_TYPE: &str = "application/json";

/// A refusal: status, OData error code, message, and the headers some statuses need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    /// 405 answers say which methods the route takes.
    pub(crate) allow: Option<&'static str>,
    /// 429 answers say when to retry.
    pub(crate) retry_after: Option<&'static str>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            allow: None,
            retry_after: None,
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotFound", message)
    }

    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden", message)
    }

    pub(crate) fn method_not_allowed(method: &str) -> Self {
        Self {
            allow: Some("GET, PATCH"),
            ..Self::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "MethodNotAllowed",
                format!("the HTTP method {method} is not allowed here; use GET or PATCH"),
            )
        }
    }

    pub(crate) fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!("the request body is larger than {limit} bytes; send a smaller JSON object"),
        )
    }

    pub(crate) fn unsupported_media_type(status: StatusCode, given: Option<&str>) -> Self {
        let given = given.map_or_else(
            || "no Content-Type".to_owned(),
            |g| format!("Content-Type {g:?}"),
        );
        Self::new(
            status,
            if status == StatusCode::BAD_REQUEST {
                "BadRequest"
            } else {
                "UnsupportedMediaType"
            },
            format!("the request has {given}; send the body as application/json"),
        )
    }

    pub(crate) fn throttled(after: &'static str) -> Self {
        Self {
            retry_after: Some(after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                format!("too many requests (the throttle deviation refuses every 7th one); retry after {after} seconds"),
            )
        }
    }

    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerError",
            message,
        )
    }
}

/// What `service::answer` knows when it writes an error body.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ErrorStyle<'a> {
    pub fault: Option<Fault>,
    pub deviations: &'a [Deviation],
    pub request_id: &'a str,
    pub client_request_id: Option<&'a str>,
}

impl ApiError {
    /// The error body as the active fault and deviations write it.
    pub(crate) fn body(&self, style: &ErrorStyle<'_>) -> Value {
        let mut error = Map::new();
        error.insert("code".into(), Value::String(self.code.into()));
        error.insert("message".into(), Value::String(self.message.clone()));
        let mut inner = Map::new();
        inner.insert(
            "date".into(),
            Value::String(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string()),
        );
        inner.insert("request-id".into(), Value::String(style.request_id.into()));
        if let Some(c) = style.client_request_id {
            inner.insert("client-request-id".into(), Value::String(c.into()));
        }
        let name = if style.deviations.contains(&Deviation::InnererrorLowercase) {
            "innererror"
        } else {
            "innerError"
        };
        error.insert(name.into(), Value::Object(inner));
        let mut body = json!({ "error": error });
        faults::errors::body(style.fault, self, &mut body);
        body
    }

    /// The whole response as the active fault and deviations write it.
    pub(crate) fn render(&self, style: &ErrorStyle<'_>) -> Response {
        let (content_type, body) = faults::errors::plain(style.fault, self)
            .unwrap_or_else(|| (ERROR_CONTENT_TYPE, self.body(style).to_string()));
        let mut response = (self.status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(allow) = self.allow {
            headers.insert(ALLOW, HeaderValue::from_static(allow));
        }
        if let Some(retry) = self.retry_after {
            headers.insert(RETRY_AFTER, HeaderValue::from_static(retry));
        }
        response
    }
}
